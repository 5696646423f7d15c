"""The full stack for Home Assistant tests: real loads, a real entry, probes.

Shared by ``tests/ha``, ``tests/faults`` and the benchmarks: the meter's id
and its entities' ids, three kinds of load (an input_boolean, a pilot-wire
input_select and a generic_thermostat climate), a config entry on a real
port, and `Recorder`, which keeps every state change and log record so a test
can check what was published, and when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky_tempo.const import CONF_LOADS, CONF_MODE, CONF_PORT, DOMAIN

METER_ID = "021861348497"
# The heating climate entity of the first meter (device "Linky Tempo").
CLIMATE = "climate.linky_tempo_heating"
RADIATOR = "input_boolean.radiator"  # priority 3: shed first
ZONE = "input_select.zone"  # priority 2
OFFICE = "climate.office"  # priority 1: shed last, restored first
HEATER = "input_boolean.office_heater"
LOADS = [
    {"entity_id": OFFICE, "priority": 1},
    {"entity_id": ZONE, "priority": 2},
    {"entity_id": RADIATOR, "priority": 3},
]
# What each load is before any shedding, and when shed.
NORMAL = {RADIATOR: "on", ZONE: "comfort", OFFICE: "heat"}
SHED = {RADIATOR: "off", ZONE: "frost_protection", OFFICE: "off"}
# Warnings of the test harness itself, not of the integration or the loads.
BENIGN = (
    "zlib_ng and isal are not available",
    "which has not been tested by Home Assistant",
    "No previously saved temperature",
)
# Heating power each load draws while not shed (VA), for the simulated meter.
LOAD_POWER = {RADIATOR: 1500, ZONE: 1000, OFFICE: 1000}


async def setup_loads(
    hass: HomeAssistant, *, initial: bool = True, fan: bool = False
) -> None:
    """The three loads; without ``initial`` they restore their last state.

    With ``fan``, also ``input_select.fan``: a select that is no heater (no
    frost protection or off option).
    """
    assert await async_setup_component(hass, "homeassistant", {})
    radiator: dict[str, Any] = {"initial": True} if initial else {}
    heater: dict[str, Any] = {"initial": False} if initial else {}
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"radiator": radiator, "office_heater": heater}},
    )
    zone: dict[str, Any] = {"options": ["comfort", "eco", "frost_protection", "off"]}
    if initial:
        zone["initial"] = "comfort"
    selects = {"zone": zone}
    if fan:
        selects["fan"] = {"options": ["low", "high"], "initial": "high"}
    assert await async_setup_component(hass, "input_select", {"input_select": selects})
    hass.states.async_set(
        "sensor.office_temperature", "18.5", {"unit_of_measurement": "°C"}
    )
    thermostat: dict[str, Any] = {
        "platform": "generic_thermostat",
        "name": "Office",
        "heater": HEATER,
        "target_sensor": "sensor.office_temperature",
        "target_temp": 19.5,
        "away_temp": 12,
    }
    if initial:
        thermostat["initial_hvac_mode"] = "heat"
    assert await async_setup_component(hass, "climate", {"climate": thermostat})
    await hass.async_block_till_done()


def meter_entry(
    port: str,
    *,
    mode: str = "historic",
    loads: bool = True,
    unique_id: str = METER_ID,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=unique_id,
        title=f"Linky {unique_id}",
        data={CONF_PORT: port, CONF_MODE: mode},
        options={CONF_LOADS: LOADS if loads else [], **(options or {})},
    )


async def add_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def load_states(hass: HomeAssistant) -> dict[str, str | None]:
    return {
        entity_id: (state.state if (state := hass.states.get(entity_id)) else None)
        for entity_id in NORMAL
    }


@dataclass
class Change:
    at: float  # loop time
    entity_id: str
    state: str
    attributes: dict[str, Any]
    first: bool = False  # the entity's first state (added, or restored)


@dataclass
class Recorder:
    """Every state change, state report and log record of interest."""

    hass: HomeAssistant
    changes: list[Change] = field(default_factory=list)
    reported: dict[str, int] = field(default_factory=dict)
    records: list[logging.LogRecord] = field(default_factory=list)
    _unsubs: list[Any] = field(default_factory=list)
    _handler: logging.Handler | None = None

    def start(self, level: int = logging.WARNING) -> Recorder:
        loop = self.hass.loop

        @callback
        def changed(event: Event[Any]) -> None:
            new = event.data["new_state"]
            if new is not None:
                self.changes.append(
                    Change(
                        loop.time(),
                        new.entity_id,
                        new.state,
                        dict(new.attributes),
                        event.data["old_state"] is None,
                    )
                )

        @callback
        def reported(event: Event[Any]) -> None:
            entity_id = event.data["entity_id"]
            self.reported[entity_id] = self.reported.get(entity_id, 0) + 1

        self._unsubs.append(self.hass.bus.async_listen("state_changed", changed))

        @callback
        def every(_data: Any) -> bool:
            return True

        self._unsubs.append(
            self.hass.bus.async_listen("state_reported", reported, every)
        )
        recorder = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                recorder.records.append(record)

        self._handler = _Handler(level)
        logging.getLogger().addHandler(self._handler)
        return self

    def stop(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler = None

    def of(self, entity_id: str) -> list[Change]:
        return [change for change in self.changes if change.entity_id == entity_id]

    def moves(self, entity_ids: Any) -> list[tuple[str, str, float]]:
        """(entity, new state, loop time) of each state change (not attributes).

        An entity's first state (added, or restored at start) is not a move.
        """
        last: dict[str, str] = {}
        found = []
        for c in self.changes:
            if c.entity_id not in entity_ids:
                continue
            if not c.first and last.get(c.entity_id) not in (None, c.state):
                found.append((c.entity_id, c.state, c.at))
            last[c.entity_id] = c.state
        return found

    def states(self, entity_id: str) -> list[str]:
        return [change.state for change in self.of(entity_id)]

    def problems(self, ignore: tuple[str, ...] = ()) -> list[str]:
        """Warnings and errors logged, except messages containing ``ignore``."""
        found = []
        for record in self.records:
            message = record.getMessage()
            if not any(text in message for text in (*BENIGN, *ignore)):
                found.append(f"{record.levelname} {record.name}: {message}")
        return found


def entity_ids_of(hass: HomeAssistant, entry_id: str) -> set[str]:
    registry = er.async_get(hass)
    return {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(registry, entry_id)
    }
