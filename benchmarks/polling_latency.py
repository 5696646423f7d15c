"""Overload-to-shed latency next to a 10 s polling reader (HA core teleinfo).

    python benchmarks/polling_latency.py [--events 200] [--seed 1]

Installs pyteleinfo==0.4.0 in .cache/venv-bench on first use (see _peers.py).

One Home Assistant runs two integrations on the same simulated meter (its
bytes written to two ptys, 16 bytes at a time at the 1200 Bd line pace):

* linky_tempo, with a load to shed;
* HA core's teleinfo integration, unmodified: its DataUpdateCoordinator
  polls every 10 s, each poll opening the port and reading one whole frame
  with pyteleinfo's ``read_frame`` in an executor thread. Only one thing is
  wrapped: after each poll the pty's settings are reset, because this
  sandbox's pty refuses a second 7E1 configuration (a real port does not).

Every 45-105 s an oven pushes the meter to 7,300 VA (32 A > 30 A: the meter
adds ADPS to its frames); half the overloads last 30 s, half 4 s. The clock
starts when the CR of the first ADPS group is on the line. It stops:

* for linky_tempo, at the turn_off call of the shed load;
* for teleinfo, when its coordinator first holds a frame with ADPS (teleinfo
  exposes no ADPS entity: this is the earliest any automation could act,
  on its apparent power sensor).

Timing is on the virtual clock of tests/faults/virtual_time.py: line time,
the 10 s poll interval and every timer are simulated; processing costs no
virtual time, except inside executor threads (pyteleinfo's reads), where
virtual time runs 20 times faster than real time — which adds at most a few
tens of ms to teleinfo's figures. linky_tempo's real processing time from
the ADPS byte to the service call is measured by overload_latency.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._peers import reexec_with_peers  # noqa: E402

reexec_with_peers()

from homeassistant import loader  # noqa: E402
from homeassistant.const import EVENT_CALL_SERVICE  # noqa: E402
from homeassistant.core import Event, callback  # noqa: E402
from homeassistant.helpers import frame as ha_frame  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from benchmarks._stats import percentile  # noqa: E402
from tests.faults.meter_model import (  # noqa: E402
    MeterFeed,
    PtySink,
    SimulatedMeter,
    TempoCalendar,
    UartPty,
)
from tests.faults.virtual_time import PARIS, VirtualClock  # noqa: E402
from tests.stack import add_entry, meter_entry  # noqa: E402

LOAD = "input_boolean.radiator"
START = datetime(2026, 1, 14, 9, 0, tzinfo=PARIS)
BASE_VA = 3200
OVEN_VA = 4100  # 7,300 VA with the base: 32 A > ISOUSC 30 A


async def measure(events: int, seed: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    rng = random.Random(seed)
    result: dict[str, Any] = {"ours": [], "poll": [], "missed": {"long": 0, "short": 0}}
    with tempfile.TemporaryDirectory() as directory:
        for name in ("ours", "poll"):
            (Path(directory) / name).mkdir()
        ours_pty = UartPty(Path(directory) / "ours")
        poll_pty = UartPty(Path(directory) / "poll")
        async with async_test_home_assistant(loop) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            ha_frame.async_setup(hass)
            clock = VirtualClock(START, executor_speed=20.0)
            clock.install(loop)
            assert await async_setup_component(
                hass,
                "input_boolean",
                {"input_boolean": {"radiator": {"initial": True}}},
            )
            meter = SimulatedMeter(TempoCalendar())  # blue day: no Tempo shedding
            oven = {"on": False}

            def power(_local: datetime) -> None:
                meter.power = BASE_VA + (OVEN_VA if oven["on"] else 0)

            feed = MeterFeed(
                meter,
                [PtySink(ours_pty), PtySink(poll_pty)],
                clock,
                chunk=16,
                before_frame=power,
                mark=b"\nADPS",
            )
            feed.start()
            # HA core teleinfo, with its pinned pyteleinfo; the pty is reset
            # after each poll (see the module docstring).
            import teleinfo
            from homeassistant.components.teleinfo import coordinator as poller

            def read_frame(port: str) -> bytes:
                try:
                    return teleinfo.read_frame(port)
                finally:
                    poll_pty.release()

            poller.read_frame = read_frame  # type: ignore[attr-defined]
            teleinfo_entry = MockConfigEntry(
                domain="teleinfo", data={"serial_port": str(poll_pty.path)}
            )
            teleinfo_entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(teleinfo_entry.entry_id)
            ours = await add_entry(
                hass,
                meter_entry(
                    str(ours_pty.path),
                    options={
                        "loads": [{"entity_id": LOAD, "priority": 1}],
                        "restore_delay": 30,
                    },
                ),
            )
            seen: dict[str, float] = {}

            @callback
            def on_call(event: Event[Any]) -> None:
                if event.data.get("service") == "turn_off":
                    seen.setdefault("ours", loop.time())

            @callback
            def on_poll() -> None:
                data = teleinfo_entry.runtime_data.data or {}
                if "ADPS" in data:
                    seen.setdefault("poll", loop.time())

            hass.bus.async_listen(EVENT_CALL_SERVICE, on_call)
            teleinfo_entry.runtime_data.async_add_listener(on_poll)
            await asyncio.sleep(60)
            for index in range(events):
                kind = "long" if index % 2 == 0 else "short"
                await asyncio.sleep(rng.uniform(45, 105))
                seen.clear()
                marks = len(feed.marked)
                oven["on"] = True
                await asyncio.sleep(30 if kind == "long" else 4)
                oven["on"] = False
                # Time for the last overloaded frame and one more poll.
                await asyncio.sleep(15)
                if len(feed.marked) == marks:
                    continue  # the overload fell between frames: no ADPS sent
                began = feed.marked[marks]
                if "ours" in seen:
                    result["ours"].append(seen["ours"] - began)
                if "poll" in seen:
                    result["poll"].append((kind, seen["poll"] - began))
                else:
                    result["missed"][kind] += 1
                result.setdefault("sent", {"long": 0, "short": 0})[kind] += 1
                # Let the load come back before the next overload.
                async with asyncio.timeout(600):
                    while getattr(hass.states.get(LOAD), "state", None) != "on":
                        await asyncio.sleep(1)
            await feed.stop()
            for entry in (ours, teleinfo_entry):
                with contextlib.suppress(Exception):
                    await hass.config_entries.async_unload(entry.entry_id)
            clock.uninstall()
            await hass.async_stop(force=True)
        ours_pty.close()
        poll_pty.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = asyncio.run(measure(args.events, args.seed))
    sent = result.get("sent", {"long": 0, "short": 0})
    print(
        f"{sum(sent.values())} overloads with ADPS on the line "
        f"({sent['long']} of 30 s, {sent['short']} of 4 s), virtual clock"
    )
    print(f"{'reader':34} {'seen':>9} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")
    ours = result["ours"]
    print(
        f"{'linky_tempo (push, ADPS group)':34} "
        f"{len(ours):4d}/{sum(sent.values()):<4d} "
        f"{statistics.median(ours):7.3f} {percentile(ours, 0.99):7.3f} {max(ours):7.3f}"
    )
    for kind in ("long", "short"):
        polls = [latency for k, latency in result["poll"] if k == kind]
        label = f"teleinfo (10 s poll), {'30' if kind == 'long' else '4'} s overloads"
        if polls:
            print(
                f"{label:34} {len(polls):4d}/{sent[kind]:<4d} "
                f"{statistics.median(polls):7.3f} {percentile(polls, 0.99):7.3f} "
                f"{max(polls):7.3f}"
            )
        else:
            print(f"{label:34} {0:4d}/{sent[kind]:<4d}")
    print(
        "linky_tempo's figures are waiting time on the line (0: it acts on the "
        "chunk that completes the ADPS group); add its processing time, "
        "measured by overload_latency.py."
    )


if __name__ == "__main__":
    main()
