"""Publish an energy index only once the next frame confirms it.

A corrupted digit can survive the TIC's 6-bit checksum: two compensating
changes in one group pass it. An energy index is therefore published one frame
late, once the next frame's reading follows it: no lower, and higher by no more
than the subscribed power allows for the time between the two frames. A
corruption is not repeated by the next frame, so it is never confirmed; the
Energy dashboard does not mind the delay (indexes are written at most once a
minute).

A confirmed reading must also be plausible from the last published one: an
index never goes backwards and grows by at most what the subscribed power
allows for the elapsed time; anything else is dropped and counted, so the
Energy dashboard never shows a spike. A meter that is replaced or reset does
go backwards for good: a new baseline that the meter keeps reporting
consistently for `REBASE_AFTER` seconds is accepted.

Standard library only; `reader.MeterReader` is what uses this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# Margin over the subscribed power: the Linky tolerates 1.3 × PCOUP forever
# and more for a while (Enedis-NOI-CPT_54E §7); 2 × covers every real case.
POWER_MARGIN: Final = 2.0
# Between published values (possibly far apart in time), a few Wh of slack
# absorb rounding.
SLACK_WH: Final = 10
# Between two consecutive frames, one Wh of rounding. Frames that arrive
# closer together than this (bunched by a Wi-Fi hiccup on the serial proxy)
# count as this far apart: no frame carrying indexes is shorter on the line.
MIN_FRAME_SECONDS: Final = 1.0
ROUNDING_WH: Final = 1
# The growth bound when the subscribed power is unknown: the largest
# single-phase contract.
GROWTH_POWER_FALLBACK_VA: Final = 36_000
REBASE_AFTER: Final = 300.0


@dataclass(slots=True)
class _IndexTrack:
    """What the filter knows of one energy index."""

    # The last published value and when the meter sent it.
    value: int | None = None
    at: float = 0.0
    # The last reading, waiting for the next frame to confirm it.
    reading: int | None = None
    reading_at: float = 0.0
    # Whether that reading followed the one before it.
    reading_followed: bool = False
    # A new baseline (replaced meter) and since when it has been consistent.
    candidate: int | None = None
    candidate_since: float = 0.0
    candidate_at: float = 0.0


@dataclass(slots=True)
class EnergyGlitchFilter:
    """Confirm each index reading with the next one, and vet it."""

    # Readings that were never published: corrupted or implausible.
    rejected: int = 0
    _tracks: dict[str, _IndexTrack] = field(default_factory=dict)

    def accept(
        self, key: str, value: int, now: float, power_va: int | None
    ) -> int | None:
        """Take a reading of ``key`` and return the value to publish.

        That is the previous reading if this one confirms it, otherwise the
        last published value (None until a reading is confirmed). ``now`` is a
        monotonic time in seconds; ``power_va`` the subscribed power (None
        when unknown).
        """
        track = self._tracks.setdefault(key, _IndexTrack())
        previous, previous_at = track.reading, track.reading_at
        follows = previous is not None and _grows_within(
            previous, previous_at, value, now, power_va, MIN_FRAME_SECONDS, ROUNDING_WH
        )
        if previous is not None and not follows and not track.reading_followed:
            # Confirmed by neither neighbour: a glitch, never published.
            self.rejected += 1
        track.reading, track.reading_at, track.reading_followed = value, now, follows
        if previous is None or not follows:
            return track.value
        return self._publish(track, previous, previous_at, power_va)

    def _publish(
        self, track: _IndexTrack, value: int, at: float, power_va: int | None
    ) -> int | None:
        """Publish a confirmed reading if it is plausible from the last one."""
        if track.value is None or _grows_within(
            track.value, track.at, value, at, power_va, 0.0, SLACK_WH
        ):
            track.value, track.at, track.candidate = value, at, None
            return value
        self.rejected += 1
        if track.candidate is not None and _grows_within(
            track.candidate, track.candidate_at, value, at, power_va, 0.0, SLACK_WH
        ):
            track.candidate, track.candidate_at = value, at
            if at - track.candidate_since >= REBASE_AFTER:
                track.value, track.at, track.candidate = value, at, None
                return value
        else:
            track.candidate = value
            track.candidate_since = track.candidate_at = at
        return track.value


def _grows_within(
    previous: int,
    previous_at: float,
    value: int,
    now: float,
    power_va: int | None,
    min_seconds: float,
    slack_wh: int,
) -> bool:
    """Whether an index can go from ``previous`` to ``value`` in that time."""
    if value < previous:
        return False
    hours = max(now - previous_at, min_seconds) / 3600
    power = power_va or GROWTH_POWER_FALLBACK_VA
    return value - previous <= power * POWER_MARGIN * hours + slack_wh
