"""Interpretation: from a :class:`.framing.Frame` to a typed :class:`MeterState`.

The label tables of [54E] §6.1 (historic) and §6.2.2-§6.2.3 (standard); the
status register STGE is decoded by :mod:`.stge`. Standard library only.

To read a new label: add a field to :class:`MeterState` (its ``metadata``
says how :class:`.reader.MeterReader` confirms it, see :class:`Confirm`) and
fill it in :func:`_read_historic` and/or :func:`_read_standard`. Nothing
else in the package needs to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from .groups import LineMode
from .peaks import next_day_profile, next_mobile_peak
from .stge import StatusRegister, decode_stge
from .tariffs import TEMPO_PERIODS, Contract, TariffPeriod, TempoColor

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .framing import Frame

__all__ = [
    "SHORT_FRAME_LABELS",
    "Confirm",
    "MeterState",
    "read_meter",
]


class Confirm(Enum):
    """How a value of :class:`MeterState` is confirmed before it is published.

    See :mod:`.confirmation`. A field without this metadata passes through
    as read (the mode, the overload, the frame's kind, the energy indexes,
    which :mod:`.glitch_filter` confirms).
    """

    SETTING = "setting"
    """A state or setting: published once two frames carry the same value."""
    TARIFF = "tariff"
    """The tariff period or a Tempo colour: a setting that, lost to the
    checksum, is carried for as long as the meter speaks (a period lost to
    noise is not "no peak", a colour lost is not "unknown")."""
    POWER = "power"
    """In VA: follows at once within a step of the power scale."""
    CURRENT = "current"
    """In A: follows at once within a step of the current scale."""
    VOLTAGE = "voltage"
    """In V: follows at once within a step of the nominal voltage."""


_SETTING: Final = {"confirm": Confirm.SETTING}
_TARIFF: Final = {"confirm": Confirm.TARIFF}
_POWER: Final = {"confirm": Confirm.POWER}
_CURRENT: Final = {"confirm": Confirm.CURRENT}
_VOLTAGE: Final = {"confirm": Confirm.VOLTAGE}


@dataclass(frozen=True, slots=True)
class MeterState:
    """The typed reading of one frame; None where the frame does not carry it.

    Powers in VA, energies in Wh, currents in A, voltages in V.

    ``short_frame`` marks a historic three-phase short frame ([54E] §6.1.2:
    only ADIRx, ADCO, IINSTx), which must not be read as "indexes gone".
    ``peak_notice`` is True while a peak is announced (historic PEJP, [54E]
    §6.1; standard STGE bits 28-29), False when the frame says none is.
    """

    mode: LineMode
    meter_id: str | None = field(metadata=_SETTING)
    contract: Contract | None = field(metadata=_SETTING)
    period: TariffPeriod | None = field(metadata=_TARIFF)
    today: TempoColor | None = field(metadata=_TARIFF)
    tomorrow: TempoColor | None = field(metadata=_TARIFF)
    apparent_power: int | None = field(metadata=_POWER)
    apparent_power_phases: tuple[int, ...] | None = field(metadata=_POWER)
    subscribed_power: int | None = field(metadata=_SETTING)
    cut_off_power: int | None = field(metadata=_SETTING)
    overload: bool
    overload_current: int | None
    overload_phases: tuple[int, ...]
    current: int | None = field(metadata=_CURRENT)
    currents: tuple[int, ...] | None = field(metadata=_CURRENT)
    voltage: int | None = field(metadata=_VOLTAGE)
    voltages: tuple[int, ...] | None = field(metadata=_VOLTAGE)
    three_phase: bool
    energy: Mapping[TariffPeriod, int]
    energy_total: int | None
    injected_energy: int | None
    injected_power: int | None = field(metadata=_POWER)
    status: StatusRegister | None = field(metadata=_SETTING)
    tariff_label: str | None = field(metadata=_SETTING)
    short_frame: bool
    peak_notice: bool | None = field(metadata=_SETTING)
    max_power_today: int | None = field(metadata=_SETTING)
    max_power_yesterday: int | None = field(metadata=_SETTING)
    # Standard mode only (meter/peaks.py).
    mobile_peak_start: datetime | None = field(default=None, metadata=_SETTING)
    mobile_peak_end: datetime | None = field(default=None, metadata=_SETTING)
    next_day_profile: str | None = field(default=None, metadata=_SETTING)


_PTEC: Final[Mapping[str, TariffPeriod]] = {
    "HCJB": TariffPeriod.HC_BLUE,
    "HPJB": TariffPeriod.HP_BLUE,
    "HCJW": TariffPeriod.HC_WHITE,
    "HPJW": TariffPeriod.HP_WHITE,
    "HCJR": TariffPeriod.HC_RED,
    "HPJR": TariffPeriod.HP_RED,
}
_PTEC_PREFIX: Final[Mapping[str, TariffPeriod]] = {
    "TH": TariffPeriod.BASE,
    "HC": TariffPeriod.OFF_PEAK,
    "HP": TariffPeriod.PEAK,
    "HN": TariffPeriod.EJP_NORMAL,
    "PM": TariffPeriod.EJP_PEAK,
}
_DEMAIN: Final[Mapping[str, TempoColor]] = {
    "BLEU": TempoColor.BLUE,
    "BLAN": TempoColor.WHITE,
    "ROUG": TempoColor.RED,
    "----": TempoColor.UNKNOWN,
}
_HISTORIC_ENERGY: Final[Mapping[str, TariffPeriod]] = {
    "BASE": TariffPeriod.BASE,
    "HCHC": TariffPeriod.OFF_PEAK,
    "HCHP": TariffPeriod.PEAK,
    "EJPHN": TariffPeriod.EJP_NORMAL,
    "EJPHPM": TariffPeriod.EJP_PEAK,
    "BBRHCJB": TariffPeriod.HC_BLUE,
    "BBRHPJB": TariffPeriod.HP_BLUE,
    "BBRHCJW": TariffPeriod.HC_WHITE,
    "BBRHPJW": TariffPeriod.HP_WHITE,
    "BBRHCJR": TariffPeriod.HC_RED,
    "BBRHPJR": TariffPeriod.HP_RED,
}
# The historic index families whose sum is the total (all members required).
_HISTORIC_FAMILIES: Final = (
    ("HCHC", "HCHP"),
    ("EJPHN", "EJPHPM"),
    ("BBRHCJB", "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR"),
)
SHORT_FRAME_LABELS: Final = frozenset(
    {"ADCO", "ADIR1", "ADIR2", "ADIR3", "IINST1", "IINST2", "IINST3"}
)
"""The labels of a historic three-phase short frame ([54E] §6.1.2)."""
_SHORT_FRAME_MARKERS: Final = frozenset(
    {"ADIR1", "ADIR2", "ADIR3", "IINST1", "IINST2", "IINST3"}
)
_THREE_PHASE_LABELS: Final = (
    "IINST1",
    "IINST2",
    "IINST3",
    "IMAX1",
    "ADIR1",
    "ADIR2",
    "ADIR3",
    "PPOT",
    "IRMS2",
    "IRMS3",
    "URMS2",
    "URMS3",
    "SINSTS1",
)
# The energy indexes EASF01… of each standard contract, in index order.
_EASF_OFF_PEAK_FIRST: Final = (TariffPeriod.OFF_PEAK, TariffPeriod.PEAK)
_EASF_PERIODS: Final[Mapping[Contract, tuple[TariffPeriod, ...]]] = {
    Contract.TEMPO: TEMPO_PERIODS,
    Contract.BASE: (TariffPeriod.BASE,),
    Contract.EJP: (TariffPeriod.EJP_NORMAL, TariffPeriod.EJP_PEAK),
}
_OFF_PEAK_INDEX: Final = {1: TariffPeriod.OFF_PEAK, 2: TariffPeriod.PEAK}
_EJP_INDEX: Final = {1: TariffPeriod.EJP_NORMAL, 2: TariffPeriod.EJP_PEAK}
_HC_WORD: Final = re.compile(r"(?<![A-Z])HC(?![A-Z])")
_HP_WORD: Final = re.compile(r"(?<![A-Z])HP(?![A-Z])")


def _number(values: Mapping[str, str], label: str) -> int | None:
    """Return the non-negative decimal value of ``label``; None if absent or invalid."""
    text = values.get(label)
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text)
    return None


def _numbers(
    values: Mapping[str, str], labels: tuple[str, ...]
) -> tuple[int, ...] | None:
    result: list[int] = []
    for label in labels:
        number = _number(values, label)
        if number is None:
            return None
        result.append(number)
    return tuple(result)


def _text(values: Mapping[str, str], label: str) -> str | None:
    text = values.get(label)
    return text if isinstance(text, str) else None


def read_meter(frame: Frame) -> MeterState:
    """Interpret a frame ([54E] §6.1 historic tables, §6.2.2-§6.2.3 standard).

    Never raises: a missing or invalid value gives None for that field.
    """
    if frame.mode is LineMode.STANDARD:
        return _read_standard(frame.values, frame.timestamps)
    return _read_historic(frame.values)


# -- historic mode ([54E] §6.1, [02E]) --------------------------------------------


def _historic_contract(optarif: str) -> Contract:
    """OPTARIF ([54E] §6.1, [02E]): BASE, HC.., EJP., BBRx (Tempo)."""
    if optarif == "BASE":
        return Contract.BASE
    if optarif.startswith("HC"):
        return Contract.OFF_PEAK
    if optarif.startswith("EJP"):
        return Contract.EJP
    if optarif.startswith("BBR"):
        return Contract.TEMPO
    return Contract.OTHER


def _historic_period(ptec: str) -> TariffPeriod:
    """PTEC ([02E]): TH.. HC.. HP.. HN.. PM.. HCJB HPJB HCJW HPJW HCJR HPJR."""
    tempo = _PTEC.get(ptec)
    if tempo is not None:
        return tempo
    return _PTEC_PREFIX.get(ptec[:2], TariffPeriod.UNKNOWN)


def _historic_energy(
    values: Mapping[str, str],
) -> tuple[dict[TariffPeriod, int], int | None]:
    """The indexes by period, and their total (BASE, or a whole family's sum)."""
    energy: dict[TariffPeriod, int] = {}
    for label, tariff in _HISTORIC_ENERGY.items():
        number = _number(values, label)
        if number is not None:
            energy[tariff] = number
    total = _number(values, "BASE")
    if total is None:
        for family in _HISTORIC_FAMILIES:
            parts = _numbers(values, family)
            if parts is not None:
                return energy, sum(parts)
    return energy, total


def _historic_overload_current(
    values: Mapping[str, str], phases: tuple[int, ...]
) -> int | None:
    """ADPS (mono), else the highest ADIRx (three-phase short frames)."""
    adps = _number(values, "ADPS")
    if adps is not None or not phases:
        return adps
    currents = [
        c for c in (_number(values, f"ADIR{p}") for p in phases) if c is not None
    ]
    return max(currents) if currents else None


def _historic_peak_notice(
    values: Mapping[str, str], contract: Contract | None
) -> bool | None:
    """PEJP announces an EJP peak; an EJP frame without it announces none."""
    if "PEJP" in values:
        return True
    if contract is Contract.EJP:
        return False
    return None


def _read_historic(values: Mapping[str, str]) -> MeterState:
    optarif = _text(values, "OPTARIF")
    contract = None if optarif is None else _historic_contract(optarif)
    ptec = _text(values, "PTEC")
    period = None if ptec is None else _historic_period(ptec)
    today = None if period is None else period.color
    demain = _text(values, "DEMAIN")
    tomorrow = None if demain is None else _DEMAIN.get(demain, TempoColor.UNKNOWN)
    if today is None and contract is Contract.TEMPO and period is not None:
        today = TempoColor.UNKNOWN

    three_phase = any(label in values for label in _THREE_PHASE_LABELS)
    isousc = _number(values, "ISOUSC")
    subscribed = None if isousc is None else isousc * 200 * (3 if three_phase else 1)
    adir = tuple(phase for phase in (1, 2, 3) if f"ADIR{phase}" in values)
    energy, total = _historic_energy(values)
    labels = set(values)

    return MeterState(
        mode=LineMode.HISTORIC,
        meter_id=_text(values, "ADCO"),
        contract=contract,
        period=period,
        today=today,
        tomorrow=tomorrow,
        apparent_power=_number(values, "PAPP"),
        apparent_power_phases=None,
        subscribed_power=subscribed,
        cut_off_power=None,
        overload="ADPS" in values or bool(adir),
        overload_current=_historic_overload_current(values, adir),
        overload_phases=adir,
        current=_number(values, "IINST"),
        currents=_numbers(values, ("IINST1", "IINST2", "IINST3"))
        if three_phase
        else None,
        voltage=None,
        voltages=None,
        three_phase=three_phase,
        energy=MappingProxyType(energy),
        energy_total=total,
        injected_energy=None,
        injected_power=None,
        status=None,
        tariff_label=None,
        short_frame=bool(
            labels and labels <= SHORT_FRAME_LABELS and labels & _SHORT_FRAME_MARKERS
        ),
        peak_notice=_historic_peak_notice(values, contract),
        max_power_today=None,
        max_power_yesterday=_number(values, "PMAX"),
    )


# -- standard mode ([54E] §6.2.2-§6.2.3) ------------------------------------------


def _standard_contract(ngtf: str) -> Contract:
    """Contract from the supplier calendar name NGTF ([54E] §6.2.3.4), free text."""
    name = ngtf.upper()
    if "TEMPO" in name:
        return Contract.TEMPO
    if "BASE" in name:
        return Contract.BASE
    if "EJP" in name:
        return Contract.EJP
    if (
        "PLEINE" in name
        or "CREUSE" in name
        or _HC_WORD.search(name)
        or _HP_WORD.search(name)
    ):
        return Contract.OFF_PEAK
    return Contract.OTHER


def _off_peak_from_text(ltarf: str | None) -> TariffPeriod | None:
    """HC/HP period from the free-text LTARF ([54E] §6.2.3.5), if it says."""
    if ltarf is None:
        return None
    text = ltarf.upper()
    if "CREUSE" in text or _HC_WORD.search(text):
        return TariffPeriod.OFF_PEAK
    if "PLEINE" in text or _HP_WORD.search(text):
        return TariffPeriod.PEAK
    return None


def _standard_period(
    contract: Contract | None, index: int | None, ltarf: str | None
) -> tuple[TariffPeriod | None, tuple[TariffPeriod, ...]]:
    """The current period, and the periods of EASF01, EASF02… in order.

    ``index`` is the supplier index in use (NTARF, else STGE's).
    """
    if contract is None:
        return None, ()
    if contract is Contract.OFF_PEAK:
        return _standard_off_peak_period(index, ltarf)
    period: TariffPeriod | None
    if contract is Contract.BASE:
        period = TariffPeriod.BASE
    elif contract is Contract.OTHER:
        period = TariffPeriod.UNKNOWN
    elif index is None:
        period = None
    elif contract is Contract.TEMPO:
        period = TEMPO_PERIODS[index - 1] if 1 <= index <= 6 else TariffPeriod.UNKNOWN
    else:  # EJP
        period = _EJP_INDEX.get(index, TariffPeriod.UNKNOWN)
    return period, _EASF_PERIODS.get(contract, ())


def _standard_off_peak_period(
    index: int | None, ltarf: str | None
) -> tuple[TariffPeriod | None, tuple[TariffPeriod, ...]]:
    """HC/HP contracts: LTARF's text says the period and so the index order."""
    period = _off_peak_from_text(ltarf)
    off_peak_index = 1  # EASF index of the off-peak period
    if period is not None and index in (1, 2):
        off_peak_index = index if period is TariffPeriod.OFF_PEAK else 3 - index
    elif period is None and index is not None:
        # No usable text: assume the historic order (HCHC = index 1).
        period = _OFF_PEAK_INDEX.get(index, TariffPeriod.UNKNOWN)
    easf = _EASF_OFF_PEAK_FIRST if off_peak_index == 1 else _EASF_OFF_PEAK_FIRST[::-1]
    return period, easf


def _standard_colors(
    status: StatusRegister | None,
    contract: Contract | None,
    period: TariffPeriod | None,
) -> tuple[TempoColor | None, TempoColor | None]:
    """Today's and tomorrow's Tempo colours, from STGE (or the period)."""
    tempo = contract is Contract.TEMPO
    if status is None:
        if tempo and period is not None:
            return period.color or TempoColor.UNKNOWN, None
        return None, None
    today: TempoColor | None = None
    if status.today is not TempoColor.UNKNOWN:
        today = status.today
    elif tempo:
        # The spec forbids 0 on Tempo, real meters send it: use the period.
        color = None if period is None else period.color
        today = color or TempoColor.UNKNOWN
    tomorrow = (
        status.tomorrow if status.tomorrow is not TempoColor.UNKNOWN or tempo else None
    )
    return today, tomorrow


def _read_standard(
    values: Mapping[str, str], timestamps: Mapping[str, str]
) -> MeterState:
    stge = _text(values, "STGE")
    status = None if stge is None else decode_stge(stge)
    ngtf = _text(values, "NGTF")
    contract = None if ngtf is None else _standard_contract(ngtf)
    ltarf = _text(values, "LTARF")
    index = _number(values, "NTARF")
    if index is None and status is not None:
        index = status.supplier_index
    period, easf = _standard_period(contract, index, ltarf)
    today, tomorrow = _standard_colors(status, contract, period)
    energy: dict[TariffPeriod, int] = {}
    for number, tariff in enumerate(easf, start=1):
        reading = _number(values, f"EASF{number:02d}")
        if reading is not None:
            energy[tariff] = reading
    three_phase = any(label in values for label in _THREE_PHASE_LABELS)
    pref = _number(values, "PREF")
    pcoup = _number(values, "PCOUP")

    return MeterState(
        mode=LineMode.STANDARD,
        meter_id=_text(values, "ADSC"),
        contract=contract,
        period=period,
        today=today,
        tomorrow=tomorrow,
        apparent_power=_number(values, "SINSTS"),
        apparent_power_phases=(
            _numbers(values, ("SINSTS1", "SINSTS2", "SINSTS3")) if three_phase else None
        ),
        subscribed_power=None if pref is None else pref * 1000,
        cut_off_power=None if pcoup is None else pcoup * 1000,
        overload=status is not None and status.overload,
        overload_current=None,
        overload_phases=(),
        current=_number(values, "IRMS1"),
        currents=_numbers(values, ("IRMS1", "IRMS2", "IRMS3")) if three_phase else None,
        voltage=_number(values, "URMS1"),
        voltages=_numbers(values, ("URMS1", "URMS2", "URMS3")) if three_phase else None,
        three_phase=three_phase,
        energy=MappingProxyType(energy),
        energy_total=_number(values, "EAST"),
        injected_energy=_number(values, "EAIT"),
        injected_power=_number(values, "SINSTI"),
        status=status,
        tariff_label=None if ltarf is None else ltarf.strip(),
        short_frame=False,
        peak_notice=None if status is None else status.peak_notice != 0,
        max_power_today=_number(values, "SMAXSN"),
        max_power_yesterday=_number(values, "SMAXSN-1"),
        mobile_peak_start=(peak := next_mobile_peak(timestamps))[0],
        mobile_peak_end=peak[1],
        next_day_profile=next_day_profile(values),
    )
