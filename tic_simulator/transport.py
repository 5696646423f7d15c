"""Transports a meter's bytes travel on, for tests and benchmarks.

`PtyMeter` is a serial device: a pseudo-terminal pair whose slave is reached
through a stable symlink (as ``/dev/serial/by-id/…`` is), fed at the line's
real pace. Unplugging closes the pty; plugging in again creates a new one
behind the same symlink. `UartPty` also knows the baud rate its reader set.
`TcpMeter` is a stream server on 127.0.0.1, as ser2net would be.
`Streamer` sends one frame again and again on either.

(`TicServer` in `tic_simulator.server` is the live meter of
``scripts/develop``; these are the pieces a test drives byte by byte.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from pathlib import Path
from typing import Final, Protocol

HOST: Final = "127.0.0.1"


class IoClock(Protocol):
    """A clock told that bytes are on their way (`harness.virtual_time`)."""

    def expect_io(self) -> None:
        """Wait for the bytes before jumping to the next timer."""


def bytes_per_second(baudrate: int) -> float:
    """7E1: 10 bits on the line per character."""
    return baudrate / 10


class PtyMeter:
    """A meter on a pseudo-terminal, behind a stable symlink."""

    def __init__(
        self, directory: Path, baudrate: int = 1200, speedup: float = 1.0
    ) -> None:
        """Create the pty as ``directory/ttyTIC``, paced at ``baudrate``."""
        self.path = directory / "ttyTIC"
        self.rate = bytes_per_second(baudrate) * speedup
        self._master: int | None = None
        self._slave: int | None = None
        # Bytes lost because nobody read them (see `write_now`).
        self.dropped = 0
        self.plug()

    def plug(self) -> None:
        """Create a new pty and point the symlink at it."""
        master, slave = os.openpty()
        tty.setraw(master)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        tmp = self.path.with_suffix(".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.path)

    def unplug(self) -> None:
        """Close the pty: the reader sees an I/O error; the symlink dangles."""
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        os.unlink(self.path)
        self.path.symlink_to("/dev/pts/does-not-exist")

    def write_now(self, data: bytes) -> int:
        """Write bytes at once (the reader sees them in one or a few reads).

        As on a real TIC line, what nobody reads is lost: once the pty's
        buffer is full (the reader stopped, or is reopening the port), the
        rest is dropped and counted in `dropped`, never waited for. Returns
        the number of bytes the pty took.
        """
        assert self._master is not None
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0
        self.dropped += len(data) - written
        return written

    async def send(self, data: bytes, chunk: int = 16) -> None:
        """Write bytes at the line's pace."""
        delay = chunk / self.rate
        for start in range(0, len(data), chunk):
            self.write_now(data[start : start + chunk])
            await asyncio.sleep(delay)

    def close(self) -> None:
        """Close the pty for good."""
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None


_SPEEDS: Final = {getattr(termios, f"B{rate}"): rate for rate in (1200, 9600)}


class UartPty(PtyMeter):
    """A pty that knows the baud rate its reader configured, like a UART would."""

    def plug(self) -> None:
        """Create the pty and remember its pristine settings."""
        super().plug()
        assert self._slave is not None
        self._pristine = termios.tcgetattr(self._slave)

    @property
    def baudrate(self) -> int | None:
        """The baud rate the reader set (None once unplugged)."""
        if self._slave is None:
            return None
        return _SPEEDS.get(termios.tcgetattr(self._slave)[4])

    def release(self) -> None:
        """The reader closed the port: forget its settings.

        A real serial port can be configured again and again; this sandbox's
        pty refuses a second 7E1 configuration (EINVAL) unless its settings
        are put back first.
        """
        if self._slave is not None:
            termios.tcsetattr(self._slave, termios.TCSANOW, self._pristine)


class TcpMeter:
    """A stream server on 127.0.0.1 that sends what it is given to its clients."""

    def __init__(self) -> None:
        """Prepare the server; nothing is opened before `start`."""
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.connected = asyncio.Event()
        self.connections = 0

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self.server = await asyncio.start_server(self._client, HOST, 0)

    @property
    def port(self) -> int:
        """The TCP port clients connect to."""
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """The URL to give the integration's config flow."""
        return f"socket://{HOST}:{self.port}"

    async def _client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.writers.append(writer)
        self.connections += 1
        self.connected.set()
        with contextlib.suppress(ConnectionError):
            await reader.read()

    async def send(self, data: bytes) -> None:
        """Send bytes to every client."""
        for writer in list(self.writers):
            writer.write(data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    def drop(self) -> None:
        """Close every client connection abruptly."""
        self.connected.clear()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    async def stop(self) -> None:
        """Drop the clients and close the server."""
        self.drop()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class Streamer:
    """Send a frame again and again, as a meter does, until stopped.

    Tests change `frame` to change what the meter says. Writes that fail
    (the pty is unplugged) are skipped; on a pty, what nobody reads is lost
    (`PtyMeter.write_now`). On a virtual clock (``clock``), each write tells
    the clock to wait for the bytes before it jumps to the next timer.
    """

    def __init__(
        self,
        meter: PtyMeter | TcpMeter,
        frame: bytes,
        period: float = 0.1,
        *,
        clock: IoClock | None = None,
    ) -> None:
        """Send ``frame`` on ``meter`` every ``period`` seconds once entered."""
        self.meter = meter
        self.frame = frame
        self.period = period
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError, AssertionError):
                if isinstance(self.meter, PtyMeter):
                    self.meter.write_now(self.frame)
                else:
                    await self.meter.send(self.frame)
                if self.clock is not None:
                    self.clock.expect_io()
            await asyncio.sleep(self.period)

    async def __aenter__(self) -> Streamer:
        """Start sending."""
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop sending."""
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
