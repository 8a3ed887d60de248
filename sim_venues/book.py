"""A price-time-priority limit order book for one instrument.

Prices are integer ticks and quantities integers; the book knows nothing of
FIX, never reads a clock and does no I/O, so a venue, a backtest and a test
harness all drive it the same way::

    book = Book()
    book.add(1, Side.SELL, 101, 5)          # rests: []
    book.add(2, Side.BUY, 102, 8)           # [Fill(maker_id=1, taker_id=2, price=101, qty=5)], 3 rest at 102

Decisions the issue left open:

- ``Side`` is an ``IntEnum`` whose values are the FIX 4.4 Side(54) codes
  (BUY=1, SELL=2), so ``fix/translate.py`` converts with ``Side(int(b"1"))``;
  plain ints 1 and 2 are accepted too.
- Matching is best price first, arrival order within a price, and never
  through the incoming limit. Every fill is at the resting (maker's) price.
- ``add`` of an id that is still resting raises ``OrderIdInUse``: the caller
  lost track of its own ids, which is a bug, not a market event. An id is free
  again once its order is filled or cancelled. An aggressive order's fills are
  returned whole before its residual rests, so a taker's id is never seen
  twice in the book.
- Non-positive price or quantity, or a side that is neither BUY nor SELL,
  raises ``InvalidOrder`` (a ``ValueError``). Types are not checked at run
  time (mypy does that); callers pass ints.
- ``ioc=True``: whatever does not fill at once is dropped, never rested.
- ``cancel`` of an unknown, filled or cancelled id changes nothing and
  returns False (an expected failure, a value - the venue turns it into a
  CancelReject).
- ``replace(id, price, qty)``: ``qty`` is the new *open* quantity (the venue
  subtracts what has already filled from FIX OrderQty). An unknown id returns
  None. Same price and a quantity no larger than the open one keeps time
  priority and returns []; a price change or a quantity increase loses
  priority: the order is taken out and added again at the back, so it can
  cross and its fills are returned. ``qty <= 0`` raises ``InvalidOrder``
  rather than cancelling: cancel is its own, explicit call.

Layout, chosen by measurement (``oms_fix/bench/book_bench.py``): per side a
dict price -> level and a sorted list of the prices kept with ``bisect``
(asks stored negated so that on both sides the best price is the *last*
element and emptying the best level is an O(1) ``pop``). A level is one list
``[total, price, side, dead, order, order, ...]`` (most levels hold a few
orders, and a list is far cheaper to create than a deque); an order is a
list ``[open_qty, id, level]``, so a cancel finds its level without a lookup.
Matching walks a level and deletes what it consumed with one slice delete. A
cancel does not search the queue: it zeroes the order's
quantity (a tombstone) which matching skips; ``dead`` counts tombstones so a
level that lives long under cancel churn is compacted. Fills are a tuple
subclass built by the C tuple constructor, several times cheaper than a
NamedTuple or dataclass.

Where the install could build it, this module runs compiled by mypyc
(``setup.py``; about twice the operations per second), else as the plain
Python it is; both pass the same tests and behave the same for callers that
pass ints, as documented (compiled, a non-int raises ``TypeError``).
"""

from __future__ import annotations

import bisect
from enum import IntEnum
from operator import itemgetter
from typing import Any, Final

try:
    from mypy_extensions import mypyc_attr
except ImportError:  # no mypy installed: then nothing compiles this module either
    def mypyc_attr(*attrs: Any, **kwattrs: Any) -> Any:  # type: ignore[misc]
        return lambda cls: cls

__all__ = ["Book", "Fill", "InvalidOrder", "OrderIdInUse", "Side"]


class Side(IntEnum):
    BUY = 1
    SELL = 2


BUY: Final = Side.BUY
SELL: Final = Side.SELL


class InvalidOrder(ValueError):
    """The caller passed a non-positive price or quantity, or an unknown side."""


class OrderIdInUse(ValueError):
    """The caller added an id that is still resting in the book."""


@mypyc_attr(native_class=False)  # mypyc cannot compile a tuple subclass; it stays a plain Python class
class Fill(tuple[int, int, int, int]):
    """One execution: ``Fill((maker_id, taker_id, price, qty))``.

    A tuple subclass (it compares equal to the plain 4-tuple) with named read
    access; the price is always the resting order's.
    """

    __slots__ = ()

    @property
    def maker_id(self) -> int:
        return self[0]

    @property
    def taker_id(self) -> int:
        return self[1]

    @property
    def price(self) -> int:
        return self[2]

    @property
    def qty(self) -> int:
        return self[3]

    def __repr__(self) -> str:
        return "Fill(maker_id=%r, taker_id=%r, price=%r, qty=%r)" % tuple(self)


# Replace the properties with C-level getters: same names, no Python frame per read.
Fill.maker_id = property(itemgetter(0))  # type: ignore[assignment]
Fill.taker_id = property(itemgetter(1))  # type: ignore[assignment]
Fill.price = property(itemgetter(2))  # type: ignore[assignment]
Fill.qty = property(itemgetter(3))  # type: ignore[assignment]

# Records are lists, indexed by literal ints in the hot paths (a list index is
# the cheapest attribute access CPython has). The layouts:
#   order: [open_qty, order_id, level]
#   level: [total_open_qty, price, side, dead, order, order, ...]  orders from index 4, oldest first
# `dead` counts tombstones (cancelled orders still in the level).
#
# Written to run well both as plain Python and compiled by mypyc (see
# setup.py): the annotated locals (`x: int = record[k]`) cost nothing
# interpreted and let the compiled code do native integer arithmetic; an int
# argument reaches compiled code unboxed, so where it is needed as an object
# (a dict key, a record slot) it is boxed once into an `Any` local; sides
# are compared by identity through an `object` local, because mypyc narrows
# an `int | Side` that is not BUY to a plain int and would re-box it.
_HEAD: Final = 4
_insort: Final = bisect.insort  # Final: compiled, a C static rather than a lookup in the module's dict
_bisect_left: Final = bisect.bisect_left
# Compact a level once tombstones are this many and outnumber the live orders.
_COMPACT_AT: Final = 32

_Order = list[Any]
_Level = list[Any]


class Book:
    """One instrument's limit order book. See the module docstring for the contract."""

    __slots__ = ("_orders", "_bids", "_asks", "_bid_px", "_ask_px")

    def __init__(self) -> None:
        self._orders: dict[int, _Order] = {}
        self._bids: dict[int, _Level] = {}
        self._asks: dict[int, _Level] = {}
        self._bid_px: list[int] = []  # ascending; best bid last
        self._ask_px: list[int] = []  # negated ask prices, ascending; best ask last

    # -- commands -------------------------------------------------------------

    def add(self, order_id: int, side: Side | int, price_ticks: int, qty: int, ioc: bool = False) -> list[Fill]:
        if qty <= 0 or price_ticks <= 0:
            raise InvalidOrder(f"order {order_id!r}: price {price_ticks!r} and qty {qty!r} must be positive")
        oid: Any = order_id
        orders = self._orders
        if oid in orders:
            raise OrderIdInUse(f"order id {order_id!r} is still resting")
        # The passive case (most adds) stays in this frame; a crossing order goes to _buy/_sell.
        s: object = side
        if s is BUY:
            ask_px = self._ask_px
            if ask_px and -ask_px[-1] <= price_ticks:
                return self._buy(order_id, price_ticks, qty, ioc)
            if ioc:
                return []
            px: Any = price_ticks
            levels = self._bids
            level = levels.get(px)
            if level is None:
                levels[px] = level = [qty, px, s, 0]
                bid_px = self._bid_px
                if not bid_px or bid_px[-1] < price_ticks:
                    bid_px.append(price_ticks)  # a new best bid: no search
                else:
                    _insort(bid_px, price_ticks)
            else:
                total: int = level[0]
                level[0] = total + qty
        elif s is SELL:
            bid_px = self._bid_px
            if bid_px and bid_px[-1] >= price_ticks:
                return self._sell(order_id, price_ticks, qty, ioc)
            if ioc:
                return []
            px = price_ticks
            levels = self._asks
            level = levels.get(px)
            if level is None:
                levels[px] = level = [qty, px, s, 0]
                ask_px = self._ask_px
                key = -price_ticks
                if not ask_px or ask_px[-1] < key:
                    ask_px.append(key)  # a new best ask: no search
                else:
                    _insort(ask_px, key)
            else:
                total = level[0]
                level[0] = total + qty
        else:
            return self.add(order_id, _side(order_id, side), price_ticks, qty, ioc)
        order = [qty, oid, level]
        level.append(order)
        orders[oid] = order
        return []

    def cancel(self, order_id: int) -> bool:
        orders = self._orders
        oid: Any = order_id
        order = orders.get(oid)
        if order is None:
            return False
        del orders[oid]
        qty: int = order[0]
        order[0] = 0  # tombstone: matching skips it where it stands, no search of the queue
        level: _Level = order[2]
        total: int = level[0]
        total -= qty
        if not total:
            px: Any = level[1]
            price: int = level[1]
            if level[2] is BUY:
                del self._bids[px]
                prices = self._bid_px
                key = price
            else:
                del self._asks[px]
                prices = self._ask_px
                key = -price
            if prices[-1] == key:  # the best level: no search
                prices.pop()
            else:
                del prices[_bisect_left(prices, key)]
            level.clear()  # orders point at their level: break the cycles so refcounting frees them
            return True
        level[0] = total
        if level[-1] is order:  # the newest order is the likeliest to be pulled; no tombstone needed
            level.pop()
        else:
            dead: int = level[3]
            dead += 1
            if dead >= _COMPACT_AT and dead * 2 > len(level) - _HEAD:
                level[_HEAD:] = [o for o in level[_HEAD:] if o[0]]
                dead = 0
            level[3] = dead
        return True

    def replace(self, order_id: int, new_price_ticks: int, new_qty: int) -> list[Fill] | None:
        if new_qty <= 0 or new_price_ticks <= 0:
            raise InvalidOrder(f"replace {order_id!r}: price {new_price_ticks!r} and qty {new_qty!r} must be positive")
        order = self._orders.get(order_id)
        if order is None:
            return None
        level = order[2]
        open_qty: int = order[0]
        if new_price_ticks == level[1] and new_qty <= open_qty:
            # A reduction at the same price keeps its place in the queue.
            total: int = level[0]
            level[0] = total - (open_qty - new_qty)
            order[0] = new_qty
            return []
        side: Side = level[2]
        self.cancel(order_id)
        return self.add(order_id, side, new_price_ticks, new_qty)

    # -- queries --------------------------------------------------------------

    def best_bid(self) -> int | None:
        return self._bid_px[-1] if self._bid_px else None

    def best_ask(self) -> int | None:
        return -self._ask_px[-1] if self._ask_px else None

    def depth(self, side: Side | int, price_ticks: int) -> int:
        """Open quantity resting at one price on one side (0 if none)."""
        level = (self._bids if side == BUY else self._asks).get(price_ticks)
        return level[0] if level is not None else 0

    def orders_at(self, side: Side | int, price_ticks: int) -> list[tuple[int, int]]:
        """(order_id, open_qty) at one price, in time priority (for venues' market data and tests)."""
        level = (self._bids if side == BUY else self._asks).get(price_ticks)
        if level is None:
            return []
        return [(o[1], o[0]) for o in level[_HEAD:] if o[0]]

    def prices(self, side: Side | int) -> list[int]:
        """The non-empty price levels of one side, best first."""
        if side == BUY:
            return self._bid_px[::-1]
        return [-p for p in reversed(self._ask_px)]

    def levels(self, side: Side | int, depth: int) -> list[tuple[int, int]]:
        """(price, open quantity) of the best ``depth`` levels of one side, best first."""
        if side == BUY:
            bids = self._bids
            return [(p, bids[p][0]) for p in self._bid_px[: -depth - 1 : -1]] if depth > 0 else []
        asks = self._asks
        return [(-p, asks[-p][0]) for p in self._ask_px[: -depth - 1 : -1]] if depth > 0 else []

    def open_qty(self, order_id: int) -> int | None:
        """The open quantity of a resting order, None if it is not resting."""
        order = self._orders.get(order_id)
        return None if order is None else order[0]

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._orders

    # -- matching -------------------------------------------------------------
    # _buy and _sell are mirror images written out twice on purpose: one shared
    # loop parameterised by side cost a branch and a negation per level in the
    # benchmark's hottest path. A change to one must be made to the other; the
    # property test drives both sides against the same model. Asks are stored
    # negated.

    def _buy(self, taker_id: int, limit: int, qty: int, ioc: bool) -> list[Fill]:
        fills: list[Fill] = []
        orders, levels, prices = self._orders, self._asks, self._ask_px
        taker: Any = taker_id
        bound = -limit
        while prices:
            key = prices[-1]
            if key < bound:  # the best ask is above the limit
                break
            px: Any = -key
            level = levels[px]
            total: int = level[0]
            i = _HEAD
            while True:
                maker: _Order = level[i]
                open_qty: int = maker[0]
                i += 1
                if not open_qty:  # a cancelled order's tombstone
                    dead: int = level[3]
                    level[3] = dead - 1
                elif open_qty <= qty:
                    maker_id = maker[1]
                    fills.append(Fill((maker_id, taker, px, open_qty)))
                    del orders[maker_id]
                    total -= open_qty
                    qty -= open_qty
                    if not total or not qty:
                        break
                else:
                    maker[0] = open_qty - qty
                    fills.append(Fill((maker[1], taker, px, qty)))
                    total -= qty
                    qty = 0
                    i -= 1  # the maker stays at the head
                    break
            if total:
                level[0] = total
                del level[_HEAD:i]  # one slice delete for everything consumed
                return fills  # the level outlasted the taker
            del levels[px]
            prices.pop()
            level.clear()  # only tombstones are left; break their cycles
            if not qty:
                return fills
        if not ioc:
            self.add(taker_id, BUY, limit, qty)
        return fills

    def _sell(self, taker_id: int, limit: int, qty: int, ioc: bool) -> list[Fill]:
        fills: list[Fill] = []
        orders, levels, prices = self._orders, self._bids, self._bid_px
        taker: Any = taker_id
        while prices:
            price = prices[-1]
            if price < limit:  # the best bid is below the limit
                break
            px: Any = price
            level = levels[px]
            total: int = level[0]
            i = _HEAD
            while True:
                maker: _Order = level[i]
                open_qty: int = maker[0]
                i += 1
                if not open_qty:  # a cancelled order's tombstone
                    dead: int = level[3]
                    level[3] = dead - 1
                elif open_qty <= qty:
                    maker_id = maker[1]
                    fills.append(Fill((maker_id, taker, px, open_qty)))
                    del orders[maker_id]
                    total -= open_qty
                    qty -= open_qty
                    if not total or not qty:
                        break
                else:
                    maker[0] = open_qty - qty
                    fills.append(Fill((maker[1], taker, px, qty)))
                    total -= qty
                    qty = 0
                    i -= 1  # the maker stays at the head
                    break
            if total:
                level[0] = total
                del level[_HEAD:i]  # one slice delete for everything consumed
                return fills  # the level outlasted the taker
            del levels[px]
            prices.pop()
            level.clear()  # only tombstones are left; break their cycles
            if not qty:
                return fills
        if not ioc:
            self.add(taker_id, SELL, limit, qty)
        return fills


def _side(order_id: int, side: int) -> Side:
    """A plain int 1 or 2 as a Side; anything else is the caller's bug."""
    try:
        return Side(side)
    except ValueError:
        raise InvalidOrder(f"order {order_id!r}: side {side!r} is neither BUY nor SELL") from None
