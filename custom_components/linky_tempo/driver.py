"""Driving the heating loads to a decision, one action at a time.

`LoadDriver.follow` takes each decision of the policy; a background task then
brings the loads to it:

- shed: lowest priority first, each load's state captured (and stored) before
  its shed action, the load's own for the reasons it is shed for (overload's,
  else red peak's, else white peak's); a shed load changed by hand, or whose
  action changes (an overload during a peak), is shed again;
- a load found already in its shed state, not by us (its own device's
  power-up state, or by hand), is not captured: its shed state is no state to
  restore; if it leaves it while shed, what it becomes is captured then;
- restore: highest priority first, one at a time, `RESTORE_SPACING` apart (a
  newer decision cuts the series short), each to exactly its captured state;
- pre-heat: before a peak that will shed them, loads that ask for it are
  captured and heated once (comfort, on, or a higher setpoint); not put back
  if changed by hand (the user cancels); the peak then sheds them from that
  same capture, so restoring after the peak puts back the state from before
  the pre-heat, as it does when the pre-heat is cancelled;
- an event when shedding starts (with its reason and loads) and when it ends.

How each kind of entity is shed and restored is `loads.py`'s; the captures
live in the `SheddingStore`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, State, callback

from .const import DOMAIN, EVENT_SHEDDING_ENDED, EVENT_SHEDDING_STARTED, LOGGER
from .loads import (
    async_call,
    capture,
    is_known,
    is_shed_state,
    pre_heat_calls,
    restore_calls,
    shed_calls,
)
from .policy import Decision, ShedReason
from .settings import LoadConfig
from .store import SheddingStore

# Restoring many heaters at once would make the very overload shedding
# avoids: restores are spaced like sheds.
RESTORE_SPACING: Final = 5.0


class LoadDriver:
    """Sheds and restores one entry's loads; says when what is shed changes."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        loads: Sequence[LoadConfig],
        store: SheddingStore,
        notify: Callable[[], None],
    ) -> None:
        """Drive ``loads`` (highest priority first); ``notify`` on each change."""
        self.hass = hass
        self.entry = entry
        self.loads = [load.entity_id for load in loads]
        self.configs = {load.entity_id: load for load in loads}
        self.store = store
        self._notify = notify
        self._decision: Decision | None = None
        self._running = False
        self._again = False
        # Loads that offer no shed action (a select without frost protection).
        self._unsheddable: set[str] = set()
        # Loads the decision sheds that were found in their shed state.
        self._found_shed: set[str] = set()
        self._started_reason: ShedReason | None = None

    @property
    def pre_heated(self) -> list[str]:
        """Loads pre-heated now (captured for the pre-heat)."""
        wanted = self._decision.pre_heat if self._decision is not None else ()
        return [load for load in wanted if load in self.store.captures]

    @property
    def shed_loads(self) -> list[str]:
        """Loads currently shed (captured), highest priority first."""
        pre_heated = self.pre_heated
        return [
            load
            for load in self.loads
            if load in self.store.captures and load not in pre_heated
        ]

    @property
    def shedding(self) -> bool:
        """True while any load is shed."""
        return bool(self.shed_loads)

    @callback
    def follow(self, decision: Decision) -> None:
        """Take a new decision; drive the loads if it asks for anything new."""
        previous = self._decision
        self._decision = decision
        wanted = set(decision.shed) | set(decision.pre_heat)
        pending = wanted - self._unsheddable - self._found_shed != set(
            self.store.captures
        )
        if (
            pending
            or previous is None
            or previous.load_reasons != decision.load_reasons
            or previous.pre_heat != decision.pre_heat
        ):
            self.schedule()

    @callback
    def schedule(self) -> None:
        """Drive the loads to the decision (again, if a drive is under way)."""
        if self._running:
            self._again = True
            return
        self._running = True
        self.entry.async_create_background_task(
            self.hass, self._drive(), f"{DOMAIN} shedding {self.entry.entry_id}"
        )

    async def _drive(self) -> None:
        was_shedding = self.shedding
        try:
            while True:
                self._again = False
                await self._drive_once()
                if not self._again:
                    break
        finally:
            self._running = False
        if self.shedding != was_shedding:
            self._fire_event()
            self._notify()

    def _fire_event(self) -> None:
        if self.shedding and self._decision is not None:
            self._started_reason = self._decision.reason
            self.hass.bus.async_fire(
                EVENT_SHEDDING_STARTED,
                {
                    "entry_id": self.entry.entry_id,
                    "reason": self._decision.reason,
                    "reasons": sorted(self._decision.reasons),
                    "loads": self.shed_loads,
                },
            )
        else:
            self.hass.bus.async_fire(
                EVENT_SHEDDING_ENDED,
                {"entry_id": self.entry.entry_id, "reason": self._started_reason},
            )

    async def _drive_once(self) -> None:
        decision = self._decision
        if decision is None:
            return
        # Shed: lowest priority first.
        for entity_id in reversed(decision.shed):
            state = self.hass.states.get(entity_id)
            if state is not None and is_known(state):
                await self._shed(state, decision.load_reasons[entity_id])
        self._found_shed &= set(decision.shed)
        for entity_id in decision.pre_heat:
            state = self.hass.states.get(entity_id)
            if state is not None and is_known(state):
                await self._pre_heat(state)
        await self._restore(decision)

    async def _pre_heat(self, state: State) -> None:
        """Capture a load and heat it before the peak (once)."""
        entity_id = state.entity_id
        if entity_id in self.store.captures:
            return  # pre-heated already; changed by hand: the user's choice
        calls = pre_heat_calls(state, self.configs[entity_id])
        if not calls:
            self._unsheddable.add(entity_id)
            return
        self.store.captures[entity_id] = capture(state)
        self.store.save()
        LOGGER.info("Pre-heating %s before the peak", entity_id)
        await async_call(self.hass, calls, entity_id)
        self._notify()

    async def _shed(self, state: State, reasons: frozenset[ShedReason]) -> None:
        """Shed one load, or put it back in its shed state if changed by hand."""
        entity_id = state.entity_id
        load = self.configs[entity_id]
        action = load.action_for(reasons)
        captured = self.store.captures.get(entity_id)
        calls = shed_calls(state, load, action, captured)
        if not calls:
            if entity_id not in self._unsheddable:
                self._unsheddable.add(entity_id)
                LOGGER.warning(
                    "%s offers no %s option: not shed",
                    entity_id,
                    action.value.replace("_", " "),
                )
            return
        shed_now = is_shed_state(state, load, action, captured)
        if captured is not None:
            if not shed_now:
                LOGGER.info("%s was changed while shed: shedding it again", entity_id)
                await async_call(self.hass, calls, entity_id)
            return
        if shed_now:
            # Already in its shed state, and not by us: by its own device
            # (the ESP32 firmware's power-up state or local rules) or by
            # hand. Its shed state is no state to restore: if it leaves it
            # while shed, what it becomes is captured then, and restored at
            # the end.
            if entity_id not in self._found_shed:
                self._found_shed.add(entity_id)
                LOGGER.info("%s was already shed: nothing to capture", entity_id)
            return
        self._found_shed.discard(entity_id)
        self.store.captures[entity_id] = capture(state)
        self.store.save()
        await async_call(self.hass, calls, entity_id)
        self._notify()

    async def _restore(self, decision: Decision) -> None:
        """Restore the loads the decision no longer sheds, one at a time."""
        restores = [
            entity_id
            for entity_id in self.loads
            if entity_id in self.store.captures
            and entity_id not in decision.shed
            and entity_id not in decision.pre_heat
        ]
        for index, entity_id in enumerate(restores):
            if not is_known(self.hass.states.get(entity_id)):
                continue  # retried when the load is back
            captured = self.store.captures.pop(entity_id)
            self.store.save()
            await async_call(self.hass, restore_calls(entity_id, captured), entity_id)
            self._notify()
            if index < len(restores) - 1:
                await asyncio.sleep(RESTORE_SPACING)
                if self._decision is not decision:
                    self._again = True
                    return
