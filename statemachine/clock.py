"""Clocks for the turn machine: the event loop's time for live sessions, a fake one for
tests and replays.

Both count seconds from 0 at their creation (the session start) and run timers with
``call_at(when, callback)``. Callbacks run on the caller's thread and must not block.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "FakeClock", "LoopClock", "TimerHandle"]


class TimerHandle(Protocol):
    """What ``Clock.call_at`` returns: something that can be cancelled."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Session time in seconds (monotonic, 0 = session start) and timers on it."""

    def now(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object]) -> TimerHandle: ...


class LoopClock:
    """The real clock: ``t = loop.time() - start``; timers via ``loop.call_at``.

    Create it inside a running event loop (it raises ``RuntimeError`` otherwise) and use it
    only from that loop's thread.
    """

    __slots__ = ("_loop", "_start")

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._start = self._loop.time()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def start(self) -> float:
        """The loop time that is ``t = 0`` on this clock."""
        return self._start

    def now(self) -> float:
        return self._loop.time() - self._start

    def call_at(self, when: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
        return self._loop.call_at(self._start + when, callback)


def _nothing() -> None:
    return None


class FakeTimer:
    """A timer of :class:`FakeClock`."""

    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        self.callback = _nothing  # let go of the callback's owner, as asyncio handles do


class FakeClock:
    """A clock that only moves when told to: no sleeping, the same result every time.

    ``advance_to(t)`` fires every timer due at or before ``t`` in time order (ties in the
    order they were created), with ``now()`` equal to each timer's due time while it runs,
    then sets ``now()`` to ``t``. A timer due at ``t`` therefore fires before whatever the
    caller does at ``t`` after advancing.
    """

    __slots__ = ("_heap", "_now", "_seq")

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._heap: list[tuple[float, int, FakeTimer]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[[], object]) -> FakeTimer:
        timer = FakeTimer(float(when), callback)
        heapq.heappush(self._heap, (timer.when, next(self._seq), timer))
        return timer

    def advance_to(self, t: float) -> None:
        """Move to time ``t`` (never backwards), firing the timers due on the way."""
        if t < self._now:
            raise ValueError(f"time cannot go backwards: {t} < {self._now}")
        heap = self._heap
        while heap and heap[0][0] <= t:
            when, _, timer = heapq.heappop(heap)
            if timer.cancelled:
                continue
            if when > self._now:
                self._now = when
            timer.callback()
        self._now = float(t)

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self.advance_to(self._now + seconds)

    @property
    def pending(self) -> int:
        """How many timers are scheduled and not cancelled."""
        return sum(1 for _, _, timer in self._heap if not timer.cancelled)

    def next_due(self) -> float | None:
        """Due time of the earliest live timer, or ``None``."""
        live = [when for when, _, timer in self._heap if not timer.cancelled]
        return min(live) if live else None
