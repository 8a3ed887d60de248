"""Latency links: seeded delays, and a FIX session's messages never overtake one another."""

from __future__ import annotations

from oms_fix.sim.latency import Latency, Link
from oms_fix.sim.scheduler import Scheduler

T0 = 1_000_000_000_000


def deliveries(seed: int, name: str = "OMS->EXCH", n: int = 200) -> list[tuple[int, int]]:
    s = Scheduler(T0)
    link = Link(name, Latency(fixed_ns=100_000, jitter_ns=50_000, sigma=1.5), s, seed)
    got: list[tuple[int, int]] = []
    for i in range(n):
        s.at(T0 + 1_000 * i, lambda k=i: link.send(lambda: got.append((s.now, k))))
    s.run()
    return got


def test_messages_arrive_in_the_order_sent_after_at_least_the_fixed_delay() -> None:
    got = deliveries(1)
    assert [k for _, k in got] == list(range(200))
    assert all(t >= T0 + 1_000 * k + 100_000 for t, k in got)
    assert [t for t, _ in got] == sorted(t for t, _ in got)


def test_the_jitter_is_skewed_and_the_wide_sigma_makes_some_wait_for_their_predecessor() -> None:
    got = deliveries(2)
    delays = sorted(t - (T0 + 1_000 * k) - 100_000 for t, k in got)
    assert delays[len(delays) // 2] > 0
    assert len({t for t, _ in got}) < len(got), "a message that would overtake lands with its predecessor"


def test_same_seed_same_delays_another_seed_or_link_others() -> None:
    assert deliveries(3) == deliveries(3)
    assert deliveries(3) != deliveries(4)
    assert deliveries(3, "OMS->ECN") != deliveries(3, "OMS->EXCH")


def test_no_jitter_is_the_fixed_delay() -> None:
    s = Scheduler(T0)
    link = Link("x", Latency(fixed_ns=250), s, 0)
    got: list[int] = []
    link.send(lambda: got.append(s.now))
    s.run()
    assert got == [T0 + 250]
