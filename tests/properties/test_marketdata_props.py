"""A snapshot plus every later increment equals the next snapshot (issue 3, market data)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from sim_venues.book import Book, Side
from sim_venues.marketdata import BID, OFFER, DepthView

ops = st.lists(
    st.tuples(st.sampled_from(["add", "add", "add", "cancel", "replace"]), st.integers(1, 40),
              st.sampled_from([Side.BUY, Side.SELL]), st.integers(90, 110), st.integers(1, 50)),
    min_size=1, max_size=120)


def _fresh(book: Book, depth: int) -> dict[str, list[tuple[int, int]]]:
    view = DepthView(depth)
    view.update(BID, book.levels(Side.BUY, depth))
    view.update(OFFER, book.levels(Side.SELL, depth))
    return view.snapshot()


@settings(max_examples=150, deadline=None)
@given(ops=ops, depth=st.integers(1, 6), every=st.integers(1, 7))
def test_snapshot_plus_increments_is_the_next_snapshot(ops, depth, every):
    book = Book()
    publisher = DepthView(depth)  # what the venue last sent
    subscriber = DepthView(depth)  # what a client rebuilt from W then X
    publisher.update(BID, book.levels(Side.BUY, depth))
    publisher.update(OFFER, book.levels(Side.SELL, depth))
    subscriber.sides = {k: dict(v) for k, v in publisher.sides.items()}  # the 35=W
    next_id = 1000
    for i, (op, oid, side, px, qty) in enumerate(ops):
        if op == "add" and oid not in book:
            book.add(oid, side, px, qty)
        elif op == "cancel":
            book.cancel(oid)
        elif op == "replace" and oid in book:
            book.replace(oid, px, qty)
        elif op == "add":
            next_id += 1
            book.add(next_id, side, px, qty, ioc=True)
        if i % every == 0 or i == len(ops) - 1:
            entries = publisher.update(BID, book.levels(Side.BUY, depth)) + \
                publisher.update(OFFER, book.levels(Side.SELL, depth))
            subscriber.apply(entries)  # the 35=X
            assert subscriber.snapshot() == _fresh(book, depth)
            keys = [(e.entry_type, e.price) for e in entries]
            assert len(keys) == len(set(keys)), "one entry per level per increment"


def test_unchanged_book_sends_nothing():
    book = Book()
    book.add(1, Side.BUY, 100, 5)
    view = DepthView(5)
    assert view.update(BID, book.levels(Side.BUY, 5))
    assert view.update(BID, book.levels(Side.BUY, 5)) == []
