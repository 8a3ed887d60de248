"""Iceberg (TargetStrategy 847=1001, and any plain order with MaxFloor 111): the OMS shows one slice.

One child of the displayed size works at a time; the next goes out once the
previous has ended (filled, or ended by the venue), so the book never sees more
than one slice. Each child is fully displayed at its venue: the hiding is done
here, not by the venue's own reserve.

Parameters (TargetStrategyParameters 848), e.g.
``display_qty=500;variance=0.2;refresh_delay_ms=250``:

- ``display_qty``: the slice, in shares, at least one lot. Default: MaxFloor (111);
  one of the two is required.
- ``variance``: 0..0.5, default 0. Each slice is ``display_qty`` shrunk by a
  random fraction up to this (whole lots, at least one), so refills of
  changing size do not give the iceberg away; a slice is never larger than
  ``display_qty``. Draws come from ``rng_for(order_id, "iceberg")``.
- ``refresh_delay_ms``: wait after a slice ends before the next, default 0 (a
  slice that ended with no fill waits at least 1 s).
- ``strategy``: limit (default: at the parent's limit; a market parent joins the
  near touch) | passive | neutral | aggressive. A slice priced off the
  touch is re-priced after resting 1 s when the touch moved.
- ``duration_minutes``: optional; otherwise the iceberg works until filled,
  canceled or its ExpireTime (126).

TargetStrategyPerformance (850): the average fill price so far, the parent's
AvgPx to four places (slicing.py); None before a fill.
"""

from __future__ import annotations

from typing import Any

from .base import NS, AlgoError, AlgoSpec, Market, Order, Place, Progress, rng_for
from .params import Params
from .slicing import SliceAlgo
from .working import Window, read_strategy, read_window, strategy_price

__all__ = ["Iceberg", "build"]

_REPRICE_NS = NS


class Iceberg(SliceAlgo):
    name = "Iceberg"

    def __init__(self, order: Order, window: Window, *, display: int, variance: float, refresh_ns: int,
                 strategy: str) -> None:
        super().__init__(order, window, refresh_ns=refresh_ns,
                         reprice_ns=None if strategy == "limit" else _REPRICE_NS)
        self.display = display
        self.variance = variance
        self.strategy = strategy
        self._lot = order.lot
        self._rng = rng_for(order.order_id, "iceberg")
        self._next_size = self._draw()

    def _draw(self) -> int:
        if not self.variance:
            return self.display
        shown = int(self.display * (1 - self._rng.uniform(0, self.variance)))
        return max(self._lot, shown - shown % self._lot)

    def _want(self, now: int, parent: Progress, market: Market) -> Place | None:
        price = strategy_price(self.strategy, parent, market)
        return None if price is None else Place(qty=self._next_size, price=price)

    def _placed(self, place: Place) -> None:
        self._next_size = self._draw()

    def _extra_stats(self) -> dict[str, Any]:
        return {"display_qty": self.display, "variance": self.variance, "strategy": self.strategy}


def build(spec: AlgoSpec, order: Order, params: Params) -> Iceberg:
    display = params.integer("display_qty", spec.max_floor, ge=1)
    if display is None:
        raise AlgoError("display_qty: required (or MaxFloor (111) on the order)")
    if display < order.lot:
        raise AlgoError(f"display_qty: must be at least one lot ({order.lot}), not {display}")
    variance = params.number("variance", 0.0, ge=0, le=0.5)
    refresh_ms = params.number("refresh_delay_ms", 0.0, ge=0)
    strategy = read_strategy(params, "limit")
    window = read_window(spec, order, params)
    assert variance is not None and refresh_ms is not None
    return Iceberg(order, window, display=display, variance=variance, refresh_ns=int(refresh_ms * 1_000_000),
                   strategy=strategy)
