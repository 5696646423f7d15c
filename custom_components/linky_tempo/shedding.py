"""The shedding coordinator: meter and clock in, service calls out.

It feeds every frame of the meter coordinator to the pure `SheddingPolicy`,
and drives the heating loads (`loads.py`) to what the policy decides:
captured then shed, lowest priority first; restored one at a time, highest
priority first, to exactly the state they had. It keeps the user's mode
(AUTO: automatic shedding; HEAT: white-day peak shedding cancelled until the
end of the peak period it covers), fires events when shedding starts and
ends, puts back loads changed by hand while shed, and raises a repair issue
when the meter has been silent for too long to go on from the clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import (
    async_call_later,
    async_track_point_in_time,
    async_track_state_change_event,
)
from homeassistant.util import dt as dt_util

from .const import (
    CONF_CLIMATE_PRESET,
    CONF_LOADS,
    CONF_RESTORE_DELAY,
    CONF_RESTORE_THRESHOLD,
    CONF_SELECT_ACTION,
    CONF_SHED_THRESHOLD,
    DEFAULT_RESTORE_DELAY,
    DEFAULT_RESTORE_THRESHOLD,
    DEFAULT_SHED_THRESHOLD,
    DOMAIN,
    EVENT_SHEDDING_ENDED,
    EVENT_SHEDDING_STARTED,
    LOGGER,
)
from .loads import (
    SELECT_SHED_FROST,
    CaptureStore,
    ServiceCall,
    ShedSettings,
    async_call,
    capture,
    is_known,
    is_shed_state,
    restore_calls,
    shed_calls,
)
from .meter import TariffPeriod, TempoColor
from .policy import (
    Decision,
    MeterView,
    Mode,
    PolicySettings,
    SheddingPolicy,
    ShedReason,
    can_cancel,
)
from .tempo import peak_end_covering, tempo_now

if TYPE_CHECKING:
    from .coordinator import LinkyTempoConfigEntry, MeterCoordinator
    from .meter import MeterData

# Restoring many heaters at once would make the very overload shedding
# avoids: restores are spaced like sheds.
RESTORE_SPACING: Final = 5.0


@dataclass(frozen=True, slots=True)
class LoadPriority:
    """A load and its priority (1 = most important: shed last)."""

    entity_id: str
    priority: int


def loads_from_options(options: dict[str, Any]) -> list[str]:
    """Return the configured loads, highest priority first."""
    loads = [
        LoadPriority(item["entity_id"], int(item.get("priority", index + 1)))
        for index, item in enumerate(options.get(CONF_LOADS, []))
    ]
    return [load.entity_id for load in sorted(loads, key=lambda load: load.priority)]


def _enum[E: StrEnum](kind: type[E], value: object) -> E | None:
    """Read a stored enum value back (None when absent or unknown)."""
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None


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
        self, hass: HomeAssistant, entry: LinkyTempoConfigEntry, meter: MeterCoordinator
    ) -> None:
        """Read the options; nothing runs before `async_start`."""
        self.hass = hass
        self.entry = entry
        self.meter = meter
        options = dict(entry.options)
        self.loads = loads_from_options(options)
        self.policy = SheddingPolicy(
            self.loads,
            PolicySettings(
                shed_threshold=options.get(CONF_SHED_THRESHOLD, DEFAULT_SHED_THRESHOLD)
                / 100,
                restore_threshold=options.get(
                    CONF_RESTORE_THRESHOLD, DEFAULT_RESTORE_THRESHOLD
                )
                / 100,
                restore_delay=float(
                    options.get(CONF_RESTORE_DELAY, DEFAULT_RESTORE_DELAY)
                ),
            ),
        )
        self.shed_settings = ShedSettings(
            select_action=options.get(CONF_SELECT_ACTION, SELECT_SHED_FROST),
            climate_preset=options.get(CONF_CLIMATE_PRESET) or None,
        )
        self.store = CaptureStore(hass, entry.entry_id)
        self.mode = Mode.AUTO
        self.override_end: datetime | None = None
        self.decision: Decision | None = None
        self._listeners: list[Callable[[], None]] = []
        self._last_data: MeterData | None = None
        self._applying = False
        self._reapply = False
        self._unsheddable: set[str] = set()
        # Loads the decision sheds that were found in their shed state.
        self._found_shed: set[str] = set()
        self._started_reason: ShedReason | None = None
        self._unsub_check: CALLBACK_TYPE | None = None
        self._unsub_boundary: CALLBACK_TYPE | None = None
        self._unsub_override: CALLBACK_TYPE | None = None

    @property
    def shed_loads(self) -> list[str]:
        """Loads currently shed (captured), highest priority first."""
        return [load for load in self.loads if load in self.store.captures]

    @property
    def shedding(self) -> bool:
        """True while any load is shed."""
        return bool(self.store.captures)

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
            self._evaluate()
        else:
            # Loads may not exist before Home Assistant has started.
            entry.async_on_unload(
                self.hass.bus.async_listen_once(
                    EVENT_HOMEASSISTANT_STARTED, self._on_started
                )
            )

    @callback
    def _on_started(self, _event: Event) -> None:
        self._evaluate()

    @callback
    def _on_stop(self, _event: Event) -> None:
        """Home Assistant stops: no timer must fire during the shutdown."""
        self._cancel_timers()

    def _resume_meter_view(self) -> None:
        """Go on from the period and colours the meter gave before a restart."""
        saved = self.store.meter
        at = dt_util.parse_datetime(saved.get("at", "")) if saved else None
        if at is None:
            return
        now = tempo_now()
        age = max((now - at).total_seconds(), 0.0)
        self.policy.resume(
            MeterView(
                period=_enum(TariffPeriod, saved.get("period")),
                overload=False,
                power=None,
                subscribed=saved.get("subscribed"),
                today=_enum(TempoColor, saved.get("today")),
                tomorrow=_enum(TempoColor, saved.get("tomorrow")),
            ),
            time.monotonic() - age,
            at.astimezone(now.tzinfo),
        )

    def _remember_meter_view(self, view: MeterView, local: datetime) -> None:
        """Store the meter's period and colours when they change (or hourly)."""
        saved = {
            "period": view.period,
            "today": view.today,
            "tomorrow": view.tomorrow,
            "subscribed": view.subscribed,
        }
        previous = self.store.meter
        at = dt_util.parse_datetime(previous.get("at", "")) if previous else None
        unchanged = all(previous.get(key) == value for key, value in saved.items())
        if unchanged and at is not None and (local - at).total_seconds() < 3600:
            return
        self.store.meter = {**saved, "at": local.isoformat()}
        self.store.save()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Be called when the decision or the mode changes."""
        self._listeners.append(listener)

        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    # -- the user's mode --------------------------------------------------

    @callback
    def restore_mode(self, mode: Mode, override_end: datetime | None) -> None:
        """Resume the mode saved before a restart (no validation: it was valid)."""
        if mode is Mode.HEAT and (
            override_end is None or override_end <= dt_util.now()
        ):
            mode, override_end = Mode.AUTO, None
        self._set_mode(mode, override_end if mode is Mode.HEAT else None)

    async def async_set_mode(self, mode: Mode, until: datetime | None = None) -> None:
        """Set AUTO, or HEAT (cancel shedding) until ``until`` or the peak's end."""
        if mode is Mode.AUTO:
            self._set_mode(Mode.AUTO, None)
            return
        period = self.decision.period if self.decision is not None else None
        if not can_cancel(period):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="red_peak_cannot_cancel"
            )
        now = tempo_now()
        end = (
            until.astimezone(now.tzinfo)
            if until is not None
            else peak_end_covering(now)
        )
        if end <= now:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="until_in_the_past",
                translation_placeholders={"until": end.isoformat()},
            )
        self._set_mode(Mode.HEAT, end)

    @callback
    def _set_mode(self, mode: Mode, override_end: datetime | None) -> None:
        self.mode = mode
        self.override_end = override_end
        if self._unsub_override is not None:
            self._unsub_override()
            self._unsub_override = None
        if override_end is not None:
            self._unsub_override = async_track_point_in_time(
                self.hass, self._override_ended, override_end
            )
        LOGGER.info(
            "Shedding mode %s%s",
            mode,
            f" until {override_end.isoformat()}" if override_end else "",
        )
        self._evaluate(force_notify=True)

    @callback
    def _override_ended(self, _now: datetime) -> None:
        self._unsub_override = None
        self._set_mode(Mode.AUTO, None)

    # -- inputs -----------------------------------------------------------

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
            self.policy.observe(
                meter_view(data),
                time.monotonic(),
                local,
            )
            if self.policy.last_view is not None:
                self._remember_meter_view(self.policy.last_view, local)
        self._evaluate()

    @callback
    def _on_load_change(self, event: Event[EventStateChangedData]) -> None:
        """A load changed: put it back if shed, or catch up on a pending action."""
        self._schedule_apply()

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
        """Ask the policy, then apply, persist, notify and schedule the next look."""
        mono = time.monotonic()
        decision = self.policy.evaluate(
            mono, tempo_now(), self.mode, lost=self.meter.meter_lost or None
        )
        previous = self.decision
        self.decision = decision
        if self.store.overload_shed != self.policy.overload_shed:
            self.store.overload_shed = list(self.policy.overload_shed)
            self.store.save()
        self._schedule_timers(decision, mono)
        if previous is None or previous.fallback_expired != decision.fallback_expired:
            self._update_repair(decision)
        pending = set(decision.shed) - self._unsheddable - self._found_shed != set(
            self.store.captures
        )
        if pending or previous is None or previous.shed != decision.shed:
            self._schedule_apply()
        changed = previous is None or (
            previous.shed,
            previous.reasons,
            previous.period,
            previous.data_lost,
        ) != (decision.shed, decision.reasons, decision.period, decision.data_lost)
        if changed or force_notify:
            self._notify()

    def _schedule_timers(self, decision: Decision, mono: float) -> None:
        if self._unsub_check is not None:
            self._unsub_check()
            self._unsub_check = None
        if decision.next_check is not None:
            self._unsub_check = async_call_later(
                self.hass, max(decision.next_check - mono, 0.0), self._on_timer
            )
        if self._unsub_boundary is not None:
            self._unsub_boundary()
            self._unsub_boundary = None
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
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- actuation ----------------------------------------------------------

    @callback
    def _schedule_apply(self) -> None:
        """Drive the loads to the decision, one action at a time."""
        if self._applying:
            self._reapply = True
            return
        self._applying = True
        self.entry.async_create_background_task(
            self.hass, self._apply(), f"{DOMAIN} shedding {self.entry.entry_id}"
        )

    async def _apply(self) -> None:
        was_shedding = self.shedding
        try:
            while True:
                self._reapply = False
                await self._apply_once()
                if not self._reapply:
                    break
        finally:
            self._applying = False
        if self.shedding != was_shedding:
            if self.shedding and self.decision is not None:
                self._started_reason = self.decision.reason
                self.hass.bus.async_fire(
                    EVENT_SHEDDING_STARTED,
                    {
                        "entry_id": self.entry.entry_id,
                        "reason": self.decision.reason,
                        "reasons": sorted(self.decision.reasons),
                        "loads": self.shed_loads,
                    },
                )
            else:
                self.hass.bus.async_fire(
                    EVENT_SHEDDING_ENDED,
                    {"entry_id": self.entry.entry_id, "reason": self._started_reason},
                )
            self._notify()

    async def _apply_once(self) -> None:
        decision = self.decision
        if decision is None:
            return
        target = set(decision.shed)
        # Shed: lowest priority first; put back any shed load changed by hand.
        for entity_id in reversed(decision.shed):
            state = self.hass.states.get(entity_id)
            if not is_known(state):
                continue
            assert state is not None
            calls = shed_calls(state, self.shed_settings)
            if not calls:
                if entity_id not in self._unsheddable:
                    self._unsheddable.add(entity_id)
                    LOGGER.warning(
                        "%s offers no frost protection or off option: not shed",
                        entity_id,
                    )
                continue
            if entity_id not in self.store.captures:
                if is_shed_state(state, self.shed_settings):
                    # Already in its shed state, and not by us: by its own
                    # device (the ESP32 firmware's power-up state or local
                    # rules) or by hand. Its shed state is no state to restore:
                    # if it leaves it while shed, what it becomes is captured
                    # then, and restored at the end.
                    if entity_id not in self._found_shed:
                        self._found_shed.add(entity_id)
                        LOGGER.info(
                            "%s was already shed: nothing to capture", entity_id
                        )
                    continue
                self._found_shed.discard(entity_id)
                self.store.captures[entity_id] = capture(state)
                self.store.save()
                await self._call(calls, entity_id)
                self._notify()
            elif not is_shed_state(state, self.shed_settings):
                LOGGER.info("%s was changed while shed: shedding it again", entity_id)
                await self._call(calls, entity_id)
        self._found_shed &= target
        # Restore: highest priority first, one at a time.
        restores = [
            entity_id
            for entity_id in self.loads
            if entity_id in self.store.captures and entity_id not in target
        ]
        for index, entity_id in enumerate(restores):
            if not is_known(self.hass.states.get(entity_id)):
                continue  # retried when the load is back
            captured = self.store.captures.pop(entity_id)
            self.store.save()
            await self._call(restore_calls(entity_id, captured), entity_id)
            self._notify()
            if index < len(restores) - 1:
                await asyncio.sleep(RESTORE_SPACING)
                if self.decision is not decision:
                    self._reapply = True
                    return

    async def _call(self, calls: list[ServiceCall], entity_id: str) -> None:
        await async_call(self.hass, calls, entity_id)

    @callback
    def _cancel_timers(self) -> None:
        for unsub in (self._unsub_check, self._unsub_boundary, self._unsub_override):
            if unsub is not None:
                unsub()
        self._unsub_check = self._unsub_boundary = self._unsub_override = None
