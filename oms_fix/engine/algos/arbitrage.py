"""Arbitrage (TargetStrategy 847=1008): take the other side of a cross-venue dislocation.

Every ``interval_ms`` (and whenever a child ends) the algo compares the venues'
tops of book (``Market.venues``). A buy parent looks for the venue with the
lowest ask; if another venue bids at least ``min_edge_ticks`` ticks above that
ask, the parent buys there: an IOC child named to that venue, at its ask, for
the least of ``size``, the unplaced quantity and the size shown at that ask
(whole lots). A sell parent does the mirror: it sells at the venue with the
highest bid when another venue offers at least ``min_edge_ticks`` below it.
A price beyond the parent's limit is not taken. While an IOC is out no other
is sent; its end ticks the algo, which looks again at once.

Otherwise it waits, or with ``passive`` rests the unplaced quantity at the
near touch through the smart router (re-priced when the touch moved). When a
dislocation appears, the resting child is canceled first and the take goes
out once the cancel is confirmed, so the two never add up to more than the
parent.

Parameters (848), e.g. ``min_edge_ticks=2;size=500;interval_ms=200;passive=n``:
``min_edge_ticks`` (default 1), ``size`` (default: all that is unplaced),
``interval_ms`` (default 200, at least 10), ``passive`` (default no),
``duration_minutes`` (optional end; otherwise until filled, canceled or
ExpireTime 126).

TargetStrategyPerformance (850): the average fill price so far, the parent's
AvgPx to four places; None before a fill.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import AlgoSpec, Decision, Market, Order, Place, Progress, VenueQuote
from .params import Params
from .performance import fill_price, price4
from .working import Window, gate, lot_qty, read_window, strategy_price

__all__ = ["Arbitrage", "Opportunity", "build", "find_opportunity"]

Opportunity = tuple[VenueQuote, Decimal, Decimal]  # (venue to trade at, its price, the edge)


def find_opportunity(side: int, market: Market, min_edge: Decimal) -> Opportunity | None:
    """The venue to buy at (its ask) for a buy, to sell at (its bid) for a sell, when another venue's
    opposite quote is at least ``min_edge`` through it."""
    if side > 0:
        offers = [(q.ask, q.venue, q) for q in market.venues if q.ask is not None and q.ask_size > 0]
        if not offers:
            return None
        price, venue, quote = min(offers, key=lambda o: (o[0], o[1]))
        others = [q.bid for q in market.venues if q.venue != venue and q.bid is not None and q.bid_size > 0]
        edge = max(others) - price if others else None
    else:
        bids = [(q.bid, q.venue, q) for q in market.venues if q.bid is not None and q.bid_size > 0]
        if not bids:
            return None
        price, venue, quote = min(bids, key=lambda b: (-b[0], b[1]))
        others = [q.ask for q in market.venues if q.venue != venue and q.ask is not None and q.ask_size > 0]
        edge = price - min(others) if others else None
    if edge is None or edge < min_edge:
        return None
    return quote, price, edge


class Arbitrage:
    name = "Arbitrage"

    def __init__(self, order: Order, window: Window, *, min_edge_ticks: int, size: int | None, passive: bool,
                 interval_ns: int) -> None:
        self.order_id = order.order_id
        self.window = window
        self.min_edge = order.tick * min_edge_ticks
        self.size = size
        self.passive = passive
        self.interval_ns = interval_ns
        self._mode = "idle"  # idle | resting (a passive child) | taking (an IOC out)
        self._takes = 0
        self._sent = 0
        self._best_edge: Decimal | None = None
        self._seen = 0
        self._venues: dict[str, int] = {}
        self._next_take = 0  # no take before this: an IOC that came back empty is not sent again at once

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        return price4(fill_price(parent))

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        stop = gate(now, parent, market, self.window)
        if stop is not None:
            return stop
        wake = self.window.next_wake(now, self.interval_ns)
        if not parent.children:
            self._mode = "idle"
        opp = find_opportunity(parent.side, market, self.min_edge)
        if opp is not None and not _within(opp[1], parent):
            return Decision(wake_at=wake, note=f"dislocation at {opp[0].venue} beyond the limit")
        if opp is None:
            return self._wait(now, parent, market, wake)
        self._seen += 1
        if self._mode == "taking":
            return Decision(wake_at=wake, note="take in flight")
        if now < self._next_take:
            # Called as the last take ended, with the market of the tick that sent it: the same quote, which
            # the take just found gone or took. The next tick brings a fresh market.
            return Decision(wake_at=wake, note="take ended: waiting for fresh quotes")
        if self._mode == "resting":
            ids = tuple(c.child_id for c in parent.children if not c.canceling)
            return Decision(cancel=ids, wake_at=wake, note="dislocation: freeing the resting child")
        return self._take(now, parent, opp, wake)

    def _take(self, now: int, parent: Progress, opp: Opportunity, wake: int) -> Decision:
        quote, price, edge = opp
        shown = quote.ask_size if parent.side > 0 else quote.bid_size
        qty = lot_qty(min(self.size or parent.unplaced, parent.unplaced, shown), parent)
        if qty <= 0:
            return Decision(wake_at=wake, note=f"dislocation at {quote.venue}, too small to take")
        self._mode = "taking"
        self._next_take = now + self.interval_ns
        self._takes += 1
        self._sent += qty
        self._venues[quote.venue] = self._venues.get(quote.venue, 0) + qty
        if self._best_edge is None or edge > self._best_edge:
            self._best_edge = edge
        place = Place(qty=qty, price=price, venue=quote.venue, ioc=True)
        return Decision(place=(place,), wake_at=wake, note=f"take {qty} at {quote.venue} {price}, edge {edge}")

    def _wait(self, now: int, parent: Progress, market: Market, wake: int) -> Decision:
        if not self.passive or self._mode == "taking":
            return Decision(wake_at=wake, note="no dislocation")
        price = strategy_price("passive", parent, market)
        if price is None:
            return Decision(wake_at=wake, note="no dislocation, no touch to rest at")
        if self._mode == "resting":
            moved = tuple(c.child_id for c in parent.children if not c.canceling and c.price != price)
            return Decision(cancel=moved, wake_at=wake, note="resting" if not moved else f"re-pricing to {price}")
        qty = lot_qty(parent.unplaced, parent)
        if qty <= 0:
            return Decision(wake_at=wake, note="no dislocation")
        self._mode = "resting"
        return Decision(place=(Place(qty=qty, price=price),), wake_at=wake, note=f"resting {qty} at {price}")

    def target(self, now: int) -> int | None:
        return None

    def stats(self) -> dict[str, Any]:
        return {"takes": self._takes, "qty_sent": self._sent, "dislocations_seen": self._seen,
                "best_edge": None if self._best_edge is None else str(self._best_edge), "by_venue": self._venues}


def _within(price: Decimal, parent: Progress) -> bool:
    return parent.limit is None or (parent.limit - price) * parent.side >= 0


def build(spec: AlgoSpec, order: Order, params: Params) -> Arbitrage:
    min_edge = params.integer("min_edge_ticks", 1, ge=1)
    size = params.integer("size", None, ge=1)
    interval_ms = params.number("interval_ms", 200.0, ge=10)
    passive = params.flag("passive")
    window = read_window(spec, order, params)
    assert min_edge is not None and interval_ms is not None
    return Arbitrage(order, window, min_edge_ticks=min_edge, size=size, passive=passive,
                     interval_ns=int(interval_ms * 1_000_000))
