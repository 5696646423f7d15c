"""Meter byte in -> pilot-wire pin out, through the real firmware.

Run a few times in the suite (LINKY_TEMPO_FIRMWARE_LATENCY_RUNS, default 3) so
that the harness keeps working; `benchmarks/firmware_latency.py` runs it
with many more and prints the percentiles (docs/benchmarks.md).

Zone 1 going to frost protection shows as "Setting pin 26 to HIGH" in the
firmware's log; the clock stops when the test reads that line. The measured
bytes go out at the line's pace (120 bytes a second), as a real TIC line
delivers them, not all at once; the clock starts when the last one is written.
- local rules (Home Assistant away): from the ADPS frame's last byte (the
  teleinfo component decodes whole frames);
- through the integration (esphome-hass://, Home Assistant's esphome
  integration, the zone select): from the ADPS group's last byte, the rest of
  the frame sent only once the pin has moved.
"""

from __future__ import annotations

import os
import statistics
from typing import TYPE_CHECKING
from unittest.mock import MagicMock

import pytest

from benchmarks._stats import percentile
from custom_components.linky_tempo import driver as driver_module
from custom_components.linky_tempo import policy
from tests.firmware.frames import tempo_frame
from tests.firmware.ha_setup import (
    add_esphome_entry,
    add_linky_tempo,
    esphome_hass_url,
    wait_state,
    zone_entity,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from tests.firmware.host_device import HostDevice

RUNS = int(os.environ.get("LINKY_TEMPO_FIRMWARE_LATENCY_RUNS", "3"))
PIN = 26  # zone 1's negative half-wave: frost protection
NORMAL = tempo_frame("HPJB", papp=3000, iinst=13)
OVERLOAD = tempo_frame("HPJB", papp=7400, iinst=32, adps=32)
CUT = OVERLOAD.index(b"\r", OVERLOAD.index(b"ADPS")) + 1


async def _pin_high_after(device: HostDevice, start: float) -> float:
    return (await device.wait_write(PIN, high=True, after=start)).at - start


def _report(name: str, latencies: list[float]) -> None:
    ms = sorted(value * 1000 for value in latencies)
    print(
        f"\n{name}: {len(ms)} runs, p50 {statistics.median(ms):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, max {ms[-1]:.1f} ms"
    )


async def test_latency_through_the_local_rules(device: HostDevice) -> None:
    assert device.meter is not None
    device.meter.start(NORMAL)
    await device.wait_log("applying the local rules", within=20)
    await device.wait_zone(1, "comfort")
    await device.meter.stop()
    latencies: list[float] = []
    for _ in range(RUNS):
        start = await device.meter.write_paced(OVERLOAD)
        latencies.append(await _pin_high_after(device, start))
        # The overload is held 2 s in the host build, then the zone comes back.
        device.meter.start(NORMAL)
        await device.wait_zone(1, "comfort", within=20)
        await device.meter.stop()
    _report("ADPS frame -> pin, local rules", latencies)
    assert max(latencies) < 2


async def test_latency_through_the_integration(
    hass: HomeAssistant,
    device: HostDevice,
    monkeypatch: pytest.MonkeyPatch,
    mock_async_zeroconf: MagicMock,
    mock_bluetooth: None,
) -> None:
    monkeypatch.setattr(driver_module, "RESTORE_SPACING", 0.0)
    assert device.meter is not None
    device.meter.period = 0.25
    device.meter.start(NORMAL)
    esphome = await add_esphome_entry(hass, device)
    await device.wait_zone(1, "comfort")
    loads = [{"entity_id": zone_entity(1), "priority": 1}]
    entry = await add_linky_tempo(hass, esphome_hass_url(esphome.entry_id), loads)
    # No shed step nor restore delay: each run sheds at once, then restores.
    entry.runtime_data.shedding.policy.settings = policy.PolicySettings(
        shed_step=0.0, restore_delay=0.0
    )
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "3000", within=30)
    latencies: list[float] = []
    for _ in range(RUNS):
        await device.meter.stop()
        start = await device.meter.write_paced(OVERLOAD[:CUT])
        latencies.append(await _pin_high_after(device, start))
        device.meter.write(OVERLOAD[CUT:])
        device.meter.start(NORMAL)
        await wait_state(hass, zone_entity(1), "comfort")
        await device.wait_zone(1, "comfort")
    _report("ADPS group -> pin, through the integration", latencies)
    assert max(latencies) < 2
