"""The energy glitch filter, directly (pure module)."""

from __future__ import annotations

from custom_components.linky_tempo.glitch_filter import REBASE_AFTER, EnergyGlitchFilter

SIX_KVA = 6000


def test_first_value_and_normal_growth_pass() -> None:
    glitches = EnergyGlitchFilter()
    assert glitches.accept("hp_blue", 1_000_000, 0.0, SIX_KVA) == 1_000_000
    # 2 s at up to 2 × 6 kVA: at most 6.7 Wh + 10 Wh slack.
    assert glitches.accept("hp_blue", 1_000_015, 2.0, SIX_KVA) == 1_000_015
    assert glitches.rejected == 0


def test_backwards_and_impossible_jumps_are_dropped_and_counted() -> None:
    glitches = EnergyGlitchFilter()
    glitches.accept("hp_blue", 1_000_000, 0.0, SIX_KVA)
    assert glitches.accept("hp_blue", 999_999, 1.0, SIX_KVA) == 1_000_000
    # A corrupted digit: +9 000 000 Wh in a second.
    assert glitches.accept("hp_blue", 10_000_000, 2.0, SIX_KVA) == 1_000_000
    assert glitches.rejected == 2
    # A long gap allows a proportionate jump: one hour at 12 kVA.
    assert glitches.accept("hp_blue", 1_011_000, 3602.0, SIX_KVA) == 1_011_000
    assert glitches.last("hp_blue") == 1_011_000


def test_indexes_are_tracked_separately() -> None:
    glitches = EnergyGlitchFilter()
    glitches.accept("a", 10, 0.0, SIX_KVA)
    assert glitches.accept("b", 5, 1.0, SIX_KVA) == 5
    assert glitches.last("a") == 10


def test_a_replaced_meter_is_accepted_after_a_consistent_period() -> None:
    glitches = EnergyGlitchFilter()
    glitches.accept("total", 50_000_000, 0.0, SIX_KVA)
    now = 1.0
    value = 100
    while now < REBASE_AFTER:
        assert glitches.accept("total", value, now, SIX_KVA) == 50_000_000
        now += 2.0
        value += 1
    assert glitches.accept("total", value, now, SIX_KVA) == value


def test_unknown_subscribed_power_uses_the_largest_contract() -> None:
    glitches = EnergyGlitchFilter()
    glitches.accept("total", 0, 0.0, None)
    # One hour at 2 × 36 kVA = 72 kWh is plausible, 80 kWh is not.
    assert glitches.accept("total", 72_000, 3600.0, None) == 72_000
    assert glitches.accept("total", 72_000 + 80_000, 7200.0, None) == 72_000
