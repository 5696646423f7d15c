"""A Linky Tempo ESP32 built for the other TIC mode than the meter's: a repair.

The firmware decodes the meter itself for its local rules, at the speed and in
the mode of its ``tic_mode`` substitution; it shows that mode as its "TIC mode"
diagnostic sensor. The integration reads the same line through the device's
serial proxy and sets the speed itself, so it sees the meter's real mode. When
the two differ the device's local shedding never works (nothing decodes): a
repair issue names the substitution to change, and goes once they agree.

Only for a meter read through Home Assistant's esphome integration
(``esphome-hass://esphome/<entry_id>?port_name=…``), where the device's
sensor is a Home Assistant entity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .meter import Frame


class WatchedMeter(Protocol):
    """What the watcher reads of the meter coordinator (no import of it)."""

    url: str
    config_entry: ConfigEntry

    @property
    def last_frame(self) -> Frame | None:
        """The last frame received."""

    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Be called at each update."""


ESPHOME_HASS_SCHEME = "esphome-hass"
FIRMWARE_MODE_SENSOR_NAME = "TIC mode"
ISSUE_KEY = "firmware_tic_mode"
KNOWN_MODES = ("historic", "standard")


def esphome_entry_id(url: str) -> str | None:
    """The esphome config entry an ``esphome-hass://`` URL goes through."""
    parts = urlsplit(url)
    if parts.scheme != ESPHOME_HASS_SCHEME:
        return None
    return parts.path.strip("/") or None


def issue_id(entry_id: str) -> str:
    """The repair issue of one Linky Tempo config entry."""
    return f"{ISSUE_KEY}_{entry_id}"


def firmware_mode_entity(hass: HomeAssistant, esphome_entry: str) -> str | None:
    """The device's "TIC mode" sensor, if Home Assistant has it."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, esphome_entry):
        if entity.domain == "sensor" and (
            entity.original_name == FIRMWARE_MODE_SENSOR_NAME
            or entity.entity_id.endswith("_tic_mode")
        ):
            return entity.entity_id
    return None


@callback
def async_watch_firmware_mode(
    hass: HomeAssistant, coordinator: WatchedMeter
) -> CALLBACK_TYPE:
    """Compare the firmware's mode with each frame's; return the unsubscriber."""
    esphome_entry = esphome_entry_id(coordinator.url)
    if esphome_entry is None:
        return lambda: None
    entry_id = coordinator.config_entry.entry_id
    last: list[tuple[str, str] | None] = [None]
    # The device's sensor, looked up until found (not at every frame after).
    sensor: list[str | None] = [None]

    @callback
    def _check() -> None:
        frame = coordinator.last_frame
        if sensor[0] is None:
            sensor[0] = firmware_mode_entity(hass, esphome_entry)
        entity_id = sensor[0]
        state = hass.states.get(entity_id) if entity_id else None
        if frame is None or state is None or state.state not in KNOWN_MODES:
            return
        seen = (state.state, frame.mode.value)
        if seen == last[0]:
            return
        last[0] = seen
        configured, actual = seen
        if configured == actual:
            ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id))
            return
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id(entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="firmware_tic_mode",
            translation_placeholders={
                "title": coordinator.config_entry.title,
                "device": state.attributes.get("friendly_name", entity_id or ""),
                "configured": configured,
                "actual": actual,
                "substitution": f"tic_mode: {actual}",
            },
        )

    unsubscribe = coordinator.async_add_listener(_check)

    @callback
    def _stop() -> None:
        unsubscribe()
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id))

    return _stop
