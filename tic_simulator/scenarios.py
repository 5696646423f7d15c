"""Named scenarios: a start time, the Tempo colours, bursts and line noise.

Each starts on a winter weekday of January 2026 (red days only fall on
weekdays from November to March) at the moment worth watching; ``--start``
and ``--colours`` override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from .household import Burst
from .tempo import PARIS, Colour

B, W, R = Colour.BLUE, Colour.WHITE, Colour.RED


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=PARIS)


@dataclass(frozen=True, slots=True)
class Scenario:
    """What the simulated meter goes through.

    ``colours`` are those of consecutive Tempo days, the first being the
    Tempo day in progress at ``start`` (a Tempo day starts at 06:00); later
    days are blue.
    """

    name: str
    summary: str
    start: datetime
    colours: tuple[Colour, ...]
    bursts: tuple[Burst, ...] = ()
    noise: float = 0.0
    announce_at: time = time(20)
    speed: float = 1.0


# Oven, hob, kettle and a dryer on top of the heating: a few minutes above
# the subscribed power. Burst powers are for a 9 kVA subscription and scale
# with the meter's.
_DINNER_BURSTS: Final = (
    Burst(
        start=timedelta(minutes=1),
        duration=timedelta(minutes=2),
        extra_va=9500,
        every=timedelta(minutes=10),
    ),
)

SCENARIOS: Final = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "white",
            "white day, 10:00: white-day peak hours (tomorrow red, known at 20:00)",
            _at(15, 10),
            (W, R),
        ),
        Scenario("blue", "blue day, 10:00: nothing to shed", _at(12, 10), (B, W)),
        Scenario("red", "red day, 10:00: peak hours of a red day", _at(16, 10), (R, B)),
        Scenario(
            "morning",
            "05:55 after a blue day: 06:00 starts a white day (HCJB -> HPJW)",
            _at(15, 5, 55),
            (B, W),
        ),
        Scenario(
            "evening",
            "19:55 on a white day: tomorrow's colour (red) appears at 20:00",
            _at(15, 19, 55),
            (W, R),
        ),
        Scenario(
            "night",
            "21:55 on a red day: 22:00 ends the peak (HPJR -> HCJR)",
            _at(16, 21, 55),
            (R, B),
        ),
        Scenario(
            "overload",
            "blue day at dinner time: 2-minute bursts above the subscribed power",
            _at(12, 18, 55),
            (B, B),
            bursts=_DINNER_BURSTS,
        ),
        Scenario(
            "noise",
            "white day, 10:00, on a noisy line (5 % of groups corrupted)",
            _at(15, 10),
            (W, R),
            noise=0.05,
        ),
        Scenario(
            "week",
            "a winter week from Monday 00:00 (blue, white, red, red, white, white, "
            "blue), dinner bursts; try --speed 1800",
            _at(12, 0),
            (B, B, W, R, R, W, W, B),
            bursts=(
                Burst(
                    start=timedelta(hours=19, minutes=10),
                    duration=timedelta(minutes=3),
                    extra_va=9500,
                    every=timedelta(days=1),
                ),
            ),
            speed=1800,
        ),
    )
}
