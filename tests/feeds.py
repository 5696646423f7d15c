"""Real transports carrying real captures, for the link and Home Assistant tests.

`PtyMeter` is a serial device: a pseudo-terminal pair whose slave is reached
through a stable symlink (as ``/dev/serial/by-id/…`` is), fed at the line's
real pace. Unplugging closes the pty; plugging in again creates a new one
behind the same symlink. `TcpMeter` is a stream server on 127.0.0.1, as
ser2net would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from pathlib import Path
from typing import TYPE_CHECKING

from tests.conftest import CAPTURES_DIR

if TYPE_CHECKING:
    from tests.faults.virtual_time import VirtualClock

HISTORIC_CAPTURE = CAPTURES_DIR / "esciara__pyteleinfo__captured_frames.bin"
STANDARD_CAPTURE = CAPTURES_DIR / "lains__teleinfo-nom__assets__stream_standard_raw.txt"
STANDARD_MONO_CAPTURE = CAPTURES_DIR / (
    "j-vizcaino__goteleinfo__reader_test.go.StandardRawFrame.DERIVED.bin"
)


def bytes_per_second(baudrate: int) -> float:
    """7E1: 10 bits on the line per character."""
    return baudrate / 10


class PtyMeter:
    """A meter on a pseudo-terminal, behind a stable symlink."""

    def __init__(
        self, directory: Path, baudrate: int = 1200, speedup: float = 1.0
    ) -> None:
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
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None


class TcpMeter:
    """A stream server on 127.0.0.1 that sends what it is given to its clients."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.connected = asyncio.Event()
        self.connections = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    async def _client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.writers.append(writer)
        self.connections += 1
        self.connected.set()
        with contextlib.suppress(ConnectionError):
            await reader.read()

    async def send(self, data: bytes) -> None:
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
        self.drop()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def frames_of(data: bytes) -> list[bytes]:
    """Split a capture into its complete STX…ETX frames."""
    frames = []
    start = data.find(b"\x02")
    while start != -1:
        end = data.find(b"\x03", start)
        if end == -1:
            break
        frames.append(data[start : end + 1])
        start = data.find(b"\x02", end)
    return frames


def _checksum(zone: bytes) -> bytes:
    return bytes([(sum(zone) & 0x3F) + 0x20])


def historic_frame(groups: list[tuple[str, str]]) -> bytes:
    """Build a historic frame (label SP data SP checksum) from label/value pairs."""
    out = bytearray(b"\x02")
    for label, value in groups:
        zone = f"{label} {value}".encode("ascii")
        out += b"\n" + zone + b" " + _checksum(zone) + b"\r"
    return bytes(out + b"\x03")


def standard_frame(groups: list[tuple[str, str] | tuple[str, str, str]]) -> bytes:
    """Build a standard frame; a 3-tuple is (label, horodate, value)."""
    out = bytearray(b"\x02")
    for group in groups:
        zone = "\t".join(group).encode("ascii") + b"\t"
        out += b"\n" + zone + _checksum(zone) + b"\r"
    return bytes(out + b"\x03")


def tempo_historic(
    *,
    period: str = "HCJB",
    tomorrow: str = "----",
    papp: int = 2840,
    iinst: int = 12,
    adps: int | None = None,
    index: int = 18328856,
    meter_id: str = "021861348497",
) -> bytes:
    """A Linky mono Tempo historic frame, as the pyteleinfo capture shows them."""
    groups = [
        ("ADCO", meter_id),
        ("OPTARIF", "BBR("),
        ("ISOUSC", "30"),
        ("BBRHCJB", f"{index:09d}"),
        ("BBRHPJB", "023739545"),
        ("BBRHCJW", "001466099"),
        ("BBRHPJW", "002132883"),
        ("BBRHCJR", "000860118"),
        ("BBRHPJR", "000844115"),
        ("PTEC", period),
        ("DEMAIN", tomorrow),
        ("IINST", f"{iinst:03d}"),
    ]
    if adps is not None:
        groups.append(("ADPS", f"{adps:03d}"))
    groups += [
        ("IMAX", "090"),
        ("PAPP", f"{papp:05d}"),
        ("HHPHC", "A"),
        ("MOTDETAT", "000000"),
    ]
    return historic_frame(groups)


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
        clock: VirtualClock | None = None,
    ) -> None:
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
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
