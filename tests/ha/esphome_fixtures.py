"""Home Assistant's real ESPHome integration connected to the ESPHome peer.

`esphome_proxy_entry` sets up Home Assistant's own `usb` and `esphome` integrations
with a config entry pointing at an `EsphomeSerialProxyPeer` on 127.0.0.1, and waits
until Home Assistant's `APIClient` has connected and read the device. From then on
``esphome-hass://esphome/<entry_id>?port_name=Linky%20TIC`` opens the serial proxy
through the client Home Assistant holds, exactly as on a real installation.

Use it with ``pytest_plugins = ("tests.ha.esphome_fixtures",)`` in a test module.

Only what is off the serial path is replaced, as Home Assistant's own ESPHome tests
do: mDNS (`mock_async_zeroconf`, which would otherwise multicast on the machine's
interfaces) and the Bluetooth adapters and scanner (`mock_bluetooth`), both pulled
in by the `esphome` integration's dependencies.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.esphome_peer import EsphomeSerialProxyPeer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from unittest.mock import MagicMock

    from homeassistant.core import HomeAssistant

ESPHOME_DOMAIN = "esphome"
CONF_DEVICE_NAME = "device_name"  # homeassistant.components.esphome.const


def esphome_hass_url(entry_id: str, port_name: str = "Linky TIC") -> str:
    """The URL Home Assistant itself lists for an ESPHome serial proxy port."""
    from homeassistant.components.esphome.serial_proxy import build_url

    return str(build_url(entry_id, port_name))


async def setup_esphome_entry(
    hass: HomeAssistant, peer: EsphomeSerialProxyPeer, connect_timeout: float = 10
) -> MockConfigEntry:
    """Add and load an ESPHome config entry for `peer`; wait for the first connect."""
    # The core integration first (conversation, an esphome dependency, needs its
    # exposed entities), then `usb`: the esphome integration registers the
    # esphome-hass:// handler only when usb is already loaded.
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "usb", {})
    entry = MockConfigEntry(
        domain=ESPHOME_DOMAIN,
        title=peer.device_name,
        unique_id=format_mac(peer.mac),
        data={
            CONF_HOST: peer.host,
            CONF_PORT: peer.port,
            CONF_PASSWORD: "",
            CONF_DEVICE_NAME: peer.device_name,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    # Home Assistant connects in the background; `available` comes with the
    # device info (HA 2026.5 has no first_connect_done event to wait on)
    runtime_data = entry.runtime_data
    async with asyncio.timeout(connect_timeout):
        while not runtime_data.available or runtime_data.device_info is None:
            await asyncio.sleep(0.01)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def esphome_proxy_entry(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_async_zeroconf: MagicMock,
    mock_bluetooth: None,
) -> AsyncIterator[tuple[EsphomeSerialProxyPeer, str]]:
    """An ESPHome peer and the id of the loaded Home Assistant entry holding it."""
    async with EsphomeSerialProxyPeer() as peer:
        entry = await setup_esphome_entry(hass, peer)
        yield peer, entry.entry_id
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
