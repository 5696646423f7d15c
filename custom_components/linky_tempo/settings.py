"""A config entry's options, read once into typed records.

`EntryOptions.from_options` is the one place that reads ``entry.options``
and fills in the defaults (stated once, in const.py); everything else takes
the typed object. Options changed in the UI reload the entry, so the object
lives as long as the entry's run. Pure module: no Home Assistant import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .const import (
    CONF_CLIMATE_PRESET,
    CONF_ENERGY_INTERVAL,
    CONF_LOADS,
    CONF_POWER_INTERVAL,
    CONF_PRICES,
    CONF_RESTORE_DELAY,
    CONF_RESTORE_THRESHOLD,
    CONF_SELECT_ACTION,
    CONF_SHED_THRESHOLD,
    CONF_TEMPERATURE_SENSOR,
    DEFAULT_ENERGY_INTERVAL,
    DEFAULT_POWER_INTERVAL,
    DEFAULT_RESTORE_DELAY,
    DEFAULT_RESTORE_THRESHOLD,
    DEFAULT_SHED_THRESHOLD,
    PILOT_WIRE_FROST_PROTECTION,
    PILOT_WIRE_OFF,
)
from .meter import LineMode
from .meter.link import PortMode
from .policy import PolicySettings
from .prices import TempoPrices


class SelectAction(StrEnum):
    """What shedding a select (a pilot-wire zone) sets it to."""

    FROST_PROTECTION = PILOT_WIRE_FROST_PROTECTION
    OFF = PILOT_WIRE_OFF


@dataclass(frozen=True, slots=True)
class ShedSettings:
    """How select and climate loads are shed."""

    select_action: SelectAction = SelectAction.FROST_PROTECTION
    climate_preset: str | None = None  # None: HVAC mode off


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """A heating load and its priority (1 = most important: shed last)."""

    entity_id: str
    priority: int

    def as_option(self) -> dict[str, Any]:
        """The form kept in ``entry.options``."""
        return {"entity_id": self.entity_id, "priority": self.priority}


def line_mode(setting: str) -> LineMode | None:
    """The port's mode setting: a TIC mode, or None to detect it."""
    return PortMode(setting).line_mode


def _loads(items: list[dict[str, Any]]) -> tuple[LoadConfig, ...]:
    """The configured loads, in the order they were chosen."""
    return tuple(
        LoadConfig(item["entity_id"], int(item.get("priority", index + 1)))
        for index, item in enumerate(items)
    )


def _prices(stored: Mapping[str, Any] | None) -> TempoPrices | None:
    """The user's own prices, or None for EDF's grid (also if unreadable)."""
    if not stored:
        return None
    try:
        return TempoPrices(**{key: float(value) for key, value in stored.items()})
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class EntryOptions:
    """Every option of an entry, with its default filled in."""

    loads: tuple[LoadConfig, ...] = ()  # in the order they were chosen
    shed_threshold: int = DEFAULT_SHED_THRESHOLD  # % of the subscribed power
    restore_threshold: int = DEFAULT_RESTORE_THRESHOLD  # %
    restore_delay: float = float(DEFAULT_RESTORE_DELAY)  # s
    shed: ShedSettings = ShedSettings()
    temperature_sensor: str | None = None
    power_interval: float = float(DEFAULT_POWER_INTERVAL)  # s
    energy_interval: float = float(DEFAULT_ENERGY_INTERVAL)  # s
    prices: TempoPrices | None = None  # None: EDF's regulated grid

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> EntryOptions:
        """Read ``entry.options``; a missing or empty option takes its default."""
        default = cls()
        action = options.get(CONF_SELECT_ACTION)
        return cls(
            loads=_loads(list(options.get(CONF_LOADS, []))),
            shed_threshold=options.get(CONF_SHED_THRESHOLD, default.shed_threshold),
            restore_threshold=options.get(
                CONF_RESTORE_THRESHOLD, default.restore_threshold
            ),
            restore_delay=float(options.get(CONF_RESTORE_DELAY, default.restore_delay)),
            shed=ShedSettings(
                select_action=(
                    SelectAction.OFF
                    if action == SelectAction.OFF
                    else SelectAction.FROST_PROTECTION
                ),
                climate_preset=options.get(CONF_CLIMATE_PRESET) or None,
            ),
            temperature_sensor=options.get(CONF_TEMPERATURE_SENSOR) or None,
            power_interval=float(
                options.get(CONF_POWER_INTERVAL, default.power_interval)
            ),
            energy_interval=float(
                options.get(CONF_ENERGY_INTERVAL, default.energy_interval)
            ),
            prices=_prices(options.get(CONF_PRICES)),
        )

    @property
    def load_ids(self) -> tuple[str, ...]:
        """The loads' entity ids, highest priority first (stable for equals)."""
        ranked = sorted(self.loads, key=lambda load: load.priority)
        return tuple(load.entity_id for load in ranked)

    @property
    def shed_fraction(self) -> float:
        """The shed threshold as a fraction of the subscribed power."""
        return self.shed_threshold / 100

    def policy_settings(self) -> PolicySettings:
        """The policy's thresholds and delay (its other timings keep defaults)."""
        return PolicySettings(
            shed_threshold=self.shed_fraction,
            restore_threshold=self.restore_threshold / 100,
            restore_delay=self.restore_delay,
        )
