"""Event-loop time per frame inside Home Assistant (real clock).

    python benchmarks/loop_time.py [--frames 3000]

A real Home Assistant with the integration set up on a pty (historic and
then standard frames of the simulated Linky Tempo meter, the power changing
on every frame, three real loads configured) receives frames 20 times
faster than the line would deliver them. Measured on the event loop, per
frame:

* decode: `TicDecoder.feed` over the bytes of the frame (as the link reads
  them, in 64-byte pieces);
* publish: the synchronous handling of a complete frame (`read_meter`,
  glitch filter, coordinator update, every entity's write decision and
  state write, the shedding coordinator's evaluation);
* loop busy: all the time the event loop spent running callbacks during the
  run (serialx's reads, Home Assistant's own bookkeeping, the state_changed
  dispatch...), divided by the frames, minus the simulator's own writes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from homeassistant import loader  # noqa: E402
from homeassistant.helpers import frame as ha_frame  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    async_test_home_assistant,
)

from benchmarks._stats import percentile  # noqa: E402
from custom_components.linky_tempo.meter import LineMode  # noqa: E402
from harness.stack import add_entry, meter_entry, setup_loads  # noqa: E402
from harness.virtual_time import PARIS  # noqa: E402
from tic_simulator.scripted import ScriptedMeter  # noqa: E402
from tic_simulator.tempo import TempoCalendar  # noqa: E402
from tic_simulator.transport import PtyMeter  # noqa: E402

SPEEDUP = 20


class LoopMeter:
    """Time spent running event-loop callbacks (asyncio.Handle._run)."""

    def __init__(self) -> None:
        self.busy = 0.0
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> LoopMeter:
        meter = self
        original = self._original

        def _run(handle: asyncio.Handle) -> None:
            began = time.perf_counter()
            try:
                original(handle)
            finally:
                meter.busy += time.perf_counter() - began

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


class TimedDecoder:
    """The link's decoder, with its feed() timed (TicDecoder has __slots__)."""

    def __init__(self, decoder: Any, feed: Any) -> None:
        self._decoder = decoder
        self.feed = feed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._decoder, name)


async def run_mode(mode: LineMode, frames: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        pty = PtyMeter(Path(directory))
        async with async_test_home_assistant(loop) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            ha_frame.async_setup(hass)
            await setup_loads(hass)
            meter = ScriptedMeter(TempoCalendar(), mode=mode)
            local = datetime(2026, 1, 14, 10, 0, tzinfo=PARIS)
            entry = await add_entry(hass, meter_entry(str(pty.path), mode=mode.value))
            link = entry.runtime_data.meter.link
            publish: list[float] = []
            decode = [0.0]
            on_frame = link._on_frame
            feed = link.decoder.feed

            def timed_frame(frame: Any) -> None:
                began = time.perf_counter()
                on_frame(frame)
                publish.append(time.perf_counter() - began)

            def timed_feed(data: bytes) -> Any:
                began = time.perf_counter()
                out = feed(data)
                decode[0] += time.perf_counter() - began
                return out

            link._on_frame = timed_frame
            link.decoder = TimedDecoder(link.decoder, timed_feed)  # type: ignore[assignment]
            writes = [0.0]

            async def send(count: int) -> None:
                for index in range(count):
                    meter.power = 1500 + (index * 37) % 2500
                    data = meter.frame(local)
                    baud = 1200 if mode is LineMode.HISTORIC else 9600
                    pause = len(data) * 10 / baud
                    for start in range(0, len(data), 64):
                        began = time.perf_counter()
                        pty.write_now(data[start : start + 64])
                        writes[0] += time.perf_counter() - began
                    await asyncio.sleep(pause / SPEEDUP)

            await send(50)  # entities are created by the first frames
            await hass.async_block_till_done()
            publish.clear()
            decode[0] = writes[0] = 0.0
            frames_before = link.decoder.frames
            with LoopMeter() as busy:
                await send(frames)
                await asyncio.sleep(0.2)
            decoded = link.decoder.frames - frames_before
            result = {
                "frames": decoded,
                "bytes": len(meter.frame(local)),
                "entities": len(
                    [s for s in hass.states.async_all() if "linky_tempo" in s.entity_id]
                ),
                "publish": publish,
                "decode": decode[0] / max(decoded, 1),
                "busy": (busy.busy - writes[0]) / max(decoded, 1),
            }
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
        pty.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}; frames sent {SPEEDUP}x faster than the line"
    )
    print(
        f"{'mode':9} {'bytes':>5} {'entities':>8} {'frames':>6} {'decode µs':>9} "
        f"{'publish p50 ms':>14} {'p99 ms':>7} {'loop busy ms/frame':>18}"
    )
    for mode in (LineMode.HISTORIC, LineMode.STANDARD):
        result = asyncio.run(run_mode(mode, args.frames))
        publish = [t * 1000 for t in result["publish"]]
        print(
            f"{mode.value:9} {result['bytes']:5d} {result['entities']:8d} "
            f"{result['frames']:6d} {result['decode'] * 1e6:9.1f} "
            f"{statistics.median(publish):14.3f} {percentile(publish, 0.99):7.3f} "
            f"{result['busy'] * 1000:18.3f}"
        )
    print(
        "A frame arrives every ~1.3 s (standard) to ~2.3 s (historic): "
        "loop busy / frame interval is the share of one core the meter costs."
    )


if __name__ == "__main__":
    main()
