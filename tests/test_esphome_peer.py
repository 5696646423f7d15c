"""The ESPHome peer through the real aioesphomeapi client and serialx.

Nothing on the client side is replaced: `serialx.open_serial_connection` parses the
`esphome://` URL, `aioesphomeapi.APIClient` connects over TCP to the peer on
127.0.0.1, and the bytes travel as `SerialProxyDataReceived` messages.
"""

from __future__ import annotations

import asyncio
import errno

import pytest
import serialx
from aioesphomeapi import APIClient, api_pb2
from aioesphomeapi.model import SerialProxyParity
from serialx.platforms import serial_esphome

from tests.conftest import CAPTURES_DIR
from tests.esphome_peer import EsphomeSerialProxyPeer, encode_frame

CAPTURE = CAPTURES_DIR / "esciara__pyteleinfo__captured_frames.bin"

pytestmark = pytest.mark.usefixtures("socket_enabled")

# serialx as Home Assistant 2026.10 pins it (1.11) hears of a lost API connection
# and waits for the device's acknowledgements; the 1.7 that Home Assistant 2026.5
# pins does neither: its reader is never told the link went, and a refused claim
# goes unnoticed. The tests pin down both behaviours, since the integration has to
# live with each.
SERIALX_SEES_LINK_LOSS = hasattr(serial_esphome, "connection_closed_error")


def tic_chunk(size: int = 500) -> bytes:
    data = CAPTURE.read_bytes()[:size]
    assert len(data) == size
    assert b"\x02" in data  # STX: a real frame start is in there
    return data


async def open_tic(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await serialx.open_serial_connection(
        url, baudrate=1200, parity=serialx.Parity.EVEN, byte_size=7
    )
    return reader, writer


async def test_url_names_the_proxy_port() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        assert peer.port > 0
        assert peer.url() == f"esphome://127.0.0.1:{peer.port}/?port_name=Linky%20TIC"
        assert peer.url(port_name="x y").endswith("?port_name=x%20y")


async def test_serialx_reads_tic_bytes_through_aioesphomeapi() -> None:
    data = tic_chunk()
    async with EsphomeSerialProxyPeer() as peer:
        reader, writer = await open_tic(peer.url())
        try:
            await peer.wait_client()
            # What serialx asked the ESP's UART for: 1200 Bd 7E1, no flow control
            assert peer.configured_baudrate == 1200
            assert peer.configured_parity is SerialProxyParity.EVEN
            assert peer.configured_data_bits == 7
            assert peer.configured_stop_bits == 1
            assert peer.configured_flow_control is False
            assert peer.has_subscriber
            assert peer.connected_clients == 1
            # The real client went through the whole handshake
            assert peer.received[0] == "HelloRequest"
            assert "DeviceInfoRequest" in peer.received
            assert "SerialProxyRequest" in peer.received

            await peer.send(data)  # two 256-byte messages, like the firmware
            got = await asyncio.wait_for(reader.readexactly(len(data)), 5)
            assert got == data

            writer.write(b"\x02hello\x03")
            await writer.drain()
            assert await peer.wait_written(7) == b"\x02hello\x03"
        finally:
            writer.close()
        # A clean close unsubscribes and disconnects the API client
        await peer.wait_connections(0)
        assert not peer.has_subscriber


async def test_drop_clients_makes_the_reader_fail() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        reader, writer = await open_tic(peer.url())
        try:
            await peer.wait_client()
            await peer.send(b"\x02ADCO 0123\x03")
            assert await asyncio.wait_for(reader.readexactly(11), 5) == (
                b"\x02ADCO 0123\x03"
            )

            peer.drop_clients()  # Wi-Fi lost: no DisconnectRequest, a reset socket
            if SERIALX_SEES_LINK_LOSS:
                with pytest.raises(OSError, match="connection closed") as err:
                    await asyncio.wait_for(reader.read(100), 5)
                assert err.value.errno == errno.EIO
            else:
                # Old serialx: the reader waits forever on a dead link
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(reader.read(100), 0.5)
            await peer.wait_connections(0)
            assert not peer.has_subscriber
            # Bytes the ESP reads while nobody holds the port go nowhere
            await peer.send(b"lost")
            assert peer.dropped_bytes == 4
        finally:
            writer.close()


async def test_device_disconnect_request_ends_the_stream_cleanly() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        reader, writer = await open_tic(peer.url())
        try:
            await peer.wait_client()
            await peer.send(b"last")
            peer.request_disconnect()  # what a rebooting ESP says first
            assert await asyncio.wait_for(reader.read(100), 5) == b"last"
            await peer.wait_connections(0)
            if SERIALX_SEES_LINK_LOSS:
                assert await asyncio.wait_for(reader.read(100), 5) == b""
            else:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(reader.read(100), 0.5)
            assert "DisconnectResponse" in peer.received
        finally:
            writer.close()


async def test_reconnect_after_drop_reads_again() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        reader, writer = await open_tic(peer.url())
        await peer.wait_client()
        peer.drop_clients()
        writer.close()
        await peer.wait_connections(0)

        reader, writer = await open_tic(peer.url())
        try:
            await peer.wait_client()
            assert peer.connections_made == 2
            assert peer.subscriptions == 2
            await peer.send(b"again")
            assert await asyncio.wait_for(reader.readexactly(5), 5) == b"again"
        finally:
            writer.close()


async def test_stop_then_start_reuses_the_port() -> None:
    peer = EsphomeSerialProxyPeer()
    await peer.start()
    port = peer.port
    await peer.stop()
    # ConnectionError from serialx 1.15, SerialException before
    with pytest.raises(
        (ConnectionError, serialx.SerialException), match="Connect call failed"
    ):
        await open_tic(peer.url())
    await peer.start()
    try:
        assert peer.port == port
        _, writer = await open_tic(peer.url())
        await peer.wait_client()
        writer.close()
    finally:
        await peer.stop()


async def test_second_client_is_refused_while_the_port_is_held() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        reader, writer = await open_tic(peer.url())
        try:
            await peer.wait_client()
            if SERIALX_SEES_LINK_LOSS:
                with pytest.raises(OSError, match="in use"):
                    await open_tic(peer.url())
            else:
                # Old serialx ignores the refusal: it opens, and hears nothing
                reader2, writer2 = await open_tic(peer.url())
                await peer.send(b"first")
                assert await asyncio.wait_for(reader.readexactly(5), 5) == b"first"
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(reader2.read(100), 0.5)
                writer2.close()
            assert peer.subscriptions == 1
        finally:
            writer.close()


async def test_unknown_port_name_is_refused() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        with pytest.raises(ValueError, match="does not exist"):
            await open_tic(peer.url(port_name="Nope"))
        assert not peer.has_subscriber
        assert peer.subscriptions == 0


async def test_device_info_through_the_client() -> None:
    async with EsphomeSerialProxyPeer(
        device_name="tic-esp", mac="12:34:56:78:9A:BC"
    ) as peer:
        cli = APIClient(peer.host, peer.port, None)
        await cli.connect(login=True)
        try:
            assert cli.api_version is not None
            assert (cli.api_version.major, cli.api_version.minor) == peer.api_version
            info, entities, services = await cli.device_info_and_list_entities()
            assert info.name == "tic-esp"
            assert info.mac_address == "12:34:56:78:9A:BC"
            assert [p.name for p in info.serial_proxies] == ["Linky TIC"]
            assert entities == []
            assert services == []
            if not hasattr(cli, "serial_proxy_configure_await_response"):
                return  # aioesphomeapi 44 (Home Assistant 2026.5): no acknowledgements
            # Requests from a client that does not hold the port are refused
            resp = await cli.serial_proxy_configure_await_response(0, 9600)
            assert resp is not None
            assert resp.status.name == "PORT_IN_USE"
            resp = await cli.serial_proxy_subscribe_await_response(1)
            assert resp is not None
            assert resp.status.name == "INVALID_ARGUMENT"
        finally:
            await cli.disconnect()


async def test_noise_client_is_cut_off() -> None:
    async with EsphomeSerialProxyPeer() as peer:
        reader, writer = await asyncio.open_connection(peer.host, peer.port)
        writer.write(b"\x01\x00\x00")
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()


def test_frames_are_plaintext_api_frames() -> None:
    frame = encode_frame(api_pb2.SerialProxyDataReceived(instance=0, data=b"x" * 200))
    payload = api_pb2.SerialProxyDataReceived(instance=0, data=b"x" * 200)
    body = payload.SerializeToString()
    # preamble, varint length (2 bytes here), varint type 139 (2 bytes), payload
    assert frame[0] == 0
    assert frame[1:3] == bytes([len(body) & 0x7F | 0x80, len(body) >> 7])
    assert frame[3:5] == bytes([139 & 0x7F | 0x80, 139 >> 7])
    assert frame[5:] == body
