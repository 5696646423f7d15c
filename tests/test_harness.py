"""The test harness itself: no helper can spin, and a hang fails in time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.feeds import PtyMeter, tempo_historic


def test_a_pty_nobody_reads_loses_bytes_instead_of_blocking(tmp_path: Path) -> None:
    """Like a real TIC line: once the pty is full, what is written is lost."""
    meter = PtyMeter(tmp_path)
    try:
        frame = tempo_historic()
        taken = sum(meter.write_now(frame) for _ in range(2_000))
    finally:
        meter.close()
    assert taken < 2_000 * len(frame)
    assert meter.dropped == 2_000 * len(frame) - taken
    assert meter.dropped > 0


def test_a_hanging_test_fails_within_its_timeout_and_is_named(tmp_path: Path) -> None:
    """pytest-timeout stops a test that never yields, names it, dumps stacks.

    The test runs in a child pytest with the project's own settings and a
    2 s timeout instead of 120 s.
    """
    (tmp_path / "test_spin.py").write_text(
        textwrap.dedent(
            """\
            def test_spins_forever():
                while True:
                    pass
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            # The project's own settings (timeout method, asyncio mode).
            f"--config-file={REPO_ROOT / 'pyproject.toml'}",
            f"--rootdir={tmp_path}",
            "--timeout=2",
            "test_spin.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    # Named, with where it was stuck, and the other threads' stacks dumped.
    assert "FAILED test_spin.py::test_spins_forever - Failed: Timeout" in output
    assert "test_spin.py:3: Failed" in output
    assert "+++ Timeout +++" in output


def test_every_test_has_a_timeout_of_about_two_minutes() -> None:
    """The suite-wide limit pytest-timeout applies (setup and teardown too)."""
    options = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    pytest_options = options["tool"]["pytest"]["ini_options"]
    assert 0 < pytest_options["timeout"] <= 120
    assert pytest_options.get("timeout_func_only", False) is False
