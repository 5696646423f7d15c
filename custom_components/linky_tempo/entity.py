"""The base entity of the meter, and how often its states are written.

The meter sends a frame every one to two seconds. Writing every value every
time would flood the recorder, so each entity description says how its state
is written (`WriteRate`):

- ``ON_CHANGE``: as soon as the value changes (enums, binary states);
- ``POWER``: at most once per configurable interval (default 5 s), except that
  crossing the shed threshold (90 % of the subscribed power by default), or
  the overload flag changing, is written at once;
- ``ENERGY``: when the index changes, at most once per interval (default 60 s);
- ``MINUTE``: at most once a minute (currents, link diagnostics).

A change held back by the interval is written when the interval ends, so the
latest value always lands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, override

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import MeterCoordinator
from .meter import MeterData
from .meter.identity import identify
from .settings import EntryOptions
from .shedding import SheddingCoordinator

MINUTE_INTERVAL = 60.0


class WriteRate(StrEnum):
    """How often an entity's state is written."""

    ON_CHANGE = "on_change"
    POWER = "power"
    ENERGY = "energy"
    MINUTE = "minute"


@dataclass(frozen=True, kw_only=True)
class LinkyEntityDescription(EntityDescription):
    """What every Linky Tempo entity description adds."""

    value_fn: Callable[[MeterData], Any]
    exists_fn: Callable[[MeterData], bool] = lambda data: True
    write_rate: WriteRate = WriteRate.ON_CHANGE


def meter_device_info(meter_id: str) -> DeviceInfo:
    """Return the device of a meter, shared by every entity of the entry.

    Its maker, model and year come from its serial number (`identity`);
    a number that says nothing known gives Enedis' Linky.
    """
    identity = identify(meter_id)
    model = identity.model or "Linky"
    return DeviceInfo(
        identifiers={(DOMAIN, meter_id)},
        name="Linky Tempo",
        manufacturer=identity.manufacturer or "Enedis",
        model=model if identity.year is None else f"{model} ({identity.year})",
        serial_number=meter_id,
    )


class LinkyEntity(CoordinatorEntity[MeterCoordinator]):
    """An entity of the meter, written at the rate its description asks."""

    _attr_has_entity_name = True
    entity_description: LinkyEntityDescription

    def __init__(
        self, coordinator: MeterCoordinator, description: LinkyEntityDescription
    ) -> None:
        """Bind the entity to the meter's coordinator."""
        super().__init__(coordinator)
        self.entity_description = description
        meter_id = (
            coordinator.config_entry.unique_id or coordinator.config_entry.entry_id
        )
        self._attr_unique_id = f"{meter_id}_{description.key}"
        self._attr_device_info = meter_device_info(meter_id)
        # Read once per entry (options changed in the UI reload the entry).
        self._options: EntryOptions = coordinator.config_entry.runtime_data.options
        self._written: tuple[bool, Any, int] | None = None
        self._last_write = 0.0
        self._unsub_deferred: CALLBACK_TYPE | None = None

    @property
    @override
    def available(self) -> bool:
        """Available while the meter sends valid frames."""
        return super().available and self.coordinator.data is not None

    def _value(self) -> Any:
        data = self.coordinator.data
        return None if data is None else self.entity_description.value_fn(data)

    def _power_zone(self) -> int:
        """Return 1 at or above the shed threshold, else 0.

        Only that crossing is written at once: the restore threshold is where
        a house spends much of its time, and writing every crossing of it
        would double the recorder's load for nothing an automation needs.
        """
        data = self.coordinator.data
        if data is None:
            return 0
        power = data.state.apparent_power
        subscribed = data.state.subscribed_power
        if power is None or not subscribed:
            return 0
        return int(power >= self._options.shed_fraction * subscribed)

    def _snapshot(self) -> tuple[bool, Any, int]:
        data = self.coordinator.data
        overload = data is not None and data.overload
        return (self.available, self._value(), self._power_zone() * 2 + overload)

    def _interval(self) -> float:
        match self.entity_description.write_rate:
            case WriteRate.POWER:
                return self._options.power_interval
            case WriteRate.ENERGY:
                return self._options.energy_interval
            case WriteRate.MINUTE:
                return MINUTE_INTERVAL
            case WriteRate.ON_CHANGE:
                return 0.0

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Write the state if the description's write rate allows it now."""
        snapshot = self._snapshot()
        previous = self._written
        if previous is not None and snapshot[:2] == previous[:2]:
            return
        urgent = (
            previous is None
            or snapshot[0] != previous[0]
            or (
                self.entity_description.write_rate is WriteRate.POWER
                and snapshot[2] != previous[2]
            )
        )
        wait = self._last_write + self._interval() - time.monotonic()
        if urgent or wait <= 0:
            self._write(snapshot)
        elif self._unsub_deferred is None:
            self._unsub_deferred = async_call_later(
                self.hass, wait, self._deferred_write
            )

    @callback
    def _deferred_write(self, _now: datetime) -> None:
        self._unsub_deferred = None
        snapshot = self._snapshot()
        if self._written is None or snapshot[:2] != self._written[:2]:
            self._write(snapshot)

    @callback
    def _write(self, snapshot: tuple[bool, Any, int]) -> None:
        if self._unsub_deferred is not None:
            self._unsub_deferred()
            self._unsub_deferred = None
        self._written = snapshot
        self._last_write = time.monotonic()
        self.async_write_ha_state()

    @override
    async def async_added_to_hass(self) -> None:
        """Count the state written as the entity is added as its first write."""
        await super().async_added_to_hass()
        self._written = self._snapshot()
        self._last_write = time.monotonic()

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Cancel a pending deferred write."""
        if self._unsub_deferred is not None:
            self._unsub_deferred()
            self._unsub_deferred = None
        await super().async_will_remove_from_hass()


def add_entities_for_meter[D: LinkyEntityDescription](
    coordinator: MeterCoordinator,
    descriptions: tuple[D, ...],
    entity_class: Callable[[MeterCoordinator, D], LinkyEntity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each described entity once the meter's data shows it exists."""
    pending = list(descriptions)

    @callback
    def add_new() -> None:
        data = coordinator.data
        if data is None or not pending:
            return
        new = [d for d in pending if d.exists_fn(data)]
        if new:
            for description in new:
                pending.remove(description)
            async_add_entities(entity_class(coordinator, d) for d in new)

    add_new()
    coordinator.config_entry.async_on_unload(coordinator.async_add_listener(add_new))


class SheddingEntity(Entity):
    """An entity showing the shedding coordinator's state, on the meter's device.

    Its unique id is the meter's id and the subclass's `unique_key`, stated
    apart from its translation key: renaming an entity must never change the
    id existing installations know it by.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    unique_key: ClassVar[str]

    def __init__(self, shedding: SheddingCoordinator) -> None:
        """Bind the entity to the shedding coordinator."""
        self.shedding = shedding
        entry = shedding.entry
        meter_id = entry.unique_id or entry.entry_id
        self._attr_unique_id = f"{meter_id}_{self.unique_key}"
        self._attr_device_info = meter_device_info(meter_id)

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the coordinator's decisions."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self.shedding.signal, self.async_write_ha_state
            )
        )
