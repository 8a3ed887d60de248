"""The simulation's scheduler: virtual time in ns, ties broken by the order of scheduling."""

from __future__ import annotations

import pytest

from oms_fix.sim.scheduler import Scheduler, SchedulingError

T0 = 1_000_000_000_000


def test_events_run_in_time_order_whatever_the_order_they_were_scheduled_in() -> None:
    s = Scheduler(T0)
    seen: list[tuple[int, str]] = []
    for at, name in ((T0 + 30, "c"), (T0 + 10, "a"), (T0 + 20, "b")):
        s.at(at, lambda n: seen.append((s.now, n)), name)
    assert s.run() == 3
    assert seen == [(T0 + 10, "a"), (T0 + 20, "b"), (T0 + 30, "c")]


def test_ties_run_in_the_order_they_were_scheduled() -> None:
    s = Scheduler(T0)
    seen: list[int] = []
    for i in range(50):
        s.at(T0 + 5, seen.append, i)
    s.run()
    assert seen == list(range(50))


def test_an_event_scheduled_for_its_own_instant_runs_after_those_already_due() -> None:
    s = Scheduler(T0)
    seen: list[str] = []

    def first() -> None:
        seen.append("first")
        s.at(s.now, seen.append, "spawned")

    s.at(T0 + 1, first)
    s.at(T0 + 1, seen.append, "second")
    s.at(T0 + 2, seen.append, "later")
    s.run()
    assert seen == ["first", "second", "spawned", "later"]


def test_run_until_stops_at_the_bound_and_the_clock_stands_there() -> None:
    s = Scheduler(T0)
    seen: list[int] = []
    for k in range(1, 6):
        s.at(T0 + 10 * k, seen.append, k)
    assert s.run(T0 + 30) == 3  # an event at the bound runs
    assert seen == [1, 2, 3] and s.now == T0 + 30
    assert s.run(T0 + 35) == 0 and s.now == T0 + 35
    s.after(1, seen.append, 99)
    s.run()
    assert seen == [1, 2, 3, 99, 4, 5] and s.now == T0 + 50 and len(s) == 0


def test_the_past_cannot_be_scheduled() -> None:
    s = Scheduler(T0)
    s.run(T0 + 100)
    with pytest.raises(SchedulingError):
        s.at(T0 + 99, print)


def test_callbacks_are_never_compared() -> None:
    s = Scheduler(T0)
    s.at(T0, object.__init__, object())  # same time, uncomparable payloads: seq decides
    s.at(T0, object.__init__, object())
    assert s.run() == 2
