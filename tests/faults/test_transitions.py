"""Tempo boundaries on the virtual clock: 06:00 with a colour change, and 22:00.

The meter (simulated, on a real pty) changes its period when its own clock
crosses the boundary; loads must follow as soon as the next frame confirms
the new period (a value seen in one frame only could be a corruption that
passed the checksum): at the end of the second frame after the boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from homeassistant.core import HomeAssistant

from custom_components.linky_tempo.const import (
    EVENT_SHEDDING_ENDED,
    EVENT_SHEDDING_STARTED,
)
from custom_components.linky_tempo.meter import TempoColor
from tests.faults.meter_model import MeterFeed, PtySink, SimulatedMeter, TempoCalendar
from tests.faults.virtual_time import PARIS, VirtualClock, sleep_until
from tests.feeds import PtyMeter
from tests.stack import (
    NORMAL,
    SHED,
    Recorder,
    add_entry,
    load_states,
    meter_entry,
    setup_loads,
)

D0 = date(2026, 1, 14)
# The line time of one 64-byte read at 1200 Bd: the simulator delivers the
# stream in such pieces, so "at once" means within the read that completes
# the frame (the virtual clock normally gives 0; a loaded machine may
# deliver a piece one read late).
READ = 64 * 10 / 1200
CALENDAR = TempoCalendar({D0: TempoColor.WHITE, date(2026, 1, 15): TempoColor.RED})


async def _run(
    hass: HomeAssistant,
    pty: PtyMeter,
    clock: VirtualClock,
    until: datetime,
) -> tuple[Recorder, MeterFeed, list[tuple[float, str]]]:
    await setup_loads(hass)
    recorder = Recorder(hass).start()
    events: list[tuple[float, str]] = []
    for name in (EVENT_SHEDDING_STARTED, EVENT_SHEDDING_ENDED):
        hass.bus.async_listen(
            name,
            lambda event: events.append((clock.wall(), event.event_type)),
        )
    meter = SimulatedMeter(CALENDAR)
    feed = MeterFeed(meter, [PtySink(pty)], clock)
    feed.start()
    await add_entry(hass, meter_entry(str(pty.path)))
    await sleep_until(clock, until)
    await feed.stop()
    recorder.stop()
    return recorder, feed, events


def _first_change(recorder: Recorder, entity_id: str, state: str) -> float:
    return next(c.at for c in recorder.of(entity_id) if c.state == state)


def _confirming_frame_after(feed: MeterFeed, boundary: datetime) -> float:
    """Loop time at which the second frame the meter sent after ``boundary`` ended."""
    after = [sent.at for sent in feed.sent if sent.local >= boundary]
    return after[1]


async def test_06_00_colour_change_sheds_once_the_next_frame_confirms_it(
    hass: HomeAssistant,
    pty: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    """05:55 blue night (HCJB) → 06:00 white peak (HPJW): everything shed."""
    start = datetime(2026, 1, 14, 5, 55, tzinfo=PARIS)
    clock = virtual_clock(start)
    boundary = datetime(2026, 1, 14, 6, 0, tzinfo=PARIS)
    recorder, feed, events = await _run(
        hass, pty, clock, datetime(2026, 1, 14, 6, 5, tzinfo=PARIS)
    )
    assert load_states(hass) == SHED
    # The first load is shed as soon as the second frame the meter sampled
    # after 06:00 is complete: no other delay, never before the boundary.
    shed_at = min(_first_change(recorder, e, SHED[e]) for e in SHED)
    frame_end = _confirming_frame_after(feed, boundary)
    assert clock.to_wall(shed_at) >= boundary.timestamp()
    assert abs(frame_end - shed_at) <= READ, frame_end - shed_at
    assert [kind for _, kind in events] == [EVENT_SHEDDING_STARTED]
    assert hass.states.get("sensor.linky_tempo_today_s_colour").state == "white"
    assert recorder.problems() == []
    assert feed.frames > 100


async def test_22_00_restores_once_the_next_frame_confirms_it(
    hass: HomeAssistant,
    pty: PtyMeter,
    virtual_clock: Callable[[datetime], VirtualClock],
) -> None:
    """21:55 white peak (HPJW, shed) → 22:00 white night (HCJW): all restored."""
    start = datetime(2026, 1, 14, 21, 55, tzinfo=PARIS)
    clock = virtual_clock(start)
    boundary = datetime(2026, 1, 14, 22, 0, tzinfo=PARIS)
    recorder, feed, events = await _run(
        hass, pty, clock, datetime(2026, 1, 14, 22, 3, tzinfo=PARIS)
    )
    assert load_states(hass) == NORMAL
    first_restore = _first_change(recorder, "climate.office", "heat")
    frame_end = _confirming_frame_after(feed, boundary)
    assert clock.to_wall(first_restore) >= boundary.timestamp()
    assert abs(frame_end - first_restore) <= READ, frame_end - first_restore
    assert [kind for _, kind in events] == [
        EVENT_SHEDDING_STARTED,
        EVENT_SHEDDING_ENDED,
    ]
    assert recorder.problems() == []
