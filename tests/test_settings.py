"""An entry's options read once, with every default stated once."""

from __future__ import annotations

from custom_components.linky_tempo.const import (
    CONF_CLIMATE_PRESET,
    CONF_LOADS,
    CONF_SELECT_ACTION,
    CONF_SHED_THRESHOLD,
    CONF_TEMPERATURE_SENSOR,
    MODE_AUTO,
)
from custom_components.linky_tempo.meter import LineMode
from custom_components.linky_tempo.policy import PolicySettings, ShedReason
from custom_components.linky_tempo.settings import (
    REASONS,
    EntryOptions,
    LoadConfig,
    LoadKind,
    ShedAction,
    legacy_loads,
    line_mode,
    load_kind,
)


def test_no_options_are_the_defaults() -> None:
    options = EntryOptions.from_options({})
    assert options == EntryOptions()
    assert options.loads == ()
    assert options.temperature_sensor is None
    # The policy's defaults and the options' defaults are the same numbers.
    assert options.policy_settings() == PolicySettings()


def test_loads_are_typed_and_ranked_by_priority() -> None:
    options = EntryOptions.from_options(
        {},
        [
            {"entity_id": "switch.b", "priority": 3},
            {"entity_id": "climate.a", "priority": 1},
            {"entity_id": "select.c", "priority": 3},
        ],
    )
    # A missing action is the kind's default: shed for every reason.
    assert options.loads[0] == LoadConfig(
        "switch.b", 3, ShedAction.OFF, ShedAction.OFF, ShedAction.OFF
    )
    assert options.load_ids == ("climate.a", "switch.b", "select.c")
    assert options.loads[2].reasons == set(REASONS)
    assert options.loads[1].as_data() == {
        "entity_id": "climate.a",
        "priority": 1,
        "red_peak": "off",
        "white_peak": "off",
        "overload": "off",
        "offset": -2.0,
    }


def test_each_load_has_an_action_per_reason() -> None:
    living = LoadConfig.from_data(
        {
            "entity_id": "select.living_room",
            "priority": 2,
            "red_peak": "frost_protection",
            "white_peak": "eco",
            "overload": "off",
        }
    )
    assert living.action(ShedReason.WHITE_PEAK) is ShedAction.ECO
    # Overload's action wins (an overload during a peak), then red's.
    assert living.action_for(frozenset(REASONS)) is ShedAction.OFF
    assert living.action_for(frozenset({ShedReason.RED_PEAK})) is (
        ShedAction.FROST_PROTECTION
    )
    bathroom = LoadConfig.from_data(
        {
            "entity_id": "climate.bathroom",
            "red_peak": "none",
            "white_peak": "none",
            "overload": "offset",
            "offset": -3,
        }
    )
    assert bathroom.reasons == {ShedReason.OVERLOAD}
    assert bathroom.offset == -3.0
    assert bathroom.action_for(frozenset({ShedReason.RED_PEAK})) is ShedAction.NONE
    # An action the kind does not offer is the kind's default.
    assert LoadConfig.from_data(
        {"entity_id": "switch.x", "red_peak": "eco", "white_peak": "bogus"}
    ).reasons == set(REASONS)
    assert load_kind("input_select.zone") is LoadKind.PILOT_WIRE


def test_minor_version_1_loads_read_by_the_migration() -> None:
    old = {
        CONF_LOADS: [
            {"entity_id": "climate.office", "priority": 1},
            {"entity_id": "input_select.zone", "priority": 2},
            {"entity_id": "input_select.zone", "priority": 5},
            {"entity_id": "input_boolean.radiator"},
        ],
        CONF_SELECT_ACTION: "off",
        CONF_CLIMATE_PRESET: "away",
    }
    office, zone, radiator = legacy_loads(old)
    assert office.red_peak is office.white_peak is office.overload is ShedAction.PRESET
    assert office.preset == "away"
    assert zone.red_peak is zone.white_peak is zone.overload is ShedAction.OFF
    assert zone.priority == 2
    assert radiator.priority == 4
    assert radiator.reasons == set(REASONS)
    default = legacy_loads({CONF_LOADS: old[CONF_LOADS], CONF_CLIMATE_PRESET: ""})
    assert default[0].overload is ShedAction.OFF
    assert default[1].overload is ShedAction.FROST_PROTECTION


def test_shedding_options() -> None:
    options = EntryOptions.from_options(
        {CONF_SHED_THRESHOLD: 100, CONF_TEMPERATURE_SENSOR: ""}
    )
    assert options.shed_fraction == 1.0
    assert options.policy_settings().shed_threshold == 1.0
    assert options.temperature_sensor is None


def test_line_mode_setting() -> None:
    assert line_mode(MODE_AUTO) is None
    assert line_mode("historic") is LineMode.HISTORIC
    assert line_mode("standard") is LineMode.STANDARD
