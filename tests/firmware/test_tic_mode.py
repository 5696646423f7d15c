"""A firmware built for the standard mode on a historic meter: a repair issue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import MagicMock

from homeassistant.helpers import issue_registry as ir

from custom_components.linky_tempo.const import DOMAIN
from custom_components.linky_tempo.firmware_mode import issue_id
from tests.firmware.frames import tempo_frame
from tests.firmware.ha_setup import (
    add_esphome_entry,
    add_linky_tempo,
    esphome_hass_url,
    wait_state,
    wait_until,
)
from tests.firmware.host_device import HostDevice

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant


async def test_standard_firmware_on_a_historic_meter_raises_a_repair(
    hass: HomeAssistant,
    host_programs: dict[str, Path],
    tmp_path: Path,
    socket_enabled: None,
    mock_async_zeroconf: MagicMock,
    mock_bluetooth: None,
) -> None:
    device = HostDevice(host_programs["standard-mode-two-zones"], tmp_path)
    try:
        await device.start()
        assert device.meter is not None
        await device.wait_log("TIC configured for the standard mode (9600 Bd 7E1)")
        device.meter.start(tempo_frame("HPJR"))
        sensor = "sensor.linky_tempo_esp32_tic_mode"
        esphome = await add_esphome_entry(
            hass,
            device,
            device_name="host-standard-mode-two-zones",
            ready_entity=sensor,
        )
        await wait_state(hass, sensor, "standard")
        entry = await add_linky_tempo(hass, esphome_hass_url(esphome.entry_id))
        await wait_state(hass, "sensor.linky_tempo_tariff_period", "hp_red", 30)
        issues = ir.async_get(hass)
        await wait_until(
            lambda: issues.async_get_issue(DOMAIN, issue_id(entry.entry_id)) is not None
        )
        issue = issues.async_get_issue(DOMAIN, issue_id(entry.entry_id))
        assert issue is not None
        assert issue.severity is ir.IssueSeverity.ERROR
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["substitution"] == "tic_mode: historic"
        assert issue.translation_placeholders["configured"] == "standard"
        # The device says it too, loudly (its local rules decode nothing).
        await device.wait_log("No TIC frame decoded: local shedding is off", within=30)
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert issues.async_get_issue(DOMAIN, issue_id(entry.entry_id)) is None
    finally:
        await device.stop()
