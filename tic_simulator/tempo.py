"""The EDF Tempo calendar as a meter follows it.

* peak hours (HP) 06:00-22:00, off-peak (HC) 22:00-06:00, French local time;
* a Tempo day runs from 06:00 to 06:00 the next day (the night after a red
  day is still billed at the red off-peak price);
* the meter learns tomorrow's colour in the evening: historic DEMAIN and the
  STGE bits 26-27 say ``----``/0 until then (about 20:00 on real meters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Final
from zoneinfo import ZoneInfo

PARIS: Final = ZoneInfo("Europe/Paris")
PEAK_START: Final = time(6)
PEAK_END: Final = time(22)
DAY_START: Final = timedelta(hours=6)


class Colour(Enum):
    """A Tempo day colour, with its historic DEMAIN text and STGE code."""

    BLUE = ("BLEU", 1, "BLEU")
    WHITE = ("BLAN", 2, "BLANC")
    RED = ("ROUG", 3, "ROUGE")

    def __init__(self, demain: str, code: int, word: str) -> None:
        """Keep the texts and code the meter uses for the colour."""
        self.demain = demain
        self.code = code
        self.word = word

    @classmethod
    def parse(cls, text: str) -> Colour:
        """Read ``blue``/``white``/``red`` (or the French words)."""
        key = text.strip().lower()
        for colour in cls:
            if key in (colour.name.lower(), colour.word.lower(), colour.demain.lower()):
                return colour
        msg = f"unknown Tempo colour {text!r}: use blue, white or red"
        raise ValueError(msg)


# The six Tempo indexes, in the meter's order (historic BBRHCJB…BBRHPJR are
# "index fournisseur 1…6"; standard EASF01…EASF06, NTARF 1…6).
TEMPO_LABELS: Final = ("BBRHCJB", "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR")
_PTEC: Final = {
    (Colour.BLUE, False): "HCJB",
    (Colour.BLUE, True): "HPJB",
    (Colour.WHITE, False): "HCJW",
    (Colour.WHITE, True): "HPJW",
    (Colour.RED, False): "HCJR",
    (Colour.RED, True): "HPJR",
}


@dataclass(frozen=True, slots=True)
class Period:
    """The tariff period in force: a colour and peak or off-peak."""

    colour: Colour
    peak: bool

    @property
    def index(self) -> int:
        """The supplier index number, 1…6 (NTARF, EASFxx, BBR order)."""
        return (self.colour.code - 1) * 2 + (2 if self.peak else 1)

    @property
    def key(self) -> str:
        """The period's name as readers publish it (``hc_blue``…``hp_red``)."""
        return f"{'hp' if self.peak else 'hc'}_{self.colour.name.lower()}"

    @property
    def ptec(self) -> str:
        """The historic PTEC text (``HPJW``…)."""
        return _PTEC[self.colour, self.peak]

    @property
    def ltarf(self) -> str:
        """The standard LTARF text, centred in 16 characters like real meters."""
        return f"{'HP' if self.peak else 'HC'}  {self.colour.word}".center(16)


def tempo_day(moment: datetime) -> date:
    """The Tempo day a local time belongs to (days start at 06:00)."""
    return (moment.replace(tzinfo=None) - DAY_START).date()


def is_peak(moment: datetime) -> bool:
    """Tell whether a local time is in peak hours (06:00-22:00)."""
    return PEAK_START <= moment.time() < PEAK_END


def next_boundary(moment: datetime) -> datetime:
    """The next 06:00 or 22:00 strictly after a local time (same tzinfo)."""
    day = moment.date()
    for at in (PEAK_START, PEAK_END):
        candidate = datetime.combine(day, at, tzinfo=moment.tzinfo)
        if candidate > moment:
            return candidate
    return datetime.combine(day + timedelta(days=1), PEAK_START, tzinfo=moment.tzinfo)


@dataclass(slots=True)
class TempoCalendar:
    """Colours of consecutive Tempo days from ``first_day``; then ``default``.

    ``overrides`` gives the colour of single days (``TempoCalendar(overrides=
    {date(2026, 1, 14): Colour.WHITE})``: that day white, every other blue).
    ``announce_at`` is the local time from which the meter shows tomorrow's
    colour; before it, tomorrow is unknown (``----``).
    """

    first_day: date = date.min
    colours: tuple[Colour, ...] = ()
    default: Colour = Colour.BLUE
    announce_at: time = time(20)
    overrides: dict[date, Colour] = field(default_factory=dict)

    def colour_of(self, day: date) -> Colour:
        """The colour of a Tempo day."""
        if day in self.overrides:
            return self.overrides[day]
        offset = (day - self.first_day).days
        if 0 <= offset < len(self.colours):
            return self.colours[offset]
        return self.default

    def period(self, moment: datetime) -> Period:
        """The tariff period at a local time."""
        return Period(self.colour_of(tempo_day(moment)), is_peak(moment))

    def today(self, moment: datetime) -> Colour:
        """The colour of the Tempo day in progress."""
        return self.colour_of(tempo_day(moment))

    def tomorrow(self, moment: datetime) -> Colour | None:
        """Tomorrow's colour once announced (from ``announce_at`` to 06:00)."""
        local = moment.time()
        if self.announce_at <= local or local < PEAK_START:
            return self.colour_of(tempo_day(moment) + timedelta(days=1))
        return None
