"""Displayed and hidden liquidity of one instrument: two ``Book``s and the icebergs' reserves.

The engine (``matching.py``) keeps the orders and their reports; this keeps
the queues. An aggressive order walks price by price, never through its
limit; at each price it takes the displayed quantity first, in time priority
(an iceberg whose shown slice is used up shows its next slice at the *back*
of the level, so a taker still there meets it after the orders queued behind
the old slice), then the hidden quantity at that price.

Ids are the engine's integers; an order is in at most one of the two books.
"""

from __future__ import annotations

from .book import Book, Fill, Side

__all__ = ["LayeredBook"]

BUY, SELL = Side.BUY, Side.SELL


def _opp(side: Side) -> Side:
    return SELL if side == BUY else BUY


def within(side: Side, price: int, limit: int | None) -> bool:
    """Whether a resting opposite ``price`` is reachable by an order on ``side`` with ``limit`` (None = market)."""
    return limit is None or (price <= limit if side == BUY else price >= limit)


class LayeredBook:
    __slots__ = ("lit", "dark", "_reserves")

    def __init__(self) -> None:
        self.lit = Book()  # the displayed quantity (an iceberg's shown slice)
        self.dark = Book()  # hidden orders
        self._reserves: dict[int, list[int]] = {}  # iceberg id -> [side, price, floor, reserve]

    # -- resting ------------------------------------------------------------------

    def add(self, oid: int, side: Side, price: int, qty: int, *, hidden: bool = False, floor: int | None = None) -> None:
        """Rest an order that does not cross (the caller walked it first)."""
        if hidden:
            fills = self.dark.add(oid, side, price, qty)
        else:
            if floor is not None and floor < qty:
                self._reserves[oid] = [side, price, floor, qty - floor]
                qty = floor
            fills = self.lit.add(oid, side, price, qty)
        assert not fills, "a resting order never crosses: the walk took everything within its limit"

    def remove(self, oid: int) -> None:
        self._reserves.pop(oid, None)
        if not self.lit.cancel(oid):
            self.dark.cancel(oid)

    def reduce(self, oid: int, price: int, leaves: int) -> None:
        """A smaller open quantity at the same price: the order keeps its place (an iceberg's reserve goes first)."""
        shown = self.lit.open_qty(oid)
        reserve = self._reserves.get(oid)
        if shown is None:
            self.dark.replace(oid, price, leaves)
        elif reserve is not None and leaves > shown:
            reserve[3] = leaves - shown
        else:
            self._reserves.pop(oid, None)
            self.lit.replace(oid, price, leaves)

    def resting(self) -> list[int]:
        """Every resting id, displayed before hidden, each book in time priority within a price."""
        ids: list[int] = []
        for book in (self.lit, self.dark):
            for side in (BUY, SELL):
                for price in book.prices(side):
                    ids += [i for i, _ in book.orders_at(side, price)]
        return ids

    # -- taking -------------------------------------------------------------------

    def take(self, oid: int, side: Side, limit: int | None, qty: int) -> list[Fill]:
        """Walk the opposite side for up to ``qty``; fills in the order they happen. Nothing rests."""
        fills: list[Fill] = []
        opp = _opp(side)
        lit, dark = self.lit, self.dark
        while qty:
            p = self.best_opposite(side)
            if p is None or not within(side, p, limit):
                break
            while qty and lit.depth(opp, p):
                batch = lit.add(oid, side, p, qty, ioc=True)
                for fill in batch:
                    qty -= fill.qty
                    self._refresh(fill.maker_id)
                fills += batch
            if qty and dark.depth(opp, p):
                batch = dark.add(oid, side, p, qty, ioc=True)
                qty -= sum(f.qty for f in batch)
                fills += batch
        return fills

    def _refresh(self, maker: int) -> None:
        """An iceberg whose shown slice is gone shows its next slice at the back of its level."""
        entry = self._reserves.get(maker)
        if entry is None or maker in self.lit:
            return
        side, price, floor, reserve = entry
        slice_qty = min(floor, reserve)
        if reserve - slice_qty:
            entry[3] = reserve - slice_qty
        else:
            del self._reserves[maker]
        self.lit.add(maker, Side(side), price, slice_qty)

    # -- queries ------------------------------------------------------------------

    def best_opposite(self, side: Side) -> int | None:
        """The best price an order on ``side`` could take, displayed or hidden."""
        return self.best_ask() if side == BUY else self.best_bid()

    # Asked on every order's arrival: plain comparisons, no generator.
    def best_bid(self) -> int | None:
        lit, dark = self.lit.best_bid(), self.dark.best_bid()
        return dark if lit is None else lit if dark is None or lit >= dark else dark

    def best_ask(self) -> int | None:
        lit, dark = self.lit.best_ask(), self.dark.best_ask()
        return dark if lit is None else lit if dark is None or lit <= dark else dark

    def would_take(self, side: Side, price: int) -> bool:
        best = self.best_opposite(side)
        return best is not None and within(side, best, price)

    def available(self, side: Side, limit: int | None, need: int) -> int:
        """Opposite quantity within the limit (displayed, hidden, iceberg reserves), counted until ``need``."""
        opp = _opp(side)
        total = sum(e[3] for e in self._reserves.values() if e[0] == opp and within(side, e[1], limit))
        for book in (self.lit, self.dark):
            for price in book.prices(opp):
                if total >= need or not within(side, price, limit):
                    break
                total += book.depth(opp, price)
        return total

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]:
        return self.lit.levels(side, depth)

    def __contains__(self, oid: object) -> bool:
        return oid in self.lit or oid in self.dark
