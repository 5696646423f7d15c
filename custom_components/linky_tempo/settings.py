"""A config entry's options and load subentries, read once into typed records.

`EntryOptions.from_options` is the one place that reads ``entry.options``
and the load subentries' data (`LoadConfig.from_data`), and fills in the
defaults (stated once, in const.py); everything else takes
the typed object. Options changed in the UI reload the entry, so the object
lives as long as the entry's run. Pure module: no Home Assistant import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from .const import (
    CONF_CLIMATE_PRESET,
    CONF_ENERGY_INTERVAL,
    CONF_ENTITY_ID,
    CONF_LOADS,
    CONF_OFFSET,
    CONF_POWER_INTERVAL,
    CONF_PRE_HEAT,
    CONF_PRE_HEAT_HOURS,
    CONF_PRE_HEAT_OFFSET,
    CONF_PRESET,
    CONF_PRICES,
    CONF_PRIORITY,
    CONF_RESTORE_DELAY,
    CONF_RESTORE_THRESHOLD,
    CONF_SELECT_ACTION,
    CONF_SHED_THRESHOLD,
    CONF_TEMPERATURE_SENSOR,
    DEFAULT_ENERGY_INTERVAL,
    DEFAULT_POWER_INTERVAL,
    DEFAULT_PRE_HEAT_HOURS,
    DEFAULT_PRE_HEAT_OFFSET,
    DEFAULT_RESTORE_DELAY,
    DEFAULT_RESTORE_THRESHOLD,
    DEFAULT_SETPOINT_OFFSET,
    DEFAULT_SHED_THRESHOLD,
    PILOT_WIRE_ECO,
    PILOT_WIRE_FROST_PROTECTION,
    PILOT_WIRE_OFF,
)
from .meter import LineMode
from .meter.link import PortMode
from .policy import PolicySettings, ShedReason
from .prices import TempoPrices

SELECT_DOMAINS: Final = ("select", "input_select")
SWITCH_DOMAINS: Final = ("switch", "input_boolean")
CLIMATE_DOMAINS: Final = ("climate",)
LOAD_DOMAINS: Final = (*SWITCH_DOMAINS, *SELECT_DOMAINS, *CLIMATE_DOMAINS)


class LoadKind(StrEnum):
    """The three kinds of heating load, each with its own shed actions."""

    SWITCH = "switch"
    PILOT_WIRE = "pilot_wire"  # a select: a pilot-wire zone
    CLIMATE = "climate"


def load_kind(entity_id: str) -> LoadKind:
    """The kind of a load, from its entity's domain."""
    domain = entity_id.partition(".")[0]
    if domain in SELECT_DOMAINS:
        return LoadKind.PILOT_WIRE
    if domain in CLIMATE_DOMAINS:
        return LoadKind.CLIMATE
    return LoadKind.SWITCH


class ShedAction(StrEnum):
    """What a load is set to when shed for one reason (NONE: not shed)."""

    NONE = "none"
    OFF = "off"  # switch off, pilot wire "off", thermostat HVAC mode off
    FROST_PROTECTION = PILOT_WIRE_FROST_PROTECTION  # pilot wire
    ECO = PILOT_WIRE_ECO  # pilot wire
    PRESET = "preset"  # thermostat: the load's preset
    OFFSET = "offset"  # thermostat: its setpoint lowered by the load's offset


# The actions each kind of load offers, the first one its default.
KIND_ACTIONS: Final[dict[LoadKind, tuple[ShedAction, ...]]] = {
    LoadKind.SWITCH: (ShedAction.OFF, ShedAction.NONE),
    LoadKind.PILOT_WIRE: (
        ShedAction.FROST_PROTECTION,
        ShedAction.ECO,
        ShedAction.OFF,
        ShedAction.NONE,
    ),
    LoadKind.CLIMATE: (
        ShedAction.OFF,
        ShedAction.PRESET,
        ShedAction.OFFSET,
        ShedAction.NONE,
    ),
}
REASONS: Final = (ShedReason.RED_PEAK, ShedReason.WHITE_PEAK, ShedReason.OVERLOAD)


def _action(kind: LoadKind, value: object) -> ShedAction:
    """Read a stored action; one the kind does not offer is its default."""
    try:
        action = ShedAction(str(value))
    except ValueError:
        return KIND_ACTIONS[kind][0]
    return action if action in KIND_ACTIONS[kind] else KIND_ACTIONS[kind][0]


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """A heating load (a config subentry of type "load").

    Its priority (1 = most important: shed last), and how it is shed for
    each reason.
    """

    entity_id: str
    priority: int
    red_peak: ShedAction
    white_peak: ShedAction
    overload: ShedAction
    preset: str | None = None  # for ShedAction.PRESET
    offset: float = DEFAULT_SETPOINT_OFFSET  # °C, for ShedAction.OFFSET
    # Heated before a peak that sheds it: comfort, on, or the setpoint
    # raised by ``pre_heat_offset`` (°C).
    pre_heat: bool = False
    pre_heat_offset: float = DEFAULT_PRE_HEAT_OFFSET

    @classmethod
    def default(
        cls,
        entity_id: str,
        priority: int,
        select_action: str | None = None,
        climate_preset: str | None = None,
    ) -> LoadConfig:
        """Shed for every reason, as every load was before subentries.

        ``select_action`` and ``climate_preset`` are the entry-wide options
        of that time (minor version 1): pilot wire to frost protection or
        off, thermostats to a preset or off.
        """
        kind = load_kind(entity_id)
        action = KIND_ACTIONS[kind][0]
        if kind is LoadKind.PILOT_WIRE and select_action == PILOT_WIRE_OFF:
            action = ShedAction.OFF
        if kind is LoadKind.CLIMATE and climate_preset:
            action = ShedAction.PRESET
        return cls(
            entity_id,
            priority,
            action,
            action,
            action,
            preset=climate_preset or None,
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LoadConfig:
        """Read a load subentry's data (a missing action is the kind's default)."""
        entity_id = str(data[CONF_ENTITY_ID])
        kind = load_kind(entity_id)
        return cls(
            entity_id,
            int(data.get(CONF_PRIORITY, 1)),
            red_peak=_action(kind, data.get(ShedReason.RED_PEAK.value)),
            white_peak=_action(kind, data.get(ShedReason.WHITE_PEAK.value)),
            overload=_action(kind, data.get(ShedReason.OVERLOAD.value)),
            preset=data.get(CONF_PRESET) or None,
            offset=float(data.get(CONF_OFFSET, DEFAULT_SETPOINT_OFFSET)),
            pre_heat=bool(data.get(CONF_PRE_HEAT, False)),
            pre_heat_offset=float(
                data.get(CONF_PRE_HEAT_OFFSET, DEFAULT_PRE_HEAT_OFFSET)
            ),
        )

    def as_data(self) -> dict[str, Any]:
        """The form kept in the subentry's data."""
        data: dict[str, Any] = {
            CONF_ENTITY_ID: self.entity_id,
            CONF_PRIORITY: self.priority,
            **{reason.value: self.action(reason).value for reason in REASONS},
        }
        if self.kind is LoadKind.CLIMATE:
            if self.preset is not None:
                data[CONF_PRESET] = self.preset
            data[CONF_OFFSET] = self.offset
        if self.pre_heat:
            data[CONF_PRE_HEAT] = True
            if self.kind is LoadKind.CLIMATE:
                data[CONF_PRE_HEAT_OFFSET] = self.pre_heat_offset
        return data

    @property
    def kind(self) -> LoadKind:
        """Switch, pilot wire or thermostat."""
        return load_kind(self.entity_id)

    def action(self, reason: ShedReason) -> ShedAction:
        """What the load is set to when shed for ``reason``."""
        if reason is ShedReason.RED_PEAK:
            return self.red_peak
        if reason is ShedReason.WHITE_PEAK:
            return self.white_peak
        if reason is ShedReason.OVERLOAD:
            return self.overload
        return ShedAction.NONE

    @property
    def reasons(self) -> frozenset[ShedReason]:
        """The reasons the load is shed for."""
        return frozenset(r for r in REASONS if self.action(r) is not ShedAction.NONE)

    def action_for(self, reasons: frozenset[ShedReason]) -> ShedAction:
        """The action when shed for ``reasons``: overload's, then red's, white's."""
        for reason in (ShedReason.OVERLOAD, ShedReason.RED_PEAK, ShedReason.WHITE_PEAK):
            if (
                reason in reasons
                and (action := self.action(reason)) is not ShedAction.NONE
            ):
                return action
        return ShedAction.NONE


def line_mode(setting: str) -> LineMode | None:
    """The port's mode setting: a TIC mode, or None to detect it."""
    return PortMode(setting).line_mode


def legacy_loads(options: Mapping[str, Any]) -> tuple[LoadConfig, ...]:
    """The loads of an entry of minor version 1, read from its options.

    ``options["loads"]`` was a list of ``{entity_id, priority}``, shed for
    every reason to the entry-wide ``select_action`` / ``climate_preset``.
    Read by the migration only; a load listed twice is kept once.
    """
    seen: set[str] = set()
    loads = []
    for index, item in enumerate(options.get(CONF_LOADS, [])):
        entity_id = item.get(CONF_ENTITY_ID)
        if not entity_id or entity_id in seen:
            continue
        seen.add(entity_id)
        loads.append(
            LoadConfig.default(
                entity_id,
                int(item.get(CONF_PRIORITY, index + 1)),
                options.get(CONF_SELECT_ACTION),
                options.get(CONF_CLIMATE_PRESET) or None,
            )
        )
    return tuple(loads)


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

    loads: tuple[LoadConfig, ...] = ()  # the load subentries, in their order
    shed_threshold: int = DEFAULT_SHED_THRESHOLD  # % of the subscribed power
    restore_threshold: int = DEFAULT_RESTORE_THRESHOLD  # %
    restore_delay: float = float(DEFAULT_RESTORE_DELAY)  # s
    temperature_sensor: str | None = None
    power_interval: float = float(DEFAULT_POWER_INTERVAL)  # s
    energy_interval: float = float(DEFAULT_ENERGY_INTERVAL)  # s
    prices: TempoPrices | None = None  # None: EDF's regulated grid
    pre_heat_hours: float = float(DEFAULT_PRE_HEAT_HOURS)  # before 06:00

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, Any],
        loads: Iterable[Mapping[str, Any]] = (),
    ) -> EntryOptions:
        """Read ``entry.options`` and the load subentries' data.

        A missing or empty option takes its default.
        """
        default = cls()
        return cls(
            loads=tuple(LoadConfig.from_data(data) for data in loads),
            shed_threshold=options.get(CONF_SHED_THRESHOLD, default.shed_threshold),
            restore_threshold=options.get(
                CONF_RESTORE_THRESHOLD, default.restore_threshold
            ),
            restore_delay=float(options.get(CONF_RESTORE_DELAY, default.restore_delay)),
            temperature_sensor=options.get(CONF_TEMPERATURE_SENSOR) or None,
            power_interval=float(
                options.get(CONF_POWER_INTERVAL, default.power_interval)
            ),
            energy_interval=float(
                options.get(CONF_ENERGY_INTERVAL, default.energy_interval)
            ),
            prices=_prices(options.get(CONF_PRICES)),
            pre_heat_hours=float(
                options.get(CONF_PRE_HEAT_HOURS, default.pre_heat_hours)
            ),
        )

    @property
    def load_ids(self) -> tuple[str, ...]:
        """The loads' entity ids, highest priority first (stable for equals)."""
        return tuple(load.entity_id for load in self.ranked_loads)

    @property
    def ranked_loads(self) -> tuple[LoadConfig, ...]:
        """The loads, highest priority first (stable for equals)."""
        return tuple(sorted(self.loads, key=lambda load: load.priority))

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
            pre_heat=self.pre_heat_hours * 3600.0,
        )
