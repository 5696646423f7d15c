"""`esphome-hass://` through Home Assistant's real ESPHome integration.

Home Assistant's `esphome` integration connects to the ESPHome peer with its own
`APIClient`; `serialx` then opens the serial proxy over that same connection, as
the URL Home Assistant lists for the port says.
"""

from __future__ import annotations

import asyncio
import errno
from typing import TYPE_CHECKING

import pytest
import serialx
from aioesphomeapi.model import SerialProxyParity
from serialx.platforms import serial_esphome

from tests.conftest import CAPTURES_DIR
from tests.esphome_peer import EsphomeSerialProxyPeer

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

pytest_plugins = ("tests.ha.esphome_fixtures",)

# Home Assistant's esphome integration and its dependencies (usb, bluetooth,
# assist_pipeline, conversation, tts, ffmpeg) need their manifests' packages:
# scripts/test installs them.
from homeassistant.components.esphome import serial_proxy  # noqa: E402

CAPTURE = CAPTURES_DIR / "esciara__pyteleinfo__captured_frames.bin"

EsphomeEntry = tuple[EsphomeSerialProxyPeer, str]

# serialx 1.11 (Home Assistant 2026.10) reports a lost API connection, 1.7 does not
SERIALX_SEES_LINK_LOSS = hasattr(serial_esphome, "connection_closed_error")


def esphome_hass_url(entry_id: str) -> str:
    """The URL Home Assistant itself gives the peer's serial proxy port."""
    return str(serial_proxy.build_url(entry_id, "Linky TIC"))


async def open_tic(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await serialx.open_serial_connection(
        url, baudrate=1200, parity=serialx.Parity.EVEN, byte_size=7
    )
    return reader, writer


async def test_home_assistant_lists_the_proxy_port(
    hass: HomeAssistant, esphome_proxy_entry: EsphomeEntry
) -> None:
    peer, entry_id = esphome_proxy_entry
    url = esphome_hass_url(entry_id)
    assert url == f"esphome-hass://esphome/{entry_id}?port_name=Linky+TIC"
    from homeassistant.components.usb import async_scan_serial_ports

    ports = await async_scan_serial_ports(hass)
    assert url in [port.device for port in ports]
    # Home Assistant's own connection only: nobody holds the port yet
    assert peer.connected_clients == 1
    assert not peer.has_subscriber


async def test_esphome_hass_url_reads_tic_bytes(
    hass: HomeAssistant, esphome_proxy_entry: EsphomeEntry
) -> None:
    peer, entry_id = esphome_proxy_entry
    data = CAPTURE.read_bytes()[:500]
    assert len(data) == 500

    reader, writer = await open_tic(
        f"esphome-hass://esphome/{entry_id}?port_name=Linky TIC"
    )
    try:
        await peer.wait_client()
        # Over Home Assistant's connection, not a second one
        assert peer.connected_clients == 1
        assert peer.connections_made == 1
        assert peer.configured_baudrate == 1200
        assert peer.configured_parity is SerialProxyParity.EVEN
        assert peer.configured_data_bits == 7

        await peer.send(data)
        assert await asyncio.wait_for(reader.readexactly(len(data)), 5) == data

        writer.write(b"\x02ping\x03")
        assert await peer.wait_written(6) == b"\x02ping\x03"
    finally:
        writer.close()

    # Closing the port releases it but leaves Home Assistant's connection up
    await peer.wait_released()
    assert peer.connected_clients == 1


async def test_esphome_hass_link_loss_breaks_the_reader(
    hass: HomeAssistant, esphome_proxy_entry: EsphomeEntry
) -> None:
    peer, entry_id = esphome_proxy_entry
    reader, writer = await open_tic(esphome_hass_url(entry_id))
    try:
        await peer.wait_client()
        peer.drop_clients()
        if SERIALX_SEES_LINK_LOSS:
            with pytest.raises(OSError, match="connection closed") as err:
                await asyncio.wait_for(reader.read(100), 5)
            assert err.value.errno == errno.EIO
        else:
            # serialx 1.7 (Home Assistant 2026.5) never tells the reader
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(reader.read(100), 0.5)
    finally:
        writer.close()


async def test_unknown_entry_is_refused(
    hass: HomeAssistant, esphome_proxy_entry: EsphomeEntry
) -> None:
    peer, _ = esphome_proxy_entry
    with pytest.raises(serialx.SerialException, match="No ESPHome config entry"):
        await open_tic(esphome_hass_url("0123456789abcdef"))
    assert not peer.has_subscriber


async def test_reopen_after_home_assistant_reconnects(
    hass: HomeAssistant, esphome_proxy_entry: EsphomeEntry
) -> None:
    peer, entry_id = esphome_proxy_entry
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    _, writer = await open_tic(esphome_hass_url(entry_id))
    await peer.wait_client()
    peer.drop_clients()
    writer.close()

    # Home Assistant's reconnect logic comes back on its own
    await peer.wait_until(lambda: peer.connections_made == 2, 10)
    async with asyncio.timeout(10):
        while not entry.runtime_data.available:
            await asyncio.sleep(0.02)

    reader, writer = await open_tic(esphome_hass_url(entry_id))
    try:
        await peer.wait_client()
        assert peer.subscriptions == 2
        await peer.send(b"\x02back\x03")
        assert await asyncio.wait_for(reader.readexactly(6), 5) == b"\x02back\x03"
    finally:
        writer.close()
