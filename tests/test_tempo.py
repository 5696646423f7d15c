"""The Tempo calendar (pure module)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.linky_tempo.meter import TariffPeriod, TempoColor
from custom_components.linky_tempo.tempo import (
    is_peak_hour,
    next_boundary,
    peak_end_covering,
    period_from_clock,
    tempo_day,
)

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "peak"),
    [
        ("2026-12-03 05:59:59", False),
        ("2026-12-03 06:00:00", True),
        ("2026-12-03 21:59:59", True),
        ("2026-12-03 22:00:00", False),
        ("2026-12-03 00:30:00", False),
    ],
)
def test_peak_hours(moment: str, peak: bool) -> None:
    assert is_peak_hour(at(moment)) is peak


def test_tempo_day_starts_at_six() -> None:
    assert tempo_day(at("2026-12-03 05:59")).isoformat() == "2026-12-02"
    assert tempo_day(at("2026-12-03 06:00")).isoformat() == "2026-12-03"
    assert tempo_day(at("2026-12-03 23:59")).isoformat() == "2026-12-03"


@pytest.mark.parametrize(
    ("moment", "end"),
    [
        ("2026-12-03 10:00", "2026-12-03 22:00"),  # during peak hours
        ("2026-12-03 23:00", "2026-12-04 22:00"),  # evening HC: the next peak
        ("2026-12-04 03:00", "2026-12-04 22:00"),  # night HC: today's peak
    ],
)
def test_peak_end_covering(moment: str, end: str) -> None:
    assert peak_end_covering(at(moment)) == at(end)


def test_next_boundary() -> None:
    assert next_boundary(at("2026-12-03 05:00")) == at("2026-12-03 06:00")
    assert next_boundary(at("2026-12-03 06:00")) == at("2026-12-03 22:00")
    assert next_boundary(at("2026-12-03 22:00")) == at("2026-12-04 06:00")


def test_period_from_clock_uses_the_colours_for_the_days_they_cover() -> None:
    known = at("2026-12-03 20:00")  # red day, tomorrow white
    red, white = TempoColor.RED, TempoColor.WHITE
    assert (
        period_from_clock(at("2026-12-03 21:00"), known, red, white)
        is TariffPeriod.HP_RED
    )
    # The night after a red day is the red day's off-peak.
    assert (
        period_from_clock(at("2026-12-04 03:00"), known, red, white)
        is TariffPeriod.HC_RED
    )
    assert (
        period_from_clock(at("2026-12-04 06:00"), known, red, white)
        is TariffPeriod.HP_WHITE
    )
    assert (
        period_from_clock(at("2026-12-04 23:00"), known, red, white)
        is TariffPeriod.HC_WHITE
    )
    # Beyond tomorrow nothing is known.
    assert (
        period_from_clock(at("2026-12-05 07:00"), known, red, white)
        is TariffPeriod.UNKNOWN
    )


def test_unknown_tomorrow_gives_an_unknown_period() -> None:
    known = at("2026-12-03 12:00")
    assert (
        period_from_clock(
            at("2026-12-04 07:00"), known, TempoColor.BLUE, TempoColor.UNKNOWN
        )
        is TariffPeriod.UNKNOWN
    )
