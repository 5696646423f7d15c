"""From decoded frames to the data worth publishing: the meter's one reader.

:class:`MeterReader` is the single owner of everything between a frame and
what is shown or acted upon:

* the reading itself (:func:`.reading.read_meter`);
* confirmation: a value is published once a second frame agrees
  (:class:`.confirmation.ReadingConfirmer`), an energy index once the next
  frame follows it and it is plausible (:class:`.glitch_filter.EnergyGlitchFilter`);
* the carrying of missing values: a historic three-phase short frame keeps
  every value of the last long frame but the overload and the currents; an
  energy index missing from a frame keeps its last value; any other value
  missing from a frame keeps its confirmed value for a few frames
  (:data:`.confirmation.CARRY_FRAMES`);
* the overload, published at once from a single group, before its frame ends;
* staleness, by Enedis' receiver rule ([54E] §9.4.1): no valid frame for
  :data:`STALE_AFTER` seconds means the meter is lost (:meth:`MeterReader.lose`,
  called by the owner's timer). The first frame after the start or after a
  loss is not published: the next one confirms it. While lost, no overload
  group is published.

Pure: times are parameters (``now`` is a monotonic time in seconds,
``received`` the wall-clock time to stamp on the data); no I/O, no clock,
no timer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .confirmation import ReadingConfirmer
from .glitch_filter import EnergyGlitchFilter
from .reading import MeterState, read_meter
from .stge import decode_stge
from .tariffs import TariffPeriod

if TYPE_CHECKING:
    from .framing import Frame
    from .groups import Group

__all__ = [
    "STALE_AFTER",
    "LinkCounts",
    "MeterData",
    "MeterReader",
    "group_signals_overload",
]

STALE_AFTER: Final = 10.0
"""Seconds without a valid frame after which the meter is lost ([54E] §9.4.1)."""


def group_signals_overload(group: Group) -> bool:
    """Tell whether this single group announces an overload (immediate reaction).

    Historic: ADPS (mono, [54E] §6.1.1) or ADIR1-3 (three-phase short frames,
    §6.1.2). Standard: STGE bit 7 "dépassement de la puissance de référence"
    (§6.2.3.14); standard mode has no ADPS group.
    """
    label = group.label
    if label in ("ADPS", "ADIR1", "ADIR2", "ADIR3"):
        return True
    if label == "STGE":
        status = decode_stge(group.value)
        return status is not None and status.overload
    return False


@dataclass(frozen=True, slots=True)
class MeterData:
    """The published view of the meter."""

    state: MeterState
    received: datetime
    energy: Mapping[TariffPeriod, int] = field(default_factory=dict)
    energy_total: int | None = None
    injected_energy: int | None = None
    # True from the moment an overload group is decoded until a frame
    # without overload arrives.
    overload: bool = False
    # The apparent power of this frame as read, and the higher of it and the
    # previous frame's: what the shedding policy compares to its thresholds
    # (a jump in `state` waits for confirmation; shedding, and seeing the
    # drop after a shed, must not).
    power_read: int | None = None
    power_high: int | None = None
    # Link quality, as counted when this frame arrived.
    frames: int = 0
    checksum_errors: int = 0
    rejected_glitches: int = 0


@dataclass(frozen=True, slots=True)
class LinkCounts:
    """The decoder's counters when a frame arrived, published with it."""

    frames: int = 0
    checksum_errors: int = 0


class MeterReader:
    """Turn frames into confirmed :class:`MeterData`; tell when the meter is lost."""

    def __init__(self) -> None:
        """Start with nothing published and the meter not lost yet."""
        self.confirmer = ReadingConfirmer()
        self.glitches = EnergyGlitchFilter()
        self.data: MeterData | None = None
        """The last data returned for publication."""
        self.last_frame: Frame | None = None
        """The last frame read, confirmed or not (for diagnostics)."""
        self.lost = False
        """True from a loss (:meth:`lose`) until data is published again."""
        self._last_power: int | None = None
        self._awaiting_confirmation = True

    @property
    def rejected_glitches(self) -> int:
        """Energy readings never published: corrupted or implausible."""
        return self.glitches.rejected

    def read_group(self, group: Group) -> MeterData | None:
        """Take a group as soon as it is decoded; return data to publish at once.

        That is the last data with the overload set, when the group announces
        an overload that is not published yet (never while the meter is lost).
        """
        data = self.data
        if self.lost or data is None or data.overload:
            return None
        if not group_signals_overload(group):
            return None
        self.data = replace(data, overload=True)
        return self.data

    def read_frame(
        self,
        frame: Frame,
        now: float,
        received: datetime,
        counts: LinkCounts | None = None,
    ) -> MeterData | None:
        """Take a complete frame; return the data to publish, if any.

        None for the first frame after the start or after a loss: the next
        one confirms its values (and gives fresh ones for those that moved
        while the meter was silent). ``counts`` are the decoder's counters.
        """
        self.last_frame = frame
        reading = self._merge_short_frame(read_meter(frame))
        power = reading.apparent_power
        powers = [p for p in (self._last_power, power) if p is not None]
        self._last_power = power
        state = self.confirmer.confirm(reading)
        energy, total, injected = self._vet_energy(state, now)
        counts = counts or LinkCounts()
        data = MeterData(
            state=state,
            received=received,
            energy=energy,
            energy_total=total,
            injected_energy=injected,
            overload=state.overload,
            power_read=power,
            power_high=max(powers, default=None),
            frames=counts.frames,
            checksum_errors=counts.checksum_errors,
            rejected_glitches=self.glitches.rejected,
        )
        if self._awaiting_confirmation:
            self._awaiting_confirmation = False
            return None
        self.data = data
        return data

    def lose(self) -> bool:
        """Count the meter as lost: :data:`STALE_AFTER` s passed without a frame.

        The caller's timer, armed for :data:`STALE_AFTER` s at the start and
        after every frame, says so. The next frame is then not published but
        awaits confirmation. Returns True when the meter was not lost already.
        """
        if self.lost:
            return False
        self.lost = True
        self._awaiting_confirmation = True
        return True

    def recovered(self) -> bool:
        """Count the meter as back, once its first data is published.

        Until then (while that data is being published, too) it still counts
        as lost. Returns True when it was lost.
        """
        was_lost, self.lost = self.lost, False
        return was_lost

    def _merge_short_frame(self, reading: MeterState) -> MeterState:
        """A three-phase historic short frame only updates the overload and currents.

        Every other value stays as the last published long frame had it.
        """
        previous = self.data
        if not reading.short_frame or previous is None:
            return reading
        return replace(
            previous.state,
            overload=reading.overload,
            overload_phases=reading.overload_phases,
            overload_current=reading.overload_current,
            currents=reading.currents or previous.state.currents,
            short_frame=True,
        )

    def _vet_energy(
        self, reading: MeterState, now: float
    ) -> tuple[dict[TariffPeriod, int], int | None, int | None]:
        """Pass the energy indexes through the glitch filter; carry missing ones.

        Returns the indexes by period, the total and the injected energy.
        """
        glitches = self.glitches
        power = reading.subscribed_power
        energy: dict[TariffPeriod, int] = {}
        for period, value in reading.energy.items():
            accepted = glitches.accept(str(period), value, now, power)
            if accepted is not None:
                energy[period] = accepted
        total = (
            None
            if reading.energy_total is None
            else glitches.accept("total", reading.energy_total, now, power)
        )
        injected = (
            None
            if reading.injected_energy is None
            else glitches.accept("injected", reading.injected_energy, now, None)
        )
        previous = self.data
        if reading.short_frame and previous is not None:
            energy = dict(previous.energy)
            total = previous.energy_total
            injected = previous.injected_energy
        elif previous is not None:
            # An index whose value was unreadable keeps its last value: the
            # Energy dashboard never sees an index vanish for one frame.
            for period, value in previous.energy.items():
                energy.setdefault(period, value)
            if total is None:
                total = previous.energy_total
            if injected is None:
                injected = previous.injected_energy
        return energy, total, injected
