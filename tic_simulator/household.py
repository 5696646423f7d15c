"""A plausible electrically heated French home, as the meter sees it.

The apparent power is a deterministic function of the simulated time (and a
seed), so a frame at a given time is the same whatever the simulation speed:
standby and a cycling fridge, electric heating that follows the outdoor cold
(so the Tempo colour: red days are the coldest) and cycles with its
thermostats, a water heater on the off-peak contact, meals, a little noise,
and the overload bursts a scenario adds. Each appliance sits on one phase of a
three-phase supply; a single-phase meter sees the sum.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from .tempo import Colour, Period

# Mean heating demand (VA) on a day of each colour: red days are the coldest.
HEATING_VA: Final = {Colour.BLUE: 1400.0, Colour.WHITE: 2300.0, Colour.RED: 3100.0}
STANDBY_VA: Final = 260.0
FRIDGE_VA: Final = 140.0
WATER_HEATER_VA: Final = 2400.0
# Meals: (start hour, end hour, extra VA).
MEALS: Final = ((7.0, 7.6, 1300.0), (12.2, 12.9, 1600.0), (19.0, 20.2, 2600.0))
POWER_FACTOR: Final = 0.96


@dataclass(frozen=True, slots=True)
class Burst:
    """Extra load on one phase, from ``start`` after the simulation start.

    Repeats every ``every`` when given (overload scenarios).
    """

    start: timedelta
    duration: timedelta
    extra_va: float
    phase: int = 0
    every: timedelta | None = None

    def active(self, elapsed: timedelta) -> bool:
        """Tell whether the burst is on, ``elapsed`` after the start."""
        if elapsed < self.start:
            return False
        since = elapsed - self.start
        if self.every is not None:
            since %= self.every
        return since < self.duration


def _unit(seed: int, *key: object) -> float:
    """A reproducible pseudo-random number in [0, 1) for a seed and a key."""
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(slots=True)
class Household:
    """The home's load, per phase, at any simulated time."""

    start: datetime
    seed: int = 1
    heating_scale: float = 1.0
    bursts: list[Burst] = field(default_factory=list)

    def phases(self, moment: datetime, period: Period) -> tuple[float, float, float]:
        """Apparent power (VA) on each of the three phases at a local time."""
        hour = moment.hour + moment.minute / 60 + moment.second / 3600
        stamp = moment.timestamp()
        seed = self.seed
        loads = [STANDBY_VA, 0.0, 0.0]
        # The fridge: 12 minutes on, 18 off.
        if (stamp / 60 + 30 * _unit(seed, "fridge")) % 30 < 12:
            loads[0] += FRIDGE_VA
        # Heating: colder at night and early morning; radiators on every
        # phase switch with their thermostats (a 15-20 min cycle each).
        demand = HEATING_VA[period.colour] * self.heating_scale
        demand *= 1.0 + 0.25 * math.cos((hour - 5.0) / 24 * 2 * math.pi)
        for phase in range(3):
            cycle = 900 + 300 * _unit(seed, "cycle", phase)
            offset = cycle * _unit(seed, "offset", phase)
            duty = 0.55 + 0.35 * math.sin(2 * math.pi * (stamp + offset) / cycle)
            loads[phase] += demand / 3 * duty * 1.3
        # The water heater runs on the off-peak contact, 22:00 to about 01:30.
        if not period.peak and (hour >= 22 or hour < 1.5):
            loads[1] += WATER_HEATER_VA
        for begin, end, extra in MEALS:
            if begin <= hour < end:
                # Hobs and ovens cycle too.
                on = (stamp / 40 + 40 * _unit(seed, "meal")) % 3 < 2
                loads[2] += extra if on else extra * 0.3
        # A little noise, renewed every 2 s of simulated time.
        tick = int(stamp // 2)
        for phase in range(3):
            loads[phase] += 60 * (_unit(seed, "noise", phase, tick) - 0.5)
        elapsed = moment - self.start
        for burst in self.bursts:
            if burst.active(elapsed):
                loads[burst.phase] += burst.extra_va
        return (max(loads[0], 0.0), max(loads[1], 0.0), max(loads[2], 0.0))
