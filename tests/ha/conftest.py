"""Home Assistant fixtures: custom integrations enabled.

The meters on a pty or TCP (`pty_meter`, `tcp_meter`) are tests/conftest.py's.
"""

from __future__ import annotations

import pytest

from custom_components.linky_tempo import driver as driver_module


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/linky_tempo in every Home Assistant test."""


@pytest.fixture
def fast_restore_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Space restores by 0.2 s instead of 5 s (the shedding tests use it)."""
    monkeypatch.setattr(driver_module, "RESTORE_SPACING", 0.2)
