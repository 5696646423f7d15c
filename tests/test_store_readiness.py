"""Rules of HACS, hassfest and the Integration Quality Scale not in test_repository.

Sources: Home Assistant core's script/hassfest (quality_scale.py,
translations.py, icons.py and services.py), HACS's validators
(custom_components/hacs/utils/validate.py) and the brands README.
Hassfest does not check a custom integration's quality_scale.yaml or its
French translation: these tests do.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from awesomeversion import AwesomeVersion
from homeassistant import const as ha_const
from homeassistant.components.brands.const import ALLOWED_IMAGES
from homeassistant.generated.countries import COUNTRIES
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import selector
from homeassistant.helpers.entity import Entity, EntityDescription
from PIL import Image

from tests.conftest import REPO_ROOT

INTEGRATION = REPO_ROOT / "custom_components" / "linky_tempo"
BRAND = INTEGRATION / "brand"
LANGUAGES = ("en", "fr")

# hassfest quality_scale.py ALL_RULES, by tier.
RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES = [rule for tier in RULES.values() for rule in tier]

# hassfest translations.py
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
HA_EXCEPTIONS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "ConfigEntryError",
    "ConfigEntryNotReady",
    "ConfigEntryAuthFailed",
}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _translations(language: str) -> dict[str, Any]:
    result: dict[str, Any] = _json(INTEGRATION / "translations" / f"{language}.json")
    return result


def _manifest() -> dict[str, Any]:
    result: dict[str, Any] = _json(INTEGRATION / "manifest.json")
    return result


def _services() -> dict[str, Any]:
    result: dict[str, Any] = yaml.safe_load(
        (INTEGRATION / "services.yaml").read_text(encoding="utf-8")
    )
    return result


def _leaves(
    tree: dict[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key), value


def _dig(tree: dict[str, Any], *path: str) -> Any:
    for key in path:
        tree = tree.get(key, {}) if isinstance(tree, dict) else {}
    return tree


# Brand images (brands README; Home Assistant brands/const.py; HACS brands)


def _image(name: str) -> Image.Image:
    image = Image.open(BRAND / name)
    image.load()
    return image


def _present(names: list[str]) -> list[str]:
    return [name for name in names if (BRAND / name).is_file()]


def test_brand_directory_has_an_icon_and_only_images_home_assistant_serves() -> None:
    assert (BRAND / "icon.png").is_file()
    assert {path.name for path in BRAND.iterdir()} <= ALLOWED_IMAGES


@pytest.mark.parametrize(
    ("name", "side"),
    [
        ("icon.png", 256),
        ("icon@2x.png", 512),
        ("dark_icon.png", 256),
        ("dark_icon@2x.png", 512),
    ],
)
def test_icons_are_square_256_and_512(name: str, side: int) -> None:
    if not (BRAND / name).is_file():
        assert name.startswith("dark_"), f"{name} is missing"
        return
    assert _image(name).size == (side, side)


@pytest.mark.parametrize(
    ("name", "shortest"),
    [
        ("logo.png", (128, 256)),
        ("logo@2x.png", (256, 512)),
        ("dark_logo.png", (128, 256)),
        ("dark_logo@2x.png", (256, 512)),
    ],
)
def test_logos_are_landscape_with_the_right_shortest_side(
    name: str, shortest: tuple[int, int]
) -> None:
    if not (BRAND / name).is_file():
        assert name.startswith("dark_"), f"{name} is missing"
        return
    width, height = _image(name).size
    assert width >= height
    assert shortest[0] <= min(width, height) <= shortest[1]


def test_2x_images_double_the_1x_ones_and_dark_ones_match_the_light_ones() -> None:
    for kind in _present(["icon.png", "logo.png", "dark_icon.png", "dark_logo.png"]):
        double = kind.replace(".png", "@2x.png")
        assert (BRAND / double).is_file(), double
        width, height = _image(kind).size
        width2, height2 = _image(double).size
        assert abs(width2 - 2 * width) <= 2
        assert abs(height2 - 2 * height) <= 2, kind
    for dark in _present(["dark_icon.png", "dark_logo.png", "dark_logo@2x.png"]):
        assert _image(dark).size == _image(dark.removeprefix("dark_")).size


@pytest.mark.parametrize("name", sorted(ALLOWED_IMAGES))
def test_brand_images_are_trimmed_transparent_pngs(name: str) -> None:
    if not (BRAND / name).is_file():
        return
    image = _image(name)
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    alpha = image.getchannel("A")
    assert alpha.getextrema()[0] == 0, "no transparency"
    left, top, right, bottom = alpha.getbbox() or (0, 0, 0, 0)
    width, height = image.size
    if "logo" in name:
        assert (left, top, right, bottom) == (0, 0, width, height), "not trimmed"
    else:
        # A square icon: the drawing touches both sides of at least one axis.
        assert (left, right) == (0, width) or (top, bottom) == (0, height)


# Integration Quality Scale (hassfest quality_scale.py SCHEMA)


def _quality_scale() -> dict[str, Any]:
    data = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text("utf-8"))
    assert set(data) == {"rules"}
    rules: dict[str, Any] = data["rules"]
    return rules


def _status(value: Any) -> str:
    if isinstance(value, str):
        return value
    assert isinstance(value, dict), value
    assert set(value) <= {"status", "comment"}
    status = value["status"]
    if status == "exempt":
        assert str(value.get("comment", "")).strip(), "exempt needs a comment"
    return str(status)


def test_quality_scale_lists_every_rule_and_nothing_else() -> None:
    rules = _quality_scale()
    assert sorted(set(ALL_RULES) - set(rules)) == [], "missing rules"
    assert sorted(set(rules) - set(ALL_RULES)) == [], "unknown rules"
    for rule, value in rules.items():
        assert _status(value) in {"done", "todo", "exempt"}, rule
        if isinstance(value, dict) and "comment" in value:
            assert isinstance(value["comment"], str), rule


def test_quality_scale_has_no_rule_left_to_do_up_to_platinum() -> None:
    rules = _quality_scale()
    todo = [
        f"{tier}: {rule}"
        for tier, names in RULES.items()
        for rule in names
        if rule not in rules or _status(rules[rule]) not in {"done", "exempt"}
    ]
    assert not todo, "rules still todo or missing: " + ", ".join(todo)


def _tree(module: str) -> ast.Module:
    return ast.parse((INTEGRATION / f"{module}.py").read_text(encoding="utf-8"))


def _functions(module: str) -> set[str]:
    return {
        node.name
        for node in ast.walk(_tree(module))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _platforms() -> list[str]:
    integration = importlib.import_module("custom_components.linky_tempo")
    return [str(platform) for platform in integration.PLATFORMS]


def _check_action_setup() -> None:
    registering = {
        "async_register",
        "async_register_entity_service",
        "async_register_platform_entity_service",
        "async_register_admin_service",
    }
    tree = _tree("__init__")
    for function in ast.walk(tree):
        if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
            continue
        for call in ast.walk(function):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute | ast.Name)
                and getattr(call.func, "attr", getattr(call.func, "id", ""))
                in registering
            ):
                assert function.name == "async_setup", function.name


def _check_brands() -> None:
    assert (BRAND / "icon.png").is_file()


def _check_config_flow() -> None:
    assert _manifest()["config_flow"] is True
    # Every field of every step has a data_description.
    for flow in ("config", "options"):
        for step, texts in _translations("en")[flow]["step"].items():
            assert set(texts.get("data", {})) == set(
                texts.get("data_description", {})
            ), f"{flow} step {step}"


def _check_diagnostics() -> None:
    assert "async_get_config_entry_diagnostics" in _functions("diagnostics")


def _check_discovery() -> None:
    assert _manifest().get("usb")
    assert "async_step_usb" in _functions("config_flow")


def _check_exception_translations() -> None:
    for module in sorted(INTEGRATION.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in HA_EXCEPTIONS:
                keywords = {keyword.arg for keyword in node.exc.keywords}
                assert {"translation_domain", "translation_key"} <= keywords, (
                    f"{module.name}:{node.lineno}"
                )


def _check_icon_translations() -> None:
    assert (INTEGRATION / "icons.json").is_file()


def _check_integration_owner() -> None:
    assert _manifest()["codeowners"]


def _check_parallel_updates() -> None:
    for platform in _platforms():
        names = {
            target.id
            for node in _tree(platform).body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "PARALLEL_UPDATES" in names, platform


def _check_reconfiguration_flow() -> None:
    assert "async_step_reconfigure" in _functions("config_flow")


def _check_repair_issues() -> None:
    assert _translations("en").get("issues")


def _check_config_entry_unloading() -> None:
    assert "async_unload_entry" in _functions("__init__")


def _check_common_modules() -> None:
    for module in ("coordinator", "entity"):
        assert (INTEGRATION / f"{module}.py").is_file()


DONE_CHECKS = {
    "action-setup": _check_action_setup,
    "brands": _check_brands,
    "common-modules": _check_common_modules,
    "config-entry-unloading": _check_config_entry_unloading,
    "config-flow": _check_config_flow,
    "diagnostics": _check_diagnostics,
    "discovery": _check_discovery,
    "exception-translations": _check_exception_translations,
    "icon-translations": _check_icon_translations,
    "integration-owner": _check_integration_owner,
    "parallel-updates": _check_parallel_updates,
    "reconfiguration-flow": _check_reconfiguration_flow,
    "repair-issues": _check_repair_issues,
}


@pytest.mark.parametrize("rule", sorted(DONE_CHECKS))
def test_a_rule_marked_done_is_done(rule: str) -> None:
    value = _quality_scale().get(rule)
    if value is None or _status(value) != "done":
        return
    DONE_CHECKS[rule]()


# Actions (hassfest services.py; translations and icons)


def test_services_yaml_is_valid_for_hassfest() -> None:
    services = _services()
    assert services
    for name, service in services.items():
        assert cv.slug(name) == name
        assert set(service or {}) <= {"target", "fields", "name", "description"}
        if "target" in service:
            selector.TargetSelector.CONFIG_SCHEMA(service["target"] or {})
        for field, spec in (service.get("fields") or {}).items():
            assert set(spec) <= {
                "advanced",
                "default",
                "example",
                "filter",
                "required",
                "selector",
            }, field
            if "selector" in spec:
                selector.validate_selector(spec["selector"])


def test_services_yaml_matches_the_actions_registered() -> None:
    constants = _string_constants()
    registered = set()
    for call in ast.walk(_tree("__init__")):
        if (
            isinstance(call, ast.Call)
            and getattr(call.func, "attr", "")
            == "async_register_platform_entity_service"
        ):
            name = call.args[2]
            assert isinstance(name, ast.Name), ast.dump(name)
            registered.add(constants[name.id])
    assert registered == set(_services())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_action_and_field_is_translated(language: str) -> None:
    translated = _translations(language).get("services", {})
    assert set(translated) == set(_services())
    for name, service in _services().items():
        assert translated[name]["name"], name
        assert translated[name]["description"], name
        fields = (service or {}).get("fields") or {}
        assert set(translated[name].get("fields", {})) == set(fields), name
        for field in fields:
            assert translated[name]["fields"][field]["name"], field
            assert translated[name]["fields"][field]["description"], field


def test_every_action_has_an_icon() -> None:
    icons = _json(INTEGRATION / "icons.json").get("services", {})
    assert set(icons) == set(_services())
    for name, icon in icons.items():
        value = icon["service"] if isinstance(icon, dict) else icon
        assert str(value).startswith("mdi:"), name


# Translations


def test_en_and_fr_have_exactly_the_same_keys() -> None:
    en = {path for path, _ in _leaves(_translations("en"))}
    fr = {path for path, _ in _leaves(_translations("fr"))}
    assert sorted(en - fr) == [], "missing in fr.json"
    assert sorted(fr - en) == [], "missing in en.json"


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_en_and_fr_use_the_same_placeholders() -> None:
    fr = dict(_leaves(_translations("fr")))
    for path, text in _leaves(_translations("en")):
        if path in fr:
            assert _placeholders(text) == _placeholders(fr[path]), path


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_strings_follow_hassfest(language: str) -> None:
    translations = _translations(language)
    for path, text in _leaves(translations):
        where = ".".join(path)
        assert isinstance(text, str), where
        cv.string_with_no_html(text)
        assert text == text.strip(), f"{where}: leading or trailing spaces"
        assert not RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text), where
        assert not RE_COMBINED_REFERENCE.search(text), where
        assert not RE_URL.search(text), f"{where}: URL, use a placeholder"
        assert all(name.isidentifier() for name in _placeholders(text)), where
        if path[0] == "entity" and len(path) > 3 and path[3] != "name":
            # States, attributes and units take no placeholders.
            assert not _placeholders(text), where
    for platform, entities in translations.get("entity", {}).items():
        assert cv.slug(platform) == platform
        for key, entity in entities.items():
            assert RE_TRANSLATION_KEY.match(key), key
            for state in entity.get("state", {}):
                assert RE_TRANSLATION_KEY.match(state), f"{key}.{state}"
    for name, options in translations.get("selector", {}).items():
        for option in options.get("options", {}):
            assert RE_TRANSLATION_KEY.match(option), f"{name}.{option}"
    for flow in ("config", "options"):
        for step, texts in translations.get(flow, {}).get("step", {}).items():
            assert set(texts.get("data_description", {})) <= set(
                texts.get("data", {})
            ), f"{flow}.{step}"


def _string_constants() -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in _tree("const").body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            constants[target.id] = value.value
    return constants


def _key_pattern(node: ast.expr, constants: dict[str, str], where: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.Name) and node.id in constants:
        return re.escape(constants[node.id])
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z0-9_]+"
            for part in node.values
        )
    raise AssertionError(f"{where}: translation key not understood")


def _section(call: ast.Call, platform: str, where: str) -> tuple[str, ...]:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if name == "async_create_issue":
        return ("issues",)
    if name in HA_EXCEPTIONS:
        return ("exceptions",)
    if name.endswith("SelectorConfig"):
        return ("selector",)
    if name.endswith("EntityDescription"):
        return ("entity", platform)
    raise AssertionError(f"{where}: {name}(translation_key=…) not understood")


def _keys_in_code() -> list[tuple[tuple[str, ...], str, str]]:
    """(translation section, key pattern, where) of every translation_key."""
    constants = _string_constants()
    found = []
    for module in sorted(INTEGRATION.glob("*.py")):
        platform = module.stem
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            where = f"{module.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "translation_key":
                        found.append(
                            (
                                _section(node, platform, where),
                                _key_pattern(keyword.value, constants, where),
                                where,
                            )
                        )
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                if any(
                    isinstance(target, ast.Name)
                    and target.id == "_attr_translation_key"
                    for target in targets
                ):
                    assert node.value is not None
                    found.append(
                        (
                            ("entity", platform),
                            _key_pattern(node.value, constants, where),
                            where,
                        )
                    )
    assert found
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_key_in_the_code_is_translated(language: str) -> None:
    translations = _translations(language)
    for section, pattern, where in _keys_in_code():
        keys = _dig(translations, *section)
        assert any(re.fullmatch(pattern, key) for key in keys), (
            f"{where}: {'.'.join(section)}.{pattern}"
        )


def test_every_entity_exception_and_issue_translation_is_used() -> None:
    used = _keys_in_code()
    translations = _translations("en")
    for section in ("exceptions", "issues"):
        for key in translations.get(section, {}):
            assert any(s == (section,) and re.fullmatch(p, key) for s, p, _ in used), (
                f"{section}.{key}"
            )
    for platform, entities in translations["entity"].items():
        for key in entities:
            assert any(
                s == ("entity", platform) and re.fullmatch(p, key) for s, p, _ in used
            ), f"entity.{platform}.{key}"


def _class_attr(cls: type, name: str) -> Any:
    """An entity class's own _attr_ default (Home Assistant moves it to __attr_)."""
    for attribute in (f"__attr_{name}", f"_attr_{name}"):
        value = vars(cls).get(attribute)
        if value is not None and not isinstance(value, property):
            return value
    return None


def _entities() -> Iterator[tuple[str, str, list[str] | None]]:
    """(platform, translation key, enum options) of every entity the code makes."""
    for platform in _platforms():
        module = importlib.import_module(f"custom_components.linky_tempo.{platform}")
        for value in vars(module).values():
            if isinstance(value, tuple | list):
                for description in value:
                    if isinstance(description, EntityDescription):
                        assert description.translation_key, description.key
                        options = getattr(description, "options", None)
                        yield platform, description.translation_key, options
            elif (
                inspect.isclass(value)
                and issubclass(value, Entity)
                and value.__module__ == module.__name__
                and (key := _class_attr(value, "translation_key")) is not None
            ):
                yield platform, key, _class_attr(value, "options")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entity_and_every_enum_state_is_translated(language: str) -> None:
    translations = _translations(language)["entity"]
    entities = list(_entities())
    assert len(entities) > 10
    for platform, key, options in entities:
        entity = translations[platform][key]
        assert entity["name"], key
        if options is not None:
            assert set(entity.get("state", {})) == set(options), key


# Icons (hassfest icons.py)


def test_icons_match_the_translations() -> None:
    icons = _json(INTEGRATION / "icons.json")
    assert set(icons) <= {"entity", "services"}
    translations = _translations("en")["entity"]
    for platform, entities in icons["entity"].items():
        for key, icon in entities.items():
            where = f"{platform}.{key}"
            assert key in translations.get(platform, {}), where
            assert str(icon["default"]).startswith("mdi:"), where
            states = set(translations[platform][key].get("state", {}))
            if platform == "binary_sensor":
                states |= {"on", "off"}
            for state, value in icon.get("state", {}).items():
                assert state in states, f"{where}.{state}"
                assert str(value).startswith("mdi:"), f"{where}.{state}"
                assert RE_TRANSLATION_KEY.match(state), f"{where}.{state}"


# HACS: hacs.json, manifest.json, repository layout


def test_hacs_json_values_are_what_hacs_accepts() -> None:
    hacs = _json(REPO_ROOT / "hacs.json")
    countries = hacs.get("country", [])
    for country in [countries] if isinstance(countries, str) else countries:
        assert country in COUNTRIES, country
    minimum = AwesomeVersion(hacs["homeassistant"])
    assert minimum.valid
    # The tests run on the oldest supported release too: never below it.
    assert AwesomeVersion(ha_const.__version__) >= minimum
    if hacs.get("zip_release"):
        assert hacs.get("filename")
    assert not hacs.get("content_in_root")


def test_one_integration_with_readme_and_hacs_json_at_the_root() -> None:
    assert [
        path.name
        for path in (REPO_ROOT / "custom_components").iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))
    ] == [INTEGRATION.name]
    assert (REPO_ROOT / "README.md").is_file()
    assert (REPO_ROOT / "hacs.json").is_file()


def test_manifest_urls_owners_and_version_are_what_hacs_accepts() -> None:
    manifest = _manifest()
    documentation = str(manifest["documentation"])
    issues = str(manifest["issue_tracker"])
    repository = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", documentation)
    assert repository, documentation
    assert issues == f"{documentation}/issues"
    assert manifest["codeowners"]
    for owner in manifest["codeowners"]:
        assert re.fullmatch(r"@[\w.-]+(/[\w.-]+)?", owner), owner
    assert AwesomeVersion(manifest["version"]).valid
