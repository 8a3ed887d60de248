"""The consolidated book's NBBO, remembered between updates, is always the one a fresh book would compute."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, strategies as st

from oms_fix.marketdata.consolidated import BUY, SELL, ConsolidatedBook

_VENUES = ("EXCH", "ECN", "DARK")
_SYMBOLS = ("AAPL", "MSFT")
_price = st.integers(9990, 10010).map(lambda n: Decimal(n) / 100)
_levels = st.lists(st.tuples(_price, st.integers(0, 500)), max_size=4)
_op = st.one_of(
    st.tuples(st.just("snapshot"), st.sampled_from(_VENUES), st.sampled_from(_SYMBOLS), _levels, _levels),
    st.tuples(st.just("level"), st.sampled_from(_VENUES), st.sampled_from(_SYMBOLS), st.sampled_from((BUY, SELL)),
              _price, st.integers(0, 500)),
    st.tuples(st.just("clear"), st.sampled_from(_VENUES)),
    st.tuples(st.just("ask"), st.sampled_from(_SYMBOLS)),
)


def _apply(book: ConsolidatedBook, op: tuple) -> None:
    if op[0] == "snapshot":
        book.snapshot(*op[1:])
    elif op[0] == "level":
        book.level(*op[1:])
    elif op[0] == "clear":
        book.clear(op[1])


def _replay(ops: list[tuple]) -> ConsolidatedBook:
    book = ConsolidatedBook()
    for op in ops:
        _apply(book, op)
    return book


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(_op, max_size=40))
def test_the_remembered_nbbo_is_always_the_fresh_one(ops):
    book = ConsolidatedBook()
    for i, op in enumerate(ops):
        if op[0] != "ask":
            _apply(book, op)
            continue
        fresh = _replay(ops[:i])  # never asked before: nothing remembered
        assert book.nbbo(op[1]) == fresh.nbbo(op[1])
        assert book.nbbo(op[1], frozenset({"EXCH"})) == fresh.nbbo(op[1], frozenset({"EXCH"}))
    for symbol in _SYMBOLS:
        assert book.nbbo(symbol) == _replay(ops).nbbo(symbol)


def test_a_venue_that_goes_away_takes_its_halts_with_it():
    book = ConsolidatedBook()
    book.security_status[("EXCH", "AAPL")] = "2"
    book.security_status[("ECN", "AAPL")] = "2"
    book.session_status["EXCH"] = "1"
    assert book.halted("EXCH", "AAPL") and book.halted("EXCH", "MSFT")
    book.clear("EXCH")  # it says again what it halts at its next Logon
    assert not book.halted("EXCH", "AAPL") and not book.halted("EXCH", "MSFT") and book.halted("ECN", "AAPL")
