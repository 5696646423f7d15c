"""Heating loads: how each kind of Home Assistant entity is shed and restored.

- ``switch`` / ``input_boolean``: turned off;
- ``select`` / ``input_select`` (a pilot-wire zone): set to its frost
  protection ("hors-gel"), eco or "off"/"arrêt" option;
- ``climate``: HVAC mode off, a chosen preset, or its setpoint lowered by an
  offset (from the setpoint captured before shedding).

Which action applies is the load's, for the reasons it is shed for
(`settings.LoadConfig.action_for`).

Before a load is shed its state is captured (`capture`), and restoring puts
back exactly that state (`restore_calls`). Which loads to shed, when, and the
keeping of captures across restarts are `driver.LoadDriver`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.climate.const import HVACMode
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError

from .const import (
    COMFORT_SELECT_OPTIONS,
    ECO_SELECT_OPTIONS,
    LOGGER,
    OFF_SELECT_OPTIONS,
    SHED_SELECT_OPTIONS,
)
from .settings import (
    LOAD_DOMAINS,
    SELECT_DOMAINS,
    SWITCH_DOMAINS,
    LoadConfig,
    ShedAction,
)

__all__ = ["LOAD_DOMAINS", "SELECT_DOMAINS", "SWITCH_DOMAINS"]

_SELECT_OPTIONS: Final = {
    ShedAction.ECO: ECO_SELECT_OPTIONS,
    ShedAction.OFF: OFF_SELECT_OPTIONS,
}


@dataclass(frozen=True, slots=True)
class ServiceCall:
    """One Home Assistant action to call."""

    domain: str
    service: str
    data: dict[str, Any]


def _domain(entity_id: str) -> str:
    return entity_id.partition(".")[0]


def _select_target(state: State, action: ShedAction) -> str | None:
    """Return the option of a select that means ``action``, if it offers one."""
    options = [str(option) for option in state.attributes.get("options", [])]
    wanted = _SELECT_OPTIONS.get(action, SHED_SELECT_OPTIONS)
    lowered = {option.lower(): option for option in options}
    for candidate in wanted:
        if (match := lowered.get(candidate.lower())) is not None:
            return match
    return None


def is_known(state: State | None) -> bool:
    """Tell whether an entity's state can be captured or compared."""
    return state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


def _setpoint(
    state: State, load: LoadConfig, captured: dict[str, Any] | None
) -> float | None:
    """The lowered setpoint of a thermostat shed by an offset."""
    base = (captured or {}).get(ATTR_TEMPERATURE)
    if base is None and captured is None:
        base = state.attributes.get(ATTR_TEMPERATURE)
    if not isinstance(base, int | float):
        return None
    return round(float(base) + load.offset, 1)


def is_shed_state(
    state: State,
    load: LoadConfig,
    action: ShedAction,
    captured: dict[str, Any] | None = None,
) -> bool:
    """Tell whether a load's current state is its shed state for ``action``.

    A thermostat shed by an offset is in its shed state only at the setpoint
    lowered from its captured one: never "found" shed.
    """
    domain = _domain(state.entity_id)
    if domain in SWITCH_DOMAINS:
        return state.state == STATE_OFF
    if domain in SELECT_DOMAINS:
        return state.state == _select_target(state, action)
    if action is ShedAction.PRESET and load.preset is not None:
        return state.attributes.get("preset_mode") == load.preset
    if action is ShedAction.OFFSET:
        if captured is None:
            return False
        target = _setpoint(state, load, captured)
        return target is not None and state.attributes.get(ATTR_TEMPERATURE) == target
    return state.state == HVACMode.OFF


def capture(state: State) -> dict[str, Any]:
    """Capture what restoring a load needs."""
    captured: dict[str, Any] = {"state": state.state}
    if _domain(state.entity_id) == "climate":
        for attribute in ("preset_mode", ATTR_TEMPERATURE):
            if (value := state.attributes.get(attribute)) is not None:
                captured[attribute] = value
    return captured


def shed_calls(
    state: State,
    load: LoadConfig,
    action: ShedAction,
    captured: dict[str, Any] | None = None,
) -> list[ServiceCall]:
    """Return the actions that shed a load (none if it cannot be shed)."""
    entity_id = state.entity_id
    domain = _domain(entity_id)
    target = {ATTR_ENTITY_ID: entity_id}
    if action is ShedAction.NONE:
        return []
    if domain in SWITCH_DOMAINS:
        return [ServiceCall(domain, SERVICE_TURN_OFF, target)]
    if domain in SELECT_DOMAINS:
        option = _select_target(state, action)
        if option is None:
            return []
        return [ServiceCall(domain, "select_option", {**target, "option": option})]
    return [_climate_shed_call(state, load, action, captured)]


def _climate_shed_call(
    state: State,
    load: LoadConfig,
    action: ShedAction,
    captured: dict[str, Any] | None,
) -> ServiceCall:
    """A thermostat: its preset, its setpoint lowered, or HVAC mode off."""
    domain = _domain(state.entity_id)
    target = {ATTR_ENTITY_ID: state.entity_id}
    if action is ShedAction.PRESET and load.preset is not None:
        return ServiceCall(
            domain, "set_preset_mode", {**target, "preset_mode": load.preset}
        )
    if (
        action is ShedAction.OFFSET
        and (setpoint := _setpoint(state, load, captured)) is not None
    ):
        return ServiceCall(
            domain, "set_temperature", {**target, ATTR_TEMPERATURE: setpoint}
        )
    return ServiceCall(domain, "set_hvac_mode", {**target, "hvac_mode": HVACMode.OFF})


def pre_heat_calls(
    state: State, load: LoadConfig, captured: dict[str, Any] | None = None
) -> list[ServiceCall]:
    """Return the actions that pre-heat a load before a peak (none if it can't).

    A switch (a water heater) on, a pilot wire to comfort, a thermostat's
    setpoint raised by the load's pre-heat offset from its captured one.
    """
    entity_id = state.entity_id
    domain = _domain(entity_id)
    target = {ATTR_ENTITY_ID: entity_id}
    if domain in SWITCH_DOMAINS:
        return [ServiceCall(domain, SERVICE_TURN_ON, target)]
    if domain in SELECT_DOMAINS:
        options = {str(o).lower(): str(o) for o in state.attributes.get("options", [])}
        for candidate in COMFORT_SELECT_OPTIONS:
            if (option := options.get(candidate.lower())) is not None:
                return [
                    ServiceCall(domain, "select_option", {**target, "option": option})
                ]
        return []
    base = (captured or {}).get(ATTR_TEMPERATURE)
    if base is None:
        base = state.attributes.get(ATTR_TEMPERATURE)
    if not isinstance(base, int | float):
        return []
    setpoint = round(float(base) + load.pre_heat_offset, 1)
    return [
        ServiceCall(domain, "set_temperature", {**target, ATTR_TEMPERATURE: setpoint})
    ]


def restore_calls(entity_id: str, captured: dict[str, Any]) -> list[ServiceCall]:
    """Return the actions that put a load back into its captured state."""
    domain = _domain(entity_id)
    target = {ATTR_ENTITY_ID: entity_id}
    state = captured["state"]
    if domain in SWITCH_DOMAINS:
        service = SERVICE_TURN_ON if state == STATE_ON else SERVICE_TURN_OFF
        return [ServiceCall(domain, service, target)]
    if domain in SELECT_DOMAINS:
        return [ServiceCall(domain, "select_option", {**target, "option": state})]
    calls = [ServiceCall(domain, "set_hvac_mode", {**target, "hvac_mode": state})]
    if (preset := captured.get("preset_mode")) is not None:
        calls.append(
            ServiceCall(domain, "set_preset_mode", {**target, "preset_mode": preset})
        )
    if (temperature := captured.get(ATTR_TEMPERATURE)) is not None:
        calls.append(
            ServiceCall(
                domain, "set_temperature", {**target, ATTR_TEMPERATURE: temperature}
            )
        )
    return calls


async def async_call(
    hass: HomeAssistant, calls: list[ServiceCall], entity_id: str
) -> None:
    """Call the actions driving a load; a failure is logged, never raised."""
    for call in calls:
        try:
            await hass.services.async_call(
                call.domain, call.service, call.data, blocking=True
            )
        except HomeAssistantError as err:
            LOGGER.warning("Cannot drive %s: %s", entity_id, err)
