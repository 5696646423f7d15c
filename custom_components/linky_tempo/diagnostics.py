"""Diagnostics download: the link, the decoder's counters and the last frame."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields, is_dataclass
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_PORT
from .meter.link import redact_url
from .models import LinkyTempoConfigEntry

# Labels carrying the meter number or the delivery point.
TO_REDACT_LABELS = {"ADCO", "ADSC", "PRM"}


def _plain(value: Any) -> Any:
    """Turn mappings and dataclasses of the meter state into plain data."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LinkyTempoConfigEntry
) -> dict[str, Any]:
    """Return diagnostics with the meter number and URL keys redacted."""
    meter = entry.runtime_data.meter
    decoder = meter.link.decoder
    data = meter.data
    state: dict[str, Any] | None = None
    if data is not None:
        state = {
            item.name: _plain(getattr(data.state, item.name))
            for item in fields(data.state)
        }
        state["meter_id"] = REDACTED
    return {
        "entry": {
            "title": REDACTED,
            "unique_id": REDACTED,
            "data": {**entry.data, CONF_PORT: redact_url(entry.data[CONF_PORT])},
            "options": dict(entry.options),
        },
        "link": {
            "connected": meter.link.connected,
            "baudrate": meter.link.baudrate,
            "mode": None if decoder.mode is None else str(decoder.mode),
            **asdict(meter.link.stats),
        },
        "decoder": {
            "frames": decoder.frames,
            "checksum_errors": decoder.checksum_errors,
            "malformed_groups": decoder.malformed_groups,
            "aborted_frames": decoder.aborted_frames,
            "discarded_bytes": decoder.discarded_bytes,
            "high_bit_bytes": decoder.high_bit_bytes,
        },
        "meter_lost": meter.meter_lost,
        "rejected_glitches": meter.reader.rejected_glitches,
        "state": state,
        "last_frame": None
        if meter.last_frame is None
        else async_redact_data(dict(meter.last_frame.values), TO_REDACT_LABELS),
    }
