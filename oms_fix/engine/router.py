"""Where a plain (non-algo) order goes: ExDestination, else the best-priced lit venues.

A marketable order is split across venues by the size each displays at each
price, best price first and never beyond the order's limit; what the
displayed size does not cover goes, for a limit order, to the venue quoting
the best price on the order's own side (it joins the best bid or offer),
and for a market order to the first venue in preference order. A venue that
is down (disconnected, or reconciling after a reconnect) gets nothing, nor
does one that halted the symbol; when every venue left has halted it, the
order is refused with a Text naming them. ExDestination pins an order to its
venue, halted or not: the venue decides (ours queue it for the reopening).
Pure: the consolidated book is read, not changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..marketdata.consolidated import BUY, SELL, ConsolidatedBook

__all__ = ["RouteRefusal", "Slice", "decode_route", "encode_route", "route"]


@dataclass(frozen=True, slots=True)
class Slice:
    """One child order: ``qty`` to ``venue`` at the parent's limit (None: a market order). A dark ping
    is an IOC (``ioc``) at the mid that fills at least ``min_qty`` or not at all."""

    venue: str
    qty: int
    price: Decimal | None
    ioc: bool = False
    min_qty: int | None = None


@dataclass(frozen=True, slots=True)
class RouteRefusal:
    text: str


def encode_route(decision: list[Slice] | RouteRefusal) -> dict[str, Any]:
    """A routing decision as JSON data, for the journal record of the command that took it."""
    if isinstance(decision, RouteRefusal):
        return {"refused": decision.text}
    return {"slices": [[s.venue, s.qty, None if s.price is None else str(s.price),
                        *([s.ioc, s.min_qty] if s.ioc else [])] for s in decision]}


def decode_route(data: dict[str, Any]) -> list[Slice] | RouteRefusal:
    if "refused" in data:
        return RouteRefusal(data["refused"])
    return [Slice(s[0], int(s[1]), None if s[2] is None else Decimal(s[2]), *s[3:]) for s in data["slices"]]


def route(book: ConsolidatedBook, symbol: str, side: str, qty: int, limit: Decimal | None,
          venues: list[str], down: frozenset[str] = frozenset(),
          ex_destination: str | None = None, rank: dict[str, float] | None = None) -> list[Slice] | RouteRefusal:
    """Children for ``qty`` of a parent buying (side 1) or selling (2, 5, 6) ``symbol``. ``rank`` (the
    venues' live statistics, higher better) orders venues showing the same price, before their size."""
    if ex_destination:
        if ex_destination not in venues:
            return RouteRefusal(f"ExDestination (100) {ex_destination} is not a venue here ({', '.join(venues)})")
        if ex_destination in down:
            return RouteRefusal(f"ExDestination (100) {ex_destination} is not connected")
        return [Slice(ex_destination, qty, limit)]
    up = [v for v in venues if v not in down]
    # A venue that halted the symbol (SecurityStatus 326=2, or TradSesStatus 340=1 for the whole venue) only
    # queues orders for its reopening: its quotes cannot be hit, so the quantity goes where trading goes on.
    live = [v for v in up if not book.halted(v, symbol)]
    if not live:
        if up:
            return RouteRefusal(f"{symbol} is halted at {', '.join(up)}")
        return RouteRefusal("no venue is connected")
    buying = side == BUY
    exclude = frozenset(v for v in book.venues(symbol) if v not in live)
    alloc: dict[str, int] = {}
    left = qty
    for level in book.depth(symbol, SELL if buying else BUY, levels=50, exclude=exclude):
        if left <= 0 or (limit is not None and (level.price > limit if buying else level.price < limit)):
            break
        shown_at = level.venues if not rank else sorted(level.venues, key=lambda vs: -rank.get(vs[0], 0.5))
        for venue, shown in shown_at:
            take = min(left, shown)
            alloc[venue] = alloc.get(venue, 0) + take
            left -= take
            if left <= 0:
                break
    if left > 0:
        home = live[0] if limit is None else _best_same_side(book, symbol, side, live, rank or {})
        alloc[home] = alloc.get(home, 0) + left
    order = {v: i for i, v in enumerate(venues)}
    return [Slice(v, q, limit) for v, q in sorted(alloc.items(), key=lambda vq: order.get(vq[0], len(order)))]


def _best_same_side(book: ConsolidatedBook, symbol: str, side: str, live: list[str], rank: dict[str, float]) -> str:
    """The venue to rest at: best price on the order's own side, then better rank, larger size, preference order."""
    own = BUY if side == BUY else SELL
    best_key: tuple[Decimal, float, int, int] | None = None
    best_venue = live[0]
    for i, venue in enumerate(live):
        price, size = book.venue_best(venue, symbol, own)
        if price is None:
            continue
        key = (price if own == BUY else -price, rank.get(venue, 0.5), size, -i)
        if best_key is None or key > best_key:
            best_key, best_venue = key, venue
    return best_venue
