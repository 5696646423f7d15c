"""Heating loads as config subentries: per-load, per-reason shedding, migration.

Real Home Assistant, real loads (tests/stack.py), a meter on a pty.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky_tempo import async_migrate_entry
from custom_components.linky_tempo import driver as driver_module
from custom_components.linky_tempo.const import (
    CONF_MODE,
    CONF_PORT,
    CONF_RESTORE_DELAY,
    DOMAIN,
)
from tests.feeds import PtyMeter, Streamer, tempo_historic
from tests.stack import (
    CLIMATE,
    METER_ID,
    OFFICE,
    RADIATOR,
    ZONE,
    add_entry,
    meter_entry,
    setup_loads,
)
from tests.waiting import wait_state, wait_until


@pytest.fixture(autouse=True)
def fast_restore_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver_module, "RESTORE_SPACING", 0.2)


def load(entity_id: str, title: str, **data: Any) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={"entity_id": entity_id, **data},
        subentry_type="load",
        title=title,
        unique_id=entity_id,
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
    entry = MockConfigEntry(
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
    await add_entry(hass, entry)
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
