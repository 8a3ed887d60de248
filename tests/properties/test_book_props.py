"""The book against a naive model, driven by hypothesis through random command sequences.

The model keeps one list of resting orders in arrival order and matches by
scanning it, so it is obviously price-time priority. Every command must give
the same fills from both; after every step the invariants of the issue hold.
"""

from __future__ import annotations

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sim_venues.book import Book, Side

BUY, SELL = Side.BUY, Side.SELL
IDS = st.integers(1, 12)  # few ids, so reuse and collisions come up often
PRICES = st.integers(95, 105)
QTYS = st.integers(1, 8)


class NaiveBook:
    def __init__(self) -> None:
        self.resting: list[list[int]] = []  # [id, side, price, qty], oldest first

    def add(self, oid: int, side: int, price: int, qty: int, ioc: bool) -> list[tuple[int, int, int, int]]:
        fills = []
        while qty:
            crossing = [o for o in self.resting if o[1] != side and (o[2] <= price if side == BUY else o[2] >= price)]
            if not crossing:
                break
            best = min(o[2] for o in crossing) if side == BUY else max(o[2] for o in crossing)
            maker = next(o for o in crossing if o[2] == best)  # the oldest at the best price
            n = min(qty, maker[3])
            fills.append((maker[0], oid, best, n))
            maker[3] -= n
            qty -= n
            if not maker[3]:
                self.resting.remove(maker)
        if qty and not ioc:
            self.resting.append([oid, side, price, qty])
        return fills

    def find(self, oid: int) -> list[int] | None:
        return next((o for o in self.resting if o[0] == oid), None)

    def cancel(self, oid: int) -> bool:
        order = self.find(oid)
        if order is not None:
            self.resting.remove(order)
        return order is not None


class BookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = Book()
        self.model = NaiveBook()
        self.filled: dict[int, int] = {}  # live id -> qty filled so far, for conservation
        self.size: dict[int, int] = {}  # live id -> qty it was added (or last replaced) with

    def _record(self, fills: list, taker: int, qty: int) -> None:
        for fill in fills:
            assert fill.taker_id == taker
            resting = self.model.find(fill.maker_id)
            if resting is None:  # the model already dropped a fully filled maker
                self.filled.pop(fill.maker_id, None)
                self.size.pop(fill.maker_id, None)
            else:
                self.filled[fill.maker_id] += fill.qty
        taken = sum(f.qty for f in fills)
        assert taken <= qty
        if self.model.find(taker) is not None:
            self.size[taker], self.filled[taker] = qty, taken

    @rule(oid=IDS, side=st.sampled_from([BUY, SELL]), price=PRICES, qty=QTYS, ioc=st.booleans())
    def add(self, oid: int, side: Side, price: int, qty: int, ioc: bool) -> None:
        if self.model.find(oid) is not None:
            return  # adding a live id is a caller bug; tested in the unit tests
        resting_price = {o[0]: o[2] for o in self.model.resting}
        fills = self.book.add(oid, side, price, qty, ioc)
        assert fills == self.model.add(oid, side, price, qty, ioc)
        for fill in fills:
            assert fill.price == resting_price[fill.maker_id]  # the maker's price, never the taker's
            assert (fill.price <= price) if side == BUY else (fill.price >= price)
        self._record(fills, oid, qty)

    @rule(oid=IDS)
    def cancel(self, oid: int) -> None:
        assert self.book.cancel(oid) == self.model.cancel(oid)
        self.filled.pop(oid, None)
        self.size.pop(oid, None)

    @precondition(lambda self: self.model.resting)
    @rule(data=st.data(), price=PRICES, qty=QTYS)
    def replace_live(self, data: st.DataObject, price: int, qty: int) -> None:
        order = data.draw(st.sampled_from(self.model.resting))
        oid, side, old_price, old_qty = order
        if price == old_price and qty <= old_qty:
            assert self.book.replace(oid, price, qty) == []
            order[3] = qty  # keeps its place
            self.size[oid] -= old_qty - qty
            return
        fills = self.book.replace(oid, price, qty)
        self.model.cancel(oid)
        assert fills == self.model.add(oid, side, price, qty, False)
        self._record(fills or [], oid, qty)

    @rule(oid=IDS, price=PRICES, qty=QTYS)
    def replace_any(self, oid: int, price: int, qty: int) -> None:
        if self.model.find(oid) is None:
            assert self.book.replace(oid, price, qty) is None

    @invariant()
    def same_resting_orders_in_the_same_queues(self) -> None:
        for side in (BUY, SELL):
            prices = sorted({o[2] for o in self.model.resting if o[1] == side}, reverse=side == BUY)
            assert self.book.prices(side) == prices  # so best bid/ask is never an emptied level
            for price in prices:
                queue = [(o[0], o[3]) for o in self.model.resting if o[1] == side and o[2] == price]
                assert self.book.orders_at(side, price) == queue  # FIFO within a price
                assert self.book.depth(side, price) == sum(q for _, q in queue) > 0
        assert self.book.best_bid() == (max(self.book.prices(BUY)) if self.book.prices(BUY) else None)
        assert self.book.best_ask() == (min(self.book.prices(SELL)) if self.book.prices(SELL) else None)

    @invariant()
    def never_crossed_at_rest(self) -> None:
        bid, ask = self.book.best_bid(), self.book.best_ask()
        assert bid is None or ask is None or bid < ask

    @invariant()
    def no_id_twice_and_quantity_conserved(self) -> None:
        ids = [o[0] for o in self.model.resting]
        assert len(ids) == len(set(ids)) == len(self.book)
        for oid in ids:
            assert self.book.open_qty(oid) == self.size[oid] - self.filled[oid]


BookMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)
TestBook = BookMachine.TestCase
