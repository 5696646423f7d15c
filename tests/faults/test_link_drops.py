"""The link dropped every 30 s for an hour (virtual clock), on a pty and on TCP.

USB: the dongle disappears for 1 s (the pty is closed, its symlink dangles)
and comes back as a new device behind the same symlink. ser2net: the TCP
connection is reset; the server stays up. 120 drops each, during a white-day
peak: the loads must stay shed, no entity may become unavailable (each outage
is shorter than the 10 s availability rule), every reconnection must bring
data back, and nothing may leak (file descriptors, timers, tasks).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import date, datetime

import pytest
from homeassistant.core import HomeAssistant

from custom_components.linky_tempo.meter import TempoColor
from tests.faults.meter_model import (
    MeterFeed,
    PeerSink,
    PtySink,
    SimulatedMeter,
    TempoCalendar,
)
from tests.faults.virtual_time import PARIS, VirtualClock
from tests.feeds import PtyMeter, TcpMeter
from tests.stack import (
    SHED,
    Recorder,
    add_entry,
    entity_ids_of,
    load_states,
    meter_entry,
    setup_loads,
)
from tests.waiting import wait_until

CALENDAR = TempoCalendar({date(2026, 1, 14): TempoColor.WHITE})
START = datetime(2026, 1, 14, 9, 0, tzinfo=PARIS)
DROPS = 120
EVERY = 30.0
OUTAGE = 1.0


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _drop_every_30_s(
    hass: HomeAssistant,
    clock: VirtualClock,
    feed: MeterFeed,
    port: str,
    drop: Callable[[], None],
    restore: Callable[[], None],
) -> tuple[Recorder, str, list[int], int]:
    await setup_loads(hass)
    feed.start()
    entry = await add_entry(hass, meter_entry(port))
    await wait_until(lambda: load_states(hass) == SHED, within=60)
    link = entry.runtime_data.meter.link
    fds_before = _open_fds()
    recorder = Recorder(hass).start()
    frames_between: list[int] = []
    for _ in range(DROPS):
        await asyncio.sleep(EVERY - OUTAGE)
        before = link.decoder.frames
        drop()
        await asyncio.sleep(OUTAGE)
        restore()
        # Data comes back well within the 30 s period.
        await wait_until(
            lambda before=before: link.decoder.frames > before,
            within=EVERY - OUTAGE,
        )
        frames_between.append(link.decoder.frames - before)
    await asyncio.sleep(EVERY)
    recorder.stop()
    await feed.stop()
    leaked = _open_fds() - fds_before
    return recorder, entry.entry_id, frames_between, leaked


def _check(
    hass: HomeAssistant, recorder: Recorder, entry_id: str, clock: VirtualClock
) -> None:
    assert clock.elapsed >= DROPS * EVERY
    assert load_states(hass) == SHED
    entities = entity_ids_of(hass, entry_id)
    unavailable = [
        c.entity_id
        for c in recorder.changes
        if c.entity_id in entities and c.state == "unavailable"
    ]
    assert unavailable == []
    moved = [
        c.entity_id
        for c in recorder.changes
        if c.entity_id in SHED and c.state != SHED[c.entity_id]
    ]
    assert moved == []
    assert recorder.problems() == []


# An hour of frames on the virtual clock: about 20 s of CPU on an idle
# machine, twice that with every CPU busy.
@pytest.mark.timeout(300)
async def test_usb_dongle_unplugged_every_30_s_for_an_hour(
    hass: HomeAssistant,
    pty: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    clock = virtual_clock(START)
    feed = MeterFeed(SimulatedMeter(CALENDAR), [PtySink(pty)], clock, chunk=128)
    recorder, entry_id, frames, leaked = await _drop_every_30_s(
        hass, clock, feed, str(pty.path), pty.unplug, pty.plug
    )
    _check(hass, recorder, entry_id, clock)
    link = hass.config_entries.async_get_entry(entry_id).runtime_data.meter.link
    assert link.stats.disconnections >= DROPS
    assert link.stats.connections >= DROPS + 1
    assert len(frames) == DROPS
    assert leaked <= 0


# An hour of frames on the virtual clock: about 20 s of CPU on an idle
# machine, twice that with every CPU busy.
@pytest.mark.timeout(300)
async def test_ser2net_connection_reset_every_30_s_for_an_hour(
    hass: HomeAssistant,
    tcp_meter: TcpMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    clock = virtual_clock(START)
    feed = MeterFeed(SimulatedMeter(CALENDAR), [PeerSink(tcp_meter)], clock, chunk=128)
    recorder, entry_id, frames, leaked = await _drop_every_30_s(
        hass, clock, feed, tcp_meter.url, tcp_meter.drop, lambda: None
    )
    _check(hass, recorder, entry_id, clock)
    assert tcp_meter.connections >= DROPS + 1
    assert len(frames) == DROPS
    assert leaked <= 0
