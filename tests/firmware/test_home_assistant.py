"""The real firmware against the real integration and Home Assistant's esphome.

Stream: simulator frames -> pty -> firmware (host build) -> native API serial
proxy -> the integration. The zone selects are the device's own, turned into
Home Assistant entities by Home Assistant's esphome integration; their pins
are read from the firmware's GPIO log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import MagicMock

import pytest

from custom_components.linky_tempo import driver as driver_module
from tests.firmware.frames import tempo_frame
from tests.firmware.ha_setup import (
    CLIMATE,
    PRESS_BUTTON,
    add_esphome_entry,
    add_linky_tempo,
    connect_esphome,
    esphome_hass_url,
    wait_state,
    zone_entity,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from tests.firmware.host_device import HostDevice

ZONES = (1, 2, 3, 4)
# Zone 1 is shed first on an overload (highest number), restored last.
LOADS = [{"entity_id": zone_entity(z), "priority": 5 - z} for z in ZONES]


@pytest.fixture(autouse=True)
def fast_restore_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver_module, "RESTORE_SPACING", 0.2)


@pytest.fixture
def ha_esphome(mock_async_zeroconf: MagicMock, mock_bluetooth: None) -> None:
    """What Home Assistant's esphome integration needs off the serial path."""


async def _zones_in(
    hass: HomeAssistant, device: HostDevice, option: str, zones: tuple[int, ...] = ZONES
) -> None:
    for zone in zones:
        await wait_state(hass, zone_entity(zone), option)
        await device.wait_zone(zone, option)


async def test_direct_esphome_url_reads_the_meter_through_the_firmware(
    hass: HomeAssistant, device: HostDevice
) -> None:
    assert device.meter is not None
    device.meter.start(tempo_frame("HCJB", papp=1234))
    url = f"esphome://127.0.0.1:{device.api_port}?port_name=Linky%20TIC"
    entry = await add_linky_tempo(hass, url)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "1234", within=30)
    assert hass.states.get("sensor.linky_tempo_tariff_period").state == "hc_blue"
    device.meter.frame = tempo_frame("HPJW", papp=2345)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "2345", within=30)
    assert hass.states.get("sensor.linky_tempo_tariff_period").state == "hp_white"
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("ha_esphome")
async def test_white_peak_sheds_the_zones_and_heat_restores_them(
    hass: HomeAssistant, device: HostDevice
) -> None:
    assert device.meter is not None
    device.meter.start(tempo_frame("HCJW"))
    esphome = await add_esphome_entry(hass, device)
    # Connected: the device hands back the zones it powered up shed.
    await _zones_in(hass, device, "comfort")
    await add_linky_tempo(hass, esphome_hass_url(esphome.entry_id), LOADS)
    await wait_state(hass, "sensor.linky_tempo_tariff_period", "hc_white", within=30)

    device.meter.frame = tempo_frame("HPJW")
    await _zones_in(hass, device, "frost_protection")
    # Frost protection is the negative half-wave only, on every zone's pins.
    for zone, (positive, negative) in {1: (25, 26), 4: (21, 22)}.items():
        assert device.pins[positive] is False, zone
        assert device.pins[negative] is True, zone

    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": CLIMATE, "hvac_mode": "heat"}
    )
    await _zones_in(hass, device, "comfort")
    assert not any(device.pins[p] for p in (25, 26, 32, 33, 18, 19, 21, 22))


@pytest.mark.usefixtures("ha_esphome")
async def test_adps_sheds_zone_one_through_the_integration(
    hass: HomeAssistant, device: HostDevice
) -> None:
    assert device.meter is not None
    device.meter.start(tempo_frame("HPJB", papp=3000, iinst=13))
    esphome = await add_esphome_entry(hass, device)
    await _zones_in(hass, device, "comfort")
    await add_linky_tempo(hass, esphome_hass_url(esphome.entry_id), LOADS)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "3000", within=30)
    mark = len(device.lines)
    device.meter.frame = tempo_frame("HPJB", papp=7400, iinst=32, adps=32)
    await _zones_in(hass, device, "frost_protection", zones=(1,))
    # The device is connected: its local rules stay out of it.
    assert not any("applying the local rules" in line for line in device.lines[mark:])


@pytest.mark.usefixtures("ha_esphome")
async def test_link_loss_local_rules_then_control_handed_back(
    hass: HomeAssistant, device: HostDevice
) -> None:
    assert device.meter is not None
    device.meter.start(tempo_frame("HCJB"))
    esphome = await add_esphome_entry(hass, device)
    await _zones_in(hass, device, "comfort")
    # Home Assistant's own choice for zone 2: eco.
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": zone_entity(2), "option": "eco"},
        blocking=True,
    )
    await device.wait_zone(2, "eco")

    mark = len(device.lines)
    assert await hass.config_entries.async_unload(esphome.entry_id)
    await device.wait_log("Home Assistant disconnected", since=mark)
    device.meter.frame = tempo_frame("HPJR")
    await device.wait_log("applying the local rules", since=mark, within=30)
    await device.wait_zones("frost_protection")
    # The red peak ends while Home Assistant is still away.
    device.meter.frame = tempo_frame("HCJW")
    await device.wait_zones("comfort", zones=(1, 3, 4))
    await device.wait_zone(2, "eco")

    mark = len(device.lines)
    await connect_esphome(hass, esphome)
    await device.wait_log("it controls the zones again", since=mark, within=30)
    await _zones_in(hass, device, "comfort", zones=(1, 3, 4))
    await wait_state(hass, zone_entity(2), "eco")
    await device.wait_zone(2, "eco")


@pytest.mark.usefixtures("ha_esphome")
async def test_button_short_press_toggles_heat_and_long_hold_resets_on_release(
    hass: HomeAssistant, device: HostDevice
) -> None:
    assert device.meter is not None
    device.meter.start(tempo_frame("HCJB"))
    esphome = await add_esphome_entry(hass, device)
    await add_linky_tempo(hass, esphome_hass_url(esphome.entry_id), LOADS)
    await wait_state(hass, CLIMATE, "auto", within=30)
    # The device follows the climate entity before the press means anything.
    await hass.async_block_till_done()

    await hass.services.async_call(
        "esphome", PRESS_BUTTON, {"duration_ms": 200}, blocking=True
    )
    await wait_state(hass, CLIMATE, "heat")
    await device.wait_log("Setting pin 4 to HIGH")  # the override LED
    await hass.services.async_call(
        "esphome", PRESS_BUTTON, {"duration_ms": 200}, blocking=True
    )
    await wait_state(hass, CLIMATE, "auto")

    mark = len(device.lines)
    await hass.services.async_call(
        "esphome", PRESS_BUTTON, {"duration_ms": 11000}, blocking=True
    )
    countdown = await device.wait_log("factory reset at 10 s", since=mark, within=10)
    # Still held at 10 s: nothing yet (GPIO0 is a strapping pin).
    await device.wait_log("Button held 10 s", since=countdown, within=15)
    reset = await device.wait_log(
        "factory reset on release", since=countdown, within=15
    )
    assert reset > countdown
