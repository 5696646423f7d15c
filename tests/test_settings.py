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
from custom_components.linky_tempo.policy import PolicySettings
from custom_components.linky_tempo.settings import (
    EntryOptions,
    LoadConfig,
    SelectAction,
    ShedSettings,
    line_mode,
)


def test_no_options_are_the_defaults() -> None:
    options = EntryOptions.from_options({})
    assert options == EntryOptions()
    assert options.loads == ()
    assert options.shed == ShedSettings(SelectAction.FROST_PROTECTION, None)
    assert options.temperature_sensor is None
    # The policy's defaults and the options' defaults are the same numbers.
    assert options.policy_settings() == PolicySettings()


def test_loads_are_typed_and_ranked_by_priority() -> None:
    options = EntryOptions.from_options(
        {
            CONF_LOADS: [
                {"entity_id": "switch.b", "priority": 3},
                {"entity_id": "climate.a", "priority": 1},
                {"entity_id": "select.c", "priority": 3},
                {"entity_id": "switch.d"},  # no priority: its rank in the list
            ]
        }
    )
    assert options.loads[0] == LoadConfig("switch.b", 3)
    assert options.load_ids == ("climate.a", "switch.b", "select.c", "switch.d")
    assert [load.as_option() for load in options.loads][1] == {
        "entity_id": "climate.a",
        "priority": 1,
    }


def test_shedding_options() -> None:
    options = EntryOptions.from_options(
        {
            CONF_SHED_THRESHOLD: 100,
            CONF_SELECT_ACTION: "off",
            CONF_CLIMATE_PRESET: "",
            CONF_TEMPERATURE_SENSOR: "",
        }
    )
    assert options.shed_fraction == 1.0
    assert options.policy_settings().shed_threshold == 1.0
    assert options.shed == ShedSettings(SelectAction.OFF, None)
    assert options.temperature_sensor is None
    assert EntryOptions.from_options({CONF_SELECT_ACTION: "nonsense"}).shed == (
        ShedSettings()
    )


def test_line_mode_setting() -> None:
    assert line_mode(MODE_AUTO) is None
    assert line_mode("historic") is LineMode.HISTORIC
    assert line_mode("standard") is LineMode.STANDARD
