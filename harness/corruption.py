"""Random byte corruption through the pure pipeline: count what goes wrong.

`pipeline_run` sends a scripted meter's frames, each byte replaced by a
random one with probability ``rate``, through the integration's pure steps
(decoder → `read_meter` → `ReadingConfirmer` → `EnergyGlitchFilter`, as in
`MeterCoordinator._on_frame`) on a simulated clock, and counts every number
that was never sent, went backwards or spiked. tests/faults/test_corruption.py
asserts the counts are zero; benchmarks/corruption.py prints them for other
rates and lengths.
"""

from __future__ import annotations

import random
from collections import deque
from datetime import date, datetime, timedelta
from typing import Any, Final

from custom_components.linky_tempo.meter import (
    MeterState,
    TariffPeriod,
    TicDecoder,
    read_meter,
)
from custom_components.linky_tempo.meter.confirmation import ReadingConfirmer
from custom_components.linky_tempo.meter.glitch_filter import EnergyGlitchFilter
from tic_simulator.feed import corrupt, line_seconds
from tic_simulator.scripted import ScriptedMeter
from tic_simulator.tempo import PARIS, Colour, TempoCalendar

RATE: Final = 0.01
CALENDAR = TempoCalendar(overrides={date(2026, 1, 14): Colour.WHITE})

# Household power: a level held for a while (appliances switching), with the
# few tens of VA of jitter a real meter shows from one frame to the next.
POWER_LEVELS = (600, 1200, 1800, 2400, 3900, 5100)
LEVEL_CHANGE = 0.1  # per frame
# A published value is one the meter sent in this frame or a recent one: a
# jump waits for the next frame, a lost group is carried for a few frames.
# Within this window (about 45 s of line time) a corrupted number still
# stands out: the levels are 100 VA apart at least, the jitter 10 VA steps,
# and two compensating digit changes move a number by a multiple of 9.
RECENT_FRAMES = 20


def pipeline_run(frames: int, seed: int, rate: float = RATE) -> dict[str, int]:
    """The coordinator's pure steps on a corrupted stream; count what goes wrong.

    Decoder → `read_meter` → `ReadingConfirmer` → `EnergyGlitchFilter`, as in
    `MeterCoordinator._on_frame`.
    """
    rng = random.Random(seed)
    meter = ScriptedMeter(CALENDAR)
    decoder = TicDecoder()
    confirmer = ReadingConfirmer()
    glitches = EnergyGlitchFilter()
    local = datetime(2026, 1, 14, 4, 0, tzinfo=PARIS)
    mono = 0.0
    published: dict[TariffPeriod, int] = {}
    counts = dict.fromkeys(
        (
            "frames",
            "wrong_energy",
            "energy_backwards",
            "energy_spike",
            "wrong_power",
            "late_power",
            "wrong_period",
            "missing_period",
            "corrupted_groups_passed",
        ),
        0,
    )
    sent: dict[TariffPeriod, set[int]] = {}
    recent: deque[dict[str, Any]] = deque(maxlen=RECENT_FRAMES)
    # The groups really sent, to count the corruptions the checksum let
    # through (what the confirmation is for).
    clean_decoder = TicDecoder()
    sent_groups: deque[set[tuple[str, str]]] = deque(maxlen=RECENT_FRAMES)
    level = POWER_LEVELS[0]
    for _ in range(frames):
        if rng.random() < LEVEL_CHANGE:
            level = rng.choice(POWER_LEVELS)
        meter.power = level + 10 * rng.randint(-2, 2)
        clean = meter.frame(local)
        for sent_frame in clean_decoder.feed(clean):
            sent_groups.append(set(sent_frame.values.items()))
        recent.append(meter.expected(local))
        truth = recent[-1]
        # Sent, whichever frame the decoder completes with this chunk (a
        # frame whose ETX was corrupted completes with the next one).
        for period, value in truth["energy"].items():
            sent.setdefault(period, set()).add(value)
        seconds = line_seconds(clean, meter.mode) + 0.03
        for frame in decoder.feed(corrupt(clean, rate, rng)):
            state = confirmer.confirm(read_meter(frame))
            counts["frames"] += 1
            really_sent = set().union(*sent_groups)
            counts["corrupted_groups_passed"] += sum(
                group not in really_sent for group in frame.values.items()
            )
            _count_state(state, truth, recent, counts)
            allowance = meter.subscribed_va * 2 * seconds / 3600 + 10
            _count_energy(
                state, truth, sent, published, counts, allowance, glitches, mono
            )
        meter.advance(local, seconds)
        local += timedelta(seconds=seconds)
        mono += seconds
    return counts


def _count_state(
    state: MeterState,
    truth: dict[str, Any],
    recent: deque[dict[str, Any]],
    counts: dict[str, int],
) -> None:
    """A published power or period the meter did not send lately is wrong."""
    if state.apparent_power is not None:
        if state.apparent_power not in {t["power"] for t in recent}:
            counts["wrong_power"] += 1
        elif state.apparent_power != truth["power"]:
            counts["late_power"] += 1
    if state.period is None:
        counts["missing_period"] += 1
    elif state.period not in {t["period"] for t in recent}:
        counts["wrong_period"] += 1


def _count_energy(
    state: MeterState,
    truth: dict[str, Any],
    sent: dict[TariffPeriod, set[int]],
    published: dict[TariffPeriod, int],
    counts: dict[str, int],
    allowance: float,
    glitches: EnergyGlitchFilter,
    mono: float,
) -> None:
    """An index published backwards, as a spike, or never sent, is wrong."""
    for period, value in state.energy.items():
        accepted = glitches.accept(str(period), value, mono, state.subscribed_power)
        if accepted is None:
            continue
        previous = published.get(period)
        if previous is not None and accepted < previous:
            counts["energy_backwards"] += 1
        # A spike: more than the next frame's worth of energy above truth.
        if accepted > truth["energy"][period] + allowance:
            counts["energy_spike"] += 1
        # Holding the last good value is right; a value never sent is not.
        if accepted not in sent[period]:
            counts["wrong_energy"] += 1
        published[period] = accepted
