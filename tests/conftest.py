"""Shared test fixtures: the real meter captures, and the meters on a pty or TCP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from harness import CAPTURES_DIR, REPO_ROOT
from tic_simulator.transport import PtyMeter, TcpMeter

__all__ = ["CAPTURES_DIR", "REPO_ROOT"]

HISTORIC_CAPTURE = CAPTURES_DIR / "esciara__pyteleinfo__captured_frames.bin"
STANDARD_CAPTURE = CAPTURES_DIR / "lains__teleinfo-nom__assets__stream_standard_raw.txt"


@pytest.fixture
def pty_meter(tmp_path: Path) -> Iterator[PtyMeter]:
    """A meter on a pty behind a stable symlink, paced 20 times faster than 1200 Bd.

    (`MeterFeed` paces its own frames on the loop's clock: the pace only
    matters to `PtyMeter.send`.)
    """
    meter = PtyMeter(tmp_path, baudrate=1200, speedup=20)
    yield meter
    meter.close()


@pytest.fixture
async def tcp_meter(socket_enabled: None) -> AsyncIterator[TcpMeter]:
    """A ser2net-like stream server on 127.0.0.1."""
    meter = TcpMeter()
    await meter.start()
    yield meter
    await meter.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`), keep tests/firmware on one worker.

    They share one firmware build and its session-wide fixture: one worker
    builds it once, and the other workers take everything else. (First:
    xdist reads the mark in its own hook of the same name.)
    """
    firmware = REPO_ROOT / "tests" / "firmware"
    for item in items:
        if item.path.is_relative_to(firmware):
            item.add_marker(pytest.mark.xdist_group("firmware"))
