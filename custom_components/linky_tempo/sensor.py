"""Sensors of the meter: power, tariff period, Tempo colours, energy indexes.

Entities are created for what the meter actually sends: a Tempo meter gets
the six Tempo energy indexes, an HC/HP meter its two, a three-phase meter its
per-phase values, a producer its injection values. Energy indexes are
``total_increasing`` in Wh, ready for the Energy dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import EURO
from .costs import CostCoordinator, CostData
from .entity import (
    LinkyEntity,
    LinkyEntityDescription,
    SheddingEntity,
    WriteRate,
    add_entities_for_meter,
    meter_device_info,
)
from .meter import (
    Contract,
    CutOffState,
    LineMode,
    MeterData,
    TariffPeriod,
    TempoColor,
)
from .models import LinkyTempoConfigEntry
from .policy import ShedReason

# Entities only read the coordinator's pushed data.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LinkySensorEntityDescription(LinkyEntityDescription, SensorEntityDescription):
    """Describes a meter sensor."""


def _phase(
    values_fn: Callable[[MeterData], tuple[int, ...] | None], index: int
) -> tuple[Callable[[MeterData], int | None], Callable[[MeterData], bool]]:
    """Return value and existence functions for one phase of a per-phase tuple."""

    def value(data: MeterData) -> int | None:
        values = values_fn(data)
        return values[index] if values is not None and len(values) > index else None

    def exists(data: MeterData) -> bool:
        values = values_fn(data)
        return values is not None and len(values) > index

    return value, exists


def _enum_value(value: Any) -> str | None:
    return None if value is None else str(value)


def _phase_descriptions() -> list[LinkySensorEntityDescription]:
    descriptions: list[LinkySensorEntityDescription] = []
    for index in range(3):
        phase = index + 1
        power_value, power_exists = _phase(
            lambda data: data.state.apparent_power_phases, index
        )
        current_value, current_exists = _phase(lambda data: data.state.currents, index)
        voltage_value, voltage_exists = _phase(lambda data: data.state.voltages, index)
        descriptions += [
            LinkySensorEntityDescription(
                key=f"apparent_power_l{phase}",
                translation_key="apparent_power_phase",
                translation_placeholders={"phase": str(phase)},
                device_class=SensorDeviceClass.APPARENT_POWER,
                native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
                state_class=SensorStateClass.MEASUREMENT,
                entity_registry_enabled_default=False,
                value_fn=power_value,
                exists_fn=power_exists,
                write_rate=WriteRate.POWER,
            ),
            LinkySensorEntityDescription(
                key=f"current_l{phase}",
                translation_key="current_phase",
                translation_placeholders={"phase": str(phase)},
                device_class=SensorDeviceClass.CURRENT,
                native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
                state_class=SensorStateClass.MEASUREMENT,
                entity_registry_enabled_default=False,
                value_fn=current_value,
                exists_fn=current_exists,
                write_rate=WriteRate.MINUTE,
            ),
            LinkySensorEntityDescription(
                key=f"voltage_l{phase}",
                translation_key="voltage_phase",
                translation_placeholders={"phase": str(phase)},
                device_class=SensorDeviceClass.VOLTAGE,
                native_unit_of_measurement=UnitOfElectricPotential.VOLT,
                state_class=SensorStateClass.MEASUREMENT,
                entity_registry_enabled_default=False,
                value_fn=voltage_value,
                exists_fn=voltage_exists,
                write_rate=WriteRate.POWER,
            ),
        ]
    return descriptions


def _energy_description(period: TariffPeriod) -> LinkySensorEntityDescription:
    return LinkySensorEntityDescription(
        key=f"energy_{period}",
        translation_key=f"energy_{period}",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data: data.energy.get(period),
        exists_fn=lambda data: period in data.energy,
        write_rate=WriteRate.ENERGY,
    )


def _is_tempo(data: MeterData) -> bool:
    return data.state.contract is Contract.TEMPO


SENSORS: tuple[LinkySensorEntityDescription, ...] = (
    LinkySensorEntityDescription(
        key="apparent_power",
        translation_key="apparent_power",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.state.apparent_power,
        exists_fn=lambda data: data.state.apparent_power is not None,
        write_rate=WriteRate.POWER,
    ),
    LinkySensorEntityDescription(
        key="current",
        translation_key="current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.state.current,
        exists_fn=lambda data: data.state.current is not None,
        # Apparent power already follows the load every 5 s; the current
        # (whole amperes) is written once a minute to keep the recorder light.
        write_rate=WriteRate.MINUTE,
    ),
    LinkySensorEntityDescription(
        key="tariff_period",
        translation_key="tariff_period",
        device_class=SensorDeviceClass.ENUM,
        options=[str(period) for period in TariffPeriod],
        value_fn=lambda data: _enum_value(data.state.period),
        exists_fn=lambda data: data.state.period is not None,
    ),
    LinkySensorEntityDescription(
        key="today_color",
        translation_key="today_color",
        device_class=SensorDeviceClass.ENUM,
        options=[str(color) for color in TempoColor],
        value_fn=lambda data: _enum_value(data.state.today or TempoColor.UNKNOWN),
        exists_fn=_is_tempo,
    ),
    LinkySensorEntityDescription(
        key="tomorrow_color",
        translation_key="tomorrow_color",
        device_class=SensorDeviceClass.ENUM,
        options=[str(color) for color in TempoColor],
        value_fn=lambda data: _enum_value(data.state.tomorrow or TempoColor.UNKNOWN),
        exists_fn=_is_tempo,
    ),
    *(
        _energy_description(period)
        for period in TariffPeriod
        if period is not TariffPeriod.UNKNOWN
    ),
    LinkySensorEntityDescription(
        key="energy_total",
        translation_key="energy_total",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data: data.energy_total,
        exists_fn=lambda data: data.energy_total is not None,
        write_rate=WriteRate.ENERGY,
    ),
    LinkySensorEntityDescription(
        key="voltage",
        translation_key="voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.voltage,
        exists_fn=lambda data: data.state.voltage is not None,
        write_rate=WriteRate.POWER,
    ),
    LinkySensorEntityDescription(
        key="subscribed_power",
        translation_key="subscribed_power",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.subscribed_power,
        exists_fn=lambda data: data.state.subscribed_power is not None,
    ),
    # Standard mode's SMAXSN (today) and SMAXSN-1 (yesterday); three-phase
    # historic meters send yesterday's only (PMAX).
    LinkySensorEntityDescription(
        key="max_power_today",
        translation_key="max_power_today",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        value_fn=lambda data: data.state.max_power_today,
        exists_fn=lambda data: data.state.max_power_today is not None,
        write_rate=WriteRate.MINUTE,
    ),
    LinkySensorEntityDescription(
        key="max_power_yesterday",
        translation_key="max_power_yesterday",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.max_power_yesterday,
        exists_fn=lambda data: data.state.max_power_yesterday is not None,
    ),
    # Standard mode: the first mobile peak announced (DPM1/FPM1…) and the
    # next day's profile (PJOURF+1).
    LinkySensorEntityDescription(
        key="mobile_peak_start",
        translation_key="mobile_peak_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.mobile_peak_start,
        exists_fn=lambda data: data.state.mode is LineMode.STANDARD,
    ),
    LinkySensorEntityDescription(
        key="mobile_peak_end",
        translation_key="mobile_peak_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.mobile_peak_end,
        exists_fn=lambda data: data.state.mode is LineMode.STANDARD,
    ),
    LinkySensorEntityDescription(
        key="next_day_profile",
        translation_key="next_day_profile",
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.next_day_profile,
        exists_fn=lambda data: data.state.next_day_profile is not None,
    ),
    *_phase_descriptions(),
    LinkySensorEntityDescription(
        key="injected_energy",
        translation_key="injected_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=3,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.injected_energy,
        exists_fn=lambda data: data.injected_energy is not None,
        write_rate=WriteRate.ENERGY,
    ),
    LinkySensorEntityDescription(
        key="injected_power",
        translation_key="injected_power",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.state.injected_power,
        exists_fn=lambda data: data.state.injected_power is not None,
        write_rate=WriteRate.POWER,
    ),
    LinkySensorEntityDescription(
        key="cut_off",
        translation_key="cut_off",
        device_class=SensorDeviceClass.ENUM,
        options=[str(state) for state in CutOffState],
        entity_registry_enabled_default=False,
        value_fn=lambda data: _enum_value(
            data.state.status.cut_off if data.state.status else None
        ),
        exists_fn=lambda data: data.state.status is not None,
    ),
    LinkySensorEntityDescription(
        key="frames",
        translation_key="frames",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.frames,
        write_rate=WriteRate.MINUTE,
    ),
    LinkySensorEntityDescription(
        key="checksum_errors",
        translation_key="checksum_errors",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.checksum_errors,
        write_rate=WriteRate.MINUTE,
    ),
    LinkySensorEntityDescription(
        key="rejected_glitches",
        translation_key="rejected_glitches",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.rejected_glitches,
        write_rate=WriteRate.MINUTE,
    ),
    LinkySensorEntityDescription(
        key="last_frame",
        translation_key="last_frame",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.received,
        write_rate=WriteRate.MINUTE,
    ),
)


class LinkySensor(LinkyEntity, SensorEntity):
    """A sensor of the meter."""

    entity_description: LinkySensorEntityDescription

    @property
    @override
    def native_value(self) -> str | int | float | datetime | None:
        """Return the value from the last frame."""
        value: str | int | float | datetime | None = self._value()
        return value


class SheddingReasonSensor(SheddingEntity, SensorEntity):
    """Why heating loads are shed: none, red_peak, white_peak or overload."""

    _attr_translation_key = "shedding_reason"
    unique_key = "shedding_reason"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [str(reason) for reason in ShedReason]

    @property
    @override
    def native_value(self) -> str:
        """The main reason of the current decision."""
        decision = self.shedding.decision
        return str(decision.reason if decision else ShedReason.NONE)


@dataclass(frozen=True, kw_only=True)
class CostSensorEntityDescription(SensorEntityDescription):
    """Describes a price or cost sensor."""

    value_fn: Callable[[CostData], float | None]


# Prices and costs in euros, as EDF bills them.
COST_SENSORS: tuple[CostSensorEntityDescription, ...] = (
    CostSensorEntityDescription(
        key="current_price",
        translation_key="current_price",
        # "EUR/kWh": what the Energy dashboard takes as an entity with the
        # current price.
        native_unit_of_measurement=f"{EURO}/{UnitOfEnergy.KILO_WATT_HOUR}",
        suggested_display_precision=4,
        value_fn=lambda data: data.price,
    ),
    CostSensorEntityDescription(
        key="cost_today",
        translation_key="cost_today",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=EURO,
        suggested_display_precision=2,
        value_fn=lambda data: data.today,
    ),
    CostSensorEntityDescription(
        key="cost_yesterday",
        translation_key="cost_yesterday",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=EURO,
        suggested_display_precision=2,
        value_fn=lambda data: data.yesterday,
    ),
)


class CostSensor(CoordinatorEntity[CostCoordinator], SensorEntity):
    """The current Tempo price, or today's or yesterday's cost."""

    _attr_has_entity_name = True
    entity_description: CostSensorEntityDescription

    def __init__(
        self, coordinator: CostCoordinator, description: CostSensorEntityDescription
    ) -> None:
        """Bind the sensor to the cost coordinator, on the meter's device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.meter.config_entry
        meter_id = entry.unique_id or entry.entry_id
        self._attr_unique_id = f"{meter_id}_{description.key}"
        self._attr_device_info = meter_device_info(meter_id)

    @property
    @override
    def native_value(self) -> float | None:
        """The figure, None while not known."""
        return self.entity_description.value_fn(self.coordinator.data)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LinkyTempoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the shedding reason, prices and costs, and what the meter sends."""
    async_add_entities([SheddingReasonSensor(entry.runtime_data.shedding)])
    costs = entry.runtime_data.costs
    async_add_entities(CostSensor(costs, description) for description in COST_SENSORS)
    add_entities_for_meter(
        entry.runtime_data.meter, SENSORS, LinkySensor, async_add_entities
    )
