"""A simulated Linky Tempo meter: a calendar, a power curve, and its frames.

`SimulatedMeter` holds what a real meter knows (the Tempo calendar, its six
energy indexes, the power drawn, the subscribed power) and renders it as the
historic frame ([54E] §6.1, 1200 Bd) or the standard frame ([54E] §6.2,
9600 Bd) it would send at a given local time. `MeterFeed` sends those frames
on a pty (`tests.feeds.PtyMeter`), a TCP server or an ESPHome serial proxy
peer, paced by the event loop's clock (virtual in the fault tests), and can
corrupt bytes on the way.

The period follows the Tempo rules: peak hours 06:00-22:00; the Tempo day
(its colour) runs 06:00 to 06:00. Tomorrow's colour is announced from 11:00.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import termios
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from custom_components.linky_tempo.meter import LineMode, TariffPeriod, TempoColor
from tests.conftest import CAPTURES_DIR
from tests.feeds import PtyMeter

TEMPO_PERIODS = (
    TariffPeriod.HC_BLUE,
    TariffPeriod.HP_BLUE,
    TariffPeriod.HC_WHITE,
    TariffPeriod.HP_WHITE,
    TariffPeriod.HC_RED,
    TariffPeriod.HP_RED,
)
_PTEC = {
    TariffPeriod.HC_BLUE: "HCJB",
    TariffPeriod.HP_BLUE: "HPJB",
    TariffPeriod.HC_WHITE: "HCJW",
    TariffPeriod.HP_WHITE: "HPJW",
    TariffPeriod.HC_RED: "HCJR",
    TariffPeriod.HP_RED: "HPJR",
}
_HISTORIC_INDEX = ("BBRHCJB", "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR")
_DEMAIN = {
    TempoColor.BLUE: "BLEU",
    TempoColor.WHITE: "BLAN",
    TempoColor.RED: "ROUG",
    TempoColor.UNKNOWN: "----",
}
_LTARF_COLOR = {
    TempoColor.BLUE: "BLEU",
    TempoColor.WHITE: "BLANC",
    TempoColor.RED: "ROUGE",
}
_STGE_COLOR = {
    TempoColor.UNKNOWN: 0,
    TempoColor.BLUE: 1,
    TempoColor.WHITE: 2,
    TempoColor.RED: 3,
}
PEAK_START = time(6)
PEAK_END = time(22)
ANNOUNCE_AT = time(11)
VOLTS = 230


def checksum(zone: bytes) -> bytes:
    return bytes([(sum(zone) & 0x3F) + 0x20])


def historic_group(label: str, value: str) -> bytes:
    zone = f"{label} {value}".encode("ascii")
    return b"\n" + zone + b" " + checksum(zone) + b"\r"


def standard_group(label: str, value: str, stamp: str | None = None) -> bytes:
    fields = [label, value] if stamp is None else [label, stamp, value]
    zone = "\t".join(fields).encode("ascii") + b"\t"
    return b"\n" + zone + checksum(zone) + b"\r"


def tempo_day(local: datetime) -> date:
    """The Tempo day a local time belongs to (days start at 06:00)."""
    return (local.replace(tzinfo=None) - timedelta(hours=6)).date()


def is_peak(local: datetime) -> bool:
    return PEAK_START <= local.time() < PEAK_END


@dataclass
class TempoCalendar:
    """Colour of each Tempo day (blue when not listed)."""

    colors: dict[date, TempoColor] = field(default_factory=dict)

    def color(self, day: date) -> TempoColor:
        return self.colors.get(day, TempoColor.BLUE)

    def period(self, local: datetime) -> TariffPeriod:
        color = self.color(tempo_day(local))
        index = {TempoColor.BLUE: 0, TempoColor.WHITE: 2, TempoColor.RED: 4}[color]
        return TEMPO_PERIODS[index + is_peak(local)]

    def today(self, local: datetime) -> TempoColor:
        return self.color(tempo_day(local))

    def tomorrow(self, local: datetime) -> TempoColor:
        """Announced at 11:00 of the Tempo day, for the next one."""
        day = tempo_day(local)
        if local.date() == day and local.time() < ANNOUNCE_AT:
            return TempoColor.UNKNOWN
        return self.color(day + timedelta(days=1))


@dataclass
class SimulatedMeter:
    """A Linky mono Tempo meter (ISOUSC 30 A, 6 kVA)."""

    calendar: TempoCalendar
    mode: LineMode = LineMode.HISTORIC
    meter_id: str = "021861348497"
    isousc: int = 30
    power: int = 2000  # VA, set by whoever drives the simulation
    indexes: list[float] = field(
        default_factory=lambda: [
            18328856.0,
            23739545.0,
            1466099.0,
            2132883.0,
            860118.0,
            844115.0,
        ]
    )
    max_power_today: int = 0

    @property
    def subscribed_va(self) -> int:
        return self.isousc * 200

    @property
    def current(self) -> int:
        return round(self.power / VOLTS)

    @property
    def overload(self) -> bool:
        """ADPS / STGE bit 7: the current exceeds the subscribed current."""
        return self.current > self.isousc

    def advance(self, local: datetime, seconds: float) -> None:
        """Count the energy drawn at ``power`` for ``seconds`` ending at ``local``."""
        index = TEMPO_PERIODS.index(self.calendar.period(local))
        self.indexes[index] += self.power * seconds / 3600
        self.max_power_today = max(self.max_power_today, self.power)

    def expected(self, local: datetime) -> dict[str, Any]:
        """What a correct reader publishes for a frame sent at ``local``."""
        return {
            "period": self.calendar.period(local),
            "today": self.calendar.today(local),
            "tomorrow": self.calendar.tomorrow(local),
            "power": self.power,
            "energy": {
                period: int(value)
                for period, value in zip(TEMPO_PERIODS, self.indexes, strict=True)
            },
        }

    def frame(self, local: datetime) -> bytes:
        if self.mode is LineMode.HISTORIC:
            return self.historic_frame(local)
        return self.standard_frame(local)

    def historic_frame(self, local: datetime) -> bytes:
        period = self.calendar.period(local)
        groups = [
            ("ADCO", self.meter_id),
            ("OPTARIF", "BBR("),
            ("ISOUSC", f"{self.isousc:02d}"),
            *(
                (label, f"{int(value):09d}")
                for label, value in zip(_HISTORIC_INDEX, self.indexes, strict=True)
            ),
            ("PTEC", _PTEC[period]),
            ("DEMAIN", _DEMAIN[self.calendar.tomorrow(local)]),
            ("IINST", f"{self.current:03d}"),
        ]
        if self.overload:
            groups.append(("ADPS", f"{self.current:03d}"))
        groups += [
            ("IMAX", "090"),
            ("PAPP", f"{min(self.power, 99999):05d}"),
            ("HHPHC", "A"),
            ("MOTDETAT", "000000"),
        ]
        return b"\x02" + b"".join(historic_group(*g) for g in groups) + b"\x03"

    def standard_frame(self, local: datetime) -> bytes:
        period = self.calendar.period(local)
        ntarf = TEMPO_PERIODS.index(period) + 1
        today = self.calendar.today(local)
        tomorrow = self.calendar.tomorrow(local)
        stamp = _horodate(local)
        stge = (
            0x003A0000
            | ((ntarf - 1) << 10)
            | (_STGE_COLOR[today] << 24)
            | (_STGE_COLOR[tomorrow] << 26)
            | (0x80 if self.overload else 0)
        )
        hp = "HP" if is_peak(local) else "HC"
        ltarf = f"   {hp}  {_LTARF_COLOR[today]}".ljust(16)
        total = sum(int(v) for v in self.indexes)
        groups: list[tuple[str, ...]] = [
            ("ADSC", self.meter_id),
            ("VTIC", "02"),
            ("DATE", "", stamp),
            ("NGTF", "     TEMPO      "),
            ("LTARF", ltarf),
            ("EAST", f"{total:09d}"),
            *(
                (f"EASF{number:02d}", f"{int(value):09d}")
                for number, value in enumerate(self.indexes, start=1)
            ),
            *((f"EASF{number:02d}", "000000000") for number in range(7, 11)),
            ("EASD01", f"{total:09d}"),
            *((f"EASD{number:02d}", "000000000") for number in range(2, 5)),
            ("IRMS1", f"{self.current:03d}"),
            ("URMS1", f"{VOLTS:03d}"),
            ("PREF", f"{self.subscribed_va // 1000:02d}"),
            ("PCOUP", f"{self.subscribed_va // 1000:02d}"),
            ("SINSTS", f"{min(self.power, 99999):05d}"),
            ("SMAXSN", f"{min(self.max_power_today, 99999):05d}", stamp),
            ("SMAXSN-1", "05120", stamp),
            ("CCASN", "01650", stamp),
            ("CCASN-1", "00786", stamp),
            ("UMOY1", f"{VOLTS:03d}", stamp),
            ("STGE", f"{stge:08X}"),
            ("MSG1", "PAS DE          MESSAGE         "),
            ("PRM", "07361794479930"),
            ("RELAIS", "000"),
            ("NTARF", f"{ntarf:02d}"),
            ("NJOURF", "00"),
            ("NJOURF+1", "00"),
            (
                "PJOURF+1",
                "00004001 06004002 22004001 NONUTILE NONUTILE NONUTILE NONUTILE "
                "NONUTILE NONUTILE NONUTILE NONUTILE",
            ),
        ]
        body = b"".join(
            standard_group(g[0], g[1], g[2] if len(g) > 2 else None) for g in groups
        )
        return b"\x02" + body + b"\x03"


def _horodate(local: datetime) -> str:
    summer = bool(local.dst())
    return ("E" if summer else "H") + local.strftime("%y%m%d%H%M%S")


def line_seconds(data: bytes, mode: LineMode) -> float:
    """Time the bytes take on the line (7E1: 10 bits per character)."""
    baud = 1200 if mode is LineMode.HISTORIC else 9600
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


class Sink(Protocol):
    """Where the feed writes: a pty, a TCP server or an ESPHome peer."""

    async def write(self, data: bytes) -> bool:
        """Write; True when a reader of this event loop will see the bytes later.

        (Bytes written to a socket on 127.0.0.1 are readable at once; bytes
        written to a pty reach its reader a few microseconds later.)
        """
        ...


@dataclass
class PtySink:
    """A pty as a serial line: bytes nobody reads are lost, never waited for."""

    meter: Any  # tests.feeds.PtyMeter
    overruns: int = 0

    async def write(self, data: bytes) -> bool:
        master = getattr(self.meter, "_master", None)
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


def _pty_has_reader(meter: Any) -> bool:
    """Whether anything but the simulator holds the pty's slave open.

    The link reads it from the event loop; pyserial (HA core's teleinfo)
    reads it from an executor thread: both hold a file descriptor on it.
    """
    slave = getattr(meter, "_slave", None)
    if slave is None:
        return False
    name = os.ttyname(slave)
    own = {slave, getattr(meter, "_master", None)}
    for entry in os.scandir("/proc/self/fd"):
        with contextlib.suppress(OSError, ValueError):
            if int(entry.name) not in own and os.readlink(entry.path) == name:
                return True
    return False


@dataclass
class PeerSink:
    peer: Any  # tests.esphome_peer.EsphomeSerialProxyPeer or tests.feeds.TcpMeter

    async def write(self, data: bytes) -> bool:
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
    """Send a simulated meter's frames at line pace, from the loop's clock."""

    def __init__(
        self,
        meter: SimulatedMeter,
        sinks: list[Sink],
        clock: Any,
        *,
        chunk: int = 64,
        corruption: float = 0.0,
        seed: int = 1,
        before_frame: Callable[[datetime], None] | None = None,
        garble: Callable[[SimulatedMeter], bool] | None = None,
        mark: bytes | None = None,
        keep_sent: bool = True,
    ) -> None:
        self.meter = meter
        self.sinks = sinks
        # A VirtualClock (or anything with tempo_now() and expect_io()): the
        # meter's own clock, told after each write that bytes are on their way.
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
            await asyncio.sleep(0.03)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            # A broken simulator must not look like a silent meter.
            self.error = error
            logging.getLogger(__name__).error("Meter simulator failed", exc_info=error)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> MeterFeed:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


_GARBAGE_CAPTURE = (
    CAPTURES_DIR
    / "fmartinou__teleinfo2mqtt__issue-24__wrong_serial_settings_garbage.txt"
)
# Bytes a UART at 9600 Bd makes of a 1200 Bd signal: each bit of the line
# lasts eight of its bit times, so it reads runs of ones and zeros (and breaks).
_RUNS = bytes(
    [0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE, 0xFF, 0x7F, 0x3F, 0x1F, 0x0F, 0x07]
)


def _captured_garbage() -> bytes:
    """A standard (9600 Bd) meter read at 1200 Bd, as a user logged it."""
    try:
        lines = _GARBAGE_CAPTURE.read_text(
            encoding="utf-8", errors="replace"
        ).splitlines()
    except OSError:
        return bytes(range(0x21, 0x7F))
    chunks = [
        line.partition("[")[2].rstrip("]") for line in lines if "Corrupted data" in line
    ]
    return "".join(chunks).encode("ascii", errors="replace") or bytes(range(0x21, 0x7F))


_GARBAGE = _captured_garbage()


def wrong_rate(data: bytes, sent_in: LineMode, rng: random.Random) -> bytes:
    """What a receiver at the other baud rate gets for ``data`` sent in ``sent_in``.

    Standard (9600 Bd) read at 1200 Bd: eight sent characters per received
    one, whose bits are a mix of theirs: modelled by the garbage a user
    captured in exactly that situation (fmartinou/teleinfo2mqtt#24).
    Historic (1200 Bd) read at 9600 Bd: each sent character becomes about
    eight received bytes made of runs of ones and zeros.
    """
    if sent_in is LineMode.STANDARD:
        count = max(1, len(data) // 8)
        start = rng.randrange(len(_GARBAGE))
        return bytes(_GARBAGE[(start + i) % len(_GARBAGE)] for i in range(count))
    return bytes(rng.choice(_RUNS) for _ in range(len(data) * 8))


_SPEEDS = {getattr(termios, f"B{rate}"): rate for rate in (1200, 9600)}


class UartPty(PtyMeter):
    """A pty that knows the baud rate its reader configured, like a UART would."""

    def plug(self) -> None:
        super().plug()
        assert self._slave is not None
        self._pristine = termios.tcgetattr(self._slave)

    @property
    def baudrate(self) -> int | None:
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
