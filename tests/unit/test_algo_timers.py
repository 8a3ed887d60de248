"""``AlgoTimers``: a ``ToAlgoTimer`` becomes one ``AlgoTick`` carrying the market, never before its instant by
the runtime's clock, even when the event loop's timer fires early by that clock."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oms_fix.engine import oms_types as t
from oms_fix.live.algo_timers import AlgoTimers
from oms_fix.marketdata.consolidated import ConsolidatedBook
from oms_fix.marketdata.quality import MarketWatch

MS = 1_000_000


class LaggingClock:
    """Wall time ``lag_ns`` behind; raising the lag after a timer is armed makes the loop fire it early by
    this clock, as uvloop's millisecond rounding or a slewed wall clock (the loop's is monotonic) do."""

    def __init__(self, lag_ns: int) -> None:
        self.lag_ns = lag_ns

    def now_ns(self) -> int:
        return time.time_ns() - self.lag_ns


@dataclass
class Order:
    symbol: str


@dataclass
class Core:
    orders: dict[str, Order]
    wakes: dict[str, int] = field(default_factory=dict)

    def order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def algo_wakes(self) -> dict[str, int]:
        return dict(self.wakes)


@dataclass
class Runtime:
    clock: LaggingClock
    oms: Core
    processed: list[tuple[int, Any]] = field(default_factory=list)

    def process(self, cmd: Any) -> None:
        self.processed.append((self.clock.now_ns(), cmd))


def book() -> ConsolidatedBook:
    b = ConsolidatedBook()
    b.snapshot("EXCH", "AAPL", [(Decimal("189.99"), 100)], [(Decimal("190.01"), 200)])
    return b


def run(runtime: Runtime, body: Any, wait_s: float) -> AlgoTimers:
    async def main() -> AlgoTimers:
        b = book()
        b.touch("AAPL", runtime.clock.now_ns())
        timers = AlgoTimers(runtime, MarketWatch(b))  # type: ignore[arg-type]
        body(timers)
        await asyncio.sleep(wait_s)
        timers.stop()
        return timers

    return asyncio.run(main())


def test_a_timer_ticks_once_at_its_instant_with_the_market() -> None:
    rt = Runtime(LaggingClock(0), Core({"O1": Order("AAPL")}))
    at = rt.clock.now_ns() + 30 * MS
    run(rt, lambda timers: timers.arm("O1", at), 0.15)
    [(when, tick)] = rt.processed
    assert isinstance(tick, t.AlgoTick) and tick.order_id == "O1"
    assert when >= at
    assert (tick.market.bid, tick.market.ask, tick.market.stale) == (Decimal("189.99"), Decimal("190.01"), "")


def test_a_timer_the_loop_fires_early_by_the_runtimes_clock_waits_for_its_instant() -> None:
    # The loop's timer comes due 20 ms before the instant as the runtime's clock reads it: the core would
    # take a tick then as not the one it asked for and never ask again.
    rt = Runtime(LaggingClock(0), Core({"O1": Order("AAPL")}))
    at = rt.clock.now_ns() + 30 * MS

    def arm_then_lag(timers: AlgoTimers) -> None:
        timers.arm("O1", at)
        rt.clock.lag_ns = 20 * MS

    run(rt, arm_then_lag, 0.2)
    [(when, tick)] = rt.processed
    assert when >= at and tick.order_id == "O1"


def test_a_later_timer_replaces_the_earlier_one() -> None:
    rt = Runtime(LaggingClock(0), Core({"O1": Order("AAPL")}))
    now = rt.clock.now_ns()

    def arm(timers: AlgoTimers) -> None:
        timers.arm("O1", now + 20 * MS)
        timers.arm("O1", now + 60 * MS)

    run(rt, arm, 0.2)
    [(when, _)] = rt.processed
    assert when >= now + 60 * MS


def test_an_order_gone_by_its_tick_is_not_ticked() -> None:
    rt = Runtime(LaggingClock(0), Core({}))
    run(rt, lambda timers: timers.arm("O1", rt.clock.now_ns()), 0.05)
    assert rt.processed == []


def test_rearm_arms_every_working_algo_and_one_already_due_ticks_at_once() -> None:
    rt = Runtime(LaggingClock(0), Core({"O1": Order("AAPL"), "O2": Order("AAPL")}))
    now = rt.clock.now_ns()
    rt.oms.wakes = {"O1": 0, "O2": now + 40 * MS}
    got: list[int] = []
    run(rt, lambda timers: got.append(timers.rearm()), 0.2)
    assert got == [2]
    assert [c.order_id for _, c in rt.processed] == ["O1", "O2"]
    assert rt.processed[0][0] < now + 40 * MS <= rt.processed[1][0]


def test_stop_cancels_every_timer() -> None:
    rt = Runtime(LaggingClock(0), Core({"O1": Order("AAPL")}))

    def arm_and_stop(timers: AlgoTimers) -> None:
        timers.arm("O1", rt.clock.now_ns() + 20 * MS)
        timers.stop()

    run(rt, arm_and_stop, 0.08)
    assert rt.processed == []
