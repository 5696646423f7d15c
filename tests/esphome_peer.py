"""A small ESPHome device on 127.0.0.1 exposing one serial proxy, for real-path tests.

`EsphomeSerialProxyPeer` is the device side of ESPHome's native API: a plaintext
asyncio TCP server that speaks the API's own framing (a 0x00 preamble, then the
payload length and the message type as varints, then the protobuf payload) with
`aioesphomeapi`'s own generated messages (`aioesphomeapi.api_pb2`) and its own
message-type numbering (`aioesphomeapi.core.MESSAGE_TYPE_TO_PROTO`). Nothing on the
client side is mocked: `esphome://127.0.0.1:PORT/?port_name=...` goes through the
real `aioesphomeapi.APIClient` and `serialx`, and Home Assistant's own ESPHome
integration can connect to it too (`esphome-hass://`).

The serial proxy mirrors the firmware's `serial_proxy` component (ESPHome 2026.x,
API 1.19): one client at a time holds the port (SUBSCRIBE), only the holder may
configure it, set its mode, set modem pins, flush or write to it, every request is
acknowledged with a `SerialProxyRequestResponse`, an out-of-range instance gets
INVALID_ARGUMENT, a UART port reports an empty identity (source NONE), PROTOCOL
mode is refused as NOT_SUPPORTED (no tap), and the port is released when its
holder's connection goes away. Bytes given to `send` are what the ESP would have
read from its UART, forwarded in chunks of at most 256 bytes like the firmware.

It answers the API version ESPHome 2026.x does (1.19) when the installed
aioesphomeapi knows the 1.17/1.18 serial proxy messages, else 1.16; with an
`api_version` below 1.17 it lets any client configure and write, as the firmware
did then. Messages are built with only the fields the installed api.proto has,
so an older aioesphomeapi (such as the 44.x Home Assistant 2026.5 pins) works too.
Plaintext only: a Noise handshake is cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import urllib.parse
from typing import TYPE_CHECKING, Any, Self

from aioesphomeapi import api_pb2
from aioesphomeapi.core import MESSAGE_TYPE_TO_PROTO
from aioesphomeapi.model import SerialProxyParity

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from google.protobuf.message import Message

_LOGGER = logging.getLogger(__name__)

# The firmware forwards UART bytes in chunks of at most this many bytes
# (SERIAL_PROXY_MAX_READ_SIZE in esphome/components/serial_proxy/serial_proxy.h).
MAX_CHUNK = 256
# aioesphomeapi refuses plaintext frames longer than this.
MAX_FRAME = 65535
_LINGER_RESET = struct.pack("ii", 1, 0)

_PROTO_TO_TYPE: dict[type[Any], int] = {
    cls: msg_type for msg_type, cls in MESSAGE_TYPE_TO_PROTO.items()
}


def _enum(name: str, wire_value: int) -> int:
    """An api.proto enum value: from the generated module, or its wire value.

    An older aioesphomeapi (the one Home Assistant 2026.5 pins) lacks the newer
    values; proto3 enums are open, so the wire value can still be sent.
    """
    value = getattr(api_pb2, name, wire_value)
    assert value == wire_value, f"{name} renumbered in api.proto"
    return int(value)


_REQ_SUBSCRIBE = _enum("SERIAL_PROXY_REQUEST_TYPE_SUBSCRIBE", 0)
_REQ_UNSUBSCRIBE = _enum("SERIAL_PROXY_REQUEST_TYPE_UNSUBSCRIBE", 1)
_REQ_FLUSH = _enum("SERIAL_PROXY_REQUEST_TYPE_FLUSH", 2)
_REQ_CONFIGURE = _enum("SERIAL_PROXY_REQUEST_TYPE_CONFIGURE", 3)
_REQ_SET_MODEM_PINS = _enum("SERIAL_PROXY_REQUEST_TYPE_SET_MODEM_PINS", 4)
_REQ_SET_MODE = _enum("SERIAL_PROXY_REQUEST_TYPE_SET_MODE", 5)
_STATUS_OK = _enum("SERIAL_PROXY_STATUS_OK", 0)
_STATUS_NOT_SUPPORTED = _enum("SERIAL_PROXY_STATUS_NOT_SUPPORTED", 4)
_STATUS_PORT_IN_USE = _enum("SERIAL_PROXY_STATUS_PORT_IN_USE", 5)
_STATUS_INVALID_ARGUMENT = _enum("SERIAL_PROXY_STATUS_INVALID_ARGUMENT", 6)
_PORT_TYPE_TTL = _enum("SERIAL_PROXY_PORT_TYPE_TTL", 0)
_MODE_RAW = _enum("SERIAL_PROXY_MODE_RAW", 0)

# Messages newer than API 1.16, missing from an older aioesphomeapi; the peer
# only advertises an API version whose messages the client can decode.
_HAS_SET_MODE = hasattr(api_pb2, "SerialProxySetModeRequest")
_HAS_IDENTITY = hasattr(api_pb2, "SerialProxyIdentity")


def _make(cls: Any, **fields: Any) -> Message:
    """Build `cls` with the fields the installed api.proto knows of."""
    known = cls.DESCRIPTOR.fields_by_name
    message: Message = cls(**{k: v for k, v in fields.items() if k in known})
    return message


# What ESPHome 2026.x answers (api_connection.cpp, send_hello_response_).
DEFAULT_API_VERSION = (1, 19) if _HAS_IDENTITY and _HAS_SET_MODE else (1, 16)

# Messages the device receives and deliberately leaves unanswered: subscriptions
# that an ESPHome device with nothing to report simply never feeds.
_SILENTLY_ACCEPTED = frozenset(
    name
    for name in (
        "SubscribeStatesRequest",
        "SubscribeLogsRequest",
        "SubscribeHomeassistantServicesRequest",
        "SubscribeHomeAssistantStatesRequest",
        "SubscribeVoiceAssistantRequest",
        "SubscribeBluetoothLEAdvertisementsRequest",
        "UnsubscribeBluetoothLEAdvertisementsRequest",
        "SubscribeBluetoothConnectionsFreeRequest",
        "HomeAssistantStateResponse",
        "GetTimeResponse",
        "HomeassistantActionResponse",
        "PingResponse",
        "AuthenticationRequest",  # password auth was removed in ESPHome 2026.1
    )
    if hasattr(api_pb2, name)
)


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _decode_varint(buf: bytearray, pos: int) -> tuple[int, int] | None:
    """Return (value, next position), or None if the buffer ends mid-varint."""
    result = 0
    shift = 0
    while pos < len(buf):
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 35:
            raise ValueError("varint too long")
    return None


def encode_frame(msg: Message) -> bytes:
    """Frame one protobuf message the way the plaintext API does."""
    payload = msg.SerializeToString()
    return (
        b"\x00"
        + _encode_varint(len(payload))
        + _encode_varint(_PROTO_TO_TYPE[type(msg)])
        + payload
    )


class _Connection(asyncio.Protocol):
    """One API client connected to the peer."""

    def __init__(self, peer: EsphomeSerialProxyPeer) -> None:
        self._peer = peer
        self._buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.client_info = ""
        self.client_api_version: tuple[int, int] | None = None
        self.closed = False

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._peer._connection_made(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._peer._connection_lost(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer and not self.closed:
            if self._buffer[0] != 0x00:
                # 0x01 is a Noise handshake: this device only speaks plaintext.
                _LOGGER.debug("Peer: bad preamble %#x, closing", self._buffer[0])
                self.abort()
                return
            try:
                header = _decode_varint(self._buffer, 1)
                if header is None:
                    return
                length, pos = header
                header = _decode_varint(self._buffer, pos)
                if header is None:
                    return
                msg_type, pos = header
            except ValueError:
                self.abort()
                return
            if length > MAX_FRAME:
                self.abort()
                return
            if len(self._buffer) < pos + length:
                return
            payload = bytes(self._buffer[pos : pos + length])
            del self._buffer[: pos + length]
            self._handle(msg_type, payload)

    # -- helpers ----------------------------------------------------------

    def send(self, *msgs: Message) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            return
        self.transport.write(b"".join(encode_frame(msg) for msg in msgs))

    def abort(self, *, reset: bool = False) -> None:
        if self.transport is None or self.closed:
            return
        sock = self.transport.get_extra_info("socket")
        if reset and sock is not None:
            # Linger 0: the kernel answers with a TCP RST instead of a FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        self.transport.abort()

    def _handle(self, msg_type: int, payload: bytes) -> None:
        cls = MESSAGE_TYPE_TO_PROTO.get(msg_type)
        if cls is None:
            _LOGGER.debug("Peer: ignoring unknown message type %s", msg_type)
            return
        msg = cls.FromString(payload)
        name = cls.__name__
        self._peer.received.append(name)
        self._peer._changed.set()
        handler = getattr(self._peer, f"_on_{name}", None)
        if handler is not None:
            handler(self, msg)
        elif name not in _SILENTLY_ACCEPTED:
            _LOGGER.debug("Peer: no handler for %s, ignored", name)


class EsphomeSerialProxyPeer:
    """An ESPHome device on 127.0.0.1 with one serial proxy port.

    Use as ``async with EsphomeSerialProxyPeer() as peer:`` (or `start`/`stop`).
    `stop` then `start` again reopens the same port, like a device rebooting.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        proxy_name: str = "Linky TIC",
        device_name: str = "linky-tempo",
        mac: str = "AA:BB:CC:DD:EE:FF",
        friendly_name: str = "Linky Tempo",
        esphome_version: str = "2026.10.0",
        api_version: tuple[int, int] = DEFAULT_API_VERSION,
    ) -> None:
        self.proxy_name = proxy_name
        self.device_name = device_name
        self.mac = mac
        self.friendly_name = friendly_name
        self.esphome_version = esphome_version
        self.api_version = api_version
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._subscriber: _Connection | None = None
        self._configured_by: _Connection | None = None
        # Set on every change a test may wait for (see `wait_until`)
        self._changed = asyncio.Event()

        # What clients did, for tests to assert on.
        self.configured_baudrate: int | None = None
        self.configured_parity: SerialProxyParity | None = None
        self.configured_data_bits: int | None = None
        self.configured_stop_bits: int | None = None
        self.configured_flow_control: bool | None = None
        self.line_states = 0
        self.mode = _MODE_RAW
        self.written = bytearray()
        self.received: list[str] = []  # names of every message received, in order
        self.connections_made = 0
        self.subscriptions = 0
        self.dropped_bytes = 0  # bytes `send` had nobody to deliver to

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 (a free port the first time, the same one after)."""
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every client off."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self.drop_clients()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- what tests drive ------------------------------------------------------

    def url(self, *, port_name: str | None = None) -> str:
        """The serialx URL of the proxy port, e.g. ``esphome://127.0.0.1:P/?port_name=..``."""
        if not self.port:
            raise RuntimeError("start the peer first")
        query = urllib.parse.urlencode(
            {"port_name": self.proxy_name if port_name is None else port_name},
            quote_via=urllib.parse.quote,
        )
        return f"esphome://{self.host}:{self.port}/?{query}"

    @property
    def connected_clients(self) -> int:
        """Number of API connections currently open."""
        return len(self._connections)

    @property
    def has_subscriber(self) -> bool:
        """Whether a client currently holds the serial proxy port."""
        return self._subscriber is not None

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5,  # noqa: ASYNC109
    ) -> None:
        """Wait until `predicate()` holds; it is checked on every change of state."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def wait_client(self, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Wait until a client holds the port and has configured it."""
        await self.wait_until(
            lambda: (
                self._subscriber is not None and self._configured_by is self._subscriber
            ),
            timeout,
        )

    async def wait_released(self, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Wait until nobody holds the port."""
        await self.wait_until(lambda: self._subscriber is None, timeout)

    async def wait_connections(self, count: int, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Wait until exactly `count` API connections are open."""
        await self.wait_until(lambda: len(self._connections) == count, timeout)

    async def wait_written(self, size: int, timeout: float = 5) -> bytes:  # noqa: ASYNC109
        """Wait until clients have written at least `size` bytes; return them all."""
        await self.wait_until(lambda: len(self.written) >= size, timeout)
        return bytes(self.written)

    async def send(self, data: bytes) -> None:
        """Deliver bytes as if the ESP had read them from its UART.

        They go to the client holding the port, in `SerialProxyDataReceived`
        messages of at most 256 bytes. With no holder they are lost, like a UART
        nobody reads, and counted in `dropped_bytes`.
        """
        subscriber = self._subscriber
        if subscriber is None:
            self.dropped_bytes += len(data)
            return
        subscriber.send(
            *(
                api_pb2.SerialProxyDataReceived(
                    instance=0, data=bytes(data[i : i + MAX_CHUNK])
                )
                for i in range(0, len(data), MAX_CHUNK)
            )
        )
        await asyncio.sleep(0)

    def drop_clients(self) -> None:
        """Reset every client connection, with no goodbye (a Wi-Fi loss).

        The clients see their socket reset (ECONNRESET), not a clean close.
        """
        for conn in list(self._connections):
            conn.abort(reset=True)
        self._release(None)

    def request_disconnect(self) -> None:
        """Ask every client to disconnect, as a rebooting device does."""
        for conn in list(self._connections):
            conn.send(api_pb2.DisconnectRequest())

    # -- connection bookkeeping ---------------------------------------------------

    def _connection_made(self, conn: _Connection) -> None:
        self._connections.add(conn)
        self.connections_made += 1
        self._changed.set()

    def _connection_lost(self, conn: _Connection) -> None:
        self._connections.discard(conn)
        self._release(conn)
        self._changed.set()

    def _release(self, conn: _Connection | None) -> None:
        """Free the port if `conn` (or, for None, anyone) holds it."""
        if self._subscriber is not None and conn in (None, self._subscriber):
            self._subscriber = None
            self._configured_by = None
            self.mode = _MODE_RAW  # the mode belongs to a session
            self._changed.set()

    # -- connection-level messages ------------------------------------------------

    def _on_HelloRequest(self, conn: _Connection, msg: Any) -> None:
        conn.client_info = msg.client_info
        conn.client_api_version = (msg.api_version_major, msg.api_version_minor)
        conn.send(
            api_pb2.HelloResponse(
                api_version_major=self.api_version[0],
                api_version_minor=self.api_version[1],
                server_info=self.esphome_version,
                name=self.device_name,
            )
        )

    def _on_DisconnectRequest(self, conn: _Connection, msg: Any) -> None:
        conn.send(api_pb2.DisconnectResponse())
        if conn.transport is not None:
            conn.transport.close()

    def _on_DisconnectResponse(self, conn: _Connection, msg: Any) -> None:
        if conn.transport is not None:
            conn.transport.close()

    def _on_PingRequest(self, conn: _Connection, msg: Any) -> None:
        conn.send(api_pb2.PingResponse())

    def _on_DeviceInfoRequest(self, conn: _Connection, msg: Any) -> None:
        conn.send(self.device_info())

    def _on_ListEntitiesRequest(self, conn: _Connection, msg: Any) -> None:
        conn.send(api_pb2.ListEntitiesDoneResponse())

    def device_info(self) -> Any:
        """The `DeviceInfoResponse` the peer sends."""
        return _make(
            api_pb2.DeviceInfoResponse,
            uses_password=False,
            name=self.device_name,
            friendly_name=self.friendly_name,
            mac_address=self.mac,
            esphome_version=self.esphome_version,
            compilation_time="Jan  1 2026, 00:00:00",
            model="esp32dev",
            manufacturer="Espressif",
            api_encryption_supported=False,
            serial_proxies=[
                _make(
                    api_pb2.SerialProxyInfo,
                    name=self.proxy_name,
                    port_type=_PORT_TYPE_TTL,
                    configured_line_states=0,
                )
            ],
        )

    # -- serial proxy ------------------------------------------------------------

    def _ack(self, conn: _Connection, instance: int, kind: int, status: int) -> None:
        conn.send(
            api_pb2.SerialProxyRequestResponse(
                instance=instance, type=kind, status=status
            )
        )

    def _holds(self, conn: _Connection) -> bool:
        """Whether `conn` may use the port (a set-mode request always needs this)."""
        # Before API 1.17 the firmware let any client configure and write
        return self._subscriber is conn or self.api_version < (1, 17)

    def _on_SerialProxyRequest(self, conn: _Connection, msg: Any) -> None:
        if msg.instance != 0:
            self._ack(conn, msg.instance, msg.type, _STATUS_INVALID_ARGUMENT)
            return
        if msg.type == _REQ_SUBSCRIBE:
            if self._subscriber is not None and self._subscriber is not conn:
                status = _STATUS_PORT_IN_USE
            else:
                if self._subscriber is None:
                    self.subscriptions += 1
                self._subscriber = conn
                self._changed.set()
                status = _STATUS_OK
        elif msg.type == _REQ_UNSUBSCRIBE:
            self._release(conn)  # idempotent, like the firmware
            status = _STATUS_OK
        elif msg.type == _REQ_FLUSH:
            status = _STATUS_OK if self._holds(conn) else _STATUS_PORT_IN_USE
        elif msg.type in (_REQ_CONFIGURE, _REQ_SET_MODEM_PINS, _REQ_SET_MODE):
            status = _STATUS_INVALID_ARGUMENT  # response-only discriminators
        else:
            status = _STATUS_NOT_SUPPORTED
        self._ack(conn, msg.instance, msg.type, status)

    def _on_SerialProxyConfigureRequest(self, conn: _Connection, msg: Any) -> None:
        if msg.instance != 0:
            status = _STATUS_INVALID_ARGUMENT
        elif not self._holds(conn):
            status = _STATUS_PORT_IN_USE
        elif (
            msg.baudrate == 0
            or not 1 <= msg.stop_bits <= 2
            or not 5 <= msg.data_size <= 8
            or msg.parity > 2
        ):
            status = _STATUS_INVALID_ARGUMENT
        elif msg.flow_control:
            status = _STATUS_NOT_SUPPORTED  # not supported by the firmware either
        else:
            self.configured_baudrate = msg.baudrate
            self.configured_parity = SerialProxyParity(msg.parity)
            self.configured_data_bits = msg.data_size
            self.configured_stop_bits = msg.stop_bits
            self.configured_flow_control = msg.flow_control
            self._configured_by = conn
            self._changed.set()
            status = _STATUS_OK
        self._ack(conn, msg.instance, _REQ_CONFIGURE, status)

    def _on_SerialProxySetModeRequest(self, conn: _Connection, msg: Any) -> None:
        if msg.instance != 0:
            status = _STATUS_INVALID_ARGUMENT
        elif self._subscriber is not conn:
            status = _STATUS_PORT_IN_USE
        elif msg.mode != _MODE_RAW:
            status = _STATUS_NOT_SUPPORTED  # a plain UART has no protocol tap
        else:
            self.mode = msg.mode
            status = _STATUS_OK
        self._ack(conn, msg.instance, _REQ_SET_MODE, status)

    def _on_SerialProxyWriteRequest(self, conn: _Connection, msg: Any) -> None:
        if msg.instance == 0 and self._holds(conn):
            self.written += msg.data
            self._changed.set()

    def _on_SerialProxySetModemPinsRequest(self, conn: _Connection, msg: Any) -> None:
        if msg.instance != 0:
            status = _STATUS_INVALID_ARGUMENT
        elif not self._holds(conn):
            status = _STATUS_PORT_IN_USE
        elif msg.line_states:
            status = _STATUS_NOT_SUPPORTED  # no RTS/DTR pin is configured
        else:
            self.line_states = msg.line_states
            status = _STATUS_OK
        self._ack(conn, msg.instance, _REQ_SET_MODEM_PINS, status)

    def _on_SerialProxyGetModemPinsRequest(self, conn: _Connection, msg: Any) -> None:
        if msg.instance != 0:
            conn.send(
                _make(
                    api_pb2.SerialProxyGetModemPinsResponse,
                    instance=msg.instance,
                    status=_STATUS_INVALID_ARGUMENT,
                )
            )
            return
        conn.send(
            _make(
                api_pb2.SerialProxyGetModemPinsResponse,
                instance=0,
                line_states=self.line_states,
                status=_STATUS_OK,
            )
        )

    def _on_SubscribeSerialProxyIdentityRequest(
        self, conn: _Connection, msg: Any
    ) -> None:
        # A UART port has no identity: source NONE, no flags.
        conn.send(api_pb2.SerialProxyIdentity(instance=0))
