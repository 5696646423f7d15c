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

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from homeassistant.core import HomeAssistant

from custom_components.linky_tempo.meter import TariffPeriod
from harness.corruption import CALENDAR, RATE, pipeline_run
from harness.stack import (
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
from harness.virtual_time import PARIS, VirtualClock, sleep_until
from tests.waiting import wait_until
from tic_simulator.feed import MeterFeed, PtySink
from tic_simulator.scripted import ScriptedMeter
from tic_simulator.transport import PtyMeter

ENERGY_ENTITIES = {
    TariffPeriod.HC_BLUE: "sensor.linky_tempo_energy_off_peak_blue_day",
    TariffPeriod.HP_BLUE: "sensor.linky_tempo_energy_peak_blue_day",
    TariffPeriod.HC_WHITE: "sensor.linky_tempo_energy_off_peak_white_day",
    TariffPeriod.HP_WHITE: "sensor.linky_tempo_energy_peak_white_day",
    TariffPeriod.HC_RED: "sensor.linky_tempo_energy_off_peak_red_day",
    TariffPeriod.HP_RED: "sensor.linky_tempo_energy_peak_red_day",
}


def test_pipeline_under_corruption_publishes_nothing_wrong() -> None:
    """3,000 frames (about 2 h of line time) at 1 %: only values the meter sent."""
    counts = pipeline_run(3000, seed=20260114)
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
    hass: HomeAssistant, pty_meter: PtyMeter, clock: VirtualClock
) -> tuple[Recorder, MeterFeed, str]:
    """Ten minutes of a white-day peak at 1 % corruption, loads driving the power."""
    await setup_loads(hass)
    meter = ScriptedMeter(CALENDAR)

    def power(_local: datetime) -> None:
        states = load_states(hass)
        meter.power = 1200 + sum(
            watts
            for entity_id, watts in LOAD_POWER.items()
            if states[entity_id] == NORMAL[entity_id]
        )

    feed = MeterFeed(
        meter,
        [PtySink(pty_meter)],
        clock,
        corruption=RATE,
        seed=1401,
        before_frame=power,
    )
    # A clean start: the loads are shed by the first good frames.
    feed.corruption = 0.0
    feed.start()
    entry = await add_entry(hass, meter_entry(str(pty_meter.path)))
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
    pty_meter: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    """Every number Home Assistant shows was sent by the meter; energy only grows."""
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    recorder, feed, entry_id = await _corrupted_white_peak(hass, pty_meter, clock)
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
    pty_meter: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    """Loads shed for the white peak stay shed; enum sensors never blank out."""
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    recorder, _feed, _entry_id = await _corrupted_white_peak(hass, pty_meter, clock)
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
