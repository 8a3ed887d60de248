"""Algo timers in the live OMS: the core's ``ToAlgoTimer`` becomes an ``AlgoTick`` at its instant.

One timer per algo order (a later one replaces it), run on the event loop.
When it fires, the tick carries the symbol's market as the venue links' book
shows it then (``MarketWatch``), and goes through ``OmsRuntime.process`` like
any command: journaled first, so a replay feeds the algo the same market.
After a restart ``rearm`` arms every working algo order's next tick from the
rebuilt core (one that was due while the OMS was down ticks at once).

A tick never goes in before its instant by the runtime's clock, so an algo
sees the time it asked for: event loops fire timers early (uvloop rounds
delays to whole milliseconds) and their monotonic clock drifts from the wall
clock the runtime reads, so a timer that fires early is armed again for what
is left.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..engine import oms_types as t
from ..marketdata.quality import MarketWatch

if TYPE_CHECKING:
    from .oms_app import OmsRuntime

__all__ = ["AlgoTimers"]

# Past the instant by this much, so that a timer rounded to the millisecond does not fire just before it
# and then spin re-arming for the remaining fraction.
_SLACK_S = 0.002


class AlgoTimers:
    def __init__(self, runtime: "OmsRuntime", watch: MarketWatch) -> None:
        self._runtime = runtime
        self.watch = watch
        self._handles: dict[str, asyncio.TimerHandle] = {}

    def arm(self, order_id: str, at: int) -> None:
        old = self._handles.pop(order_id, None)
        if old is not None:
            old.cancel()
        delay = max(0.0, (at - self._runtime.clock.now_ns()) / 1e9) + _SLACK_S
        self._handles[order_id] = asyncio.get_running_loop().call_later(delay, self._fire, order_id, at)

    def rearm(self) -> int:
        """Arms every working algo order of the core; returns how many."""
        wakes = self._runtime.oms.algo_wakes()
        for order_id, at in wakes.items():
            self.arm(order_id, at)
        return len(wakes)

    def stop(self) -> None:
        for h in self._handles.values():
            h.cancel()
        self._handles.clear()

    def _fire(self, order_id: str, at: int) -> None:
        self._handles.pop(order_id, None)
        if self._runtime.clock.now_ns() < at:
            self.arm(order_id, at)
            return
        order = self._runtime.oms.order(order_id)
        if order is None:
            return
        market = self.watch.view(order.symbol, self._runtime.clock.now_ns())
        self._runtime.process(t.AlgoTick(order_id=order_id, market=market))
