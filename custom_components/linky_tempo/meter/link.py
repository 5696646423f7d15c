"""The serial link to the meter: one async reader for every transport.

`serialx` opens whatever the user picked: a device path (a USB TIC dongle,
preferably under ``/dev/serial/by-id/``), Home Assistant's ``esphome-hass://``
URLs for ESPHome serial proxies (the ESP32 of this project), a direct
``esphome://host:6053/?port_name=…&key=…``, ``socket://``/``tcp://`` (ser2net
and other stream servers) or ``rfc2217://``. The TIC line is 7E1, at 1200 Bd
in historic mode and 9600 Bd in standard mode.

`TicLink` keeps the port open forever: bytes go through a `TicDecoder`, every
checksum-valid group and every complete frame is pushed to the callbacks as
soon as it is decoded, and any EOF, I/O error or silent line closes the port
and reopens it after a jittered exponential back-off (1 s doubling to 60 s).
Nothing here blocks the event loop and no thread is used.

The port setting (:class:`PortMode`: automatic, historic or standard) is what
the user picks; the line mode (:class:`.groups.LineMode`) is what the meter
sends, forced by that setting or detected.

`probe` is the one-shot version used by the config flow: open, listen for a
valid frame, and say precisely what went wrong when there is none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import serialx

from .framing import Frame, TicDecoder
from .groups import Group, LineMode

_LOGGER = logging.getLogger(__name__)

BAUD_RATES: Final = {LineMode.HISTORIC: 1200, LineMode.STANDARD: 9600}
BACKOFF_INITIAL: Final = 1.0
BACKOFF_MAX: Final = 60.0
OPEN_TIMEOUT: Final = 10.0
# A port that delivers no byte at all for this long is closed and reopened
# (half-open TCP connections, a proxy that lost its UART, a hung dongle, and
# ESPHome connections lost under serialx 1.7, which does not report it).
# The meter never pauses: a frame leaves every one to two seconds.
SILENCE_TIMEOUT: Final = 15.0
# In automatic mode on a real serial port, bytes that never form a valid frame
# for this long mean the baud rate is wrong (the meter may have been switched
# between historic and standard): the other rate is tried.
WRONG_RATE_TIMEOUT: Final = 12.0
READ_SIZE: Final = 4096


class PortMode(StrEnum):
    """The port setting: read one line mode, or detect it (``AUTO``)."""

    AUTO = "auto"
    HISTORIC = "historic"
    STANDARD = "standard"

    @property
    def line_mode(self) -> LineMode | None:
        """The line mode this setting forces; None in automatic mode."""
        return None if self is PortMode.AUTO else LineMode(self.value)


class ProbeError(StrEnum):
    """Why a probe found no meter (config flow error keys)."""

    CANNOT_CONNECT = "cannot_connect"
    NO_DATA = "no_data"
    NOT_TIC = "not_tic"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The first valid frame found on a port, and how it was read."""

    frame: Frame
    mode: LineMode
    baudrate: int


class ProbeFailedError(Exception):
    """A probe found no meter on the port."""

    def __init__(self, reason: ProbeError, detail: str = "") -> None:
        """Keep the reason (a config flow error key) and a detail for logs."""
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason


_SECRET_PARAMETERS: Final = frozenset({"key", "password", "noise_psk", "psk"})


def redact_url(url: str) -> str:
    """Return the port URL with keys, passwords and user names removed."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"**REDACTED**@{netloc.rpartition('@')[2]}"
    query = (
        "&".join(
            f"{pair.partition('=')[0]}=REDACTED"
            if urllib.parse.unquote_plus(pair.partition("=")[0]).lower()
            in _SECRET_PARAMETERS
            else pair
            for pair in parts.query.split("&")
        )
        if parts.query
        else ""
    )
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def is_network_url(url: str) -> bool:
    """Tell whether the URL reaches the meter over a network stream.

    The baud rate is then set by the far end (ser2net, an ESPHome proxy's own
    UART configuration or RFC 2217), so the decoder's mode detection alone
    tells historic from standard.
    """
    return url.partition("://")[0].lower() in {"socket", "tcp", "rfc2217"}


async def _open(
    url: str, baudrate: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open the port at 7E1 and the given rate."""
    async with asyncio.timeout(OPEN_TIMEOUT):
        return await serialx.open_serial_connection(
            url,
            baudrate=baudrate,
            parity=serialx.Parity.EVEN,
            stopbits=serialx.StopBits.ONE,
            byte_size=7,
        )


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close a port, ignoring errors of a port that is already gone."""
    writer.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await writer.wait_closed()


def _rates_to_try(mode: LineMode | None, url: str) -> list[tuple[LineMode | None, int]]:
    """Return (mode, baud rate) pairs to try, in order."""
    if mode is not None:
        return [(mode, BAUD_RATES[mode])]
    if is_network_url(url):
        return [(None, BAUD_RATES[LineMode.HISTORIC])]
    return [
        (None, BAUD_RATES[LineMode.HISTORIC]),
        (None, BAUD_RATES[LineMode.STANDARD]),
    ]


async def probe(
    url: str, mode: LineMode | None, listen_for: float = 10.0
) -> ProbeResult:
    """Open the port and return its first valid frame, within ``listen_for`` s.

    In automatic mode on a serial port, 1200 Bd is tried first for up to 60 %
    of the time, then 9600 Bd. Raises `ProbeFailedError` with
    `ProbeError.CANNOT_CONNECT` when the port cannot be opened,
    `ProbeError.NO_DATA` when nothing at all is received, and
    `ProbeError.NOT_TIC` when bytes arrive but never a valid frame.
    """
    attempts = _rates_to_try(mode, url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + listen_for
    received = 0
    for index, (attempt_mode, baudrate) in enumerate(attempts):
        remaining = deadline - loop.time()
        budget = remaining if index == len(attempts) - 1 else listen_for * 0.6
        try:
            reader, writer = await _open(url, baudrate)
        except Exception as err:
            # serialx raises OSError, TimeoutError, SerialException or a
            # transport-specific error (Home Assistant's ESPHome bridge): all
            # of them mean the same to the user.
            raise ProbeFailedError(ProbeError.CANNOT_CONNECT, repr(err)) from err
        decoder = TicDecoder(attempt_mode)
        try:
            async with asyncio.timeout(budget):
                while True:
                    data = await reader.read(READ_SIZE)
                    if not data:
                        break
                    received += len(data)
                    for frame in decoder.feed(data):
                        return ProbeResult(frame, frame.mode, baudrate)
        except TimeoutError:
            pass
        except Exception as err:  # the port failed while reading
            _LOGGER.debug("Probe of %s failed while reading: %r", redact_url(url), err)
        finally:
            await _close(writer)
        if received == 0:
            # A silent line is silent at any baud rate.
            break
    if received == 0:
        raise ProbeFailedError(ProbeError.NO_DATA)
    raise ProbeFailedError(ProbeError.NOT_TIC, f"{received} bytes, no valid frame")


@dataclass(slots=True)
class LinkStats:
    """Counters of the link, for diagnostics and link-quality sensors."""

    connections: int = 0
    disconnections: int = 0
    bytes_received: int = 0
    rate_switches: int = 0
    last_error: str | None = None


class TicLink:
    """Read a TIC port forever, reconnecting after any failure."""

    def __init__(
        self,
        url: str,
        mode: LineMode | None,
        *,
        on_frame: Callable[[Frame], None],
        on_group: Callable[[Group, LineMode], None] | None = None,
    ) -> None:
        """Prepare the link; nothing is opened before `async_connect`/`run`.

        ``mode`` forces a line mode; None detects it (and, on a serial port,
        its baud rate).
        """
        self.url = url
        self.decoder = TicDecoder(mode, on_group=on_group)
        self.stats = LinkStats()
        self.connected = False
        self._on_frame = on_frame
        self._attempts = _rates_to_try(mode, url)
        self._attempt = 0
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._backoff = BACKOFF_INITIAL

    @property
    def baudrate(self) -> int:
        """The baud rate the port is (or will be) opened at."""
        return self._attempts[self._attempt][1]

    def prefer_mode(self, mode: LineMode) -> None:
        """Start at the baud rate of a known mode (automatic mode only)."""
        for index, (_, baudrate) in enumerate(self._attempts):
            if baudrate == BAUD_RATES[mode]:
                self._attempt = index

    async def async_connect(self) -> None:
        """Open the port once; raise what the transport raised on failure."""
        reader, writer = await _open(self.url, self.baudrate)
        self._stream = (reader, writer)
        self.stats.connections += 1
        self.connected = True

    async def run(self) -> None:
        """Read, decode and reconnect until cancelled."""
        try:
            while True:
                if self._stream is None:
                    try:
                        await self.async_connect()
                    except Exception as err:
                        # Any failure to open means "try again later": the
                        # reader must never die (OSError, TimeoutError,
                        # SerialException, ESPHome errors alike).
                        self.stats.last_error = repr(err)
                        _LOGGER.debug("Cannot open %s: %r", redact_url(self.url), err)
                        await self._sleep_backoff()
                        continue
                assert self._stream is not None
                reader, writer = self._stream
                try:
                    await self._read(reader)
                except Exception as err:
                    self.stats.last_error = repr(err)
                    _LOGGER.debug("Link %s failed: %r", redact_url(self.url), err)
                finally:
                    self._stream = None
                    self.decoder.reset()
                    self.stats.disconnections += 1
                    self.connected = False
                    await _close(writer)
                await self._sleep_backoff()
        finally:
            if self._stream is not None:
                await _close(self._stream[1])
                self._stream = None
                self.connected = False

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Feed the decoder until EOF, silence or a wrong baud rate."""
        frames_before = self.decoder.frames
        last_valid = time.monotonic()
        switch_rates = len(self._attempts) > 1
        while True:
            async with asyncio.timeout(SILENCE_TIMEOUT):
                data = await reader.read(READ_SIZE)
            if not data:
                self.stats.last_error = "end of stream"
                return
            self.stats.bytes_received += len(data)
            for frame in self.decoder.feed(data):
                self._on_frame(frame)
            if self.decoder.frames != frames_before:
                frames_before = self.decoder.frames
                last_valid = time.monotonic()
                # The link works: the next outage starts from a short delay.
                self._backoff = BACKOFF_INITIAL
            elif switch_rates and time.monotonic() - last_valid > WRONG_RATE_TIMEOUT:
                self._attempt = (self._attempt + 1) % len(self._attempts)
                self.stats.rate_switches += 1
                self._backoff = 0.0
                _LOGGER.info(
                    "No valid TIC frame on %s: trying %d Bd",
                    redact_url(self.url),
                    self.baudrate,
                )
                return

    async def _sleep_backoff(self) -> None:
        """Wait before reopening: jittered, doubling from 1 s up to 60 s."""
        delay = self._backoff * random.uniform(0.8, 1.2)
        self._backoff = min(max(self._backoff * 2, BACKOFF_INITIAL), BACKOFF_MAX)
        await asyncio.sleep(delay)
