"""Heating loads as config subentries: per-load, per-reason shedding, migration.

Real Home Assistant, real loads (tests/stack.py), a meter on a pty.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
)

from custom_components.linky_tempo import async_migrate_entry
from custom_components.linky_tempo.const import (
    CONF_MODE,
    CONF_PORT,
    CONF_RESTORE_DELAY,
    DOMAIN,
)
from harness.stack import (
    CLIMATE,
    METER_ID,
    OFFICE,
    RADIATOR,
    ZONE,
    add_entry,
    meter_entry,
    setup_loads,
)
from harness.virtual_time import virtual_time
from tests.waiting import wait_state, wait_until
from tic_simulator.frames import tempo_historic
from tic_simulator.transport import PtyMeter, Streamer

# Restores 0.2 s apart instead of 5 s (tests/ha/conftest.py).
pytestmark = pytest.mark.usefixtures("fast_restore_spacing")


def load(entity_id: str, title: str, **data: Any) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={"entity_id": entity_id, **data},
        subentry_type="load",
        title=title,
        unique_id=entity_id,
    )


def household(pty_meter: PtyMeter) -> MockConfigEntry:
    """Living room and office shed their own way; the bathroom on overload only."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        title=f"Linky {METER_ID}",
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        options={CONF_RESTORE_DELAY: 1},
        minor_version=2,
        subentries_data=[
            load(
                ZONE,
                "Living room",
                priority=2,
                red_peak="frost_protection",
                white_peak="eco",
                overload="off",
            ),
            # The bathroom: out of Tempo shedding, still shed on overload.
            load(
                RADIATOR,
                "Bathroom",
                priority=3,
                red_peak="none",
                white_peak="none",
                overload="off",
            ),
            # The office thermostat: 2 °C lower on white days, off on red.
            load(
                OFFICE,
                "Office",
                priority=1,
                red_peak="off",
                white_peak="offset",
                overload="off",
                offset=-2.0,
            ),
        ],
    )


async def test_an_entry_of_the_first_release_migrates_with_no_change(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    """options["loads"] + select_action/climate_preset → one subentry per load."""
    await setup_loads(hass)
    entry = meter_entry(
        str(pty_meter.path), options={"climate_preset": "away", "select_action": "off"}
    )
    assert (entry.version, entry.minor_version) == (1, 1)
    await add_entry(hass, entry)
    assert (entry.version, entry.minor_version) == (1, 2)
    loads = {sub.unique_id: sub for sub in entry.subentries.values()}
    assert {sub.subentry_type for sub in loads.values()} == {"load"}
    assert dict(loads[OFFICE].data) == {
        "entity_id": OFFICE,
        "priority": 1,
        "red_peak": "preset",
        "white_peak": "preset",
        "overload": "preset",
        "preset": "away",
        "offset": -2.0,
    }
    assert dict(loads[ZONE].data) == {
        "entity_id": ZONE,
        "priority": 2,
        "red_peak": "off",
        "white_peak": "off",
        "overload": "off",
    }
    assert loads[RADIATOR].data["priority"] == 3
    assert loads[RADIATOR].data["white_peak"] == "off"
    # Shedding is what it was: the zone to "off", the thermostat to "away".
    async with Streamer(pty_meter, tempo_historic(period="HPJW")):
        await wait_state(hass, ZONE, "off")
        await wait_state(hass, RADIATOR, "off")
        await wait_until(
            lambda: hass.states.get(OFFICE).attributes.get("preset_mode") == "away",
            5,
        )
    # Migrating again changes nothing.
    assert await async_migrate_entry(hass, entry)
    assert len(entry.subentries) == 3


async def test_living_room_eco_on_white_frost_on_red_bathroom_only_on_overload(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    """The household of the issue: per-load, per-reason shed actions."""
    await setup_loads(hass)
    await add_entry(hass, household(pty_meter))
    async with Streamer(pty_meter, tempo_historic(period="HPJW")) as meter:
        await wait_state(hass, ZONE, "eco")
        await wait_until(
            lambda: hass.states.get(OFFICE).attributes.get("temperature") == 17.5, 5
        )
        assert hass.states.get(OFFICE).state == "heat"
        assert hass.states.get(RADIATOR).state == "on"
        climate = hass.states.get(CLIMATE)
        assert climate.attributes["loads_shed"] == [OFFICE, ZONE]
        assert climate.attributes["shedding_reasons"] == ["white_peak"]

        # 22:00: everything comes back exactly.
        meter.frame = tempo_historic(period="HCJW")
        await wait_state(hass, ZONE, "comfort")
        await wait_until(
            lambda: hass.states.get(OFFICE).attributes.get("temperature") == 19.5, 5
        )

        # A red day: the living room to frost protection, the office off,
        # the bathroom kept warm.
        meter.frame = tempo_historic(period="HPJR")
        await wait_state(hass, ZONE, "frost_protection")
        await wait_state(hass, OFFICE, "off")
        assert hass.states.get(RADIATOR).state == "on"

        # An overload during the red peak: the bathroom is shed, and the
        # living room goes to its overload action.
        meter.frame = tempo_historic(period="HPJR", papp=6200, iinst=31, adps=31)
        await wait_state(hass, RADIATOR, "off", within=3)
        await wait_state(hass, ZONE, "off", within=3)

        # Off-peak and under the restore threshold: all back, exactly.
        meter.frame = tempo_historic(period="HCJR", papp=2000)
        await wait_state(hass, ZONE, "comfort", within=15)
        await wait_state(hass, OFFICE, "heat", within=15)
        await wait_state(hass, RADIATOR, "on", within=15)
    office = hass.states.get(OFFICE)
    assert office.attributes["temperature"] == 19.5
    await asyncio.sleep(0)


def paused_switch(hass: HomeAssistant, entity_id: str) -> str:
    switch = er.async_get(hass).async_get_entity_id(
        "switch", DOMAIN, f"{METER_ID}_shedding_paused_{entity_id}"
    )
    assert switch is not None, [
        (e.entity_id, e.unique_id, e.platform)
        for e in er.async_get(hass).entities.values()
        if e.domain == "switch"
    ]
    return switch


async def test_a_room_kept_warm_on_a_red_day_until_the_end_of_the_peak(
    hass: HomeAssistant, pty_meter: PtyMeter, caplog: pytest.LogCaptureFixture
) -> None:
    """The living room's "shedding paused" switch, on the virtual clock.

    Paused at 21:58 on a red day, the living room comes back; the office
    stays shed. At 22:00 the switch turns off by itself; the meter still says
    red peak, so the living room is shed again.
    """
    caplog.set_level(logging.INFO)
    await setup_loads(hass)
    with virtual_time(
        hass.loop, datetime(2026, 1, 15, 21, 58, tzinfo=ZoneInfo("Europe/Paris"))
    ) as clock:
        await add_entry(hass, household(pty_meter))
        switch = paused_switch(hass, ZONE)
        assert switch == "switch.linky_tempo_living_room_shedding_paused"
        assert hass.states.get(switch).state == "off"
        async with Streamer(pty_meter, tempo_historic(period="HPJR"), clock=clock):
            await wait_state(hass, ZONE, "frost_protection")
            await wait_state(hass, OFFICE, "off")
            await hass.services.async_call(
                "switch", "turn_on", {"entity_id": switch}, blocking=True
            )
            await wait_state(hass, ZONE, "comfort")
            assert hass.states.get(OFFICE).state == "off"
            state = hass.states.get(switch)
            assert state.state == "on"
            end = datetime(2026, 1, 15, 22, tzinfo=ZoneInfo("Europe/Paris"))
            assert dt_util.parse_datetime(state.attributes["until"]) == end
            climate = hass.states.get(CLIMATE)
            assert climate.attributes["loads_paused"] == [ZONE]
            assert climate.attributes["loads_shed"] == [OFFICE]
            assert f"Shedding of {ZONE} paused until 2026-01-15T22:00:00" in (
                caplog.text
            )
            await wait_state(hass, switch, "off", within=180)
            assert clock.tempo_now() >= end
            await wait_state(hass, ZONE, "frost_protection")
            assert f"Shedding of {ZONE} resumed" in caplog.text
            assert hass.states.get(CLIMATE).attributes["loads_paused"] == []


async def test_a_paused_room_is_still_shed_on_overload_and_resumes_by_hand(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    await setup_loads(hass)
    await add_entry(hass, household(pty_meter))
    switch = paused_switch(hass, ZONE)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")) as meter:
        await wait_state(hass, ZONE, "eco")
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": switch}, blocking=True
        )
        await wait_state(hass, ZONE, "comfort")
        # An overload: the paused room is shed all the same.
        meter.frame = tempo_historic(period="HPJW", papp=6200, iinst=31, adps=31)
        await wait_state(hass, RADIATOR, "off", within=3)
        await wait_state(hass, ZONE, "off", within=8)
        assert hass.states.get(switch).state == "on"
        # Overload over, the room comes back (still paused); then the pause
        # is turned off by hand: eco again, as the white peak goes on.
        meter.frame = tempo_historic(period="HPJW", papp=2000)
        await wait_state(hass, ZONE, "comfort", within=15)
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": switch}, blocking=True
        )
        await wait_state(hass, ZONE, "eco")


async def test_a_pause_survives_a_restart_until_its_end(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    later = dt_util.now() + timedelta(hours=1)
    past = dt_util.now() - timedelta(minutes=1)
    mock_restore_cache(
        hass,
        [
            State(
                "switch.linky_tempo_living_room_shedding_paused",
                "on",
                {"until": later.isoformat()},
            ),
            State(
                "switch.linky_tempo_office_shedding_paused",
                "on",
                {"until": past.isoformat()},
            ),
        ],
    )
    await setup_loads(hass)
    await add_entry(hass, household(pty_meter))
    async with Streamer(pty_meter, tempo_historic(period="HPJW")):
        await wait_until(
            lambda: hass.states.get(OFFICE).attributes.get("temperature") == 17.5, 5
        )
        assert hass.states.get(ZONE).state == "comfort"
    assert hass.states.get(paused_switch(hass, ZONE)).state == "on"
    assert hass.states.get(paused_switch(hass, OFFICE)).state == "off"


async def test_pre_heat_before_a_red_day_then_restore_exactly(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    """Tomorrow red: from 04:00 the living room in comfort, the office +1 °C.

    On the virtual clock, from 03:59:58. The colour turning unknown cancels
    the pre-heat; red again resumes it; the peak sheds both loads from the
    state captured before the pre-heat, and that state comes back after it.
    """
    await setup_loads(hass)
    await hass.services.async_call(
        "input_select", "select_option", {"entity_id": ZONE, "option": "eco"}
    )
    entry = household(pty_meter)
    subentries = []
    for sub in entry.subentries.values():
        data = dict(sub.data)
        if sub.unique_id in (ZONE, OFFICE):
            data["pre_heat"] = True
            data["pre_heat_offset"] = 1.0
        subentries.append(load(data.pop("entity_id"), sub.title, **data))
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        title=entry.title,
        data=dict(entry.data),
        options=dict(entry.options),
        minor_version=2,
        subentries_data=subentries,
    )
    with virtual_time(
        hass.loop, datetime(2026, 1, 16, 3, 59, 58, tzinfo=ZoneInfo("Europe/Paris"))
    ) as clock:
        await add_entry(hass, entry)
        night = tempo_historic(period="HCJW", tomorrow="ROUG")
        async with Streamer(pty_meter, night, clock=clock) as meter:
            await wait_state(hass, ZONE, "comfort", within=30)
            await wait_until(
                lambda: hass.states.get(OFFICE).attributes.get("temperature") == 20.5,
                10,
            )
            climate = hass.states.get(CLIMATE)
            assert climate.attributes["loads_pre_heated"] == [OFFICE, ZONE]
            assert climate.attributes["loads_shed"] == []
            assert hass.states.get("binary_sensor.linky_tempo_shedding").state == "off"
            assert hass.states.get(RADIATOR).state == "on"

            # The colour turns unknown: pre-heat cancelled, loads put back.
            meter.frame = tempo_historic(period="HCJW", tomorrow="----")
            await wait_state(hass, ZONE, "eco")
            await wait_until(
                lambda: hass.states.get(OFFICE).attributes.get("temperature") == 19.5,
                10,
            )
            meter.frame = night
            await wait_state(hass, ZONE, "comfort")

            # 06:00, red peak: shed; then off-peak: the state from before
            # the pre-heat comes back.
            meter.frame = tempo_historic(period="HPJR")
            await wait_state(hass, ZONE, "frost_protection")
            await wait_state(hass, OFFICE, "off")
            assert hass.states.get(CLIMATE).attributes["loads_pre_heated"] == []
            meter.frame = tempo_historic(period="HCJR")
            await wait_state(hass, ZONE, "eco")
            await wait_state(hass, OFFICE, "heat")
            await wait_until(
                lambda: hass.states.get(OFFICE).attributes.get("temperature") == 19.5,
                10,
            )


async def test_a_load_removed_while_shed_is_restored_and_its_switch_goes(
    hass: HomeAssistant, pty_meter: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    """The living room was shed, then removed (the entry reloads without it)."""
    await setup_loads(hass)
    await hass.services.async_call(
        "input_select",
        "select_option",
        {"entity_id": ZONE, "option": "eco"},
        blocking=True,
    )
    entry = household(pty_meter)
    living = next(s for s in entry.subentries.values() if s.unique_id == ZONE)
    entry.add_to_hass(hass)
    stale = er.async_get(hass).async_get_or_create(
        "switch",
        DOMAIN,
        f"{METER_ID}_shedding_paused_{ZONE}",
        config_entry=entry,
    )
    hass_storage[f"{DOMAIN}.{entry.entry_id}.shed_loads"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{entry.entry_id}.shed_loads",
        "data": {"captures": {ZONE: {"state": "comfort"}}, "overload_shed": []},
    }
    hass.config_entries.async_remove_subentry(entry, living.subentry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_state(hass, ZONE, "comfort")
    assert er.async_get(hass).async_get(stale.entity_id) is None
    assert paused_switch(hass, RADIATOR)
