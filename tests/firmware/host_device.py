"""The firmware built for ESPHome's `host` platform, run as a Linux program.

`build_host_program` compiles a host variant through `scripts/check-firmware`
(the very command the test suite's firmware check runs), and `HostDevice` runs
the program: its two UARTs read two ptys behind symlinks, fed the same meter
bytes by `MeterLine`; its API listens on a free port; its preferences go to a
temporary folder. The host's GPIOs only log their writes ("Setting pin 25 to
HIGH"): `HostDevice` follows them, so tests read the pilot wires' half-waves.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import termios
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO_ROOT

FIRMWARE = REPO_ROOT / "firmware" / "esphome"
CHECK_FIRMWARE = REPO_ROOT / "scripts" / "check-firmware"
# A clean build takes about 40 s alone, several minutes on two busy cores.
BUILD_TIMEOUT = 1200
SKIP_REASON = 'LINKY_TEMPO_SKIP contains "firmware"'

_COMPILED = re.compile(r"^ok +(\S+) compiled in \d+s: (\S+)$", re.MULTILINE)
_PIN = re.compile(r"Setting pin (\d+) to (HIGH|LOW)")
# The host logger colours its lines: strip the escapes before matching.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Pins of firmware/esphome/linky-tempo.yaml: zone -> (positive, negative).
ZONE_PINS = {1: (25, 26), 2: (32, 33), 3: (18, 19), 4: (21, 22)}
# Half-waves per option (pilot-wire-zone.yaml): (positive, negative) outputs.
HALF_WAVES = {
    "comfort": (False, False),
    "eco": (True, True),
    "frost_protection": (False, True),
    "off": (True, False),
}
HOST_MAC = "98:35:69:ab:f6:79"  # ESPHome's host platform default


def firmware_skipped() -> bool:
    return "firmware" in os.environ.get("LINKY_TEMPO_SKIP", "").split()


def run_check_firmware(
    *configs: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run scripts/check-firmware on these configurations, its output captured.

    No stdin: under pytest-xdist, a worker's stdin is its channel.
    """
    return subprocess.run(
        [str(CHECK_FIRMWARE), *map(str, configs)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
        cwd=REPO_ROOT,
        env=env,
    )


def build_host_program(*configs: Path) -> dict[str, Path]:
    """Compile host configurations with scripts/check-firmware; name -> program."""
    result = run_check_firmware(*configs)
    if result.returncode != 0:
        raise AssertionError(
            f"scripts/check-firmware failed:\n{result.stdout}\n{result.stderr[-4000:]}"
        )
    return {
        Path(name).stem: Path(program)
        for name, program in _COMPILED.findall(result.stdout)
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PtyLine:
    """One pty behind a symlink: the meter's line into one UART.

    Writes never wait nor loop: what does not fit in the pty's buffer (its
    reader has stopped) is dropped, as on a real line.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dropped = 0
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master: int | None = master
        self._slave: int | None = slave
        path.symlink_to(os.ttyname(slave))

    def write(self, data: bytes) -> None:
        if self._master is None:
            return
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0
        self.dropped += len(data) - written

    def unread(self) -> int:
        """Bytes written to the line that its reader has not read yet."""
        if self._slave is None:
            return 0
        count = fcntl.ioctl(self._slave, termios.FIONREAD, b"\0\0\0\0")
        return int.from_bytes(count, sys.byteorder)

    def close(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# Historic TIC: 1200 Bd, 7E1 (10 bits a character): 120 bytes a second.
LINE_BYTES_PER_SECOND = 1200 / 10


class MeterLine:
    """The meter's line to both UARTs of the device (bridge and local copy)."""

    def __init__(self, directory: Path) -> None:
        self.proxy = PtyLine(directory / "tic")
        self.local = PtyLine(directory / "tic-local")
        self.frame = b""
        # About a frame per second: a 1200 Bd line carries 120 bytes a second,
        # a historic frame is ~300 bytes; faster would overrun the UART buffers.
        self.period = 1.0
        self._task: asyncio.Task[None] | None = None

    def write(self, data: bytes) -> None:
        self.proxy.write(data)
        self.local.write(data)

    async def write_paced(
        self, data: bytes, rate: float = LINE_BYTES_PER_SECOND
    ) -> float:
        """Write `data` byte by byte at the line's pace, as a real TIC line does.

        Returns the time.monotonic() right after the last byte was written.
        Late bytes (a busy machine) are written as soon as they are due.
        """
        begin = time.monotonic()
        for index in range(len(data)):
            delay = begin + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.write(data[index : index + 1])
        return time.monotonic()

    async def _run(self) -> None:
        while True:
            if self.frame:
                self.write(self.frame)
            await asyncio.sleep(self.period)

    def start(self, frame: bytes) -> None:
        """Send `frame` again and again (change `frame` to change the meter)."""
        self.frame = frame
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def close(self) -> None:
        await self.stop()
        self.proxy.close()
        self.local.close()


@dataclass
class PinWrite:
    pin: int
    high: bool
    at: float  # time.monotonic()


@dataclass
class HostDevice:
    """The firmware program running, its log followed line by line."""

    program: Path
    directory: Path
    api_port: int = field(default_factory=free_port)
    lines: list[str] = field(default_factory=list)
    writes: list[PinWrite] = field(default_factory=list)
    pins: dict[int, bool] = field(default_factory=dict)
    meter: MeterLine | None = None
    _process: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self.meter = MeterLine(self.directory)
        prefs = self.directory / "prefs"
        prefs.mkdir(exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.directory),
            "ESPHOME_PREFDIR": str(prefs),
            "LINKY_TEMPO_API_PORT": str(self.api_port),
            "LINKY_TEMPO_TIC_PORT": str(self.meter.proxy.path),
            "LINKY_TEMPO_TIC_LOCAL_PORT": str(self.meter.local.path),
        }
        self._process = await asyncio.create_subprocess_exec(
            str(self.program),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            env=env,
            cwd=self.directory,
            start_new_session=True,
        )
        self._reader = asyncio.create_task(self._read())
        await self.wait_log("Setting pin 26 to HIGH", within=30)
        await self.wait_api()

    async def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        while raw := await self._process.stdout.readline():
            line = _ANSI.sub("", raw.decode(errors="replace")).rstrip()
            self.lines.append(line)
            if match := _PIN.search(line):
                pin, high = int(match[1]), match[2] == "HIGH"
                self.pins[pin] = high
                self.writes.append(PinWrite(pin, high, time.monotonic()))
            self._changed.set()
        self._changed.set()

    async def _wait(self, check: object, within: float, what: str) -> None:
        assert callable(check)
        try:
            async with asyncio.timeout(within):
                while not check():
                    self._changed.clear()
                    if self._reader is not None and self._reader.done():
                        raise AssertionError(f"the firmware exited: {self.tail()}")
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(0.5):
                            await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"{what} not seen within {within} s; log:\n{self.tail()}"
            ) from None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the firmware program has used so far."""
        assert self._process is not None
        stat = Path(f"/proc/{self._process.pid}/stat").read_text()
        # Fields after the command name (which may hold spaces): utime and
        # stime are the 14th and 15th of the line.
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, count: int = 400) -> str:
        return "\n".join(self.lines[-count:])

    async def wait_log(self, text: str, within: float = 20, since: int = 0) -> int:
        """Wait for a log line containing `text`; return the index after it."""
        found: list[int] = []

        def seen() -> bool:
            for index in range(since, len(self.lines)):
                if text in self.lines[index]:
                    found.append(index + 1)
                    return True
            return False

        await self._wait(seen, within, repr(text))
        return found[0]

    async def wait_write(
        self, pin: int, *, high: bool, after: float, within: float = 10
    ) -> PinWrite:
        """The first write of `pin` to `high` read at or after `after`."""
        found: list[PinWrite] = []

        def seen() -> bool:
            for write in reversed(self.writes):
                if write.at < after:
                    break
                if write.pin == pin and write.high == high:
                    found.append(write)
            return bool(found)

        await self._wait(seen, within, f"pin {pin} {'HIGH' if high else 'LOW'}")
        return found[-1]

    def zone_option(self, zone: int) -> str | None:
        """The option a zone's two outputs show, or None when not both known."""
        positive, negative = ZONE_PINS[zone]
        if positive not in self.pins or negative not in self.pins:
            return None
        wanted = (self.pins[positive], self.pins[negative])
        return next(o for o, waves in HALF_WAVES.items() if waves == wanted)

    async def wait_zone(self, zone: int, option: str, within: float = 20) -> None:
        await self._wait(
            lambda: self.zone_option(zone) == option,
            within,
            f"zone {zone} pins in {option}",
        )

    async def wait_zones(
        self, option: str, zones: tuple[int, ...] = (1, 2, 3, 4), within: float = 20
    ) -> None:
        for zone in zones:
            await self.wait_zone(zone, option, within)

    async def wait_api(self, within: float = 20) -> None:
        async with asyncio.timeout(within):
            while True:
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection(
                        "127.0.0.1", self.api_port
                    )
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
                    return
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await self._process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self.meter is not None:
            await self.meter.close()
