"""Order book throughput and memory against a plain SortedDict-of-deques book.

Workload (seeded, so every run feeds the same operations): 60% passive adds,
25% cancels of a random resting order, 15% aggressive orders sized to sweep
1-3 price levels (half IOC), while the mid random-walks one tick at a time.
The op list is generated once, by driving a shadow ``Book`` so that cancels
name live orders and sweeps know the depth they eat, and then replayed on a
fresh book of each kind. Both books must return identical fills on it, so the
benchmark doubles as a differential test.

Timing: each book replays the whole list, best of several repeats, runs of
the two alternating (the machine is shared and noisy, the ratio is what
counts). The cyclic GC is paused while a replay runs, for both books alike:
otherwise collections spent walking the million-entry op list dominate.

Memory: tracemalloc's traced size grown by building a book of passive orders
(ids, order records, levels, index), divided by the number resting.

Implementation: ``sim_venues/book.py`` runs compiled by mypyc where the
install could build it (setup.py), else as plain Python; ``book_impl`` says
which was measured ("mypyc", "python", or "mypyc-stale" when book.py was
edited after the compile, so the figures are not those of the source).
"""

from __future__ import annotations

import gc
import importlib.machinery
import os
import random
import time
import tracemalloc
from collections import deque
from typing import Any, Callable

from sortedcontainers import SortedDict  # type: ignore[import-untyped]

import sim_venues.book as book_module
from sim_venues.book import Book, Side

__all__ = ["ReferenceBook", "book_impl", "run", "workload", "replay"]

ADD, CANCEL = 0, 1
Op = tuple[Any, ...]  # (ADD, id, side, price, qty, ioc) or (CANCEL, id)


class ReferenceBook:
    """The plain design: a SortedDict of price -> deque of [id, qty] per side; cancel removes from the deque."""

    def __init__(self) -> None:
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()
        self.orders: dict[int, tuple[int, int, list[int]]] = {}

    def add(self, order_id: int, side: int, price: int, qty: int, ioc: bool = False) -> list[tuple[int, int, int, int]]:
        fills: list[tuple[int, int, int, int]] = []
        buy = side == Side.BUY
        book = self.asks if buy else self.bids
        while qty and book:
            best, level = book.peekitem(0 if buy else -1)
            if (best > price) if buy else (best < price):
                break
            while qty and level:
                maker = level[0]
                n = min(qty, maker[1])
                fills.append((maker[0], order_id, best, n))
                qty -= n
                maker[1] -= n
                if not maker[1]:
                    level.popleft()
                    del self.orders[maker[0]]
            if not level:
                del book[best]
        if qty and not ioc:
            own = self.bids if buy else self.asks
            order = [order_id, qty]
            own.setdefault(price, deque()).append(order)
            self.orders[order_id] = (side, price, order)
        return fills

    def cancel(self, order_id: int) -> bool:
        entry = self.orders.pop(order_id, None)
        if entry is None:
            return False
        side, price, order = entry
        book = self.bids if side == Side.BUY else self.asks
        level = book[price]
        level.remove(order)
        if not level:
            del book[price]
        return True


def workload(n: int, seed: int = 1) -> list[Op]:
    """`n` operations in the benchmark's mix, the same for the same seed."""
    rng = random.Random(seed)
    shadow = Book()
    ops: list[Op] = []
    live: list[int] = []  # may hold ids since filled; purged when picked or when it doubles
    mid, next_id = 10_000, 1
    for _ in range(n):
        if rng.random() < 0.5:
            mid += 1 if rng.random() < 0.5 else -1
        r = rng.random()
        if r < 0.25 and live:
            while live:
                i = rng.randrange(len(live))
                live[i], live[-1] = live[-1], live[i]
                order_id = live.pop()
                if order_id in shadow:
                    op: Op = (CANCEL, order_id)
                    break
            else:
                continue
        else:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            opposite = shadow.prices(Side.SELL if side == Side.BUY else Side.BUY)
            if r < 0.40 and opposite:
                levels = opposite[:rng.randint(1, 3)]
                qty = sum(shadow.depth(-side + 3, p) for p in levels[:-1])
                qty += rng.randint(1, shadow.depth(-side + 3, levels[-1]))
                op = (ADD, next_id, side, levels[-1], qty, rng.random() < 0.5)
            else:
                offset = 1 + min(int(rng.expovariate(0.25)), 40)
                if side == Side.BUY:
                    ask = shadow.best_ask()
                    price = mid - offset if ask is None else min(mid - offset, ask - 1)
                else:
                    bid = shadow.best_bid()
                    price = mid + offset if bid is None else max(mid + offset, bid + 1)
                op = (ADD, next_id, side, price, rng.randint(1, 100), False)
                live.append(next_id)
            next_id += 1
        ops.append(op)
        if op[0] == ADD:
            shadow.add(*op[1:])
        else:
            shadow.cancel(op[1])
        if len(live) > 2 * len(shadow) + 1000:
            live = [i for i in live if i in shadow]
    return ops


def replay(book: Any, ops: list[Op]) -> list[Any]:
    """Every op's result, in order (fills lists for adds, bools for cancels)."""
    add, cancel = book.add, book.cancel
    return [add(*op[1:]) if op[0] == ADD else cancel(op[1]) for op in ops]


def _timed(make: Callable[[], Any], ops: list[Op]) -> float:
    book = make()
    calls = [(book.add, op[1:]) if op[0] == ADD else (book.cancel, op[1:]) for op in ops]
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for fn, args in calls:
            fn(*args)
        return time.perf_counter() - t0
    finally:
        gc.enable()


def bytes_per_order(n: int, seed: int = 2) -> float:
    """Traced bytes a book holds per resting order, for `n` passive orders over ~400 prices."""
    rng = random.Random(seed)
    specs = [(Side.BUY, 10_000 - rng.randint(1, 200)) if rng.random() < 0.5 else (Side.SELL, 10_000 + rng.randint(1, 200))
             for _ in range(n)]
    qtys = [rng.randint(1, 100) for _ in range(n)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        book = Book()
        for order_id in range(1_000_000, 1_000_000 + n):  # ids > 256: real int objects, counted
            side, price = specs[order_id - 1_000_000]
            book.add(order_id, side, price, qtys[order_id - 1_000_000])
        size = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(book) == n
    return size / n


def book_impl() -> str:
    """Which ``sim_venues.book`` this process runs: "mypyc", "python" or "mypyc-stale"."""
    path = book_module.__file__ or ""
    if not path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        return "python"
    source = os.path.join(os.path.dirname(path), "book.py")
    if os.path.exists(source) and os.path.getmtime(source) > os.path.getmtime(path):
        return "mypyc-stale"
    return "mypyc"


def run(quick: bool) -> dict[str, float | str]:
    n_ops, repeats, n_resting = (100_000, 3, 20_000) if quick else (1_000_000, 5, 100_000)
    ops = workload(n_ops)
    ours = ref = float("inf")
    for _ in range(repeats):
        ours = min(ours, _timed(Book, ops))
        ref = min(ref, _timed(ReferenceBook, ops))
    return {
        "book_impl": book_impl(),
        "book_ops_per_s": n_ops / ours,
        "book_reference_ops_per_s": n_ops / ref,
        "book_vs_reference": ref / ours,
        "book_bytes_per_order": bytes_per_order(n_resting),
    }


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
