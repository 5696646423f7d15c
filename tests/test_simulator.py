"""The TIC simulator: byte-exact frames that the integration reads as the scenario says.

Every frame is checked with the integration's own decoder (no checksum error,
no malformed group) and reader (`read_meter`): tariff period, colours, power,
energy indexes, overloads. The served stream is read through the
integration's real link (`probe`: serialx on a socket and on a pty).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.linky_tempo.meter import (
    Frame,
    LineMode,
    MeterState,
    TariffPeriod,
    TempoColor,
    TicDecoder,
    checksum,
    group_signals_overload,
    read_meter,
)
from custom_components.linky_tempo.meter.link import probe
from tests.conftest import CAPTURES_DIR, REPO_ROOT
from tic_simulator import (
    PARIS,
    SCENARIOS,
    LineNoise,
    Mode,
    SimClock,
    SimulatedMeter,
    TicServer,
    build_meter,
    protocol,
)
from tic_simulator.scripted import ScriptedMeter
from tic_simulator.tempo import Colour, TempoCalendar

MODES = [(Mode.HISTORIC, 1), (Mode.HISTORIC, 3), (Mode.STANDARD, 1), (Mode.STANDARD, 3)]
PERIODS = {
    "HCJB": TariffPeriod.HC_BLUE,
    "HPJB": TariffPeriod.HP_BLUE,
    "HCJW": TariffPeriod.HC_WHITE,
    "HPJW": TariffPeriod.HP_WHITE,
    "HCJR": TariffPeriod.HC_RED,
    "HPJR": TariffPeriod.HP_RED,
}
COLOURS = {"BLUE": TempoColor.BLUE, "WHITE": TempoColor.WHITE, "RED": TempoColor.RED}


def decode(data: bytes, mode: LineMode | None = None) -> tuple[list[Frame], TicDecoder]:
    decoder = TicDecoder(mode)
    return decoder.feed(data), decoder


def run(meter: SimulatedMeter, count: int, step: float = 2.0) -> list[bytes]:
    """The next ``count`` frames, ``step`` simulated seconds apart."""
    frames = []
    for _ in range(count):
        frames.append(meter.frame())
        meter.advance(meter.now + timedelta(seconds=step))
    return frames


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, second, tzinfo=PARIS)


def state_of(meter: SimulatedMeter) -> MeterState:
    """What the integration reads in the meter's next (long) frame."""
    frames, decoder = decode(meter.frame())
    assert len(frames) == 1
    assert decoder.checksum_errors == decoder.malformed_groups == 0
    return read_meter(frames[0])


# -- link layer ---------------------------------------------------------------


@given(st.binary(max_size=200))
def test_checksum_is_the_decoders(zone: bytes) -> None:
    assert protocol.checksum(zone) == checksum(zone)


def test_groups_are_byte_exact() -> None:
    """The worked examples of the protocol notes."""
    assert protocol.historic_group("ADCO", "012345678910") == b"\nADCO 012345678910 E\r"
    assert protocol.historic_group("PTEC", "HP..") == b"\nPTEC HP..  \r"
    assert protocol.standard_group("EAST", "003519702") == b"\nEAST\t003519702\t*\r"
    assert (
        protocol.standard_group("DATE", "", "E210414082625")
        == b"\nDATE\tE210414082625\t\tA\r"
    )
    assert (
        protocol.standard_group("SMAXSN", "02636", "E210414070239")
        == b"\nSMAXSN\tE210414070239\t02636\t<\r"
    )
    assert protocol.frame([b"\nA\r"]) == b"\x02\nA\r\x03"


def test_horodate_season() -> None:
    assert protocol.horodate(at(15, 10, 0, 5)) == "H260115100005"
    summer = datetime(2026, 7, 14, 7, 45, 53, tzinfo=PARIS)
    assert protocol.horodate(summer) == "E260714074553"
    assert protocol.horodate_no_season(at(15, 6)) == " 260115060000"


# -- frames -------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "phases"), MODES)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_frame_is_valid(mode: Mode, phases: int, scenario: str) -> None:
    """Ten simulated minutes of each scenario: no group the decoder rejects."""
    meter = build_meter(scenario, mode=mode, phases=phases)
    data = b"".join(run(meter, 300))
    frames, decoder = decode(data)
    assert len(frames) == 300
    assert decoder.checksum_errors == 0
    assert decoder.malformed_groups == 0
    assert decoder.truncated_groups == 0
    expected = LineMode.STANDARD if mode is Mode.STANDARD else LineMode.HISTORIC
    assert {frame.mode for frame in frames} == {expected}
    assert {frame.rejected_groups for frame in frames} == {0}


def labels(frame: bytes) -> list[str]:
    return [
        group.split(b" " if b"\t" not in group else b"\t")[0].decode()
        for group in frame.strip(b"\x02\x03").split(b"\r")
        if group.strip(b"\n")
    ]


def test_historic_frame_is_a_real_linkys() -> None:
    """Same labels, same order, same lengths as a captured Linky Tempo frame."""
    capture = (CAPTURES_DIR / "esciara__pyteleinfo__captured_frames.bin").read_bytes()
    real = capture[capture.index(b"\x02") : capture.index(b"\x03") + 1]
    simulated = build_meter("white").frame()
    assert labels(simulated) == labels(real)
    real_values = decode(real)[0][0].values
    simulated_values = decode(simulated)[0][0].values
    assert {k: len(v) for k, v in simulated_values.items()} == {
        k: len(v) for k, v in real_values.items()
    }


def test_standard_three_phase_frame_follows_a_real_linky() -> None:
    """The labels of a captured three-phase Tempo frame, in the same order."""
    capture = (
        CAPTURES_DIR / "lains__teleinfo-nom__assets__stream_standard_raw.txt"
    ).read_bytes()
    frames, _ = decode(capture)
    real = max(frames, key=lambda frame: len(frame.values))
    meter = build_meter("evening", mode=Mode.STANDARD, phases=3)
    meter.advance(at(15, 20, 30))
    simulated = decode(meter.frame())[0][0]
    common = [label for label in real.values if label in simulated.values]
    assert common == [label for label in simulated.values if label in real.values]
    assert len(common) >= len(real.values) - 1
    for label, value in real.values.items():
        if label in simulated.values:
            assert len(simulated.values[label]) == len(value), label
    assert set(simulated.timestamps) >= {"DATE", "SMAXSN", "SMAXSN1", "UMOY1"}


# -- what the integration reads ------------------------------------------------


@pytest.mark.parametrize(("mode", "phases"), MODES)
def test_reading_follows_the_meter(mode: Mode, phases: int) -> None:
    meter = build_meter("white", mode=mode, phases=phases)
    meter.advance(meter.now + timedelta(minutes=7))
    reading = meter.read()
    state = state_of(meter)
    assert state.meter_id == meter.config.meter_id
    assert state.period is TariffPeriod.HP_WHITE
    assert state.today is TempoColor.WHITE
    assert state.tomorrow is TempoColor.UNKNOWN
    assert state.three_phase is (phases == 3)
    assert state.apparent_power == reading.apparent_power
    assert state.subscribed_power == meter.config.kva * 1000
    assert not state.overload
    periods = list(PERIODS.values())
    assert state.energy == dict(zip(periods, meter.indexes(), strict=True))
    assert state.energy_total == sum(meter.indexes())
    if phases == 3:
        assert state.currents == reading.currents
    if mode is Mode.STANDARD:
        assert state.status is not None
        assert state.status.supplier_index == 4
        assert state.status.standard_mode
        assert state.voltage == reading.voltages[0]
        assert state.tariff_label == "HP  BLANC"


@pytest.mark.parametrize(("mode", "phases"), MODES)
@pytest.mark.parametrize(
    ("scenario", "before", "after"),
    [
        # 06:00: the night of a blue day ends, a white day starts; tomorrow's
        # colour (known since 20:00) is unknown again.
        ("morning", ("HCJB", "BLUE", "WHITE"), ("HPJW", "WHITE", None)),
        # 20:00: tomorrow's colour appears.
        ("evening", ("HPJW", "WHITE", None), ("HPJW", "WHITE", "RED")),
        # 22:00: the peak ends; the night still belongs to the red day.
        ("night", ("HPJR", "RED", "BLUE"), ("HCJR", "RED", "BLUE")),
    ],
)
def test_transitions(
    mode: Mode,
    phases: int,
    scenario: str,
    before: tuple[str, str, str | None],
    after: tuple[str, str, str | None],
) -> None:
    meter = build_meter(scenario, mode=mode, phases=phases)
    start = meter.now
    boundary = start.replace(minute=0) + timedelta(hours=1)
    meter.advance(boundary - timedelta(seconds=2))
    first = state_of(meter)
    meter.advance(boundary + timedelta(seconds=1))
    second = state_of(meter)
    for state, (period, today, tomorrow) in ((first, before), (second, after)):
        assert state.period is PERIODS[period]
        assert state.today is COLOURS[today]
        assert state.tomorrow is (COLOURS[tomorrow] if tomorrow else TempoColor.UNKNOWN)
        if mode is Mode.STANDARD:
            assert state.status is not None
            assert state.status.supplier_index == list(PERIODS).index(period) + 1


def test_standard_status_and_peaks() -> None:
    """STGE colours, NTARF = STGE index, RELAIS = NOT STGE bit 0, mobile peaks."""
    meter = build_meter("evening", mode=Mode.STANDARD)
    meter.advance(at(15, 21))
    frame = decode(meter.frame())[0][0]
    status = read_meter(frame).status
    assert status is not None
    assert (status.today, status.tomorrow) == (TempoColor.WHITE, TempoColor.RED)
    assert status.peak_active == 1
    assert status.peak_notice == 2
    assert int(frame.values["NTARF"]) == status.supplier_index == 4
    assert int(frame.values["RELAIS"]) == (not status.dry_contact_open)
    assert frame.timestamps["DPM1"] == " 260115060000"
    assert frame.timestamps["FPM1"] == " 260116060000"
    assert frame.values["PPOINTE"].startswith("00004005 06004006 22004005 ")
    assert len(frame.values["PJOURF+1"]) == len(frame.values["PPOINTE"]) == 98
    assert frame.timestamps["DATE"] == "H260115210000"
    meter.advance(at(15, 22, 30))
    status = read_meter(decode(meter.frame())[0][0]).status
    assert status is not None
    assert status.supplier_index == 3
    assert not status.dry_contact_open  # the off-peak contact is closed


# -- energy -------------------------------------------------------------------


def test_energy_goes_to_the_period_in_force() -> None:
    """Across 22:00, peak energy stops growing and off-peak energy starts."""
    meter = build_meter("night")
    start = meter.indexes()
    meter.advance(at(16, 22))
    at_ten = meter.indexes()
    meter.advance(at(16, 23))
    at_eleven = meter.indexes()
    hc_red, hp_red = 4, 5
    for index in range(6):
        if index not in (hc_red, hp_red):
            assert start[index] == at_ten[index] == at_eleven[index]
    assert at_ten[hp_red] > start[hp_red]
    assert at_ten[hc_red] == start[hc_red]
    assert at_eleven[hp_red] == at_ten[hp_red]
    # About an hour of the house's power (the water heater starts at 22:00).
    hour = at_eleven[hc_red] - at_ten[hc_red]
    samples = [
        meter.read(at(16, 22) + timedelta(seconds=second)).apparent_power
        for second in range(5, 3600, 10)
    ]
    expected = sum(samples) / len(samples) * 0.96
    assert hour == pytest.approx(expected, rel=0.03)


def test_same_time_same_meter_whatever_the_pace() -> None:
    """A frame depends on the simulated time, not on how the time was reached."""
    slow = build_meter("white")
    fast = build_meter("white")
    start = slow.indexes()
    for _ in range(900):
        slow.advance(slow.now + timedelta(seconds=2))
    fast.advance(fast.now + timedelta(minutes=30))
    assert slow.now == fast.now
    assert slow.read() == fast.read()
    # Energy is integrated over different slices: close, not equal.
    for before, a, b in zip(start, slow.indexes(), fast.indexes(), strict=True):
        assert a - before == pytest.approx(b - before, rel=0.01, abs=1)


# -- overloads ----------------------------------------------------------------


def overload_frames(mode: Mode, phases: int) -> list[MeterState]:
    meter = build_meter("overload", mode=mode, phases=phases)
    frames, decoder = decode(b"".join(run(meter, 150)))  # 5 simulated minutes
    assert decoder.checksum_errors == 0
    return [read_meter(frame) for frame in frames]


def test_overload_historic_single_phase() -> None:
    states = overload_frames(Mode.HISTORIC, 1)
    overloaded = [state for state in states if state.overload]
    assert 0 < len(overloaded) < len(states)
    for state in overloaded:
        assert state.current is not None
        assert state.overload_current == state.current > 45  # ISOUSC 45 A
        assert state.apparent_power is not None
        assert state.apparent_power > 9000
    decoder = TicDecoder()
    groups: list[str] = []
    decoder = TicDecoder(
        on_group=lambda group, _mode: groups.append(group.label)
        if group_signals_overload(group)
        else None
    )
    meter = build_meter("overload")
    decoder.feed(b"".join(run(meter, 150)))
    assert set(groups) == {"ADPS"}


def test_overload_historic_three_phase_short_frames() -> None:
    """20 short frames (ADIRx, ADCO, IINSTx), then a long one, while overloaded."""
    states = overload_frames(Mode.HISTORIC, 3)
    short = [state for state in states if state.short_frame]
    assert short
    # ADIR1 while phase 1 is overloaded; short frames go on for a minute after.
    assert {state.overload_phases for state in short} == {(1,), ()}
    assert all(state.overload == bool(state.overload_phases) for state in short)
    assert all(state.period is None and not state.energy for state in short)
    first = next(i for i, state in enumerate(states) if state.short_frame)
    assert all(state.short_frame for state in states[first : first + 20])
    assert not states[first + 20].short_frame
    assert states[first + 20].period is TariffPeriod.HP_BLUE


@pytest.mark.parametrize("phases", [1, 3])
def test_overload_standard(phases: int) -> None:
    states = overload_frames(Mode.STANDARD, phases)
    overloaded = [state for state in states if state.overload]
    assert 0 < len(overloaded) < len(states)
    for state in overloaded:
        assert state.status is not None
        assert state.status.overload
        assert state.apparent_power is not None
        assert state.subscribed_power is not None
        assert state.apparent_power > state.subscribed_power


# -- line noise ---------------------------------------------------------------


@pytest.mark.parametrize("mode", [Mode.HISTORIC, Mode.STANDARD])
def test_noise_is_caught_never_misread(mode: Mode) -> None:
    """Corrupted groups are rejected; whatever is decoded is what the meter sent."""
    meter = build_meter("noise", mode=mode)
    noise = LineNoise(0.05, seed=7)
    clean = run(meter, 200)
    decoder = TicDecoder()
    decoded = 0
    for frame in clean:
        noisy = noise.apply(frame, historic=mode is Mode.HISTORIC)
        sent = decode(frame)[0][0]
        for received in decoder.feed(noisy):
            decoded += 1
            for label, value in received.values.items():
                assert sent.values[label] == value
    assert noise.corrupted_groups > 50
    assert noise.cut_frames > 0
    rejected = decoder.checksum_errors + decoder.malformed_groups
    assert rejected + decoder.truncated_groups > 50
    assert decoded > 150


# -- serving ------------------------------------------------------------------


def test_accelerated_clock() -> None:
    clock = SimClock(at(15, 10), speed=3600)
    first = clock.now()
    assert first.tzinfo is not None
    assert at(15, 10) <= first < at(15, 10, 1)
    later = clock.now()
    assert later >= first


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("mode", ["historic", "standard"])
async def test_served_on_a_socket(mode: str) -> None:
    """The integration's probe (serialx on socket://) finds the meter."""
    meter = build_meter("white", mode=mode, phases=3)
    async with TicServer(meter, SimClock(meter.now, speed=60), line_rate=10) as server:
        assert server.url.startswith("socket://127.0.0.1:")
        result = await probe(server.url, None, listen_for=10)
    state = read_meter(result.frame)
    assert result.mode is (
        LineMode.STANDARD if mode == "standard" else LineMode.HISTORIC
    )
    assert state.meter_id == meter.config.meter_id
    assert state.period is TariffPeriod.HP_WHITE


async def test_served_on_a_pty(tmp_path) -> None:
    """A serial port behind a stable symlink, like /dev/serial/by-id/…."""
    link = tmp_path / "ttyTIC"
    meter = build_meter("red", phases=1)
    server = TicServer(
        meter, SimClock(meter.now), port=None, pty_path=link, line_rate=10
    )
    async with server:
        assert link.is_symlink()
        assert str(link.resolve()).startswith("/dev/pts/")
        result = await probe(str(link), LineMode.HISTORIC, listen_for=10)
        assert read_meter(result.frame).period is TariffPeriod.HP_RED
    assert not link.exists()
    assert not link.is_symlink()


@pytest.mark.usefixtures("socket_enabled")
async def test_line_pace_and_several_clients() -> None:
    """Bytes leave at about 120 per second in historic mode, to every client."""
    meter = build_meter("white")
    async with TicServer(meter, SimClock(meter.now)) as server:
        # Keep the writers: a collected StreamWriter closes its connection.
        clients = [
            await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)
        ]
        readers = [reader for reader, _writer in clients]
        received = [b"", b""]
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.5
        while loop.time() < end:
            for index, reader in enumerate(readers):
                try:
                    async with asyncio.timeout(0.05):
                        received[index] += await reader.read(4096)
                except TimeoutError:
                    pass
    for data in received:
        assert 100 <= len(data) <= 260  # 180 bytes in 1.5 s at 1200 Bd


# -- command line -------------------------------------------------------------


def simulator(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tic_simulator", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=60,
        check=True,
    )


def test_cli_dump() -> None:
    output = simulator(
        "--dump", "3", "--mode", "standard", "--phases", "3", "--colours", "red,white"
    ).stdout
    frames, decoder = decode(output)
    assert len(frames) == 3
    assert decoder.checksum_errors == 0
    state = read_meter(frames[0])
    assert state.period is TariffPeriod.HP_RED
    assert state.three_phase


def test_cli_start_and_speed() -> None:
    output = simulator(
        "--dump", "2", "--start", "2026-01-15T21:59:59", "--speed", "60"
    ).stdout
    first, second = (read_meter(frame) for frame in decode(output)[0])
    assert first.period is TariffPeriod.HP_WHITE
    assert second.period is TariffPeriod.HC_WHITE  # 1.5 simulated minutes later


def test_cli_serves_and_stops(tmp_path) -> None:
    ready = tmp_path / "ready.json"
    result = simulator(
        "--duration",
        "1",
        "--status",
        "0.5",
        "--ready-file",
        str(ready),
        "--pty",
        str(tmp_path / "tty"),
    )
    info = json.loads(ready.read_text())
    assert info["url"].startswith("socket://127.0.0.1:")
    assert info["pty"] == str(tmp_path / "tty")
    assert b"HPJW (today white, tomorrow ----)" in result.stdout
    assert not (tmp_path / "tty").is_symlink()


def test_cli_help_lists_the_scenarios() -> None:
    output = simulator("--help").stdout.decode()
    for name in SCENARIOS:
        assert name in output


@pytest.mark.parametrize("mode", [Mode.HISTORIC, Mode.STANDARD])
def test_scripted_meter_frames_say_what_it_expects(mode: Mode) -> None:
    """The scripted meter of the fault tests: its frames decode to `expected`."""
    calendar = TempoCalendar(
        overrides={
            datetime(2026, 1, 14).date(): Colour.WHITE,
            datetime(2026, 1, 15).date(): Colour.RED,
        }
    )
    meter = ScriptedMeter(calendar, mode=mode, power=7360)
    for hour, minute, tomorrow in (
        (10, 0, TempoColor.UNKNOWN),
        (19, 59, TempoColor.UNKNOWN),
        (20, 0, TempoColor.RED),
        (23, 0, TempoColor.RED),
    ):
        local = datetime(2026, 1, 14, hour, minute, tzinfo=PARIS)
        meter.advance(local, 60)
        (frame,), _ = decode(meter.frame(local), LineMode(mode))
        state = read_meter(frame)
        expected = meter.expected(local)
        assert state.period == expected["period"]
        assert state.today == expected["today"] == TempoColor.WHITE
        assert state.tomorrow == expected["tomorrow"] == tomorrow
        assert state.apparent_power == expected["power"] == 7360
        assert state.overload is meter.overload is True
        assert dict(state.energy) == expected["energy"]
