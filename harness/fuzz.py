"""Fuzz targets: the decoder and everything downstream of it must never raise.

Plain functions, so that ``tests/test_fuzz.py`` runs a few hundred inputs of
each on every ``scripts/test`` and ``benchmarks/fuzz.py`` (hypothesis) and
``benchmarks/fuzz_atheris.py`` run the same ones with 10⁶ inputs.

* `run_pipeline`: bytes, cut into chunks, with time passing between chunks →
  `TicDecoder` (with the overload callback) → `MeterReader` (what the
  coordinator runs: short-frame merge, two-frame confirmation, energy glitch
  filter) → `shedding.meter_view` →
  `SheddingPolicy.observe`/`evaluate`, checking the policy's invariants.
* `run_frame`: any `Frame` (known and unknown labels, any printable value) →
  `read_meter`, and the same downstream steps.
* `run_policy`: any sequence of meter views, silences, mode changes and
  clock jumps → `SheddingPolicy`, optionally resumed after a restart.
* `run_glitch_filter`: any sequence of index readings → `EnergyGlitchFilter`.

Streams are built from what a meter really sends (simulated historic and
standard Tempo frames, the real captures) and then mutated (bytes replaced,
inserted, deleted, truncated, duplicated), with raw random bytes mixed in.
The hypothesis strategies that draw their inputs are here too.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from hypothesis import strategies as st

from custom_components.linky_tempo.meter import (
    STALE_AFTER,
    Frame,
    Group,
    LineMode,
    LinkCounts,
    MeterReader,
    TariffPeriod,
    TempoColor,
    TicDecoder,
    decode_stge,
    parse_horodate,
    read_meter,
)
from custom_components.linky_tempo.meter.glitch_filter import (
    REBASE_AFTER,
    EnergyGlitchFilter,
)
from custom_components.linky_tempo.policy import (
    HeatingMode,
    MeterView,
    PolicySettings,
    SheddingPolicy,
)
from custom_components.linky_tempo.shedding import meter_view
from harness import CAPTURES_DIR
from tic_simulator.frames import CAPTURED_METER_ID
from tic_simulator.protocol import frame as _frame
from tic_simulator.protocol import historic_group as _historic
from tic_simulator.protocol import standard_group as _standard

LOADS = ("climate.office", "input_select.zone", "input_boolean.radiator")
START = datetime(2026, 1, 14, 5, 0, tzinfo=UTC)

# -- realistic material ---------------------------------------------------------


PTEC = ["HCJB", "HPJB", "HCJW", "HPJW", "HCJR", "HPJR", "TH..", "HC..", "HP..", "PM.."]
DEMAIN = ["BLEU", "BLAN", "ROUG", "----", "????"]


def historic_frame(rng: random.Random) -> bytes:
    """A historic Tempo/other frame with plausible, sometimes odd, values."""
    groups = [
        _historic("ADCO", CAPTURED_METER_ID),
        _historic("OPTARIF", rng.choice(["BBR(", "BASE", "HC..", "EJP.", "XXXX"])),
        _historic("ISOUSC", f"{rng.choice([0, 15, 30, 45, 90]):02d}"),
    ]
    for label in ("BBRHCJB", "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR"):
        if rng.random() < 0.9:
            groups.append(_historic(label, f"{rng.randrange(10**9):09d}"))
    groups.append(_historic("PTEC", rng.choice(PTEC)))
    groups.append(_historic("DEMAIN", rng.choice(DEMAIN)))
    if rng.random() < 0.3:
        phases = rng.choice([("IINST",), ("IINST1", "IINST2", "IINST3")])
        for label in phases:
            groups.append(_historic(label, f"{rng.randrange(200):03d}"))
    else:
        groups.append(_historic("IINST", f"{rng.randrange(200):03d}"))
    if rng.random() < 0.2:
        groups.append(_historic(rng.choice(["ADPS", "ADIR1", "ADIR2", "ADIR3"]), "045"))
    groups.append(_historic("PAPP", f"{rng.randrange(100000):05d}"))
    if rng.random() < 0.1:  # a three-phase short frame
        groups = [_historic("ADIR1", "061"), _historic("ADCO", CAPTURED_METER_ID)] + [
            _historic(f"IINST{p}", f"{rng.randrange(99):03d}") for p in (1, 2, 3)
        ]
    return _frame(groups)


def standard_frame(rng: random.Random) -> bytes:
    """A standard frame with random contract, index, STGE and values."""
    stamp = (
        rng.choice("HEhe ") + f"{rng.randrange(20, 30)}0114{rng.randrange(24):02d}0000"
    )
    groups = [
        _standard("ADSC", "041776199277"),
        _standard("VTIC", "02"),
        _standard("DATE", "", stamp),
        _standard(
            "NGTF",
            rng.choice(
                ["     TEMPO      ", "BASE", "H PLEINE/CREUSE ", "EJP", "PRODUCTEUR"]
            ),
        ),
        _standard(
            "LTARF",
            rng.choice(["   HC  BLANC    ", "    HP  BLEU    ", "INDEX NON CONSO "]),
        ),
        _standard("EAST", f"{rng.randrange(10**9):09d}"),
    ]
    for number in range(1, 11):
        if rng.random() < 0.9:
            groups.append(_standard(f"EASF{number:02d}", f"{rng.randrange(10**9):09d}"))
    for label in ("IRMS1", "URMS1", "IRMS2", "URMS2", "IRMS3", "URMS3"):
        if rng.random() < 0.6:
            groups.append(_standard(label, f"{rng.randrange(999):03d}"))
    for label in ("PREF", "PCOUP"):
        groups.append(_standard(label, f"{rng.randrange(100):02d}"))
    for label in ("SINSTS", "SINSTS1", "SINSTS2", "SINSTS3", "SINSTI", "EAIT"):
        if rng.random() < 0.5:
            groups.append(_standard(label, f"{rng.randrange(100000):05d}"))
    groups.append(_standard("SMAXSN", f"{rng.randrange(100000):05d}", stamp))
    groups.append(_standard("STGE", f"{rng.randrange(1 << 32):08X}"))
    groups.append(_standard("NTARF", f"{rng.randrange(12):02d}"))
    return _frame(groups)


def _captures() -> list[bytes]:
    names = (
        "esciara__pyteleinfo__captured_frames.bin",
        "lains__teleinfo-nom__assets__stream_standard_raw.txt",
        "lains__teleinfo-nom__assets__stream_legacy_raw.txt",
        "hekmon__linkytic__issue-9__EOT_instead_of_ETX.txt",
        "esphome__esphome__issue-17291__uart_trace_0x0F_separator.hex.txt",
    )
    found = []
    for name in names:
        path = CAPTURES_DIR / name
        if path.exists():
            found.append(path.read_bytes()[:6000])
    return found


CAPTURES = _captures()


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Apply a few random edits: replace, insert, delete, truncate, duplicate."""
    out = bytearray(data)
    for _ in range(rng.choice([0, 1, 1, 2, 3, 8])):
        if not out:
            break
        op = rng.randrange(6)
        at = rng.randrange(len(out))
        if op == 0:
            out[at] = rng.randrange(256)
        elif op == 1:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif op == 2:
            del out[at : at + rng.randrange(1, 16)]
        elif op == 3:
            del out[at:]
        elif op == 4:
            out[at:at] = out[at : at + rng.randrange(1, 64)]
        else:
            out[at] = rng.choice(b"\x02\x03\x04\n\r\t \x0f\x82\x8a")
    return bytes(out)


def random_stream(rng: random.Random) -> tuple[bytes, list[int], list[float]]:
    """A realistic stream (frames, captures, garbage, mutated), its cuts and times."""
    parts = []
    for _ in range(rng.randrange(1, 8)):
        kind = rng.random()
        if kind < 0.4:
            part = historic_frame(rng)
        elif kind < 0.7:
            part = standard_frame(rng)
        elif kind < 0.85 and CAPTURES:
            capture = rng.choice(CAPTURES)
            start = rng.randrange(len(capture))
            part = capture[start : start + rng.randrange(1, 2000)]
        else:
            part = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        parts.append(mutate(part, rng) if rng.random() < 0.5 else part)
    data = b"".join(parts)
    cuts = [rng.randrange(1, 300) for _ in range(rng.randrange(1, 10))]
    gaps = [rng.choice([0.0, 0.1, 1.5, 2.5, 11.0, 400.0, 3600.0]) for _ in cuts]
    return data, cuts, gaps


# -- the meter pipeline without Home Assistant -----------------------------------


class Pipeline:
    """bytes → decoder → the meter reader → the policy, on a fake clock.

    As `MeterCoordinator` wires them: every group and frame goes to the
    `MeterReader`, and what it publishes goes to the policy.
    """

    def __init__(self, mode: LineMode | None = None, mode_heat: bool = False) -> None:
        self.decoder = TicDecoder(mode, on_group=self._on_group)
        self.reader = MeterReader()
        self.policy = SheddingPolicy(list(LOADS), PolicySettings())
        self.mode = HeatingMode.HEAT if mode_heat else HeatingMode.AUTO
        self.mono = 1000.0
        self.local = START
        self.frames = 0

    def _on_group(self, group: Group, _mode: LineMode) -> None:
        if self.reader.read_group(group) is not None:
            # The shedding coordinator acts on the overload before the frame ends.
            self.observe()
            self.evaluate()

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.local += timedelta(seconds=seconds)

    def feed(self, chunk: bytes) -> None:
        for frame in self.decoder.feed(chunk):
            self.frames += 1
            self.on_frame(frame)
        self.evaluate()

    def on_frame(self, frame: Frame) -> None:
        counts = LinkCounts(self.decoder.frames, self.decoder.checksum_errors)
        # As the shedding coordinator: only what the meter published.
        if self.reader.read_frame(frame, self.mono, self.local, counts) is not None:
            self.observe()

    def observe(self) -> None:
        data = self.reader.data
        assert data is not None
        self.policy.observe(meter_view(data), self.mono, self.local)

    def evaluate(self, lost: bool | None = None) -> None:
        if lost is None:
            # As the meter coordinator: lost once no frame came for 10 s.
            last = self.policy.last_frame
            lost = last is None or self.mono - last > STALE_AFTER
        decision = self.policy.evaluate(self.mono, self.local, self.mode, lost=lost)
        assert set(decision.shed) <= set(LOADS)
        assert set(self.policy.overload_shed) <= set(LOADS)
        assert decision.next_check is None or decision.next_check > self.mono
        if not decision.data_lost and decision.period is TariffPeriod.HP_RED:
            assert decision.shed == LOADS
        if not decision.reasons:
            assert decision.shed == ()


def run_pipeline(
    data: bytes, cuts: list[int], gaps: list[float], mode: LineMode | None
) -> int:
    """Feed ``data`` cut at ``cuts`` with ``gaps`` seconds between chunks."""
    pipeline = Pipeline(mode)
    position = 0
    index = 0
    while position < len(data):
        size = cuts[index % len(cuts)]
        pipeline.feed(data[position : position + size])
        pipeline.advance(gaps[index % len(gaps)])
        position += size
        index += 1
    pipeline.evaluate()
    return pipeline.frames


def run_frame(frame: Frame) -> None:
    """Any frame through read_meter, the coordinator and the policy."""
    state = read_meter(frame)
    assert state.mode is frame.mode
    for text in (frame.values.get("STGE"), frame.values.get("DATE")):
        if text is not None:
            decode_stge(text)
            parse_horodate(text)
    pipeline = Pipeline(frame.mode)
    for _ in range(3):
        pipeline.on_frame(frame)
        pipeline.evaluate()
        pipeline.advance(2.0)


def run_policy(steps: list[tuple[Any, ...]], restored: list[str] | None = None) -> None:
    """Drive the policy with views, silences, mode changes and clock jumps."""
    pipeline = Pipeline()
    if restored is not None:
        pipeline.policy.restore_overload_state(restored, pipeline.mono)
    for step in steps:
        kind = step[0]
        if kind == "view":
            _, period, overload, power, subscribed, today, tomorrow = step
            pipeline.policy.observe(
                MeterView(period, overload, power, subscribed, today, tomorrow),
                pipeline.mono,
                pipeline.local,
            )
        elif kind == "mode":
            pipeline.mode = step[1]
        elif kind == "wait":
            pipeline.advance(step[1])
        pipeline.evaluate(lost=step[-1] if kind == "lost" else None)


def run_glitch_filter(readings: list[tuple[int, float, int | None]]) -> None:
    """Any readings: each output is the previous reading or the last published.

    Going backwards is allowed only as a rebase: the reading published was
    sent at least REBASE_AFTER seconds after a first reading below the last
    published value (with nothing published in between).
    """
    glitches = EnergyGlitchFilter()
    now = 0.0
    last: int | None = None
    previous: int | None = None
    previous_at = 0.0
    below_since: float | None = None
    for value, dt, power in readings:
        now += dt
        out = glitches.accept("index", value, now, power)
        # Nothing is published before a reading is confirmed by the next one.
        assert out in (previous, last)
        if out is not None and last is not None and out < last:
            assert below_since is not None
            assert previous_at - below_since >= REBASE_AFTER
        if out != last:
            last, below_since = out, None
        if last is not None and value < last and below_since is None:
            below_since = now
        previous, previous_at = value, now


# -- hypothesis strategies ---------------------------------------------------------

seeds = st.integers(0, 2**32 - 1)
modes = st.sampled_from([None, None, LineMode.HISTORIC, LineMode.STANDARD])
LABELS = [
    "ADCO", "OPTARIF", "ISOUSC", "BASE", "HCHC", "HCHP", "EJPHN", "EJPHPM",
    "BBRHCJB", "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR", "PEJP",
    "PTEC", "DEMAIN", "IINST", "IINST1", "IINST2", "IINST3", "ADPS", "IMAX",
    "ADIR1", "ADIR2", "ADIR3", "PAPP", "HHPHC", "MOTDETAT", "PMAX", "PPOT",
    "ADSC", "VTIC", "DATE", "NGTF", "LTARF", "EAST", "EASF01", "EASF02",
    "EASF03", "EASF04", "EASF05", "EASF06", "EASD01", "IRMS1", "IRMS2", "IRMS3",
    "URMS1", "URMS2", "URMS3", "PREF", "PCOUP", "SINSTS", "SINSTS1", "SINSTS2",
    "SINSTS3", "SMAXSN", "SMAXSN-1", "SINSTI", "EAIT", "STGE", "NTARF", "NJOURF",
    "NJOURF+1", "PJOURF+1", "MSG1", "RELAIS",
]  # fmt: skip
values = st.one_of(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20
    ),
    st.integers(0, 10**12).map(str),
    st.integers(0, 2**32 - 1).map(lambda n: f"{n:08X}"),
    st.sampled_from(PTEC + DEMAIN + ["     TEMPO      ", "BASE", "H PLEINE/CREUSE "]),
    st.sampled_from(["", " ", "-1", "1e5", "٣", "0x10", "H260114060000"]),
)
frames = st.builds(
    lambda mode, items: Frame(
        mode, MappingProxyType(dict(items)), MappingProxyType({}), 0
    ),
    st.sampled_from([LineMode.HISTORIC, LineMode.STANDARD]),
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(LABELS), st.text(min_size=1, max_size=8)), values
        ),
        max_size=30,
    ),
)
periods = st.one_of(st.none(), st.sampled_from(list(TariffPeriod)))
colors = st.one_of(st.none(), st.sampled_from(list(TempoColor)))
powers = st.one_of(st.none(), st.integers(0, 40000))
policy_steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("view"), periods, st.booleans(), powers,
            st.one_of(st.none(), st.sampled_from([0, 3000, 6000, 9000, 36000])),
            colors, colors,
        ),
        st.tuples(st.just("mode"), st.sampled_from(list(HeatingMode))),
        st.tuples(
            st.just("wait"),
            st.sampled_from([0.0, 0.5, 2.0, 5.0, 11.0, 61.0, 301.0, 901.0, 86400.0]),
        ),
        # The shedding coordinator passes lost=True (meter lost) or None.
        st.tuples(st.just("lost"), st.sampled_from([True, None])),
    ),
    max_size=40,
)  # fmt: skip
readings = st.lists(
    st.tuples(
        st.integers(0, 10**10),
        st.sampled_from([0.0, 0.5, 2.0, 60.0, 301.0, 3600.0]),
        st.one_of(st.none(), st.sampled_from([0, 3000, 6000, 36000])),
    ),
    max_size=40,
)


def pipeline_from_seed(seed: int, mode: LineMode | None) -> int:
    data, cuts, gaps = random_stream(random.Random(seed))
    return run_pipeline(data, cuts, gaps, mode)
