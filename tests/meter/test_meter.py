"""Interpretation: read_meter ([54E] §6.1, §6.2.2-3) and parse_horodate (§6.2.1.1)."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

import pytest

from custom_components.linky_tempo.meter import (
    Contract,
    Frame,
    LineMode,
    MeterState,
    TariffPeriod,
    TempoColor,
    TicDecoder,
    parse_horodate,
    read_meter,
)
from tests.meter.support import (
    CR,
    ETX,
    LF,
    STX,
    capture,
    frame,
    historic,
    issue_lines,
    textindex,
)
from tests.meter.test_captures import (
    ENEDIS_HISTORIC,
    ENEDIS_STANDARD,
    GO_FRAME,
    HEKMON_STANDARD,
    ISSUE_TASMOTA,
    LAINS_LEGACY_RAW,
    LAINS_STD_RAW,
    OPENHAB_CBETM_EJP,
    OPENHAB_MONO_PROD,
    OPENHAB_TRI_PROD,
    PYTELEINFO_BIN,
)

TEMPO_ORDER = [
    TariffPeriod.HC_BLUE,
    TariffPeriod.HP_BLUE,
    TariffPeriod.HC_WHITE,
    TariffPeriod.HP_WHITE,
    TariffPeriod.HC_RED,
    TariffPeriod.HP_RED,
]

# The full-price periods: Tempo HP, HC/HP peak, EJP mobile peak.
PEAK_PERIODS = frozenset(
    {
        TariffPeriod.PEAK,
        TariffPeriod.EJP_PEAK,
        TariffPeriod.HP_BLUE,
        TariffPeriod.HP_WHITE,
        TariffPeriod.HP_RED,
    }
)


def first_state(data: bytes) -> MeterState:
    """read_meter of the first frame of a stream."""
    frames = TicDecoder().feed(data)
    assert frames
    return read_meter(frames[0])


def make(mode: LineMode, **values: str) -> Frame:
    """A frame built directly from values (labels with '-'/'+' via dict)."""
    return Frame(mode, MappingProxyType(values), MappingProxyType({}), 0)


def std(values: dict[str, str]) -> MeterState:
    """read_meter of a standard frame made of ``values``."""
    return read_meter(
        Frame(LineMode.STANDARD, MappingProxyType(values), MappingProxyType({}), 0)
    )


# -- historic ------------------------------------------------------------------


def test_historic_base() -> None:
    """Enedis' historic BASE frame."""
    state = first_state(capture(ENEDIS_HISTORIC))
    assert state.mode is LineMode.HISTORIC
    assert state.meter_id == "812164417227"
    assert state.contract is Contract.BASE
    assert state.period is TariffPeriod.BASE
    assert state.period not in PEAK_PERIODS
    assert state.today is state.tomorrow is None
    assert dict(state.energy) == {TariffPeriod.BASE: 104}
    assert state.energy_total == 104
    assert state.subscribed_power == 15 * 200
    assert state.apparent_power == 0
    assert state.current == 0
    assert not state.three_phase
    assert not state.overload
    assert not state.short_frame


def test_historic_off_peak_with_unknown_label() -> None:
    """Tasmota's HC frame: HCHC/HCHP, PTEC HP.. (peak), the total is their sum."""
    lines = issue_lines(ISSUE_TASMOTA)
    state = first_state(STX + b"".join(LF + line.encode() + CR for line in lines) + ETX)
    assert state.contract is Contract.OFF_PEAK
    assert state.period is TariffPeriod.PEAK
    assert state.period in PEAK_PERIODS
    assert dict(state.energy) == {
        TariffPeriod.OFF_PEAK: 84879914,
        TariffPeriod.PEAK: 107060110,
    }
    assert state.energy_total == 84879914 + 107060110
    assert state.current == 7
    assert state.subscribed_power == 45 * 200


def test_historic_ejp_three_phase() -> None:
    """CBETM EJP: HN.. period, no PEJP notice, three-phase currents."""
    state = first_state(textindex(OPENHAB_CBETM_EJP))
    assert state.contract is Contract.EJP
    assert state.period is TariffPeriod.EJP_NORMAL
    assert state.peak_notice is False
    assert state.three_phase
    assert state.currents == (10, 5, 8)
    assert state.subscribed_power == 3 * 30 * 200
    assert dict(state.energy) == {
        TariffPeriod.EJP_NORMAL: 1111111,
        TariffPeriod.EJP_PEAK: 2222222,
    }
    assert state.energy_total == 3333333
    assert state.max_power_yesterday == 17480
    notice = read_meter(make(LineMode.HISTORIC, OPTARIF="EJP.", PTEC="PM..", PEJP="30"))
    assert notice.peak_notice is True
    assert notice.period is TariffPeriod.EJP_PEAK
    assert notice.period in PEAK_PERIODS


def test_historic_tempo_mono() -> None:
    """Real Linky mono Tempo (pyteleinfo): HC blue today, red tomorrow."""
    state = first_state(capture(PYTELEINFO_BIN))
    assert state.meter_id == "021861348497"
    assert state.contract is Contract.TEMPO
    assert state.period is TariffPeriod.HC_BLUE
    assert state.period.color is TempoColor.BLUE
    assert state.today is TempoColor.BLUE
    assert state.tomorrow is TempoColor.RED
    assert list(state.energy) == TEMPO_ORDER
    assert state.energy[TariffPeriod.HC_BLUE] == 18328856
    assert state.energy_total == sum(state.energy.values())
    assert state.subscribed_power == 30 * 200
    lains = first_state(capture(LAINS_LEGACY_RAW))
    assert lains.period is TariffPeriod.HP_BLUE
    assert lains.today is lains.tomorrow is TempoColor.BLUE
    assert lains.apparent_power == 120


def _three_phase_tempo(
    ptec: bytes, demain: str, bbrhcjr: bytes, papp: str = "05998"
) -> bytes:
    """An old three-phase Tempo meter's frame (CBETM), written for this test.

    ``ptec`` and ``bbrhcjr`` are whole group bodies, so that a test can give
    one without its checksum (lost, as trailing spaces stripped by a logger
    lose it) or cut short.
    """
    return frame(
        historic("ADCO", "020830022493"),
        historic("OPTARIF", "BBR("),
        historic("ISOUSC", "30"),
        historic("BBRHCJB", "023916830"),
        historic("BBRHPJB", "045909975"),
        historic("BBRHCJW", "007127242"),
        historic("BBRHPJW", "013332976"),
        bbrhcjr,
        historic("BBRHPJR", "007659709"),
        ptec,
        historic("DEMAIN", demain),
        historic("IINST1", "009"),
        historic("IINST2", "007"),
        historic("IINST3", "009"),
        historic("IMAX1", "031"),
        historic("IMAX2", "034"),
        historic("IMAX3", "029"),
        historic("PMAX", "13190"),
        historic("PAPP", papp),
        historic("HHPHC", "Y"),
        historic("MOTDETAT", "000000"),
        historic("PPOT", "00"),
    )


def test_historic_tempo_three_phase() -> None:
    """Old three-phase Tempo meter: DEMAIN ---- is unknown, never blue."""
    index = historic("BBRHCJR", "004353593")
    stream = (
        _three_phase_tempo(b"PTEC HPJR", "----", index)
        + _three_phase_tempo(historic("PTEC", "HCJR"), "ROUG", index, "00549")
        # The last frame lost the end of its BBRHCJR group.
        + _three_phase_tempo(historic("PTEC", "HCJR"), "ROUG", b"BBRHCJR 004357")
    )
    decoder = TicDecoder()
    first, red, truncated = (read_meter(f) for f in decoder.feed(stream))
    assert decoder.checksum_errors + decoder.malformed_groups == 2
    assert first.tomorrow is TempoColor.UNKNOWN
    assert first.period is None  # its PTEC group lost the checksum
    assert first.today is None
    assert first.three_phase
    assert first.currents == (9, 7, 9)
    assert first.current is None
    assert first.apparent_power == 5998
    assert red.period is TariffPeriod.HC_RED
    assert red.today is red.tomorrow is TempoColor.RED
    assert red.apparent_power == 549
    assert red.energy_total == sum(red.energy.values())
    # A frame missing one Tempo index has no total (it would look like a drop).
    assert TariffPeriod.HC_RED not in truncated.energy
    assert truncated.energy[TariffPeriod.HP_WHITE] == 13_332_976
    assert truncated.energy_total is None


@pytest.mark.parametrize(
    ("ptec", "period"),
    [
        ("TH..", TariffPeriod.BASE),
        ("HC..", TariffPeriod.OFF_PEAK),
        ("HP..", TariffPeriod.PEAK),
        ("HN..", TariffPeriod.EJP_NORMAL),
        ("PM..", TariffPeriod.EJP_PEAK),
        ("HCJB", TariffPeriod.HC_BLUE),
        ("HPJB", TariffPeriod.HP_BLUE),
        ("HCJW", TariffPeriod.HC_WHITE),
        ("HPJW", TariffPeriod.HP_WHITE),
        ("HCJR", TariffPeriod.HC_RED),
        ("HPJR", TariffPeriod.HP_RED),
        ("????", TariffPeriod.UNKNOWN),
        ("", TariffPeriod.UNKNOWN),
    ],
)
def test_ptec(ptec: str, period: TariffPeriod) -> None:
    """Every PTEC value of [02E]."""
    assert read_meter(make(LineMode.HISTORIC, PTEC=ptec)).period is period


@pytest.mark.parametrize(
    ("optarif", "contract"),
    [
        ("BASE", Contract.BASE),
        ("HC..", Contract.OFF_PEAK),
        ("EJP.", Contract.EJP),
        ("BBR(", Contract.TEMPO),
        ("BBRx", Contract.TEMPO),
        ("ABCD", Contract.OTHER),
    ],
)
def test_optarif(optarif: str, contract: Contract) -> None:
    """OPTARIF values: BASE, HC.., EJP., BBRx."""
    assert read_meter(make(LineMode.HISTORIC, OPTARIF=optarif)).contract is contract


@pytest.mark.parametrize(
    ("demain", "color"),
    [
        ("BLEU", TempoColor.BLUE),
        ("BLAN", TempoColor.WHITE),
        ("ROUG", TempoColor.RED),
        ("----", TempoColor.UNKNOWN),
        ("????", TempoColor.UNKNOWN),
    ],
)
def test_demain(demain: str, color: TempoColor) -> None:
    """DEMAIN gives tomorrow; ``----`` is unknown, never blue."""
    state = read_meter(
        make(LineMode.HISTORIC, OPTARIF="BBR(", PTEC="HPJW", DEMAIN=demain)
    )
    assert state.tomorrow is color
    assert state.today is TempoColor.WHITE


def test_historic_tempo_colour_needs_a_tempo_period() -> None:
    """A Tempo contract with an odd PTEC: today unknown; other contracts: no colour."""
    odd = read_meter(
        make(LineMode.HISTORIC, OPTARIF="BBR(", PTEC="TH..", DEMAIN="----")
    )
    assert odd.today is TempoColor.UNKNOWN
    assert odd.tomorrow is TempoColor.UNKNOWN
    base = read_meter(make(LineMode.HISTORIC, OPTARIF="BASE", PTEC="TH.."))
    assert base.today is base.tomorrow is None


def test_historic_overload_mono() -> None:
    """ADPS (hand-computed ``ADPS 030 ;``) marks an overload with its current."""
    bodies = [historic("ADCO", "021861348497"), historic("IINST", "032"), b"ADPS 030 ;"]
    state = first_state(frame(*bodies))
    assert state.overload
    assert state.overload_current == 30
    assert state.overload_phases == ()
    assert not state.short_frame
    assert not first_state(frame(*bodies[:2])).overload


def test_historic_three_phase_short_frame() -> None:
    """Short frame ADCO/ADIR1/IINST1-3 (a Go test sample): overload on phase 1."""
    data = (
        STX
        + b"".join(
            LF + line + CR
            for line in (
                b"ADCO 123456789012 G",
                b'ADIR1 001 "',
                b"IINST1 001 I",
                b"IINST2 009 R",
                b"IINST3 000 J",
            )
        )
        + ETX
    )
    state = first_state(data)
    assert state.short_frame
    assert state.overload
    assert state.overload_phases == (1,)
    assert state.overload_current == 1
    assert state.currents == (1, 9, 0)
    assert state.three_phase
    assert dict(state.energy) == {}
    assert state.energy_total is None
    long_frame = read_meter(
        make(LineMode.HISTORIC, ADCO="1", OPTARIF="BASE", BASE="1", IINST1="1")
    )
    assert not long_frame.short_frame


def test_invalid_numbers_are_none() -> None:
    """Corrupted numeric text gives None for that field, never an exception."""
    state = read_meter(
        make(
            LineMode.HISTORIC,
            PAPP="0066 ",
            ISOUSC="x",
            IINST="-12",
            BASE="1_000",
            ADPS="٣",
        )
    )
    assert state.apparent_power is None
    assert state.subscribed_power is None
    assert state.current is None
    assert state.energy_total is None
    assert dict(state.energy) == {}
    assert state.overload  # ADPS is there, whatever its value
    assert state.overload_current is None


# -- standard ------------------------------------------------------------------


def test_standard_tempo_three_phase() -> None:
    """Real tri Tempo standard (lains): index 03 = HC white; STGE colours."""
    state = first_state(capture(LAINS_STD_RAW))
    assert state.meter_id == "041776199277"
    assert state.contract is Contract.TEMPO
    assert state.period is TariffPeriod.HC_WHITE
    assert state.today is TempoColor.WHITE
    assert state.tomorrow is TempoColor.BLUE
    assert state.tariff_label == "HC  BLANC"
    assert list(state.energy) == TEMPO_ORDER
    assert state.energy[TariffPeriod.HC_WHITE] == 487131
    assert state.energy_total == 21849106
    assert state.three_phase
    assert state.currents == (3, 6, 3)
    assert state.current == 3
    assert state.voltages == (237, 238, 235)
    assert state.voltage == 237
    assert state.apparent_power == 2700
    assert state.apparent_power_phases == (664, 1373, 664)
    assert state.subscribed_power == state.cut_off_power == 30000
    assert state.status is not None
    assert state.status.peak_active == 1
    assert state.peak_notice is False
    assert state.max_power_today == 10802
    assert state.max_power_yesterday == 9562


def test_standard_tempo_producer() -> None:
    """openHAB tri producer Tempo: index 02 = HP blue, injection readings."""
    state = first_state(textindex(OPENHAB_TRI_PROD))
    assert state.contract is Contract.TEMPO
    assert state.period is TariffPeriod.HP_BLUE
    assert state.today is TempoColor.BLUE
    assert state.tomorrow is TempoColor.UNKNOWN
    assert state.injected_energy == 671631
    assert state.injected_power == 0
    assert state.status is not None
    assert state.status.producer
    assert state.voltages == (234, 240, 242)


def test_standard_producer_mono() -> None:
    """openHAB mono producer: NGTF 'PRODUCTEUR' is no known contract; injecting."""
    state = first_state(textindex(OPENHAB_MONO_PROD))
    assert state.contract is Contract.OTHER
    assert state.period is TariffPeriod.UNKNOWN
    assert state.today is state.tomorrow is None
    assert dict(state.energy) == {}
    assert state.energy_total == 0
    assert state.injected_energy == 32781
    assert state.injected_power == 1253
    assert state.status is not None
    assert state.status.injecting
    assert state.tariff_label == "INDEX NON CONSO"
    assert not state.three_phase
    assert state.currents is None


def test_standard_off_peak() -> None:
    """goteleinfo (LTARF ' HEURE  CREUSE  ') and Enedis (LTARF without a period)."""
    go = first_state(capture(GO_FRAME))
    assert go.contract is Contract.OFF_PEAK
    assert go.period is TariffPeriod.OFF_PEAK
    assert dict(go.energy) == {
        TariffPeriod.OFF_PEAK: 4432429,
        TariffPeriod.PEAK: 9236697,
    }
    assert go.tariff_label == "HEURE  CREUSE"
    assert go.today is go.tomorrow is None
    enedis = first_state(capture(ENEDIS_STANDARD))
    assert enedis.contract is Contract.OFF_PEAK
    assert enedis.tariff_label == "INDEX INACTIF 2"
    assert enedis.period is TariffPeriod.PEAK  # NTARF 02, historic order
    assert enedis.cut_off_power == 2000
    assert enedis.subscribed_power == 3000


def test_standard_off_peak_text_orients_the_indexes() -> None:
    """When LTARF says peak on index 1, EASF01 is the peak index."""
    values = {
        "NGTF": "H PLEINE/CREUSE ",
        "LTARF": " HEURE  PLEINE  ",
        "NTARF": "01",
        "EASF01": "000000100",
        "EASF02": "000000200",
    }
    state = std(values)
    assert state.period is TariffPeriod.PEAK
    assert dict(state.energy) == {TariffPeriod.PEAK: 100, TariffPeriod.OFF_PEAK: 200}
    state = std({**values, "LTARF": "HC", "NTARF": "02"})
    assert state.period is TariffPeriod.OFF_PEAK
    assert dict(state.energy) == {TariffPeriod.PEAK: 100, TariffPeriod.OFF_PEAK: 200}
    state = std({**values, "LTARF": "HP", "NTARF": "02"})
    assert dict(state.energy) == {TariffPeriod.OFF_PEAK: 100, TariffPeriod.PEAK: 200}


def test_standard_base() -> None:
    """linkytic standard capture: NGTF 'base' in lower case."""
    data = STX + textindex(HEKMON_STANDARD).removeprefix(ETX + STX) + ETX
    state = first_state(data)
    assert state.contract is Contract.BASE
    assert state.period is TariffPeriod.BASE
    assert dict(state.energy) == {TariffPeriod.BASE: 3519702}
    assert state.energy_total == 3519702
    assert state.subscribed_power == 6000


@pytest.mark.parametrize(
    ("ngtf", "contract"),
    [
        ("     TEMPO      ", Contract.TEMPO),
        ("TEMPO           ", Contract.TEMPO),
        ("base            ", Contract.BASE),
        ("BASE", Contract.BASE),
        ("EJP", Contract.EJP),
        ("H PLEINE/CREUSE ", Contract.OFF_PEAK),
        (" HC et Week-End ", Contract.OFF_PEAK),
        ("HEURES CREUSES", Contract.OFF_PEAK),
        ("HEURE PLEINE", Contract.OFF_PEAK),
        ("HP/HC", Contract.OFF_PEAK),
        ("PRODUCTEUR", Contract.OTHER),
        ("TECHNIQUE", Contract.OTHER),
    ],
)
def test_ngtf(ngtf: str, contract: Contract) -> None:
    """NGTF is free text: matched on words, case-insensitively."""
    assert std({"NGTF": ngtf}).contract is contract


@pytest.mark.parametrize(
    ("ntarf", "period"), [(f"{i:02d}", p) for i, p in enumerate(TEMPO_ORDER, 1)]
)
def test_standard_tempo_index(ntarf: str, period: TariffPeriod) -> None:
    """Tempo index n → period; LTARF text ('BLEU HC', 'HP  BLEU') is ignored."""
    state = std({"NGTF": "TEMPO", "LTARF": "BLEU HC", "NTARF": ntarf})
    assert state.period is period


def test_standard_tempo_without_ntarf_or_colours() -> None:
    """No NTARF: STGE bits 10-13; STGE today 0 on Tempo: the period's colour."""
    state = std({"NGTF": "TEMPO", "STGE": "003A1000"})  # index 5, no colours
    assert state.period is TariffPeriod.HC_RED
    assert state.today is TempoColor.RED
    assert state.tomorrow is TempoColor.UNKNOWN
    state = std({"NGTF": "TEMPO", "NTARF": "09", "STGE": "003A2000"})
    assert state.period is TariffPeriod.UNKNOWN
    assert state.today is TempoColor.UNKNOWN


def test_standard_ejp_and_overload() -> None:
    """EJP index 2 is the mobile peak; STGE bit 7 is the standard-mode overload."""
    state = std(
        {"NGTF": "EJP", "NTARF": "02", "STGE": "103A0480", "EASF01": "1", "EASF02": "2"}
    )
    assert state.period is TariffPeriod.EJP_PEAK
    assert dict(state.energy) == {TariffPeriod.EJP_NORMAL: 1, TariffPeriod.EJP_PEAK: 2}
    assert state.overload
    assert state.peak_notice is True
    assert not std({"STGE": "103A0400"}).overload


def test_tariff_period_properties() -> None:
    """color only for Tempo periods."""
    assert [p.color for p in TEMPO_ORDER] == [TempoColor.BLUE] * 2 + [
        TempoColor.WHITE
    ] * 2 + [TempoColor.RED] * 2
    assert {p for p in TariffPeriod if p.color is not None} == set(TEMPO_ORDER)
    assert TariffPeriod.PEAK.color is None


# -- horodates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "local", "summer", "degraded"),
    [
        ("H081225223518", datetime(2008, 12, 25, 22, 35, 18), False, False),
        ("E090714074553", datetime(2009, 7, 14, 7, 45, 53), True, False),
        ("h240210121355", datetime(2024, 2, 10, 12, 13, 55), False, True),
        ("e210414082625", datetime(2021, 4, 14, 8, 26, 25), True, True),
        (" 200214060000", datetime(2020, 2, 14, 6, 0), None, False),
    ],
)
def test_parse_horodate(
    text: str, local: datetime, summer: bool | None, degraded: bool
) -> None:
    """[54E] §6.2.1.1 examples, degraded clock, DPM/FPM SPACE season."""
    parsed = parse_horodate(text)
    assert parsed is not None
    assert parsed.season == text[0]
    assert parsed.local == local
    assert parsed.summer is summer
    assert parsed.degraded is degraded


@pytest.mark.parametrize(
    "text",
    [
        "",
        "H08122522351",
        "H0812252235180",
        "X081225223518",
        "H081325223518",
        "H080230120000",
        "H08122522351a",
        "H０81225223518",
        "H081225246000",
    ],
)
def test_invalid_horodates(text: str) -> None:
    """Wrong length, season, digits or date: None."""
    assert parse_horodate(text) is None
