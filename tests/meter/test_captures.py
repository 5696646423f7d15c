"""Every real capture in tests/fixtures/captures, with the counts its README states.

RAW and DERIVED files are fed as bytes. TEXTINDEX files lost their control
characters and are rebuilt (one group per line, blank line = frame boundary).
ISSUE files are excerpts of bug reports, read line by line with the notation
they were logged in.
"""

from __future__ import annotations

import ast
import codecs
import re
from datetime import datetime

import pytest

from custom_components.linky_tempo.meter import (
    Contract,
    Frame,
    Group,
    LineMode,
    TariffPeriod,
    TempoColor,
    TicDecoder,
    parse_horodate,
    read_meter,
)
from tests.meter.support import (
    CAPTURES,
    CR,
    ETX,
    LF,
    STX,
    capture,
    counters,
    feed_in_chunks,
    issue_lines,
    python_literals,
    textindex,
)

PYTELEINFO_BIN = "esciara__pyteleinfo__captured_frames.bin"
PYTELEINFO_TXT = "esciara__pyteleinfo__captured_frames.txt"
PYTELEINFO_CONFTEST = "esciara__pyteleinfo__tests__teleinfo__conftest.py"
PYTELEINFO_VALID = (
    "esciara__pyteleinfo__tests__teleinfo__conftest.py.VALID_FRAME.DERIVED.bin"
)
LAINS_STD_RAW = "lains__teleinfo-nom__assets__stream_standard_raw.txt"
LAINS_STD_COMPLETE = "lains__teleinfo-nom__assets__stream_standard_complete.txt"
LAINS_STD_MESSAGE = "lains__teleinfo-nom__assets__message_standard.txt"
LAINS_LEGACY_RAW = "lains__teleinfo-nom__assets__stream_legacy_raw.txt"
LAINS_LEGACY_COMPLETE = "lains__teleinfo-nom__assets__stream_legacy_complete.txt"
LAINS_LEGACY_INCOMPLETE = "lains__teleinfo-nom__assets__stream_legacy_incomplete.txt"
LAINS_MESSAGE = "lains__teleinfo-nom__assets__message.txt"
ENEDIS = "Enedis-OSS__TIC2WebSocket__src__test__resources__tic__frame__codec__"
ENEDIS_HISTORIC = ENEDIS + "ticFrameHistoric.txt"
ENEDIS_STANDARD = ENEDIS + "ticFrameStandard.txt"
ENEDIS_PCOUP = ENEDIS + "ticFrameStandard_PCOUP_Invalid.txt"
GO_SOURCE = "j-vizcaino__goteleinfo__reader_test.go"
GO_FRAME = "j-vizcaino__goteleinfo__reader_test.go.StandardRawFrame.DERIVED.bin"
OPENHAB = (
    "openhab__openhab-addons__bundles__org.openhab.binding.teleinfo"
    "__src__test__resources__"
)
OPENHAB_TRI_PROD = (
    OPENHAB + "linky-tic-mode-standard-three-phase-prod.raw.textindex.txt"
)
OPENHAB_MONO_PROD = (
    OPENHAB + "linky-tic-mode-standard-single-phase-prod.raw.textindex.txt"
)
OPENHAB_CBETM_BASE = OPENHAB + "cbetm-base-option-1.raw.textindex.txt"
OPENHAB_CBETM_EJP = OPENHAB + "cbetm-ejp-option-1.raw.textindex.txt"
HEKMON_HISTORIC = "hekmon__linkytic__res__historic_capture.hex.textindex.txt"
HEKMON_STANDARD = "hekmon__linkytic__res__standard_capture.hex.textindex.txt"
ISSUE_EOT = "hekmon__linkytic__issue-9__EOT_instead_of_ETX.txt"
ISSUE_8BIT = "hekmon__linkytic__issue-11__8bit_parity_garbage.txt"
ISSUE_STD_CORRUPTED = "hekmon__linkytic__issue-51__standard_mode_corrupted_lines.txt"
ISSUE_TRI_OVERLOAD = (
    "hekmon__linkytic__issue-2__threephase_standard_overload_corrupted.txt"
)
ISSUE_0F = "esphome__esphome__issue-17291__uart_trace_0x0F_separator.hex.txt"
ISSUE_DROPPED_BYTE = "esphome__issues__issue-4690__EASD02_dropped_byte.txt"
ISSUE_PRODUCER = "NextDom__plugin-teleinfo__issue-20__producer_standard_frame.txt"
ISSUE_TRI_BASE = "NextDom__plugin-teleinfo__issue-24__threephase_BASE_frame.txt"
ISSUE_TASMOTA = "arendst__Tasmota__pr-10844__hallard_historic_HC_frame.txt"
ISSUE_GARBAGE = "fmartinou__teleinfo2mqtt__issue-24__wrong_serial_settings_garbage.txt"
ISSUE_DATE = "fmartinou__teleinfo2mqtt__issue-29__DATE_empty_value_and_PJOURF.txt"
ISSUE_DPM = "fmartinou__teleinfo2mqtt__issue-47__DPM1_FPM1_PPOINTE_tempo.txt"

ALL_CAPTURES = {
    PYTELEINFO_BIN,
    PYTELEINFO_TXT,
    PYTELEINFO_CONFTEST,
    PYTELEINFO_VALID,
    LAINS_STD_RAW,
    LAINS_STD_COMPLETE,
    LAINS_STD_MESSAGE,
    LAINS_LEGACY_RAW,
    LAINS_LEGACY_COMPLETE,
    LAINS_LEGACY_INCOMPLETE,
    LAINS_MESSAGE,
    ENEDIS_HISTORIC,
    ENEDIS_STANDARD,
    ENEDIS_PCOUP,
    GO_SOURCE,
    GO_FRAME,
    OPENHAB_TRI_PROD,
    OPENHAB_MONO_PROD,
    OPENHAB_CBETM_BASE,
    OPENHAB_CBETM_EJP,
    HEKMON_HISTORIC,
    HEKMON_STANDARD,
    ISSUE_EOT,
    ISSUE_8BIT,
    ISSUE_STD_CORRUPTED,
    ISSUE_TRI_OVERLOAD,
    ISSUE_0F,
    ISSUE_DROPPED_BYTE,
    ISSUE_PRODUCER,
    ISSUE_TRI_BASE,
    ISSUE_TASMOTA,
    ISSUE_GARBAGE,
    ISSUE_DATE,
    ISSUE_DPM,
}


def decode(
    data: bytes, mode: LineMode | None = None
) -> tuple[TicDecoder, list[Frame], list[Group]]:
    """Feed a whole stream; return the decoder, its frames and every valid group."""
    seen: list[Group] = []
    decoder = TicDecoder(mode, on_group=lambda group, _mode: seen.append(group))
    return decoder, decoder.feed(data), seen


def test_every_capture_is_covered() -> None:
    """No capture file is left out of these tests."""
    present = {
        path.name
        for path in CAPTURES.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.name != "README.md"
    }
    assert present == ALL_CAPTURES


@pytest.mark.parametrize(
    ("name", "frames", "valid", "rejected", "truncated"),
    [
        # RAW / DERIVED: README "validation" column.
        (PYTELEINFO_BIN, 10, 160, 0, 0),
        (PYTELEINFO_VALID, 1, 11, 0, 0),
        # 7 full frames; 13 corrupted groups; the two groups whose CR arrived
        # as FF (0x0C) and the "P" cut at the very end are truncated groups.
        (LAINS_STD_RAW, 7, 474, 13, 3),
        (LAINS_STD_COMPLETE, 1, 75, 1, 1),
        (LAINS_STD_MESSAGE, 0, 55, 0, 0),  # LF…CR only, no STX/ETX
        (LAINS_LEGACY_RAW, 1, 38, 1, 0),  # last group "HHPHC A" has no checksum
        (LAINS_LEGACY_COMPLETE, 1, 20, 0, 0),
        (LAINS_LEGACY_INCOMPLETE, 0, 15, 0, 0),
        (LAINS_MESSAGE, 0, 16, 0, 0),
        (ENEDIS_HISTORIC, 1, 9, 0, 0),
        (ENEDIS_STANDARD, 1, 38, 0, 0),
        (ENEDIS_PCOUP, 1, 37, 1, 0),
        (GO_FRAME, 1, 38, 0, 0),
    ],
)
def test_raw_capture_counts(
    name: str, frames: int, valid: int, rejected: int, truncated: int
) -> None:
    """RAW captures decode with exactly the README's counts, in any chunking."""
    data = capture(name)
    decoder, got, seen = decode(data)
    assert len(got) == decoder.frames == frames
    assert len(seen) == decoder.valid_groups == valid
    assert decoder.checksum_errors + decoder.malformed_groups == rejected
    assert decoder.truncated_groups == truncated
    for size in (1, 3, 64):
        chunked = TicDecoder()
        assert feed_in_chunks(chunked, data, [size]) == got
        assert counters(chunked) == counters(decoder)


@pytest.mark.parametrize(
    ("name", "frames", "valid", "checksum_errors", "malformed"),
    [
        (OPENHAB_TRI_PROD, 2, 167, 0, 1),  # starts mid-group: "774332⇥X"
        (OPENHAB_MONO_PROD, 1, 67, 1, 0),  # starts with garbage "EP*PREF⇥03⇥B"
        (OPENHAB_CBETM_BASE, 1, 17, 0, 0),
        (OPENHAB_CBETM_EJP, 1, 18, 0, 0),
        (HEKMON_HISTORIC, 0, 8, 0, 0),
        (HEKMON_STANDARD, 0, 38, 0, 0),
        # 5 groups lost their SPACE checksum in the source ("PTEC HPJR");
        # the double blank line is an empty frame (dropped).
    ],
)
def test_textindex_capture_counts(
    name: str, frames: int, valid: int, checksum_errors: int, malformed: int
) -> None:
    """TEXTINDEX captures, rebuilt, give the README's OK / bad counts."""
    decoder, got, seen = decode(textindex(name))
    assert len(got) == frames
    assert len(seen) == valid
    assert decoder.checksum_errors == checksum_errors
    assert decoder.malformed_groups == malformed


# -- RAW: decoded values ---------------------------------------------------


def test_pyteleinfo_recorded_frames_match_the_expected_decode() -> None:
    """pyteleinfo's RECORDED_FRAMES[0] decodes to RECORDED_FRAME_1_EXPECTED.

    The .txt listing holds those RECORDED_FRAMES; the .bin capture is another
    run of the same meter ten frames later in time (BBRHCJB 018328856…876
    instead of 018328702…721), so it shares every value but BBRHCJB and PAPP.
    """
    literals = python_literals(capture(PYTELEINFO_CONFTEST).decode("utf-8"))
    expected = literals["RECORDED_FRAME_1_EXPECTED"]
    recorded = literals["RECORDED_FRAMES"]
    assert isinstance(expected, dict)
    assert isinstance(recorded, list)
    listing = [
        ast.literal_eval(line)
        for line in capture(PYTELEINFO_TXT).decode("utf-8").splitlines()
        if line.startswith("b'")
    ]
    assert listing == recorded
    _, frames, _ = decode(b"".join(recorded))
    assert len(frames) == 10
    assert dict(frames[0].values) == expected
    assert list(frames[0].values) == list(expected)  # reception order
    _, captured, _ = decode(capture(PYTELEINFO_BIN))
    for f in captured:
        assert f.mode is LineMode.HISTORIC
        assert f.rejected_groups == 0
        assert {k: v for k, v in f.values.items() if k not in {"BBRHCJB", "PAPP"}} == {
            k: v for k, v in expected.items() if k not in {"BBRHCJB", "PAPP"}
        }
    # The index counts up from frame to frame, after the recorded ones.
    readings = [int(f.values["BBRHCJB"]) for f in [*frames, *captured]]
    assert readings == sorted(readings)
    assert readings[0] == 18328702
    assert readings[-1] == 18328876


def test_pyteleinfo_valid_frame_with_space_checksums() -> None:
    """The HC frame with two SPACE checksums decodes to VALID_FRAME_JSON."""
    literals = python_literals(capture(PYTELEINFO_CONFTEST).decode("utf-8"))
    data = capture(PYTELEINFO_VALID)
    assert literals["VALID_FRAME"] == data
    assert b"\nPTEC HP..  \r" in data
    assert b"\nIINST 009  \r" in data
    _, frames, _ = decode(data)
    assert dict(frames[0].values) == literals["VALID_FRAME_JSON"]
    assert frames[0].values["PTEC"] == "HP.."
    state = read_meter(frames[0])
    assert state.contract is Contract.OFF_PEAK
    assert state.period is TariffPeriod.PEAK
    assert dict(state.energy) == {
        TariffPeriod.OFF_PEAK: 94939439,
        TariffPeriod.PEAK: 127970334,
    }
    assert state.energy_total == 94939439 + 127970334
    assert state.subscribed_power == 45 * 200


def test_lains_standard_stream_values() -> None:
    """Real tri Tempo standard stream: corrupted groups never leak into frames."""
    decoder, frames, _ = decode(capture(LAINS_STD_RAW))
    for f in frames:
        assert f.mode is LineMode.STANDARD
        assert "CC@SN" not in f.values
        assert "CC@SN-1" not in f.values
        assert "@COUP" not in f.values
        assert f.values["NGTF"] == "     TEMPO      "
        assert f.values["LTARF"] == "   HC  BLANC    "
        assert f.values["STGE"] == "463A0800"
        energies = [v for k, v in f.values.items() if k.startswith("EAS")]
        assert all(v.isdigit() and len(v) == 9 for v in energies)
        # One frame lost NTARF ("NTARF⇥ 3"), one FPM1 ("FPM1⇥ 200215060000⇥ 0").
        assert f.values.get("NTARF", "03") == "03"
        assert f.values["DPM1"] == "00"
        assert f.timestamps["DPM1"] == " 200214060000"
        assert f.timestamps.get("FPM1", " 200215060000") == " 200215060000"
    assert sum("NTARF" in f.values for f in frames) == 6
    # EAST + EASF01-10 + EASD01-04 in 7 frames, less the 5 damaged ones
    # (EASD01 and EASF06 whose CR became FF; EASF09, EASD02, EASF07 digit→space).
    assert sum(k.startswith("EAS") for f in frames for k in f.values) == 7 * 15 - 5
    assert sum("FPM1" in f.timestamps for f in frames) == 6
    # Damaged groups inside the 7 complete frames: 10 corrupted ones and the 2
    # whose CR became FF. The others lie in the partial head (EAST) and tail
    # (SMAXSN1, NTARF and the cut "P").
    assert sum(f.rejected_groups for f in frames) == 12
    assert decoder.mode is LineMode.STANDARD
    state = read_meter(frames[0])
    assert state.contract is Contract.TEMPO
    assert state.period is TariffPeriod.HC_WHITE
    assert state.today is TempoColor.WHITE
    assert state.tomorrow is TempoColor.BLUE
    assert state.three_phase
    assert state.status is not None
    assert state.status.peak_active == 1


def test_enedis_frames() -> None:
    """Enedis' own test frames: historic BASE, standard HC/HP, bad PCOUP."""
    _, historic_frames, _ = decode(capture(ENEDIS_HISTORIC))
    assert historic_frames[0].values["PTEC"] == "TH.."
    assert historic_frames[0].values["IMAX"] == "000"
    _, frames, _ = decode(capture(ENEDIS_STANDARD))
    values = frames[0].values
    assert values["EASD01"] == "000000000"  # SPACE checksum
    assert values["PCOUP"] == "02"
    assert values["MSG1"] == "PAS DE          MESSAGE         "
    assert frames[0].timestamps["DATE"] == "E170915101601"
    assert frames[0].timestamps["SMAXSN-1"] == "E170913000000"
    _, bad, _ = decode(capture(ENEDIS_PCOUP))
    assert "PCOUP" not in bad[0].values
    assert bad[0].rejected_groups == 1
    assert dict(bad[0].values) == {k: v for k, v in values.items() if k != "PCOUP"}


def _go_string(source: str, name: str) -> bytes:
    """A Go interpreted string literal ``var name = []byte("...")``."""
    match = re.search(rf'var {name} = \[\]byte\("((?:[^"\\]|\\.)*)"\)', source)
    assert match is not None
    return codecs.decode(match[1], "unicode_escape").encode("latin-1")


def test_goteleinfo_standard_frame() -> None:
    """Spaces in values are kept, DATE is empty, PJOURF+1 is 98 characters."""
    source = capture(GO_SOURCE).decode("utf-8")
    payload = _go_string(source, "StandardRawFramePayload")
    data = capture(GO_FRAME)
    assert data == STX + payload + ETX
    _, frames, seen = decode(data)
    values = frames[0].values
    assert values["LTARF"] == " HEURE  CREUSE  "
    assert values["NGTF"] == " HC et Week-End "
    assert values["DATE"] == ""
    assert frames[0].timestamps["DATE"] == "H191203125805"
    assert len(values["PJOURF+1"]) == 98
    assert values["PJOURF+1"].startswith("00008002 0256C001 ")
    assert Group("DATE", "", "H191203125805") in seen


def test_goteleinfo_historic_literal_is_not_lf_cr_framed() -> None:
    """The Go test's historic literal is CR…LF-framed: only LF…CR groups count."""
    source = capture(GO_SOURCE).decode("utf-8")
    data = _go_string(source, "HistoricRawFrame")
    decoder, frames, _ = decode(data)
    # "PAPP 012345  " follows a CR, not an LF, and "HCHP …" ends with LF.
    assert dict(frames[0].values) == {"PTEC": "HP..", "HCHC": "09876543"}
    assert decoder.truncated_groups == 2


# -- TEXTINDEX: decoded values ---------------------------------------------


def test_openhab_three_phase_producer() -> None:
    """openHAB's assertions: DATE 2021-04-14T08:26:25, CCASN 2021-04-14T08:00."""
    _, frames, _ = decode(textindex(OPENHAB_TRI_PROD))
    first = frames[0]
    date = parse_horodate(first.timestamps["DATE"])
    assert first.timestamps["DATE"] == "E210414082625"
    assert date is not None
    assert date.local == datetime(2021, 4, 14, 8, 26, 25)
    assert date.summer is True
    ccasn = parse_horodate(first.timestamps["CCASN"])
    assert ccasn is not None
    assert ccasn.local == datetime(2021, 4, 14, 8, 0, 0)
    assert first.values["CCASN"] == "00806"
    assert frames[1].timestamps["DATE"] == "E210414082627"


# -- ISSUE excerpts --------------------------------------------------------


def _logged_bytes(line: str) -> bytes:
    """The ``b'…'`` literal a Python logger printed in ``line 'b'…''``."""
    match = re.search(r"line 'b'(.*?)'':", line)
    assert match is not None
    return ast.literal_eval(f"b'{match[1]}'")  # type: ignore[no-any-return]


def test_eot_instead_of_etx_aborts_the_frame() -> None:
    """linkytic#9: ``HCHP 019571184 7\\r\\x04\\x02\\n`` — EOT ends the frame."""
    logged = re.search(r"line to parse: b'(.*)'", capture(ISSUE_EOT).decode("utf-8"))
    assert logged is not None
    tail = ast.literal_eval(f"b'{logged[1]}'")
    assert tail == b"HCHP 019571184 7\r\x04\x02\n"
    stream = (
        STX + LF + b"ADCO 012345678910 E\r" + LF + tail + b"ADCO 012345678910 E\r" + ETX
    )
    decoder, frames, seen = decode(stream)
    assert decoder.aborted_frames == 1
    assert Group("HCHP", "019571184", None) in seen  # the group itself was fine
    assert len(frames) == 1
    assert dict(frames[0].values) == {"ADCO": "012345678910"}
    assert decoder.checksum_errors == decoder.malformed_groups == 0


def test_high_bit_garbage_lines_are_rejected() -> None:
    """linkytic#11: masking bit 7 does not rescue bytes that were really corrupted."""
    lines = [
        _logged_bytes(line) for line in issue_lines(ISSUE_8BIT) if "line 'b'" in line
    ]
    assert len(lines) == 5
    decoder, _, seen = decode(b"".join(LF + line + CR for line in lines))
    assert seen == []
    assert decoder.checksum_errors == 4
    assert decoder.malformed_groups == 1  # "ISOUSC 45 \x7f": DEL is no checksum
    assert decoder.high_bit_bytes == 2
    # The same lines with the right characters pass: the labels were damaged.
    _, _, repaired = decode(
        LF + b"OPTARIF HC.. <" + CR + LF + b"MOTDETAT 000000 B" + CR
    )
    assert [g.label for g in repaired] == ["OPTARIF", "MOTDETAT"]


def test_standard_corrupted_lines_are_rejected() -> None:
    """linkytic#51: stray FF/BS bytes and a digit turned into a space."""
    lines = [_logged_bytes(line) for line in issue_lines(ISSUE_STD_CORRUPTED)]
    verdicts = []
    for line in lines:
        decoder, _, seen = decode(LF + line + CR)
        assert seen == []
        verdicts.append("checksum" if decoder.checksum_errors else "malformed")
    assert verdicts == ["checksum", "malformed", "checksum", "malformed"]


def test_three_phase_standard_overload_excerpt() -> None:
    """linkytic#2 (tabs shown as spaces): damaged labels fail their checksum."""
    accepted: list[str] = []
    refused: list[str] = []
    for line in issue_lines(ISSUE_TRI_OVERLOAD):
        fields = re.split(" {2,}", line)
        if len(fields) != 3 or any(" " in field for field in fields):
            continue  # padding or a horodate lost to the rendering
        decoder, _, seen = decode(LF + "\t".join(fields).encode() + CR)
        (accepted if seen else refused).append(fields[0])
        assert seen or decoder.checksum_errors == 1
    # Leading characters lost on the line (TIC < VTIC, RMS3 < IRMS3 …) and an
    # ADSC anonymised without recomputing its checksum.
    assert sorted(refused) == [
        "ADSC",
        "COUP",
        "DATE",
        "REF",
        "RMS1",
        "RMS2",
        "RMS3",
        "TIC",
    ]
    assert "IRMS1" in accepted
    assert "URMS3" in accepted
    # The DATE line lost its empty data field in the rendering; restored, it passes.
    _, _, seen = decode(LF + b"DATE\tH260319062210\t\tA" + CR)
    assert seen == [Group("DATE", "", "H260319062210")]


def _trace_bytes(text: str) -> bytes:
    return b"".join(
        bytes.fromhex(line.split("<<< ", 1)[1].replace(":", ""))
        for line in text.splitlines()
        if "<<< " in line
    )


def test_0x0f_separator_trace_is_recovered() -> None:
    """esphome#17291: LF received as 0x0F and STX as 'C'; checksums still valid."""
    data = _trace_bytes(capture(ISSUE_0F).decode("utf-8"))
    assert data.count(b"\x0f") == 17
    assert b"\x03C\nADSC" in data
    decoder, frames, seen = decode(data)
    assert len(seen) == 17
    assert decoder.checksum_errors == decoder.malformed_groups == 0
    assert frames == []  # the trace stops mid-frame
    assert seen[0] == Group("ADSC", "022361418503", None)
    assert seen[2] == Group("DATE", "", "E260630001953")
    assert seen[4] == Group("LTARF", "BLEU HC         ", None)
    # Had the trace ended after the last group, the frame would be complete.
    end = data.rindex(CR) + 1
    for size in (1, 5, len(data)):
        chunked = TicDecoder()
        (whole,) = feed_in_chunks(chunked, data[:end] + ETX, [size])
        assert whole.mode is LineMode.STANDARD
        assert len(whole.values) == 17
        assert whole.rejected_groups == 0
        state = read_meter(whole)
        assert state.contract is Contract.TEMPO
        assert state.tariff_label == "BLEU HC"
        assert state.energy[TariffPeriod.HC_BLUE] == 7024093


def test_0x0f_recovery_keeps_checksum_protection() -> None:
    """Lost (not replaced) LFs and corrupted bytes are still rejected."""
    data = _trace_bytes(capture(ISSUE_0F).decode("utf-8"))
    end = data.rindex(CR) + 1
    dropped = data[:end].replace(b"\r\x0f", b"\r")  # LF lost instead of replaced
    decoder, _, seen = decode(dropped)
    assert [g.label for g in seen] == ["ADSC"]  # only the group with a real LF
    assert decoder.checksum_errors + decoder.malformed_groups == 16


def test_dropped_byte_group_is_rejected() -> None:
    """esphome issues#4690: the good groups pass, EASD02 with a lost digit fails."""
    good, bad = [], []
    for line in issue_lines(ISSUE_DROPPED_BYTE):
        quoted = re.search(r'<<< "(.*)"$', line)
        if quoted:
            good.append(ast.literal_eval(f'b"{quoted[1]}"'))
        elif line.startswith("\\n"):
            bad.append(ast.literal_eval(f'b"{line}"'))
    decoder, _, seen = decode(b"".join(good))
    assert len(seen) == len(good) == 22
    assert decoder.checksum_errors == 0
    decoder, _, seen = decode(b"".join(bad))
    assert bad == [b"\nEASD02\t00134230\t%\r"]
    assert seen == []
    assert decoder.checksum_errors == 1


def test_producer_excerpt_with_tabs_rendered_as_spaces() -> None:
    """NextDom#20: pasted with spaces nothing decodes; with tabs restored, it does."""
    lines = issue_lines(ISSUE_PRODUCER)
    decoder, _, seen = decode(b"".join(LF + line.encode() + CR for line in lines))
    assert seen == []
    assert decoder.malformed_groups == len(lines)
    restored = [re.split(" {2,}", line) for line in lines]
    _, _, seen = decode(b"".join(LF + "\t".join(f).encode() + CR for f in restored))
    labels = [g.label for g in seen]
    # DATE lost its empty field and LTARF its trailing padding in the paste.
    assert labels == [
        "ADSC",
        "VTIC",
        "NGTF",
        "EAST",
        *(f"EASF0{i}" for i in range(1, 7)),
    ]
    assert Group("NGTF", "PRODUCTEUR", None) in seen


def test_three_phase_historic_base_frame() -> None:
    """NextDom#24: historic three-phase BASE frame, 15/15 groups."""
    data = (
        STX
        + b"".join(LF + line.encode() + CR for line in issue_lines(ISSUE_TRI_BASE))
        + ETX
    )
    _, frames, seen = decode(data)
    assert len(seen) == 15
    state = read_meter(frames[0])
    assert state.contract is Contract.BASE
    assert state.three_phase
    assert state.currents == (1, 2, 2)
    assert state.current is None
    assert state.subscribed_power == 3 * 30 * 200
    assert state.energy_total == 73260524
    assert state.max_power_yesterday == 15020
    assert state.apparent_power == 1095


def test_tasmota_hc_frame_with_unknown_label() -> None:
    """Tasmota PR#10844: SPACE checksum and the non-spec label TENSION are kept."""
    data = (
        STX
        + b"".join(LF + line.encode() + CR for line in issue_lines(ISSUE_TASMOTA))
        + ETX
    )
    _, frames, seen = decode(data)
    assert len(seen) == 12
    assert frames[0].values["TENSION"] == "233"
    assert frames[0].values["PTEC"] == "HP.."
    assert frames[0].values["HHPHC"] == "H"


def test_wrong_serial_settings_garbage_decodes_nothing() -> None:
    """teleinfo2mqtt#24: what a wrong speed gives — no group, no frame."""
    decoder, frames, seen = decode(capture(ISSUE_GARBAGE))
    assert frames == []
    assert seen == []
    assert decoder.discarded_bytes > 0


def _raw_frame_groups(name: str) -> list[bytes]:
    bodies = []
    for line in issue_lines(name):
        match = re.search(r"Raw frame \[(.*)$", line)
        if match:
            bodies.append(match[1].encode())
    return bodies


def test_date_has_an_empty_value() -> None:
    """teleinfo2mqtt#29: DATE⇥E220615091349⇥⇥H — the value is '' not 'H'."""
    bodies = _raw_frame_groups(ISSUE_DATE)
    _, _, seen = decode(b"".join(LF + body + CR for body in bodies))
    assert seen[0] == Group("DATE", "", "E220615091349")
    assert seen[1] == Group("NJOURF+1", "00", None)
    assert seen[2].label == "PJOURF+1"
    assert len(seen[2].value) == 98


def test_mobile_peak_groups() -> None:
    """teleinfo2mqtt#47: PPOINTE is valid; DPM/FPM horodates have a SPACE season."""
    (body,) = _raw_frame_groups(ISSUE_DPM)
    _, _, seen = decode(LF + body + CR)
    assert seen[0].label == "PPOINTE"
    assert seen[0].value.split(" ")[:3] == ["00004003", "06004004", "22004003"]
    stamps = re.findall(r"timestamp \[( \d{12})\]", capture(ISSUE_DPM).decode("utf-8"))
    assert stamps == [" 230214060000", " 230213060000"]
    start = parse_horodate(stamps[1])
    assert start is not None
    assert start.season == " "
    assert start.summer is None
    assert start.local == datetime(2023, 2, 13, 6, 0)
