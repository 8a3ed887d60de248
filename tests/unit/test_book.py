"""The book's contract: the issue's named edge cases, then the API's promises and errors."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import sim_venues.book as book_module

from sim_venues.book import Book, Fill, InvalidOrder, OrderIdInUse, Side

BUY, SELL = Side.BUY, Side.SELL


def F(maker: int, taker: int, price: int, qty: int) -> Fill:
    return Fill((maker, taker, price, qty))


# -- the named edge cases ------------------------------------------------------

def test_cancel_in_the_middle_of_a_level_then_sweep() -> None:
    book = Book()
    for oid in (1, 2, 3):
        book.add(oid, SELL, 100, 10)
    assert book.cancel(2)
    assert book.depth(SELL, 100) == 20
    assert book.add(9, BUY, 100, 25) == [F(1, 9, 100, 10), F(3, 9, 100, 10)]
    assert book.best_ask() is None
    assert book.best_bid() == 100 and book.depth(BUY, 100) == 5


def test_ioc_sweeps_several_levels_and_drops_its_residual() -> None:
    book = Book()
    book.add(1, SELL, 101, 5)
    book.add(2, SELL, 102, 5)
    book.add(3, SELL, 103, 5)
    book.add(4, SELL, 105, 5)
    fills = book.add(9, BUY, 103, 100, ioc=True)
    assert fills == [F(1, 9, 101, 5), F(2, 9, 102, 5), F(3, 9, 103, 5)]
    assert book.best_ask() == 105
    assert book.best_bid() is None and 9 not in book


def test_a_sweeps_residual_becomes_the_new_best() -> None:
    book = Book()
    book.add(1, BUY, 99, 5)
    book.add(2, SELL, 101, 5)
    book.add(3, SELL, 102, 5)
    assert book.add(9, BUY, 102, 12) == [F(2, 9, 101, 5), F(3, 9, 102, 5)]
    assert book.best_bid() == 102 and book.depth(BUY, 102) == 2
    assert book.best_ask() is None
    assert book.prices(BUY) == [102, 99]


def test_replace_into_a_cross() -> None:
    book = Book()
    book.add(1, BUY, 99, 10)
    book.add(2, SELL, 101, 4)
    book.add(3, SELL, 102, 4)
    assert book.replace(1, 101, 10) == [F(2, 1, 101, 4)]
    assert book.best_bid() == 101 and book.depth(BUY, 101) == 6
    assert book.depth(BUY, 99) == 0 and book.best_ask() == 102


def test_partial_fill_then_cancel() -> None:
    book = Book()
    book.add(1, SELL, 100, 10)
    assert book.add(2, BUY, 100, 4) == [F(1, 2, 100, 4)]
    assert book.open_qty(1) == 6 and book.depth(SELL, 100) == 6
    assert book.cancel(1)
    assert book.best_ask() is None and book.depth(SELL, 100) == 0 and len(book) == 0


def test_cancel_after_a_full_fill_is_rejected() -> None:
    book = Book()
    book.add(1, SELL, 100, 10)
    book.add(2, BUY, 100, 10)
    assert not book.cancel(1)
    assert not book.cancel(2)  # the taker filled whole and never rested
    assert len(book) == 0


def test_fifo_within_a_price() -> None:
    book = Book()
    for oid in (5, 3, 8, 1):
        book.add(oid, BUY, 100, 2)
    assert book.orders_at(BUY, 100) == [(5, 2), (3, 2), (8, 2), (1, 2)]
    assert book.add(9, SELL, 100, 7) == [F(5, 9, 100, 2), F(3, 9, 100, 2), F(8, 9, 100, 2), F(1, 9, 100, 1)]
    assert book.orders_at(BUY, 100) == [(1, 1)]


def test_id_reuse_after_cancel() -> None:
    book = Book()
    book.add(1, BUY, 100, 5)
    book.add(2, BUY, 100, 5)
    assert book.cancel(1)
    assert book.add(1, BUY, 100, 7) == []
    assert book.orders_at(BUY, 100) == [(2, 5), (1, 7)]  # the reused id queues behind


def test_id_reuse_after_fill() -> None:
    book = Book()
    book.add(1, SELL, 100, 5)
    book.add(2, BUY, 100, 5)
    assert book.add(1, BUY, 99, 3) == [] and book.add(2, SELL, 101, 3) == []
    assert (book.best_bid(), book.best_ask()) == (99, 101)


# -- matching rules ------------------------------------------------------------

def test_best_price_first_and_fills_at_the_resting_price() -> None:
    book = Book()
    book.add(1, BUY, 98, 5)
    book.add(2, BUY, 100, 5)
    book.add(3, BUY, 99, 5)
    assert book.add(9, SELL, 90, 12) == [F(2, 9, 100, 5), F(3, 9, 99, 5), F(1, 9, 98, 2)]


def test_never_through_the_incoming_limit() -> None:
    book = Book()
    book.add(1, SELL, 100, 5)
    book.add(2, SELL, 101, 5)
    assert book.add(9, BUY, 100, 8) == [F(1, 9, 100, 5)]
    assert (book.best_bid(), book.best_ask()) == (100, 101)
    assert book.add(10, SELL, 101, 1) == []  # does not reach down to the 100 bid


def test_non_crossing_orders_rest_and_an_ioc_that_cannot_trade_vanishes() -> None:
    book = Book()
    assert book.add(1, BUY, 99, 5) == [] and book.add(2, SELL, 101, 5) == []
    assert book.add(3, BUY, 100, 5, ioc=True) == []
    assert 3 not in book and book.depth(BUY, 100) == 0 and book.best_bid() == 99


def test_plain_ints_for_side() -> None:
    book = Book()
    book.add(1, 2, 100, 5)
    assert book.add(2, 1, 100, 5) == [F(1, 2, 100, 5)]
    assert Side.BUY == 1 and Side.SELL == 2  # FIX 4.4 Side(54) codes


def test_fill_is_a_tuple_with_names() -> None:
    fill = F(1, 2, 100, 5)
    assert (fill.maker_id, fill.taker_id, fill.price, fill.qty) == (1, 2, 100, 5)
    assert fill == (1, 2, 100, 5)
    assert repr(fill) == "Fill(maker_id=1, taker_id=2, price=100, qty=5)"


# -- cancel and replace --------------------------------------------------------

def test_cancel_of_unknown_or_twice_changes_nothing() -> None:
    book = Book()
    book.add(1, BUY, 100, 5)
    assert not book.cancel(7)
    assert book.cancel(1)
    assert not book.cancel(1)
    assert len(book) == 0 and book.best_bid() is None


def test_cancel_of_the_last_order_at_the_best_uncovers_the_next_level() -> None:
    book = Book()
    book.add(1, SELL, 101, 5)
    book.add(2, SELL, 103, 5)
    assert book.cancel(1)
    assert book.best_ask() == 103 and book.prices(SELL) == [103]


def test_replace_down_in_qty_keeps_priority() -> None:
    book = Book()
    book.add(1, SELL, 100, 10)
    book.add(2, SELL, 100, 10)
    assert book.replace(1, 100, 4) == []
    assert book.orders_at(SELL, 100) == [(1, 4), (2, 10)] and book.depth(SELL, 100) == 14
    assert book.replace(1, 100, 4) == []  # unchanged: still first
    assert book.add(9, BUY, 100, 5) == [F(1, 9, 100, 4), F(2, 9, 100, 1)]


def test_replace_up_in_qty_or_to_a_new_price_goes_to_the_back() -> None:
    book = Book()
    for oid in (1, 2, 3):
        book.add(oid, SELL, 100, 10)
    assert book.replace(1, 100, 11) == []
    assert book.orders_at(SELL, 100) == [(2, 10), (3, 10), (1, 11)]
    assert book.replace(2, 101, 10) == [] and book.replace(2, 100, 10) == []
    assert book.orders_at(SELL, 100) == [(3, 10), (1, 11), (2, 10)]
    assert book.depth(SELL, 101) == 0 and book.prices(SELL) == [100]


def test_replace_of_unknown_filled_or_cancelled_returns_none() -> None:
    book = Book()
    assert book.replace(1, 100, 5) is None
    book.add(1, SELL, 100, 5)
    book.add(2, BUY, 100, 5)
    assert book.replace(1, 100, 5) is None
    book.add(3, SELL, 100, 5)
    book.cancel(3)
    assert book.replace(3, 100, 5) is None and len(book) == 0


# -- caller errors -------------------------------------------------------------

def test_adding_a_live_id_is_the_callers_bug() -> None:
    book = Book()
    book.add(1, BUY, 100, 5)
    with pytest.raises(OrderIdInUse):
        book.add(1, SELL, 200, 5)
    assert book.orders_at(BUY, 100) == [(1, 5)] and book.best_ask() is None
    assert issubclass(OrderIdInUse, ValueError)


@pytest.mark.parametrize("price, qty", [(0, 5), (-1, 5), (100, 0), (100, -3)])
def test_non_positive_price_or_qty(price: int, qty: int) -> None:
    book = Book()
    book.add(1, SELL, 100, 5)
    with pytest.raises(InvalidOrder):
        book.add(2, BUY, price, qty)
    with pytest.raises(InvalidOrder):
        book.replace(1, price, qty)
    assert book.orders_at(SELL, 100) == [(1, 5)] and len(book) == 1
    assert issubclass(InvalidOrder, ValueError)


@pytest.mark.parametrize("side", [0, 3, -1])
def test_unknown_side(side: int) -> None:
    with pytest.raises(InvalidOrder):
        Book().add(1, side, 100, 5)


def test_tombstones_are_compacted_under_cancel_churn() -> None:
    book = Book()
    book.add(0, BUY, 100, 1)  # the head order never leaves, so the level never empties
    for oid in range(1, 2001, 2):
        book.add(oid, BUY, 100, 1)
        book.add(oid + 1, BUY, 100, 1)
        assert book.cancel(oid)  # not the newest: leaves a tombstone
        assert book.cancel(oid + 1)
    [level] = book._bids  # the one bid level: [total, price, side, dead, order, ...]
    assert len(level) < 100
    assert book.orders_at(BUY, 100) == [(0, 1)] and book.depth(BUY, 100) == 1
    assert book.add(5000, SELL, 100, 2, ioc=True) == [F(0, 5000, 100, 1)]
    assert book.best_bid() is None


def test_a_deep_book_keeps_its_levels_in_order() -> None:
    # Deeper than the compiled book walks from the best (it bisects below that): adds and
    # cancels far from the best, on both sides, must land on and remove the right levels.
    book = Book()
    bids, asks = list(range(100, 60, -1)), list(range(101, 141))
    for i, price in enumerate(bids[::3] + bids[1::3] + bids[2::3]):
        book.add(1000 + i, BUY, price, 1 + i % 3)
    for i, price in enumerate(asks[2::3] + asks[1::3] + asks[::3]):
        book.add(2000 + i, SELL, price, 1 + i % 3)
    assert book.prices(BUY) == bids and book.prices(SELL) == asks
    book.add(3000, BUY, 70, 5)  # joins a deep level
    book.add(3001, SELL, 130, 5)
    assert book.orders_at(BUY, 70)[-1] == (3000, 5) and book.orders_at(SELL, 130)[-1] == (3001, 5)
    for oid in range(1000, 1040, 2):
        assert book.cancel(oid)
    for oid in range(2001, 2040, 2):
        assert book.cancel(oid)
    live_bids = sorted({p for p in bids if book.orders_at(BUY, p)}, reverse=True)
    live_asks = sorted(p for p in asks if book.orders_at(SELL, p))
    assert book.prices(BUY) == live_bids and book.prices(SELL) == live_asks
    assert len(live_bids) == 21 and len(live_asks) == 21  # 20 cancels a side; 70 and 130 keep their second order
    assert book.levels(BUY, 2) == [(p, book.depth(BUY, p)) for p in live_bids[:2]]
    fills = book.add(4000, SELL, 1, sum(book.depth(BUY, p) for p in live_bids), ioc=True)
    assert [f.price for f in fills] == sorted((f.price for f in fills), reverse=True)
    assert book.best_bid() is None and book.prices(SELL) == live_asks


def test_core_does_no_io_and_reads_no_clock() -> None:
    import sim_venues.book as mod
    source = Path(mod.__file__).with_name("book.py").read_text()  # __file__ is the .so when compiled
    for word in ("import time", "datetime", "socket", "asyncio"):
        assert word not in source


# -- compiled and pure Python ----------------------------------------------------
# setup.py compiles book.py with mypyc where it can; the same source must pass
# the same tests as plain Python, the fallback wherever the compile fails.

COMPILED = (book_module.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES))
SOURCE = Path(book_module.__file__ or "").with_name("book.py")


@pytest.mark.skipif(not COMPILED, reason="the book runs as plain Python here")
def test_the_compiled_book_is_built_from_the_current_source() -> None:
    built = Path(book_module.__file__ or "")
    assert built.stat().st_mtime >= SOURCE.stat().st_mtime, (
        f"{built.name} is older than book.py, so these tests ran the old code: "
        "rebuild it with `.venv/bin/pip install -e .` (or delete sim_venues/book*.so to run pure Python)")


@pytest.mark.slow
@pytest.mark.skipif(not COMPILED, reason="the book already runs as plain Python here")
def test_the_pure_python_fallback_passes_the_book_tests() -> None:
    tests = Path(__file__).resolve().parents[1]
    # Load book.py as sim_venues.book before anything imports it, so the .so beside it is never used.
    code = (
        "import importlib.util, sys, pytest\n"
        f"spec = importlib.util.spec_from_file_location('sim_venues.book', {str(SOURCE)!r})\n"
        "import sim_venues; mod = importlib.util.module_from_spec(spec)\n"
        "sys.modules['sim_venues.book'] = sim_venues.book = mod\n"
        "spec.loader.exec_module(mod)\n"
        "import sim_venues.book as book; assert book.__file__.endswith('book.py'), book.__file__\n"
        "sys.exit(pytest.main(sys.argv[1:]))\n"
    )
    args = [str(tests / "unit" / "test_book.py"), str(tests / "properties" / "test_book_props.py"),
            str(tests / "unit" / "test_book_bench.py"), "-q", "-p", "no:cacheprovider", "-m", "not slow"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
