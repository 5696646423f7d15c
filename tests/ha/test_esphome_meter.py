"""The ESP32 path: the meter behind an ESPHome serial proxy, end to end.

`esphome://` goes through the real aioesphomeapi client and serialx to the
ESPHome native-API peer on 127.0.0.1; `esphome-hass://` goes through Home
Assistant's own ESPHome integration connected to the same kind of peer.
"""

from __future__ import annotations

import asyncio

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky_tempo.const import CONF_MODE, CONF_PORT, DOMAIN
from tests.esphome_peer import EsphomeSerialProxyPeer
from tests.feeds import tempo_historic
from tests.stack import METER_ID
from tests.waiting import wait_state

pytest_plugins = ("tests.ha.esphome_fixtures",)


def esphome_hass_url(entry_id: str) -> str:
    """The URL Home Assistant lists for the peer's serial proxy port."""
    from homeassistant.components.esphome.serial_proxy import build_url

    return str(build_url(entry_id, "Linky TIC"))


async def _stream(peer: EsphomeSerialProxyPeer, stop: asyncio.Event, papp: int) -> None:
    while not stop.is_set():
        await peer.send(tempo_historic(papp=papp))
        await asyncio.sleep(0.1)


async def _run_meter(
    hass: HomeAssistant, peer: EsphomeSerialProxyPeer, url: str
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=METER_ID, data={CONF_PORT: url, CONF_MODE: "historic"}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    await peer.wait_client()
    # The integration asked the ESP32 for the TIC line settings: 1200 Bd 7E1.
    assert peer.configured_baudrate == 1200
    assert peer.configured_data_bits == 7
    stop = asyncio.Event()
    sender = asyncio.create_task(_stream(peer, stop, 2840))
    try:
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "2840")
        assert hass.states.get("sensor.linky_tempo_tariff_period").state == "hc_blue"
    finally:
        stop.set()
        await sender
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("socket_enabled")
async def test_esphome_url_through_aioesphomeapi(hass: HomeAssistant) -> None:
    async with EsphomeSerialProxyPeer() as peer:
        await _run_meter(hass, peer, peer.url())


@pytest.mark.usefixtures("socket_enabled")
async def test_esphome_proxy_restart_is_survived(hass: HomeAssistant) -> None:
    """The ESP32 reboots: the link reconnects and values come back."""
    async with EsphomeSerialProxyPeer() as peer:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=METER_ID,
            data={CONF_PORT: peer.url(), CONF_MODE: "historic"},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await peer.wait_client()
        stop = asyncio.Event()
        sender = asyncio.create_task(_stream(peer, stop, 1000))
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "1000")
        stop.set()
        await sender
        await peer.stop()
        await asyncio.sleep(0.5)
        await peer.start()
        # serialx 1.11 (HA 2026.10) reports the lost connection at once; with
        # serialx 1.7 (HA 2026.5) the link's 15 s silence watchdog notices.
        await peer.wait_client(timeout=25)
        stop = asyncio.Event()
        sender = asyncio.create_task(_stream(peer, stop, 1500))
        try:
            await wait_state(hass, "sensor.linky_tempo_apparent_power", "1500")
        finally:
            stop.set()
            await sender
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_esphome_hass_url_through_home_assistant(
    hass: HomeAssistant, esphome_proxy_entry: tuple[EsphomeSerialProxyPeer, str]
) -> None:
    peer, esphome_entry_id = esphome_proxy_entry
    await _run_meter(hass, peer, esphome_hass_url(esphome_entry_id))


async def test_config_flow_finds_the_meter_behind_the_proxy(
    hass: HomeAssistant, esphome_proxy_entry: tuple[EsphomeSerialProxyPeer, str]
) -> None:
    peer, esphome_entry_id = esphome_proxy_entry
    url = esphome_hass_url(esphome_entry_id)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    stop = asyncio.Event()
    sender = asyncio.create_task(_stream(peer, stop, 2840))
    try:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PORT: url, CONF_MODE: "auto"}
        )
    finally:
        stop.set()
        await sender
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == url
    assert result["description_placeholders"]["meter_id"] == METER_ID
