"""The energy glitch filter, directly (pure module)."""

from __future__ import annotations

from custom_components.linky_tempo.meter.glitch_filter import (
    REBASE_AFTER,
    EnergyGlitchFilter,
)

SIX_KVA = 6000


def _last(glitches: EnergyGlitchFilter, key: str) -> int | None:
    """The last value the filter published for ``key``."""
    return glitches._tracks[key].value


def _feed(
    glitches: EnergyGlitchFilter,
    readings: list[int],
    *,
    key: str = "hp_blue",
    start: float = 0.0,
    every: float = 2.0,
    power: int | None = SIX_KVA,
) -> list[int | None]:
    return [
        glitches.accept(key, value, start + i * every, power)
        for i, value in enumerate(readings)
    ]


def test_a_reading_is_published_once_the_next_frame_follows_it() -> None:
    glitches = EnergyGlitchFilter()
    # 2 s at up to 2 × 6 kVA: at most 6.7 Wh + 1 Wh of rounding.
    assert _feed(glitches, [1_000_000, 1_000_003, 1_000_007, 1_000_007]) == [
        None,
        1_000_000,
        1_000_003,
        1_000_007,
    ]
    assert glitches.rejected == 0


def test_a_corruption_that_passed_the_checksum_is_never_published() -> None:
    # Two compensating digit changes: +9 Wh and -9 Wh, then a swapped pair.
    for corrupted in (1_000_012, 1_000_003 - 9 + 9 * 10, 999_994):
        glitches = EnergyGlitchFilter()
        published = _feed(glitches, [1_000_000, 1_000_003, corrupted, 1_000_005])
        assert published == [None, 1_000_000, 1_000_000, 1_000_000], corrupted
        assert glitches.rejected == 1
        # The next frame confirms the true reading.
        assert glitches.accept("hp_blue", 1_000_006, 8.0, SIX_KVA) == 1_000_005


def test_frames_bunched_together_are_not_read_as_a_glitch() -> None:
    glitches = EnergyGlitchFilter()
    # A Wi-Fi hiccup delivers two frames 10 ms apart: 5 Wh at 6 kVA is
    # within a one-second frame at twice the subscribed power.
    assert glitches.accept("hp_blue", 1_000, 0.0, SIX_KVA) is None
    assert glitches.accept("hp_blue", 1_004, 0.01, SIX_KVA) == 1_000
    assert glitches.rejected == 0


def test_backwards_and_impossible_jumps_are_dropped_and_counted() -> None:
    glitches = EnergyGlitchFilter()
    _feed(glitches, [1_000_000, 1_000_000])
    # Backwards, and +9 000 000 Wh: neither neighbour confirms them.
    assert _feed(glitches, [999_999, 10_000_000, 1_000_001], start=4.0) == [
        1_000_000,
        1_000_000,
        1_000_000,
    ]
    assert glitches.rejected == 2
    assert _last(glitches, "hp_blue") == 1_000_000
    # A long gap allows a proportionate jump: one hour at up to 12 kVA.
    assert glitches.accept("hp_blue", 1_011_000, 3610.0, SIX_KVA) == 1_000_001
    assert glitches.accept("hp_blue", 1_011_002, 3612.0, SIX_KVA) == 1_011_000


def test_a_confirmed_reading_too_far_from_the_last_published_is_rejected() -> None:
    glitches = EnergyGlitchFilter()
    _feed(glitches, [1_000, 1_000])
    # Consistent with each other, but 1 MWh above the index 4 s earlier.
    assert _feed(glitches, [1_001_000, 1_001_001], start=4.0) == [1_000, 1_000]
    assert glitches.rejected == 1


def test_indexes_are_tracked_separately() -> None:
    glitches = EnergyGlitchFilter()
    _feed(glitches, [10, 10], key="a")
    assert _feed(glitches, [5, 5], key="b", start=10.0) == [None, 5]
    assert _last(glitches, "a") == 10


def test_a_replaced_meter_is_accepted_after_a_consistent_period() -> None:
    glitches = EnergyGlitchFilter()
    _feed(glitches, [50_000_000, 50_000_000], key="total")
    now = 4.0
    value = 100
    # The first new reading (sent at 4 s) is confirmed at 6 s; the baseline is
    # taken once a confirmed reading was sent REBASE_AFTER after it.
    while now < 4.0 + REBASE_AFTER + 2.0:
        assert glitches.accept("total", value, now, SIX_KVA) == 50_000_000
        now += 2.0
        value += 1
    assert glitches.accept("total", value, now, SIX_KVA) == value - 1


def test_unknown_subscribed_power_uses_the_largest_contract() -> None:
    glitches = EnergyGlitchFilter()
    _feed(glitches, [0, 0], key="total", power=None)
    # One hour at 2 × 36 kVA = 72 kWh is plausible, 80 kWh is not.
    assert _feed(glitches, [72_000, 72_000], key="total", start=3600.0, power=None) == [
        0,
        72_000,
    ]
    assert _feed(
        glitches, [152_000, 152_000], key="total", start=7200.0, power=None
    ) == [72_000, 72_000]
