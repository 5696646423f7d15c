"""Soak: 48 simulated hours through the full stack, on a virtual clock.

    python benchmarks/soak.py [--hours 48] [--every 4]

Simulator → pty → serialx → the integration → coordinator → real loads (an
input_boolean, a pilot-wire input_select, a generic_thermostat), in a real
Home Assistant. The simulated meter (tests/faults/meter_model.py) follows a
Tempo calendar (blue, then a white day, a red day, a blue day), its power
follows the loads that are on plus the household's noise, and an oven runs
for 10 minutes every 3 hours (an overload while the heaters are on).

Two config entries read the same bytes on two ptys: the product with its
default entities and write rates, and the same integration patched to write
every entity on every frame (what a plain CoordinatorEntity does), so the
two write rates come from the same stream in the same run.

The clock is virtual (tests/faults/virtual_time.py): it stands still while
the loop works and jumps to the next timer when it is idle, so 48 h of
timers, back-offs, write intervals and line pacing take minutes. Printed:
shedding transitions against the 06:00/22:00 boundaries, state writes per
hour for both entries, memory (RSS, Python objects, loop timers, tasks)
every few hours, every warning or error logged, and the real event-loop
time spent per frame.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from homeassistant import loader  # noqa: E402
from homeassistant.core import Event, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers import frame as ha_frame  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    async_test_home_assistant,
)

from benchmarks._stats import percentile  # noqa: E402
from custom_components.linky_tempo.const import (  # noqa: E402
    EVENT_SHEDDING_ENDED,
    EVENT_SHEDDING_STARTED,
)
from custom_components.linky_tempo.entity import LinkyEntity  # noqa: E402
from custom_components.linky_tempo.meter import TempoColor  # noqa: E402
from tests.faults.meter_model import (  # noqa: E402
    MeterFeed,
    PtySink,
    SimulatedMeter,
    TempoCalendar,
)
from tests.faults.virtual_time import PARIS, VirtualClock  # noqa: E402
from tests.feeds import PtyMeter  # noqa: E402
from tests.stack import (  # noqa: E402
    BENIGN,
    LOAD_POWER,
    NORMAL,
    add_entry,
    load_states,
    meter_entry,
    setup_loads,
)

START = datetime(2026, 1, 14, 3, 0, tzinfo=PARIS)
CALENDAR = TempoCalendar(
    {
        date(2026, 1, 13): TempoColor.BLUE,
        date(2026, 1, 14): TempoColor.WHITE,
        date(2026, 1, 15): TempoColor.RED,
        date(2026, 1, 16): TempoColor.BLUE,
    }
)
OVEN_VA = 2600
EVERY_FRAME_ID = "099999999999"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Soak:
    def __init__(self, hass: HomeAssistant, clock: VirtualClock, hours: float) -> None:
        self.hass = hass
        self.clock = clock
        self.hours = hours
        self.rng = random.Random(48)
        self.changed: dict[str, Counter[int]] = {
            "default": Counter(),
            "every frame": Counter(),
        }
        self.by_entity: Counter[str] = Counter()
        self.reported: dict[str, Counter[int]] = {
            "default": Counter(),
            "every frame": Counter(),
        }
        self.owner: dict[str, str] = {}
        self.moves: list[tuple[datetime, str, str]] = []
        self.events: list[tuple[datetime, str, str]] = []
        self.records: list[logging.LogRecord] = []
        self.memory: list[tuple[int, float, int, int, int, int]] = []
        # Event-loop time per frame, in whole microseconds: a bounded histogram.
        self.frame_times: Counter[int] = Counter()
        self.traces: list[Any] = []

    def hour(self) -> int:
        return int(self.clock.elapsed // 3600)

    def oven_on(self, local: datetime) -> bool:
        return local.hour % 3 == 1 and local.minute < 10

    def power(self, meter: SimulatedMeter, local: datetime) -> None:
        states = load_states(self.hass)
        meter.power = (
            900
            + self.rng.randrange(0, 600)
            + sum(w for e, w in LOAD_POWER.items() if states[e] == NORMAL[e])
            + (OVEN_VA if self.oven_on(local) else 0)
        )

    def listen(self) -> None:
        hass = self.hass

        @callback
        def changed(event: Event[Any]) -> None:
            entity_id = event.data["entity_id"]
            owner = self.owner.get(entity_id)
            if owner is not None and event.data["old_state"] is not None:
                self.changed[owner][self.hour()] += 1
                if owner == "default":
                    self.by_entity[entity_id] += 1
            new, old = event.data["new_state"], event.data["old_state"]
            if entity_id in NORMAL and new and old and new.state != old.state:
                self.moves.append((self.clock.tempo_now(), entity_id, new.state))

        @callback
        def reported(event: Event[Any]) -> None:
            owner = self.owner.get(event.data["entity_id"])
            if owner is not None:
                self.reported[owner][self.hour()] += 1

        @callback
        def mine(data: Any) -> bool:
            return data["entity_id"] in self.owner

        hass.bus.async_listen("state_changed", changed)
        hass.bus.async_listen("state_reported", reported, mine)
        for name in (EVENT_SHEDDING_STARTED, EVENT_SHEDDING_ENDED):
            hass.bus.async_listen(
                name,
                lambda event: self.events.append(
                    (self.clock.tempo_now(), event.event_type, event.data.get("reason"))
                ),
            )
        soak = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if not any(text in record.getMessage() for text in BENIGN):
                    soak.records.append(record)

        logging.getLogger().addHandler(Handler(logging.WARNING))

    def own(self, entry_id: str, name: str) -> None:
        registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(registry, entry_id):
            self.owner[entity.entity_id] = name

    def sample_memory(self) -> None:
        gc.collect()
        if tracemalloc.is_tracing():
            self.traces.append((self.hour(), tracemalloc.take_snapshot()))
        loop = asyncio.get_running_loop()
        self.memory.append(
            (
                self.hour(),
                rss_mb(),
                len(gc.get_objects()),
                len(loop._scheduled),  # type: ignore[attr-defined]
                len(asyncio.all_tasks()),
                len(self.hass.states.async_all()),
            )
        )


def every_frame_patch(entry_ids: set[str]) -> None:
    """The second entry's entities write on every frame (a plain CoordinatorEntity)."""
    original = LinkyEntity._handle_coordinator_update

    @callback
    def handle(self: LinkyEntity) -> None:
        if self.coordinator.config_entry.entry_id in entry_ids:
            self.async_write_ha_state()
        else:
            original(self)

    LinkyEntity._handle_coordinator_update = handle  # type: ignore[method-assign]


async def run(hours: float, every: int) -> Soak:
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    with tempfile.TemporaryDirectory() as directory:
        for name in ("a", "b"):
            (Path(directory) / name).mkdir()
        pty_a = PtyMeter(Path(directory) / "a")
        pty_b = PtyMeter(Path(directory) / "b")
        async with async_test_home_assistant(loop) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            ha_frame.async_setup(hass)
            clock = VirtualClock(START)
            clock.install(loop)
            soak = Soak(hass, clock, hours)
            await setup_loads(hass)
            meter = SimulatedMeter(CALENDAR)
            feed = MeterFeed(
                meter,
                [PtySink(pty_a), PtySink(pty_b)],
                clock,
                chunk=4096,
                before_frame=lambda local: soak.power(meter, local),
                keep_sent=False,
            )
            feed.start()
            every_entry = meter_entry(
                str(pty_b.path), loads=False, unique_id=EVERY_FRAME_ID
            )
            every_frame_patch({every_entry.entry_id})
            default = await add_entry(hass, meter_entry(str(pty_a.path)))
            await add_entry(hass, every_entry)
            coordinator = default.runtime_data.meter
            on_frame = coordinator.link._on_frame

            def timed(frame: Any) -> None:
                began = time.perf_counter()
                on_frame(frame)
                soak.frame_times[round((time.perf_counter() - began) * 1e6)] += 1

            coordinator.link._on_frame = timed
            # Entities are created by the first frames.
            await asyncio.sleep(30)
            soak.own(default.entry_id, "default")
            soak.own(every_entry.entry_id, "every frame")
            soak.listen()
            began = time.perf_counter()
            total = int(hours * 3600)
            for second in range(0, total, 3600):
                if (second // 3600) % every == 0:
                    soak.sample_memory()
                    print(
                        f"  {second // 3600:3d} h  {clock.tempo_now():%a %H:%M}  "
                        f"real {time.perf_counter() - began:6.0f} s  "
                        f"frames {feed.frames}",
                        file=sys.stderr,
                        flush=True,
                    )
                await asyncio.sleep(3600)
            soak.sample_memory()
            soak.frames = feed.frames  # type: ignore[attr-defined]
            soak.real = time.perf_counter() - began  # type: ignore[attr-defined]
            await feed.stop()
            for entry in hass.config_entries.async_entries("linky_tempo"):
                await hass.config_entries.async_unload(entry.entry_id)
            clock.uninstall()
            await hass.async_stop(force=True)
        pty_a.close()
        pty_b.close()
    return soak


def boundaries(hours: float) -> list[datetime]:
    found = []
    moment = START
    while moment < START + timedelta(hours=hours):
        moment += timedelta(minutes=1)
        if moment.minute == 0 and moment.hour in (6, 22):
            found.append(moment)
    return found


def report(soak: Soak, hours: float) -> None:
    print(
        f"Soak: {hours:g} simulated hours, {soak.frames} frames per entry, "  # type: ignore[attr-defined]
        f"{soak.real:.0f} s of real time"
    )  # type: ignore[attr-defined]
    print()
    print("Tempo boundaries (meter period changes; first load action after it):")
    for boundary in boundaries(hours):
        before = CALENDAR.period(boundary - timedelta(seconds=1))
        after = CALENDAR.period(boundary)
        action = next(
            (m for m in soak.moves if m[0] >= boundary),
            None,
        )
        shed_before = before.name.startswith("HP_") and before.name != "HP_BLUE"
        shed_after = after.name.startswith("HP_") and after.name != "HP_BLUE"
        expected = (
            "shed"
            if shed_after and not shed_before
            else ("restore" if shed_before and not shed_after else "none")
        )
        lag = (
            f"{(action[0] - boundary).total_seconds():5.1f} s "
            f"({action[1]} → {action[2]})"
            if action
            and expected != "none"
            and (action[0] - boundary) < timedelta(minutes=5)
            else "—"
        )
        print(
            f"  {boundary:%a %d %H:%M}  {before.value:>8} → {after.value:<8} "
            f"expected {expected:8} first action +{lag}"
        )
    print()
    print("Shedding events:")
    counts = Counter(
        (kind.rsplit("_", 1)[-1], reason) for _, kind, reason in soak.events
    )
    for (kind, reason), count in sorted(counts.items()):
        print(f"  {kind:8} {reason}: {count}")
    print()
    print("State writes per simulated hour (state_changed + state_reported):")
    print(
        f"  {'entities':14} {'changed/h':>10} {'reported/h':>11} "
        f"{'total/h':>8} {'max h':>7}"
    )
    for name in ("default", "every frame"):
        hours_seen = max(1, int(hours))
        changed = sum(soak.changed[name].values()) / hours_seen
        reported = sum(soak.reported[name].values()) / hours_seen
        peak = max(
            (soak.changed[name][h] + soak.reported[name][h] for h in range(hours_seen)),
            default=0,
        )
        count = sum(1 for owner in soak.owner.values() if owner == name)
        print(
            f"  {name + f' ({count})':14} {changed:10.0f} {reported:11.0f} "
            f"{changed + reported:8.0f} {peak:7d}"
        )
    print("  target: default entities <= 1,000 per hour")
    print("  default entities, state changes per hour:")
    for entity_id, count in soak.by_entity.most_common():
        print(f"    {entity_id:48} {count / max(1, int(hours)):7.1f}")
    print()
    print("Memory (after gc):")
    print(
        f"  {'hour':>4} {'RSS MB':>7} {'objects':>9} {'timers':>7} "
        f"{'tasks':>6} {'states':>7}"
    )
    for hour, rss, objects, timers, tasks, states in soak.memory:
        print(f"  {hour:4d} {rss:7.1f} {objects:9d} {timers:7d} {tasks:6d} {states:7d}")
    if len(soak.memory) >= 3:
        first, last = soak.memory[1], soak.memory[-1]
        span = max(1, last[0] - first[0])
        growth = last[1] - first[1]
        print(
            f"  from hour {first[0]} to {last[0]}: RSS {growth:+.1f} MB "
            f"({growth / span * 24:+.2f} MB/day), "
            f"objects {last[2] - first[2]:+d}"
        )
    print()
    times = [us / 1000 for us, n in sorted(soak.frame_times.items()) for _ in range(n)]
    if times:
        p99 = percentile(times, 0.99)
        print(
            "Event-loop time per frame (synchronous: read, publish, entities, "
            f"shedding), default entry: p50 {statistics.median(times):.3f} ms, "
            f"p99 {p99:.3f} ms, "
            f"max {times[-1]:.3f} ms over {len(times)} frames"
        )
    if len(soak.traces) >= 3:
        (h1, first_trace), (h2, last_trace) = soak.traces[1], soak.traces[-1]
        print(f"Largest allocation growth from hour {h1} to {h2} (tracemalloc):")
        for stat in last_trace.compare_to(first_trace, "traceback")[:8]:
            frame = stat.traceback[-1]
            print(
                f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
                f"{frame.filename.rpartition('site-packages/')[2]}:{frame.lineno}"
            )
    print()
    print(f"Warnings and errors logged: {len(soak.records)}")
    for record in soak.records[:10]:
        print(f"  {record.levelname} {record.name}: {record.getMessage()[:140]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=48.0)
    parser.add_argument("--every", type=int, default=4, help="memory sample period (h)")
    parser.add_argument(
        "--trace", action="store_true", help="tracemalloc: where memory grew (slower)"
    )
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start(8)
    logging.basicConfig(level=logging.ERROR)
    soak = asyncio.run(run(args.hours, args.every))
    report(soak, args.hours)


if __name__ == "__main__":
    main()
