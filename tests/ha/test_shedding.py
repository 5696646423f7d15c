"""Shedding in a real Home Assistant: meter on a pty, real loads, real actions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    mock_restore_cache,
)

from custom_components.linky_tempo import driver as driver_module
from custom_components.linky_tempo.const import (
    CONF_LOADS,
    CONF_MODE,
    CONF_PORT,
    CONF_RESTORE_DELAY,
    DOMAIN,
    EVENT_SHEDDING_ENDED,
    EVENT_SHEDDING_STARTED,
)
from harness.stack import (
    CLIMATE,
    LOADS,
    METER_ID,
    OFFICE,
    RADIATOR,
    ZONE,
    add_entry,
    meter_entry,
    setup_loads,
)
from harness.virtual_time import virtual_time
from tests.waiting import wait_state
from tic_simulator.frames import tempo_historic
from tic_simulator.transport import PtyMeter, Streamer

# Restores 0.2 s apart instead of 5 s (tests/ha/conftest.py).
pytestmark = pytest.mark.usefixtures("fast_restore_spacing")


@pytest.fixture
async def loads(hass: HomeAssistant) -> None:
    """The three loads of harness/stack.py, and a select that is no heater."""
    await setup_loads(hass, fan=True)


async def _setup(
    hass: HomeAssistant, meter: PtyMeter, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    return await add_entry(hass, meter_entry(str(meter.path), options=options))


@pytest.fixture
async def white_peak(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> AsyncIterator[Streamer]:
    """The meter says: white-day peak hours."""
    await _setup(hass, pty_meter)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")) as meter:
        yield meter


async def test_shedding_entities_keep_their_unique_ids(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    """Existing installations know these entities by these ids: never change."""
    await _setup(hass, pty_meter)
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("climate", DOMAIN, f"{METER_ID}_heating") == (
        CLIMATE
    )
    assert registry.async_get_entity_id(
        "sensor", DOMAIN, f"{METER_ID}_shedding_reason"
    ) == ("sensor.linky_tempo_shedding_reason")
    assert registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"{METER_ID}_shedding"
    ) == ("binary_sensor.linky_tempo_shedding")


async def test_white_peak_sheds_every_kind_of_load_then_restores_exactly(
    hass: HomeAssistant, white_peak: Streamer
) -> None:
    started = async_capture_events(hass, EVENT_SHEDDING_STARTED)
    ended = async_capture_events(hass, EVENT_SHEDDING_ENDED)
    await wait_state(hass, RADIATOR, "off")
    await wait_state(hass, ZONE, "frost_protection")
    await wait_state(hass, OFFICE, "off")
    await wait_state(hass, "binary_sensor.linky_tempo_shedding", "on")
    assert hass.states.get("sensor.linky_tempo_shedding_reason").state == "white_peak"
    climate = hass.states.get(CLIMATE)
    assert climate.state == "auto"
    assert climate.attributes["hvac_action"] == "idle"
    assert climate.attributes["shedding_reasons"] == ["white_peak"]
    assert climate.attributes["loads_shed"] == [OFFICE, ZONE, RADIATOR]
    assert climate.attributes["current_temperature"] == 21.0
    await hass.async_block_till_done()
    assert [event.data["reason"] for event in started] == ["white_peak"]

    # 22:00: off-peak hours of the white day.
    white_peak.frame = tempo_historic(period="HCJW")
    await wait_state(hass, RADIATOR, "on")
    await wait_state(hass, ZONE, "comfort")
    office = hass.states.get(OFFICE)
    assert office.state == "heat"
    assert office.attributes["temperature"] == 19.5
    await wait_state(hass, "binary_sensor.linky_tempo_shedding", "off")
    assert hass.states.get(CLIMATE).attributes["hvac_action"] == "heating"
    assert hass.states.get("sensor.linky_tempo_shedding_reason").state == "none"
    assert [event.data["reason"] for event in ended] == ["white_peak"]


async def test_restores_come_one_at_a_time_highest_priority_first(
    hass: HomeAssistant, white_peak: Streamer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await wait_state(hass, RADIATOR, "off")
    monkeypatch.setattr(driver_module, "RESTORE_SPACING", 1.0)
    changes: list[str] = []
    # Each load's move back to its state (not the thermostat's later
    # attribute changes: its heater switching on).
    hass.bus.async_listen(
        "state_changed",
        lambda event: changes.append(event.data["entity_id"])
        if event.data["entity_id"] in (OFFICE, ZONE, RADIATOR)
        and event.data["new_state"].state in ("heat", "comfort", "on")
        and event.data["old_state"].state != event.data["new_state"].state
        else None,
    )
    start = asyncio.get_running_loop().time()
    white_peak.frame = tempo_historic(period="HPJB")
    await wait_state(hass, RADIATOR, "on")
    assert changes == [OFFICE, ZONE, RADIATOR]
    assert asyncio.get_running_loop().time() - start >= 2.0


async def test_heat_cancels_white_peak_until_the_end_of_the_peak(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    """HEAT lasts until 22:00, then AUTO sheds again while the peak goes on.

    On a virtual clock started at 21:58 on a white day, the meter streaming
    all along: the end of the override is reached by time passing, not by
    firing every timer of the loop at once (which fired the link's own
    silence timeout too, and left it reopening a pty that cannot be
    reconfigured: see CONTRIBUTING.md).
    """
    with virtual_time(
        hass.loop, datetime(2026, 1, 15, 21, 58, tzinfo=ZoneInfo("Europe/Paris"))
    ) as clock:
        await _setup(hass, pty_meter)
        async with Streamer(pty_meter, tempo_historic(period="HPJW"), clock=clock):
            await wait_state(hass, RADIATOR, "off")
            await hass.services.async_call(
                "climate",
                "set_hvac_mode",
                {"entity_id": CLIMATE, "hvac_mode": "heat"},
                blocking=True,
            )
            await wait_state(hass, RADIATOR, "on")
            await wait_state(hass, ZONE, "comfort")
            await wait_state(hass, OFFICE, "heat")
            climate = hass.states.get(CLIMATE)
            assert climate.state == "heat"
            assert climate.attributes["hvac_action"] == "heating"
            end = dt_util.parse_datetime(climate.attributes["override_end"])
            assert end == datetime(2026, 1, 15, 22, tzinfo=ZoneInfo("Europe/Paris"))
            assert clock.tempo_now() < end
            # At the end of the peak period HEAT returns to AUTO by itself:
            # the meter still says white-day peak, so the loads are shed again.
            await wait_state(hass, CLIMATE, "auto", within=180)
            assert clock.tempo_now() >= end
            await wait_state(hass, RADIATOR, "off")


async def test_heat_is_refused_on_a_red_peak(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    await _setup(hass, pty_meter)
    async with Streamer(pty_meter, tempo_historic(period="HPJR")):
        await wait_state(hass, RADIATOR, "off")
        with pytest.raises(ServiceValidationError) as error:
            await hass.services.async_call(
                "climate",
                "set_hvac_mode",
                {"entity_id": CLIMATE, "hvac_mode": "heat"},
                blocking=True,
            )
        assert error.value.translation_key == "red_peak_cannot_cancel"
        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(
                DOMAIN, "cancel_shedding", {"entity_id": CLIMATE}, blocking=True
            )
        assert hass.states.get(CLIMATE).state == "auto"
        assert hass.states.get(RADIATOR).state == "off"
        assert hass.states.get("sensor.linky_tempo_shedding_reason").state == "red_peak"


async def test_cancel_shedding_until_and_resume_auto(
    hass: HomeAssistant, white_peak: Streamer
) -> None:
    await wait_state(hass, RADIATOR, "off")
    until = dt_util.now() + timedelta(minutes=30)
    await hass.services.async_call(
        DOMAIN, "cancel_shedding", {"entity_id": CLIMATE, "until": until}, blocking=True
    )
    await wait_state(hass, RADIATOR, "on")
    end = dt_util.parse_datetime(hass.states.get(CLIMATE).attributes["override_end"])
    assert abs((end - until).total_seconds()) < 1
    await hass.services.async_call(
        DOMAIN, "resume_auto", {"entity_id": CLIMATE}, blocking=True
    )
    await wait_state(hass, CLIMATE, "auto")
    await wait_state(hass, RADIATOR, "off")
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "cancel_shedding",
            {"entity_id": CLIMATE, "until": dt_util.now() - timedelta(minutes=1)},
            blocking=True,
        )
    assert error.value.translation_key == "until_in_the_past"


async def test_overload_sheds_by_priority_and_restores_after_the_delay(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    """ADPS: one more load every 5 s; then back one at a time below 80 %."""
    await _setup(hass, pty_meter, {CONF_RESTORE_DELAY: 1})
    async with Streamer(pty_meter, tempo_historic(period="HPJB", papp=2000)) as meter:
        await wait_state(hass, CLIMATE, "auto")
        assert hass.states.get(RADIATOR).state == "on"
        meter.frame = tempo_historic(period="HPJB", papp=6200, iinst=31, adps=31)
        await wait_state(hass, RADIATOR, "off", within=3)
        assert hass.states.get(ZONE).state == "comfort"
        assert hass.states.get("sensor.linky_tempo_shedding_reason").state == "overload"
        await wait_state(hass, ZONE, "frost_protection", within=8)
        assert hass.states.get(OFFICE).state == "heat"
        # Back under 80 % of 6 kVA: the zone (higher priority) first.
        meter.frame = tempo_historic(period="HPJB", papp=2000)
        await wait_state(hass, ZONE, "comfort", within=5)
        assert hass.states.get(RADIATOR).state == "off"
        await wait_state(hass, RADIATOR, "on", within=10)
        await wait_state(hass, "sensor.linky_tempo_shedding_reason", "none")


async def test_a_shed_load_changed_by_hand_is_put_back(
    hass: HomeAssistant, white_peak: Streamer, caplog: pytest.LogCaptureFixture
) -> None:
    await wait_state(hass, ZONE, "frost_protection")
    caplog.set_level(logging.INFO)
    await hass.services.async_call(
        "input_select",
        "select_option",
        {"entity_id": ZONE, "option": "comfort"},
        blocking=True,
    )
    await wait_state(hass, ZONE, "frost_protection")
    assert f"{ZONE} was changed while shed: shedding it again" in caplog.text
    # What comes back at the end is the state captured before shedding.
    white_peak.frame = tempo_historic(period="HCJW")
    await wait_state(hass, ZONE, "comfort")


async def _select_zone(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        "input_select",
        "select_option",
        {"entity_id": ZONE, "option": option},
        blocking=True,
    )


@pytest.fixture
async def zone_powered_up_shed(
    hass: HomeAssistant,
    loads: None,
    pty_meter: PtyMeter,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Streamer]:
    """A white-day peak, the zone in frost protection before it starts."""
    caplog.set_level(logging.INFO, logger="custom_components.linky_tempo")
    await _select_zone(hass, "frost_protection")
    await _setup(hass, pty_meter)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")) as meter:
        await wait_state(hass, RADIATOR, "off")
        await wait_state(hass, OFFICE, "off")
        yield meter


async def test_a_load_found_in_its_shed_state_is_captured_once_it_leaves_it(
    hass: HomeAssistant, zone_powered_up_shed: Streamer
) -> None:
    """A firmware zone powers up in frost protection, then is handed back.

    Its frost protection was not the integration's doing: it is not captured
    as the state to restore. What the zone becomes (comfort, as the ESP32
    sets it when Home Assistant connects) is captured, shed, and restored.
    """
    assert hass.states.get(CLIMATE).attributes["loads_shed"] == [OFFICE, RADIATOR]
    await _select_zone(hass, "comfort")
    await wait_state(hass, ZONE, "frost_protection")
    assert hass.states.get(CLIMATE).attributes["loads_shed"] == [
        OFFICE,
        ZONE,
        RADIATOR,
    ]
    zone_powered_up_shed.frame = tempo_historic(period="HCJW")
    await wait_state(hass, ZONE, "comfort")
    await wait_state(hass, RADIATOR, "on")


async def test_a_load_left_in_its_shed_state_is_not_touched_after_the_peak(
    hass: HomeAssistant,
    zone_powered_up_shed: Streamer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Logged while the fixture set the scene.
    assert f"{ZONE} was already shed: nothing to capture" in [
        record.getMessage() for record in caplog.get_records("setup")
    ]
    zone_powered_up_shed.frame = tempo_historic(period="HCJW")
    await wait_state(hass, RADIATOR, "on")
    await wait_state(hass, OFFICE, "heat")
    await wait_state(hass, "binary_sensor.linky_tempo_shedding", "off")
    assert hass.states.get(ZONE).state == "frost_protection"


async def test_restart_in_the_middle_of_a_shed_restores_exactly(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    """Captures written before a restart are read back and used to restore."""
    entry = await _setup(hass, pty_meter)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")) as meter:
        await wait_state(hass, OFFICE, "off")
        await wait_state(hass, RADIATOR, "off")
        # The delayed write reaches the store.
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
        await hass.async_block_till_done()
        stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.shed_loads"]["data"]
        assert stored["captures"][OFFICE]["state"] == "heat"
        assert stored["captures"][OFFICE]["temperature"] == 19.5
        assert stored["captures"][ZONE] == {"state": "comfort"}
        # Home Assistant stops: nothing is restored on the way down.
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert hass.states.get(OFFICE).state == "off"
        pty_meter.unplug()
        pty_meter.plug()
        meter.frame = tempo_historic(period="HPJB")
        # Home Assistant starts again, on a blue day.
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_state(hass, OFFICE, "heat")
        await wait_state(hass, ZONE, "comfort")
        await wait_state(hass, RADIATOR, "on")
        assert hass.states.get(OFFICE).attributes["temperature"] == 19.5


async def test_captures_from_before_a_restart_are_used(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        options={CONF_LOADS: LOADS},
    )
    hass_storage[f"{DOMAIN}.{entry.entry_id}.shed_loads"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.shed_loads",
        "data": {"captures": {ZONE: {"state": "eco"}}, "overload_shed": []},
    }
    await hass.services.async_call(
        "input_select",
        "select_option",
        {"entity_id": ZONE, "option": "frost_protection"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    async with Streamer(pty_meter, tempo_historic(period="HCJB")):
        await wait_state(hass, ZONE, "eco")


@pytest.mark.parametrize(
    ("hour", "reason", "radiator"), [(10, "white_peak", "off"), (23, "none", "on")]
)
async def test_meter_lost_keeps_tempo_shedding_from_the_clock(
    hass: HomeAssistant,
    loads: None,
    pty_meter: PtyMeter,
    hour: int,
    reason: str,
    radiator: str,
) -> None:
    """A silent meter: the loads follow the clock's period and the last colours.

    On a virtual clock (a white day, at 10:00 and at 23:00), the meter says
    white-day peak, then is unplugged: once its values are unavailable, the
    clock alone says whether it is still the peak.
    """
    start = datetime(2026, 1, 15, hour, tzinfo=ZoneInfo("Europe/Paris"))
    with virtual_time(hass.loop, start) as clock:
        await _setup(hass, pty_meter)
        async with Streamer(pty_meter, tempo_historic(period="HPJW"), clock=clock):
            await wait_state(hass, RADIATOR, "off")
        pty_meter.unplug()
        await asyncio.sleep(11)
        await hass.async_block_till_done()
        assert hass.states.get("sensor.linky_tempo_apparent_power").state == (
            "unavailable"
        )
        await wait_state(hass, RADIATOR, radiator)
        assert hass.states.get("sensor.linky_tempo_shedding_reason").state == reason
        assert hass.states.get(CLIMATE).state == "auto"


async def test_mode_and_override_end_survive_a_restart(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    end = dt_util.now() + timedelta(hours=2)
    mock_restore_cache(
        hass, [State(CLIMATE, "heat", {"override_end": end.isoformat()})]
    )
    await _setup(hass, pty_meter)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")):
        await wait_state(hass, CLIMATE, "heat")
        assert hass.states.get(RADIATOR).state == "on"
        restored = dt_util.parse_datetime(
            hass.states.get(CLIMATE).attributes["override_end"]
        )
        assert abs((restored - end).total_seconds()) < 1


async def test_an_expired_override_is_not_restored(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    end = dt_util.now() - timedelta(minutes=1)
    mock_restore_cache(
        hass, [State(CLIMATE, "heat", {"override_end": end.isoformat()})]
    )
    await _setup(hass, pty_meter)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")):
        await wait_state(hass, RADIATOR, "off")
        assert hass.states.get(CLIMATE).state == "auto"


async def test_removing_the_meter_gives_the_loads_back(
    hass: HomeAssistant, white_peak: Streamer
) -> None:
    await wait_state(hass, RADIATOR, "off")
    await wait_state(hass, OFFICE, "off")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(RADIATOR).state == "on"
    assert hass.states.get(ZONE).state == "comfort"
    assert hass.states.get(OFFICE).state == "heat"


async def test_temperature_sensor_is_the_current_temperature(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    await _setup(hass, pty_meter, {"temperature_sensor": "sensor.office_temperature"})
    assert hass.states.get(CLIMATE).attributes["current_temperature"] == 18.5
    hass.states.async_set("sensor.office_temperature", "19.0")
    await hass.async_block_till_done()
    assert hass.states.get(CLIMATE).attributes["current_temperature"] == 19.0


async def test_adps_on_the_line_calls_the_first_load_before_the_frame_ends(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    """End to end: the ADPS group's CR is the last byte written."""
    await _setup(hass, pty_meter)
    calls: list[str] = []
    hass.bus.async_listen(
        "call_service",
        lambda event: calls.append(event.data["service_data"]["entity_id"])
        if event.data["service"] == "turn_off"
        else None,
    )
    for _ in range(3):
        pty_meter.write_now(tempo_historic(period="HPJB", papp=2000))
        await asyncio.sleep(0.05)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "2000")
    frame = tempo_historic(period="HPJB", papp=6200, iinst=31, adps=31)
    pty_meter.write_now(frame[: frame.index(b"\r", frame.index(b"ADPS")) + 1])
    await wait_state(hass, RADIATOR, "off", within=2)
    assert calls == [RADIATOR]
    # The frame is not finished: its PAPP never reached the entity.
    assert hass.states.get("sensor.linky_tempo_apparent_power").state == "2000"


async def test_climate_preset_and_select_off_shed_options(
    hass: HomeAssistant, loads: None, pty_meter: PtyMeter
) -> None:
    """Options: thermostats go to a preset, pilot-wire zones to "off" (arrêt)."""
    await _setup(hass, pty_meter, {"climate_preset": "away", "select_action": "off"})
    async with Streamer(pty_meter, tempo_historic(period="HPJR")) as meter:
        await wait_state(hass, ZONE, "off")
        async with asyncio.timeout(5):
            while hass.states.get(OFFICE).attributes.get("preset_mode") != "away":
                await asyncio.sleep(0.05)
        assert hass.states.get(OFFICE).state == "heat"
        meter.frame = tempo_historic(period="HCJR")
        await wait_state(hass, ZONE, "comfort")
        async with asyncio.timeout(5):
            while hass.states.get(OFFICE).attributes.get("preset_mode") != "none":
                await asyncio.sleep(0.05)
        assert hass.states.get(OFFICE).attributes["temperature"] == 19.5


async def test_a_select_without_a_frost_option_is_left_alone(
    hass: HomeAssistant,
    loads: None,
    pty_meter: PtyMeter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fan = {"entity_id": "input_select.fan", "priority": 4}
    await _setup(hass, pty_meter, {CONF_LOADS: [*LOADS, fan]})
    async with Streamer(pty_meter, tempo_historic(period="HPJR")):
        await wait_state(hass, RADIATOR, "off")
        await wait_state(hass, OFFICE, "off")
    assert hass.states.get("input_select.fan").state == "high"
    assert "input_select.fan offers no frost protection option" in caplog.text


async def test_silent_meter_for_too_long_stops_tempo_shedding_with_a_repair(
    hass: HomeAssistant, white_peak: Streamer, pty_meter: PtyMeter
) -> None:
    from homeassistant.helpers import issue_registry as ir

    from custom_components.linky_tempo.policy import PolicySettings

    await wait_state(hass, RADIATOR, "off")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    # 48 h compressed to half a second for this test.
    entry.runtime_data.shedding.policy.settings = PolicySettings(clock_fallback=0.5)
    pty_meter.unplug()
    await asyncio.sleep(0.6)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    await wait_state(hass, RADIATOR, "on")
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"clock_fallback_expired_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "clock_fallback_expired"
    # The meter is back: the repair goes away and shedding resumes.
    pty_meter.plug()
    await wait_state(hass, RADIATOR, "off", within=15)
    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"clock_fallback_expired_{entry.entry_id}"
        )
        is None
    )


async def test_with_its_port_missing_at_start_the_red_peak_is_shed_from_the_clock(
    hass: HomeAssistant, pty_meter: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    """Control from the first second: a restart on a red day, the ESP32 down.

    The colours the meter announced before the restart are in the store; the
    entry sets up without its port and the clock says red-day peak hours.
    """
    with virtual_time(
        hass.loop, datetime(2026, 1, 15, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    ):
        await setup_loads(hass)
        entry = meter_entry(str(pty_meter.path))
        key = f"{DOMAIN}.{entry.entry_id}.shed_loads"
        hass_storage[key] = {
            "version": 1,
            "minor_version": 1,
            "key": key,
            "data": {
                "captures": {},
                "overload_shed": [],
                "meter": {
                    "period": "hp_red",
                    "today": "red",
                    "tomorrow": "unknown",
                    "subscribed": 6000,
                    "at": "2026-01-15T09:58:00+01:00",
                },
            },
        }
        pty_meter.unplug()
        await add_entry(hass, entry)
        await wait_state(hass, RADIATOR, "off", within=60)
        await wait_state(hass, ZONE, "frost_protection", within=60)
        assert hass.states.get(CLIMATE).state == "auto"
        assert hass.states.get("sensor.linky_tempo_shedding_reason").state == "red_peak"
