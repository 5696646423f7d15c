"""The diagnostics download redacts the meter number and any key in the URL."""

from __future__ import annotations

import asyncio
import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.linky_tempo.const import CONF_MODE, CONF_PORT, DOMAIN
from tests.feeds import TcpMeter, tempo_historic
from tests.stack import METER_ID


async def test_diagnostics_redacts_secrets(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, tcp_meter: TcpMeter
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    url = f"{tcp_meter.url}?key=c2VjcmV0LWtleQ=="
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        title=f"Linky {METER_ID}",
        data={CONF_PORT: url, CONF_MODE: "historic"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await asyncio.wait_for(tcp_meter.connected.wait(), 5)
    await tcp_meter.send(tempo_historic() * 2)
    async with asyncio.timeout(5):
        while entry.runtime_data.meter.data is None:
            await asyncio.sleep(0.05)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert METER_ID not in text
    assert "c2VjcmV0LWtleQ" not in text
    assert diagnostics["entry"]["data"][CONF_PORT] == f"{tcp_meter.url}?key=REDACTED"
    assert diagnostics["last_frame"]["ADCO"] == "**REDACTED**"
    assert diagnostics["last_frame"]["PTEC"] == "HCJB"
    assert diagnostics["decoder"]["frames"] >= 1
    assert diagnostics["decoder"]["checksum_errors"] == 0
    assert diagnostics["link"]["connected"] is True
    assert diagnostics["state"]["contract"] == "tempo"
