"""The live meter in Home Assistant, read through a real pty and real TCP."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.linky_tempo.const import (
    CONF_ENERGY_INTERVAL,
    CONF_MODE,
    CONF_PORT,
    DOMAIN,
)
from harness.stack import METER_ID
from tests.conftest import HISTORIC_CAPTURE, STANDARD_CAPTURE
from tests.waiting import wait_state
from tic_simulator.frames import tempo_historic
from tic_simulator.transport import PtyMeter, Streamer, TcpMeter


def _entry(port: str, mode: str = "historic") -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        title=f"Linky {METER_ID}",
        data={CONF_PORT: port, CONF_MODE: mode},
    )


async def _setup(
    hass: HomeAssistant, port: str, mode: str = "historic"
) -> MockConfigEntry:
    entry = _entry(port, mode)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def test_real_capture_on_a_pty_at_line_pace(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    """The pyteleinfo capture (Linky mono, historic, Tempo) at 1200 Bd pacing (×20)."""
    entry = await _setup(hass, str(pty_meter.path))
    await pty_meter.send(HISTORIC_CAPTURE.read_bytes())
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "2840")
    assert hass.states.get("sensor.linky_tempo_tariff_period").state == "hc_blue"
    assert hass.states.get("sensor.linky_tempo_today_s_colour").state == "blue"
    assert hass.states.get("sensor.linky_tempo_tomorrow_s_colour").state == "red"
    assert hass.states.get("sensor.linky_tempo_current").state == "12"
    assert hass.states.get("binary_sensor.linky_tempo_overload").state == "off"
    energy = hass.states.get("sensor.linky_tempo_energy_peak_blue_day")
    assert energy.state == "23739.545"  # kWh, from 023739545 Wh
    assert energy.attributes["state_class"] == "total_increasing"
    registry = er.async_get(hass)
    voltage_like = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{METER_ID}_subscribed_power"
    )
    assert voltage_like is not None
    assert (
        registry.async_get(voltage_like).disabled_by
        is er.RegistryEntryDisabler.INTEGRATION
    )
    # Only what the meter sends exists: no standard-mode-only entity.
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{METER_ID}_voltage") is None
    assert (
        registry.async_get_entity_id("sensor", DOMAIN, f"{METER_ID}_energy_base")
        is None
    )
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_device_is_named_from_the_meter_s_serial_number(
    hass: HomeAssistant, tcp_meter: TcpMeter
) -> None:
    """ADCO 021861348497: made by Sagemcom in 2018, a single-phase G3 Linky."""
    entry = await _setup(hass, tcp_meter.url)
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.identifiers == {(DOMAIN, METER_ID)}
    assert device.manufacturer == "Sagemcom"
    assert device.model == "Linky single-phase 60 A G3 (2018)"
    assert device.serial_number == METER_ID


async def test_unplug_and_replug(hass: HomeAssistant, pty_meter: PtyMeter) -> None:
    """Unplugged: unavailable after 10 s; plugged back: values within 5 s."""
    await _setup(hass, str(pty_meter.path))
    async with Streamer(pty_meter, tempo_historic()) as meter:
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "2840")
        pty_meter.unplug()
        await asyncio.sleep(0.5)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        await hass.async_block_till_done()
        assert (
            hass.states.get("sensor.linky_tempo_apparent_power").state
            == STATE_UNAVAILABLE
        )

        meter.frame = tempo_historic(papp=1230)
        pty_meter.plug()
        plugged = asyncio.get_running_loop().time()
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "1230", within=5)
        assert asyncio.get_running_loop().time() - plugged < 5


async def test_socket_url_and_dropped_connection(
    hass: HomeAssistant, tcp_meter: TcpMeter
) -> None:
    """socket:// as ser2net serves it; a connection dropped mid-frame recovers."""
    await _setup(hass, tcp_meter.url, mode="auto")
    await asyncio.wait_for(tcp_meter.connected.wait(), 5)
    await tcp_meter.send(tempo_historic(papp=1000) * 2)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "1000")

    frame = tempo_historic(papp=9990)
    await tcp_meter.send(frame[: len(frame) // 2])
    tcp_meter.drop()
    await asyncio.wait_for(tcp_meter.connected.wait(), 10)
    # The half frame was discarded with the connection: 9990 never shows.
    await tcp_meter.send(tempo_historic(papp=1500) * 2)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "1500")
    assert tcp_meter.connections == 2


async def test_overload_group_acts_before_the_frame_ends(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    await _setup(hass, str(pty_meter.path))
    pty_meter.write_now(tempo_historic() * 2)
    await wait_state(hass, "binary_sensor.linky_tempo_overload", "off")
    frame = tempo_historic(adps=45, iinst=45)
    cut = frame.index(b"ADPS") + frame[frame.index(b"ADPS") :].index(b"\r") + 1
    pty_meter.write_now(frame[:cut])
    await wait_state(hass, "binary_sensor.linky_tempo_overload", "on", within=3)
    # The rest of the frame has not been sent: PAPP is still the old value.
    assert hass.states.get("sensor.linky_tempo_apparent_power").state == "2840"
    pty_meter.write_now(frame[cut:] + tempo_historic())
    await wait_state(hass, "binary_sensor.linky_tempo_overload", "off")


async def test_meter_lost_raises_a_repair_issue_that_clears_itself(
    hass: HomeAssistant, pty_meter: PtyMeter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.linky_tempo")
    entry = await _setup(hass, str(pty_meter.path))
    issue_id = f"meter_lost_{entry.entry_id}"
    registry = ir.async_get(hass)
    async with Streamer(pty_meter, tempo_historic()):
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "2840")
    # The adapter is unplugged (a pty cannot be reopened by serialx once it
    # was configured at 7E1: its second tcsetattr fails with EINVAL).
    pty_meter.unplug()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert (
        hass.states.get("sensor.linky_tempo_apparent_power").state == STATE_UNAVAILABLE
    )
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=61))
    await hass.async_block_till_done()
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    pty_meter.plug()
    async with Streamer(pty_meter, tempo_historic()):
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "2840")
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    # Logged once when lost and once when back, at info level, however long
    # the outage and however many reconnection attempts.
    lost = [r for r in caplog.records if "entities unavailable" in r.getMessage()]
    back = [r for r in caplog.records if "is back" in r.getMessage()]
    assert len(lost) == 1
    assert len(back) == 1
    assert {r.levelno for r in lost + back} == {logging.INFO}


async def test_a_missing_port_still_sets_up_and_the_meter_comes_in_later(
    hass: HomeAssistant, pty_meter: PtyMeter, caplog: pytest.LogCaptureFixture
) -> None:
    """Control from the first second: the ESP32 boots after Home Assistant.

    The entry loads without its port: the shedding entities are there, the
    link keeps trying, a repair issue appears after 5 minutes; the meter's
    entities come once frames do, and the issue goes.
    """
    caplog.set_level(logging.INFO, logger="custom_components.linky_tempo")
    pty_meter.unplug()
    entry = await _setup(hass, str(pty_meter.path))
    assert entry.state is ConfigEntryState.LOADED
    assert "Cannot open the Linky meter's port" in caplog.text
    assert hass.states.get("climate.linky_tempo_heating") is not None
    assert hass.states.get("sensor.linky_tempo_apparent_power") is None
    issue_id = f"port_missing_{entry.entry_id}"
    registry = ir.async_get(hass)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=4))
    await hass.async_block_till_done()
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5, seconds=1))
    await hass.async_block_till_done()
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "port_missing"
    # The adapter appears: a fresh pty behind the path. The link's next try
    # is at most 72 s away (back-off 60 s, jitter 20 %).
    pty_meter.plug()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=73))
    async with Streamer(pty_meter, tempo_historic()):
        await wait_state(hass, "sensor.linky_tempo_apparent_power", "2840", within=30)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize("interval", [5])
async def test_power_writes_are_rate_limited_but_thresholds_pass_at_once(
    hass: HomeAssistant, pty_meter: PtyMeter, interval: int
) -> None:
    """Subscribed 30 A × 200 V = 6000 VA: 90 % = 5400 VA is written at once."""
    await _setup(hass, str(pty_meter.path))
    pty_meter.write_now(tempo_historic(papp=1000) * 2)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "1000")
    writes: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: writes.append(event.data["new_state"].state)
        if event.data["entity_id"] == "sensor.linky_tempo_apparent_power"
        else None,
    )
    for papp in (1010, 1020, 1030):
        pty_meter.write_now(tempo_historic(papp=papp))
        await asyncio.sleep(0.1)
    await hass.async_block_till_done()
    assert writes == []  # held back by the 5 s interval
    # A jump of 4.5 kVA waits for the next frame to confirm it (a corruption
    # that passed the checksum is not repeated), then is written at once.
    pty_meter.write_now(tempo_historic(papp=5500))
    await asyncio.sleep(0.3)
    await hass.async_block_till_done()
    assert writes == []
    pty_meter.write_now(tempo_historic(papp=5510))
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "5510", within=2)
    assert writes == ["5510"]


async def test_unload_closes_the_port(hass: HomeAssistant, tcp_meter: TcpMeter) -> None:
    entry = await _setup(hass, tcp_meter.url)
    await asyncio.wait_for(tcp_meter.connected.wait(), 5)
    (writer,) = tcp_meter.writers
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # The server's side of the connection sees it closed.
    async with asyncio.timeout(5):
        while not writer.transport.is_closing():
            await tcp_meter.send(b"\x02")
            await asyncio.sleep(0.05)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_energy_is_written_at_most_once_per_interval_and_the_last_value_lands(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    """Interval 5 s here (the option; 60 s by default)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        options={CONF_ENERGY_INTERVAL: 5},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    entity_id = "sensor.linky_tempo_energy_off_peak_blue_day"
    pty_meter.write_now(tempo_historic(index=18_328_856) * 2)
    await wait_state(hass, entity_id, "18328.856")
    # Each index is published once the next frame confirms it.
    for index in (18_328_857, 18_328_858, 18_328_858):
        pty_meter.write_now(tempo_historic(index=index))
        await asyncio.sleep(0.2)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "18328.856"
    # At the end of the interval the latest index is written.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "18328.858"


async def test_a_glitched_index_never_reaches_the_energy_dashboard(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    entry = await _setup(hass, str(pty_meter.path))
    entity_id = "sensor.linky_tempo_energy_off_peak_blue_day"
    pty_meter.write_now(tempo_historic(index=18_328_856) * 2)
    await wait_state(hass, entity_id, "18328.856")
    # A digit flipped in the index (with a valid checksum): +900 kWh in a second.
    pty_meter.write_now(tempo_historic(index=19_228_856, papp=3000) * 2)
    await wait_state(hass, "sensor.linky_tempo_apparent_power", "3000")
    assert hass.states.get(entity_id).state == "18328.856"
    assert entry.runtime_data.meter.reader.rejected_glitches >= 1


async def test_a_real_three_phase_standard_meter_over_tcp(
    hass: HomeAssistant, tcp_meter: TcpMeter
) -> None:
    """The lains capture: Linky tri, standard mode, Tempo, white day, 23:08."""
    await _setup(hass, tcp_meter.url, mode="auto")
    await asyncio.wait_for(tcp_meter.connected.wait(), 5)
    await tcp_meter.send(STANDARD_CAPTURE.read_bytes())
    await wait_state(hass, "sensor.linky_tempo_tariff_period", "hc_white")
    assert hass.states.get("sensor.linky_tempo_today_s_colour").state == "white"
    assert hass.states.get("sensor.linky_tempo_tomorrow_s_colour").state == "blue"
    registry = er.async_get(hass)
    meter_id = METER_ID
    for key in ("voltage", "voltage_l3", "apparent_power_l2", "current_l1", "cut_off"):
        entity = registry.async_get_entity_id("sensor", DOMAIN, f"{meter_id}_{key}")
        assert entity is not None, key
        assert (
            registry.async_get(entity).disabled_by
            is er.RegistryEntryDisabler.INTEGRATION
        )
    for period in ("hc_blue", "hp_blue", "hc_white", "hp_white", "hc_red", "hp_red"):
        assert registry.async_get_entity_id(
            "sensor", DOMAIN, f"{meter_id}_energy_{period}"
        )
    assert float(hass.states.get("sensor.linky_tempo_total_consumption").state) > 0
