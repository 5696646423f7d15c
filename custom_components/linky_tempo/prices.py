"""EDF Tempo prices, and the cost of the energy the meter's indexes counted.

The defaults are EDF's regulated Tempo prices (Tarif Bleu, option Tempo, tarifs
réglementés de vente, all taxes included) in force since :data:`EFFECTIVE_DATE`,
from EDF's price sheet at :data:`SOURCE` (docs/prices.md gives the grid and the
other sources that confirm it). The user can replace every figure.

Costs come from index deltas: for each Tempo period, (index now − index at the
start) in Wh, times that period's price. The subscription is kept apart, as a
daily share of the yearly amount. Pure module: no Home Assistant import.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

# The one import of the period enum: update it here if the enum moves.
from .meter import TariffPeriod

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_POWER_KVA",
    "EFFECTIVE_DATE",
    "MONTHLY_SUBSCRIPTIONS",
    "PRICE_FIELDS",
    "SOURCE",
    "SUBSCRIBED_POWERS",
    "SUBSCRIPTION_FIELD",
    "Cost",
    "DailyCosts",
    "TempoPrices",
    "cost_between",
    "grid_for",
]

EFFECTIVE_DATE: Final = date(2026, 8, 1)
"""The day the default grid took effect (next regulated change: 1 February)."""

SOURCE: Final = (
    "https://particulier.edf.fr/content/dam/2-Actifs/Documents/Offres/"
    "Grille_prix_Tarif_Bleu.pdf"
)
"""EDF's Tarif Bleu price sheet (options Base, Heures Creuses and Tempo)."""

MONTHLY_SUBSCRIPTIONS: Final[Mapping[int, float]] = MappingProxyType(
    {6: 15.80, 9: 19.70, 12: 23.50, 15: 27.01, 18: 30.69, 30: 45.82, 36: 53.76}
)
"""Tempo subscription in € TTC per month, by subscribed power in kVA.

EDF's sheet states it per month; Tempo is not sold at 3 or 24 kVA.
"""

SUBSCRIBED_POWERS: Final = tuple(MONTHLY_SUBSCRIPTIONS)
DEFAULT_POWER_KVA: Final = 6

# € TTC per kWh; the same for every subscribed power.
_DEFAULT_KWH_PRICES: Final = {
    "hc_blue": 0.1356,
    "hp_blue": 0.1654,
    "hc_white": 0.1536,
    "hp_white": 0.1921,
    "hc_red": 0.1615,
    "hp_red": 0.7295,
}
_WH_PER_KWH: Final = 1000
# The names of `TempoPrices`' fields, as the options store them.
PRICE_FIELDS: Final = tuple(_DEFAULT_KWH_PRICES)
SUBSCRIPTION_FIELD: Final = "subscription_per_month"


@dataclass(frozen=True, slots=True)
class TempoPrices:
    """The six Tempo energy prices (€/kWh TTC) and the monthly subscription."""

    hc_blue: float
    hp_blue: float
    hc_white: float
    hp_white: float
    hc_red: float
    hp_red: float
    subscription_per_month: float
    """€ TTC per month for the subscribed power."""

    @classmethod
    def default(cls, power_kva: int = DEFAULT_POWER_KVA) -> TempoPrices:
        """EDF's regulated grid for a subscribed power (ValueError if not sold)."""
        if power_kva not in MONTHLY_SUBSCRIPTIONS:
            powers = ", ".join(map(str, SUBSCRIBED_POWERS))
            msg = f"Tempo is sold at {powers} kVA, not {power_kva} kVA"
            raise ValueError(msg)
        return cls(
            **_DEFAULT_KWH_PRICES,
            subscription_per_month=MONTHLY_SUBSCRIPTIONS[power_kva],
        )

    def price_of(self, period: TariffPeriod | None) -> float | None:
        """The €/kWh of a Tempo period; None for any other period or None."""
        prices = {
            TariffPeriod.HC_BLUE: self.hc_blue,
            TariffPeriod.HP_BLUE: self.hp_blue,
            TariffPeriod.HC_WHITE: self.hc_white,
            TariffPeriod.HP_WHITE: self.hp_white,
            TariffPeriod.HC_RED: self.hc_red,
            TariffPeriod.HP_RED: self.hp_red,
        }
        return None if period is None else prices.get(period)

    @property
    def subscription_per_year(self) -> float:
        """€ TTC per year: twelve months."""
        return self.subscription_per_month * 12

    def subscription_on(self, day: date) -> float:
        """The share of the yearly subscription for one day (365 or 366 a year)."""
        days = 366 if calendar.isleap(day.year) else 365
        return self.subscription_per_year / days


@dataclass(frozen=True, slots=True)
class Cost:
    """The cost of the energy between two index snapshots, and the subscription."""

    energy: float
    """€ for the energy: the sum of ``by_period``."""
    subscription: float
    """€: the day's share of the subscription, kept apart from ``energy``."""
    by_period: Mapping[TariffPeriod, float]
    """€ for each Tempo period whose index could be read at both snapshots."""
    skipped: frozenset[TariffPeriod]
    """Tempo periods left out: missing from a snapshot, or the index went down."""

    @property
    def total(self) -> float:
        """Energy and subscription together, in €."""
        return self.energy + self.subscription


def cost_between(
    start: Mapping[TariffPeriod, int],
    end: Mapping[TariffPeriod, int],
    prices: TempoPrices,
    day: date,
) -> Cost:
    """The cost of the energy counted from ``start`` to ``end`` (indexes in Wh).

    ``day`` is the Tempo day whose subscription share is added apart. A period
    missing from either snapshot adds nothing, and so does one whose index went
    down (a replaced meter restarts from zero). Non-Tempo periods are ignored.
    """
    by_period: dict[TariffPeriod, float] = {}
    skipped: set[TariffPeriod] = set()
    for period in TariffPeriod:
        price = prices.price_of(period)
        if price is None:
            continue
        before, after = start.get(period), end.get(period)
        if before is None or after is None or after < before:
            skipped.add(period)
            continue
        by_period[period] = (after - before) / _WH_PER_KWH * price
    return Cost(
        energy=sum(by_period.values()),
        subscription=prices.subscription_on(day),
        by_period=MappingProxyType(by_period),
        skipped=frozenset(skipped),
    )


def grid_for(subscribed_va: int | None) -> TempoPrices:
    """EDF's grid for the meter's subscribed power (in VA, as the meter says).

    A power Tempo is not sold at takes the next one up (or 36 kVA); unknown
    takes the default 6 kVA.
    """
    if not subscribed_va:
        return TempoPrices.default()
    kva = round(subscribed_va / 1000)
    sold = [power for power in SUBSCRIBED_POWERS if power >= kva]
    return TempoPrices.default(sold[0] if sold else SUBSCRIBED_POWERS[-1])


@dataclass(slots=True)
class DailyCosts:
    """Today's and yesterday's costs, from index snapshots at each Tempo day.

    `observe` takes every reading of the indexes with the Tempo day it was
    read on. Today's cost runs from the first snapshot of the day (the last
    one of the day before, when the day before was seen) to the last; at the
    turn of the day, the day just ended becomes yesterday's cost. A gap of
    more than a day leaves yesterday unknown: what the meter counted while
    nobody read it is not assigned to any day.
    """

    day: date | None = None
    start: dict[TariffPeriod, int] = field(default_factory=dict)
    last: dict[TariffPeriod, int] = field(default_factory=dict)
    yesterday: float | None = None

    def observe(
        self, energy: Mapping[TariffPeriod, int], day: date, prices: TempoPrices
    ) -> None:
        """Take a reading of the indexes made on the Tempo day ``day``."""
        if self.day is None:
            self.day, self.start = day, dict(energy)
        elif day != self.day:
            follows = (day - self.day).days == 1
            self.yesterday = self.today(prices).total if follows else None
            self.start = {**energy, **self.last} if follows else dict(energy)
            self.day = day
        for period, value in energy.items():
            self.start.setdefault(period, value)
        self.last.update(energy)

    def today(self, prices: TempoPrices) -> Cost:
        """The cost so far on the current Tempo day."""
        assert self.day is not None
        return cost_between(self.start, self.last, prices, self.day)

    def as_dict(self) -> dict[str, object]:
        """Plain data, to be stored."""
        return {
            "day": None if self.day is None else self.day.isoformat(),
            "start": {str(period): value for period, value in self.start.items()},
            "last": {str(period): value for period, value in self.last.items()},
            "yesterday": self.yesterday,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DailyCosts:
        """Read back what `as_dict` stored; anything unreadable starts afresh."""
        try:
            day = data.get("day")
            yesterday = data.get("yesterday")
            return cls(
                day=date.fromisoformat(day) if isinstance(day, str) else None,
                start=_indexes(data.get("start")),
                last=_indexes(data.get("last")),
                yesterday=(
                    float(yesterday) if isinstance(yesterday, int | float) else None
                ),
            )
        except ValueError:
            return cls()


def _indexes(value: object) -> dict[TariffPeriod, int]:
    if not isinstance(value, dict):
        return {}
    return {TariffPeriod(key): int(index) for key, index in value.items()}
