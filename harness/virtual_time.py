"""A virtual clock for a real asyncio event loop: hours of timers in seconds.

The fault tests and the soak run the real stack (a pty or a socket, serialx,
the integration, Home Assistant's timers, real load entities) for simulated
hours. Only the clock is virtual:

* While the loop has work (ready callbacks, or I/O that arrives within
  ``idle_wait`` real seconds), virtual time stands still: CPU time is free.
* When the loop is idle (nothing ready, no I/O within ``idle_wait``), virtual
  time jumps straight to the next timer, which then fires exactly on time.
* While a job runs in an executor thread (serialx configures a port there,
  pyteleinfo reads a whole frame there), the loop cannot know when it ends:
  virtual time then runs ``executor_speed`` times faster than real time,
  never past the next timer.

Every time source the integration and Home Assistant's timers read is moved
with it: ``loop.time()`` (asyncio timeouts, sleeps, ``async_call_later``),
``dt_util.utcnow``/``now`` and ``time.time`` in ``homeassistant.helpers.event``
(``async_track_point_in_time``), and ``time.monotonic``/``tempo_now`` in the
integration's modules. The meter simulator writes its bytes from loop timers,
so the line is paced in virtual time too.

What this does not compress: the real cost of each step (decoding, entity
writes, service calls), which is measured in real time separately.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class _Selector(selectors.BaseSelector):
    """The loop's selector, whose idle waits move the virtual clock."""

    def __init__(self, clock: VirtualClock, real: selectors.BaseSelector) -> None:
        self._clock = clock
        self._real = real

    def register(self, fileobj: Any, events: int, data: Any = None) -> Any:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> Any:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> Any:
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> Any:
        return self._real.get_key(fileobj)

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> Any:
        return self._clock._select(self._real, timeout)


@dataclass
class VirtualClock:
    """Virtual time for one event loop; see the module docstring."""

    start: datetime
    idle_wait: float = 0.0003
    io_grace: float = 0.05
    executor_speed: float = 20.0
    real_seconds: float = 0.0
    jumps: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _virtual: float = 0.0
    _virtual0: float = 0.0
    _wall0: float = 0.0
    _pending: int = 0
    _real_selector: selectors.BaseSelector | None = None
    _undo: list[Callable[[], None]] = field(default_factory=list)
    _installed_at: float = 0.0
    _expect_io: bool = False

    # -- reading the clock ----------------------------------------------------

    def monotonic(self) -> float:
        """Virtual monotonic seconds (the loop's time)."""
        return self._virtual

    def wall(self) -> float:
        """Virtual POSIX timestamp."""
        return self._wall0 + (self._virtual - self._virtual0)

    def utcnow(self) -> datetime:
        """Virtual aware UTC datetime."""
        return datetime.fromtimestamp(self.wall(), UTC)

    def now(self, time_zone: tzinfo | None = None) -> datetime:
        """Virtual aware local datetime (Home Assistant's zone by default)."""
        from homeassistant.util import dt as dt_util

        return self.utcnow().astimezone(time_zone or dt_util.get_default_time_zone())

    def tempo_now(self) -> datetime:
        """Virtual time in France, as `tempo.tempo_now` gives it."""
        return self.utcnow().astimezone(PARIS)

    def expect_io(self) -> None:
        """Bytes were just written to a pty or socket the loop reads: wait for them.

        Without this, the loop would wait only ``idle_wait`` for them before
        jumping to the next timer, and could read them one timer late.
        """
        self._expect_io = True

    def to_wall(self, loop_time: float) -> float:
        """The virtual POSIX timestamp of a loop time."""
        return self._wall0 + (loop_time - self._virtual0)

    @property
    def elapsed(self) -> float:
        """Virtual seconds since `install`."""
        return self._virtual - self._virtual0

    # -- installing -------------------------------------------------------------

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Take over ``loop``'s clock and every time source listed above."""
        assert self._loop is None, "already installed"
        self._loop = loop
        self._virtual = self._virtual0 = loop.time()
        self._wall0 = self.start.timestamp()
        self._installed_at = time.perf_counter()
        real_selector = loop._selector  # type: ignore[attr-defined]
        self._real_selector = real_selector
        self._set(loop, "_selector", _Selector(self, real_selector))
        self._set(loop, "time", self.monotonic)
        real_run_in_executor = loop.run_in_executor
        self._set(loop, "run_in_executor", self._executor_wrapper(real_run_in_executor))
        self._patch_time_sources()

    def uninstall(self) -> None:
        """Give the loop a real clock back, continuing from the virtual time."""
        if self._loop is None:
            return
        self.real_seconds = time.perf_counter() - self._installed_at
        offset = self._virtual - time.monotonic()
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        # Timers already scheduled keep their virtual deadlines: the loop's
        # clock goes on from the virtual time, at real speed.
        self._loop.time = lambda: time.monotonic() + offset  # type: ignore[method-assign]
        self._loop = None

    def _set(self, target: Any, name: str, value: Any) -> None:
        had = name in vars(target) if hasattr(target, "__dict__") else True
        old = getattr(target, name)
        setattr(target, name, value)
        if had:
            self._undo.append(lambda: setattr(target, name, old))
        else:
            self._undo.append(lambda: delattr(target, name))

    def _patch_time_sources(self) -> None:
        from homeassistant.helpers import event
        from homeassistant.util import dt as dt_util

        from custom_components.linky_tempo import (
            coordinator,
            costs,
            entity,
            heating_mode,
            shedding,
        )
        from custom_components.linky_tempo.meter import link

        fake_time = SimpleNamespace(
            monotonic=self.monotonic,
            time=self.wall,
            perf_counter=time.perf_counter,
            sleep=time.sleep,
        )
        self._set(dt_util, "utcnow", self.utcnow)
        self._set(dt_util, "now", self.now)
        self._set(event, "time_tracker_utcnow", self.utcnow)
        self._set(event, "time", fake_time)
        for module in (coordinator, entity, link, shedding):
            self._set(module, "time", fake_time)
        for module in (shedding, heating_mode, costs):
            self._set(module, "tempo_now", self.tempo_now)
        for name in ("homeassistant.components.teleinfo.coordinator",):
            if (found := sys.modules.get(name)) is not None and hasattr(found, "time"):
                self._set(found, "time", fake_time)

    # -- the loop's side ----------------------------------------------------------

    def _executor_wrapper(
        self, real: Callable[..., asyncio.Future[Any]]
    ) -> Callable[..., asyncio.Future[Any]]:
        def run_in_executor(executor: Any, func: Any, *args: Any) -> Any:
            self._pending += 1
            future = real(executor, func, *args)

            def done(_future: Any) -> None:
                self._pending -= 1

            future.add_done_callback(done)
            return future

        return run_in_executor

    def _next_timer(self) -> float | None:
        scheduled = self._loop._scheduled  # type: ignore[union-attr]
        for handle in scheduled[:1]:
            return float(handle._when)
        return None

    def _select(self, real: selectors.BaseSelector, timeout: float | None) -> Any:
        if timeout == 0:
            return real.select(0)
        if self._pending:
            # A thread is working: virtual time runs at executor_speed.
            wait = self.idle_wait if timeout is None else min(timeout, self.idle_wait)
            began = time.perf_counter()
            events = real.select(wait)
            step = (time.perf_counter() - began) * self.executor_speed
            if timeout is not None:
                step = min(step, timeout)
            self._virtual += step
            return events
        wait = self.idle_wait if timeout is None else min(timeout, self.idle_wait)
        if self._expect_io:
            wait = self.io_grace
        events = real.select(wait)
        if events:
            self._expect_io = False
            return events
        self._expect_io = False
        if timeout is None:
            # Nothing scheduled at all: only I/O or a thread can wake us.
            return real.select(None)
        when = self._next_timer()
        target = self._virtual + timeout if when is None else when
        self._virtual = max(self._virtual, target)
        self.jumps += 1
        return []


@contextlib.contextmanager
def virtual_time(
    loop: asyncio.AbstractEventLoop, start: datetime, **kwargs: Any
) -> Iterator[VirtualClock]:
    """Run ``loop`` on a virtual clock starting at ``start`` (aware datetime)."""
    clock = VirtualClock(start, **kwargs)
    clock.install(loop)
    try:
        yield clock
    finally:
        clock.uninstall()


async def sleep_until(clock: VirtualClock, moment: datetime) -> None:
    """Sleep until a virtual wall-clock moment."""
    await asyncio.sleep(max(0.0, moment.timestamp() - clock.wall()))
