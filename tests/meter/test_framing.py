"""Framing ([54E] §5.3.6): STX/ETX/EOT, resynchronisation, chunking, 8-bit bytes."""

from __future__ import annotations

import logging
import tracemalloc

import pytest

from custom_components.linky_tempo.meter import (
    MAX_FRAME_BYTES,
    MAX_GROUP_BYTES,
    Frame,
    Group,
    LineMode,
    TicDecoder,
)
from tests.meter.support import (
    CR,
    EOT,
    ETX,
    HISTORIC_FRAME,
    LF,
    STANDARD_FRAME,
    STX,
    counters,
    feed_in_chunks,
    frame,
    groups,
    historic,
    standard,
)

HISTORIC_VALUES = {
    "ADCO": "021861348497",
    "OPTARIF": "BBR(",
    "ISOUSC": "30",
    "BBRHCJB": "018328702",
    "PTEC": "HCJB",
    "DEMAIN": "ROUG",
    "IINST": "012",
    "PAPP": "02830",
}


def test_a_clean_frame() -> None:
    """Values in reception order, timestamps apart, nothing rejected."""
    decoder = TicDecoder()
    (got,) = decoder.feed(HISTORIC_FRAME)
    assert got == Frame(LineMode.HISTORIC, HISTORIC_VALUES, {}, 0)
    assert list(got.values) == list(HISTORIC_VALUES)
    (std,) = decoder.feed(STANDARD_FRAME)
    assert std.mode is LineMode.STANDARD
    assert std.values["DATE"] == ""
    assert dict(std.timestamps) == {"DATE": "H200214230808", "DPM1": " 200214060000"}
    assert decoder.frames == 2
    with pytest.raises(TypeError):
        got.values["PAPP"] = "0"  # type: ignore[index]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000])
def test_any_chunking_gives_the_same_frames(size: int) -> None:
    """Byte-at-a-time or whole: the same frames and counters."""
    stream = b"\x8a\x00junk\r\n" + HISTORIC_FRAME + STANDARD_FRAME + HISTORIC_FRAME[:40]
    whole = TicDecoder()
    expected = whole.feed(stream)
    assert len(expected) == 2
    chunked = TicDecoder()
    assert feed_in_chunks(chunked, stream, [size]) == expected
    assert counters(chunked) == counters(whole)


def test_partial_first_frame_is_dropped_but_its_groups_are_seen() -> None:
    """Bytes before the first STX never make a frame; their groups are reported."""
    seen: list[Group] = []
    decoder = TicDecoder(on_group=lambda group, _mode: seen.append(group))
    tail_of_previous = HISTORIC_FRAME[HISTORIC_FRAME.index(b"PTEC") - 1 :]
    frames = decoder.feed(b"018328702 <\r" + tail_of_previous + HISTORIC_FRAME)
    assert len(frames) == 1
    assert frames[0].values == HISTORIC_VALUES
    assert [g.label for g in seen[:4]] == ["PTEC", "DEMAIN", "IINST", "PAPP"]
    assert decoder.discarded_bytes == len(b"018328702 <\r")


def test_garbage_prefix_and_resync() -> None:
    """Garbage, then a frame: resynchronised on STX."""
    garbage = bytes(range(256)) * 3
    decoder = TicDecoder()
    frames = decoder.feed(garbage + HISTORIC_FRAME)
    assert frames[-1].values == HISTORIC_VALUES
    assert frames[-1].rejected_groups == 0
    assert decoder.high_bit_bytes == 3 * 128


def test_eot_aborts_the_frame() -> None:
    """EOT (0x04) aborts the current frame; the next STX starts over."""
    half = HISTORIC_FRAME[: HISTORIC_FRAME.index(b"PTEC")]
    decoder = TicDecoder()
    frames = decoder.feed(half + EOT + HISTORIC_FRAME)
    assert [f.values for f in frames] == [HISTORIC_VALUES]
    assert decoder.aborted_frames == 1
    # EOT in the middle of a group cuts the group too.
    decoder.feed(half + b"PTEC HC" + EOT)
    assert decoder.aborted_frames == 2
    assert decoder.truncated_groups == 2
    # After EOT, groups and an ETX without a new STX make no frame.
    assert decoder.feed(EOT + HISTORIC_FRAME[1:]) == []
    assert decoder.valid_groups == 4 + 8 + 4 + 8  # the groups are still decoded


def test_noise_between_frames_is_not_a_dropped_frame() -> None:
    """A stray byte in the inter-frame gap, or STX twice, loses nothing."""
    decoder = TicDecoder()
    frames = decoder.feed(
        HISTORIC_FRAME + b"\x00" + HISTORIC_FRAME + STX + HISTORIC_FRAME
    )
    assert len(frames) == 3
    assert decoder.dropped_frames == 0


def test_frame_without_etx_followed_by_stx() -> None:
    """A frame cut by a new STX is dropped; the new one is decoded."""
    decoder = TicDecoder()
    frames = decoder.feed(HISTORIC_FRAME[:-30] + HISTORIC_FRAME)
    assert [f.values for f in frames] == [HISTORIC_VALUES]
    assert decoder.dropped_frames == 1
    assert decoder.truncated_groups == 1


def test_frame_without_valid_group_is_dropped() -> None:
    """STX garbage ETX makes no frame."""
    decoder = TicDecoder()
    assert decoder.feed(STX + LF + b"PAPP 02830 X" + CR + ETX) == []
    assert decoder.dropped_frames == 1
    assert decoder.checksum_errors == 1
    assert decoder.feed(STX + ETX) == []


def test_eight_bit_reads_of_a_7e1_line() -> None:
    """7E1 read as 8N1: bit 7 is the parity bit; masking gives the same frames."""

    def with_parity(data: bytes) -> bytes:
        return bytes(b | 0x80 if b.bit_count() % 2 else b for b in data)

    stream = HISTORIC_FRAME + STANDARD_FRAME
    eight_bit = with_parity(stream)
    assert eight_bit[0] == 0x82  # STX has one bit set: parity bit 1
    decoder = TicDecoder()
    assert decoder.feed(eight_bit) == TicDecoder().feed(stream)
    assert decoder.high_bit_bytes == sum(b >= 0x80 for b in eight_bit)
    assert decoder.checksum_errors == decoder.malformed_groups == 0
    # A byte really corrupted on the line still fails its checksum after masking.
    damaged = bytearray(eight_bit)
    position = stream.index(b"018328702") + 3
    damaged[position] ^= 0x81  # a data bit and the parity bit
    decoder = TicDecoder()
    frames = decoder.feed(bytes(damaged))
    assert "BBRHCJB" not in frames[0].values
    assert decoder.checksum_errors == 1


def test_mode_switch_mid_stream() -> None:
    """Historic frames, then standard frames: both decoded, the mode follows."""
    modes: list[LineMode | None] = []
    decoder = TicDecoder()
    for chunk in (
        HISTORIC_FRAME,
        HISTORIC_FRAME,
        STANDARD_FRAME,
        STANDARD_FRAME,
        HISTORIC_FRAME,
    ):
        frames = decoder.feed(chunk)
        assert len(frames) == 1
        modes.append(frames[0].mode)
        assert decoder.mode is frames[0].mode
    assert modes == [LineMode.HISTORIC] * 2 + [LineMode.STANDARD] * 2 + [
        LineMode.HISTORIC
    ]
    assert decoder.checksum_errors == decoder.malformed_groups == 0
    # Forced, the mode never follows: standard groups are judged by the
    # historic rules (timestamped ones are malformed).
    forced = TicDecoder(LineMode.HISTORIC)
    frames = forced.feed(STANDARD_FRAME * 2)
    assert all(f.mode is LineMode.HISTORIC and "DATE" not in f.values for f in frames)
    assert forced.mode is LineMode.HISTORIC


def test_mode_is_detected_from_the_first_group() -> None:
    """Before any complete frame the first valid group tells the mode."""
    decoder = TicDecoder()
    assert decoder.mode is None
    decoder.feed(STANDARD_FRAME[:40])
    assert decoder.mode is LineMode.STANDARD


def test_mangled_stx_and_lf_are_recovered() -> None:
    """STX received as 'C' and LF as 0x0F (esphome#17291); a lost STX after ETX."""
    bodies = [
        standard("ADSC", "022361418503"),
        standard("VTIC", "02"),
        standard("EAST", "013571151"),
    ]
    mangled = (
        b"C"
        + b"\x0f".join([b"\n" + bodies[0] + CR, bodies[1] + CR, bodies[2] + CR])
        + ETX
    )
    decoder = TicDecoder()
    decoder.feed(HISTORIC_FRAME)
    (got,) = decoder.feed(mangled)
    assert got.values == {"ADSC": "022361418503", "VTIC": "02", "EAST": "013571151"}
    (got,) = decoder.feed(groups(*bodies) + ETX)  # right after an ETX: STX lost
    assert len(got.values) == 3
    # Without a preceding ETX there is no frame to recover: the first one is partial.
    fresh = TicDecoder()
    assert fresh.feed(mangled) == []
    assert fresh.valid_groups == 3


def test_groups_are_decoded_as_soon_as_their_cr_arrives() -> None:
    """on_group fires on the CR, before the frame completes (overload reaction)."""
    events: list[str] = []
    decoder = TicDecoder(on_group=lambda group, _mode: events.append(group.label))
    adps = historic("ADPS", "030")
    assert adps == b"ADPS 030 ;"
    data = STX + LF + historic("ADCO", "021861348497") + CR + LF + adps + CR + ETX
    for index in range(len(data)):
        frames = decoder.feed(data[index : index + 1])
        if data[index] == CR[0]:
            assert events[-1] == ("ADCO" if len(events) == 1 else "ADPS")
        assert (frames != []) == (index == len(data) - 1)
    assert events == ["ADCO", "ADPS"]


def test_callback_errors_do_not_break_decoding(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The callback must not raise; if it does, it is logged and decoding goes on."""

    def explode(group: Group, mode: LineMode) -> None:
        raise RuntimeError(f"{group.label} {mode}")

    decoder = TicDecoder(on_group=explode)
    with caplog.at_level(logging.ERROR):
        frames = decoder.feed(HISTORIC_FRAME)
    assert frames[0].values == HISTORIC_VALUES
    assert decoder.callback_errors == len(HISTORIC_VALUES)
    assert "on_group" in caplog.text


def test_reset_drops_the_partial_frame_and_keeps_counters() -> None:
    """After reset() the rest of a frame is not glued to its beginning."""
    decoder = TicDecoder()
    decoder.feed(HISTORIC_FRAME * 2)
    half = len(HISTORIC_FRAME) // 2
    decoder.feed(HISTORIC_FRAME[:half])
    decoder.reset()
    assert decoder.feed(HISTORIC_FRAME[half:]) == []
    assert decoder.frames == 2
    assert decoder.feed(HISTORIC_FRAME)[0].values == HISTORIC_VALUES


def test_bytes_like_and_empty_input() -> None:
    """bytearray and memoryview are accepted; empty input gives nothing."""
    decoder = TicDecoder()
    assert decoder.feed(b"") == []
    assert decoder.feed(bytearray(HISTORIC_FRAME))[0].values == HISTORIC_VALUES  # type: ignore[arg-type]
    assert decoder.feed(memoryview(HISTORIC_FRAME))[0].values == HISTORIC_VALUES  # type: ignore[arg-type]


def _frame_of_length(length: int) -> bytes:
    """A valid frame of exactly ``length`` bytes, STX and ETX included."""
    body = historic("ADCO", "021861348497")
    filler = length - 2 - len(body) - 2
    groups_needed = []
    while filler > 0:
        value_length = min(100, filler - 2 - len("X  ") - 1)
        assert value_length >= 0
        group = historic("X", "9" * value_length)
        groups_needed.append(group)
        filler -= len(group) + 2
    data = frame(body, *groups_needed)
    assert len(data) == length, (len(data), length)
    return data


def test_frame_length_bound() -> None:
    """A frame of MAX_FRAME_BYTES passes; one byte more is dropped (memory bound)."""
    decoder = TicDecoder()
    assert len(decoder.feed(_frame_of_length(MAX_FRAME_BYTES))) == 1
    # A frame whose STX was lost right after an ETX counts it all the same.
    assert len(decoder.feed(_frame_of_length(MAX_FRAME_BYTES)[1:])) == 1
    assert decoder.feed(_frame_of_length(MAX_FRAME_BYTES + 1)[1:]) == []
    assert decoder.dropped_frames == 1
    seen: list[Group] = []
    decoder = TicDecoder(on_group=lambda group, _mode: seen.append(group))
    too_long = _frame_of_length(MAX_FRAME_BYTES + 1)
    assert decoder.feed(too_long + HISTORIC_FRAME)[0].values == HISTORIC_VALUES
    assert decoder.dropped_frames == 1
    assert len(seen) == too_long.count(CR) + len(HISTORIC_VALUES)  # groups still seen
    # A stream that never sends ETX keeps memory bounded: frames are dropped.
    endless = TicDecoder()
    blob = groups(*(historic("PAPP", f"{i:05d}") for i in range(500)))
    assert endless.feed(STX + blob + ETX) == []
    assert endless.dropped_frames == 1


def _memory_growth(data_chunks: list[bytes]) -> int:
    decoder = TicDecoder()
    decoder.feed(STX)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for chunk in data_chunks:
            decoder.feed(chunk)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_without_etx_or_cr() -> None:
    """Megabytes of groups with distinct labels and no ETX, or no CR, stay small."""
    labels = groups(*(historic(f"L{i}", "1") for i in range(100_000)))
    assert len(labels) > 1_000_000
    chunks = [labels[i : i + 65536] for i in range(0, len(labels), 65536)]
    assert _memory_growth(chunks) < 200_000
    endless_group = [LF] + [b"x" * 65536] * 30
    assert _memory_growth(endless_group) < 200_000


def test_group_length_bound() -> None:
    """A group body of MAX_GROUP_BYTES passes; longer is malformed."""
    overhead = len(standard("L", ""))
    decoder = TicDecoder()
    decoder.feed(LF + standard("L", "x" * (MAX_GROUP_BYTES - overhead)) + CR)
    assert decoder.valid_groups == 1
    decoder.feed(LF + standard("L", "x" * (MAX_GROUP_BYTES - overhead + 1)) + CR)
    assert decoder.malformed_groups == 1
    decoder.feed(LF + b"x" * 100_000 + CR)
    assert decoder.malformed_groups == 2
