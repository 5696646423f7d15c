"""Add or edit a heating load from the UI: a subentry of the meter's entry.

A load is one entity (a switch, a pilot-wire select, a thermostat...) with a
priority and, for each shedding reason, what shedding does to it. Its
records are `settings.LoadConfig`; the meter's flow (config_flow.py) offers
this one as its "load" subentry type.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)

from .const import (
    CONF_ENTITY_ID,
    CONF_OFFSET,
    CONF_PRE_HEAT,
    CONF_PRE_HEAT_OFFSET,
    CONF_PRESET,
    CONF_PRIORITY,
    SUBENTRY_LOAD,
)
from .settings import (
    KIND_ACTIONS,
    LOAD_DOMAINS,
    REASONS,
    LoadConfig,
    LoadKind,
    ShedAction,
    load_kind,
)


class LoadSubentryFlow(ConfigSubentryFlow):
    """Add or edit a heating load: its priority and how each reason sheds it."""

    def __init__(self) -> None:
        """Start with no load chosen."""
        self._entity_id: str | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose the load's entity."""
        errors: dict[str, str] = {}
        if user_input is not None:
            entity_id = user_input[CONF_ENTITY_ID]
            entry = self._get_entry()
            if any(
                subentry.unique_id == entity_id
                for subentry in entry.subentries.values()
            ):
                errors[CONF_ENTITY_ID] = "already_configured"
            else:
                self._entity_id = entity_id
                return await self.async_step_shedding()
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ENTITY_ID): EntitySelector(
                        EntitySelectorConfig(domain=list(LOAD_DOMAINS))
                    )
                }
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit a load (to change its entity, remove it and add another)."""
        self._entity_id = self._get_reconfigure_subentry().data[CONF_ENTITY_ID]
        return await self.async_step_shedding()

    async def async_step_shedding(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The load's priority, and its shed action for each reason."""
        entity_id = self._entity_id
        assert entity_id is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            load = LoadConfig.from_data({**user_input, CONF_ENTITY_ID: entity_id})
            if (
                ShedAction.PRESET in (load.action(reason) for reason in REASONS)
                and not load.preset
            ):
                errors[CONF_PRESET] = "preset_required"
            else:
                return self._async_save(load)
        state = self.hass.states.get(entity_id)
        return self.async_show_form(
            step_id="shedding",
            data_schema=self.add_suggested_values_to_schema(
                _shedding_schema(load_kind(entity_id)),
                user_input or self._current(entity_id).as_data(),
            ),
            errors=errors,
            description_placeholders={
                "load": state.name if state is not None else entity_id,
                "entity_id": entity_id,
            },
        )

    def _current(self, entity_id: str) -> LoadConfig:
        """The load being edited, or a new one after the others' priorities."""
        if self.source == SOURCE_RECONFIGURE:
            return LoadConfig.from_data(self._get_reconfigure_subentry().data)
        priorities = [
            int(subentry.data.get(CONF_PRIORITY, 0))
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_type == SUBENTRY_LOAD
        ]
        return LoadConfig.default(entity_id, max(priorities, default=0) + 1)

    def _async_save(self, load: LoadConfig) -> SubentryFlowResult:
        state = self.hass.states.get(load.entity_id)
        if self.source == SOURCE_RECONFIGURE:
            # The entry's update listener reloads it with the new settings.
            return self.async_update_and_abort(
                self._get_entry(), self._get_reconfigure_subentry(), data=load.as_data()
            )
        return self.async_create_entry(
            title=state.name if state is not None else load.entity_id,
            data=load.as_data(),
            unique_id=load.entity_id,
        )


def _shedding_schema(kind: LoadKind) -> vol.Schema:
    """Priority, one shed action per reason, pre-heating (and a thermostat's)."""
    actions = [action.value for action in KIND_ACTIONS[kind]]
    fields: dict[Any, Any] = {
        vol.Required(CONF_PRIORITY): NumberSelector(
            NumberSelectorConfig(min=1, max=99, step=1, mode=NumberSelectorMode.BOX)
        ),
    }
    for reason in REASONS:
        fields[vol.Required(reason.value)] = SelectSelector(
            SelectSelectorConfig(
                options=actions,
                mode=SelectSelectorMode.DROPDOWN,
                translation_key="shed_action",
            )
        )
    fields[vol.Optional(CONF_PRE_HEAT)] = BooleanSelector()
    if kind is LoadKind.CLIMATE:
        fields[vol.Optional(CONF_PRE_HEAT_OFFSET)] = _degrees(0.5, 5)
        fields[vol.Optional(CONF_PRESET)] = TextSelector()
        fields[vol.Required(CONF_OFFSET)] = _degrees(-10, -0.5)
    return vol.Schema(fields)


def _degrees(minimum: float, maximum: float) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=0.5,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement="°C",
        )
    )
