"""Linky Tempo: read a Linky meter's TIC and shed electric heating on Tempo peaks."""

from __future__ import annotations

from types import MappingProxyType

import voluptuous as vol
from homeassistant.components.climate.const import DOMAIN as CLIMATE_DOMAIN
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import service
from homeassistant.helpers.typing import ConfigType

from .const import (
    ATTR_UNTIL,
    DOMAIN,
    LOGGER,
    SERVICE_CANCEL_SHEDDING,
    SERVICE_RESUME_AUTO,
    SUBENTRY_LOAD,
)
from .coordinator import MeterCoordinator
from .costs import CostCoordinator, async_remove_costs
from .loads import async_call, is_known, restore_calls
from .models import LinkyTempoConfigEntry, LinkyTempoData
from .settings import EntryOptions, legacy_loads
from .shedding import SheddingCoordinator
from .store import SheddingStore

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.SENSOR,
    Platform.SWITCH,
]
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


async def async_migrate_entry(
    hass: HomeAssistant, entry: LinkyTempoConfigEntry
) -> bool:
    """Bring an entry of an older minor version to the current one.

    1.1 → 1.2: each load of ``options["loads"]`` becomes a "load" subentry,
    shed for every reason to the entry-wide ``select_action`` /
    ``climate_preset`` as before, with its priority. The old options stay
    (an older release still reads them), unused from now on.
    """
    if entry.version > 1:
        return False  # a newer release's entry: not ours to read
    if entry.minor_version < 2:
        registry = er.async_get(hass)
        taken = {subentry.unique_id for subentry in entry.subentries.values()}
        for load in legacy_loads(entry.options):
            if load.entity_id in taken:
                continue
            registered = registry.async_get(load.entity_id)
            title = (
                (registered.name or registered.original_name)
                if registered is not None
                else None
            ) or load.entity_id
            hass.config_entries.async_add_subentry(
                entry,
                ConfigSubentry(
                    data=MappingProxyType(load.as_data()),
                    subentry_type=SUBENTRY_LOAD,
                    title=title,
                    unique_id=load.entity_id,
                ),
            )
        hass.config_entries.async_update_entry(entry, minor_version=2)
        LOGGER.info(
            "Migrated %s to version 1.2: %d load subentries",
            entry.title,
            len(entry.subentries),
        )
    return True


def entry_options(entry: LinkyTempoConfigEntry) -> EntryOptions:
    """The entry's options and its load subentries, typed."""
    return EntryOptions.from_options(
        entry.options,
        [
            subentry.data
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_LOAD
        ],
    )


async def async_setup_entry(hass: HomeAssistant, entry: LinkyTempoConfigEntry) -> bool:
    """Open the meter's port, start reading and shedding, set up the platforms."""
    options = entry_options(entry)
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
    """Loads (subentries), thresholds or sensors changed: start again with them."""
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
