"""The repository follows the hassfest and HACS rules for a custom integration."""

from __future__ import annotations

import json
import os
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from homeassistant.const import __version__ as ha_version
from packaging.version import Version

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


def _constraint(name: str) -> str | None:
    """The version Home Assistant's package_constraints.txt pins for a package."""
    import homeassistant

    constraints = Path(homeassistant.__file__).parent / "package_constraints.txt"
    for line in constraints.read_text().splitlines():
        package, _, version = line.partition("==")
        if package.strip().lower() == name:
            return version.strip()
    return None


def test_serialx_is_the_release_pin_and_meets_the_manifest_minimum() -> None:
    """Installed under Home Assistant's constraints, as a user's install is."""
    pinned = _constraint("serialx")
    assert pinned is not None
    assert version("serialx") == pinned
    (requirement,) = [
        item for item in _manifest()["requirements"] if item.startswith("serialx")
    ]
    minimum = requirement.removeprefix("serialx>=")
    assert Version(minimum) <= Version(pinned), (requirement, pinned)


@pytest.mark.skipif(
    os.environ.get("LINKY_TEMPO_PIN") != "oldest",
    reason="scripts/test sets LINKY_TEMPO_PIN=oldest on the oldest pin",
)
def test_the_oldest_pin_is_the_minimum_hacs_json_states() -> None:
    hacs = json.loads((REPO_ROOT / "hacs.json").read_text())
    assert ha_version == hacs["homeassistant"]


OUTSIDE_PATTERNS = (
    re.compile(r"tic-captures"),
    re.compile(r"""["'/]shared["'/]"""),
    re.compile(r"""(?:ROOT|parents\[\d\])\.parent\b"""),
)


def test_nothing_reads_outside_the_repository() -> None:
    """No test, benchmark, script or simulator names a path beside the clone."""
    offenders = []
    for folder in ("tests", "benchmarks", "scripts", "tic_simulator", ".ci"):
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            if not path.is_file() or "fixtures" in path.parts or path.suffix == ".pyc":
                continue
            if path == Path(__file__):
                continue
            text = path.read_text(errors="replace")
            offenders += [
                f"{path.relative_to(REPO_ROOT)}: {pattern.pattern}"
                for pattern in OUTSIDE_PATTERNS
                if pattern.search(text)
            ]
    assert offenders == []
