"""Reject impossible energy index values before they reach the recorder.

A corrupted digit can survive the TIC's 6-bit checksum. An energy index
never goes backwards, and between two readings it can grow by at most what
the subscribed power allows for the elapsed time; anything else is dropped
and counted, so the Energy dashboard never shows a spike.

A meter that is replaced or reset does go backwards for good: a new baseline
that the meter keeps reporting consistently for `REBASE_AFTER` seconds is
accepted. Pure module: no Home Assistant import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# Margin over the subscribed power: the Linky tolerates 1.3 × PCOUP forever
# and more for a while (Enedis-NOI-CPT_54E §7); 2 × covers every real case.
POWER_MARGIN: Final = 2.0
# Index values are whole Wh; a few Wh of slack absorb rounding between frames.
SLACK_WH: Final = 10
# When the subscribed power is unknown: the largest single-phase contract.
FALLBACK_POWER_VA: Final = 36_000
REBASE_AFTER: Final = 300.0


@dataclass(slots=True)
class _Track:
    value: int
    at: float
    candidate: int | None = None
    candidate_since: float = 0.0
    candidate_at: float = 0.0


@dataclass(slots=True)
class EnergyGlitchFilter:
    """Keep the last accepted value of each index and vet new ones."""

    rejected: int = 0
    _tracks: dict[str, _Track] = field(default_factory=dict)

    def accept(self, key: str, value: int, now: float, power_va: int | None) -> int:
        """Return the value to publish for ``key``: ``value`` or the last good one.

        ``now`` is a monotonic time in seconds; ``power_va`` the subscribed
        power (None when unknown).
        """
        track = self._tracks.get(key)
        if track is None:
            self._tracks[key] = _Track(value, now)
            return value
        if self._plausible(track.value, track.at, value, now, power_va):
            self._tracks[key] = _Track(value, now)
            return value
        self.rejected += 1
        if track.candidate is not None and self._plausible(
            track.candidate, track.candidate_at, value, now, power_va
        ):
            track.candidate = value
            track.candidate_at = now
            if now - track.candidate_since >= REBASE_AFTER:
                self._tracks[key] = _Track(value, now)
                return value
        else:
            track.candidate = value
            track.candidate_since = track.candidate_at = now
        return track.value

    def last(self, key: str) -> int | None:
        """Return the last accepted value of an index."""
        track = self._tracks.get(key)
        return None if track is None else track.value

    @staticmethod
    def _plausible(
        previous: int, previous_at: float, value: int, now: float, power_va: int | None
    ) -> bool:
        if value < previous:
            return False
        hours = max(now - previous_at, 0.0) / 3600
        power = power_va or FALLBACK_POWER_VA
        return value - previous <= power * POWER_MARGIN * hours + SLACK_WH
