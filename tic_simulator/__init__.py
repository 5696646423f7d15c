"""A Linky meter simulator: byte-exact TIC frames of a Tempo home, served live.

No Home Assistant and no third-party package needed. Use it from the
command line (``python -m tic_simulator --help``) or from tests::

    meter = build_meter("white", mode=Mode.STANDARD, phases=3)
    meter.advance(meter.now + timedelta(minutes=5))
    frame = meter.frame()  # STX … ETX

    async with TicServer(meter, SimClock(meter.now, speed=60)) as server:
        ...  # server.url is socket://127.0.0.1:PORT

Tests and benchmarks also use its parts one by one: `scripted.ScriptedMeter`
(a meter whose power they set, with the values a reader must publish),
`feed.MeterFeed` (its frames paced on the event loop's clock, corrupted or
garbled on demand), `transport` (ptys and TCP servers) and `frames`
(hand-built frames).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .household import Burst, Household
from .meter import MeterConfig, Mode, Reading, SimulatedMeter
from .noise import LineNoise
from .scenarios import SCENARIOS, Scenario
from .server import SimClock, TicServer
from .tempo import PARIS, Colour, Period, TempoCalendar, tempo_day

__all__ = [
    "PARIS",
    "SCENARIOS",
    "Burst",
    "Colour",
    "Household",
    "LineNoise",
    "MeterConfig",
    "Mode",
    "Period",
    "Reading",
    "Scenario",
    "SimClock",
    "SimulatedMeter",
    "TempoCalendar",
    "TicServer",
    "build_meter",
    "tempo_day",
]


def build_meter(
    scenario: str | Scenario = "white",
    *,
    mode: Mode | str = Mode.HISTORIC,
    phases: int = 1,
    start: datetime | None = None,
    colours: tuple[Colour, ...] | None = None,
    subscribed_kva: int | None = None,
    meter_id: str | None = None,
    seed: int = 1,
) -> SimulatedMeter:
    """A meter living through a scenario (by name or object), at its start."""
    chosen = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    moment = start or chosen.start
    # A naive start is French local time, where Tempo hours are defined.
    moment = (
        moment.replace(tzinfo=PARIS)
        if moment.tzinfo is None
        else moment.astimezone(PARIS)
    )
    config = MeterConfig(
        mode=Mode(mode),
        phases=phases,
        subscribed_kva=subscribed_kva,
        **({"meter_id": meter_id} if meter_id else {}),
    )
    calendar = TempoCalendar(
        first_day=tempo_day(moment),
        colours=colours or chosen.colours,
        announce_at=chosen.announce_at,
    )
    # Burst powers are given for 9 kVA: scaled to the subscription.
    bursts = [
        replace(burst, extra_va=burst.extra_va * config.kva / 9)
        for burst in chosen.bursts
    ]
    household = Household(start=moment, seed=seed, bursts=bursts)
    return SimulatedMeter(config, calendar, household, moment)
