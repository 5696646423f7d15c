"""Overload-to-shed latency, end to end, in a real Home Assistant.

A Linky historic frame with an ADPS (overload) group is written on a real pty
that the integration reads through serialx. The clock starts when the last
byte of the ADPS group (its CR) is written, and stops when Home Assistant
fires the ``call_service`` event of the first load's turn_off action. The
rest of the frame is sent only after that. 200 runs; p50, p99 and max are
printed.

Between runs the overload ends and the load comes back. So that 200 runs
take seconds rather than the real 5 s shed step and 300 s restore delay,
this harness shortens both (the policy's timing is tested on its own).

    python benchmarks/overload_latency.py [runs]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from homeassistant import loader  # noqa: E402
from homeassistant.const import EVENT_CALL_SERVICE  # noqa: E402
from homeassistant.core import Event, HomeAssistant  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from benchmarks._stats import percentile  # noqa: E402
from custom_components.linky_tempo import policy  # noqa: E402
from harness.stack import METER_ID  # noqa: E402
from tic_simulator.frames import tempo_historic  # noqa: E402
from tic_simulator.transport import PtyMeter  # noqa: E402

LOAD = "input_boolean.radiator"


async def measure(runs: int) -> list[float]:
    """Return one latency (seconds) per run."""
    # No shed step, so that consecutive runs each shed at once.
    policy_settings = policy.PolicySettings(shed_step=0.0, restore_delay=0.0)
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        meter = PtyMeter(Path(directory), baudrate=1200, speedup=1000)
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            assert await async_setup_component(
                hass,
                "input_boolean",
                {"input_boolean": {"radiator": {"initial": True}}},
            )
            entry = MockConfigEntry(
                domain="linky_tempo",
                unique_id=METER_ID,
                data={"port": str(meter.path), "mode": "historic"},
                options={
                    "loads": [{"entity_id": LOAD, "priority": 1}],
                },
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            entry.runtime_data.shedding.policy.settings = policy_settings

            called = asyncio.Event()
            called_at = 0.0

            def on_call(event: Event) -> None:
                nonlocal called_at
                if event.data.get("service") == "turn_off":
                    called_at = time.perf_counter()
                    called.set()

            hass.bus.async_listen(EVENT_CALL_SERVICE, on_call)
            normal = tempo_historic(period="HPJB", papp=2000)
            overload = tempo_historic(period="HPJB", papp=6200, iinst=31, adps=31)
            cut = overload.index(b"\r", overload.index(b"ADPS")) + 1
            for _ in range(3):
                meter.write_now(normal)
                await asyncio.sleep(0.05)
            await _wait_on(hass, True)
            for _ in range(runs):
                called.clear()
                meter.write_now(overload[:cut])
                start = time.perf_counter()
                await asyncio.wait_for(called.wait(), 5)
                latencies.append(called_at - start)
                meter.write_now(overload[cut:])
                await _wait_on(hass, False)
                for _ in range(3):  # the overload ends; the load comes back
                    meter.write_now(normal)
                    await asyncio.sleep(0.02)
                await _wait_on(hass, True)
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
        meter.close()
    return latencies


async def _wait_on(hass: HomeAssistant, on: bool) -> None:
    async with asyncio.timeout(10):
        while (state := hass.states.get(LOAD)) is None or (state.state == "on") != on:
            await asyncio.sleep(0.005)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    latencies = asyncio.run(measure(runs))
    ms = sorted(value * 1000 for value in latencies)
    p99 = percentile(ms, 0.99)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"overload group → first load's service call, {len(ms)} runs")
    print(
        f"p50 {statistics.median(ms):.2f} ms   p99 {p99:.2f} ms   max {ms[-1]:.2f} ms"
    )
    print("target: p99 <= 50 ms")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
