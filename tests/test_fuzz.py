"""Fuzzing the decoder and everything downstream of it: nothing may raise.

The targets and strategies are in `harness.fuzz`, so that
``benchmarks/fuzz.py`` runs the same ones with 10⁶ inputs (hypothesis, and
atheris where it installs); the tests here run a few hundred inputs each on
every ``scripts/test``. In Home Assistant: random frames into a loaded
entry's coordinator, with its entities and its shedding coordinator listening.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.linky_tempo.meter import Frame, LineMode, TicDecoder
from harness.fuzz import (
    LOADS,
    frames,
    historic_frame,
    modes,
    mutate,
    pipeline_from_seed,
    policy_steps,
    readings,
    run_frame,
    run_glitch_filter,
    run_pipeline,
    run_policy,
    seeds,
    standard_frame,
)
from harness.stack import METER_ID

FAST = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FAST
@given(seeds, modes)
def test_realistic_streams_through_the_whole_pipeline(
    seed: int, mode: LineMode | None
) -> None:
    pipeline_from_seed(seed, mode)


@FAST
@given(
    st.binary(max_size=3000),
    st.lists(st.integers(1, 300), min_size=1, max_size=8),
    modes,
)
def test_raw_bytes_through_the_whole_pipeline(
    data: bytes, cuts: list[int], mode: LineMode | None
) -> None:
    run_pipeline(data, cuts, [2.0, 11.0], mode)


@FAST
@given(frames)
def test_any_frame_through_read_meter_and_the_coordinator(frame: Frame) -> None:
    run_frame(frame)


@FAST
@given(policy_steps)
def test_any_policy_input_sequence(steps: list[tuple[Any, ...]]) -> None:
    run_policy(steps)


@FAST
@given(policy_steps, st.lists(st.sampled_from(LOADS), unique=True, min_size=1))
def test_any_policy_input_sequence_after_a_restart(
    steps: list[tuple[Any, ...]], restored: list[str]
) -> None:
    run_policy(steps, restored)


@FAST
@given(readings)
def test_any_index_readings_through_the_glitch_filter(
    values: list[tuple[int, float, int | None]],
) -> None:
    run_glitch_filter(values)


# -- inside Home Assistant ----------------------------------------------------------


async def test_random_frames_into_a_loaded_entry(
    hass: Any, tmp_path: Any, enable_custom_integrations: None
) -> None:
    """400 random frames into the real coordinator, entities and shedding listening."""
    from homeassistant.setup import async_setup_component
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.linky_tempo.const import CONF_LOADS, CONF_MODE, CONF_PORT
    from tic_simulator.transport import PtyMeter

    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"radiator": {"initial": True}}}
    )
    meter = PtyMeter(tmp_path)
    try:
        entry = MockConfigEntry(
            domain="linky_tempo",
            unique_id=METER_ID,
            data={CONF_PORT: str(meter.path), CONF_MODE: "auto"},
            options={
                CONF_LOADS: [{"entity_id": "input_boolean.radiator", "priority": 1}]
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        coordinator = entry.runtime_data.meter
        rng = random.Random(4)
        decoder = TicDecoder()
        for _ in range(400):
            raw = historic_frame(rng) if rng.random() < 0.5 else standard_frame(rng)
            for frame in decoder.feed(mutate(raw, rng) * 2):
                coordinator._on_frame(frame)
            await hass.async_block_till_done()
        states = hass.states.async_all()
        assert any(state.entity_id.startswith("sensor.linky_tempo") for state in states)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        meter.close()
