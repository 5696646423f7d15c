"""The meter switched between historic and standard mode while running.

Enedis (or the supplier) can switch a Linky between historic (1200 Bd) and
standard (9600 Bd) mode remotely. The receiver then listens at the wrong
baud rate and gets garbage: the integration (mode "auto") must notice (12 s
of bytes without a valid frame), reopen the port at the other rate, and read
the other format, with no wrong value published in between and no load
moved (the clock keeps a Tempo peak shed while the meter is unreadable).

The line is simulated honestly for both transports the product uses:

* a USB dongle (a pty): the simulator reads the baud rate the integration
  configured on the pty and, when it is not the meter's, sends what a UART
  at the wrong rate receives;
* the ESP32 serial proxy (ESPHome native API): the same, with the baud rate
  the integration configured on the proxy.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.linky_tempo.meter import LineMode
from custom_components.linky_tempo.meter import link as link_module
from harness.stack import (
    SHED,
    Recorder,
    add_entry,
    load_states,
    meter_entry,
    setup_loads,
)
from harness.virtual_time import PARIS, VirtualClock
from tests.esphome_peer import EsphomeSerialProxyPeer
from tests.waiting import wait_until
from tic_simulator.feed import MeterFeed, PeerSink, PtySink
from tic_simulator.scripted import ScriptedMeter
from tic_simulator.tempo import Colour, TempoCalendar
from tic_simulator.transport import UartPty

CALENDAR = TempoCalendar(overrides={date(2026, 1, 14): Colour.WHITE})
BAUD = {LineMode.HISTORIC: 1200, LineMode.STANDARD: 9600}
# 12 s without a valid frame, then the other rate; one or two frames to sync.
RECOVERY = 25.0


async def _switch_twice(
    hass: HomeAssistant,
    clock: VirtualClock,
    meter: ScriptedMeter,
    feed: MeterFeed,
    port: str,
) -> tuple[Recorder, Any, list[float]]:
    await setup_loads(hass)
    feed.start()
    entry = await add_entry(hass, meter_entry(port, mode="auto"))
    await wait_until(lambda: load_states(hass) == SHED, within=60)
    link = entry.runtime_data.meter.link
    recorder = Recorder(hass).start()
    recoveries = []
    for mode in (LineMode.STANDARD, LineMode.HISTORIC):
        began = clock.monotonic()
        meter.mode = mode
        await wait_until(
            lambda mode=mode: link.decoder.mode is mode and link.baudrate == BAUD[mode],
            within=RECOVERY,
        )
        frames = link.decoder.frames
        await wait_until(lambda frames=frames: link.decoder.frames > frames, within=10)
        recoveries.append(clock.monotonic() - began)
        # A minute in the new mode.
        await asyncio.sleep(60)
    recorder.stop()
    await feed.stop()
    return recorder, entry, recoveries


def _check(
    hass: HomeAssistant, recorder: Recorder, entry: Any, recoveries: list[float]
) -> None:
    link = entry.runtime_data.meter.link
    assert link.stats.rate_switches >= 2
    assert len(recoveries) == 2
    assert max(recoveries) < RECOVERY
    # Nothing wrong published: the period is the meter's or unavailable.
    assert set(recorder.states("sensor.linky_tempo_tariff_period")) <= {
        "hp_white",
        "unavailable",
    }
    for entity_id in (
        "sensor.linky_tempo_energy_peak_white_day",
        "sensor.linky_tempo_energy_off_peak_blue_day",
    ):
        values = [
            float(s)
            for s in recorder.states(entity_id)
            if s not in ("unknown", "unavailable")
        ]
        assert values == sorted(values)
    # Loads never moved; the clock kept the white peak while unreadable.
    assert recorder.moves(SHED) == []
    assert set(recorder.states("sensor.linky_tempo_shedding_reason")) <= {"white_peak"}
    # Standard mode brought its own values (the voltage is created disabled).
    assert hass.states.get("sensor.linky_tempo_apparent_power") is not None
    assert recorder.problems(ignore=("Connection error occurred",)) == []


async def test_meter_switched_on_a_usb_dongle(
    hass: HomeAssistant,
    tmp_path: Path,
    virtual_clock: Callable[[datetime], VirtualClock],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    uart = UartPty(tmp_path)
    real_close = link_module._close

    async def close_and_release(writer: Any) -> None:
        await real_close(writer)
        uart.release()

    monkeypatch.setattr(link_module, "_close", close_and_release)
    meter = ScriptedMeter(CALENDAR)
    feed = MeterFeed(
        meter,
        [PtySink(uart)],
        clock,
        chunk=128,
        garble=lambda m: uart.baudrate != BAUD[m.mode],
        seed=7,
    )
    try:
        recorder, entry, recoveries = await _switch_twice(
            hass, clock, meter, feed, str(uart.path)
        )
    finally:
        await feed.stop()
        uart.close()
    _check(hass, recorder, entry, recoveries)


@pytest.mark.usefixtures("socket_enabled")
async def test_meter_switched_behind_the_esphome_proxy(
    hass: HomeAssistant, virtual_clock: Callable[[datetime], VirtualClock]
) -> None:
    clock = virtual_clock(datetime(2026, 1, 14, 10, 0, tzinfo=PARIS))
    async with EsphomeSerialProxyPeer() as peer:
        meter = ScriptedMeter(CALENDAR)
        feed = MeterFeed(
            meter,
            [PeerSink(peer)],
            clock,
            chunk=128,
            garble=lambda m: peer.configured_baudrate != BAUD[m.mode],
            seed=8,
        )
        try:
            recorder, entry, recoveries = await _switch_twice(
                hass, clock, meter, feed, peer.url()
            )
        finally:
            await feed.stop()
        _check(hass, recorder, entry, recoveries)
        assert await hass.config_entries.async_unload(entry.entry_id)


def test_wrong_rate_garbage_never_makes_a_frame() -> None:
    """What the simulator sends at the wrong rate is rejected by the decoder."""
    from custom_components.linky_tempo.meter import TicDecoder
    from tic_simulator.feed import wrong_rate

    rng = random.Random(3)
    meter = ScriptedMeter(CALENDAR)
    decoder = TicDecoder()
    local = datetime(2026, 1, 14, 10, 0, tzinfo=PARIS)
    for mode in (LineMode.HISTORIC, LineMode.STANDARD):
        meter.mode = mode
        for _ in range(500):
            assert decoder.feed(wrong_rate(meter.frame(local), mode, rng)) == []
