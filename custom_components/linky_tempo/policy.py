"""The shedding rules: which heating loads must be shed, and why.

- overload (ADPS/ADIR, STGE bit 7, or apparent power ≥ shed threshold): shed
  in priority order, one more every `shed_step` while overloaded;
- red-day peak hours (HPJR): all shed, whatever the mode;
- white-day peak hours (HPJW): all shed in mode AUTO, none in mode HEAT;
- any other period (HC of any colour, blue-day HP, other contracts): none.

After an overload, loads come back one at a time, highest priority first,
only while power is below the restore threshold (in the last two frames:
`MeterView.power_high`), no sooner than
`restore_delay` after the last shed, and each only after a frame received at
least `shed_step` after the previous restore confirms the headroom.

When the meter falls silent (the caller says so: the meter coordinator owns
the one staleness rule), Tempo shedding goes on from the clock with the last
colours the meter announced, for up to `clock_fallback`; then it stops
(heating allowed) and the decision says so. Loads shed for an overload stay
shed until data returns or `blind_hold` passes, then come back one by one,
`blind_restore_step` apart. Missing data is never read as 0 W, and
`SheddingPolicy.observe` keeps the last period and colours through frames
that lack them.

Pure module: no Home Assistant import. `mono` arguments are monotonic
seconds; `local` arguments are timezone-aware local datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .const import (
    DEFAULT_RESTORE_DELAY,
    DEFAULT_RESTORE_THRESHOLD,
    DEFAULT_SHED_THRESHOLD,
)
from .meter import TariffPeriod, TempoColor
from .tempo import next_boundary, period_from_clock


class HeatingMode(StrEnum):
    """What the user asked for (the climate entity's HVAC mode)."""

    AUTO = "auto"  # automatic shedding
    HEAT = "heat"  # white-day peak shedding cancelled


class ShedReason(StrEnum):
    """Why loads are shed (the shedding reason sensor's states)."""

    NONE = "none"
    RED_PEAK = "red_peak"
    WHITE_PEAK = "white_peak"
    OVERLOAD = "overload"


class PeriodSource(StrEnum):
    """Where the tariff period used by a decision came from."""

    METER = "meter"
    CLOCK = "clock"  # meter silent: last known colours and the clock
    NONE = "none"  # meter silent for too long, or never heard


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """Thresholds and delays (defaults from the notes on commercial shedders).

    The three the user can change have their defaults in const.py, where the
    options flow finds them too.
    """

    shed_threshold: float = DEFAULT_SHED_THRESHOLD / 100
    restore_threshold: float = DEFAULT_RESTORE_THRESHOLD / 100
    shed_step: float = 5.0
    restore_delay: float = float(DEFAULT_RESTORE_DELAY)
    blind_hold: float = 15 * 60.0
    blind_restore_step: float = 60.0
    clock_fallback: float = 48 * 3600.0


@dataclass(frozen=True, slots=True)
class MeterView:
    """What the policy needs from one frame of the meter."""

    period: TariffPeriod | None
    overload: bool
    power: int | None
    subscribed: int | None
    today: TempoColor | None = None
    tomorrow: TempoColor | None = None
    # ``power`` is the last frame's, ``power_high`` the higher of it and the
    # frame before: the policy sheds on the last frame (towards safety at
    # once, and a drop after a shed shows at once) and restores only when
    # both are below its restore threshold (a single corrupted low reading
    # brings no load back).
    power_high: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The loads that must be shed now, and everything needed to explain it."""

    shed: tuple[str, ...]
    reasons: frozenset[ShedReason]
    period: TariffPeriod | None
    period_source: PeriodSource
    data_lost: bool
    # Meter silent for longer than `clock_fallback`: Tempo shedding stopped.
    fallback_expired: bool
    # When to evaluate again even if no frame arrives (monotonic seconds).
    next_check: float | None
    # The next 06:00/22:00 when the period comes from the clock.
    next_boundary: datetime | None

    @property
    def reason(self) -> ShedReason:
        """The main reason: red peak, then white peak, then overload."""
        for reason in (ShedReason.RED_PEAK, ShedReason.WHITE_PEAK, ShedReason.OVERLOAD):
            if reason in self.reasons:
                return reason
        return ShedReason.NONE

    @property
    def heating(self) -> bool:
        """True when nothing is shed (the climate's ``hvac_action``)."""
        return not self.reasons


def tariff_reason(period: TariffPeriod | None, mode: HeatingMode) -> ShedReason | None:
    """Return the Tempo reason to shed everything in a period, if any."""
    if period is TariffPeriod.HP_RED:
        return ShedReason.RED_PEAK
    if period is TariffPeriod.HP_WHITE and mode is HeatingMode.AUTO:
        return ShedReason.WHITE_PEAK
    return None


def can_cancel(period: TariffPeriod | None) -> bool:
    """Tell whether shedding may be cancelled (never on a red-day peak)."""
    return period is not TariffPeriod.HP_RED


@dataclass(slots=True)
class SheddingPolicy:
    """The stateful part of the rules: overload staging and data loss."""

    loads: Sequence[str]  # highest priority first: shed last, restored first
    settings: PolicySettings = field(default_factory=PolicySettings)
    overload_shed: list[str] = field(default_factory=list)
    last_view: MeterView | None = None
    last_frame: float | None = None  # monotonic
    last_frame_local: datetime | None = None
    _last_shed: float | None = None
    _last_restore: float | None = None

    def observe(self, view: MeterView, mono: float, local: datetime) -> None:
        """Record a fresh frame, as the meter reader published it.

        The reader carries a period or colour lost to the checksum (and a
        short frame's) for as long as the meter speaks: the view is taken as
        it is.
        """
        self.last_view = view
        self.last_frame = mono
        self.last_frame_local = local

    def resume(self, view: MeterView, mono: float, local: datetime) -> None:
        """Resume after a restart from the last frame seen before it.

        ``mono`` and ``local`` are when that frame arrived (``mono`` on this
        run's monotonic clock, so possibly negative): until the meter speaks,
        the clock goes on with its period and colours, as after a data loss.
        """
        self.last_view = view
        self.last_frame = mono
        self.last_frame_local = local

    def restore_overload_state(self, shed: Sequence[str], mono: float) -> None:
        """Resume after a restart with loads that were shed for an overload."""
        self.overload_shed = [load for load in shed if load in self.loads]
        if self.overload_shed:
            self._last_shed = mono

    def evaluate(
        self, mono: float, local: datetime, mode: HeatingMode, *, lost: bool
    ) -> Decision:
        """Decide which loads must be shed now.

        ``lost`` says whether the meter is silent: the caller knows, from the
        meter's own staleness rule (no valid frame for 10 s, or none yet).
        A meter never heard is silent whatever the caller says.
        """
        settings = self.settings
        view = self.last_view
        lost = lost or view is None
        checks: list[float] = []

        period: TariffPeriod | None
        source = PeriodSource.METER
        expired = False
        boundary: datetime | None = None
        if not lost:
            assert view is not None
            period = view.period
        elif (
            view is not None
            and self.last_frame is not None
            and self.last_frame_local is not None
            and mono - self.last_frame <= settings.clock_fallback
        ):
            source = PeriodSource.CLOCK
            period = period_from_clock(
                local,
                self.last_frame_local,
                view.today or TempoColor.UNKNOWN,
                view.tomorrow or TempoColor.UNKNOWN,
            )
            boundary = next_boundary(local)
            checks.append(self.last_frame + settings.clock_fallback + 0.001)
        else:
            period = None
            source = PeriodSource.NONE
            expired = view is not None

        tariff = tariff_reason(period, mode)
        if lost:
            self._blind_overload(mono, checks)
        else:
            assert view is not None
            self._stage_overload(view, mono, checks, all_shed=tariff is not None)

        reasons: set[ShedReason] = set()
        if tariff is not None:
            reasons.add(tariff)
        if self.overload_shed:
            reasons.add(ShedReason.OVERLOAD)
        shed = (
            tuple(self.loads)
            if tariff is not None
            else tuple(load for load in self.loads if load in self.overload_shed)
        )
        return Decision(
            shed=shed,
            reasons=frozenset(reasons),
            period=period,
            period_source=source,
            data_lost=lost,
            fallback_expired=expired,
            next_check=min((c for c in checks if c > mono), default=None),
            next_boundary=boundary,
        )

    def _overloaded(self, view: MeterView) -> bool:
        if view.overload:
            return True
        if view.power is None or not view.subscribed:
            return False
        return view.power >= self.settings.shed_threshold * view.subscribed

    def _headroom(self, view: MeterView) -> bool:
        power = view.power if view.power_high is None else view.power_high
        if view.overload or power is None or not view.subscribed:
            return False
        return power < self.settings.restore_threshold * view.subscribed

    def _stage_overload(
        self, view: MeterView, mono: float, checks: list[float], *, all_shed: bool
    ) -> None:
        settings = self.settings
        if self._overloaded(view):
            ready = (
                self._last_shed is None or mono - self._last_shed >= settings.shed_step
            )
            candidates = [
                load for load in reversed(self.loads) if load not in self.overload_shed
            ]
            if all_shed and candidates:
                # Every load is already off for the tariff and cannot help:
                # all join the overload list at once, so they stay off after
                # the peak while the overload lasts.
                self.overload_shed.extend(candidates)
                self._last_shed = mono
                return
            if ready and candidates:
                self.overload_shed.append(candidates[0])
                self._last_shed = mono
                candidates.pop(0)
            if candidates:
                assert self._last_shed is not None
                checks.append(self._last_shed + settings.shed_step)
            return
        if not self.overload_shed or not self._headroom(view):
            return
        assert self._last_shed is not None
        not_before = self._last_shed + settings.restore_delay
        if self._last_restore is not None:
            # A frame that left the meter after the previous restore settled.
            settled = self._last_restore + settings.shed_step
            if self.last_frame is None or self.last_frame < settled:
                checks.append(max(settled, not_before))
                return
        if mono < not_before:
            checks.append(not_before)
            return
        self._restore_one(mono)

    def _blind_overload(self, mono: float, checks: list[float]) -> None:
        """Meter silent: hold overload shedding, then restore slowly."""
        if not self.overload_shed:
            return
        settings = self.settings
        # From the last frame, or from the last shed when none was seen since
        # a restart (restore_overload_state sets it).
        since = [t for t in (self.last_frame, self._last_shed) if t is not None]
        start = max(since, default=mono) + settings.blind_hold
        if mono < start:
            checks.append(start)
            return
        if self._last_restore is not None and self._last_restore >= start:
            next_restore = self._last_restore + settings.blind_restore_step
            if mono < next_restore:
                checks.append(next_restore)
                return
        self._restore_one(mono)
        if self.overload_shed:
            checks.append(mono + settings.blind_restore_step)

    def _restore_one(self, mono: float) -> None:
        """Bring back the highest-priority load shed for the overload."""
        for load in self.loads:
            if load in self.overload_shed:
                self.overload_shed.remove(load)
                break
        self._last_restore = mono
