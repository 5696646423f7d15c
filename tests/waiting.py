"""Waiting for Home Assistant to reach a state the real transports lead to.

On the loop's clock: real time in tests/ha, virtual time in tests/faults.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.core import HomeAssistant


async def wait_until(
    check: Callable[[], bool], within: float = 10.0, step: float = 0.05
) -> None:
    """Poll ``check`` until it holds; raise TimeoutError after ``within`` s."""
    async with asyncio.timeout(within):
        while not check():
            await asyncio.sleep(step)


async def wait_state(
    hass: HomeAssistant, entity_id: str, expected: str, within: float = 10.0
) -> None:
    """Wait for an entity to have a state."""

    def reached() -> bool:
        state = hass.states.get(entity_id)
        return state is not None and state.state == expected

    await wait_until(reached, within)
