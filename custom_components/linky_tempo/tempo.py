"""The EDF Tempo calendar: peak hours, Tempo days, and what the clock implies.

Rules (RTE "Méthode de choix des jours Tempo", EDF tariff sheet):

- peak hours (HP) run from 06:00 to 22:00, off-peak hours (HC) from 22:00 to
  06:00;
- a Tempo day runs from 06:00 to 06:00 the next day: the night that ends a
  red day is still billed at the red day's off-peak price.

The meter is the source of truth for the current period. These functions are
used when it is silent: the last colours it announced for today and tomorrow
still say what the clock period is, for the Tempo days they cover. Pure
module: no Home Assistant import. Times are local, timezone-aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from .meter import TariffPeriod, TempoColor

# Tempo hours are French legal time, whatever time zone Home Assistant uses.
TEMPO_TIME_ZONE: Final = ZoneInfo("Europe/Paris")
PEAK_START: Final = time(6)
PEAK_END: Final = time(22)
_DAY_START: Final = timedelta(hours=6)

_PERIODS: Final = {
    (TempoColor.BLUE, False): TariffPeriod.HC_BLUE,
    (TempoColor.BLUE, True): TariffPeriod.HP_BLUE,
    (TempoColor.WHITE, False): TariffPeriod.HC_WHITE,
    (TempoColor.WHITE, True): TariffPeriod.HP_WHITE,
    (TempoColor.RED, False): TariffPeriod.HC_RED,
    (TempoColor.RED, True): TariffPeriod.HP_RED,
}


def tempo_now() -> datetime:
    """Return the current time in France, where Tempo hours are defined."""
    return datetime.now(UTC).astimezone(TEMPO_TIME_ZONE)


def is_peak_hour(moment: datetime) -> bool:
    """Tell whether a local time falls in peak hours (06:00–22:00)."""
    return PEAK_START <= moment.time() < PEAK_END


def tempo_day(moment: datetime) -> date:
    """Return the Tempo day a local time belongs to (days start at 06:00)."""
    return (moment.replace(tzinfo=None) - _DAY_START).date()


def _at(day: date, at: time, like: datetime) -> datetime:
    return datetime.combine(day, at, tzinfo=like.tzinfo)


def peak_end_covering(moment: datetime) -> datetime:
    """Return the end (22:00) of the peak period in progress or next to come.

    During peak hours that is today's 22:00; during the evening's off-peak
    hours, tomorrow's 22:00; during the night (before 06:00), today's 22:00.
    """
    day = moment.date()
    if moment.time() >= PEAK_END:
        day += timedelta(days=1)
    return _at(day, PEAK_END, moment)


def next_boundary(moment: datetime) -> datetime:
    """Return the next 06:00 or 22:00 after a local time."""
    day = moment.date()
    for at in (PEAK_START, PEAK_END):
        candidate = _at(day, at, moment)
        if candidate > moment:
            return candidate
    return _at(day + timedelta(days=1), PEAK_START, moment)


def period_from_clock(
    moment: datetime, known_at: datetime, today: TempoColor, tomorrow: TempoColor
) -> TariffPeriod:
    """Return the Tempo period the clock implies from the last known colours.

    ``today`` and ``tomorrow`` were announced by the meter at ``known_at``:
    they cover that Tempo day and the next one. Beyond them, the colour is
    unknown and so is the period.
    """
    offset = (tempo_day(moment) - tempo_day(known_at)).days
    color = {0: today, 1: tomorrow}.get(offset, TempoColor.UNKNOWN)
    return _PERIODS.get((color, is_peak_hour(moment)), TariffPeriod.UNKNOWN)
