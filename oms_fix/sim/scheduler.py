"""The simulation's clock: a discrete-event scheduler on virtual time in integer nanoseconds.

Events wait in a heap ordered by (time, seq): ``seq`` counts insertions, so two
events at the same instant run in the order they were scheduled, never by
comparing callbacks, and a run is the same every time. An event may schedule
more events, at its own instant too (they run after everything already due
then). Nothing here reads a wall clock: the caller runs the scheduler in
slices (``run(until)``) and looks at the wall between them if it wants to.
"""

from __future__ import annotations

import heapq
from typing import Any, Callable

__all__ = ["Scheduler", "SchedulingError"]


class SchedulingError(Exception):
    """An event was scheduled before the current time: the caller's bug."""


class Scheduler:
    __slots__ = ("_heap", "_seq", "_now", "events", "__weakref__")

    def __init__(self, start_ns: int) -> None:
        self._heap: list[tuple[int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._seq = 0
        self._now = start_ns
        self.events = 0  # events run so far

    @property
    def now(self) -> int:
        return self._now

    def at(self, time_ns: int, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` at ``time_ns`` (not before now)."""
        if time_ns < self._now:
            raise SchedulingError(f"event at {time_ns} scheduled after the clock reached {self._now}")
        self._seq += 1
        heapq.heappush(self._heap, (time_ns, self._seq, fn, args))

    def after(self, delay_ns: int, fn: Callable[..., Any], *args: Any) -> None:
        self.at(self._now + delay_ns, fn, *args)

    def next_time(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def run(self, until_ns: int | None = None) -> int:
        """Run every event due at or before ``until_ns`` (all of them: None); the clock ends at ``until_ns``
        (or at the last event's time). Returns how many events ran."""
        heap = self._heap
        pop = heapq.heappop
        ran = 0
        while heap and (until_ns is None or heap[0][0] <= until_ns):
            time_ns, _, fn, args = pop(heap)
            self._now = time_ns
            fn(*args)
            ran += 1
        if until_ns is not None and until_ns > self._now:
            self._now = until_ns
        self.events += ran
        return ran

    def __len__(self) -> int:
        return len(self._heap)
