"""The heating climate entity: AUTO (automatic shedding) or HEAT (cancelled).

Home Assistant's HomeKit Bridge exposes it as an Apple Home thermostat: Auto
(3) is automatic shedding, Heat (1) cancels white-day peak shedding until the
end of the peak period. Its current state shows Heating (1) while no shedding
reason applies and Off/idle (0) while one does (red or white peak in AUTO,
overload), whether or not loads are configured. HomeKit has no "off" here: an
"off" request (Siri "turn off the heating") is mapped by Home Assistant to
Auto, its first fallback. HEAT never cancels red-day peak or overload
shedding, and is refused during a red-day peak.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, override

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import (
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfTemperature,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .const import DEFAULT_CURRENT_TEMPERATURE
from .entity import SheddingEntity
from .models import LinkyTempoConfigEntry
from .policy import HeatingMode

# One action at a time: a mode change drives the loads.
PARALLEL_UPDATES = 1

ATTR_OVERRIDE_END = "override_end"


class LinkyTempoClimate(SheddingEntity, ClimateEntity, RestoreEntity):
    """Shedding mode of the home's electric heating."""

    _attr_translation_key = "heating"
    unique_key = "heating"
    _attr_hvac_modes = [HVACMode.AUTO, HVACMode.HEAT]
    _attr_supported_features = ClimateEntityFeature(0)
    # Home Assistant 2026.11 reads the native_ members and deprecates the
    # others (they stop working in 2027.11); up to 2026.10 only the others
    # exist. A class that provides both is served its native_ ones by 2026.11,
    # without the deprecation warning.
    _attr_native_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _enable_turn_on_off_backwards_compatibility = False

    @property
    @override
    def hvac_mode(self) -> HVACMode:
        """AUTO while shedding is automatic, HEAT while it is cancelled."""
        heat = self.shedding.heating.mode is HeatingMode.HEAT
        return HVACMode.HEAT if heat else HVACMode.AUTO

    @property
    @override
    def hvac_action(self) -> HVACAction:
        """Heating while no shedding reason applies, idle while one does."""
        decision = self.shedding.decision
        if decision is None or decision.heating:
            return HVACAction.HEATING
        return HVACAction.IDLE

    @property
    def native_current_temperature(self) -> float | None:
        """The chosen temperature sensor, or a fixed 21 °C for Apple Home."""
        entity_id = self.shedding.options.temperature_sensor
        if entity_id is None:
            return DEFAULT_CURRENT_TEMPERATURE
        state = self.hass.states.get(entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        try:
            return float(state.state)
        except ValueError:
            return None

    @property
    @override
    def current_temperature(self) -> float | None:
        """What Home Assistant up to 2026.10 reads: the native one."""
        return self.native_current_temperature

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why loads are shed, which ones, which are paused, when HEAT ends."""
        decision = self.shedding.decision
        end = self.shedding.heating.override_end
        return {
            "shedding_reasons": sorted(decision.reasons) if decision else [],
            "loads_shed": self.shedding.shed_loads,
            # Loads kept out of Tempo shedding by their "shedding paused"
            # switch (not out of overload shedding).
            "loads_paused": sorted(self.shedding.paused),
            # Loads heated before a peak that will shed them.
            "loads_pre_heated": self.shedding.driver.pre_heated,
            ATTR_OVERRIDE_END: end.isoformat() if end else None,
        }

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the mode and follow the temperature sensor."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            end = last.attributes.get(ATTR_OVERRIDE_END)
            self.shedding.restore_mode(
                HeatingMode.HEAT if last.state == HVACMode.HEAT else HeatingMode.AUTO,
                dt_util.parse_datetime(end) if isinstance(end, str) else None,
            )
        if (sensor := self.shedding.options.temperature_sensor) is not None:
            self.async_on_remove(
                async_track_state_change_event(
                    self.hass, [sensor], self._on_temperature
                )
            )

    @callback
    def _on_temperature(self, _event: Event[EventStateChangedData]) -> None:
        self.async_write_ha_state()

    @override
    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """AUTO resumes automatic shedding; HEAT cancels it until the peak ends."""
        await self._set_mode(
            HeatingMode.HEAT if hvac_mode == HVACMode.HEAT else HeatingMode.AUTO
        )

    async def async_cancel_shedding(self, until: datetime | None = None) -> None:
        """Action linky_tempo.cancel_shedding."""
        await self._set_mode(HeatingMode.HEAT, until)

    async def _set_mode(self, mode: HeatingMode, until: datetime | None = None) -> None:
        try:
            await self.shedding.async_set_mode(mode, until)
        except ServiceValidationError:
            # Write the unchanged state anyway: a client that showed the
            # refused mode (Apple Home through HomeKit Bridge before HA
            # 2026.10) is told the mode it really is in.
            self._attr_force_update = True
            try:
                self.async_write_ha_state()
            finally:
                self._attr_force_update = False
            raise

    async def async_resume_auto(self) -> None:
        """Action linky_tempo.resume_auto."""
        await self.shedding.async_set_mode(HeatingMode.AUTO)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LinkyTempoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the heating climate entity."""
    async_add_entities([LinkyTempoClimate(entry.runtime_data.shedding)])
