"""One switch per heating load: "shedding paused".

On, it keeps that load out of Tempo shedding (white and red peaks alike: the
user accepts the cost for that room) until the end of the peak in progress,
or of the next one; then it turns off by itself. Overload shedding still
applies to the load. Off, the load is shed again as its subentry says. The
switch sits on the meter's device and under the load's subentry; it comes
back after a restart while its end is still ahead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, override

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .const import SUBENTRY_LOAD
from .entity import SheddingEntity
from .models import LinkyTempoConfigEntry
from .settings import LoadConfig
from .shedding import SheddingCoordinator

ATTR_UNTIL = "until"
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LinkyTempoConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A "shedding paused" switch for each load subentry."""
    shedding = entry.runtime_data.shedding
    switches = [
        SheddingPausedSwitch(shedding, LoadConfig.from_data(sub.data), sub.title)
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_LOAD
    ]
    # The switch of a load removed since the last run goes with it.
    registry = er.async_get(hass)
    prefix = f"{entry.unique_id or entry.entry_id}_{SheddingPausedSwitch.unique_key}_"
    wanted = {switch.unique_id for switch in switches}
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (
            registered.domain == "switch"
            and registered.unique_id.startswith(prefix)
            and registered.unique_id not in wanted
        ):
            registry.async_remove(registered.entity_id)
    async_add_entities(switches)


class SheddingPausedSwitch(SheddingEntity, SwitchEntity, RestoreEntity):
    """Keeps one load heated until the end of the peak."""

    _attr_translation_key = "shedding_paused"
    unique_key: ClassVar[str] = "shedding_paused"

    def __init__(
        self, shedding: SheddingCoordinator, load: LoadConfig, title: str
    ) -> None:
        """Bind the switch to one load."""
        super().__init__(shedding)
        self.load = load.entity_id
        # The load's entity id: unique in the entry, and never renamed.
        self._attr_unique_id = f"{self._attr_unique_id}_{load.entity_id}"
        self._attr_translation_placeholders = {"load": title}

    @property
    @override
    def is_on(self) -> bool:
        """True while the load's Tempo shedding is paused."""
        return self.load in self.shedding.paused

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """The load, and when the pause ends."""
        until = self.shedding.paused.get(self.load)
        return {
            "load": self.load,
            ATTR_UNTIL: until.isoformat() if until is not None else None,
        }

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Pause the load's Tempo shedding until the end of the peak."""
        self.shedding.pause(self.load)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Shed the load again."""
        self.shedding.resume(self.load)

    @override
    async def async_added_to_hass(self) -> None:
        """Resume a pause that was on before a restart, if not over."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None or last.state != "on":
            return
        until = last.attributes.get(ATTR_UNTIL)
        end: datetime | None = (
            dt_util.parse_datetime(until) if isinstance(until, str) else None
        )
        if end is not None:
            self.shedding.pause(self.load, end)
