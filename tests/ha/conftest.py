"""Home Assistant fixtures: custom integrations enabled, real meters on ptys and TCP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.feeds import PtyMeter, TcpMeter


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/linky_tempo in every Home Assistant test."""


@pytest.fixture
def pty_meter(tmp_path: Path) -> Iterator[PtyMeter]:
    """A historic-mode meter on a pty, paced 20 times faster than 1200 Bd."""
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
