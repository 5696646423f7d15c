"""Fixtures: the host build of the firmware, built once, run per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.firmware.host_device import (
    FIRMWARE,
    SKIP_REASON,
    HostDevice,
    build_host_program,
    firmware_skipped,
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/linky_tempo in every Home Assistant test."""


@pytest.fixture(scope="session")
def host_programs() -> dict[str, Path]:
    """The host variants the tests run, compiled in one check-firmware pass.

    scripts/test runs scripts/check-firmware before pytest, so this is an
    incremental build with nothing to do. Run alone on a cold cache (ESPHome
    to install, two builds from scratch), it can outlast the first firmware
    test's 120 s: run scripts/check-firmware first, or pytest --timeout=0.
    """
    if firmware_skipped():
        pytest.skip(SKIP_REASON)
    return build_host_program(
        FIRMWARE / "host" / "linky-tempo.yaml",
        FIRMWARE / "host" / "standard-mode-two-zones.yaml",
    )


@pytest.fixture(scope="session")
def host_program(host_programs: dict[str, Path]) -> Path:
    """firmware/esphome/host/linky-tempo.yaml compiled (incremental after once)."""
    return host_programs["linky-tempo"]


@pytest.fixture
async def device(
    host_program: Path, tmp_path: Path, socket_enabled: None
) -> AsyncIterator[HostDevice]:
    """The firmware running, its meter line silent until a test feeds it."""
    running = HostDevice(host_program, tmp_path)
    try:
        await running.start()
        yield running
    finally:
        await running.stop()
