"""The firmware's TIC mode against the meter's: the repair issue's logic.

The end-to-end case (a real firmware built for the standard mode on a historic
meter) is tests/firmware/test_tic_mode.py; this one needs no firmware build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky_tempo.const import DOMAIN
from custom_components.linky_tempo.firmware_mode import (
    async_watch_firmware_mode,
    esphome_entry_id,
    issue_id,
)
from custom_components.linky_tempo.meter import Frame, LineMode


@dataclass
class FakeCoordinator:
    """What the watcher reads of the coordinator."""

    url: str
    config_entry: MockConfigEntry
    last_frame: Frame | None = None
    listeners: list[Any] = field(default_factory=list)

    def async_add_listener(self, update: Any) -> CALLBACK_TYPE:
        self.listeners.append(update)
        return lambda: self.listeners.remove(update)

    def frame(self, mode: LineMode) -> None:
        self.last_frame = Frame(mode, {}, {}, 0)
        for listener in list(self.listeners):
            listener()


def test_esphome_entry_id_only_for_esphome_hass_urls() -> None:
    assert esphome_entry_id("esphome-hass://esphome/abc123?port_name=Linky%20TIC") == (
        "abc123"
    )
    assert esphome_entry_id("esphome://127.0.0.1:6053?port_name=Linky%20TIC") is None
    assert esphome_entry_id("/dev/ttyUSB0") is None


async def test_repair_raised_while_the_modes_differ(hass: HomeAssistant) -> None:
    esphome = MockConfigEntry(domain="esphome")
    esphome.add_to_hass(hass)
    linky = MockConfigEntry(domain=DOMAIN, title="Linky 021861348497")
    linky.add_to_hass(hass)
    er.async_get(hass).async_get_or_create(
        "sensor",
        "esphome",
        "98:35:69:ab:f6:79-text_sensor-tic_mode",
        config_entry=esphome,
        original_name="TIC mode",
        suggested_object_id="linky_tempo_esp32_tic_mode",
    )
    sensor = "sensor.linky_tempo_esp32_tic_mode"
    hass.states.async_set(sensor, "standard", {"friendly_name": "Linky Tempo ESP32"})
    url = f"esphome-hass://esphome/{esphome.entry_id}?port_name=Linky%20TIC"
    coordinator = FakeCoordinator(url, linky)
    stop = async_watch_firmware_mode(hass, coordinator)  # type: ignore[arg-type]
    issues = ir.async_get(hass)
    key = issue_id(linky.entry_id)

    coordinator.frame(LineMode.HISTORIC)
    issue = issues.async_get_issue(DOMAIN, key)
    assert issue is not None
    assert issue.translation_key == "firmware_tic_mode"
    assert issue.translation_placeholders == {
        "title": "Linky 021861348497",
        "device": "Linky Tempo ESP32",
        "configured": "standard",
        "actual": "historic",
        "substitution": "tic_mode: historic",
    }
    # Rebuilt for the meter's mode: the issue goes.
    hass.states.async_set(sensor, "historic")
    coordinator.frame(LineMode.HISTORIC)
    assert issues.async_get_issue(DOMAIN, key) is None
    # Unknown while the device is away: nothing changes.
    hass.states.async_set(sensor, "unavailable")
    coordinator.frame(LineMode.STANDARD)
    assert issues.async_get_issue(DOMAIN, key) is None
    hass.states.async_set(sensor, "historic")
    coordinator.frame(LineMode.STANDARD)
    assert issues.async_get_issue(DOMAIN, key) is not None
    stop()
    assert issues.async_get_issue(DOMAIN, key) is None
    assert coordinator.listeners == []


async def test_nothing_for_a_meter_not_behind_home_assistant_esphome(
    hass: HomeAssistant,
) -> None:
    linky = MockConfigEntry(domain=DOMAIN)
    linky.add_to_hass(hass)
    coordinator = FakeCoordinator("esphome://127.0.0.1:6053?port_name=x", linky)
    stop = async_watch_firmware_mode(hass, coordinator)  # type: ignore[arg-type]
    assert coordinator.listeners == []
    stop()
    # Behind Home Assistant's esphome, but the device has no TIC mode sensor.
    url = "esphome-hass://esphome/missing?port_name=Linky%20TIC"
    coordinator = FakeCoordinator(url, linky)
    stop = async_watch_firmware_mode(hass, coordinator)  # type: ignore[arg-type]
    coordinator.frame(LineMode.STANDARD)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(linky.entry_id)) is None
    stop()
