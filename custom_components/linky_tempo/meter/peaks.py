"""Mobile peaks and the next day's profile, as a standard-mode meter sends them.

DPM1/FPM1 to DPM3/FPM3 ([54E] §6.2.3) date the start and the end of up to
three announced mobile peaks in their horodates; PJOURF+1 is the next day's
profile: up to eleven blocks ``hhmmSSSS`` (start time, then the supplier
index and action word), "NONUTILE" for unused ones. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from .groups import parse_horodate

# The meter's clock is French legal time.
METER_TIME_ZONE: Final = ZoneInfo("Europe/Paris")
_UNUSED: Final = "NONUTILE"


def meter_time(stamp: str | None) -> datetime | None:
    """An aware datetime from a horodate (None if absent or invalid).

    Its season letter settles the autumn hour that happens twice.
    """
    horodate = None if stamp is None else parse_horodate(stamp)
    if horodate is None:
        return None
    fold = 1 if horodate.summer is False else 0
    return horodate.local.replace(tzinfo=METER_TIME_ZONE, fold=fold)


def next_mobile_peak(
    timestamps: Mapping[str, str],
) -> tuple[datetime | None, datetime | None]:
    """The start and end of the first mobile peak the meter announces."""
    for number in (1, 2, 3):
        start = meter_time(timestamps.get(f"DPM{number}"))
        end = meter_time(timestamps.get(f"FPM{number}"))
        if start is not None or end is not None:
            return start, end
    return None, None


def next_day_profile(values: Mapping[str, str]) -> str | None:
    """PJOURF+1's used blocks, space-separated (None if not sent)."""
    text = values.get("PJOURF+1")
    if text is None:
        return None
    return " ".join(block for block in text.split() if block != _UNUSED)
