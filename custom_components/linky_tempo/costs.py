"""The current Tempo price and the day's costs, kept across restarts.

`CostCoordinator` follows the meter coordinator: each published reading of
the six Tempo indexes is recorded with the Tempo day it belongs to
(`prices.DailyCosts`), and the snapshots are kept in a `Store`, so a restart
goes on with the same day. What it publishes (`CostData`) is rounded to the
cent, and to the ten-thousandth of a euro for the price: entities are written
only when a figure really moves, not at every frame.

Prices are the user's (options) or EDF's regulated grid for the meter's
subscribed power (`prices.grid_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import DOMAIN, LOGGER
from .coordinator import MeterCoordinator
from .meter import MeterData
from .prices import DailyCosts, TempoPrices, grid_for
from .tempo import tempo_day, tempo_now

STORAGE_VERSION: Final = 1
# Snapshots are written at most this often (seconds); a restart loses at most
# this much of the day's count.
SAVE_DELAY: Final = 300


@dataclass(frozen=True, slots=True)
class CostData:
    """What the price and cost sensors show (None: not known yet)."""

    price: float | None  # €/kWh of the current period
    today: float | None  # € since the start of the Tempo day (06:00)
    yesterday: float | None  # € of the previous Tempo day


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, object]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.costs")


async def async_remove_costs(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the stored day (the config entry is removed)."""
    await _store(hass, entry_id).async_remove()


class CostCoordinator(DataUpdateCoordinator[CostData]):
    """Follows the meter's indexes and publishes the price and the costs."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        meter: MeterCoordinator,
        prices: TempoPrices | None,
    ) -> None:
        """Prepare the tracker; `async_start` reads back the stored day."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Linky {entry.unique_id} costs",
            update_interval=None,
        )
        self.meter = meter
        self._custom_prices = prices
        self._costs = DailyCosts()
        self._store = _store(hass, entry.entry_id)
        self.data = CostData(None, None, None)

    async def async_start(self) -> None:
        """Read back the stored day and follow the meter."""
        if (stored := await self._store.async_load()) is not None:
            self._costs = DailyCosts.from_dict(stored)
        self.data = self._compute(None)
        entry = self.config_entry
        assert entry is not None
        entry.async_on_unload(self.meter.async_add_listener(self._on_meter))

    @override
    async def _async_update_data(self) -> CostData:
        """Return the current data: this coordinator is only pushed to."""
        return self.data

    def prices(self, data: MeterData | None) -> TempoPrices:
        """The user's prices, or EDF's grid for the subscribed power."""
        if self._custom_prices is not None:
            return self._custom_prices
        return grid_for(None if data is None else data.state.subscribed_power)

    @callback
    def _on_meter(self) -> None:
        data = self.meter.data
        if data is None or self.meter.meter_lost:
            return
        prices = self.prices(data)
        tempo = {
            period: value
            for period, value in data.energy.items()
            if prices.price_of(period) is not None
        }
        if tempo:
            self._costs.observe(tempo, tempo_day(tempo_now()), prices)
            self._store.async_delay_save(self._costs.as_dict, SAVE_DELAY)
        if (new := self._compute(data)) != self.data:
            self.async_set_updated_data(new)

    def _compute(self, data: MeterData | None) -> CostData:
        prices = self.prices(data)
        price = None if data is None else prices.price_of(data.state.period)
        costs = self._costs
        today = None if costs.day is None else costs.today(prices).total
        return CostData(
            price=None if price is None else round(price, 4),
            today=None if today is None else round(today, 2),
            yesterday=None if costs.yesterday is None else round(costs.yesterday, 2),
        )
