"""The GitHub workflows and Dependabot's configuration, and the release tag check.

GitHub runs these files only after a push; here they are parsed with PyYAML
(which reads YAML 1.1, where the bare key `on` is the boolean True) and checked
for what each must do. `scripts/check-release-tag`, the release workflow's
guard, is run for real.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

GITHUB = REPO_ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
CHECK_TAG = REPO_ROOT / "scripts" / "check-release-tag"
MANIFEST = REPO_ROOT / "custom_components" / "linky_tempo" / "manifest.json"

# owner/repo[/path]@ref, with ref a major version or a full commit SHA; the
# Home Assistant and HACS actions publish no tags, only their default branch.
PINNED = re.compile(r"[\w.-]+/[\w.-]+(?:/[\w./-]+)?@(?:v\d+|[0-9a-f]{40})")
BRANCH_ONLY = {
    "home-assistant/actions/hassfest@master",
    "hacs/action@main",
}


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _workflow(name: str) -> dict[Any, Any]:
    return _load(WORKFLOWS / name)


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping, which YAML 1.1 reads under the key True."""
    on = workflow.get("on", workflow.get(True))
    assert on is not None, "no on: triggers"
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _uses(workflow: dict[str, Any]) -> list[str]:
    steps = [step["uses"] for step in _steps(workflow) if "uses" in step]
    jobs = [job["uses"] for job in workflow["jobs"].values() if "uses" in job]
    return steps + jobs


def _runs(workflow: dict[str, Any]) -> str:
    return "\n".join(str(step["run"]) for step in _steps(workflow) if "run" in step)


def _check_tag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK_TAG), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=REPO_ROOT,
    )


def _version() -> str:
    return str(json.loads(MANIFEST.read_text(encoding="utf-8"))["version"])


# --- Every file ---------------------------------------------------------------


def test_the_four_workflows_exist() -> None:
    names = {path.name for path in WORKFLOWS.glob("*.y*ml")}
    assert names == {"tests.yml", "hassfest.yml", "hacs.yml", "release.yml"}


@pytest.mark.parametrize("name", sorted(path.name for path in WORKFLOWS.glob("*.y*ml")))
def test_workflow_is_well_formed_and_least_privileged(name: str) -> None:
    workflow = _workflow(name)
    assert workflow["name"]
    assert _triggers(workflow)
    # Read-only by default; only a job that must write asks for more.
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]
    for job_id, job in workflow["jobs"].items():
        if "uses" in job:  # a reusable workflow of this repository
            assert job["uses"].startswith("./.github/workflows/"), job_id
            continue
        assert str(job["runs-on"]).startswith("ubuntu-"), job_id
        assert isinstance(job["timeout-minutes"], int), job_id
        assert job["steps"], job_id
        for permission, level in job.get("permissions", {}).items():
            assert (name, job_id, permission, level) == (
                "release.yml",
                "release",
                "contents",
                "write",
            )


@pytest.mark.parametrize("name", sorted(path.name for path in WORKFLOWS.glob("*.y*ml")))
def test_actions_are_pinned(name: str) -> None:
    for uses in _uses(_workflow(name)):
        if uses.startswith("./"):
            assert (REPO_ROOT / uses).is_file(), uses
            continue
        assert uses in BRANCH_ONLY or PINNED.fullmatch(uses), uses


# --- Each workflow ------------------------------------------------------------


def test_tests_runs_scripts_test_on_native_python_314() -> None:
    workflow = _workflow("tests.yml")
    triggers = _triggers(workflow)
    assert {"push", "pull_request", "workflow_call"} <= set(triggers)
    steps = _steps(workflow)
    # scripts/test itself, with the Python that setup-python installed.
    (test_step,) = [s for s in steps if str(s.get("run", "")).strip() == "scripts/test"]
    assert test_step["env"]["LINKY_TEMPO_PYTHON"] == (
        "${{ steps.python.outputs.python-path }}"
    )
    (python,) = [s for s in steps if s.get("uses", "").startswith("actions/setup-")]
    assert python["uses"].startswith("actions/setup-python@")
    assert python["id"] == "python"
    assert str(python["with"]["python-version"]) == "3.14"
    assert python["with"]["cache"] == "pip"
    # Nothing skipped: the browser test and the firmware run on the runner.
    assert "LINKY_TEMPO_SKIP" not in yaml.safe_dump(workflow)
    runs = _runs(workflow)
    assert "LINKY_TEMPO_CHROMIUM" in runs
    assert "GITHUB_ENV" in runs
    assert "g++" in runs


def test_hassfest_runs_home_assistants_action() -> None:
    workflow = _workflow("hassfest.yml")
    assert {"push", "pull_request"} <= set(_triggers(workflow))
    uses = _uses(workflow)
    assert "home-assistant/actions/hassfest@master" in uses
    # hassfest reads the checked-out repository.
    assert uses.index("home-assistant/actions/hassfest@master") > 0
    assert uses[0].startswith("actions/checkout@")


def test_hacs_validates_an_integration() -> None:
    workflow = _workflow("hacs.yml")
    assert {"push", "pull_request"} <= set(_triggers(workflow))
    (step,) = [s for s in _steps(workflow) if "uses" in s]
    assert step["uses"] == "hacs/action@main"
    assert step["with"] == {"category": "integration"}


def test_release_on_a_version_tag_checks_it_tests_then_publishes() -> None:
    workflow = _workflow("release.yml")
    triggers = _triggers(workflow)
    assert set(triggers) == {"push"}
    assert triggers["push"] == {"tags": ["v*"]}
    jobs = workflow["jobs"]
    assert jobs["tests"]["uses"] == "./.github/workflows/tests.yml"
    assert jobs["tests"]["needs"] == "check-tag"
    assert set(jobs["release"]["needs"]) == {"check-tag", "tests"}
    check = 'scripts/check-release-tag "$GITHUB_REF_NAME"'
    for job in ("check-tag", "release"):
        runs = [str(s.get("run", "")) for s in jobs[job]["steps"]]
        assert check in runs, job
    release_runs = "\n".join(str(s.get("run", "")) for s in jobs["release"]["steps"])
    assert "gh release create" in release_runs
    assert "--generate-notes" in release_runs
    # The check runs before the release is created.
    runs = [str(s.get("run", "")) for s in jobs["release"]["steps"]]
    assert runs.index(check) < next(
        i for i, run in enumerate(runs) if "gh release create" in run
    )


def test_tests_on_branches_only_so_a_tag_is_tested_once() -> None:
    push = _triggers(_workflow("tests.yml"))["push"]
    assert push == {"branches": ["**"]}


# --- Dependabot ---------------------------------------------------------------


def test_dependabot_updates_actions_and_pins_weekly() -> None:
    config = _load(GITHUB / "dependabot.yml")
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
    assert updates["github-actions"]["directory"] == "/"
    pip = updates["pip"]
    directories = set(pip["directories"])
    assert directories == {"/requirements", "/tests/browser"}
    for directory in directories:
        assert list((REPO_ROOT / directory.lstrip("/")).glob("*.txt")), directory
    # The oldest pin is hacs.json's minimum: Dependabot must never move it.
    assert pip["exclude-paths"] == ["requirements/ha-oldest.txt"]
    assert (REPO_ROOT / "requirements" / "ha-oldest.txt").is_file()


# --- scripts/check-release-tag ------------------------------------------------


def test_check_release_tag_accepts_the_manifests_version() -> None:
    version = _version()
    result = _check_tag(f"v{version}")
    assert result.returncode == 0, result.stderr
    assert f"v{version} matches version {version}" in result.stdout


def test_check_release_tag_rejects_another_version() -> None:
    major, minor, patch = (int(part) for part in _version().split("."))
    for tag in (
        f"v{major}.{minor}.{patch + 1}",
        f"v{major}.{minor + 1}.{patch}",
        f"v{major + 1}.{minor}.{patch}",
    ):
        result = _check_tag(tag)
        assert result.returncode == 1, tag
        assert f"tag {tag} does not match version {_version()}" in result.stderr
        assert "manifest.json" in result.stderr
        assert not result.stdout


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "0.1.0",  # no v
        "V0.1.0",
        "v0.1",
        "v0.1.0.0",
        "v0.1.0-rc1",
        "v0.1.0 ",
        "v01.1.0",  # leading zero
        "v0.1.x",
        "v\u0660.1.0",  # a non-ASCII digit
        "refs/tags/v0.1.0",
    ],
)
def test_check_release_tag_rejects_a_malformed_tag(tag: str) -> None:
    result = _check_tag(tag)
    assert result.returncode == 1
    assert f"{tag!r} is not a release tag: expected vX.Y.Z" in result.stderr
    assert not result.stdout


def test_check_release_tag_wants_exactly_one_tag() -> None:
    for args in ((), (f"v{_version()}", f"v{_version()}")):
        result = _check_tag(*args)
        assert result.returncode == 2
        assert "usage: scripts/check-release-tag vX.Y.Z" in result.stderr
