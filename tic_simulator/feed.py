"""Send a meter's frames at line pace on the event loop's clock.

`MeterFeed` asks a `ScriptedMeter` for a frame, sends it in chunks at the
line's pace (1200 Bd historic, 9600 Bd standard, 7E1) on one or more sinks (a
pty, a TCP server, an ESPHome serial proxy peer), and can corrupt bytes on
the way or garble them as a receiver at the wrong baud rate would. Its pace
is the loop's: on `harness.virtual_time`'s virtual clock, an hour of frames
takes seconds. (`TicServer` is the live, wall-clock counterpart of
``scripts/develop``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from .meter import Mode
from .scripted import ScriptedMeter
from .transport import PtyMeter

_LOGGER = logging.getLogger(__name__)
BAUD_RATES: Final = {Mode.HISTORIC: 1200, Mode.STANDARD: 9600}
FRAME_GAP: Final = 0.03  # s between two frames


def line_seconds(data: bytes, mode: Mode) -> float:
    """Time the bytes take on the line (7E1: 10 bits per character)."""
    baud = 1200 if mode == Mode.HISTORIC else 9600
    return len(data) * 10 / baud


def corrupt(data: bytes, rate: float, rng: random.Random) -> bytes:
    """Replace each byte, with probability ``rate``, by a random byte."""
    if rate <= 0:
        return data
    out = bytearray(data)
    for index in range(len(out)):
        if rng.random() < rate:
            out[index] = rng.randrange(256)
    return bytes(out)


# The garbage a user logged with a standard meter read at 1200 Bd
# (fmartinou/teleinfo2mqtt#24), kept with the project's real captures.
GARBAGE_CAPTURE: Final = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "fixtures"
    / "captures"
    / "fmartinou__teleinfo2mqtt__issue-24__wrong_serial_settings_garbage.txt"
)
# Bytes a UART at 9600 Bd makes of a 1200 Bd signal: each bit of the line
# lasts eight of its bit times, so it reads runs of ones and zeros (and breaks).
_RUNS: Final = bytes(
    [0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE, 0xFF, 0x7F, 0x3F, 0x1F, 0x0F, 0x07]
)


def _captured_garbage() -> bytes:
    """A standard (9600 Bd) meter read at 1200 Bd, as a user logged it."""
    try:
        lines = GARBAGE_CAPTURE.read_text(
            encoding="utf-8", errors="replace"
        ).splitlines()
    except OSError:
        return bytes(range(0x21, 0x7F))
    chunks = [
        line.partition("[")[2].rstrip("]") for line in lines if "Corrupted data" in line
    ]
    return "".join(chunks).encode("ascii", errors="replace") or bytes(range(0x21, 0x7F))


_GARBAGE: Final = _captured_garbage()


def wrong_rate(data: bytes, sent_in: Mode, rng: random.Random) -> bytes:
    """What a receiver at the other baud rate gets for ``data`` sent in ``sent_in``.

    Standard (9600 Bd) read at 1200 Bd: eight sent characters per received
    one, whose bits are a mix of theirs: modelled by the garbage a user
    captured in exactly that situation (fmartinou/teleinfo2mqtt#24).
    Historic (1200 Bd) read at 9600 Bd: each sent character becomes about
    eight received bytes made of runs of ones and zeros.
    """
    if sent_in == Mode.STANDARD:
        count = max(1, len(data) // 8)
        start = rng.randrange(len(_GARBAGE))
        return bytes(_GARBAGE[(start + i) % len(_GARBAGE)] for i in range(count))
    return bytes(rng.choice(_RUNS) for _ in range(len(data) * 8))


class Sink(Protocol):
    """Where the feed writes: a pty, a TCP server or an ESPHome peer."""

    async def write(self, data: bytes) -> bool:
        """Write; True when a reader of this event loop will see the bytes later.

        (Bytes written to a socket on 127.0.0.1 are readable at once; bytes
        written to a pty reach its reader a few microseconds later.)
        """
        ...


class Peer(Protocol):
    """Anything that sends bytes to its clients (`TcpMeter`, an ESPHome peer)."""

    async def send(self, data: bytes) -> None:
        """Send bytes to the clients."""


class FeedClock(Protocol):
    """The meter's clock (`harness.virtual_time.VirtualClock`)."""

    def tempo_now(self) -> datetime:
        """The local (French) time now."""
        ...

    def expect_io(self) -> None:
        """Bytes are on their way: wait for them before the next timer."""


@dataclass
class PtySink:
    """A pty as a serial line: bytes nobody reads are lost, never waited for."""

    meter: PtyMeter
    overruns: int = 0

    async def write(self, data: bytes) -> bool:
        """Write what the pty takes; count the rest as overruns."""
        master = self.meter._master
        if master is None or not _pty_has_reader(self.meter):
            return False
        try:
            written = os.write(master, data)
        except BlockingIOError:
            written = 0
        except OSError:
            return False
        # A receiver that does not keep up loses what overflows its buffer.
        self.overruns += len(data) - written
        return True


def _pty_has_reader(meter: PtyMeter) -> bool:
    """Whether anything but the simulator holds the pty's slave open.

    The link reads it from the event loop; pyserial (HA core's teleinfo)
    reads it from an executor thread: both hold a file descriptor on it.
    """
    slave = meter._slave
    if slave is None:
        return False
    name = os.ttyname(slave)
    own = {slave, meter._master}
    for entry in os.scandir("/proc/self/fd"):
        with contextlib.suppress(OSError, ValueError):
            if int(entry.name) not in own and os.readlink(entry.path) == name:
                return True
    return False


@dataclass
class PeerSink:
    """A TCP server or an ESPHome serial proxy peer."""

    peer: Peer

    async def write(self, data: bytes) -> bool:
        """Send; the bytes are readable at once."""
        with contextlib.suppress(OSError, ConnectionError):
            await self.peer.send(data)
        return False


@dataclass
class SentFrame:
    """A frame as it left the meter."""

    at: float  # loop time when its last byte was written
    local: datetime
    expected: dict[str, Any]
    overload: bool
    corrupted: bool


class MeterFeed:
    """Send a scripted meter's frames at line pace, from the loop's clock."""

    def __init__(
        self,
        meter: ScriptedMeter,
        sinks: list[Sink],
        clock: FeedClock,
        *,
        chunk: int = 64,
        corruption: float = 0.0,
        seed: int = 1,
        before_frame: Callable[[datetime], None] | None = None,
        garble: Callable[[ScriptedMeter], bool] | None = None,
        mark: bytes | None = None,
        keep_sent: bool = True,
    ) -> None:
        """Prepare the feed; nothing is sent before `start`."""
        self.meter = meter
        self.sinks = sinks
        # The meter's own clock, told after each write that bytes are on
        # their way.
        self.clock = clock
        self.now: Callable[[], datetime] = clock.tempo_now
        self.chunk = chunk
        self.corruption = corruption
        self.rng = random.Random(seed)
        self.before_frame = before_frame
        # Returns True while the receiver listens at the wrong baud rate.
        self.garble = garble
        self.sent: list[SentFrame] = []
        # Long runs (the soak) keep nothing per frame: memory must stay flat.
        self.keep_sent = keep_sent
        # Loop times at which a group starting with ``mark`` (e.g. b"\nADPS")
        # was completely delivered: its CR was in the chunk just written.
        self.mark = mark
        self.marked: list[float] = []
        self.frames = 0
        self.bytes = 0
        self.paused = False
        self.error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        previous = self.now()
        while True:
            local = self.now()
            self.meter.advance(local, (local - previous).total_seconds())
            previous = local
            if self.before_frame is not None:
                self.before_frame(local)
            data = self.meter.frame(local)
            duration = line_seconds(data, self.meter.mode)
            corrupted = corrupt(data, self.corruption, self.rng)
            if self.garble is not None and self.garble(self.meter):
                corrupted = wrong_rate(corrupted, self.meter.mode, self.rng)
            step = max(1, self.chunk)
            ends = []
            if self.mark is not None and len(corrupted) == len(data):
                at = data.find(self.mark)
                while at != -1:
                    ends.append(data.find(b"\r", at))
                    at = data.find(self.mark, at + 1)
            for start in range(0, len(corrupted), step):
                piece = corrupted[start : start + step]
                # A chunk reaches the receiver once its last byte is on the line
                # (the line time is the meter's, whatever the receiver makes of it).
                await asyncio.sleep(duration * len(piece) / len(corrupted))
                if not self.paused:
                    for sink in self.sinks:
                        if await sink.write(piece):
                            self.clock.expect_io()
                    if any(start <= end < start + len(piece) for end in ends):
                        self.marked.append(loop.time())
            if not self.paused:
                self.frames += 1
                self.bytes += len(corrupted)
            if not self.paused and self.keep_sent:
                self.sent.append(
                    SentFrame(
                        loop.time(),
                        local,
                        self.meter.expected(local),
                        self.meter.overload,
                        corrupted != data,
                    )
                )
            # The meter leaves a short gap between frames.
            await asyncio.sleep(FRAME_GAP)

    def start(self) -> None:
        """Start sending on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            # A broken simulator must not look like a silent meter.
            self.error = error
            _LOGGER.error("Meter simulator failed", exc_info=error)

    async def stop(self) -> None:
        """Stop sending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> MeterFeed:
        """Start sending."""
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop sending."""
        await self.stop()
