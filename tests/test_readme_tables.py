"""The READMEs' tables say what the code has: entities, actions, options (en, fr).

Each README's entity table names every entity the integration can create, by
its translated name, with whether it is enabled by default; its action table
names every action of services.yaml with its fields; its option table names
every option of the options form, with the defaults the code states.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from custom_components.linky_tempo.binary_sensor import (
    BINARY_SENSORS,
    SheddingBinarySensor,
)
from custom_components.linky_tempo.climate import LinkyTempoClimate
from custom_components.linky_tempo.const import (
    DEFAULT_ENERGY_INTERVAL,
    DEFAULT_POWER_INTERVAL,
    DEFAULT_PRE_HEAT_HOURS,
    DEFAULT_RESTORE_DELAY,
    DEFAULT_RESTORE_THRESHOLD,
    DEFAULT_SHED_THRESHOLD,
    DOMAIN,
)
from custom_components.linky_tempo.sensor import (
    COST_SENSORS,
    SENSORS,
    SheddingReasonSensor,
)
from custom_components.linky_tempo.switch import SheddingPausedSwitch
from tests.conftest import REPO_ROOT

INTEGRATION = REPO_ROOT / "custom_components" / DOMAIN
READMES = {
    "en": ("README.md", "## Entities", "### Actions", {"yes": True, "no": False}),
    "fr": ("README.fr.md", "## Entités", "### Actions", {"oui": True, "non": False}),
}


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    end = text.find("\n#", start + len(heading))
    return text[start : end if end != -1 else None]


def _rows(section: str) -> list[list[str]]:
    """The body rows of the first table of a section, as cells."""
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [
        [cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[2:]
    ]


def _translated(lang: str) -> dict[str, Any]:
    path = INTEGRATION / "translations" / f"{lang}.json"
    entity: dict[str, Any] = json.loads(path.read_text())["entity"]
    return entity


LOAD_WORD = {"en": "*Load*", "fr": "*charge*"}


def _placeholders(name: str, lang: str) -> str:
    """How the READMEs write a name with a placeholder: a phase N, a *Load*."""
    return name.replace("{phase}", "N").replace("{load}", LOAD_WORD[lang])


def _code_entities(lang: str) -> dict[str, bool]:
    """Every entity name the integration can create, and if it is enabled."""
    names = _translated(lang)
    found: dict[str, bool] = {}
    described = [
        *(("sensor", d) for d in (*SENSORS, *COST_SENSORS)),
        *(("binary_sensor", d) for d in BINARY_SENSORS),
    ]
    for platform, description in described:
        assert isinstance(description.translation_key, str)
        template = names[platform][description.translation_key]["name"]
        name = _placeholders(template, lang)
        enabled = description.entity_registry_enabled_default
        assert found.setdefault(name, enabled) == enabled, name
    for platform, entity_class in (
        ("sensor", SheddingReasonSensor),
        ("binary_sensor", SheddingBinarySensor),
        ("climate", LinkyTempoClimate),
        ("switch", SheddingPausedSwitch),
    ):
        # Home Assistant's metaclass keeps a class's _attr_ value under this name.
        key = getattr(entity_class, "__attr_translation_key")
        found[_placeholders(names[platform][key]["name"], lang)] = True
    return found


def _readme_entities(lang: str) -> dict[str, bool]:
    path, heading, _, enabled_words = READMES[lang]
    section = _section((REPO_ROOT / path).read_text(), heading)
    found: dict[str, bool] = {}
    for cells in _rows(section):
        for name in cells[0].split(", "):
            assert name not in found, f"{name} twice in {path}"
            found[name] = enabled_words[cells[1]]
    return found


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_entity_table_lists_every_entity_and_whether_it_is_enabled(
    lang: str,
) -> None:
    assert _readme_entities(lang) == _code_entities(lang)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_action_table_lists_every_action_and_its_fields(lang: str) -> None:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    path, _, heading, _ = READMES[lang]
    rows = _rows(_section((REPO_ROOT / path).read_text(), heading))
    listed = {cells[0].strip("`"): cells[2] for cells in rows}
    assert set(listed) == {f"{DOMAIN}.{name}" for name in services}
    for name, service in services.items():
        for field in service.get("fields", {}):
            assert f"`{field}`" in listed[f"{DOMAIN}.{name}"], (name, field)


# Each option with a number for default, and the unit the READMEs give it in.
NUMBER_DEFAULTS = {
    "shed_threshold": (DEFAULT_SHED_THRESHOLD, "%"),
    "restore_threshold": (DEFAULT_RESTORE_THRESHOLD, "%"),
    "restore_delay": (DEFAULT_RESTORE_DELAY, "s"),
    "power_interval": (DEFAULT_POWER_INTERVAL, "s"),
    "energy_interval": (DEFAULT_ENERGY_INTERVAL, "s"),
    "pre_heat_hours": (DEFAULT_PRE_HEAT_HOURS, "h"),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_option_table_lists_every_option_with_its_default(lang: str) -> None:
    path = INTEGRATION / "translations" / f"{lang}.json"
    init = json.loads(path.read_text())["options"]["step"]["init"]
    labels = {label: key for key, label in init["data"].items()}
    labels |= {section["name"]: key for key, section in init["sections"].items()}
    readme, *_ = READMES[lang]
    rows = _rows(_section((REPO_ROOT / readme).read_text(), "## Configuration"))
    assert {cells[0] for cells in rows} == set(labels)
    for cells in rows:
        if (default := NUMBER_DEFAULTS.get(labels[cells[0]])) is not None:
            assert cells[2] == f"{default[0]} {default[1]}", cells
