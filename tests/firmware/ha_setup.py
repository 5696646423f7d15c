"""Home Assistant's own esphome integration and Linky Tempo on the host device."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky_tempo.const import CONF_LOADS, CONF_MODE, DOMAIN
from custom_components.linky_tempo.const import CONF_PORT as CONF_TIC_PORT
from tests.firmware.frames import METER_ID
from tests.firmware.host_device import HOST_MAC, HostDevice

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

DEVICE_NAME = "host-linky-tempo"
CLIMATE = "climate.linky_tempo_heating"
PRESS_BUTTON = "host_linky_tempo_press_button"  # esphome.<device>_<action>


def zone_entity(zone: int) -> str:
    """The select Home Assistant makes of a zone (device "Linky Tempo ESP32")."""
    return f"select.linky_tempo_esp32_pilot_wire_zone_{zone}"


async def wait_until(check: Any, within: float = 20) -> None:
    async with asyncio.timeout(within):
        while not check():
            await asyncio.sleep(0.05)


async def wait_state(
    hass: HomeAssistant, entity_id: str, expected: str, within: float = 20
) -> None:
    def reached() -> bool:
        state = hass.states.get(entity_id)
        return state is not None and state.state == expected

    try:
        await wait_until(reached, within)
    except TimeoutError:
        state = hass.states.get(entity_id)
        raise AssertionError(
            f"{entity_id} is {state.state if state else None}, not {expected}"
        ) from None


async def add_esphome_entry(
    hass: HomeAssistant,
    device: HostDevice,
    device_name: str = DEVICE_NAME,
    ready_entity: str | None = None,
) -> MockConfigEntry:
    """Home Assistant's esphome integration connected to the running firmware."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "usb", {})
    entry = MockConfigEntry(
        domain="esphome",
        title=device_name,
        unique_id=format_mac(HOST_MAC),
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: device.api_port,
            CONF_PASSWORD: "",
            "device_name": device_name,
        },
        options={"allow_service_calls": True},
    )
    entry.add_to_hass(hass)
    await connect_esphome(hass, entry, ready_entity)
    return entry


async def connect_esphome(
    hass: HomeAssistant, entry: MockConfigEntry, ready_entity: str | None = None
) -> None:
    """Load the entry; wait for the device's entities (zone 1's select)."""
    ready = ready_entity or zone_entity(1)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    async with asyncio.timeout(30):
        while not entry.runtime_data.available or not hass.states.get(ready):
            await asyncio.sleep(0.05)
    await hass.async_block_till_done()


async def add_linky_tempo(
    hass: HomeAssistant, url: str, loads: list[dict[str, Any]] | None = None
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        title=f"Linky {METER_ID}",
        data={CONF_TIC_PORT: url, CONF_MODE: "historic"},
        options={CONF_LOADS: loads or []},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def esphome_hass_url(entry_id: str) -> str:
    from homeassistant.components.esphome.serial_proxy import build_url

    return str(build_url(entry_id, "Linky TIC"))
