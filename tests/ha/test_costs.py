"""Tempo prices and costs in a real Home Assistant: meter on a pty, real store."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.linky_tempo import costs as costs_module
from custom_components.linky_tempo.const import DOMAIN
from custom_components.linky_tempo.prices import TempoPrices
from tests.feeds import PtyMeter, Streamer, tempo_historic
from tests.stack import add_entry, meter_entry
from tests.waiting import wait_state

PRICE = "sensor.linky_tempo_current_price"
TODAY = "sensor.linky_tempo_cost_today"
YESTERDAY = "sensor.linky_tempo_cost_yesterday"
# A Tempo day of the tests (06:00 to 06:00 in France): 1 December 2026.
NOW = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("Europe/Paris"))
INDEX = 18_328_856  # the frames' BBRHCJB (off-peak, blue day), in Wh
GRID = TempoPrices.default(6)  # the frames say ISOUSC 30 A: 6 kVA


@pytest.fixture(autouse=True)
def tempo_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The costs' Tempo day is 1 December, whatever the real clock says."""
    monkeypatch.setattr(costs_module, "tempo_now", lambda: NOW)


def _stored(hass_storage: dict[str, Any], entry_id: str, data: dict[str, Any]) -> None:
    hass_storage[f"{DOMAIN}.{entry_id}.costs"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{entry_id}.costs",
        "data": data,
    }


def _replug(meter: PtyMeter) -> None:
    meter.unplug()
    meter.plug()


async def test_current_price_and_today_s_cost_from_the_stored_day(
    hass: HomeAssistant, pty_meter: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    """10 kWh off-peak on a blue day since 06:00, counted before a restart."""
    entry = meter_entry(str(pty_meter.path), loads=False)
    _stored(
        hass_storage,
        entry.entry_id,
        {
            "day": "2026-12-01",
            "start": {"hc_blue": INDEX - 10_000},
            "last": {"hc_blue": INDEX - 4_000},
            "yesterday": 3.1,
        },
    )
    await add_entry(hass, entry)
    async with Streamer(pty_meter, tempo_historic(period="HCJB", index=INDEX)):
        await wait_state(hass, PRICE, "0.1356")
        expected = 10 * 0.1356 + GRID.subscription_on(NOW.date())
        await wait_state(hass, TODAY, str(round(expected, 2)))
    assert hass.states.get(YESTERDAY).state == "3.1"
    price = hass.states.get(PRICE)
    # What the Energy dashboard takes as an entity with the current price.
    assert price.attributes["unit_of_measurement"] == "EUR/kWh"
    today = hass.states.get(TODAY)
    assert today.attributes["device_class"] == "monetary"
    assert today.attributes["unit_of_measurement"] == "EUR"


async def test_the_day_before_becomes_yesterday_s_cost(
    hass: HomeAssistant, pty_meter: PtyMeter, hass_storage: dict[str, Any]
) -> None:
    """Stored on 30 November; the first reading of 1 December closes that day."""
    entry = meter_entry(str(pty_meter.path), loads=False)
    _stored(
        hass_storage,
        entry.entry_id,
        {
            "day": "2026-11-30",
            # The frames' BBRHPJR (peak, red day) is 844 115 Wh.
            "start": {"hc_blue": INDEX - 30_000, "hp_red": 842_115},
            "last": {"hc_blue": INDEX - 20_000, "hp_red": 844_115},
            "yesterday": None,
        },
    )
    await add_entry(hass, entry)
    async with Streamer(pty_meter, tempo_historic(period="HCJB", index=INDEX)):
        november_30 = GRID.subscription_on(datetime(2026, 11, 30).date())
        yesterday = 10 * 0.1356 + 2 * 0.7295 + november_30
        await wait_state(hass, YESTERDAY, str(round(yesterday, 2)))
        # Today counts from yesterday's last reading: 20 kWh off-peak blue.
        today = 20 * 0.1356 + GRID.subscription_on(NOW.date())
        await wait_state(hass, TODAY, str(round(today, 2)))


async def test_own_prices_from_the_options(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    entry = await add_entry(hass, meter_entry(str(pty_meter.path), loads=False))
    async with Streamer(pty_meter, tempo_historic(period="HCJB", index=INDEX)):
        await wait_state(hass, PRICE, "0.1356")
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        # The form shows EDF's grid for the meter's 6 kVA.
        section = flow["data_schema"].schema["tempo_prices"].schema.schema
        suggested = {
            str(key): key.description["suggested_value"]
            for key in section
            if key.description
        }
        assert suggested["custom_prices"] is False
        assert suggested["hc_blue"] == 0.1356
        assert suggested["hp_red"] == 0.7295
        assert suggested["subscription_per_month"] == 15.80
        own = {
            "custom_prices": True,
            "hc_blue": 0.1,
            "hp_blue": 0.2,
            "hc_white": 0.3,
            "hp_white": 0.4,
            "hc_red": 0.5,
            "hp_red": 0.9,
        }
        result = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"tempo_prices": own}
        )
        # The subscription is missing.
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "prices_incomplete"}
        result = await hass.config_entries.options.async_configure(
            flow["flow_id"],
            {"tempo_prices": {**own, "subscription_per_month": 20.0}},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert entry.options["prices"]["hc_blue"] == 0.1
        assert "tempo_prices" not in entry.options
        # The entry reloads with them (on a fresh pty: see CONTRIBUTING.md).
        _replug(pty_meter)
        await wait_state(hass, PRICE, "0.1")
        # Back to EDF's grid.
        flow = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            flow["flow_id"], {"tempo_prices": {"custom_prices": False}}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert "prices" not in entry.options
        _replug(pty_meter)
        await wait_state(hass, PRICE, "0.1356")
