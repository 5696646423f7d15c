"""The shedding rules: which heating loads must be shed, and why.

- overload (ADPS/ADIR, STGE bit 7, or apparent power ≥ shed threshold): shed
  in priority order, one more every `shed_step` while overloaded;
- red-day peak hours (HPJR): all shed, whatever the mode;
- white-day peak hours (HPJW): all shed in mode AUTO, none in mode HEAT;
- any other period (HC of any colour, blue-day HP, other contracts): none.

Each load says which of these reasons it is shed for (`SheddingPolicy.
shed_for`: a bathroom kept out of Tempo shedding is still shed on overload),
and a load whose shedding the user paused (`evaluate`'s ``paused``) is kept
out of Tempo shedding until the caller lifts the pause; overload still sheds
it. The decision says, for each load shed, why (`Decision.load_reasons`).

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    # How long before 06:00 loads that tomorrow's peak will shed are
    # pre-heated (those whose settings ask for it).
    pre_heat: float = 2 * 3600.0


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
    # Why each load in ``shed`` is shed.
    load_reasons: Mapping[str, frozenset[ShedReason]] = field(default_factory=dict)
    # Loads to pre-heat now, before the peak that will shed them.
    pre_heat: tuple[str, ...] = ()

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
    # The reasons each load is shed for; a load not listed: every reason.
    shed_for: Mapping[str, frozenset[ShedReason]] = field(default_factory=dict)
    # The loads pre-heated before a peak that sheds them.
    pre_heat_loads: frozenset[str] = frozenset()
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
        self.overload_shed = [
            load for load in shed if load in self._eligible(ShedReason.OVERLOAD)
        ]
        if self.overload_shed:
            self._last_shed = mono

    def _eligible(self, reason: ShedReason) -> list[str]:
        """The loads shed for ``reason``, highest priority first."""
        return [
            load
            for load in self.loads
            if (reasons := self.shed_for.get(load)) is None or reason in reasons
        ]

    def evaluate(
        self,
        mono: float,
        local: datetime,
        mode: HeatingMode,
        *,
        lost: bool,
        paused: frozenset[str] = frozenset(),
    ) -> Decision:
        """Decide which loads must be shed now.

        ``lost`` says whether the meter is silent: the caller knows, from the
        meter's own staleness rule (no valid frame for 10 s, or none yet).
        A meter never heard is silent whatever the caller says. ``paused``
        loads are kept out of Tempo shedding (not of overload shedding).
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
        tariff_shed = (
            [load for load in self._eligible(tariff) if load not in paused]
            if tariff is not None
            else []
        )
        if lost:
            self._blind_overload(mono, checks)
        else:
            assert view is not None
            self._stage_overload(view, mono, checks, already_off=set(tariff_shed))

        reasons: set[ShedReason] = set()
        if tariff is not None:
            reasons.add(tariff)
        if self.overload_shed:
            reasons.add(ShedReason.OVERLOAD)
        load_reasons: dict[str, frozenset[ShedReason]] = {}
        for load in self.loads:
            why: set[ShedReason] = set()
            if load in tariff_shed:
                assert tariff is not None
                why.add(tariff)
            if load in self.overload_shed:
                why.add(ShedReason.OVERLOAD)
            if why:
                load_reasons[load] = frozenset(why)
        pre_heat = (
            self._pre_heat(local, mode, paused, load_reasons, mono, checks)
            if source is not PeriodSource.NONE
            else ()
        )
        return Decision(
            shed=tuple(load_reasons),
            load_reasons=load_reasons,
            pre_heat=pre_heat,
            reasons=frozenset(reasons),
            period=period,
            period_source=source,
            data_lost=lost,
            fallback_expired=expired,
            next_check=min((c for c in checks if c > mono), default=None),
            next_boundary=boundary,
        )

    def _pre_heat(
        self,
        local: datetime,
        mode: HeatingMode,
        paused: frozenset[str],
        shed: Mapping[str, frozenset[ShedReason]],
        mono: float,
        checks: list[float],
    ) -> tuple[str, ...]:
        """The loads to heat now, before 06:00, for the peak that will shed them.

        Tomorrow's colour (the Tempo day that starts at 06:00) must be known:
        red, or white in mode AUTO. A paused load, or one shed now, is not
        pre-heated.
        """
        view = self.last_view
        if not self.pre_heat_loads or view is None:
            return ()
        peak = local.replace(hour=6, minute=0, second=0, microsecond=0)
        if local >= peak:
            peak += timedelta(days=1)
        start = peak - timedelta(seconds=self.settings.pre_heat)
        if local < start:
            checks.append(mono + (start - local).total_seconds())
            return ()
        reason = tariff_reason(
            TariffPeriod.HP_RED
            if view.tomorrow is TempoColor.RED
            else TariffPeriod.HP_WHITE
            if view.tomorrow is TempoColor.WHITE
            else None,
            mode,
        )
        if reason is None:
            return ()
        return tuple(
            load
            for load in self._eligible(reason)
            if load in self.pre_heat_loads and load not in paused and load not in shed
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
        self,
        view: MeterView,
        mono: float,
        checks: list[float],
        *,
        already_off: set[str],
    ) -> None:
        settings = self.settings
        if self._overloaded(view):
            candidates = [
                load
                for load in reversed(self._eligible(ShedReason.OVERLOAD))
                if load not in self.overload_shed
            ]
            if off := [load for load in candidates if load in already_off]:
                # Loads already shed for the tariff cannot help: they join
                # the overload list at once, so they stay shed after the
                # peak while the overload lasts.
                self.overload_shed.extend(off)
                candidates = [load for load in candidates if load not in already_off]
                if not candidates:
                    self._last_shed = mono
                    return
            ready = (
                self._last_shed is None or mono - self._last_shed >= settings.shed_step
            )
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
