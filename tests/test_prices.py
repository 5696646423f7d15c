"""Tempo prices and costs (pure module)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from custom_components.linky_tempo.meter import TariffPeriod
from custom_components.linky_tempo.prices import (
    EFFECTIVE_DATE,
    MONTHLY_SUBSCRIPTIONS,
    SOURCE,
    SUBSCRIBED_POWERS,
    DailyCosts,
    TempoPrices,
    cost_between,
    grid_for,
)

P = TariffPeriod
TEMPO_PERIODS = (P.HC_BLUE, P.HP_BLUE, P.HC_WHITE, P.HP_WHITE, P.HC_RED, P.HP_RED)
DAY = date(2026, 12, 1)

# EDF's Tarif Bleu grid, option Tempo, in force since 1 August 2026 (TTC).
GRID_KWH = {
    P.HC_BLUE: 0.1356,
    P.HP_BLUE: 0.1654,
    P.HC_WHITE: 0.1536,
    P.HP_WHITE: 0.1921,
    P.HC_RED: 0.1615,
    P.HP_RED: 0.7295,
}
GRID_MONTHLY = {
    6: 15.80,
    9: 19.70,
    12: 23.50,
    15: 27.01,
    18: 30.69,
    30: 45.82,
    36: 53.76,
}


def snapshot(**wh: int) -> dict[TariffPeriod, int]:
    return {P(name): value for name, value in wh.items()}


def test_defaults_are_the_august_2026_grid() -> None:
    assert EFFECTIVE_DATE.isoformat() == "2026-08-01"
    assert SOURCE.startswith("https://particulier.edf.fr/")
    assert dict(MONTHLY_SUBSCRIPTIONS) == GRID_MONTHLY
    assert SUBSCRIBED_POWERS == (6, 9, 12, 15, 18, 30, 36)
    for power, monthly in GRID_MONTHLY.items():
        prices = TempoPrices.default(power)
        assert prices.subscription_per_month == monthly
        assert {p: prices.price_of(p) for p in TEMPO_PERIODS} == GRID_KWH
    assert TempoPrices.default() == TempoPrices.default(6)


@pytest.mark.parametrize("power", [3, 24, 0, 7])
def test_no_default_for_a_power_tempo_is_not_sold_at(power: int) -> None:
    with pytest.raises(ValueError, match=f"not {power} kVA"):
        TempoPrices.default(power)


@pytest.mark.parametrize("period", TEMPO_PERIODS)
def test_price_of_each_tempo_period(period: TariffPeriod) -> None:
    assert TempoPrices.default().price_of(period) == GRID_KWH[period]


@pytest.mark.parametrize(
    "period",
    [P.BASE, P.OFF_PEAK, P.PEAK, P.EJP_NORMAL, P.EJP_PEAK, P.UNKNOWN, None],
)
def test_price_of_other_periods_is_none(period: TariffPeriod | None) -> None:
    assert TempoPrices.default().price_of(period) is None


def test_edited_prices_are_used() -> None:
    prices = dataclasses.replace(TempoPrices.default(), hp_red=1.0)
    assert prices.price_of(P.HP_RED) == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        prices.hp_red = 2.0  # type: ignore[misc]


def test_cost_of_a_blue_day() -> None:
    start = snapshot(hc_blue=1_000_000, hp_blue=2_000_000, hc_white=5, hp_white=6)
    end = snapshot(hc_blue=1_003_000, hp_blue=2_010_000, hc_white=5, hp_white=6)
    # red indexes absent from both: the meter never counted a red day yet
    cost = cost_between(start, end, TempoPrices.default(), DAY)
    # 3 kWh × 0.1356 = 0.4068 ; 10 kWh × 0.1654 = 1.654
    assert cost.by_period == {
        P.HC_BLUE: pytest.approx(0.4068),
        P.HP_BLUE: pytest.approx(1.654),
        P.HC_WHITE: 0.0,
        P.HP_WHITE: 0.0,
    }
    assert cost.energy == pytest.approx(2.0608)
    assert cost.skipped == {P.HC_RED, P.HP_RED}
    # 15.80 €/month × 12 / 365 days
    assert cost.subscription == pytest.approx(189.60 / 365)
    assert cost.total == pytest.approx(2.0608 + 189.60 / 365)


def test_cost_of_a_red_day_across_the_night() -> None:
    # 06:00 → 06:00: the peak hours, then the night that ends the red day
    start = snapshot(hc_red=40_000, hp_red=100_000)
    end = snapshot(hc_red=42_500, hp_red=104_000)
    cost = cost_between(start, end, TempoPrices.default(9), DAY)
    # 2.5 kWh × 0.1615 = 0.40375 ; 4 kWh × 0.7295 = 2.918
    assert cost.energy == pytest.approx(3.32175)
    assert cost.subscription == pytest.approx(236.40 / 365)


def test_a_period_missing_from_a_snapshot_adds_nothing() -> None:
    start = snapshot(hc_blue=1_000, hp_blue=2_000)
    end = snapshot(hc_blue=3_000, hp_blue=2_000, hp_white=7_000)
    cost = cost_between(start, end, TempoPrices.default(), DAY)
    assert cost.energy == pytest.approx(2 * 0.1356)
    assert P.HP_WHITE in cost.skipped
    assert P.HP_WHITE not in cost.by_period


def test_a_replaced_meter_ignores_the_period_that_went_down() -> None:
    start = snapshot(hc_blue=1_000, hp_red=5_000_000)
    end = snapshot(hc_blue=2_000, hp_red=1_200)
    cost = cost_between(start, end, TempoPrices.default(), DAY)
    assert cost.energy == pytest.approx(0.1356)
    assert P.HP_RED in cost.skipped
    assert P.HP_RED not in cost.by_period


def test_non_tempo_indexes_are_ignored() -> None:
    start = {P.BASE: 1_000, P.OFF_PEAK: 1_000}
    end = {P.BASE: 9_000, P.OFF_PEAK: 9_000}
    cost = cost_between(start, end, TempoPrices.default(), DAY)
    assert cost.energy == 0.0
    assert cost.by_period == {}
    assert cost.skipped == set(TEMPO_PERIODS)


def test_no_energy_still_costs_the_subscription() -> None:
    same = snapshot(hc_blue=1_000)
    cost = cost_between(same, same, TempoPrices.default(), DAY)
    assert cost.energy == 0.0
    assert cost.total == cost.subscription


def test_subscription_share() -> None:
    prices = TempoPrices.default(36)
    assert prices.subscription_per_year == pytest.approx(645.12)
    assert prices.subscription_on(date(2026, 12, 1)) == pytest.approx(645.12 / 365)
    assert prices.subscription_on(date(2028, 2, 29)) == pytest.approx(645.12 / 366)
    year = [date(2027, 1, 1).toordinal() + n for n in range(365)]
    shares = sum(prices.subscription_on(date.fromordinal(d)) for d in year)
    assert shares == pytest.approx(645.12)


# -- the meter's subscribed power, and the day's costs -------------------------


@pytest.mark.parametrize(
    ("subscribed_va", "monthly"),
    [(None, 15.80), (6_000, 15.80), (9_000, 19.70), (10_000, 23.50), (48_000, 53.76)],
)
def test_grid_for_the_meter_s_subscribed_power(
    subscribed_va: int | None, monthly: float
) -> None:
    """A power Tempo is not sold at takes the next one up (36 kVA at most)."""
    assert grid_for(subscribed_va).subscription_per_month == monthly


def test_daily_costs_count_from_the_first_reading_of_the_day() -> None:
    prices = TempoPrices.default()
    costs = DailyCosts()
    costs.observe(snapshot(hc_blue=10_000), DAY, prices)
    costs.observe(snapshot(hc_blue=12_000, hp_blue=500), DAY, prices)
    costs.observe(snapshot(hc_blue=12_000, hp_blue=1_500), DAY, prices)
    today = costs.today(prices)
    # hp_blue first seen at 500 Wh: its count starts there.
    assert today.energy == pytest.approx(2 * 0.1356 + 1 * 0.1654)
    assert today.subscription == prices.subscription_on(DAY)
    assert costs.yesterday is None


def test_the_day_that_ends_becomes_yesterday_and_nothing_is_lost() -> None:
    prices = TempoPrices.default()
    costs = DailyCosts()
    costs.observe(snapshot(hc_blue=10_000), DAY, prices)
    costs.observe(snapshot(hc_blue=13_000), DAY, prices)
    next_day = date.fromordinal(DAY.toordinal() + 1)
    costs.observe(snapshot(hc_blue=13_500, hp_white=100), next_day, prices)
    assert costs.yesterday == pytest.approx(3 * 0.1356 + prices.subscription_on(DAY))
    # Today counts from the last reading of yesterday (the 500 Wh between).
    assert costs.today(prices).energy == pytest.approx(0.5 * 0.1356)
    assert costs.day == next_day


def test_a_gap_of_more_than_a_day_leaves_yesterday_unknown() -> None:
    prices = TempoPrices.default()
    costs = DailyCosts()
    costs.observe(snapshot(hc_blue=10_000), DAY, prices)
    costs.observe(snapshot(hc_blue=13_000), DAY, prices)
    later = date.fromordinal(DAY.toordinal() + 3)
    costs.observe(snapshot(hc_blue=50_000), later, prices)
    assert costs.yesterday is None
    assert costs.today(prices).energy == 0.0


def test_daily_costs_are_stored_and_read_back() -> None:
    prices = TempoPrices.default()
    costs = DailyCosts()
    costs.observe(snapshot(hc_blue=10_000, hp_red=7), DAY, prices)
    costs.observe(snapshot(hc_blue=11_000, hp_red=9), DAY, prices)
    costs.yesterday = 4.25
    again = DailyCosts.from_dict(costs.as_dict())
    assert again == costs
    assert DailyCosts.from_dict({"day": "not a date"}) == DailyCosts()
    assert DailyCosts.from_dict({}) == DailyCosts()
