"""Publish a meter value only once two frames agree on it.

The TIC checksum is 6 bits: two compensating changes in one group pass it
(about one frame in 10⁵ at 1 % byte corruption, see docs/benchmarks.md). A
value that really changed is sent again in the next frame; a corruption is not
repeated. So, for each value of `reading.MeterState`:

* states and settings (tariff period, colours, contract, subscribed power,
  status register, ...) change once two frames carry the new value: a real
  change, at 06:00 or 22:00, is published one frame (1 to 2.5 s) late;
* measurements (apparent power, currents, voltages) follow the meter at once
  while they move by less than `STEP_SHARE` of their scale; a larger jump is
  published once the next frame confirms it;
* the overload (ADPS/ADIRx, STGE bit 7) is never delayed: shedding is the
  safe direction, and the meter only sends it while it is true;
* a value missing from a frame (its group failed its checksum) keeps its
  confirmed value for up to `CARRY_FRAMES` frames, so it does not blink to
  unknown; one the meter stopped sending then goes away. The tariff period
  and the Tempo colours are carried for as long as frames come: a period lost
  to noise is not "no peak", and this is the one place that carries them
  (the shedding policy takes what the reader publishes). A new value seen
  before and after such gaps is confirmed.

Which rule applies to a field is stated where the field is declared, in
`reading.MeterState`'s field metadata (`reading.Confirm`); a field without it
passes through as read. Energy indexes are confirmed by
`glitch_filter.EnergyGlitchFilter`, which also bounds their growth. Standard
library only; `reader.MeterReader` is what uses this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final

from .reading import Confirm, MeterState

# About 10 s of frames, Enedis' own limit for a receiver without a correct
# frame ([54E] §9.4.1): at 1 % byte corruption a group is lost to its
# checksum in about one frame in eight, six times in a row once in 10⁵ frames.
CARRY_FRAMES: Final = 6
# A measurement moving by more than this share of its scale between two
# frames waits for the next frame to confirm it.
STEP_SHARE: Final = 0.05
NOMINAL_VOLTAGE: Final = 230
# The power scale while the subscribed power is not known yet.
POWER_SCALE_FALLBACK_VA: Final = 12_000

# The confirmed fields of MeterState, by rule.
_CONFIRMED: Final = {
    rule: tuple(
        item.name for item in fields(MeterState) if item.metadata.get("confirm") is rule
    )
    for rule in Confirm
}

type _Value = object
type _Agree = Callable[[_Value, _Value], bool]


@dataclass(slots=True)
class _ValueTrack:
    """The confirmed and the pending value of one field."""

    confirmed: _Value = None
    # The last value that differed from the confirmed one.
    pending: _Value = None
    missing: int = 0

    def update(self, value: _Value, agree: _Agree, carry: int | None) -> _Value:
        """Take this frame's value; return the one to publish.

        A missing value keeps the confirmed one for ``carry`` frames (None:
        for as long as frames come).
        """
        if value is None:
            self.missing += 1
            if carry is not None and self.missing > carry:
                self.confirmed = self.pending = None
            return self.confirmed
        self.missing = 0
        if (self.confirmed is not None and agree(value, self.confirmed)) or (
            self.pending is not None and agree(value, self.pending)
        ):
            self.confirmed, self.pending = value, None
        else:
            self.pending = value
        return self.confirmed


def _equal(value: _Value, other: _Value) -> bool:
    return value == other


def _within(step: float) -> _Agree:
    """Agreement of two numbers, or of two tuples of per-phase numbers."""

    def agree(value: _Value, other: _Value) -> bool:
        if isinstance(value, int) and isinstance(other, int):
            return abs(value - other) <= step
        if isinstance(value, tuple) and isinstance(other, tuple):
            return len(value) == len(other) and all(
                isinstance(a, int) and isinstance(b, int) and abs(a - b) <= step
                for a, b in zip(value, other, strict=True)
            )
        return False

    return agree


@dataclass(slots=True)
class ReadingConfirmer:
    """Hold each value of the meter until a second frame confirms it."""

    _tracks: dict[str, _ValueTrack] = field(default_factory=dict)

    def confirm(self, reading: MeterState) -> MeterState:
        """Return ``reading`` with every confirmed value, None where none is yet.

        The other values (the mode, the overload, the energy indexes, the
        frame's kind) pass through as read.
        """
        subscribed = self._tracks.get("subscribed_power")
        power_scale = (
            subscribed.confirmed
            if subscribed is not None
            and isinstance(subscribed.confirmed, int)
            and subscribed.confirmed > 0
            else POWER_SCALE_FALLBACK_VA
        )
        agreements: dict[Confirm, _Agree] = {
            Confirm.SETTING: _equal,
            Confirm.TARIFF: _equal,
            Confirm.POWER: _within(power_scale * STEP_SHARE),
            Confirm.CURRENT: _within(power_scale / NOMINAL_VOLTAGE * STEP_SHARE),
            Confirm.VOLTAGE: _within(NOMINAL_VOLTAGE * STEP_SHARE),
        }
        # Each value goes back to the field it was read from.
        published: dict[str, Any] = {}
        for rule, agree in agreements.items():
            for name in _CONFIRMED[rule]:
                track = self._tracks.setdefault(name, _ValueTrack())
                carry = None if rule is Confirm.TARIFF else CARRY_FRAMES
                published[name] = track.update(getattr(reading, name), agree, carry)
        return replace(reading, **published)
