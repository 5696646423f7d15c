"""Six-order pilot wire: Confort -1 and -2 pulses on zone 4 of the host build.

firmware/esphome/linky-tempo.yaml gives zone 4 `six_orders: "true"`; its host
variant shortens the signal (a full sine every 3 s, 0.3 s for comfort_minus_1
and 0.7 s for comfort_minus_2, instead of every 300 s, 3 s and 7 s). The
selects are driven through the native API, as Home Assistant would; the
client subscribes to states so the device counts it as Home Assistant and
leaves the zones alone.
"""

from __future__ import annotations

import asyncio
import inspect
import time

from aioesphomeapi import APIClient, SelectInfo

from custom_components.linky_tempo.const import PILOT_WIRE_OPTIONS
from tests.firmware.host_device import ZONE_PINS, HostDevice, PinWrite

SIX_ORDERS = (*PILOT_WIRE_OPTIONS, "comfort_minus_1", "comfort_minus_2")
PERIOD = 3.0
# Generous: two shared cores, and times are when the log line was read.
SLACK = 1.5


def _pulses(device: HostDevice, pin: int, since: float) -> list[tuple[float, float]]:
    """(rise, fall) times of `pin` written HIGH then LOW since `since`."""
    pulses: list[tuple[float, float]] = []
    rise: PinWrite | None = None
    for write in device.writes:
        if write.pin != pin or write.at < since:
            continue
        if write.high and rise is None:
            rise = write
        elif not write.high and rise is not None:
            pulses.append((rise.at, write.at))
            rise = None
    return pulses


async def _wait_pulses(
    device: HostDevice, count: int, since: float, within: float
) -> list[tuple[float, float]]:
    positive, negative = ZONE_PINS[4]

    def seen() -> bool:
        return all(
            len(_pulses(device, pin, since)) >= count for pin in (positive, negative)
        )

    await device._wait(seen, within, f"{count} pulses on zone 4")
    return _pulses(device, positive, since)


async def test_comfort_minus_pulses_stop_on_another_option(
    device: HostDevice,
) -> None:
    positive, negative = ZONE_PINS[4]
    client = APIClient("127.0.0.1", device.api_port, None)
    await client.connect(login=True)
    try:
        subscribed = client.subscribe_states(lambda _state: None)
        if inspect.isawaitable(subscribed):
            await subscribed
        entities, _ = await client.list_entities_services()
        selects = {
            e.name: e
            for e in entities
            if isinstance(e, SelectInfo) and e.name.startswith("Pilot wire zone")
        }
        # Only zone 4 offers the six orders; the others keep the four.
        assert tuple(selects["Pilot wire zone 4"].options) == SIX_ORDERS
        for zone in (1, 2, 3):
            assert tuple(selects[f"Pilot wire zone {zone}"].options) == (
                PILOT_WIRE_OPTIONS
            )
        key = selects["Pilot wire zone 4"].key
        # Home Assistant is here: the boot option is handed back (comfort).
        await device.wait_zone(4, "comfort", within=30)

        # Confort -1: full sine (both pins) for ~0.3 s, every ~3 s, at once.
        start = time.monotonic()
        client.select_command(key, "comfort_minus_1")
        pulses = await _wait_pulses(device, 2, start, within=3 * PERIOD + 10)
        assert pulses[0][0] - start < SLACK
        for rise, fall in pulses[:2]:
            assert 0.1 <= fall - rise <= 0.3 + SLACK, pulses
        assert PERIOD - SLACK <= pulses[1][0] - pulses[0][0] <= PERIOD + SLACK, pulses
        assert len(_pulses(device, negative, start)) >= 2

        # Confort -2: longer pulses (~0.7 s), restarted at once.
        start = time.monotonic()
        client.select_command(key, "comfort_minus_2")
        pulses = await _wait_pulses(device, 1, start, within=PERIOD + 10)
        assert pulses[0][0] - start < SLACK
        assert 0.4 <= pulses[0][1] - pulses[0][0] <= 0.7 + SLACK, pulses

        # Another option during a pulse: that option's state, no more pulses.
        await device.wait_write(positive, high=True, after=time.monotonic(), within=10)
        client.select_command(key, "frost_protection")
        await device.wait_zone(4, "frost_protection", within=10)
        # The pulse's end does not come: the outputs stay in frost protection.
        await _sleep_and_check(device, time.monotonic(), 0.7 + SLACK)
        assert device.zone_option(4) == "frost_protection"
        client.select_command(key, "comfort")
        await device.wait_zone(4, "comfort", within=10)
        stopped = time.monotonic()
        await _sleep_and_check(device, stopped, 2 * PERIOD + 1)
        assert device.zone_option(4) == "comfort"
    finally:
        await client.disconnect()


async def _sleep_and_check(device: HostDevice, since: float, seconds: float) -> None:
    """No write to zone 4's pins for `seconds` from `since`."""
    await asyncio.sleep(seconds)
    late = [w for w in device.writes if w.pin in ZONE_PINS[4] and w.at > since]
    assert not late, late
