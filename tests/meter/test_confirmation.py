"""Two-frame confirmation of the meter's values, directly (pure module)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.linky_tempo.meter import (
    MeterState,
    TariffPeriod,
    TempoColor,
    TicDecoder,
    read_meter,
)
from custom_components.linky_tempo.meter.confirmation import (
    CARRY_FRAMES,
    ReadingConfirmer,
)
from tests.conftest import HISTORIC_CAPTURE


@pytest.fixture(name="state")
def _state() -> MeterState:
    """A real Linky's reading: historic Tempo, blue-day off-peak, 6 kVA (30 A)."""
    frames = list(TicDecoder().feed(HISTORIC_CAPTURE.read_bytes()))
    state = read_meter(frames[0])
    assert state.period is TariffPeriod.HC_BLUE
    assert state.subscribed_power == 6000
    return state


def _publish(confirmer: ReadingConfirmer, *states: MeterState) -> list[MeterState]:
    return [confirmer.confirm(state) for state in states]


def test_nothing_is_published_before_a_second_frame_agrees(state: MeterState) -> None:
    first, second = _publish(ReadingConfirmer(), state, state)
    assert first.period is None
    assert first.meter_id is None
    assert first.apparent_power is None
    assert second == state


def test_a_change_is_published_when_the_second_frame_carries_it(
    state: MeterState,
) -> None:
    confirmer = ReadingConfirmer()
    peak = replace(state, period=TariffPeriod.HP_BLUE)
    published = _publish(confirmer, state, state, peak, peak, peak)
    assert [p.period for p in published] == [
        None,
        TariffPeriod.HC_BLUE,
        TariffPeriod.HC_BLUE,
        TariffPeriod.HP_BLUE,
        TariffPeriod.HP_BLUE,
    ]


def test_a_corrupted_setting_seen_once_is_never_published(state: MeterState) -> None:
    confirmer = ReadingConfirmer()
    # "HCJB" → "HPJR" and a colour, each in one frame only.
    bad_period = replace(state, period=TariffPeriod.HP_RED, today=TempoColor.RED)
    bad_power = replace(state, subscribed_power=3000)
    published = _publish(confirmer, state, state, bad_period, state, bad_power, state)
    assert {p.period for p in published[1:]} == {TariffPeriod.HC_BLUE}
    assert {p.today for p in published[1:]} == {TempoColor.BLUE}
    assert {p.subscribed_power for p in published[1:]} == {6000}


def test_a_setting_lost_to_the_checksum_is_carried_then_dropped(
    state: MeterState,
) -> None:
    confirmer = ReadingConfirmer()
    lost = replace(state, subscribed_power=None, tariff_label=None)
    published = _publish(confirmer, state, state, *[lost] * (CARRY_FRAMES + 1))
    carried = published[2 : 2 + CARRY_FRAMES]
    assert {(p.subscribed_power, p.tariff_label) for p in carried} == {
        (6000, state.tariff_label)
    }
    # The meter really stopped sending them.
    assert published[-1].subscribed_power is None
    assert published[-1].tariff_label is None


def test_the_period_and_colours_are_carried_while_frames_come(
    state: MeterState,
) -> None:
    """A PTEC lost to noise is not "no peak", a lost colour not "unknown"."""
    confirmer = ReadingConfirmer()
    peak = replace(state, period=TariffPeriod.HP_WHITE, today=TempoColor.WHITE)
    lost = replace(peak, period=None, today=None, tomorrow=None)
    published = _publish(confirmer, peak, peak, *[lost] * (10 * CARRY_FRAMES))
    assert {(p.period, p.today, p.tomorrow) for p in published[1:]} == {
        (TariffPeriod.HP_WHITE, TempoColor.WHITE, state.tomorrow)
    }


def test_a_new_value_seen_on_both_sides_of_a_lost_group_is_confirmed(
    state: MeterState,
) -> None:
    confirmer = ReadingConfirmer()
    peak = replace(state, period=TariffPeriod.HP_BLUE)
    lost = replace(state, period=None)
    published = _publish(confirmer, state, state, peak, lost, peak)
    assert published[-1].period is TariffPeriod.HP_BLUE


def test_power_follows_small_moves_at_once_and_confirms_jumps(
    state: MeterState,
) -> None:
    confirmer = ReadingConfirmer()
    # The step is 5 % of the 6 kVA subscribed: 300 VA.
    powers = [1000, 1000, 1250, 1500, 3900, 3900, 3920, 1000]
    published = _publish(confirmer, *(replace(state, apparent_power=p) for p in powers))
    assert [p.apparent_power for p in published] == [
        None,
        1000,
        1250,
        1500,
        1500,  # a 2.4 kW jump waits for the next frame...
        3900,  # ...which confirms it
        3920,
        3920,  # and the way back too
    ]


def test_an_isolated_power_jump_is_never_published(state: MeterState) -> None:
    confirmer = ReadingConfirmer()
    # 2400 VA → 3300 VA: two compensating digit changes, one frame.
    powers = [2400, 2400, 3300, 2410, 2400]
    published = _publish(confirmer, *(replace(state, apparent_power=p) for p in powers))
    assert [p.apparent_power for p in published[1:]] == [2400, 2400, 2410, 2400]


def test_per_phase_values_are_confirmed_together(state: MeterState) -> None:
    confirmer = ReadingConfirmer()
    # Three-phase currents: a step is 5 % of 6000 / 230 A, 1.3 A.
    currents = [(3, 4, 5), (3, 4, 5), (3, 4, 6), (3, 14, 6), (3, 4, 6), (3, 4)]
    published = _publish(confirmer, *(replace(state, currents=c) for c in currents))
    assert [p.currents for p in published] == [
        None,
        (3, 4, 5),
        (3, 4, 6),
        (3, 4, 6),
        (3, 4, 6),
        (3, 4, 6),  # a phase missing is a change: it needs a second frame
    ]


def test_overload_mode_and_indexes_pass_through_as_read(state: MeterState) -> None:
    confirmer = ReadingConfirmer()
    overload = replace(state, overload=True, overload_current=47)
    first = confirmer.confirm(overload)
    assert first.overload is True
    assert first.overload_current == 47
    assert first.mode is state.mode
    assert first.energy == state.energy
    assert confirmer.confirm(state).overload is False


def test_a_zero_subscribed_power_does_not_freeze_the_power(state: MeterState) -> None:
    """A producer's meter may announce 0 kVA: the step falls back to 5 % of 12 kVA."""
    confirmer = ReadingConfirmer()
    powers = [1000, 1000, 1300, 1900]
    published = _publish(
        confirmer,
        *(replace(state, subscribed_power=0, apparent_power=p) for p in powers),
    )
    assert [p.apparent_power for p in published] == [None, 1000, 1300, 1900]
