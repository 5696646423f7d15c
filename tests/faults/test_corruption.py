"""1 % random byte corruption on the line: nothing wrong published, no Energy spike.

Each byte the meter sends is, with probability 1 %, replaced by a random
byte (what a noisy TIC line or a marginal optocoupler does). At 1200 Bd a
historic frame is about 300 bytes, so most frames carry at least one bad
byte and about one group in seven fails its checksum.

Two layers:

* the pure pipeline (decoder → `read_meter` → the coordinator's
  `ReadingConfirmer` and `EnergyGlitchFilter`) over thousands of frames on a
  simulated clock;
* the real stack (pty → serialx → integration → loads) on the virtual clock
  during a white-day peak, checking every state Home Assistant publishes.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.linky_tempo.meter import (
    TariffPeriod,
    TempoColor,
    TicDecoder,
    read_meter,
)
from custom_components.linky_tempo.meter.confirmation import ReadingConfirmer
from custom_components.linky_tempo.meter.glitch_filter import EnergyGlitchFilter
from tests.faults.meter_model import (
    MeterFeed,
    PtySink,
    SimulatedMeter,
    TempoCalendar,
    corrupt,
    line_seconds,
)
from tests.faults.virtual_time import PARIS, VirtualClock, sleep_until
from tests.feeds import PtyMeter
from tests.stack import (
    LOAD_POWER,
    NORMAL,
    SHED,
    Recorder,
    add_entry,
    entity_ids_of,
    load_states,
    meter_entry,
    setup_loads,
)
from tests.waiting import wait_until

RATE = 0.01
CALENDAR = TempoCalendar({date(2026, 1, 14): TempoColor.WHITE})
ENERGY_ENTITIES = {
    TariffPeriod.HC_BLUE: "sensor.linky_tempo_energy_off_peak_blue_day",
    TariffPeriod.HP_BLUE: "sensor.linky_tempo_energy_peak_blue_day",
    TariffPeriod.HC_WHITE: "sensor.linky_tempo_energy_off_peak_white_day",
    TariffPeriod.HP_WHITE: "sensor.linky_tempo_energy_peak_white_day",
    TariffPeriod.HC_RED: "sensor.linky_tempo_energy_off_peak_red_day",
    TariffPeriod.HP_RED: "sensor.linky_tempo_energy_peak_red_day",
}


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


def _pipeline_run(frames: int, seed: int) -> dict[str, int]:
    """The coordinator's pure steps on a corrupted stream; count what goes wrong.

    Decoder → `read_meter` → `ReadingConfirmer` → `EnergyGlitchFilter`, as in
    `MeterCoordinator._on_frame`.
    """
    rng = random.Random(seed)
    meter = SimulatedMeter(CALENDAR)
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
        for frame in decoder.feed(corrupt(clean, RATE, rng)):
            state = confirmer.confirm(read_meter(frame))
            counts["frames"] += 1
            really_sent = set().union(*sent_groups)
            counts["corrupted_groups_passed"] += sum(
                group not in really_sent for group in frame.values.items()
            )
            if state.apparent_power is not None:
                if state.apparent_power not in {t["power"] for t in recent}:
                    counts["wrong_power"] += 1
                elif state.apparent_power != truth["power"]:
                    counts["late_power"] += 1
            if state.period is None:
                counts["missing_period"] += 1
            elif state.period not in {t["period"] for t in recent}:
                counts["wrong_period"] += 1
            for period, value in state.energy.items():
                accepted = glitches.accept(
                    str(period), value, mono, state.subscribed_power
                )
                true_value = truth["energy"][period]
                if accepted is None:
                    continue
                previous = published.get(period)
                if previous is not None and accepted < previous:
                    counts["energy_backwards"] += 1
                # A spike: more than the next frame's worth of energy above truth.
                if (
                    accepted
                    > true_value + meter.subscribed_va * 2 * seconds / 3600 + 10
                ):
                    counts["energy_spike"] += 1
                # Holding the last good value is right; a value never sent is not.
                if accepted not in sent[period]:
                    counts["wrong_energy"] += 1
                published[period] = accepted
        meter.advance(local, seconds)
        local += timedelta(seconds=seconds)
        mono += seconds
    return counts


def test_pipeline_under_corruption_publishes_nothing_wrong() -> None:
    """3,000 frames (about 2 h of line time) at 1 %: only values the meter sent."""
    counts = _pipeline_run(3000, seed=20260114)
    assert counts["frames"] > 2500
    assert counts["energy_backwards"] == 0
    assert counts["energy_spike"] == 0
    assert counts["wrong_energy"] == 0
    assert counts["wrong_power"] == 0
    assert counts["wrong_period"] == 0
    # Groups the checksum rejects are carried: the period never goes missing
    # (only before the first two frames agree).
    assert counts["missing_period"] <= 2
    # Power jumps wait one frame for confirmation: some published powers are
    # the previous frame's.
    assert counts["late_power"] > 0


async def _corrupted_white_peak(
    hass: HomeAssistant, pty: PtyMeter, clock: VirtualClock
) -> tuple[Recorder, MeterFeed, str]:
    """Ten minutes of a white-day peak at 1 % corruption, loads driving the power."""
    await setup_loads(hass)
    meter = SimulatedMeter(CALENDAR)

    def power(_local: datetime) -> None:
        states = load_states(hass)
        meter.power = 1200 + sum(
            watts
            for entity_id, watts in LOAD_POWER.items()
            if states[entity_id] == NORMAL[entity_id]
        )

    feed = MeterFeed(
        meter,
        [PtySink(pty)],
        clock,
        corruption=RATE,
        seed=1401,
        before_frame=power,
    )
    # A clean start: the loads are shed by the first good frames.
    feed.corruption = 0.0
    feed.start()
    entry = await add_entry(hass, meter_entry(str(pty.path)))
    await wait_until(lambda: load_states(hass) == SHED, within=60)
    await sleep_until(clock, datetime(2026, 1, 14, 10, 2, tzinfo=PARIS))
    recorder = Recorder(hass).start()
    feed.corruption = RATE
    await sleep_until(clock, datetime(2026, 1, 14, 10, 12, tzinfo=PARIS))
    await feed.stop()
    recorder.stop()
    return recorder, feed, entry.entry_id


async def test_corruption_publishes_no_wrong_number_and_no_energy_spike(
    hass: HomeAssistant,
    pty: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    """Every number Home Assistant shows was sent by the meter; energy only grows."""
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    recorder, feed, entry_id = await _corrupted_white_peak(hass, pty, clock)
    sent = [frame for frame in feed.sent if frame.corrupted]
    assert len(sent) > 150
    powers = {str(frame.expected["power"]) for frame in feed.sent}
    for state in recorder.states("sensor.linky_tempo_apparent_power"):
        assert state in powers | {"unknown"}, state
    highest_true = {
        period: max(frame.expected["energy"][period] for frame in feed.sent)
        for period in ENERGY_ENTITIES
    }
    for period, entity_id in ENERGY_ENTITIES.items():
        values = [
            float(s)
            for s in recorder.states(entity_id)
            if s not in ("unknown", "unavailable")
        ]
        assert values == sorted(values), entity_id
        # Never above what the meter really counted: no spike.
        assert all(value <= highest_true[period] for value in values), entity_id
    assert {"unavailable"}.isdisjoint(
        change.state
        for change in recorder.changes
        if change.entity_id in entity_ids_of(hass, entry_id)
    )
    assert recorder.problems() == []


async def test_corruption_moves_no_load_and_blanks_no_state(
    hass: HomeAssistant,
    pty: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    """Loads shed for the white peak stay shed; enum sensors never blank out."""
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    recorder, _feed, _entry_id = await _corrupted_white_peak(hass, pty, clock)
    moved = Counter(
        change.entity_id
        for change in recorder.changes
        if change.entity_id in SHED and change.state != SHED[change.entity_id]
    )
    blanked = Counter(
        change.entity_id
        for change in recorder.changes
        if change.state == "unknown"
        and change.entity_id
        in (
            "sensor.linky_tempo_tariff_period",
            "sensor.linky_tempo_today_s_colour",
            "sensor.linky_tempo_tomorrow_s_colour",
            "sensor.linky_tempo_apparent_power",
            *ENERGY_ENTITIES.values(),
        )
    )
    assert (dict(moved), dict(blanked)) == ({}, {})
