"""What shedding keeps across restarts, in one Home Assistant `Store` per entry.

- the captured state of each shed load (what restoring puts back);
- the loads shed for an overload (the policy's staging);
- the meter's last period and colours, and when they were seen: after a
  restart the clock goes on from them until the meter speaks.

The file's name and layout are those of the first release, so a restart
after an upgrade in the middle of a shed still restores correctly.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .meter import TariffPeriod, TempoColor
from .policy import MeterView

STORAGE_VERSION: Final = 1
# The meter's view is written when it changes, and at least this often.
VIEW_REFRESH: Final = 3600.0


def _enum[E: StrEnum](kind: type[E], value: object) -> E | None:
    """Read a stored enum value back (None when absent or unknown)."""
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None


class SheddingStore:
    """The captured states of shed loads, and the policy's view, persisted."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the store to a config entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.shed_loads"
        )
        self.captures: dict[str, dict[str, Any]] = {}
        self.overload_shed: list[str] = []
        # The meter's last period and colours, and when they were seen
        # (ISO time).
        self.meter: dict[str, Any] = {}

    async def async_load(self) -> None:
        """Read what was shed before the last restart."""
        data = await self._store.async_load() or {}
        self.captures = dict(data.get("captures", {}))
        self.overload_shed = list(data.get("overload_shed", []))
        self.meter = dict(data.get("meter", {}))

    def save(self) -> None:
        """Write on the next turn of the event loop, without delaying the caller."""
        self._store.async_delay_save(
            lambda: {
                "captures": self.captures,
                "overload_shed": self.overload_shed,
                "meter": self.meter,
            },
            0,
        )

    async def async_remove(self) -> None:
        """Delete the file (the config entry is removed)."""
        await self._store.async_remove()

    def saved_view(self) -> tuple[MeterView, datetime] | None:
        """The meter's last period and colours, and when they were seen."""
        saved = self.meter
        at = dt_util.parse_datetime(saved.get("at", "")) if saved else None
        if at is None:
            return None
        view = MeterView(
            period=_enum(TariffPeriod, saved.get("period")),
            overload=False,
            power=None,
            subscribed=saved.get("subscribed"),
            today=_enum(TempoColor, saved.get("today")),
            tomorrow=_enum(TempoColor, saved.get("tomorrow")),
        )
        return view, at

    def remember_view(self, view: MeterView, local: datetime) -> None:
        """Store the meter's period and colours when they change (or hourly)."""
        saved = {
            "period": view.period,
            "today": view.today,
            "tomorrow": view.tomorrow,
            "subscribed": view.subscribed,
        }
        previous = self.meter
        at = dt_util.parse_datetime(previous.get("at", "")) if previous else None
        unchanged = all(previous.get(key) == value for key, value in saved.items())
        if unchanged and at is not None and (local - at).total_seconds() < VIEW_REFRESH:
            return
        self.meter = {**saved, "at": local.isoformat()}
        self.save()
