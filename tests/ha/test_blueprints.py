"""The automation blueprints in blueprints/, run by Home Assistant's own machinery.

Each blueprint is copied into a temporary configuration directory, loaded and
validated as Home Assistant loads a user's blueprints, and instantiated as an
automation with `use_blueprint`. The Linky sensors are plain states set by the
tests (the blueprint is the unit under test); the targets are real helpers or
mocked actions. The last tests run them against the real integration.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import Blueprint
from homeassistant.core import CoreState, HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.linky_tempo.const import (
    CONF_LOADS,
    CONF_MODE,
    CONF_PORT,
    DOMAIN,
)
from tests.conftest import REPO_ROOT
from tests.feeds import PtyMeter, Streamer, tempo_historic
from tests.stack import CLIMATE, METER_ID

SOURCE = REPO_ROOT / "blueprints" / "automation" / "linky_tempo"
SOURCE_URL = (
    "https://github.com/linky-tempo/linky-tempo/blob/main/"
    "blueprints/automation/linky_tempo/{}"
)
NOTIFY = "notify_tomorrow_colour.yaml"
APPLIANCE = "appliance_off_peak.yaml"
BUTTON = "button_toggle_heating.yaml"
SHEDDING = "notify_shedding.yaml"
BATTERY_PEAKS = "battery_tempo_peaks.yaml"
ALL = (APPLIANCE, BATTERY_PEAKS, BUTTON, NOTIFY, SHEDDING)

TOMORROW = "sensor.linky_tempo_tomorrow_s_colour"
PERIOD = "sensor.linky_tempo_tariff_period"
OVERLOAD = "binary_sensor.linky_tempo_overload"


@pytest.fixture
def blueprints(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory holding the repository's blueprints."""
    config = tmp_path / "config"
    shutil.copytree(SOURCE, config / "blueprints" / "automation" / "linky_tempo")
    hass.config.config_dir = str(config)
    return config


async def _automations(
    hass: HomeAssistant, *instances: tuple[str, str, dict[str, Any]]
) -> None:
    """Set up automations (alias, blueprint file, inputs); all must be valid."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "alias": alias,
                    "use_blueprint": {
                        "path": f"linky_tempo/{file}",
                        "input": inputs,
                    },
                }
                for alias, file, inputs in instances
            ]
        },
    )
    await hass.async_block_till_done()
    for alias, _file, _inputs in instances:
        state = hass.states.get(f"automation.{alias}")
        assert state is not None, alias
        assert state.state == "on", f"{alias} is invalid: {state}"


async def _set(
    hass: HomeAssistant, entity_id: str, state: str, **attributes: Any
) -> None:
    hass.states.async_set(entity_id, state, attributes)
    await hass.async_block_till_done()


# Loading and validation


def test_the_five_blueprints_are_in_the_repository() -> None:
    assert sorted(path.name for path in SOURCE.iterdir()) == sorted(ALL)


@pytest.mark.parametrize(
    ("readme", "link"), [("README.md", "Import"), ("README.fr.md", "Importer")]
)
def test_every_blueprint_is_in_both_readmes_with_its_import_link(
    readme: str, link: str
) -> None:
    text = (REPO_ROOT / readme).read_text(encoding="utf-8")
    for file in ALL:
        path = f"blueprints/automation/linky_tempo/{file}"
        url = quote(SOURCE_URL.format(file), safe="")
        row = (
            f"([`{file}`]({path})) | [{link}]"
            f"(https://my.home-assistant.io/redirect/blueprint_import/"
            f"?blueprint_url={url}) |"
        )
        assert row in text, (readme, file)


async def test_blueprints_load_and_validate_as_home_assistant_does(
    hass: HomeAssistant, blueprints: Path
) -> None:
    loaded = await async_get_blueprints(hass).async_get_blueprints()
    hacs_min = json.loads((REPO_ROOT / "hacs.json").read_text())["homeassistant"]
    for file in ALL:
        blueprint = loaded[f"linky_tempo/{file}"]
        assert isinstance(blueprint, Blueprint), blueprint
        # None: this Home Assistant meets min_version.
        assert blueprint.validate() is None
        metadata = blueprint.metadata
        assert metadata["domain"] == "automation"
        assert metadata["name"].startswith("Linky Tempo – ")
        assert "En français" in metadata["description"]
        assert metadata["source_url"] == SOURCE_URL.format(file)
        assert metadata["homeassistant"]["min_version"] == hacs_min
        for key, spec in blueprint.inputs.items():
            assert spec["name"], key
            assert spec["selector"], key
            entity = spec["selector"].get("entity")
            default = spec.get("default")
            if isinstance(default, str) and default.split(".")[0] in (
                "sensor",
                "binary_sensor",
                "climate",
            ):
                # An input meant for an entity of the integration is filtered
                # to it, and defaults to the first meter's entity.
                assert entity is not None, key
                assert [f["integration"] for f in entity["filter"]] == [DOMAIN]
                cv.entity_id(default)


def test_blueprint_files_are_plain_yaml_apart_from_input_tags() -> None:
    """Blueprints are shared by URL: no secrets, includes or other local tags."""

    class Loader(yaml.SafeLoader):
        pass

    tags: list[str] = []

    def record(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        tags.append(node.tag)
        return str(loader.construct_scalar(node))  # type: ignore[arg-type]

    Loader.add_multi_constructor(
        "!", lambda loader, _suffix, node: record(loader, node)
    )
    for file in ALL:
        yaml.load((SOURCE / file).read_text(encoding="utf-8"), Loader=Loader)
    assert set(tags) == {"!input"}


async def test_an_input_left_out_is_refused(
    hass: HomeAssistant, blueprints: Path
) -> None:
    # The appliance has no default: the automation cannot be created.
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "appliance",
                "use_blueprint": {"path": f"linky_tempo/{APPLIANCE}", "input": {}},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get("automation.appliance")
    assert state is None or state.state == "unavailable"


# Tomorrow's colour


async def test_tomorrow_colour_is_notified_when_it_becomes_known(
    hass: HomeAssistant, blueprints: Path
) -> None:
    await _set(hass, TOMORROW, "unknown")
    notifications = async_mock_service(hass, "persistent_notification", "create")
    await _automations(hass, ("tomorrow", NOTIFY, {}))

    await _set(hass, TOMORROW, "white")
    assert len(notifications) == 1
    assert notifications[0].data == {
        "title": "Tempo",
        "message": "Tomorrow is a white Tempo day: peak hours (6:00–22:00) cost more.",
        "notification_id": "linky_tempo_tomorrow_colour",
    }
    # An attribute change is not a new colour.
    await _set(hass, TOMORROW, "white", friendly_name="Tomorrow")
    assert len(notifications) == 1
    # A correction is notified.
    await _set(hass, TOMORROW, "red")
    assert len(notifications) == 2
    assert "red Tempo day" in notifications[1].data["message"]
    # Midnight: tomorrow is unknown again; then a blue day is announced.
    await _set(hass, TOMORROW, "unknown")
    await _set(hass, TOMORROW, "blue")
    assert len(notifications) == 3
    assert "blue Tempo day" in notifications[2].data["message"]


async def test_restarts_and_reconnections_are_not_notified(
    hass: HomeAssistant, blueprints: Path
) -> None:
    notifications = async_mock_service(hass, "persistent_notification", "create")
    await _automations(hass, ("tomorrow", NOTIFY, {}))
    # The sensor is created with a known colour (first start of the meter).
    await _set(hass, TOMORROW, "red")
    # The meter is lost then comes back; Home Assistant restarts.
    await _set(hass, TOMORROW, "unavailable")
    await _set(hass, TOMORROW, "red")
    assert notifications == []
    await _set(hass, TOMORROW, "unknown")
    await _set(hass, TOMORROW, "red")
    assert len(notifications) == 1


async def test_only_the_chosen_colours_with_the_chosen_action_and_text(
    hass: HomeAssistant, blueprints: Path
) -> None:
    other_meter = "sensor.linky_tempo_2_tomorrow_s_colour"
    phone = async_mock_service(hass, "notify", "phone")
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await _set(hass, other_meter, "unknown")
    await _set(hass, TOMORROW, "unknown")
    await _automations(
        hass,
        (
            "tomorrow",
            NOTIFY,
            {
                "tomorrow_colour": other_meter,
                "colours": ["white", "red"],
                "red_message": "Rouge demain !",
                "notify_actions": [
                    {
                        "action": "notify.phone",
                        "data": {"message": "{{ colour }}: {{ message }}"},
                    }
                ],
            },
        ),
    )
    await _set(hass, other_meter, "blue")
    await _set(hass, TOMORROW, "red")  # not the chosen meter
    assert phone == []
    await _set(hass, other_meter, "red")
    assert [call.data["message"] for call in phone] == ["red: Rouge demain !"]
    await _set(hass, other_meter, "white")
    assert phone[-1].data["message"].startswith("white: Tomorrow is a white")
    assert persistent == []


# Appliance


@pytest.fixture
async def appliances(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass,
        "input_boolean",
        {
            "input_boolean": {
                "water_heater": {"initial": True},
                "battery": {"initial": True},
                "pump": {"initial": True},
            }
        },
    )


def _on(hass: HomeAssistant, *entity_ids: str) -> list[bool]:
    return [hass.states.get(entity_id).state == "on" for entity_id in entity_ids]


HEATER = "input_boolean.water_heater"
BATTERY = "input_boolean.battery"
PUMP = "input_boolean.pump"


async def test_appliance_runs_off_peak_and_on_blue_days(
    hass: HomeAssistant, blueprints: Path, appliances: None
) -> None:
    await _set(hass, PERIOD, "unknown")
    await _automations(hass, ("appliance", APPLIANCE, {"appliance": [HEATER, BATTERY]}))
    for period, on in [
        ("hp_white", False),
        ("hc_white", True),
        ("hp_red", False),
        ("hc_red", True),
        ("hp_white", False),
        ("hp_blue", True),
        ("hc_blue", True),
        ("peak", False),  # an HC/HP contract
        ("off_peak", True),
        ("base", False),
        ("ejp_peak", False),
    ]:
        await _set(hass, PERIOD, period)
        assert _on(hass, HEATER, BATTERY) == [on, on], period


async def test_appliance_is_left_alone_while_the_period_is_unknown(
    hass: HomeAssistant, blueprints: Path, appliances: None
) -> None:
    await _set(hass, PERIOD, "hp_white")
    await _automations(hass, ("appliance", APPLIANCE, {"appliance": [HEATER]}))
    await _set(hass, PERIOD, "hc_white")
    assert _on(hass, HEATER) == [True]
    for period in ("unavailable", "unknown"):
        await _set(hass, PERIOD, period)
        assert _on(hass, HEATER) == [True], period
    # Turned off by hand: it stays off until the period changes.
    await _set(hass, PERIOD, "hc_white")
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": HEATER}, blocking=True
    )
    await _set(hass, PERIOD, "hc_white", friendly_name="Tariff period")
    assert _on(hass, HEATER) == [False]
    await _set(hass, PERIOD, "hp_white")
    await _set(hass, PERIOD, "hc_red")
    assert _on(hass, HEATER) == [True]


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        (
            ["off_peak"],
            {"hp_blue": False, "hc_blue": True, "hp_white": False, "hc_red": True},
        ),
        (
            ["blue_day"],
            {"hc_white": False, "hp_blue": True, "hc_red": False, "hc_blue": True},
        ),
    ],
)
async def test_appliance_runs_only_when_chosen(
    hass: HomeAssistant,
    blueprints: Path,
    appliances: None,
    allowed: list[str],
    expected: dict[str, bool],
) -> None:
    await _automations(
        hass,
        ("appliance", APPLIANCE, {"appliance": [HEATER], "allowed": allowed}),
    )
    for period, on in expected.items():
        await _set(hass, PERIOD, period)
        assert _on(hass, HEATER) == [on], period


async def test_appliance_is_set_when_home_assistant_starts(
    hass: HomeAssistant, blueprints: Path, appliances: None
) -> None:
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": HEATER}, blocking=True
    )
    await _set(hass, "sensor.meter_a_tariff_period", "hc_red")
    await _set(hass, "sensor.meter_b_tariff_period", "hp_white")
    # Not read yet at start: the pump is left as it is.
    await _set(hass, "sensor.meter_c_tariff_period", "unavailable")
    hass.set_state(CoreState.not_running)
    await _automations(
        hass,
        (
            "heater",
            APPLIANCE,
            {"appliance": [HEATER], "tariff_period": "sensor.meter_a_tariff_period"},
        ),
        (
            "battery",
            APPLIANCE,
            {"appliance": [BATTERY], "tariff_period": "sensor.meter_b_tariff_period"},
        ),
        (
            "pump",
            APPLIANCE,
            {
                "appliance": [PUMP],
                "tariff_period": "sensor.meter_c_tariff_period",
            },
        ),
    )
    assert _on(hass, HEATER, BATTERY, PUMP) == [False, True, True]
    await hass.async_start()
    await hass.async_block_till_done()
    assert _on(hass, HEATER, BATTERY, PUMP) == [True, False, True]


# Button


class FakeHeating:
    """climate.set_hvac_mode on a climate state; heat refused when told to."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.calls: list[str] = []
        self.refuse_heat = False
        hass.states.async_set(CLIMATE, "auto")
        hass.services.async_register("climate", "set_hvac_mode", self._set_hvac_mode)

    async def _set_hvac_mode(self, call: ServiceCall) -> None:
        mode = call.data["hvac_mode"]
        self.calls.append(mode)
        if mode == "heat" and self.refuse_heat:
            raise ServiceValidationError("red_peak_cannot_cancel")
        for entity_id in cv.ensure_list(call.data["entity_id"]):
            self.hass.states.async_set(entity_id, mode)

    @property
    def mode(self) -> str:
        return self.hass.states.get(CLIMATE).state


@pytest.fixture
def heating(hass: HomeAssistant) -> FakeHeating:
    return FakeHeating(hass)


@pytest.fixture
def refused(hass: HomeAssistant) -> list[ServiceCall]:
    return async_mock_service(hass, "test", "refused")


REFUSED = [{"action": "test.refused"}]


async def test_binary_sensor_press_toggles_auto_and_heat(
    hass: HomeAssistant,
    blueprints: Path,
    heating: FakeHeating,
    refused: list[ServiceCall],
) -> None:
    button = "binary_sensor.hall_button"
    await _set(hass, PERIOD, "hp_white")
    await _set(hass, button, "off")
    await _automations(
        hass,
        ("button", BUTTON, {"button": button, "refused_actions": REFUSED}),
    )
    await _set(hass, button, "on")
    assert (heating.calls, heating.mode) == (["heat"], "heat")
    await _set(hass, button, "off")  # release
    assert heating.calls == ["heat"]
    await _set(hass, button, "on")
    assert (heating.calls, heating.mode) == (["heat", "auto"], "auto")
    # Back from unavailable or unknown: not a press.
    for previous in ("unavailable", "unknown"):
        await _set(hass, button, previous)
        await _set(hass, button, "on")
    assert heating.calls == ["heat", "auto"]
    assert refused == []


async def test_red_peak_runs_the_refused_actions_and_keeps_auto(
    hass: HomeAssistant,
    blueprints: Path,
    heating: FakeHeating,
    refused: list[ServiceCall],
) -> None:
    button = "input_button.heating"
    assert await async_setup_component(
        hass, "input_button", {"input_button": {"heating": {}}}
    )
    await _set(hass, PERIOD, "hp_red")
    await _automations(
        hass,
        ("button", BUTTON, {"button": button, "refused_actions": REFUSED}),
    )

    async def press() -> None:
        await hass.services.async_call(
            "input_button", "press", {"entity_id": button}, blocking=True
        )
        await hass.async_block_till_done()

    await press()
    assert (heating.calls, heating.mode, len(refused)) == ([], "auto", 1)
    # Off-peak hours of the red day: the button works again.
    await _set(hass, PERIOD, "hc_red")
    await press()
    assert (heating.calls, heating.mode, len(refused)) == (["heat"], "heat", 1)
    # Heat already on (say, since before the peak): going back to auto is
    # always allowed.
    await _set(hass, PERIOD, "hp_red")
    await press()
    assert (heating.calls, heating.mode, len(refused)) == (["heat", "auto"], "auto", 1)


async def test_a_refused_heat_does_not_break_the_automation(
    hass: HomeAssistant,
    blueprints: Path,
    heating: FakeHeating,
    refused: list[ServiceCall],
) -> None:
    # The period sensor does not (yet) say red, but the integration refuses.
    button = "binary_sensor.hall_button"
    await _set(hass, PERIOD, "hp_white")
    await _set(hass, button, "off")
    await _automations(
        hass,
        ("button", BUTTON, {"button": button, "refused_actions": REFUSED}),
    )
    heating.refuse_heat = True
    await _set(hass, button, "on")
    await _set(hass, button, "off")
    # The error is carried over: the refused actions still ran.
    assert (heating.calls, heating.mode, len(refused)) == (["heat"], "auto", 1)
    heating.refuse_heat = False
    await _set(hass, button, "on")
    assert (heating.calls, heating.mode, len(refused)) == (["heat", "heat"], "heat", 1)


async def test_event_entity_presses_are_filtered_by_event_type(
    hass: HomeAssistant, blueprints: Path, heating: FakeHeating
) -> None:
    button = "event.hall_button_action"
    await _set(hass, PERIOD, "hp_blue")
    await _set(hass, button, "unknown")
    await _automations(
        hass,
        ("button", BUTTON, {"button": button, "press_values": ["single", "press"]}),
    )
    # The first event ever, from "unknown", counts.
    await _set(hass, button, "2026-01-05T18:00:00.000+00:00", event_type="single")
    assert heating.calls == ["heat"]
    await _set(hass, button, "2026-01-05T18:00:05.000+00:00", event_type="double")
    assert heating.calls == ["heat"]
    await _set(hass, button, "2026-01-05T18:00:09.000+00:00", event_type="press")
    assert heating.calls == ["heat", "auto"]
    # Restored after a restart: not a press.
    await _set(hass, button, "unavailable")
    await _set(hass, button, "2026-01-05T18:00:09.000+00:00", event_type="press")
    assert heating.calls == ["heat", "auto"]


async def test_any_event_and_a_zigbee2mqtt_action_sensor(
    hass: HomeAssistant, blueprints: Path, heating: FakeHeating
) -> None:
    event = "event.bedroom_button"
    action = "sensor.hall_button_action"
    await _set(hass, PERIOD, "hp_white")
    await _set(hass, event, "2026-01-05T18:00:00.000+00:00", event_type="long")
    await _set(hass, action, "")
    await _automations(
        hass,
        ("event_button", BUTTON, {"button": event}),
        ("action_button", BUTTON, {"button": action}),
    )
    await _set(hass, event, "2026-01-05T18:00:01.000+00:00", event_type="anything")
    assert heating.calls == ["heat"]
    await _set(hass, action, "single")
    assert heating.calls == ["heat", "auto"]
    await _set(hass, action, "")  # Zigbee2MQTT clears the action
    assert heating.calls == ["heat", "auto"]
    await _set(hass, action, "double")
    assert heating.calls == ["heat", "auto", "heat"]


# Shedding and overloads


STARTED = "linky_tempo_shedding_started"
ENDED = "linky_tempo_shedding_ended"
LIVING_ROOM = "climate.living_room"
BEDROOM = "input_select.bedroom_pilot_wire"


async def _fire(hass: HomeAssistant, event: str, **data: Any) -> None:
    hass.bus.async_fire(event, data)
    await hass.async_block_till_done()


async def _loads_and_overload(hass: HomeAssistant) -> None:
    await _set(hass, LIVING_ROOM, "heat", friendly_name="Living room")
    await _set(hass, BEDROOM, "comfort", friendly_name="Bedroom")
    await _set(hass, OVERLOAD, "off")


async def test_shedding_start_end_and_overloads_are_notified(
    hass: HomeAssistant, blueprints: Path
) -> None:
    await _loads_and_overload(hass)
    notifications = async_mock_service(hass, "persistent_notification", "create")
    await _automations(hass, ("shedding", SHEDDING, {}))

    await _fire(
        hass,
        STARTED,
        entry_id="any",
        reason="red_peak",
        reasons=["red_peak"],
        loads=[LIVING_ROOM, BEDROOM, "climate.nameless"],
    )
    assert [call.data for call in notifications] == [
        {
            "title": "Linky Tempo",
            "message": (
                "Heating shed (red-day peak hours): "
                "Living room, Bedroom, climate.nameless."
            ),
            "notification_id": "linky_tempo_shedding",
        }
    ]
    await _fire(hass, ENDED, entry_id="any", reason="red_peak")
    assert notifications[-1].data["message"] == (
        "Shedding over (red-day peak hours): the heating is back."
    )
    # The meter signals an overload; it ends.
    await _set(hass, OVERLOAD, "on")
    assert notifications[-1].data["message"] == (
        "Overload: the house draws more power than subscribed."
    )
    await _set(hass, OVERLOAD, "off")
    assert len(notifications) == 3
    # Back from unavailable (a restart, the meter reconnected): no overload.
    await _set(hass, OVERLOAD, "unavailable")
    await _set(hass, OVERLOAD, "on")
    await _set(hass, OVERLOAD, "off", friendly_name="Overload")
    assert len(notifications) == 3
    # Overload shedding, with its main reason first; an end whose start was
    # before a restart has no reason.
    await _fire(
        hass,
        STARTED,
        entry_id="any",
        reason="white_peak",
        reasons=["overload", "white_peak"],
        loads=[BEDROOM],
    )
    await _fire(hass, ENDED, entry_id="any", reason=None)
    assert [call.data["message"] for call in notifications[3:]] == [
        "Heating shed (white-day peak hours): Bedroom.",
        "Shedding over: the heating is back.",
    ]


async def test_shedding_in_french_with_own_messages_and_chosen_reasons(
    hass: HomeAssistant, blueprints: Path
) -> None:
    await _loads_and_overload(hass)
    phone = async_mock_service(hass, "notify", "phone")
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await _automations(
        hass,
        (
            "shedding",
            SHEDDING,
            {
                "language": "fr",
                "notify_on": ["started", "ended"],
                "reasons": ["red_peak", "overload"],
                "ended_message": "Fin ({{ reason_text }}), {{ reason }}",
                "notify_actions": [
                    {
                        "action": "notify.phone",
                        "data": {"message": "{{ kind }} | {{ message }}"},
                    }
                ],
            },
        ),
    )
    # Not a chosen reason: white-day peaks are expected, not notified.
    await _fire(
        hass,
        STARTED,
        entry_id="any",
        reason="white_peak",
        reasons=["white_peak"],
        loads=[BEDROOM],
    )
    await _fire(hass, ENDED, entry_id="any", reason="white_peak")
    # Overloads: not notified as such, only the shedding they cause.
    await _set(hass, OVERLOAD, "on")
    assert phone == []
    await _fire(
        hass,
        STARTED,
        entry_id="any",
        reason="overload",
        reasons=["overload"],
        loads=[LIVING_ROOM, BEDROOM],
    )
    await _fire(hass, ENDED, entry_id="any", reason="overload")
    await _fire(
        hass,
        STARTED,
        entry_id="any",
        reason="red_peak",
        reasons=["red_peak"],
        loads=[LIVING_ROOM],
    )
    assert [call.data["message"] for call in phone] == [
        "started | Chauffage délesté (dépassement de puissance) : Living room, "
        "Bedroom.",
        "ended | Fin (dépassement de puissance), overload",
        "started | Chauffage délesté (heures pleines jour rouge) : Living room.",
    ]
    assert persistent == []


async def test_shedding_message_templates_for_start_and_overload(
    hass: HomeAssistant, blueprints: Path
) -> None:
    await _loads_and_overload(hass)
    notifications = async_mock_service(hass, "persistent_notification", "create")
    await _automations(
        hass,
        (
            "shedding",
            SHEDDING,
            {
                "language": "fr",
                "started_message": "{{ loads | count }} délestés : {{ load_names }}",
                "overload_message": "Trop de puissance !",
            },
        ),
    )
    await _fire(
        hass,
        STARTED,
        entry_id="any",
        reason="white_peak",
        reasons=["white_peak"],
        loads=[LIVING_ROOM, BEDROOM],
    )
    await _set(hass, OVERLOAD, "on")
    # The built-in French text when no message of one's own is given.
    await _fire(hass, ENDED, entry_id="any", reason="white_peak")
    assert [call.data["message"] for call in notifications] == [
        "2 délestés : Living room, Bedroom",
        "Trop de puissance !",
        "Fin du délestage (heures pleines jour blanc) : le chauffage reprend.",
    ]


# Home battery


PARIS = ZoneInfo("Europe/Paris")
SOC = "input_number.battery_soc"
MODE = "input_select.battery_mode"


@pytest.fixture
async def battery(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> AsyncIterator[None]:
    """Tempo hours in French time; a battery's SoC setting and mode helpers."""
    await hass.config.async_set_time_zone("Europe/Paris")
    freezer.move_to(datetime(2026, 1, 5, 20, 0, tzinfo=PARIS))
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"battery_soc": {"min": 0, "max": 100, "initial": 30}}},
    )
    assert await async_setup_component(
        hass,
        "input_select",
        {
            "input_select": {
                "battery_mode": {
                    "options": ["Self-use", "Force charge", "Discharge"],
                    "initial": "Self-use",
                }
            }
        },
    )
    yield
    # The start time's next run is a timer: turning the automations off
    # cancels it.
    if hass.services.has_service("automation", "turn_off"):
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all"}, blocking=True
        )


async def _at(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    day: int,
    hour: int,
    minute: int,
) -> None:
    """Move the clock to a time in France, in January 2026 (the 5th is a Monday)."""
    moment = datetime(2026, 1, day, hour, minute, tzinfo=PARIS)
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done()


def _battery(hass: HomeAssistant) -> tuple[float, str]:
    return (float(hass.states.get(SOC).state), hass.states.get(MODE).state)


HELPERS = {
    "soc_entities": [SOC],
    "mode_entities": [MODE],
    "charge_option": "Force charge",
    "peak_option": "Discharge",
    "normal_option": "Self-use",
}
CHARGED = (100.0, "Force charge")
CARRYING = (10.0, "Discharge")
NORMAL = (30.0, "Self-use")


async def test_battery_charges_before_a_red_day_and_carries_its_peak(
    hass: HomeAssistant,
    blueprints: Path,
    battery: None,
    freezer: FrozenDateTimeFactory,
) -> None:
    charge = async_mock_service(hass, "test", "charge")
    peak = async_mock_service(hass, "test", "peak")
    normal = async_mock_service(hass, "test", "normal")
    await _set(hass, PERIOD, "hp_blue")
    await _set(hass, TOMORROW, "unknown")
    await _automations(
        hass,
        (
            "battery",
            BATTERY_PEAKS,
            {
                **HELPERS,
                "charge_actions": [{"action": "test.charge"}],
                "peak_actions": [{"action": "test.peak"}],
                "normal_actions": [{"action": "test.normal"}],
            },
        ),
    )
    # The evening announcement: a red day tomorrow. Still peak hours.
    await _at(hass, freezer, 5, 20, 30)
    await _set(hass, TOMORROW, "red")
    assert (_battery(hass), charge, peak, normal) == (NORMAL, [], [], [])
    # 22:00, the default start: off-peak hours, the battery charges.
    await _at(hass, freezer, 5, 22, 0)
    await _set(hass, PERIOD, "hc_blue")
    assert _battery(hass) == CHARGED
    assert charge
    assert (peak, normal) == ([], [])
    # 06:00: the red day's peak hours; the battery carries the house.
    await _at(hass, freezer, 6, 6, 0)
    await _set(hass, PERIOD, "hp_red")
    assert _battery(hass) == CARRYING
    assert (len(peak), normal) == (1, [])
    # A blue day follows: at 22:00 the normal setting comes back.
    await _at(hass, freezer, 6, 19, 0)
    await _set(hass, TOMORROW, "blue")
    assert _battery(hass) == CARRYING
    await _at(hass, freezer, 6, 22, 0)
    await _set(hass, PERIOD, "hc_red")
    assert _battery(hass) == NORMAL
    assert len(peak) == 1
    assert normal
    # The blue day's peak hours: normal.
    await _at(hass, freezer, 7, 6, 0)
    await _set(hass, PERIOD, "hp_blue")
    assert _battery(hass) == NORMAL


@pytest.mark.parametrize(
    ("white_days", "at_night", "at_peak"),
    [(False, NORMAL, NORMAL), (True, CHARGED, CARRYING)],
)
async def test_battery_on_white_days_only_if_chosen(
    hass: HomeAssistant,
    blueprints: Path,
    battery: None,
    freezer: FrozenDateTimeFactory,
    white_days: bool,
    at_night: tuple[float, str],
    at_peak: tuple[float, str],
) -> None:
    await _set(hass, PERIOD, "hp_blue")
    await _set(hass, TOMORROW, "white")
    await _automations(
        hass,
        ("battery", BATTERY_PEAKS, {**HELPERS, "white_days": white_days}),
    )
    # Set by hand in the evening: left alone until the next decision.
    await hass.services.async_call(
        "input_number", "set_value", {"entity_id": SOC, "value": 55}, blocking=True
    )
    await _at(hass, freezer, 5, 21, 0)
    assert _battery(hass) == (55.0, "Self-use")
    await _at(hass, freezer, 5, 22, 0)
    await _set(hass, PERIOD, "hc_blue")
    assert _battery(hass) == at_night
    await _at(hass, freezer, 6, 6, 0)
    await _set(hass, PERIOD, "hp_white")
    assert _battery(hass) == at_peak


async def test_battery_number_and_select_entities_from_a_later_start(
    hass: HomeAssistant,
    blueprints: Path,
    battery: None,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Integration entities (number, select), a 02:00 start, late news."""
    set_value = async_mock_service(hass, "number", "set_value")
    select_option = async_mock_service(hass, "select", "select_option")
    soc = "number.victron_ess_minimum_soc"
    mode = "select.inverter_mode"
    await _set(hass, soc, "30")
    await _set(hass, mode, "Self-use")
    await _set(hass, PERIOD, "hp_white")
    await _set(hass, TOMORROW, "unknown")
    await _automations(
        hass,
        (
            "battery",
            BATTERY_PEAKS,
            {
                "charge_start": "02:00:00",
                "soc_entities": [soc],
                "mode_entities": [mode],
                "charge_soc": 95,
                "peak_soc": 15,
                "normal_soc": 25,
                "charge_option": "Force charge",
                # The mode is left as it is during the peak.
                "peak_option": "",
                "normal_option": "Self-use",
            },
        ),
    )

    def calls() -> list[tuple[str, Any]]:
        return sorted(
            [("soc", call.data["value"]) for call in set_value]
            + [("mode", call.data["option"]) for call in select_option]
        )

    await _at(hass, freezer, 5, 22, 0)
    await _set(hass, PERIOD, "hc_white")
    assert calls() == [("mode", "Self-use"), ("soc", 25)]
    assert [call.data["entity_id"] for call in set_value] == [[soc]]
    assert [call.data["entity_id"] for call in select_option] == [[mode]]
    set_value.clear()
    select_option.clear()
    # Announced late, before the start: nothing yet.
    await _at(hass, freezer, 5, 23, 30)
    await _set(hass, TOMORROW, "red")
    await _at(hass, freezer, 6, 1, 59)
    assert calls() == []
    await _at(hass, freezer, 6, 2, 0)
    assert calls() == [("mode", "Force charge"), ("soc", 95)]
    set_value.clear()
    select_option.clear()
    # Forgotten by the meter: the charge goes on. Corrected: it stops.
    await _set(hass, TOMORROW, "unknown")
    assert calls() == []
    await _at(hass, freezer, 6, 3, 0)
    await _set(hass, TOMORROW, "blue")
    assert calls() == [("mode", "Self-use"), ("soc", 25)]
    set_value.clear()
    select_option.clear()
    # Announced again (red) while the charge window is open: it charges.
    await _set(hass, TOMORROW, "red")
    assert calls() == [("mode", "Force charge"), ("soc", 95)]
    set_value.clear()
    select_option.clear()
    await _at(hass, freezer, 6, 6, 0)
    await _set(hass, PERIOD, "hp_red")
    assert calls() == [("soc", 15)]


async def test_battery_left_alone_while_the_period_is_unknown(
    hass: HomeAssistant,
    blueprints: Path,
    battery: None,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _set(hass, PERIOD, "hp_red")
    await _set(hass, TOMORROW, "red")
    hass.set_state(CoreState.not_running)
    await _automations(hass, ("battery", BATTERY_PEAKS, HELPERS))
    # Home Assistant starts at 23:00 with the meter not read yet.
    await _at(hass, freezer, 5, 23, 0)
    await _set(hass, PERIOD, "unavailable")
    await hass.async_start()
    await hass.async_block_till_done()
    assert _battery(hass) == NORMAL
    await _set(hass, PERIOD, "unknown")
    await _at(hass, freezer, 6, 2, 0)
    await _set(hass, TOMORROW, "white")
    await _set(hass, TOMORROW, "red")
    assert _battery(hass) == NORMAL
    # The meter is read: the night before a red day.
    await _set(hass, PERIOD, "hc_white")
    assert _battery(hass) == CHARGED


async def test_battery_is_set_when_home_assistant_starts(
    hass: HomeAssistant,
    blueprints: Path,
    battery: None,
    freezer: FrozenDateTimeFactory,
) -> None:
    await _at(hass, freezer, 6, 9, 0)
    await _set(hass, PERIOD, "hp_red")
    await _set(hass, TOMORROW, "unknown")
    hass.set_state(CoreState.not_running)
    await _automations(hass, ("battery", BATTERY_PEAKS, HELPERS))
    assert _battery(hass) == NORMAL
    await hass.async_start()
    await hass.async_block_till_done()
    assert _battery(hass) == CARRYING


# With the real integration


async def _wait(hass: HomeAssistant, check: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not check():
            await asyncio.sleep(0.05)
            await hass.async_block_till_done()


def _is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    current = hass.states.get(entity_id)
    return current is not None and current.state == state


async def test_blueprints_drive_the_real_integration(
    hass: HomeAssistant,
    blueprints: Path,
    appliances: None,
    pty_meter: PtyMeter,
) -> None:
    """Default entity ids are the integration's; heat is really refused on red."""
    notifications = async_mock_service(hass, "persistent_notification", "create")
    refused = async_mock_service(hass, "test", "refused")
    press = "binary_sensor.button"
    press_no_period = "binary_sensor.other_button"
    for button in (press, press_no_period):
        await _set(hass, button, "off")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    async def click(button: str) -> None:
        await _set(hass, button, "on")
        await _set(hass, button, "off")

    async with Streamer(pty_meter, tempo_historic(period="HPJW")) as meter:
        await _wait(hass, lambda: _is(hass, TOMORROW, "unknown"))
        await _wait(hass, lambda: _is(hass, PERIOD, "hp_white"))
        await _automations(
            hass,
            ("tomorrow", NOTIFY, {}),
            ("appliance", APPLIANCE, {"appliance": [HEATER]}),
            ("button", BUTTON, {"button": press, "refused_actions": REFUSED}),
            (
                "button_no_period",
                BUTTON,
                {
                    "button": press_no_period,
                    "tariff_period": "sensor.not_a_period",
                    "refused_actions": REFUSED,
                },
            ),
        )

        await hass.services.async_call(
            "input_boolean", "turn_off", {"entity_id": HEATER}, blocking=True
        )

        # White-day peak: the button cancels shedding, then resumes it.
        await click(press)
        assert _is(hass, CLIMATE, "heat")
        await click(press)
        assert _is(hass, CLIMATE, "auto")

        # The evening announcement; off-peak hours start.
        meter.frame = tempo_historic(period="HPJW", tomorrow="ROUG")
        await _wait(hass, lambda: len(notifications) == 1)
        assert "red Tempo day" in notifications[0].data["message"]
        assert _on(hass, HEATER) == [False]
        meter.frame = tempo_historic(period="HCJW", tomorrow="ROUG")
        await _wait(hass, lambda: _is(hass, PERIOD, "hc_white"))
        await _wait(hass, lambda: _on(hass, HEATER) == [True])

        # Red-day peak: the heater stops; heat is refused either way.
        meter.frame = tempo_historic(period="HPJR")
        await _wait(hass, lambda: _is(hass, PERIOD, "hp_red"))
        await _wait(hass, lambda: _on(hass, HEATER) == [False])
        await click(press)
        assert _is(hass, CLIMATE, "auto")
        assert len(refused) == 1
        # Without the period, the integration's refusal is carried over.
        await click(press_no_period)
        assert _is(hass, CLIMATE, "auto")
        assert len(refused) == 2
        assert len(notifications) == 1


async def test_shedding_of_the_real_integration_is_notified(
    hass: HomeAssistant, blueprints: Path, pty_meter: PtyMeter
) -> None:
    """Its events and overload sensor; another meter's events are ignored."""
    notifications = async_mock_service(hass, "persistent_notification", "create")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"radiator": {"name": "Radiator", "initial": True}}},
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        options={CONF_LOADS: [{"entity_id": "input_boolean.radiator", "priority": 1}]},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    def messages() -> list[str]:
        return [call.data["message"] for call in notifications]

    async with Streamer(pty_meter, tempo_historic(period="HCJW")) as meter:
        await _wait(hass, lambda: _is(hass, PERIOD, "hc_white"))
        await _wait(hass, lambda: _is(hass, OVERLOAD, "off"))
        await _automations(hass, ("shedding", SHEDDING, {}))
        await _fire(
            hass, STARTED, entry_id="another", reason="red_peak", loads=[LIVING_ROOM]
        )
        assert notifications == []

        meter.frame = tempo_historic(period="HPJW")
        await _wait(hass, lambda: len(notifications) == 1)
        assert messages() == ["Heating shed (white-day peak hours): Radiator."]
        assert _on(hass, "input_boolean.radiator") == [False]
        meter.frame = tempo_historic(period="HCJW")
        await _wait(hass, lambda: len(notifications) == 2)
        assert messages()[1] == (
            "Shedding over (white-day peak hours): the heating is back."
        )
        assert _on(hass, "input_boolean.radiator") == [True]

        # An overload: notified, and so is the shedding it causes.
        meter.frame = tempo_historic(period="HCJW", adps=45, iinst=45)
        await _wait(hass, lambda: len(notifications) == 4)
        assert sorted(messages()[2:]) == [
            "Heating shed (overload): Radiator.",
            "Overload: the house draws more power than subscribed.",
        ]
