"""Property tests: robustness, chunking invariance and checksum protection."""

from __future__ import annotations

from types import MappingProxyType

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from custom_components.linky_tempo.meter import (
    Frame,
    Group,
    LineMode,
    MeterState,
    TicDecoder,
    read_meter,
)
from tests.meter.support import (
    CR,
    ETX,
    LF,
    STX,
    ReferenceDecoder,
    counters,
    feed_in_chunks,
    frame,
    historic,
    standard,
)

HISTORIC_LABELS = [
    "ADCO",
    "OPTARIF",
    "ISOUSC",
    "BASE",
    "PTEC",
    "DEMAIN",
    "IINST",
    "ADPS",
    "PAPP",
]
OTHER_LABELS = [
    "VTIC",
    "NGTF",
    "LTARF",
    "EAST",
    "STGE",
    "MSG1",
    "NJOURF+1",
    "SMAXSN-1",
    "TENSION",
]
hist_values = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12
)
std_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40
)
stamps = st.builds(
    lambda season, digits: season + digits,
    st.sampled_from(" HEhe"),
    st.text(alphabet="0123456789", min_size=12, max_size=12),
)
labels = st.sampled_from(HISTORIC_LABELS + OTHER_LABELS)

historic_bodies = st.builds(historic, labels, hist_values)
method2_bodies = st.builds(
    lambda la, va: historic(la, va, method=2), labels, hist_values
)
ht_historic_bodies = st.builds(
    lambda la, va: historic(la, va, sep="\t"), labels, std_values
)
standard_bodies = st.builds(standard, labels, std_values)
stamped_bodies = st.builds(standard, labels, std_values, stamps)
valid_bodies = st.one_of(
    historic_bodies, method2_bodies, ht_historic_bodies, standard_bodies, stamped_bodies
)


@st.composite
def corrupted_bodies(draw: st.DrawFn) -> bytes:
    """A valid body with one byte replaced by any byte."""
    body = bytearray(draw(valid_bodies))
    body[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
    return bytes(body)


GROUPS_BLOB = b"".join(LF + historic("PAPP", f"{i:05d}") + CR for i in range(200))
tokens = st.one_of(
    valid_bodies.map(lambda body: LF + body + CR),
    corrupted_bodies().map(lambda body: LF + body + CR),
    valid_bodies.map(lambda body: b"\x0f" + body + CR),  # mangled LF
    valid_bodies.map(lambda body: body + CR),  # lost LF
    st.sampled_from(
        [STX, ETX, b"\x04", LF, CR, b"\x0f", b"C", b"\t", b" ", b"\x83", b"\x8a"]
    ),
    st.binary(max_size=6),
    st.just(LF + b"A" * 600 + CR),  # oversized group
    st.just(GROUPS_BLOB),  # 200 groups: frames longer than MAX_FRAME_BYTES
)
streams = st.lists(tokens, max_size=60).map(b"".join)
chunkings = st.lists(st.integers(1, 97), min_size=1, max_size=12)
modes = st.sampled_from([None, None, LineMode.HISTORIC, LineMode.STANDARD])


def _frames_view(frames: list[Frame]) -> list[tuple[object, ...]]:
    return [
        (f.mode, list(f.values.items()), list(f.timestamps.items()), f.rejected_groups)
        for f in frames
    ]


@settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(streams, chunkings, modes)
def test_decoder_matches_the_byte_by_byte_reference(
    stream: bytes, chunks: list[int], mode: LineMode | None
) -> None:
    """Frames, counters, reported groups and mode equal the naive reference."""
    reported: list[tuple[Group, LineMode]] = []
    decoder = TicDecoder(mode, on_group=lambda group, m: reported.append((group, m)))
    frames = feed_in_chunks(decoder, stream, chunks)
    reference = ReferenceDecoder(mode)
    expected = reference.feed(stream)
    assert _frames_view(frames) == _frames_view(expected)
    assert counters(decoder) == counters(reference)
    assert reported == reference.reported
    assert decoder.mode == reference.mode


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000), chunkings, modes)
def test_random_bytes_never_raise(
    data: bytes, chunks: list[int], mode: LineMode | None
) -> None:
    """Any input is accepted; every returned frame is complete and non-empty."""
    decoder = TicDecoder(mode)
    frames = feed_in_chunks(decoder, data, chunks)
    assert decoder.frames == len(frames)
    assert all(f.values for f in frames)
    assert sum(counters(decoder).values()) >= 0
    for f in frames:
        assert isinstance(read_meter(f), MeterState)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), chunkings, st.sampled_from(["historic", "standard"]))
def test_valid_frame_survives_any_garbage_prefix_and_chunking(
    garbage: bytes, chunks: list[int], kind: str
) -> None:
    """Whatever precedes it, a clean frame is decoded exactly."""
    if kind == "historic":
        bodies = [
            historic("ADCO", "021861348497"),
            historic("PTEC", "HCJB"),
            historic("PAPP", "02830"),
        ]
        expected = {"ADCO": "021861348497", "PTEC": "HCJB", "PAPP": "02830"}
    else:
        bodies = [
            standard("ADSC", "021861348497"),
            standard("DATE", "", "E210414082625"),
        ]
        expected = {"ADSC": "021861348497", "DATE": ""}
    decoder = TicDecoder()
    frames = feed_in_chunks(decoder, garbage + frame(*bodies), chunks)
    assert frames, "the clean frame was lost"
    assert dict(frames[-1].values) == expected
    assert frames[-1].rejected_groups == 0
    assert frames[-1].mode == LineMode(kind)


def _replacements(original: int) -> st.SearchStrategy[int]:
    """Printable bytes whose value differs from ``original`` by a non-multiple of 64."""
    return st.integers(0x20, 0x7E).filter(lambda b: (b - original) % 64 != 0)


@st.composite
def corrupted_frames(draw: st.DrawFn) -> tuple[list[bytes], int, bytes]:
    """A frame's bodies, the index of a group to corrupt and its corrupted body."""
    if draw(st.booleans()):
        first = historic("ADCO", "021861348497")
        rest = draw(st.lists(historic_bodies, min_size=2, max_size=6))
    else:
        first = standard("ADSC", "021861348497")
        # Standard frames never carry historic labels (no label is in both modes).
        standard_labels = st.sampled_from(OTHER_LABELS)
        rest = draw(
            st.lists(
                st.one_of(
                    st.builds(standard, standard_labels, std_values),
                    st.builds(standard, standard_labels, std_values, stamps),
                ),
                min_size=2,
                max_size=6,
            )
        )
    bodies = [first, *rest]
    index = draw(st.integers(0, len(bodies) - 1))
    body = bytearray(bodies[index])
    position = draw(st.integers(0, len(body) - 1))
    # Separators keep their role: corrupt label, horodate, data or checksum.
    assume(body[position] not in (0x09,) and position != len(body) - 2)
    body[position] = draw(_replacements(body[position]))
    return bodies, index, bytes(body)


@settings(max_examples=400, deadline=None)
@given(corrupted_frames(), chunkings)
def test_a_changed_byte_always_rejects_its_group(
    case: tuple[list[bytes], int, bytes], chunks: list[int]
) -> None:
    """Changing one byte by anything but a multiple of 64 never passes the checksum.

    The sum changes by a non-multiple of 64, so the 6-bit checksum changes; the
    other historic method (±32) is only adopted after several consecutive
    groups, so a lone corrupted group cannot use it.
    """
    bodies, index, corrupted = case
    clean_groups: list[Group] = []
    clean = TicDecoder(on_group=lambda group, _mode: clean_groups.append(group))
    clean_frames = clean.feed(frame(*bodies))
    assert len(clean_frames) == 1
    reported: list[Group] = []
    decoder = TicDecoder(on_group=lambda group, _mode: reported.append(group))
    mutated = [*bodies[:index], corrupted, *bodies[index + 1 :]]
    frames = feed_in_chunks(decoder, frame(*mutated) + frame(*bodies), chunks)
    assert decoder.checksum_errors + decoder.malformed_groups == 1
    assert len(frames) == 2
    assert frames[0].rejected_groups == 1
    # Everything else went through untouched, and the next frame is intact.
    assert reported == [
        *clean_groups[:index],
        *clean_groups[index + 1 :],
        *clean_groups,
    ]
    assert frames[1] == clean_frames[0]


frames_st = st.builds(
    lambda mode, values: Frame(mode, MappingProxyType(values), MappingProxyType({}), 0),
    st.sampled_from(LineMode),
    st.dictionaries(
        st.sampled_from(
            [
                "ADCO",
                "ADSC",
                "OPTARIF",
                "PTEC",
                "DEMAIN",
                "ISOUSC",
                "IINST",
                "IINST1",
                "IINST2",
                "IINST3",
                "ADPS",
                "ADIR1",
                "ADIR2",
                "PAPP",
                "PMAX",
                "PEJP",
                "BASE",
                "HCHC",
                "HCHP",
                "EJPHN",
                "EJPHPM",
                "BBRHCJB",
                "BBRHPJR",
                "NGTF",
                "LTARF",
                "NTARF",
                "STGE",
                "EAST",
                "EASF01",
                "EASF02",
                "EASF06",
                "IRMS1",
                "IRMS2",
                "IRMS3",
                "URMS1",
                "URMS2",
                "URMS3",
                "SINSTS",
                "SINSTS1",
                "SINSTS2",
                "SINSTS3",
                "PREF",
                "PCOUP",
                "EAIT",
                "SINSTI",
                "SMAXSN",
                "SMAXSN-1",
            ]
        ),
        st.one_of(
            st.text(max_size=20), st.text(alphabet="0123456789ABCDEF", max_size=9)
        ),
        max_size=30,
    ),
)


@settings(max_examples=500, deadline=None)
@given(frames_st)
def test_read_meter_never_raises(any_frame: Frame) -> None:
    """Any frame (any text in any group) reads into a MeterState."""
    state = read_meter(any_frame)
    assert state.mode is any_frame.mode
    assert state.energy_total is None or state.energy_total >= 0
    assert all(value >= 0 for value in state.energy.values())


def test_GROUPS_BLOB_is_a_run_of_valid_groups() -> None:
    """The long token used above is itself made of 200 valid groups (no frame)."""
    decoder = TicDecoder()
    assert decoder.feed(GROUPS_BLOB) == []
    assert decoder.valid_groups == 200
