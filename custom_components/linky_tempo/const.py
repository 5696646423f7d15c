"""Constants of the Linky Tempo integration (Home Assistant glue only)."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "linky_tempo"
LOGGER: Final = logging.getLogger(__package__)

# Names shared with the ESPHome firmware in firmware/esphome/ (a test checks
# that both sides agree).
FIRMWARE_SERIAL_PROXY_NAME: Final = "Linky TIC"
PILOT_WIRE_COMFORT: Final = "comfort"
PILOT_WIRE_ECO: Final = "eco"
PILOT_WIRE_FROST_PROTECTION: Final = "frost_protection"
PILOT_WIRE_OFF: Final = "off"
PILOT_WIRE_OPTIONS: Final = (
    PILOT_WIRE_COMFORT,
    PILOT_WIRE_ECO,
    PILOT_WIRE_FROST_PROTECTION,
    PILOT_WIRE_OFF,
)
# Select options understood as "frost protection" when shedding a select
# entity, in order of preference; the first one the entity offers is used.
SHED_SELECT_OPTIONS: Final = (
    PILOT_WIRE_FROST_PROTECTION,
    "hors_gel",
    "hors-gel",
    "Hors-gel",
    "Hors gel",
    "frost",
    "away",
)
# Alternatives meaning "comfort" (pre-heating).
COMFORT_SELECT_OPTIONS: Final = (PILOT_WIRE_COMFORT, "confort", "Confort", "Comfort")
# Alternatives meaning "eco" (comfort minus 3.5 °C).
ECO_SELECT_OPTIONS: Final = (PILOT_WIRE_ECO, "eco", "Eco", "éco", "Éco", "economy")
# Alternatives meaning "heating off" ("arrêt").
OFF_SELECT_OPTIONS: Final = (PILOT_WIRE_OFF, "arret", "arrêt", "Arrêt", "stop")

# Config entry data: how to reach the meter.
CONF_PORT: Final = "port"
CONF_MODE: Final = "mode"
CONF_DETECTED_MODE: Final = "detected_mode"
MODE_AUTO: Final = "auto"
MODES: Final = (MODE_AUTO, "historic", "standard")

# Options: how often states are written to the recorder.
CONF_POWER_INTERVAL: Final = "power_interval"
CONF_ENERGY_INTERVAL: Final = "energy_interval"
DEFAULT_POWER_INTERVAL: Final = 5
DEFAULT_ENERGY_INTERVAL: Final = 60
# Apparent power is written at once when it crosses these fractions of the
# subscribed power (the shedding thresholds' defaults).
CONF_SHED_THRESHOLD: Final = "shed_threshold"
CONF_RESTORE_THRESHOLD: Final = "restore_threshold"
DEFAULT_SHED_THRESHOLD: Final = 90
DEFAULT_RESTORE_THRESHOLD: Final = 80

# Options: shedding.
CONF_LOADS: Final = "loads"
CONF_RESTORE_DELAY: Final = "restore_delay"
DEFAULT_RESTORE_DELAY: Final = 300
# Minor version 1 options, read by the migration to load subentries only.
CONF_SELECT_ACTION: Final = "select_action"
CONF_CLIMATE_PRESET: Final = "climate_preset"
# A heating load: a config subentry of this type (minor version 2 on).
SUBENTRY_LOAD: Final = "load"
CONF_ENTITY_ID: Final = "entity_id"
CONF_PRIORITY: Final = "priority"
CONF_PRESET: Final = "preset"
CONF_OFFSET: Final = "offset"
DEFAULT_SETPOINT_OFFSET: Final = -2.0
# Pre-heating before a peak that sheds the load: per load, and the window's
# length (hours before 06:00) for the entry.
CONF_PRE_HEAT: Final = "pre_heat"
CONF_PRE_HEAT_OFFSET: Final = "pre_heat_offset"
DEFAULT_PRE_HEAT_OFFSET: Final = 1.0
CONF_PRE_HEAT_HOURS: Final = "pre_heat_hours"
DEFAULT_PRE_HEAT_HOURS: Final = 2
CONF_TEMPERATURE_SENSOR: Final = "temperature_sensor"
# Shown by Apple Home when no temperature sensor is chosen.
DEFAULT_CURRENT_TEMPERATURE: Final = 21.0

EVENT_SHEDDING_STARTED: Final = f"{DOMAIN}_shedding_started"
EVENT_SHEDDING_ENDED: Final = f"{DOMAIN}_shedding_ended"
ATTR_UNTIL: Final = "until"
SERVICE_CANCEL_SHEDDING: Final = "cancel_shedding"
SERVICE_RESUME_AUTO: Final = "resume_auto"
# Options: the user's own Tempo prices (absent: EDF's regulated grid).
CONF_PRICES: Final = "prices"
CONF_CUSTOM_PRICES: Final = "custom_prices"
# The options form's collapsed section holding them.
SECTION_PRICES: Final = "tempo_prices"
# ISO 4217: the unit of monetary sensors.
EURO: Final = "EUR"
