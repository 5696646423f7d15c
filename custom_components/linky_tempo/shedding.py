"""The shedding coordinator: wires the meter and the clock to the loads.

It feeds every frame the meter coordinator publishes to the pure
`SheddingPolicy`, together with whether the meter is lost (the meter owns that
rule), with the user's mode (`HeatingModeSetting`), and hands each decision
to the `LoadDriver`. It keeps the timers the decision asks for (the next
check, the next 06:00/22:00 while the period comes from the clock), persists
what the policy must find again after a restart (`SheddingStore`), raises a
repair issue when the meter has been silent for too long to go on from the
clock, keeps the loads whose Tempo shedding the user paused (each load's
"shedding paused" switch, until the end of the peak), and tells the
entities (through Home Assistant's dispatcher) when the decision, the mode
or the loads shed change.
"""

from __future__ import annotations

import time
from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import (
    async_call_later,
    async_track_point_in_time,
    async_track_state_change_event,
)

from .const import DOMAIN, LOGGER
from .coordinator import MeterCoordinator
from .driver import LoadDriver
from .heating_mode import HeatingModeSetting
from .loads import async_call, is_known, restore_calls
from .meter import MeterData
from .policy import Decision, HeatingMode, MeterView, SheddingPolicy
from .settings import EntryOptions
from .store import SheddingStore
from .tempo import peak_end_covering, tempo_now


def meter_view(data: MeterData) -> MeterView:
    """What the policy takes from the meter's published data."""
    state = data.state
    return MeterView(
        period=state.period,
        overload=data.overload,
        power=data.power_read,
        power_high=data.power_high,
        subscribed=state.subscribed_power,
        today=state.today,
        tomorrow=state.tomorrow,
    )


class SheddingCoordinator:
    """Decides and applies shedding for one meter's heating loads."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        meter: MeterCoordinator,
        options: EntryOptions,
    ) -> None:
        """Build the parts; nothing runs before `async_start`."""
        self.hass = hass
        self.entry = entry
        self.meter = meter
        self.options = options
        ranked = options.ranked_loads
        self.loads = [load.entity_id for load in ranked]
        self.policy = SheddingPolicy(
            self.loads,
            options.policy_settings(),
            {load.entity_id: load.reasons for load in ranked},
            frozenset(load.entity_id for load in ranked if load.pre_heat),
        )
        self.store = SheddingStore(hass, entry.entry_id)
        self.driver = LoadDriver(hass, entry, ranked, self.store, self._notify)
        self.heating = HeatingModeSetting(hass, self._on_mode_change)
        self.decision: Decision | None = None
        self.signal = f"{DOMAIN}_shedding_{entry.entry_id}"
        self._last_data: MeterData | None = None
        self._unsub_check: CALLBACK_TYPE | None = None
        self._unsub_boundary: CALLBACK_TYPE | None = None
        # Loads whose Tempo shedding the user paused, and until when.
        self.paused: dict[str, datetime] = {}
        self._unsub_pauses: dict[str, CALLBACK_TYPE] = {}

    @property
    def shed_loads(self) -> list[str]:
        """Loads currently shed (captured), highest priority first."""
        return self.driver.shed_loads

    @property
    def shedding(self) -> bool:
        """True while any load is shed."""
        return self.driver.shedding

    async def async_start(self) -> None:
        """Load what was shed before a restart and start following the meter."""
        await self.store.async_load()
        self._resume_meter_view()
        self.policy.restore_overload_state(self.store.overload_shed, time.monotonic())
        entry = self.entry
        # Called synchronously for every frame, and as soon as an overload
        # group is decoded.
        entry.async_on_unload(self.meter.async_add_listener(self._on_meter_update))
        if self.loads:
            entry.async_on_unload(
                async_track_state_change_event(
                    self.hass, self.loads, self._on_load_change
                )
            )
        entry.async_on_unload(self._cancel_timers)
        entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        )
        if self.hass.is_running:
            await self._async_restore_removed()
            self._evaluate()
        else:
            # Loads may not exist before Home Assistant has started.
            entry.async_on_unload(
                self.hass.bus.async_listen_once(
                    EVENT_HOMEASSISTANT_STARTED, self._on_started
                )
            )

    @callback
    def _notify(self) -> None:
        """Tell the entities (connected to `signal`) to write their state."""
        async_dispatcher_send(self.hass, self.signal)

    @callback
    def _on_started(self, _event: Event) -> None:
        self.entry.async_create_background_task(
            self.hass,
            self._async_restore_removed(),
            f"{DOMAIN} restore removed loads {self.entry.entry_id}",
        )
        self._evaluate()

    async def _async_restore_removed(self) -> None:
        """Give a load removed while shed (or pre-heated) its state back.

        Its capture is dropped once restored; one whose entity is not there
        (yet) keeps it for the next start.
        """
        removed = [load for load in self.store.captures if load not in self.loads]
        for entity_id in removed:
            if not is_known(self.hass.states.get(entity_id)):
                continue
            captured = self.store.captures.pop(entity_id)
            self.store.save()
            LOGGER.info("%s is no longer a heating load: restoring it", entity_id)
            await async_call(self.hass, restore_calls(entity_id, captured), entity_id)

    @callback
    def _on_stop(self, _event: Event) -> None:
        """Home Assistant stops: no timer must fire during the shutdown."""
        self._cancel_timers()

    def _resume_meter_view(self) -> None:
        """Go on from the period and colours the meter gave before a restart."""
        if (saved := self.store.saved_view()) is None:
            return
        view, at = saved
        now = tempo_now()
        age = max((now - at).total_seconds(), 0.0)
        self.policy.resume(view, time.monotonic() - age, at.astimezone(now.tzinfo))

    # -- the user's mode --------------------------------------------------

    @callback
    def restore_mode(self, mode: HeatingMode, override_end: datetime | None) -> None:
        """Resume the mode saved before a restart (no validation: it was valid)."""
        self.heating.restore(mode, override_end)

    async def async_set_mode(
        self, mode: HeatingMode, until: datetime | None = None
    ) -> None:
        """Set AUTO, or HEAT (cancel shedding) until ``until`` or the peak's end."""
        if mode is HeatingMode.AUTO:
            self.heating.set_auto()
        else:
            period = self.decision.period if self.decision is not None else None
            self.heating.set_heat(period, until)

    # -- per-load pause -----------------------------------------------------

    @callback
    def pause(self, entity_id: str, until: datetime | None = None) -> None:
        """Keep one load out of Tempo shedding until the end of the peak.

        The peak in progress, or the next one (`peak_end_covering`), on white
        and red days alike; overload shedding still applies to the load.
        """
        now = tempo_now()
        if until is None:
            end = peak_end_covering(now)
        else:
            end = until.astimezone(now.tzinfo)
            if end <= now:
                return  # a pause restored after its end
        self._cancel_pause_timer(entity_id)
        self.paused[entity_id] = end

        @callback
        def ended(_now: datetime) -> None:
            self._unsub_pauses.pop(entity_id, None)
            self.resume(entity_id)

        self._unsub_pauses[entity_id] = async_track_point_in_time(self.hass, ended, end)
        LOGGER.info("Shedding of %s paused until %s", entity_id, end.isoformat())
        self._evaluate(force_notify=True)

    @callback
    def resume(self, entity_id: str) -> None:
        """Shed the load again as its settings say."""
        self._cancel_pause_timer(entity_id)
        if self.paused.pop(entity_id, None) is not None:
            LOGGER.info("Shedding of %s resumed", entity_id)
            self._evaluate(force_notify=True)

    @callback
    def _cancel_pause_timer(self, entity_id: str) -> None:
        if (unsub := self._unsub_pauses.pop(entity_id, None)) is not None:
            unsub()

    @callback
    def _on_mode_change(self) -> None:
        self._evaluate(force_notify=True)

    # -- inputs -----------------------------------------------------------

    @property
    def _meter_lost(self) -> bool:
        """The meter's one staleness rule: lost, or nothing published yet."""
        return self.meter.meter_lost or self.meter.data is None

    @callback
    def _on_meter_update(self) -> None:
        data = self.meter.data
        if (
            data is not None
            and data is not self._last_data
            and not self.meter.meter_lost
        ):
            self._last_data = data
            local = tempo_now()
            self.policy.observe(meter_view(data), time.monotonic(), local)
            if self.policy.last_view is not None:
                self.store.remember_view(self.policy.last_view, local)
        self._evaluate()

    @callback
    def _on_load_change(self, _event: Event[EventStateChangedData]) -> None:
        """A load changed: put it back if shed, or catch up on a pending action."""
        self.driver.schedule()

    @callback
    def _on_timer(self, _now: datetime) -> None:
        self._unsub_check = None
        self._evaluate()

    @callback
    def _on_boundary(self, _now: datetime) -> None:
        self._unsub_boundary = None
        self._evaluate()

    # -- decision -----------------------------------------------------------

    @callback
    def _evaluate(self, *, force_notify: bool = False) -> None:
        """Ask the policy, then drive, persist, notify and schedule the next look."""
        mono = time.monotonic()
        decision = self.policy.evaluate(
            mono,
            tempo_now(),
            self.heating.mode,
            lost=self._meter_lost,
            paused=frozenset(self.paused),
        )
        previous = self.decision
        self.decision = decision
        if self.store.overload_shed != self.policy.overload_shed:
            self.store.overload_shed = list(self.policy.overload_shed)
            self.store.save()
        self._schedule_timers(decision, mono)
        if previous is None or previous.fallback_expired != decision.fallback_expired:
            self._update_repair(decision)
        self.driver.follow(decision)
        changed = previous is None or (
            previous.load_reasons,
            previous.pre_heat,
            previous.reasons,
            previous.period,
            previous.data_lost,
        ) != (
            decision.load_reasons,
            decision.pre_heat,
            decision.reasons,
            decision.period,
            decision.data_lost,
        )
        if changed or force_notify:
            self._notify()

    def _schedule_timers(self, decision: Decision, mono: float) -> None:
        self._cancel_decision_timers()
        if decision.next_check is not None:
            self._unsub_check = async_call_later(
                self.hass, max(decision.next_check - mono, 0.0), self._on_timer
            )
        if decision.next_boundary is not None:
            self._unsub_boundary = async_track_point_in_time(
                self.hass, self._on_boundary, decision.next_boundary
            )

    def _update_repair(self, decision: Decision) -> None:
        issue_id = f"clock_fallback_expired_{self.entry.entry_id}"
        if decision.fallback_expired:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="clock_fallback_expired",
                translation_placeholders={"title": self.entry.title},
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    @callback
    def _cancel_decision_timers(self) -> None:
        for unsub in (self._unsub_check, self._unsub_boundary):
            if unsub is not None:
                unsub()
        self._unsub_check = self._unsub_boundary = None

    @callback
    def _cancel_timers(self) -> None:
        self._cancel_decision_timers()
        self.heating.cancel_timer()
        for entity_id in list(self._unsub_pauses):
            self._cancel_pause_timer(entity_id)
