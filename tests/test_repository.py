"""The repository follows the hassfest and HACS rules for a custom integration."""

from __future__ import annotations

import json

from tests.conftest import REPO_ROOT

INTEGRATION = REPO_ROOT / "custom_components" / "linky_tempo"
# hacs/integration validate.py HACS_MANIFEST_JSON_SCHEMA (extra keys are refused).
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}


def _manifest() -> dict[str, object]:
    return json.loads((INTEGRATION / "manifest.json").read_text())


def test_manifest_keys_sorted_as_hassfest_wants() -> None:
    keys = list(_manifest())
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_has_every_key_custom_integrations_need() -> None:
    manifest = _manifest()
    for key in (
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert key in manifest, key
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["iot_class"] == "local_push"
    assert str(manifest["documentation"]).startswith("https://")
    assert not str(manifest["documentation"]).startswith(
        "https://www.home-assistant.io/integrations"
    )


def test_manifest_uses_serialx_not_pyserial_asyncio() -> None:
    requirements = [str(r) for r in _manifest()["requirements"]]  # type: ignore[attr-defined]
    assert any(r.startswith("serialx") for r in requirements)
    assert not any("pyserial" in r for r in requirements)


def test_hacs_json_is_valid() -> None:
    hacs = json.loads((REPO_ROOT / "hacs.json").read_text())
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]
    assert hacs["homeassistant"] == "2026.5.0"
    assert hacs["country"] == "FR"


def test_licence_is_osi_approved_apache() -> None:
    assert "Apache License" in (REPO_ROOT / "LICENSE").read_text()[:200]
