"""Serve the simulated meter's stream on TCP (127.0.0.1) and on a pty.

Bytes leave at the pace of the real line (1200 Bd historic, 9600 Bd standard,
7E1: ten bits per character), frames back to back with a short gap, as a
meter sends them; ``line_rate`` multiplies that pace (tests). The simulated
clock is separate: ``speed`` 60 makes one simulated minute pass per second.

Every TCP client and the pty get the same stream from the moment they join
(so their first frame is usually partial, as when plugging a real adapter).
A client that does not read is dropped; bytes written to the pty while
nobody reads are discarded, like on a line nobody listens to.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import time
import tty
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from .meter import Mode, SimulatedMeter
from .noise import LineNoise
from .tempo import PARIS

HOST: Final = "127.0.0.1"
BAUD_RATES: Final = {Mode.HISTORIC: 1200, Mode.STANDARD: 9600}
FRAME_GAP: Final = 0.025  # s between frames ([54E] §5.3.6: 16.7-33.4 ms)
CHUNK: Final = 16
MAX_CLIENT_BUFFER: Final = 64 * 1024


class SimClock:
    """Simulated local time: ``start`` now, running ``speed`` times faster."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        """Start the clock at ``start`` (timezone-aware) now."""
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """The simulated time, in French local time."""
        elapsed = (time.monotonic() - self._origin) * self.speed
        return (self.start + timedelta(seconds=elapsed)).astimezone(PARIS)


class TicServer:
    """A simulated meter's TIC output on a TCP port and, optionally, a pty."""

    def __init__(
        self,
        meter: SimulatedMeter,
        clock: SimClock,
        *,
        port: int | None = 0,
        pty_path: Path | None = None,
        noise: LineNoise | None = None,
        line_rate: float = 1.0,
        on_frame: Callable[[SimulatedMeter], None] | None = None,
    ) -> None:
        """Prepare the server; nothing is opened before `start`."""
        self.meter = meter
        self.clock = clock
        self.noise = noise
        self.rate = BAUD_RATES[meter.config.mode] / 10 * line_rate
        self.on_frame = on_frame
        self._port = port
        self.pty_path = pty_path
        self.pty_device: str | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._master: int | None = None
        self._slave: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.bytes_sent = 0

    @property
    def port(self) -> int:
        """The TCP port clients connect to."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """The URL to give the integration's config flow."""
        return f"socket://{HOST}:{self.port}"

    async def start(self) -> None:
        """Open the TCP server and the pty, then start sending."""
        if self._port is not None:
            self._server = await asyncio.start_server(self._client, HOST, self._port)
        if self.pty_path is not None:
            self._open_pty(self.pty_path)
        self._task = asyncio.create_task(self._run(), name="tic simulator")

    async def __aenter__(self) -> TicServer:
        """Start serving."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop serving."""
        await self.close()

    def _open_pty(self, path: Path) -> None:
        master, slave = os.openpty()
        tty.setraw(master)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.pty_device = os.ttyname(slave)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(self.pty_device)
        temporary.replace(path)

    async def _client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers.add(writer)
        try:
            with contextlib.suppress(ConnectionError):
                while await reader.read(1024):
                    pass  # a meter ignores what it is sent
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        historic = self.meter.config.mode is Mode.HISTORIC
        while True:
            self.meter.advance(self.clock.now())
            data = self.meter.frame()
            if self.on_frame is not None:
                self.on_frame(self.meter)
            if self.noise is not None:
                data = self.noise.apply(data, historic=historic)
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                self._broadcast(chunk)
                due += len(chunk) / self.rate
                await asyncio.sleep(max(due - loop.time(), 0))
            due += FRAME_GAP
            await asyncio.sleep(max(due - loop.time(), 0))
            # Never build up a backlog (a suspended process, a slow machine).
            due = max(due, loop.time() - 1)

    def _broadcast(self, chunk: bytes) -> None:
        self.bytes_sent += len(chunk)
        for writer in list(self._writers):
            transport = writer.transport
            if transport.is_closing():
                self._writers.discard(writer)
                continue
            if transport.get_write_buffer_size() > MAX_CLIENT_BUFFER:
                transport.abort()
                self._writers.discard(writer)
                continue
            writer.write(chunk)
        if self._master is not None:
            self._write_pty(chunk)

    def _write_pty(self, chunk: bytes) -> None:
        assert self._master is not None
        try:
            os.write(self._master, chunk)
        except BlockingIOError:
            # Nobody reads the pty: drop what waits there, keep the line live.
            if self._slave is not None:
                termios.tcflush(self._slave, termios.TCIFLUSH)
            with contextlib.suppress(BlockingIOError):
                os.write(self._master, chunk)
        except OSError:
            pass

    async def close(self) -> None:
        """Stop sending, disconnect the clients, remove the pty and its link."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        if self.pty_path is not None and self.pty_path.is_symlink():
            self.pty_path.unlink()
