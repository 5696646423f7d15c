"""Home Assistant fixtures: custom integrations enabled.

The meters on a pty or TCP (`pty_meter`, `tcp_meter`) are tests/conftest.py's.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/linky_tempo in every Home Assistant test."""
