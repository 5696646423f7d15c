"""docs/dashboard.yaml: Home Assistant's own cards, on entities that exist.

The dashboard users paste names its entities by id, and Home Assistant builds
those ids from the device's name and the entities' English names: a renamed
entity (or a card from HACS) breaks this test before it breaks a dashboard.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml
from homeassistant.util import slugify

from custom_components.linky_tempo.binary_sensor import (
    BINARY_SENSORS,
    SheddingBinarySensor,
)
from custom_components.linky_tempo.climate import LinkyTempoClimate
from custom_components.linky_tempo.const import DOMAIN
from custom_components.linky_tempo.entity import meter_device_info
from custom_components.linky_tempo.sensor import (
    COST_SENSORS,
    SENSORS,
    SheddingReasonSensor,
)
from tests.conftest import REPO_ROOT

DASHBOARD = REPO_ROOT / "docs" / "dashboard.yaml"
# The cards this dashboard may use: Home Assistant's own, nothing to install.
CORE_CARDS = {
    "entities",
    "gauge",
    "glance",
    "heading",
    "history-graph",
    "markdown",
    "statistics-graph",
    "tile",
}
# What the README promises the dashboard shows.
EXPECTED = {
    "climate.linky_tempo_heating",
    "binary_sensor.linky_tempo_shedding",
    "sensor.linky_tempo_shedding_reason",
    "sensor.linky_tempo_tariff_period",
    "sensor.linky_tempo_today_s_colour",
    "sensor.linky_tempo_tomorrow_s_colour",
    "sensor.linky_tempo_apparent_power",
    "sensor.linky_tempo_current_price",
    "sensor.linky_tempo_cost_today",
    "sensor.linky_tempo_cost_yesterday",
    *(
        f"sensor.linky_tempo_energy_{period}_{colour}_day"
        for period in ("off_peak", "peak")
        for colour in ("blue", "white", "red")
    ),
}


def _config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(DASHBOARD.read_text())
    return config


def _cards(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every card of every view and section, nested ones included."""
    for view in config["views"]:
        pending = [*view.get("cards", [])]
        for section in view.get("sections", []):
            assert section["type"] == "grid", section
            pending.extend(section["cards"])
        while pending:
            card = pending.pop()
            yield card
            pending.extend(card.get("cards", []))


def _entity_ids(card: dict[str, Any]) -> Iterator[str]:
    if "entity" in card:
        yield card["entity"]
    for entry in card.get("entities", []):
        yield entry if isinstance(entry, str) else entry["entity"]


def _created_ids() -> set[str]:
    """The entity id of everything the integration can create, in English."""
    translations = REPO_ROOT / "custom_components" / DOMAIN / "translations" / "en.json"
    names = json.loads(translations.read_text())["entity"]
    keys: list[tuple[str, str]] = [
        *(("sensor", str(d.translation_key)) for d in (*SENSORS, *COST_SENSORS)),
        *(("binary_sensor", str(d.translation_key)) for d in BINARY_SENSORS),
    ]
    for platform, entity_class in (
        ("sensor", SheddingReasonSensor),
        ("binary_sensor", SheddingBinarySensor),
        ("climate", LinkyTempoClimate),
    ):
        # Home Assistant's metaclass keeps a class's _attr_ value under this name.
        keys.append((platform, getattr(entity_class, "__attr_translation_key")))
    device = meter_device_info("021861348497")["name"]
    ids = set()
    for platform, key in keys:
        template = names[platform][key]["name"]
        for phase in ("1", "2", "3") if "{phase}" in template else ("",):
            name = template.replace("{phase}", phase)
            ids.add(f"{platform}.{slugify(f'{device} {name}')}")
    return ids


def test_the_ids_are_built_as_home_assistant_does() -> None:
    ids = _created_ids()
    assert "sensor.linky_tempo_today_s_colour" in ids
    assert "sensor.linky_tempo_apparent_power_phase_2" in ids
    assert "climate.linky_tempo_heating" in ids


def test_the_dashboard_uses_core_cards_only() -> None:
    types = {card["type"] for card in _cards(_config())}
    assert types <= CORE_CARDS, types - CORE_CARDS
    assert {"tile", "gauge", "history-graph", "statistics-graph"} <= types


def test_every_entity_of_the_dashboard_exists() -> None:
    named = {i for card in _cards(_config()) for i in _entity_ids(card)}
    assert named <= _created_ids(), sorted(named - _created_ids())
    assert named >= EXPECTED, sorted(EXPECTED - named)


def test_the_gauge_runs_to_the_subscribed_power_with_the_thresholds() -> None:
    (gauge,) = (c for c in _cards(_config()) if c["type"] == "gauge")
    assert gauge["entity"] == "sensor.linky_tempo_apparent_power"
    assert gauge["min"] == 0
    assert gauge["severity"] == {
        "green": 0,
        "yellow": gauge["max"] * 80 // 100,
        "red": gauge["max"] * 90 // 100,
    }


def test_the_heating_tile_switches_between_auto_and_heat() -> None:
    (tile,) = (
        c for c in _cards(_config()) if c.get("entity") == "climate.linky_tempo_heating"
    )
    (feature,) = tile["features"]
    assert feature["type"] == "climate-hvac-modes"
    modes = getattr(LinkyTempoClimate, "__attr_hvac_modes")
    assert set(feature["hvac_modes"]) == set(modes)
