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
sorted list of the prices and, index for index, a list of their levels (asks
stored negated so that on both sides the best price is the *last* element and
emptying the best level is an O(1) ``pop``). There is no price -> level dict:
the book is rarely more than a few levels deep where orders arrive, so a
passive order finds its level (or the place for a new one) by walking down
from the best price when compiled, by ``bisect`` as plain Python, where a
C call beats a loop; a deep price falls back to ``bisect`` either way. A level is one list
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
from importlib.machinery import EXTENSION_SUFFIXES
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
# the cheapest attribute access CPython has; mypyc native classes for them
# were measured too: a few percent fewer instructions compiled, a quarter more
# as plain Python, where creating an instance costs several times a list).
# The layouts:
#   order: [open_qty, order_id, level]
#   level: [total_open_qty, price, side, dead, order, order, ...]  orders from index 4, oldest first
# `dead` counts tombstones (cancelled orders still in the level).
#
# Written to run well both as plain Python and compiled by mypyc (see
# setup.py): the annotated locals (`x: int = record[k]`) cost nothing
# interpreted and let the compiled code do native integer arithmetic; an int
# argument reaches compiled code unboxed, so where it is needed as an object
# (a dict key, a record slot, a fill) it is boxed once into an `Any` local; sides
# are compared by identity through an `object` local, because mypyc narrows
# an `int | Side` that is not BUY to a plain int and would re-box it.
_HEAD: Final = 4
_bisect_left: Final = bisect.bisect_left  # Final: compiled, a C static rather than a lookup in the module's dict
_bisect_right: Final = bisect.bisect_right
# Compiled, a passive order's level is looked for by walking down from the best
# price, at most this many levels (most orders join the top few); as plain
# Python, and below that depth, by bisection.
_SCAN: Final = 16
_COMPILED: Final = __file__.endswith(tuple(EXTENSION_SUFFIXES))
# Compact a level once tombstones are this many and outnumber the live orders.
_COMPACT_AT: Final = 32

_Order = list[Any]
_Level = list[Any]


class Book:
    """One instrument's limit order book. See the module docstring for the contract."""

    __slots__ = ("_orders", "_bids", "_asks", "_bid_px", "_ask_px")

    def __init__(self) -> None:
        self._orders: dict[int, _Order] = {}
        self._bid_px: list[int] = []  # ascending; best bid last
        self._ask_px: list[int] = []  # negated ask prices, ascending; best ask last
        self._bids: list[_Level] = []  # the levels of _bid_px, index for index
        self._asks: list[_Level] = []  # the levels of _ask_px, index for index

    # -- commands -------------------------------------------------------------

    def add(self, order_id: int, side: Side | int, price_ticks: int, qty: int, ioc: bool = False) -> list[Fill]:
        if qty <= 0 or price_ticks <= 0:
            raise InvalidOrder(f"order {order_id!r}: price {price_ticks!r} and qty {qty!r} must be positive")
        oid: Any = order_id
        orders = self._orders
        # The passive case (most adds) stays in this frame; a crossing or IOC order goes to _buy/_sell.
        s: object = side
        if s is BUY:
            ask_px = self._ask_px
            if ask_px and -ask_px[-1] <= price_ticks or ioc:
                if oid in orders:
                    raise OrderIdInUse(f"order id {order_id!r} is still resting")
                return self._buy(oid, price_ticks, qty, ioc)
            prices = self._bid_px
            levels = self._bids
            key = price_ticks
        elif s is SELL:
            bid_px = self._bid_px
            if bid_px and bid_px[-1] >= price_ticks or ioc:
                if oid in orders:
                    raise OrderIdInUse(f"order id {order_id!r} is still resting")
                return self._sell(oid, price_ticks, qty, ioc)
            prices = self._ask_px
            levels = self._asks
            key = -price_ticks
        else:
            if oid in orders:
                raise OrderIdInUse(f"order id {order_id!r} is still resting")
            return self.add(order_id, _side(order_id, side), price_ticks, qty, ioc)
        # One dict operation both checks that the id is free and claims it.
        order: _Order = [qty, oid, None]
        if orders.setdefault(oid, order) is not order:
            raise OrderIdInUse(f"order id {order_id!r} is still resting")
        # The level's index: prices[i - 1] <= key < prices[i].
        n = len(prices)
        if _COMPILED and (n <= _SCAN or prices[n - _SCAN] <= key):
            i = n
            while i:
                if prices[i - 1] <= key:
                    break
                i -= 1
        else:
            i = _bisect_right(prices, key)
        if i and prices[i - 1] == key:
            level = levels[i - 1]
            total: int = level[0]
            level[0] = total + qty
        else:  # a new price
            px: Any = price_ticks
            level = [qty, px, s, 0]
            k: Any = px if s is BUY else key
            if i == n:  # a new best: no shifting
                prices.append(k)
                levels.append(level)
            else:
                prices.insert(i, k)
                levels.insert(i, level)
        order[2] = level
        level.append(order)
        return []

    def cancel(self, order_id: int) -> bool:
        orders = self._orders
        oid: Any = order_id
        order = orders.pop(oid, None)
        if order is None:
            return False
        qty: int = order[0]
        order[0] = 0  # tombstone: matching skips it where it stands, no search of the queue
        level: _Level = order[2]
        total: int = level[0]
        total -= qty
        if not total:
            price: int = level[1]
            if level[2] is BUY:
                prices, levels, key = self._bid_px, self._bids, price
            else:
                prices, levels, key = self._ask_px, self._asks, -price
            n = len(prices)
            if _COMPILED and (n <= _SCAN or prices[n - _SCAN] <= key):  # as in add
                i = n - 1
                while levels[i] is not level:
                    i -= 1
            else:
                i = _bisect_left(prices, key)
            prices.pop(i)
            levels.pop(i)
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

    def _level(self, side: Side | int, price_ticks: int) -> _Level | None:
        if side == BUY:
            prices, levels, key = self._bid_px, self._bids, price_ticks
        else:
            prices, levels, key = self._ask_px, self._asks, -price_ticks
        i = _bisect_left(prices, key)
        return levels[i] if i < len(prices) and prices[i] == key else None

    def best_bid(self) -> int | None:
        return self._bid_px[-1] if self._bid_px else None

    def best_ask(self) -> int | None:
        return -self._ask_px[-1] if self._ask_px else None

    def depth(self, side: Side | int, price_ticks: int) -> int:
        """Open quantity resting at one price on one side (0 if none)."""
        level = self._level(side, price_ticks)
        return level[0] if level is not None else 0

    def orders_at(self, side: Side | int, price_ticks: int) -> list[tuple[int, int]]:
        """(order_id, open_qty) at one price, in time priority (for venues' market data and tests)."""
        level = self._level(side, price_ticks)
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
        if depth <= 0:
            return []
        levels = self._bids if side == BUY else self._asks
        return [(level[1], level[0]) for level in levels[: -depth - 1 : -1]]

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

    def _buy(self, taker: Any, limit: int, qty: int, ioc: bool) -> list[Fill]:
        fills: list[Fill] = []
        orders, prices, levels = self._orders, self._ask_px, self._asks
        bound = -limit
        while prices:
            if prices[-1] < bound:  # the best ask is above the limit
                break
            level = levels[-1]
            px = level[1]
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
                if i > _HEAD:
                    del level[_HEAD:i]  # one slice delete for everything consumed
                return fills  # the level outlasted the taker
            prices.pop()
            levels.pop()
            level.clear()  # only tombstones are left; break their cycles
            if not qty:
                return fills
        if not ioc:
            self.add(taker, BUY, limit, qty)
        return fills

    def _sell(self, taker: Any, limit: int, qty: int, ioc: bool) -> list[Fill]:
        fills: list[Fill] = []
        orders, prices, levels = self._orders, self._bid_px, self._bids
        while prices:
            if prices[-1] < limit:  # the best bid is below the limit
                break
            level = levels[-1]
            px = level[1]
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
                if i > _HEAD:
                    del level[_HEAD:i]  # one slice delete for everything consumed
                return fills  # the level outlasted the taker
            prices.pop()
            levels.pop()
            level.clear()  # only tombstones are left; break their cycles
            if not qty:
                return fills
        if not ioc:
            self.add(taker, SELL, limit, qty)
        return fills


def _side(order_id: int, side: int) -> Side:
    """A plain int 1 or 2 as a Side; anything else is the caller's bug."""
    try:
        return Side(side)
    except ValueError:
        raise InvalidOrder(f"order {order_id!r}: side {side!r} is neither BUY nor SELL") from None
