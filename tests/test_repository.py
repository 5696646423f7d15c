"""The repository follows the hassfest and HACS rules for a custom integration."""

from __future__ import annotations

import ast
import json
import os
import re
import sys
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
    for folder in ("tests", "benchmarks", "scripts", "tic_simulator", "harness", ".ci"):
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


def _imports(path: Path) -> set[str]:
    """The modules a Python file imports (absolute names; relative ones as ".")."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else node.module or "")
    return names


# Never walked: the tests themselves, and what git ignores or keeps (the cache
# alone holds a Debian root and several virtual environments).
_NOT_WALKED = {"tests", ".cache", ".git", ".venv", "config", "screenshots"}


def _python_files_outside_tests() -> list[Path]:
    found = []
    for top in sorted(REPO_ROOT.iterdir()):
        if top.name in _NOT_WALKED:
            continue
        candidates = [top] if top.is_file() else sorted(top.rglob("*.py"))
        found += [
            path
            for path in candidates
            if path.suffix == ".py" and "fixtures" not in path.parts
        ]
    # Scripts without a .py suffix that are Python.
    for path in sorted((REPO_ROOT / "scripts").iterdir()):
        if path.suffix == "" and path.read_text(errors="replace").startswith(
            "#!/usr/bin/env python"
        ):
            found.append(path)
    return found


def test_nothing_outside_tests_imports_from_tests() -> None:
    """Benchmarks, scripts, the simulator and the harness never import tests/."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in _python_files_outside_tests()
        for name in sorted(_imports(path))
        if name == "tests" or name.startswith("tests.")
    ]
    # Python embedded in shell scripts (python -c, heredocs).
    embedded = re.compile(r"\bfrom tests(\.\w+)* import\b|\bimport tests\b")
    python_files = set(_python_files_outside_tests())
    for path in [*(REPO_ROOT / "scripts").iterdir(), REPO_ROOT / "benchmarks" / "run"]:
        if path.is_file() and path not in python_files:
            text = path.read_text(errors="replace")
            offenders += [
                f"{path.relative_to(REPO_ROOT)}: {match.group(0)}"
                for match in embedded.finditer(text)
            ]
    assert offenders == []


def test_the_simulator_needs_only_the_standard_library() -> None:
    """tic_simulator imports nothing but the standard library and itself."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in sorted((REPO_ROOT / "tic_simulator").rglob("*.py"))
        for name in sorted(_imports(path))
        if name not in (".", "tic_simulator")
        and name.split(".")[0] not in sys.stdlib_module_names
    ]
    assert offenders == []
