"""Fault-injection fixtures: custom integrations on, a virtual clock, a pty meter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant

from tests.faults.virtual_time import VirtualClock
from tests.feeds import PtyMeter, TcpMeter


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/linky_tempo in every fault test."""


@pytest.fixture(autouse=True)
def enable_event_loop_debug() -> None:
    """Leave asyncio's debug mode off here (Home Assistant's harness turns it on).

    These tests run thousands of frames; debug mode records a traceback for
    every callback, which made them several times slower. tests/ha keeps it.
    """


@pytest.fixture
def virtual_clock(hass: HomeAssistant) -> Iterator[Callable[[datetime], VirtualClock]]:
    """Put the test's event loop on a virtual clock starting at a given time."""
    clocks: list[VirtualClock] = []

    def install(start: datetime) -> VirtualClock:
        clock = VirtualClock(start)
        clock.install(hass.loop)
        clocks.append(clock)
        return clock

    yield install
    for clock in clocks:
        clock.uninstall()


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[PtyMeter]:
    """A pty behind a stable symlink; bytes are paced by `MeterFeed`."""
    meter = PtyMeter(tmp_path)
    yield meter
    meter.close()


@pytest.fixture
async def tcp_meter(socket_enabled: None) -> AsyncIterator[TcpMeter]:
    """A ser2net-like stream server on 127.0.0.1."""
    meter = TcpMeter()
    await meter.start()
    yield meter
    await meter.stop()
