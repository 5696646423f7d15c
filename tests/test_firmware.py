"""The ESPHome firmware and the integration agree on names and safety settings.

`scripts/check-firmware` validates the YAML with ESPHome itself; this test only
reads it (with PyYAML, tolerating ESPHome's tags) and compares it with what the
integration expects, so that renaming one side without the other fails here.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from homeassistant.util import slugify

from custom_components.linky_tempo.const import (
    FIRMWARE_SERIAL_PROXY_NAME,
    OFF_SELECT_OPTIONS,
    PILOT_WIRE_FROST_PROTECTION,
    PILOT_WIRE_OPTIONS,
    SHED_SELECT_OPTIONS,
)
from custom_components.linky_tempo.entity import meter_device_info
from tests.conftest import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

FIRMWARE = REPO_ROOT / "firmware" / "esphome"
MAIN = FIRMWARE / "linky-tempo.yaml"
SHIPPED = [MAIN, *sorted((FIRMWARE / "examples").glob("*.yaml"))]
ZONE_PACKAGES = ("pilot-wire-zone.yaml", "relay-zone.yaml")


def _first_climate_entity_id() -> str:
    """The id Home Assistant gives the first meter's climate entity.

    The device's name and the entity's English name, slugified: what the
    firmware's button and local fallback target by default (a user who
    renames the entity sets the substitution to match).
    """
    english = json.loads(
        (REPO_ROOT / "custom_components/linky_tempo/translations/en.json").read_text()
    )
    # The integration's one climate entity.
    (name,) = [entity["name"] for entity in english["entity"]["climate"].values()]
    device = meter_device_info("meter")["name"]
    return f"climate.{slugify(f'{device} {name}')}"


DEFAULT_CLIMATE_ENTITY_ID = _first_climate_entity_id()


# --- A small reader for ESPHome YAML ------------------------------------------


@dataclass(frozen=True)
class Secret:
    name: str


@dataclass(frozen=True)
class Include:
    file: str
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tagged:
    """Any other ESPHome tag (!lambda, !extend, !remove...)."""

    tag: str
    value: Any


class _Loader(yaml.SafeLoader):
    pass


def _secret(loader: yaml.SafeLoader, node: yaml.Node) -> Secret:
    assert isinstance(node, yaml.ScalarNode)
    return Secret(loader.construct_scalar(node))


def _include(loader: yaml.SafeLoader, node: yaml.Node) -> Include:
    if isinstance(node, yaml.MappingNode):
        fields = loader.construct_mapping(node, deep=True)
        return Include(fields["file"], dict(fields.get("vars") or {}))
    assert isinstance(node, yaml.ScalarNode)
    return Include(loader.construct_scalar(node))


def _other(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    value: Any
    if isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    return Tagged(suffix, value)


_Loader.add_constructor("!secret", _secret)
_Loader.add_constructor("!include", _include)
_Loader.add_multi_constructor("!", _other)


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def _substitute(value: Any, variables: dict[str, Any]) -> Any:
    """Replace ${name} and $name (not Jinja expressions) like ESPHome does."""
    if isinstance(value, str):
        whole = _VARIABLE.fullmatch(value)
        if whole and (whole[1] or whole[2]) in variables:
            return variables[whole[1] or whole[2]]
        return _VARIABLE.sub(
            lambda m: str(variables.get(m[1] or m[2], m[0])),
            value,
        )
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if isinstance(value, Include):
        return Include(value.file, _substitute(value.vars, variables))
    if isinstance(value, Tagged):
        return Tagged(value.tag, _substitute(value.value, variables))
    return value


def _merge(old: Any, new: Any) -> Any:
    """ESPHome's package merge: dicts merged key by key, lists concatenated."""
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(old.get(key), value)
        return merged
    if isinstance(old, list) and isinstance(new, list):
        return old + new
    return old if new is None else new


@dataclass
class Config:
    """A shipped configuration with its packages resolved."""

    path: Path
    main: dict[str, Any]
    substitutions: dict[str, Any]
    packages: dict[str, tuple[Path, dict[str, Any]]]  # name -> (file, vars)
    merged: dict[str, Any]

    def items(self, domain: str) -> list[dict[str, Any]]:
        value = self.merged.get(domain) or []
        return value if isinstance(value, list) else [value]

    def zone_selects(self) -> list[dict[str, Any]]:
        return [
            s
            for s in self.items("select")
            if isinstance(s.get("id"), str) and s["id"].startswith("zone_")
        ]

    def package_files(self) -> list[str]:
        return [file.name for file, _ in self.packages.values()]


REMOTE_REPOSITORY = "linky-tempo/linky-tempo"
REMOTE_DIR = "firmware/esphome/packages/"


def _local_include(value: Any) -> Any:
    """A package from this GitHub repository (examples/) as the local file."""
    prefix = f"github://{REMOTE_REPOSITORY}/{REMOTE_DIR}"
    if isinstance(value, str) and value.startswith(prefix) and value.endswith("@main"):
        return Include(str(FIRMWARE / "packages" / value[len(prefix) : -len("@main")]))
    if isinstance(value, dict) and "url" in value:
        assert value["url"] == f"https://github.com/{REMOTE_REPOSITORY}"
        assert value["ref"] == "main"
        (only,) = value["files"]
        assert only["path"].startswith(REMOTE_DIR)
        file = FIRMWARE / "packages" / only["path"][len(REMOTE_DIR) :]
        return Include(str(file), dict(only.get("vars") or {}))
    return value


def _resolve(path: Path) -> Config:
    main = _load(path)
    packages: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]] = {}
    defaults: dict[str, Any] = {}
    for name, value in (main.get("packages") or {}).items():
        include = _local_include(value)
        assert isinstance(include, Include), f"{path.name}: package {name}"
        file = (path.parent / include.file).resolve()
        content = _load(file)
        variables = {**(content.pop("defaults", None) or {}), **include.vars}
        defaults.update(content.pop("substitutions", None) or {})
        packages[name] = (file, variables, content)
    substitutions = {**defaults, **(main.get("substitutions") or {})}

    merged: dict[str, Any] = {}
    for _file, variables, content in packages.values():
        local = {**substitutions, **variables}
        merged = _merge(merged, _substitute(content, local))
    rest = {k: v for k, v in main.items() if k not in ("packages", "substitutions")}
    merged = _merge(merged, _substitute(rest, substitutions))
    return Config(
        path,
        main,
        substitutions,
        {name: (file, variables) for name, (file, variables, _) in packages.items()},
        merged,
    )


CONFIGS = [_resolve(path) for path in SHIPPED]
IDS = [c.path.relative_to(FIRMWARE).as_posix() for c in CONFIGS]


def _walk(value: Any) -> list[Any]:
    """Every dict, list and scalar inside value."""
    found = [value]
    if isinstance(value, dict):
        for v in value.values():
            found.extend(_walk(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_walk(v))
    elif isinstance(value, Tagged):
        found.extend(_walk(value.value))
    return found


# --- The tests ----------------------------------------------------------------


def test_every_shipped_configuration_is_found() -> None:
    names = {c.path.name for c in CONFIGS}
    assert "linky-tempo.yaml" in names
    assert len(CONFIGS) >= 4, "main file and the example combinations"
    for config in CONFIGS:
        for file, _ in config.packages.values():
            assert file.is_file(), f"{config.path.name} includes missing {file}"


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_serial_proxy_has_the_name_the_integration_opens(config: Config) -> None:
    proxies = config.items("serial_proxy")
    assert len(proxies) == 1
    assert proxies[0]["name"] == FIRMWARE_SERIAL_PROXY_NAME
    assert proxies[0]["port_type"] == "TTL"
    uart_ids = {u.get("id") for u in config.items("uart")}
    assert proxies[0]["uart_id"] in uart_ids


def test_main_configuration_has_at_least_four_pilot_wire_zones() -> None:
    main = CONFIGS[0]
    assert main.path == MAIN
    assert main.package_files().count("pilot-wire-zone.yaml") >= 4
    assert len(main.zone_selects()) >= 4
    assert main.substitutions["tic_mode"] == "historic"


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_zone_selects_offer_the_integration_options(config: Config) -> None:
    for select in config.zone_selects():
        assert tuple(select["options"]) == PILOT_WIRE_OPTIONS, select["id"]
        # Boot state: frost protection unless the user chooses otherwise.
        assert select["initial_option"] == PILOT_WIRE_FROST_PROTECTION
        assert select["restore_value"] is False
    # One select per zone include, with distinct ids.
    zones = [f for f in config.package_files() if f in ZONE_PACKAGES]
    ids = [s["id"] for s in config.zone_selects()]
    assert len(ids) == len(zones) == len(set(ids))


@pytest.mark.parametrize("package", ZONE_PACKAGES)
def test_zone_package_defaults_match_the_shedding_coordinator(package: str) -> None:
    content = _load(FIRMWARE / "packages" / package)
    defaults = content["defaults"]
    assert defaults["boot_option"] == PILOT_WIRE_FROST_PROTECTION
    # Locally the device sheds like the integration does by default.
    assert defaults["shed_option"] == SHED_SELECT_OPTIONS[0]
    assert defaults["fallback_option"] in PILOT_WIRE_OPTIONS
    assert OFF_SELECT_OPTIONS[0] in PILOT_WIRE_OPTIONS
    # Every option the package compares or sets is one the select offers.
    select = content["select"][0]
    assert tuple(select["options"]) == PILOT_WIRE_OPTIONS
    used: set[str] = set()
    for node in _walk(content):
        if isinstance(node, dict) and isinstance(node.get("select.is"), dict):
            used.update(node["select.is"]["options"])
        if isinstance(node, dict) and isinstance(node.get("select.set"), dict):
            used.add(node["select.set"]["option"])
    used = {defaults.get(o[2:-1], o) if o.startswith("${") else o for o in used}
    assert used
    assert used <= set(PILOT_WIRE_OPTIONS)


def test_pilot_wire_truth_table() -> None:
    """Comfort none, eco full sine, frost negative half, off positive half."""
    content = _load(FIRMWARE / "packages" / "pilot-wire-zone.yaml")
    script = content["script"][0]["then"]
    positive = script[0]["if"]
    negative = script[1]["if"]
    assert positive["condition"]["select.is"]["options"] == ["eco", "off"]
    assert positive["then"][0]["output.turn_on"] == "zone_${zone}_positive"
    assert negative["condition"]["select.is"]["options"] == ["eco", "frost_protection"]
    assert negative["then"][0]["output.turn_on"] == "zone_${zone}_negative"


def test_six_order_pilot_wire_is_optional() -> None:
    """Confort -1/-2 only where six_orders is "true", with the spec's timings."""
    zone = _load(FIRMWARE / "packages" / "pilot-wire-zone.yaml")
    assert zone["defaults"]["six_orders"] == "false"
    include = zone["packages"]["six_orders"]
    assert include.file == "pilot-wire-six-orders.yaml"
    six = _load(FIRMWARE / "packages" / "pilot-wire-six-orders.yaml")
    assert six["substitutions"] == {
        "six_orders_period": "300s",
        "comfort_minus_1_pulse": "3s",
        "comfort_minus_2_pulse": "7s",
    }
    (select,) = six["select"]
    assert select["options"] == ["comfort_minus_1", "comfort_minus_2"]
    # The names the integration knows stay the first four, untouched.
    assert not set(select["options"]) & set(PILOT_WIRE_OPTIONS)
    # The main configuration's example: zone 4 only.
    main = CONFIGS[0]
    six_order_zones = [
        name
        for name, (file, variables) in main.packages.items()
        if file.name == "pilot-wire-zone.yaml" and variables.get("six_orders") == "true"
    ]
    assert six_order_zones == ["zone_4"]


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_climate_entity_is_the_integration_default(config: Config) -> None:
    if "local-fallback.yaml" not in config.package_files():
        return
    assert config.substitutions["climate_entity_id"] == DEFAULT_CLIMATE_ENTITY_ID
    sensors = [
        t for t in config.items("text_sensor") if t.get("platform") == "homeassistant"
    ]
    assert [t["entity_id"] for t in sensors] == [DEFAULT_CLIMATE_ENTITY_ID]
    actions = [
        n["homeassistant.action"]
        for n in _walk(config.merged)
        if isinstance(n, dict) and "homeassistant.action" in n
    ]
    for action in actions:
        assert action["action"] == "climate.set_hvac_mode"
        assert action["data"]["entity_id"] == DEFAULT_CLIMATE_ENTITY_ID
        assert action["data"]["hvac_mode"] in ("auto", "heat")
    if "button.yaml" in config.package_files():
        assert {a["data"]["hvac_mode"] for a in actions} == {"auto", "heat"}


def test_package_default_climate_entity() -> None:
    content = _load(FIRMWARE / "packages" / "local-fallback.yaml")
    assert content["substitutions"]["climate_entity_id"] == DEFAULT_CLIMATE_ENTITY_ID
    assert _load(MAIN)["substitutions"]["climate_entity_id"] == (
        DEFAULT_CLIMATE_ENTITY_ID
    )


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_home_assistant_outage_never_reboots_the_device(config: Config) -> None:
    assert config.merged["api"]["reboot_timeout"] == "0s"
    assert config.merged["wifi"]["reboot_timeout"] == "0s"


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_credentials_come_from_secrets(config: Config) -> None:
    api = config.merged["api"]
    assert isinstance(api["encryption"]["key"], Secret)
    wifi = config.merged["wifi"]
    assert wifi["ap"]["ssid"] == "Linky-Tempo"
    assert isinstance(wifi["ap"]["password"], Secret)
    assert isinstance(wifi["ssid"], Secret)
    assert isinstance(wifi["password"], Secret)
    ota = config.items("ota")
    assert any(isinstance(o.get("password"), Secret) for o in ota)
    assert "captive_portal" in config.merged
    assert "improv_serial" in config.merged


def test_secrets_example_covers_every_secret() -> None:
    example = _load(FIRMWARE / "secrets.example.yaml")
    used = {
        node.name
        for path in FIRMWARE.rglob("*.yaml")
        if path.name not in ("secrets.yaml", "secrets.example.yaml")
        and ".esphome" not in path.parts
        for node in _walk(_load(path))
        if isinstance(node, Secret)
    }
    assert used
    assert used <= set(example)
    # The placeholders validate but are visibly not real (no usable default).
    assert len(base64.b64decode(example["api_encryption_key"], validate=True)) == 32
    assert all("REPLACE" in str(value) for value in example.values())


def test_local_fallback_waits_for_home_assistant() -> None:
    main = CONFIGS[0]
    assert main.substitutions["local_fallback_delay"] == "60s"
    local_mode = next(
        b for b in main.items("binary_sensor") if b.get("id") == "local_mode"
    )
    assert {"delayed_on": "60s"} in local_mode["filters"]


@pytest.mark.parametrize(
    "path", sorted((FIRMWARE / "examples").glob("*.yaml")), ids=lambda p: p.name
)
def test_examples_take_their_packages_from_github(path: Path) -> None:
    """Usable as they are from the ESPHome Device Builder (no ../packages/)."""
    packages = _load(path)["packages"]
    assert packages
    for value in packages.values():
        assert not isinstance(value, Include)
        assert isinstance(_local_include(value), Include)
