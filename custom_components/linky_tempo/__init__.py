"""Linky Tempo: read a Linky meter's TIC and shed electric heating on Tempo peaks."""

from __future__ import annotations

import voluptuous as vol
from homeassistant.components.climate.const import DOMAIN as CLIMATE_DOMAIN
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import service
from homeassistant.helpers.typing import ConfigType

from .const import (
    ATTR_UNTIL,
    DOMAIN,
    SERVICE_CANCEL_SHEDDING,
    SERVICE_RESUME_AUTO,
)
from .coordinator import MeterCoordinator
from .costs import CostCoordinator, async_remove_costs
from .loads import async_call, is_known, restore_calls
from .models import LinkyTempoConfigEntry, LinkyTempoData
from .settings import EntryOptions
from .shedding import SheddingCoordinator
from .store import SheddingStore

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.CLIMATE, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they target the heating climate entity)."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_CANCEL_SHEDDING,
        entity_domain=CLIMATE_DOMAIN,
        schema={vol.Optional(ATTR_UNTIL): cv.datetime},
        func="async_cancel_shedding",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_RESUME_AUTO,
        entity_domain=CLIMATE_DOMAIN,
        schema=None,
        func="async_resume_auto",
    )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LinkyTempoConfigEntry) -> bool:
    """Open the meter's port, start reading and shedding, set up the platforms."""
    options = EntryOptions.from_options(entry.options)
    meter = MeterCoordinator(hass, entry)
    await meter.async_start()
    shedding = SheddingCoordinator(hass, entry, meter, options)
    await shedding.async_start()
    costs = CostCoordinator(hass, entry, meter, options.prices)
    await costs.async_start()
    entry.runtime_data = LinkyTempoData(
        meter=meter, shedding=shedding, costs=costs, options=options
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def _async_options_updated(
    hass: HomeAssistant, entry: LinkyTempoConfigEntry
) -> None:
    """Loads, thresholds and sensors changed: start again with them."""
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: LinkyTempoConfigEntry) -> bool:
    """Unload the platforms; the reader and timers stop with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: LinkyTempoConfigEntry) -> None:
    """Give shed loads their state back, then forget them and the costs."""
    store = SheddingStore(hass, entry.entry_id)
    await store.async_load()
    for entity_id, captured in store.captures.items():
        if not is_known(hass.states.get(entity_id)):
            continue
        await async_call(hass, restore_calls(entity_id, captured), entity_id)
    await store.async_remove()
    await async_remove_costs(hass, entry.entry_id)
