"""Set up a meter from the UI: pick the port, and the flow finds the meter.

The user step offers Home Assistant's serial-port selector (local ports and
ESPHome serial proxies) or a typed URL. The flow opens the port and listens
for up to 10 s (1200 Bd then 9600 Bd in automatic mode) and tells exactly
what went wrong: the port cannot be opened, nothing is received, or bytes
arrive that never form a valid frame. USB TIC dongles are discovered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, override

import voluptuous as vol
from homeassistant.components import usb
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
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
    SerialPortSelector,
)
from homeassistant.helpers.service_info.usb import UsbServiceInfo

from .const import (
    CONF_CUSTOM_PRICES,
    CONF_DETECTED_MODE,
    CONF_ENERGY_INTERVAL,
    CONF_MODE,
    CONF_PORT,
    CONF_POWER_INTERVAL,
    CONF_PRE_HEAT_HOURS,
    CONF_PRICES,
    CONF_RESTORE_DELAY,
    CONF_RESTORE_THRESHOLD,
    CONF_SHED_THRESHOLD,
    CONF_TEMPERATURE_SENSOR,
    DEFAULT_ENERGY_INTERVAL,
    DEFAULT_POWER_INTERVAL,
    DEFAULT_PRE_HEAT_HOURS,
    DEFAULT_RESTORE_DELAY,
    DEFAULT_RESTORE_THRESHOLD,
    DEFAULT_SHED_THRESHOLD,
    DOMAIN,
    EURO,
    LOGGER,
    MODE_AUTO,
    MODES,
    SECTION_PRICES,
    SUBENTRY_LOAD,
)
from .load_flow import LoadSubentryFlow
from .meter import TempoColor, read_meter
from .meter.link import ProbeFailedError, ProbeResult, probe, redact_url
from .prices import PRICE_FIELDS, SUBSCRIPTION_FIELD, grid_for
from .settings import (
    EntryOptions,
    line_mode,
)


def _port_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_PORT): SerialPortSelector(),
            vol.Required(CONF_MODE, default=MODE_AUTO): SelectSelector(
                SelectSelectorConfig(
                    options=list(MODES),
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key=CONF_MODE,
                )
            ),
        }
    )


def _summary(result: ProbeResult) -> dict[str, str]:
    """Describe what the probe found, for the success message."""
    state = read_meter(result.frame)
    return {
        "meter_id": state.meter_id or "?",
        "mode": str(result.mode),
        "contract": str(state.contract) if state.contract else "?",
        "today": str(state.today or TempoColor.UNKNOWN),
    }


class LinkyTempoConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Linky meter."""

    VERSION = 1
    # 1.2: heating loads are "load" subentries (`async_migrate_entry`).
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovered_port: str | None = None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow."""
        return LinkyTempoOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """A heating load is a subentry."""
        return {SUBENTRY_LOAD: LoadSubentryFlow}

    async def _probe(
        self, port: str, mode: str, errors: dict[str, str]
    ) -> ProbeResult | None:
        """Listen on the port; fill ``errors`` and return None when no meter."""
        try:
            result = await probe(port, line_mode(mode))
        except ProbeFailedError as err:
            LOGGER.debug("No meter on %s: %s", redact_url(port), err)
            errors["base"] = str(err.reason)
            return None
        if read_meter(result.frame).meter_id is None:
            errors["base"] = "not_tic"
            return None
        return result

    def _entry_data(self, port: str, mode: str, result: ProbeResult) -> dict[str, str]:
        return {CONF_PORT: port, CONF_MODE: mode, CONF_DETECTED_MODE: str(result.mode)}

    async def _stable_port(self, port: str) -> str:
        """Prefer the /dev/serial/by-id/ name of a local serial device."""
        port = port.strip()
        if "://" in port:
            return port
        return await self.hass.async_add_executor_job(usb.get_serial_by_id, port)

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the port and find the meter on it."""
        errors: dict[str, str] = {}
        if user_input is not None:
            port = await self._stable_port(user_input[CONF_PORT])
            mode = user_input[CONF_MODE]
            if (result := await self._probe(port, mode, errors)) is not None:
                return await self._async_create(port, mode, result)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _port_schema(), user_input or {}
            ),
            errors=errors,
        )

    async def _async_create(
        self, port: str, mode: str, result: ProbeResult
    ) -> ConfigFlowResult:
        summary = _summary(result)
        await self.async_set_unique_id(summary["meter_id"])
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=f"Linky {summary['meter_id']}",
            data=self._entry_data(port, mode, result),
            description="found",
            description_placeholders=summary,
        )

    async def async_step_usb(self, discovery_info: UsbServiceInfo) -> ConfigFlowResult:
        """Offer a discovered USB TIC dongle."""
        port = await self.hass.async_add_executor_job(
            usb.get_serial_by_id, discovery_info.device
        )
        self._async_abort_entries_match({CONF_PORT: port})
        self._discovered_port = port
        self.context["title_placeholders"] = {
            "name": usb.human_readable_device_name(
                port,
                discovery_info.serial_number,
                discovery_info.manufacturer,
                discovery_info.description,
                discovery_info.vid,
                discovery_info.pid,
            )
        }
        return await self.async_step_usb_confirm()

    async def async_step_usb_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set up the discovered dongle in one click."""
        assert self._discovered_port is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            port = self._discovered_port
            if (result := await self._probe(port, MODE_AUTO, errors)) is not None:
                return await self._async_create(port, MODE_AUTO, result)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="usb_confirm",
            errors=errors,
            description_placeholders={"port": self._discovered_port},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the meter to another port, keeping its entities and history."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = await self._stable_port(user_input[CONF_PORT])
            mode = user_input[CONF_MODE]
            if (result := await self._probe(port, mode, errors)) is not None:
                await self.async_set_unique_id(read_meter(result.frame).meter_id)
                self._abort_if_unique_id_mismatch(reason="wrong_meter")
                # The entry's update listener reloads it on the new port.
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, **self._entry_data(port, mode, result)}
                )
                return self.async_abort(reason="reconfigure_successful")
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _port_schema(), user_input or dict(entry.data)
            ),
            errors=errors,
        )


class LinkyTempoOptionsFlow(OptionsFlow):
    """Shedding thresholds, sensors, recorder write rates and Tempo prices.

    The heating loads are subentries (`LoadSubentryFlow`).
    """

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the thresholds."""
        options = self.config_entry.options
        if user_input is not None:
            prices = user_input.pop(SECTION_PRICES, {})
            if user_input[CONF_RESTORE_THRESHOLD] >= user_input[CONF_SHED_THRESHOLD]:
                return self._show_init({"base": "thresholds"}, user_input)
            new = {**options, **user_input}
            if (errors := _take_prices(new, prices)) is not None:
                return self._show_init(errors, {**user_input, SECTION_PRICES: prices})
            if not user_input.get(CONF_TEMPERATURE_SENSOR):
                new.pop(CONF_TEMPERATURE_SENSOR, None)
            return self.async_create_entry(data=new)
        settings = EntryOptions.from_options(options)
        shown = settings.prices or grid_for(self._subscribed_power())
        current = {
            **options,
            SECTION_PRICES: {
                CONF_CUSTOM_PRICES: settings.prices is not None,
                **asdict(shown),
            },
        }
        return self._show_init({}, current)

    def _subscribed_power(self) -> int | None:
        """The meter's subscribed power (VA), if the entry is running."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return None
        data = entry.runtime_data.meter.data
        return None if data is None else data.state.subscribed_power

    def _show_init(
        self, errors: dict[str, str], values: Mapping[str, Any]
    ) -> ConfigFlowResult:
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SHED_THRESHOLD, default=DEFAULT_SHED_THRESHOLD
                ): _number(50, 130, "%"),
                vol.Required(
                    CONF_RESTORE_THRESHOLD, default=DEFAULT_RESTORE_THRESHOLD
                ): _number(30, 120, "%"),
                vol.Required(
                    CONF_RESTORE_DELAY, default=DEFAULT_RESTORE_DELAY
                ): _number(60, 3600, "s"),
                vol.Optional(CONF_TEMPERATURE_SENSOR): EntitySelector(
                    EntitySelectorConfig(domain="sensor", device_class="temperature")
                ),
                vol.Required(
                    CONF_POWER_INTERVAL, default=DEFAULT_POWER_INTERVAL
                ): _number(1, 300, "s"),
                vol.Required(
                    CONF_ENERGY_INTERVAL, default=DEFAULT_ENERGY_INTERVAL
                ): _number(1, 3600, "s"),
                vol.Required(
                    CONF_PRE_HEAT_HOURS, default=DEFAULT_PRE_HEAT_HOURS
                ): _number(1, 6, "h"),
                # No default: the frontend would take it (an empty section) as
                # the section's data, leave the required tick box out of it,
                # and refuse to submit the form ("Not all required fields").
                vol.Optional(SECTION_PRICES): section(
                    _prices_schema(), {"collapsed": True}
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, values),
            errors=errors,
        )


def _prices_schema() -> vol.Schema:
    """EDF's grid, or the user's own six prices and monthly subscription."""
    price = NumberSelector(
        NumberSelectorConfig(
            min=0,
            max=10,
            step="any",  # prices have four decimals
            mode=NumberSelectorMode.BOX,
            unit_of_measurement=f"{EURO}/kWh",
        )
    )
    monthly = NumberSelector(
        NumberSelectorConfig(
            min=0,
            max=500,
            step=0.01,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement=EURO,
        )
    )
    return vol.Schema(
        {
            vol.Required(CONF_CUSTOM_PRICES, default=False): BooleanSelector(),
            **{vol.Optional(name): price for name in PRICE_FIELDS},
            vol.Optional(SUBSCRIPTION_FIELD): monthly,
        }
    )


def _take_prices(
    options: dict[str, Any], prices: Mapping[str, Any]
) -> dict[str, str] | None:
    """Keep the user's own prices in ``options``, or drop them for EDF's grid.

    Returns the form's errors when custom prices are asked for but incomplete.
    """
    if not prices.get(CONF_CUSTOM_PRICES):
        options.pop(CONF_PRICES, None)
        return None
    fields = (*PRICE_FIELDS, SUBSCRIPTION_FIELD)
    if any(prices.get(name) is None for name in fields):
        return {"base": "prices_incomplete"}
    options[CONF_PRICES] = {name: float(prices[name]) for name in fields}
    return None


def _number(minimum: int, maximum: int, unit: str | None) -> NumberSelector:
    config = NumberSelectorConfig(
        min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)
