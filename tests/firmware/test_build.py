"""scripts/check-firmware compiles the lambdas: a broken one fails the check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.firmware.host_device import (
    BUILD_TIMEOUT,
    SKIP_REASON,
    firmware_skipped,
    run_check_firmware,
)

# The smallest host build (few sources: a fast first build, then cached in
# .cache/esphome-data) with a lambda that YAML validation accepts.
BROKEN = """\
esphome:
  name: linky-tempo-broken-lambda
host:
logger:
interval:
  - interval: 1s
    then:
      - lambda: return id_that_does_not_exist + 1;
"""


# A build from scratch: bounded by its subprocess timeout, not the suite's 120 s.
@pytest.mark.timeout(BUILD_TIMEOUT + 60)
def test_a_broken_lambda_fails_the_firmware_check(tmp_path: Path) -> None:
    if firmware_skipped():
        pytest.skip(SKIP_REASON)
    config = tmp_path / "broken-lambda.yaml"
    config.write_text(BROKEN, encoding="utf-8")
    result = run_check_firmware(config)
    assert result.returncode != 0, result.stdout
    assert "FAIL  extern/0/broken-lambda.yaml (compilation)" in result.stdout
    assert "id_that_does_not_exist" in result.stdout


@pytest.mark.timeout(BUILD_TIMEOUT + 60)
def test_the_example_secrets_refuse_to_build() -> None:
    """core.yaml's static_assert, compiled in the smallest host variant."""
    if firmware_skipped():
        pytest.skip(SKIP_REASON)
    config = REPO_ROOT / "firmware" / "esphome" / "host" / "tic-bridge-only.yaml"
    result = run_check_firmware(
        config, env={**os.environ, "LINKY_TEMPO_FIRMWARE_SECRETS": "example"}
    )
    assert result.returncode != 0, result.stdout
    assert "FAIL  host/tic-bridge-only.yaml (compilation)" in result.stdout
    assert "secrets.example.yaml's REPLACE-ME values" in result.stdout
