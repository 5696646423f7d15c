"""The tariff vocabulary of a reading: contract, tariff period and Tempo colour.

Standard library only (see the package docstring for the references).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["TEMPO_PERIODS", "Contract", "TariffPeriod", "TempoColor"]


class TempoColor(StrEnum):
    """Tempo day colour ([54E] §6.2.3.14 bits 24-27; historic DEMAIN, [02E]).

    UNKNOWN is "no announcement" (STGE 0, DEMAIN ``----``): never blue.
    """

    BLUE = "blue"
    WHITE = "white"
    RED = "red"
    UNKNOWN = "unknown"


class Contract(StrEnum):
    """Supplier contract: historic OPTARIF ([54E] §6.1) or standard NGTF (§6.2.3.4)."""

    BASE = "base"
    OFF_PEAK = "off_peak"
    EJP = "ejp"
    TEMPO = "tempo"
    OTHER = "other"


class TariffPeriod(StrEnum):
    """Current tariff period: historic PTEC ([54E] §6.1, [02E]) or standard NTARF.

    Standard mode only gives an index (NTARF, [54E] §6.2.3.20); the periods of
    the indexes follow the historic order ([54E] §6.1.1: BBRHCJB…BBRHPJR are
    "index fournisseur 1…6").
    """

    BASE = "base"
    OFF_PEAK = "off_peak"
    PEAK = "peak"
    EJP_NORMAL = "ejp_normal"
    EJP_PEAK = "ejp_peak"
    HC_BLUE = "hc_blue"
    HP_BLUE = "hp_blue"
    HC_WHITE = "hc_white"
    HP_WHITE = "hp_white"
    HC_RED = "hc_red"
    HP_RED = "hp_red"
    UNKNOWN = "unknown"

    @property
    def color(self) -> TempoColor | None:
        """The Tempo colour of a Tempo period, else None."""
        return _PERIOD_COLOR.get(self)


_PERIOD_COLOR: Final[Mapping[TariffPeriod, TempoColor]] = {
    TariffPeriod.HC_BLUE: TempoColor.BLUE,
    TariffPeriod.HP_BLUE: TempoColor.BLUE,
    TariffPeriod.HC_WHITE: TempoColor.WHITE,
    TariffPeriod.HP_WHITE: TempoColor.WHITE,
    TariffPeriod.HC_RED: TempoColor.RED,
    TariffPeriod.HP_RED: TempoColor.RED,
}

TEMPO_PERIODS: Final = (
    TariffPeriod.HC_BLUE,
    TariffPeriod.HP_BLUE,
    TariffPeriod.HC_WHITE,
    TariffPeriod.HP_WHITE,
    TariffPeriod.HC_RED,
    TariffPeriod.HP_RED,
)
"""The Tempo periods in supplier index order (NTARF 1…6, EASF01…EASF06)."""
