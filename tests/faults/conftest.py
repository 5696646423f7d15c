"""Fault-injection fixtures: custom integrations on, a virtual clock.

The meters on a pty or TCP (`pty_meter`, `tcp_meter`) are tests/conftest.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from homeassistant.core import HomeAssistant

from harness.virtual_time import VirtualClock


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
