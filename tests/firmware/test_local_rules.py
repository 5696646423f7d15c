"""The firmware alone: no Home Assistant, the device applies its local rules.

The host build's fallback delay is 3 s (firmware/esphome/host/*.yaml).
"""

from __future__ import annotations

from tests.firmware.frames import tempo_frame
from tests.firmware.host_device import HostDevice


async def test_boots_in_frost_protection_then_follows_the_local_rules(
    device: HostDevice,
) -> None:
    assert device.meter is not None
    for zone in (1, 2, 3, 4):
        assert device.zone_option(zone) == "frost_protection"
    device.meter.start(tempo_frame("HCJB"))
    mark = await device.wait_log("applying the local rules", within=20)
    # Blue off-peak: every zone at its fallback option (comfort, no signal).
    await device.wait_zones("comfort")
    device.meter.frame = tempo_frame("HPJR")
    await device.wait_zones("frost_protection")
    # A white peak is shed too while the local override is off.
    device.meter.frame = tempo_frame("HCJW")
    await device.wait_zones("comfort")
    device.meter.frame = tempo_frame("HPJW")
    await device.wait_zones("frost_protection")
    assert mark > 0


async def test_adps_sheds_zone_one_locally(device: HostDevice) -> None:
    assert device.meter is not None
    device.meter.start(tempo_frame("HPJB"))
    await device.wait_log("applying the local rules", within=20)
    await device.wait_zones("comfort")
    device.meter.frame = tempo_frame("HPJB", papp=7400, iinst=32, adps=32)
    await device.wait_zone(1, "frost_protection")
    await device.wait_zones("frost_protection")
