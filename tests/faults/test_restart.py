"""Home Assistant restarted in the middle of a shed: loads restored exactly.

Unlike tests/ha/test_shedding.py (which unloads and sets up the entry again
in one Home Assistant), each scenario here stops a whole Home Assistant the
way it stops for real (stop event, final write of every pending Store, the
config entry shut down, not unloaded), and starts a brand-new instance: new
registries, the loads coming back with the state they had (Home Assistant's
restore-state cache, as their own integrations restore them), the same
config entry, the same storage. The meter keeps talking through the restart,
on the virtual clock.

* tariff shed: stopped at 21:52 during a white peak, down for three minutes,
  started at 21:55 still in the peak (nothing may be captured again: the
  loads are already shed), then 22:00 restores the states captured before
  the restart, exactly;
* overload shed: two loads shed for an overload, stopped, the overload ends
  while Home Assistant is down, started again: the loads come back one by
  one, no sooner than the restore delay after the restart, exactly as they
  were, and the load that was never shed is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest
from homeassistant import loader
from homeassistant.core import CoreState, HassJob, HomeAssistant, State
from homeassistant.helpers import frame
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
    mock_restore_cache,
)

from custom_components.linky_tempo.const import DOMAIN
from custom_components.linky_tempo.meter import TempoColor
from tests.faults.meter_model import MeterFeed, PtySink, SimulatedMeter, TempoCalendar
from tests.faults.virtual_time import PARIS, VirtualClock, sleep_until
from tests.feeds import PtyMeter
from tests.stack import (
    CLIMATE,
    HEATER,
    LOAD_POWER,
    NORMAL,
    OFFICE,
    RADIATOR,
    SHED,
    ZONE,
    Recorder,
    load_states,
    meter_entry,
    setup_loads,
)
from tests.waiting import wait_until

STORE_KEY = f"{DOMAIN}.{{}}.shed_loads"


@contextlib.asynccontextmanager
async def _home_assistant(
    restore: list[State] | None = None,
) -> AsyncIterator[HomeAssistant]:
    """A Home Assistant instance, not started yet; stopped for real on exit."""
    loop = asyncio.get_running_loop()
    async with async_test_home_assistant(
        loop, initial_state=CoreState.not_running
    ) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        frame.async_setup(hass)
        if restore:
            mock_restore_cache(hass, restore)
        try:
            yield hass
        finally:
            await hass.async_stop()
            # The process would end here: drop the timers it left behind.
            for handle in list(loop._scheduled):  # type: ignore[attr-defined]
                if handle._args and isinstance(handle._args[-1], HassJob):
                    handle.cancel()


async def _start(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *,
    initial: bool,
    wait_frame: bool = True,
) -> None:
    """Start as Home Assistant does: integrations set up, then "started"."""
    await setup_loads(hass, initial=initial)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    if wait_frame:
        # Home Assistant takes seconds to start: the meter has spoken by then.
        link = entry.runtime_data.meter.link
        await wait_until(lambda: link.decoder.frames > 0, within=10)
    await hass.async_start()
    await hass.async_block_till_done()


def _snapshot(hass: HomeAssistant) -> list[State]:
    """What Home Assistant's restore-state dump keeps of the loads and the climate."""
    return [
        state
        for entity_id in (RADIATOR, ZONE, OFFICE, HEATER, CLIMATE)
        if (state := hass.states.get(entity_id)) is not None
    ]


def _same_entry(entry: MockConfigEntry) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry.entry_id,
        unique_id=entry.unique_id,
        title=entry.title,
        data=dict(entry.data),
        options=dict(entry.options),
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No `hass` fixture here: each test starts and stops its own instances."""


@pytest.fixture
async def clock(socket_enabled: None) -> AsyncIterator[VirtualClock]:
    loop = asyncio.get_running_loop()
    virtual = VirtualClock(datetime(2026, 1, 14, 21, 45, tzinfo=PARIS))
    virtual.install(loop)
    yield virtual
    virtual.uninstall()


async def _tariff_restart(
    clock: VirtualClock, pty: PtyMeter, hass_storage: dict[str, Any]
) -> tuple[Recorder, Any, dict[str, Any], float]:
    """White peak; stopped at 21:52; started at 21:55; runs until 22:01."""
    meter = SimulatedMeter(TempoCalendar({date(2026, 1, 14): TempoColor.WHITE}))
    entry = meter_entry(str(pty.path))
    async with MeterFeed(meter, [PtySink(pty)], clock, chunk=128):
        async with _home_assistant() as hass:
            await _start(hass, entry, initial=True)
            await wait_until(lambda: load_states(hass) == SHED, within=60)
            await sleep_until(clock, datetime(2026, 1, 14, 21, 52, tzinfo=PARIS))
            before = _snapshot(hass)
        # Stopped: every pending write reached the store.
        stored = hass_storage[STORE_KEY.format(entry.entry_id)]["data"]
        await sleep_until(clock, datetime(2026, 1, 14, 21, 55, tzinfo=PARIS))
        pty.unplug()
        pty.plug()
        async with _home_assistant(restore=before) as hass:
            recorder = Recorder(hass).start()
            await _start(hass, _same_entry(entry), initial=False)
            await sleep_until(clock, datetime(2026, 1, 14, 21, 59, tzinfo=PARIS))
            peak_end = clock.monotonic()
            await sleep_until(clock, datetime(2026, 1, 14, 22, 1, tzinfo=PARIS))
            assert hass.states.get(OFFICE).attributes["temperature"] == 19.5
            final = load_states(hass)
            recorder.stop()
    return recorder, {"final": final, "entry_id": entry.entry_id}, stored, peak_end


async def test_restart_during_a_tariff_shed_restores_exactly_at_22_00(
    clock: VirtualClock, pty: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    recorder, result, stored, peak_end = await _tariff_restart(clock, pty, hass_storage)
    assert stored["captures"] == {
        RADIATOR: {"state": "on"},
        ZONE: {"state": "comfort"},
        OFFICE: {"state": "heat", "preset_mode": "none", "temperature": 19.5},
    }
    assert result["final"] == NORMAL
    # At 22:00, one action per load, in priority order, back to its capture.
    after_peak = [(e, s) for e, s, at in recorder.moves(SHED) if at >= peak_end]
    assert after_peak == [(OFFICE, "heat"), (ZONE, "comfort"), (RADIATOR, "on")]
    assert hass_storage[STORE_KEY.format(result["entry_id"])]["data"]["captures"] == {}
    assert recorder.problems() == []


async def test_restart_during_a_tariff_shed_moves_no_load_before_22_00(
    clock: VirtualClock, pty: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    recorder, _result, _stored, peak_end = await _tariff_restart(
        clock, pty, hass_storage
    )
    assert [(e, s) for e, s, at in recorder.moves(SHED) if at < peak_end] == []


async def _overload_then_stop(
    clock: VirtualClock,
    pty: PtyMeter,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    loads: dict[str, str | None],
) -> list[State]:
    """Two loads shed for an overload (7,300 VA, 32 A > 30 A), then a real stop."""
    async with _home_assistant() as hass:
        await _start(hass, entry, initial=True)
        hass.bus.async_listen(
            "state_changed", lambda _e: loads.update(load_states(hass))
        )
        # The radiator goes at once, the zone 5 s later; 4,800 VA is below the
        # shed threshold (90 %) but not below the restore one (80 %): it holds.
        await wait_until(lambda: load_states(hass) == OVERLOAD_SHED, within=60)
        await asyncio.sleep(20)
        assert load_states(hass) == OVERLOAD_SHED
        shedding = entry.runtime_data.shedding
        assert shedding.policy.overload_shed == [RADIATOR, ZONE]
        before = _snapshot(hass)
    stored = hass_storage[STORE_KEY.format(entry.entry_id)]["data"]
    assert stored["overload_shed"] == [RADIATOR, ZONE]
    assert stored["captures"] == {RADIATOR: {"state": "on"}, ZONE: {"state": "comfort"}}
    return before


OVERLOAD_SHED = {**NORMAL, RADIATOR: "off", ZONE: "frost_protection"}


def _overload_meter(
    oven: dict[str, bool], loads: dict[str, str | None]
) -> tuple[SimulatedMeter, Any]:
    meter = SimulatedMeter(TempoCalendar())  # a blue day: no tariff shedding

    def power(_local: datetime) -> None:
        meter.power = (
            1200
            + sum(w for e, w in LOAD_POWER.items() if loads[e] == NORMAL[e])
            + (2600 if oven["on"] else 0)
        )

    return meter, power


async def test_restart_during_an_overload_shed_restores_exactly(
    clock: VirtualClock, pty: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    oven = {"on": True}
    loads: dict[str, str | None] = dict(NORMAL)
    meter, power = _overload_meter(oven, loads)
    entry = meter_entry(str(pty.path))
    async with MeterFeed(meter, [PtySink(pty)], clock, chunk=128, before_frame=power):
        before = await _overload_then_stop(clock, pty, hass_storage, entry, loads)
        # The oven is switched off while Home Assistant is down.
        oven["on"] = False
        await asyncio.sleep(60)
        pty.unplug()
        pty.plug()
        async with _home_assistant(restore=before) as hass:
            unsub = hass.bus.async_listen(
                "state_changed", lambda _e: loads.update(load_states(hass))
            )
            recorder = Recorder(hass).start()
            started = clock.monotonic()
            await _start(hass, _same_entry(entry), initial=False)
            assert load_states(hass) == OVERLOAD_SHED
            await wait_until(lambda: load_states(hass) == NORMAL, within=900)
            recorder.stop()
            unsub()
    moves = [(e, s, at - started) for e, s, at in recorder.moves(SHED)]
    # Highest priority first, no sooner than the 300 s restore delay (counted
    # from the restart), one shed step apart; the office was never touched.
    assert [(e, s) for e, s, _ in moves] == [(ZONE, "comfort"), (RADIATOR, "on")]
    assert moves[0][2] >= 300
    assert moves[1][2] >= moves[0][2] + 5
    stored = hass_storage[STORE_KEY.format(entry.entry_id)]["data"]
    assert (stored["captures"], stored["overload_shed"]) == ({}, [])
    assert stored["meter"]["period"] == "hp_blue"
    assert recorder.problems() == []


async def test_restart_during_an_overload_shed_with_the_meter_silent(
    clock: VirtualClock, pty: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    """The dongle is unplugged during the restart: the blind hold must apply.

    Loads shed for an overload stay shed for the 15 min blind hold, then come
    back one by one, as the policy documents; nothing is logged as an error
    and the heating climate entity exists.
    """
    oven = {"on": True}
    loads: dict[str, str | None] = dict(NORMAL)
    meter, power = _overload_meter(oven, loads)
    entry = meter_entry(str(pty.path))
    async with MeterFeed(
        meter, [PtySink(pty)], clock, chunk=128, before_frame=power
    ) as feed:
        before = await _overload_then_stop(clock, pty, hass_storage, entry, loads)
        feed.paused = True
        pty.unplug()
        pty.plug()
        async with _home_assistant(restore=before) as hass:
            recorder = Recorder(hass).start()
            started = clock.monotonic()
            await _start(hass, _same_entry(entry), initial=False, wait_frame=False)
            with contextlib.suppress(TimeoutError):
                await wait_until(
                    lambda: load_states(hass) == NORMAL, within=1200, step=5
                )
            climate = hass.states.get(CLIMATE)
            recorder.stop()
    assert recorder.problems() == []
    assert climate is not None
    moves = [(e, s, at - started) for e, s, at in recorder.moves(SHED)]
    assert [(e, s) for e, s, _ in moves] == [(ZONE, "comfort"), (RADIATOR, "on")]
    assert moves[0][2] >= 15 * 60


async def test_the_evaluation_at_start_runs_on_the_event_loop(
    clock: VirtualClock,
    pty: PtyMeter,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.linky_tempo.shedding import SheddingCoordinator

    loop_thread = threading.get_ident()
    threads: list[int] = []
    evaluate = SheddingCoordinator._evaluate

    def spy(self: SheddingCoordinator, **kwargs: Any) -> None:
        threads.append(threading.get_ident())
        evaluate(self, **kwargs)

    monkeypatch.setattr(SheddingCoordinator, "_evaluate", spy)
    meter = SimulatedMeter(TempoCalendar({date(2026, 1, 14): TempoColor.WHITE}))
    async with (
        MeterFeed(meter, [PtySink(pty)], clock, chunk=128),
        _home_assistant() as hass,
    ):
        await _start(hass, meter_entry(str(pty.path)), initial=True)
        await wait_until(lambda: load_states(hass) == SHED, within=60)
    assert threads
    assert {thread == loop_thread for thread in threads} == {True}
