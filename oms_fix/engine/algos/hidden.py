"""Hidden (TargetStrategy 847=1003): the parent rests out of sight, at a dark venue.

The whole unplaced quantity goes as one child to the dark venue, at the mid
(on the tick grid, rounded away from the market, within the limit) or at the
parent's limit, with MinQty (110) so that only a fill of at least that size
can trade against it. When the venue ends the child with the parent still
unfilled (it expired, or filled in part), the rest goes back ``rest_seconds``
later. A mid-priced child is re-priced when the mid moved, after resting 1 s.

With ``finish_lit``, when the dark phase (``duration_minutes``) is over, the
dark child is canceled and the rest goes to the lit venues (the smart router)
as one child at the parent's limit (a market order for a market parent), and
works there until filled or the parent ends. Without it the algo finishes at
the end of the dark phase and the rest expires.

Parameters (848), e.g. ``venue=DARK;min_qty=500;rest_seconds=5;duration_minutes=30;finish_lit=y``:

- ``venue``: the dark venue, default DARK;
- ``price``: mid (default) | limit (the limit is required for it);
- ``min_qty``: default MinQty (110) of the order, else none; a child smaller than
  it carries its own size instead;
- ``rest_seconds``: default 5;
- ``duration_minutes``: the dark phase, default until ExpireTime (126) or filled;
- ``finish_lit``: default no; needs ``duration_minutes``.

TargetStrategyPerformance (850): the price improvement so far against the far
touch, in bps (performance.py's ``TouchImprovement``): the parent's AvgPx
against the far touch the algo last saw before each fill (the touch when the
child went out, or at a later check), positive better. What resting in the
dark saved against taking the lit offer (a buy): about half the spread for
fills at the mid. A lit finish takes from the lit book, so its fills earn no
improvement (less than none when they walk the book) and pull the figure
down. None before a fill.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import NS, AlgoError, AlgoSpec, Decision, Market, Order, Place, Progress
from .params import Params
from .pricing import round_passive
from .slicing import RETRY_NS, SliceAlgo
from .working import Window, read_window, within_limit

__all__ = ["Hidden", "build"]

_REPRICE_NS = NS


class Hidden(SliceAlgo):
    name = "Hidden"

    def __init__(self, order: Order, window: Window, *, venue: str, basis: str, min_qty: int | None,
                 rest_ns: int, lit_at: int | None) -> None:
        super().__init__(order, window, refresh_ns=rest_ns, retry_ns=rest_ns,
                         reprice_ns=_REPRICE_NS if basis == "mid" else None)
        self.venue = venue
        self.basis = basis
        self.min_qty = min_qty
        self.lit_at = lit_at
        self._lit = False

    def _before(self, now: int, parent: Progress, market: Market) -> Decision | None:
        if not self._lit and self.lit_at is not None and now >= self.lit_at:
            # From here on the child belongs on lit venues: the dark one is re-priced away at once.
            self._lit = True
            self.reprice_ns = 0
            self.refresh_ns = 0
            self.retry_ns = RETRY_NS
            self._next_at = now
        return None

    def _reprice_due(self, now: int, want: Place) -> bool:
        return self._placed_key[1:2] != (want.venue,) or super()._reprice_due(now, want)

    def _want(self, now: int, parent: Progress, market: Market) -> Place | None:
        if self._lit:
            return Place(qty=parent.unplaced, price=parent.limit)
        if self.basis == "limit":
            price = parent.limit
        else:
            mid = market.mid
            price = None if mid is None else within_limit(round_passive(mid, parent.tick, parent.side), parent)
        if price is None:
            return None
        return Place(qty=parent.unplaced, price=price, venue=self.venue, min_qty=self.min_qty)

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        return self.improvement.bps(parent)

    def _extra_stats(self) -> dict[str, Any]:
        return {"venue": self.venue, "price": self.basis, "min_qty": self.min_qty, "lit": self._lit}


def build(spec: AlgoSpec, order: Order, params: Params) -> Hidden:
    venue = params.text("venue", "DARK")
    if not venue:
        raise AlgoError("venue: must name the dark venue, not ''")
    basis = params.choice("price", ("mid", "limit"), "mid")
    if basis == "limit" and order.limit is None:
        raise AlgoError("price: limit needs a limit price on the order (OrdType 2)")
    min_qty = params.integer("min_qty", spec.min_qty, ge=1)
    rest_s = params.number("rest_seconds", 5.0, ge=0)
    finish_lit = params.flag("finish_lit")
    window = read_window(spec, order, params)
    assert rest_s is not None
    lit_at = None
    if finish_lit:
        if "duration_minutes" not in params:
            raise AlgoError("finish_lit: needs duration_minutes (how long to stay dark)")
        lit_at, window = window.end, Window(window.start, spec.end)
    return Hidden(order, window, venue=venue, basis=basis, min_qty=min_qty, rest_ns=int(rest_s * NS),
                  lit_at=lit_at)
