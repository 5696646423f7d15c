"""Binary sensors of the meter: overload, and the STGE relay and clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import (
    LinkyEntity,
    LinkyEntityDescription,
    SheddingEntity,
    add_entities_for_meter,
)
from .models import LinkyTempoConfigEntry

# Entities only read the coordinator's pushed data.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LinkyBinarySensorEntityDescription(
    LinkyEntityDescription, BinarySensorEntityDescription
):
    """Describes a meter binary sensor."""


BINARY_SENSORS: tuple[LinkyBinarySensorEntityDescription, ...] = (
    LinkyBinarySensorEntityDescription(
        key="overload",
        translation_key="overload",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.overload,
    ),
    # EJP's PEJP (historic) and the mobile-peak notice bits of STGE
    # (standard): a peak day is announced.
    LinkyBinarySensorEntityDescription(
        key="peak_notice",
        translation_key="peak_notice",
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.peak_notice,
        exists_fn=lambda data: data.state.peak_notice is not None,
    ),
    LinkyBinarySensorEntityDescription(
        key="relay",
        translation_key="relay",
        entity_registry_enabled_default=False,
        # STGE bit 0: 0 = dry contact closed.
        value_fn=lambda data: (
            None
            if data.state.status is None
            else not data.state.status.dry_contact_open
        ),
        exists_fn=lambda data: data.state.status is not None,
    ),
    LinkyBinarySensorEntityDescription(
        key="clock",
        translation_key="clock",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: (
            None if data.state.status is None else data.state.status.clock_degraded
        ),
        exists_fn=lambda data: data.state.status is not None,
    ),
)


class LinkyBinarySensor(LinkyEntity, BinarySensorEntity):
    """A binary sensor of the meter."""

    entity_description: LinkyBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the state from the last frame."""
        value: bool | None = self._value()
        return value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LinkyTempoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the shedding state, and binary sensors for what the meter sends."""
    async_add_entities([SheddingBinarySensor(entry.runtime_data.shedding)])
    add_entities_for_meter(
        entry.runtime_data.meter, BINARY_SENSORS, LinkyBinarySensor, async_add_entities
    )


class SheddingBinarySensor(SheddingEntity, BinarySensorEntity):
    """On while any heating load is shed."""

    _attr_translation_key = "shedding"
    unique_key = "shedding"

    @property
    @override
    def is_on(self) -> bool:
        """True while any load is shed."""
        return self.shedding.shedding

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which loads are shed."""
        return {"loads_shed": self.shedding.shed_loads}
