"""The user's heating mode: AUTO, or HEAT until a given time.

AUTO is automatic shedding. HEAT cancels white-day peak shedding until the end
of the peak period it covers (or a chosen time), then goes back to AUTO by
itself. HEAT is refused during a red-day peak and for a time already past.
The climate entity restores the mode after a restart (`restore`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.event import async_track_point_in_time
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .meter import TariffPeriod
from .policy import HeatingMode, can_cancel
from .tempo import peak_end_covering, tempo_now


class HeatingModeSetting:
    """Holds the mode and ends a HEAT override on time; tells when it changes."""

    def __init__(self, hass: HomeAssistant, on_change: Callable[[], None]) -> None:
        """Start in AUTO; ``on_change`` is called after every change."""
        self.hass = hass
        self.mode = HeatingMode.AUTO
        self.override_end: datetime | None = None
        self._on_change = on_change
        self._unsub_end: CALLBACK_TYPE | None = None

    @callback
    def restore(self, mode: HeatingMode, override_end: datetime | None) -> None:
        """Resume the mode saved before a restart (no validation: it was valid)."""
        if mode is HeatingMode.HEAT and (
            override_end is None or override_end <= dt_util.now()
        ):
            mode, override_end = HeatingMode.AUTO, None
        self._set(mode, override_end if mode is HeatingMode.HEAT else None)

    @callback
    def set_auto(self) -> None:
        """Resume automatic shedding."""
        self._set(HeatingMode.AUTO, None)

    @callback
    def set_heat(self, period: TariffPeriod | None, until: datetime | None) -> None:
        """Cancel shedding until ``until``, or the end of the peak period.

        ``period`` is the one shedding follows now: HEAT is refused on a
        red-day peak.
        """
        if not can_cancel(period):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="red_peak_cannot_cancel"
            )
        now = tempo_now()
        end = (
            until.astimezone(now.tzinfo)
            if until is not None
            else peak_end_covering(now)
        )
        if end <= now:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="until_in_the_past",
                translation_placeholders={"until": end.isoformat()},
            )
        self._set(HeatingMode.HEAT, end)

    @callback
    def cancel_timer(self) -> None:
        """Stop waiting for the override's end (the entry unloads)."""
        if self._unsub_end is not None:
            self._unsub_end()
            self._unsub_end = None

    @callback
    def _set(self, mode: HeatingMode, override_end: datetime | None) -> None:
        self.mode = mode
        self.override_end = override_end
        self.cancel_timer()
        if override_end is not None:
            self._unsub_end = async_track_point_in_time(
                self.hass, self._override_ended, override_end
            )
        LOGGER.info(
            "Shedding mode %s%s",
            mode,
            f" until {override_end.isoformat()}" if override_end else "",
        )
        self._on_change()

    @callback
    def _override_ended(self, _now: datetime) -> None:
        self._unsub_end = None
        self.set_auto()
