"""The ESPHome serial proxy disconnecting (virtual clock), through aioesphomeapi.

The ESP32 of this project forwards the TIC line over ESPHome's native API.
Over ten simulated minutes of a white-day peak it loses Wi-Fi (the TCP
connection is reset), reboots (the API server is gone for 20 s), and asks
its client to disconnect, again and again. Every time the link must come
back by itself and the loads must stay shed: while the meter is silent for
more than 10 s, Tempo shedding goes on from the clock and the last colours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime

import pytest
from homeassistant.core import HomeAssistant

from custom_components.linky_tempo.meter import TempoColor
from tests.esphome_peer import EsphomeSerialProxyPeer
from tests.faults.meter_model import MeterFeed, PeerSink, SimulatedMeter, TempoCalendar
from tests.faults.virtual_time import PARIS, VirtualClock
from tests.stack import (
    SHED,
    Recorder,
    add_entry,
    load_states,
    meter_entry,
    setup_loads,
)
from tests.waiting import wait_until

CALENDAR = TempoCalendar({date(2026, 1, 14): TempoColor.WHITE})
# serialx 1.7 (Home Assistant 2026.5) does not report a lost ESPHome
# connection: the link's 15 s silence watchdog notices, then backs off.
RECOVERY = 40.0


@pytest.mark.usefixtures("socket_enabled")
async def test_proxy_wifi_loss_reboot_and_disconnect_are_survived(
    hass: HomeAssistant, virtual_clock: Callable[[datetime], VirtualClock]
) -> None:
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    await setup_loads(hass)
    async with EsphomeSerialProxyPeer() as peer:
        feed = MeterFeed(SimulatedMeter(CALENDAR), [PeerSink(peer)], clock, chunk=128)
        feed.start()
        entry = await add_entry(hass, meter_entry(peer.url()))
        await wait_until(lambda: load_states(hass) == SHED, within=60)
        link = entry.runtime_data.meter.link
        recorder = Recorder(hass).start()
        recoveries: list[float] = []

        async def recovered() -> None:
            before = link.decoder.frames
            began = clock.monotonic()
            await wait_until(lambda: link.decoder.frames > before, within=RECOVERY)
            recoveries.append(clock.monotonic() - began)

        for _ in range(3):
            # Wi-Fi lost: the connection is reset with no goodbye.
            peer.drop_clients()
            await recovered()
            await asyncio.sleep(30)
            # The ESP32 reboots: nothing listens for 20 s.
            await peer.stop()
            await asyncio.sleep(20)
            await peer.start()
            await recovered()
            await asyncio.sleep(30)
            # The ESP32 asks its client to go (an OTA update, a clean reboot).
            peer.request_disconnect()
            await asyncio.sleep(1)
            await recovered()
            await asyncio.sleep(30)
        recorder.stop()
        await feed.stop()
        assert await hass.config_entries.async_unload(entry.entry_id)

    assert len(recoveries) == 9
    assert max(recoveries) < RECOVERY
    # The loads never moved: the clock kept the white peak while the meter
    # was silent.
    moved = [
        c.entity_id
        for c in recorder.changes
        if c.entity_id in SHED and c.state != SHED[c.entity_id]
    ]
    assert moved == []
    reasons = set(recorder.states("sensor.linky_tempo_shedding_reason"))
    assert reasons <= {"white_peak"}
    assert link.stats.connections >= 10
    # aioesphomeapi itself warns of each lost connection and failed reconnect.
    assert recorder.problems(ignore=("Connection error occurred",)) == []
