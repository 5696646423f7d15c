"""The shedding rules (pure module), every row of the table and every delay."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.linky_tempo.meter import TariffPeriod as P
from custom_components.linky_tempo.meter import TempoColor
from custom_components.linky_tempo.policy import (
    HeatingMode,
    MeterView,
    PeriodSource,
    PolicySettings,
    SheddingPolicy,
    ShedReason,
    can_cancel,
    tariff_reason,
)

PARIS = ZoneInfo("Europe/Paris")
LOADS = ["climate.living", "select.bedroom", "switch.bathroom"]  # priority order
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)
SUBSCRIBED = 6000


def view(
    period: P = P.HP_BLUE,
    power: int | None = 1000,
    overload: bool = False,
    today: TempoColor | None = TempoColor.BLUE,
    tomorrow: TempoColor | None = TempoColor.UNKNOWN,
    power_high: int | None = None,
) -> MeterView:
    return MeterView(
        period, overload, power, SUBSCRIBED, today, tomorrow, power_high=power_high
    )


def policy() -> SheddingPolicy:
    return SheddingPolicy(LOADS, PolicySettings())


@pytest.mark.parametrize(
    ("period", "mode", "reason"),
    [
        (P.HP_RED, HeatingMode.AUTO, ShedReason.RED_PEAK),
        (P.HP_RED, HeatingMode.HEAT, ShedReason.RED_PEAK),
        (P.HP_WHITE, HeatingMode.AUTO, ShedReason.WHITE_PEAK),
        (P.HP_WHITE, HeatingMode.HEAT, None),
        (P.HP_BLUE, HeatingMode.AUTO, None),
        (P.HC_RED, HeatingMode.AUTO, None),
        (P.HC_WHITE, HeatingMode.AUTO, None),
        (P.PEAK, HeatingMode.AUTO, None),
        (P.BASE, HeatingMode.AUTO, None),
        (P.EJP_PEAK, HeatingMode.AUTO, None),
        (None, HeatingMode.AUTO, None),
    ],
)
def test_tariff_table(
    period: P | None, mode: HeatingMode, reason: ShedReason | None
) -> None:
    assert tariff_reason(period, mode) is reason
    rules = policy()
    rules.observe(view(period=period or P.UNKNOWN), 0.0, NOON)
    decision = rules.evaluate(0.0, NOON, mode, lost=False)
    if reason is None:
        assert decision.shed == ()
        assert decision.heating
        assert decision.reason is ShedReason.NONE
    else:
        assert decision.shed == tuple(LOADS)
        assert not decision.heating
        assert decision.reason is reason


def test_heat_cannot_be_set_on_a_red_peak() -> None:
    assert not can_cancel(P.HP_RED)
    assert can_cancel(P.HP_WHITE)
    assert can_cancel(P.HC_RED)


def test_overload_sheds_lowest_priority_first_one_every_five_seconds() -> None:
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)  # 92 % of 6 kVA
    decision = rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    assert decision.shed == ("switch.bathroom",)
    assert decision.reason is ShedReason.OVERLOAD
    assert decision.next_check == pytest.approx(5.0)
    rules.observe(view(power=5500), 2.0, NOON)
    assert rules.evaluate(2.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )
    assert rules.evaluate(5.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "select.bedroom",
        "switch.bathroom",
    )
    rules.observe(view(power=5500), 10.0, NOON)
    assert rules.evaluate(10.0, NOON, HeatingMode.AUTO, lost=False).shed == tuple(LOADS)
    assert (
        rules.evaluate(15.0, NOON, HeatingMode.AUTO, lost=False).next_check is None
    )  # nothing left


@pytest.mark.parametrize("signal", ["adps", "power"])
def test_overload_signals(signal: str) -> None:
    rules = policy()
    if signal == "adps":
        rules.observe(view(power=3000, overload=True), 0.0, NOON)
    else:
        rules.observe(view(power=5400), 0.0, NOON)  # exactly 90 %
    assert rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )


def test_restore_waits_for_delay_threshold_and_fresh_frames() -> None:
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)
    rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    rules.observe(view(power=5500), 5.0, NOON)
    rules.evaluate(
        5.0, NOON, HeatingMode.AUTO, lost=False
    )  # two loads shed, last at 5 s
    # Power between the thresholds: nothing comes back, ever.
    rules.observe(view(power=5000), 400.0, NOON)
    assert len(rules.evaluate(400.0, NOON, HeatingMode.AUTO, lost=False).shed) == 2
    # Below 80 % but before the restore delay (300 s after the last shed).
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)
    rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    rules.observe(view(power=5500), 5.0, NOON)
    rules.evaluate(5.0, NOON, HeatingMode.AUTO, lost=False)
    rules.observe(view(power=2000), 200.0, NOON)
    decision = rules.evaluate(200.0, NOON, HeatingMode.AUTO, lost=False)
    assert decision.shed == ("select.bedroom", "switch.bathroom")
    assert decision.next_check == pytest.approx(305.0)
    # After the delay: one load, the highest priority one.
    rules.observe(view(power=2000), 305.0, NOON)
    assert rules.evaluate(305.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )
    # No fresh frame since: the next one waits.
    assert rules.evaluate(308.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )
    # A frame that left the meter 5 s after the restore confirms the headroom.
    rules.observe(view(power=3000), 311.0, NOON)
    decision = rules.evaluate(311.0, NOON, HeatingMode.AUTO, lost=False)
    assert decision.shed == ()
    assert decision.reason is ShedReason.NONE


def test_restore_is_cancelled_by_a_new_overload() -> None:
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)
    rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    rules.observe(view(power=1000), 300.0, NOON)
    assert rules.evaluate(300.0, NOON, HeatingMode.AUTO, lost=False).shed == ()
    rules.observe(view(power=5600), 301.0, NOON)
    assert rules.evaluate(301.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )


def test_power_sheds_on_one_frame_and_restores_on_two() -> None:
    """``power`` is the last frame's, ``power_high`` the higher of the last two."""
    rules = policy()
    # The frame before was at 2400 VA, this one at 5500: shed at once.
    rules.observe(view(power=5500, power_high=5500), 0.0, NOON)
    assert rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )
    rules.observe(view(power=5500, power_high=5500), 5.0, NOON)
    assert rules.evaluate(5.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "select.bedroom",
        "switch.bathroom",
    )
    # After the delay, this frame low and the one before high: nothing back.
    rules.observe(view(power=1000, power_high=5000), 400.0, NOON)
    assert len(rules.evaluate(400.0, NOON, HeatingMode.AUTO, lost=False).shed) == 2
    rules.observe(view(power=1000, power_high=1100), 402.0, NOON)
    assert rules.evaluate(402.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )


def test_missing_power_is_never_zero() -> None:
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)
    rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    rules.observe(view(power=None), 400.0, NOON)
    assert rules.evaluate(400.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )


def test_overload_on_a_red_peak_keeps_loads_after_the_peak() -> None:
    rules = policy()
    rules.observe(view(period=P.HP_RED, power=5500), 0.0, NOON)
    decision = rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    assert decision.shed == tuple(LOADS)
    assert decision.reasons == {ShedReason.RED_PEAK, ShedReason.OVERLOAD}
    assert decision.reason is ShedReason.RED_PEAK
    # Already-shed loads join the overload list at once.
    assert rules.overload_shed == list(reversed(LOADS))
    rules.observe(view(period=P.HC_RED, power=5500), 1.0, NOON)
    assert rules.evaluate(1.0, NOON, HeatingMode.AUTO, lost=False).shed == tuple(LOADS)


def test_data_loss_continues_tempo_from_the_clock_for_48_hours() -> None:
    rules = policy()
    evening = datetime(2026, 12, 3, 21, 0, tzinfo=PARIS)
    rules.observe(
        view(period=P.HP_RED, today=TempoColor.RED, tomorrow=TempoColor.WHITE),
        0.0,
        evening,
    )
    assert (
        rules.evaluate(0.0, evening, HeatingMode.AUTO, lost=False).period_source
        is PeriodSource.METER
    )
    # Silent for 11 s: still a red peak, from the clock.
    later = evening + timedelta(seconds=11)
    decision = rules.evaluate(11.0, later, HeatingMode.AUTO, lost=True)
    assert decision.data_lost
    assert decision.period_source is PeriodSource.CLOCK
    assert decision.period is P.HP_RED
    assert decision.shed == tuple(LOADS)
    assert decision.next_boundary == datetime(2026, 12, 3, 22, 0, tzinfo=PARIS)
    # 22:00: red off-peak; 06:00 next day: the announced white day.
    assert (
        rules.evaluate(
            3601.0, evening + timedelta(hours=1, seconds=1), HeatingMode.AUTO, lost=True
        ).shed
        == ()
    )
    white = rules.evaluate(
        9 * 3600.0 + 1,
        evening + timedelta(hours=9, seconds=1),
        HeatingMode.AUTO,
        lost=True,
    )
    assert white.period is P.HP_WHITE
    assert white.shed == tuple(LOADS)
    assert (
        rules.evaluate(
            9 * 3600.0 + 1,
            evening + timedelta(hours=9, seconds=1),
            HeatingMode.HEAT,
            lost=True,
        ).shed
        == ()
    )
    # After 48 h: stopped, heating allowed, and the decision says why.
    expired = rules.evaluate(
        48 * 3600.0 + 1, evening + timedelta(hours=48), HeatingMode.AUTO, lost=True
    )
    assert expired.period_source is PeriodSource.NONE
    assert expired.fallback_expired
    assert expired.shed == ()


def test_data_loss_holds_overload_loads_15_minutes_then_restores_one_by_one() -> None:
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)
    rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    rules.observe(view(power=5500), 5.0, NOON)
    rules.evaluate(5.0, NOON, HeatingMode.AUTO, lost=False)
    assert len(rules.overload_shed) == 2
    # Meter silent from 5 s on.
    decision = rules.evaluate(600.0, NOON, HeatingMode.AUTO, lost=True)
    assert decision.data_lost
    assert len(decision.shed) == 2
    assert decision.next_check == pytest.approx(905.0)
    assert rules.evaluate(905.0, NOON, HeatingMode.AUTO, lost=True).shed == (
        "switch.bathroom",
    )
    assert rules.evaluate(930.0, NOON, HeatingMode.AUTO, lost=True).shed == (
        "switch.bathroom",
    )
    assert rules.evaluate(965.0, NOON, HeatingMode.AUTO, lost=True).shed == ()


def test_data_returning_resumes_normal_staging() -> None:
    rules = policy()
    rules.observe(view(power=5500), 0.0, NOON)
    rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    assert rules.evaluate(60.0, NOON, HeatingMode.AUTO, lost=True).data_lost
    rules.observe(view(power=5500), 61.0, NOON)
    decision = rules.evaluate(61.0, NOON, HeatingMode.AUTO, lost=False)
    assert not decision.data_lost
    assert decision.shed == ("select.bedroom", "switch.bathroom")


def test_never_heard_meter_sheds_nothing() -> None:
    decision = policy().evaluate(0.0, NOON, HeatingMode.AUTO, lost=True)
    assert decision.data_lost
    assert decision.period_source is PeriodSource.NONE
    assert not decision.fallback_expired
    assert decision.shed == ()


def test_restart_resumes_overload_shedding() -> None:
    rules = policy()
    rules.restore_overload_state(["switch.bathroom", "switch.gone"], 100.0)
    assert rules.overload_shed == ["switch.bathroom"]
    rules.observe(view(power=1000), 101.0, NOON)
    assert rules.evaluate(101.0, NOON, HeatingMode.AUTO, lost=False).shed == (
        "switch.bathroom",
    )
    rules.observe(view(power=1000), 400.0, NOON)
    assert rules.evaluate(400.0, NOON, HeatingMode.AUTO, lost=False).shed == ()


def test_the_view_is_taken_as_the_meter_reader_published_it() -> None:
    """Carrying a lost period or colour is the reader's (test_confirmation)."""
    rules = policy()
    rules.observe(view(period=P.HP_WHITE), 0.0, NOON)
    assert rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False).shed == tuple(LOADS)
    rules.observe(MeterView(None, False, 1000, SUBSCRIBED), 1.0, NOON)
    assert rules.last_view is not None
    assert rules.last_view.period is None
    assert rules.evaluate(1.0, NOON, HeatingMode.AUTO, lost=False).shed == ()


def test_resume_after_a_restart_goes_on_from_the_last_frame() -> None:
    """Before the first frame, the saved period and colours drive the clock."""
    rules = policy()
    seen = NOON - timedelta(minutes=5)
    rules.resume(
        view(period=P.HP_WHITE, today=TempoColor.WHITE, tomorrow=TempoColor.BLUE),
        -300.0,
        seen,
    )
    decision = rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=True)
    assert decision.period_source is PeriodSource.CLOCK
    assert decision.period is P.HP_WHITE
    assert decision.shed == tuple(LOADS)


def test_overload_loads_after_a_restart_without_any_frame() -> None:
    """No frame since the restart: the blind hold counts from the restart."""
    rules = policy()
    rules.restore_overload_state(["switch.bathroom"], 100.0)
    decision = rules.evaluate(101.0, NOON, HeatingMode.AUTO, lost=True)
    assert decision.shed == ("switch.bathroom",)
    assert decision.next_check == pytest.approx(1000.0)
    assert rules.evaluate(1000.0, NOON, HeatingMode.AUTO, lost=True).shed == ()


def test_the_caller_says_when_the_meter_is_lost() -> None:
    """The policy keeps no staleness clock: the meter coordinator's rule rules."""
    rules = policy()
    rules.observe(view(period=P.HP_WHITE, today=TempoColor.WHITE), 0.0, NOON)
    # A minute without a frame, but the meter is not lost: the meter's period.
    decision = rules.evaluate(60.0, NOON, HeatingMode.AUTO, lost=False)
    assert decision.period_source is PeriodSource.METER
    assert not decision.data_lost
    # The frame is a second old, but the meter is lost: the clock's period.
    decision = rules.evaluate(1.0, NOON, HeatingMode.AUTO, lost=True)
    assert decision.period_source is PeriodSource.CLOCK
    assert decision.data_lost
    assert decision.shed == tuple(LOADS)


def test_each_load_is_shed_for_its_own_reasons_and_the_decision_says_why() -> None:
    """The bathroom is kept out of Tempo shedding but shed on overload."""
    rules = SheddingPolicy(
        LOADS,
        PolicySettings(),
        {
            "switch.bathroom": frozenset({ShedReason.OVERLOAD}),
            "select.bedroom": frozenset({ShedReason.RED_PEAK, ShedReason.OVERLOAD}),
        },
    )
    rules.observe(view(period=P.HP_WHITE, today=TempoColor.WHITE), 0.0, NOON)
    white = rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False)
    assert white.shed == ("climate.living",)
    assert white.load_reasons == {"climate.living": {ShedReason.WHITE_PEAK}}
    assert white.reason is ShedReason.WHITE_PEAK

    rules.observe(view(period=P.HP_RED, today=TempoColor.RED), 1.0, NOON)
    red = rules.evaluate(1.0, NOON, HeatingMode.AUTO, lost=False)
    assert red.shed == ("climate.living", "select.bedroom")

    # An overload during the red peak: the loads already shed join it at
    # once, the bathroom (not shed for the peak) is staged.
    rules.observe(view(period=P.HP_RED, today=TempoColor.RED, power=5800), 2.0, NOON)
    over = rules.evaluate(2.0, NOON, HeatingMode.AUTO, lost=False)
    assert over.shed == tuple(LOADS)
    assert over.load_reasons["switch.bathroom"] == {ShedReason.OVERLOAD}
    assert over.load_reasons["climate.living"] == {
        ShedReason.RED_PEAK,
        ShedReason.OVERLOAD,
    }


def test_a_paused_load_is_kept_out_of_tempo_shedding_not_of_overload() -> None:
    rules = policy()
    paused = frozenset({"select.bedroom"})
    rules.observe(view(period=P.HP_WHITE, today=TempoColor.WHITE), 0.0, NOON)
    decision = rules.evaluate(0.0, NOON, HeatingMode.AUTO, lost=False, paused=paused)
    assert decision.shed == ("climate.living", "switch.bathroom")
    rules.observe(view(period=P.HP_WHITE, power=5800), 1.0, NOON)
    # The loads shed for the peak cannot help and join the overload at once;
    # the paused one is the one that can: shed for the overload at once.
    decision = rules.evaluate(1.0, NOON, HeatingMode.AUTO, lost=False, paused=paused)
    assert decision.load_reasons["select.bedroom"] == {ShedReason.OVERLOAD}
    assert decision.load_reasons["switch.bathroom"] == {
        ShedReason.WHITE_PEAK,
        ShedReason.OVERLOAD,
    }


def test_pre_heat_before_a_peak_that_sheds_the_load() -> None:
    """From 04:00 (2 h before 06:00), when tomorrow is red, or white in AUTO."""
    rules = SheddingPolicy(
        LOADS,
        PolicySettings(),
        {"switch.bathroom": frozenset({ShedReason.OVERLOAD})},
        frozenset({"climate.living", "switch.bathroom"}),
    )
    early = datetime(2026, 12, 3, 3, 59, tzinfo=PARIS)
    rules.observe(
        view(period=P.HC_WHITE, today=TempoColor.WHITE, tomorrow=TempoColor.RED),
        0.0,
        early,
    )
    decision = rules.evaluate(0.0, early, HeatingMode.AUTO, lost=False)
    assert decision.pre_heat == ()
    assert decision.next_check == 60.0  # the window opens at 04:00
    window = early + timedelta(minutes=1)
    # The bathroom is not shed on red peaks: not pre-heated.
    decision = rules.evaluate(60.0, window, HeatingMode.AUTO, lost=False)
    assert decision.pre_heat == ("climate.living",)
    assert decision.heating  # nothing shed
    # Paused by the user: no shedding tomorrow, no pre-heat.
    paused = frozenset({"climate.living"})
    assert not rules.evaluate(
        61.0, window, HeatingMode.AUTO, lost=False, paused=paused
    ).pre_heat
    # From the clock while the meter is silent, with the last colours.
    assert rules.evaluate(62.0, window, HeatingMode.AUTO, lost=True).pre_heat == (
        "climate.living",
    )
    # White tomorrow: in AUTO only.
    rules.observe(view(period=P.HC_BLUE, tomorrow=TempoColor.WHITE), 63.0, window)
    assert rules.evaluate(63.0, window, HeatingMode.AUTO, lost=False).pre_heat
    assert not rules.evaluate(63.0, window, HeatingMode.HEAT, lost=False).pre_heat
    # Unknown: cancelled.
    rules.observe(view(period=P.HC_BLUE, tomorrow=TempoColor.UNKNOWN), 64.0, window)
    assert not rules.evaluate(64.0, window, HeatingMode.AUTO, lost=False).pre_heat
    # At 06:00 the peak sheds the load: no pre-heat any more.
    six = datetime(2026, 12, 3, 6, 0, tzinfo=PARIS)
    rules.observe(view(period=P.HP_RED, tomorrow=TempoColor.RED), 65.0, six)
    decision = rules.evaluate(65.0, six, HeatingMode.AUTO, lost=False)
    assert decision.pre_heat == ()
    assert "climate.living" in decision.shed
