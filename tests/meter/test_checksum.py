"""Checksums ([54E] §5.3.6, [02E] methods 1 and 2) and the group rules."""

from __future__ import annotations

import pytest

from custom_components.linky_tempo.meter import Group, LineMode, TicDecoder, checksum
from tests.meter.support import CR, ETX, LF, STX, frame, historic, standard

# Hand-computed vectors of the protocol notes §1.4: (zone, S1, checksum char).
VECTORS = [
    (b"ADCO 012345678910", 933, "E"),
    (b"PTEC HP..", 576, " "),
    (b"IINST 009", 576, " "),
    (b"EAST\t003519702\t", 778, "*"),
    (b"DATE\tE210414082625\t\t", 993, "A"),
    (b"SMAXSN\tE210414070239\t02636\t", 1436, "<"),
    (b"EASD01\t000000000\t", 832, " "),
    (b"ADPS 030", 475, ";"),
]


@pytest.mark.parametrize(("zone", "total", "char"), VECTORS)
def test_checksum_vectors(zone: bytes, total: int, char: str) -> None:
    """checksum() = (S1 & 0x3F) + 0x20 on the hand-computed vectors."""
    assert sum(zone) == total
    assert checksum(zone) == ord(char)


@pytest.mark.parametrize(("zone", "total", "char"), VECTORS)
def test_vector_groups_are_accepted(zone: bytes, total: int, char: str) -> None:
    """Each vector, sent as a group, is accepted with its value unstripped."""
    del total
    sep = b" " if b"\t" not in zone else b""
    body = zone + sep + char.encode()
    seen: list[Group] = []
    decoder = TicDecoder(on_group=lambda group, _mode: seen.append(group))
    decoder.feed(LF + body + CR)
    assert len(seen) == 1
    assert decoder.checksum_errors == decoder.malformed_groups == 0
    label = zone.split(b"\t" if b"\t" in zone else b" ")[0].decode()
    assert seen[0].label == label


def test_wrong_zone_negatives() -> None:
    """Historic with the trailing SP gives '%', standard without the last HT '!'."""
    assert checksum(b"ADCO 012345678910 ") == ord("%")
    assert checksum(b"EAST\t003519702") == ord("!")
    decoder = TicDecoder()
    decoder.feed(LF + b"ADCO 012345678910 %" + CR + LF + b"EAST\t003519702\t!" + CR)
    assert decoder.valid_groups == 0
    assert decoder.checksum_errors == 2


def test_space_checksums_are_never_stripped() -> None:
    """``PTEC HP..␠␠`` and ``EASD01⇥000000000⇥␠``: the checksum is the last SP."""
    seen: list[Group] = []
    decoder = TicDecoder(on_group=lambda group, _mode: seen.append(group))
    decoder.feed(LF + b"PTEC HP..  " + CR + LF + b"IINST 009  " + CR)
    decoder.feed(LF + b"EASD01\t000000000\t " + CR)
    assert seen == [
        Group("PTEC", "HP..", None),
        Group("IINST", "009", None),
        Group("EASD01", "000000000", None),
    ]
    # Without its SPACE checksum the group is malformed, not misread.
    decoder.feed(LF + b"PTEC HP.." + CR + LF + b"PTEC HPJR " + CR)
    assert decoder.malformed_groups == 2
    assert len(seen) == 3


def test_groups_with_spaces_signs_and_empty_values() -> None:
    """Standard values keep their spaces; labels may hold '+' and '-'."""
    seen: list[Group] = []
    decoder = TicDecoder(on_group=lambda group, _mode: seen.append(group))
    decoder.feed(
        LF
        + standard("MSG1", "PAS DE          MESSAGE         ")
        + CR
        + LF
        + standard("NJOURF+1", "00")
        + CR
        + LF
        + standard("SMAXSN-1", "09562", "E210413195606")
        + CR
        + LF
        + standard("DATE", "", "H240210121355")
        + CR
        + LF
        + standard("DPM1", "00", " 200214060000")
        + CR
        + LF
        + standard("FUTURE", "unknown label kept")
        + CR
    )
    assert seen == [
        Group("MSG1", "PAS DE          MESSAGE         ", None),
        Group("NJOURF+1", "00", None),
        Group("SMAXSN-1", "09562", "E210413195606"),
        Group("DATE", "", "H240210121355"),
        Group("DPM1", "00", " 200214060000"),
        Group("FUTURE", "unknown label kept", None),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"PAPP\t00120\tP\tX",  # four fields but no horodate
        b"SMAXSN\tX210414070239\t02636\t<",  # bad season
        b"SMAXSN\tE2104140702\t02636\t<",  # short horodate
        b"SMAXSN\tE2104140702AB\t02636\t<",  # letters in the horodate
        b"DATE\tE210414082625\t\t",  # HT where the checksum should be
        b"E AST\t003519702\t*",  # space in a standard label
        b"\t003519702\t*",  # empty label
        b" 012 X",  # empty historic label
        b"ADCO 0123 4567 X",  # space inside historic data
        b"ADCO\t0123 X",  # mixed separators
        b"ADCO 0123\tX",  # mixed separators
        b"AB",  # too short
        b"ADCO 0123 \x01",  # control character as checksum
        b"ADCO 01\x7f3 X",  # DEL in data
        b"ADCO 01\x0c3 X",  # form feed in data
    ],
)
def test_malformed_groups(body: bytes) -> None:
    """Wrong field counts and invalid characters are malformed, never decoded."""
    decoder = TicDecoder()
    decoder.feed(STX + LF + body + CR + ETX)
    assert decoder.valid_groups == 0
    assert decoder.malformed_groups == 1
    assert decoder.checksum_errors == 0


@pytest.mark.parametrize(("label", "value"), [("AD\tCO", "0123"), ("ADCO", "01\t23")])
def test_tab_inside_a_historic_group_is_malformed(label: str, value: str) -> None:
    """A SP-separated group may not hold HT, even with a matching checksum."""
    decoder = TicDecoder()
    decoder.feed(LF + historic(label, value) + CR)
    assert decoder.valid_groups == 0
    assert decoder.malformed_groups == 1


def test_historic_method_2_needs_a_streak() -> None:
    """A legacy "mode 2" meter is followed after four groups; a case flip is not.

    Method 2 adds the SP (32) to the sum: a single upper/lower-case flip
    (also ±32) turns a method-1 group into a method-2-valid one.
    """
    flipped = b"PTEC HcJB C"  # "PTEC HCJB C" with one bit flipped
    assert checksum(b"PTEC HCJB") == ord("C")
    assert checksum(b"PTEC HcJB ") == ord("C")  # valid under method 2
    decoder = TicDecoder()
    frames = decoder.feed(
        frame(historic("ADCO", "021861348497"), flipped, historic("PAPP", "02830"))
    )
    assert dict(frames[0].values) == {"ADCO": "021861348497", "PAPP": "02830"}
    assert decoder.checksum_errors == 1

    legacy = [
        historic(label, value, method=2)
        for label, value in (
            ("ADCO", "050022120078"),
            ("OPTARIF", "HC.."),
            ("ISOUSC", "45"),
            ("HCHC", "094939439"),
            ("HCHP", "127970334"),
            ("PTEC", "HP.."),
        )
    ]
    decoder = TicDecoder()
    first, second = decoder.feed(frame(*legacy) + frame(*legacy))
    assert decoder.checksum_errors == 3
    assert list(first.values) == ["HCHC", "HCHP", "PTEC"]
    assert first.rejected_groups == 3
    assert len(second.values) == 6
    assert second.rejected_groups == 0
    # Switched to method 2: a Linky (method 1) is followed back the same way.
    modern = [
        historic("ADCO", "021861348497"),
        *(historic("PAPP", f"0{i}830") for i in range(5)),
    ]
    (back,) = decoder.feed(frame(*modern))
    assert decoder.checksum_errors == 6
    assert back.values == {"PAPP": "04830"}


def test_legacy_historic_frames_with_tab_separators() -> None:
    """Legacy meters may send historic groups with HT ([02E]); labels tell."""
    bodies = [
        historic("ADCO", "030522024356", sep="\t"),
        historic("OPTARIF", "HC..", sep="\t"),
        historic("TENSION", "233", sep="\t"),  # unknown label: the frame says historic
        historic("PTEC", "HP..", sep="\t"),
    ]
    # Method 1 over "ADCO⇥030522024356" (the last HT excluded), not the standard rule.
    assert bodies[0] == b"ADCO\t030522024356\t "
    assert checksum(bodies[0][:-1]) != ord(" ")
    decoder = TicDecoder()
    (decoded,) = decoder.feed(frame(*bodies))
    assert decoded.mode is LineMode.HISTORIC
    assert decoded.values == {
        "ADCO": "030522024356",
        "OPTARIF": "HC..",
        "TENSION": "233",
        "PTEC": "HP..",
    }
    assert decoder.mode is LineMode.HISTORIC
    # A standard-rule group inside that frame is a method-2 group: rejected.
    decoder.feed(frame(bodies[0], standard("TENSION", "233")))
    assert decoder.checksum_errors == 1
    # Outside a historic frame the same unknown HT group follows the standard rule.
    seen: list[tuple[Group, LineMode]] = []
    fresh = TicDecoder(on_group=lambda group, mode: seen.append((group, mode)))
    fresh.feed(LF + bodies[2] + CR + LF + standard("TENSION", "233") + CR)
    assert seen == [(Group("TENSION", "233", None), LineMode.STANDARD)]
    assert fresh.checksum_errors == 1


def test_forced_modes_apply_their_rules() -> None:
    """Forced standard refuses SP groups; forced historic refuses horodates."""
    mixed = frame(
        historic("ADCO", "021861348497"),
        standard("ADSC", "021861348497"),
        standard("DATE", "", "E210414082625"),
        historic("TENSION", "233", sep="\t"),
    )
    std = TicDecoder(LineMode.STANDARD)
    (got,) = std.feed(mixed)
    assert got.mode is LineMode.STANDARD
    assert list(got.values) == ["ADSC", "DATE"]
    assert std.malformed_groups == 1
    assert std.checksum_errors == 1  # TENSION with a historic checksum
    his = TicDecoder(LineMode.HISTORIC)
    (got,) = his.feed(mixed)
    assert got.mode is LineMode.HISTORIC
    assert list(got.values) == ["ADCO", "TENSION"]
    assert his.malformed_groups == 1  # the timestamped DATE
    assert his.checksum_errors == 1  # ADSC with a standard checksum (method 2)
    assert his.mode is LineMode.HISTORIC
    his.feed(frame(standard("ADSC", "1"), standard("VTIC", "02")))
    assert his.mode is LineMode.HISTORIC


def test_checksum_is_not_fooled_by_a_standard_mode_digit_shift() -> None:
    """A digit raised by 9 in a standard group would match the historic HT rule.

    Standard groups are only read with the historic rule when their label is
    historic (or the frame is), so the corrupted group stays rejected.
    """
    good = standard("EAST", "000000000")
    bad = good.replace(b"000000000", b"000000009")
    assert checksum(bad[:-2]) == bad[-1]  # would pass as a historic HT group
    decoder = TicDecoder()
    decoder.feed(frame(standard("ADSC", "041776199277"), bad) + LF + bad + CR)
    assert decoder.valid_groups == 1
    assert decoder.checksum_errors == 2
