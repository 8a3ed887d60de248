"""Display (TargetStrategy 847=1004): the whole order shown, as a plain order would be, with reporting.

One lit child of the whole unplaced quantity, at the parent's limit or at the
strategy's price. When a venue ends it with the parent unfilled (expired,
canceled by the venue), the rest is placed again: at once after a partial
fill, 1 s later when it ended with no fill. A child priced off the touch is
re-priced when the touch moved, once it has rested ``reprice_ms``.

Parameters (848), e.g. ``strategy=passive;reprice_ms=2000``:

- ``strategy``: limit (default: at the parent's limit; a market parent joins the
  near touch) | passive | neutral | aggressive;
- ``reprice_ms``: default 1000, at least 50 (not used with ``limit``);
- ``venue``: send the child there (default: the smart router);
- ``duration_minutes``: optional end; otherwise until filled, canceled or
  ExpireTime (126).

TargetStrategyPerformance (850): the average fill price so far, the parent's
AvgPx to four places (slicing.py); None before a fill.
"""

from __future__ import annotations

from typing import Any

from .base import AlgoSpec, Market, Order, Place, Progress
from .params import Params
from .slicing import SliceAlgo
from .working import Window, read_strategy, read_window, strategy_price

__all__ = ["Display", "build"]


class Display(SliceAlgo):
    name = "Display"

    def __init__(self, order: Order, window: Window, *, strategy: str, venue: str | None, reprice_ns: int) -> None:
        super().__init__(order, window, reprice_ns=None if strategy == "limit" else reprice_ns)
        self.strategy = strategy
        self.venue = venue

    def _want(self, now: int, parent: Progress, market: Market) -> Place | None:
        price = strategy_price(self.strategy, parent, market)
        return None if price is None else Place(qty=parent.unplaced, price=price, venue=self.venue)

    def _extra_stats(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "venue": self.venue}


def build(spec: AlgoSpec, order: Order, params: Params) -> Display:
    strategy = read_strategy(params, "limit")
    reprice_ms = params.number("reprice_ms", 1000.0, ge=50)
    venue = params.text("venue") or None
    assert reprice_ms is not None
    return Display(order, read_window(spec, order, params), strategy=strategy, venue=venue,
                   reprice_ns=int(reprice_ms * 1_000_000))
