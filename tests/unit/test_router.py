"""Routing plain orders across venues, and the consolidated book it reads."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from oms_fix.engine.router import RouteRefusal, Slice, route
from oms_fix.marketdata.consolidated import BUY, SELL, ConsolidatedBook

VENUES = ["EXCH", "ECN", "MM"]


def book() -> ConsolidatedBook:
    b = ConsolidatedBook()
    b.snapshot("EXCH", "AAPL", [(D("189.99"), 300), (D("189.98"), 500)], [(D("190.01"), 200), (D("190.03"), 400)])
    b.snapshot("ECN", "AAPL", [(D("190.00"), 100)], [(D("190.01"), 300), (D("190.02"), 100)])
    return b


def test_nbbo_and_depth_across_venues():
    b = book()
    q = b.nbbo("AAPL")
    assert (q.bid, q.bid_qty, q.ask, q.ask_qty, q.mid) == (D("190.00"), 100, D("190.01"), 500, D("190.005"))
    top = b.depth("AAPL", SELL, 2)
    assert [(lv.price, lv.qty, lv.venues) for lv in top] == [
        (D("190.01"), 500, (("ECN", 300), ("EXCH", 200))), (D("190.02"), 100, (("ECN", 100),))]


def test_increments_and_a_venue_going_away():
    b = book()
    b.level("ECN", "AAPL", BUY, D("190.00"), 0)
    assert b.nbbo("AAPL").bid == D("189.99")
    b.clear("EXCH")
    assert b.nbbo("AAPL").bid is None and b.nbbo("AAPL").ask == D("190.01")


def test_marketable_order_splits_by_displayed_size_within_its_limit():
    out = route(book(), "AAPL", BUY, 700, D("190.02"), VENUES)
    # 190.01: ECN 300 and EXCH 200; 190.02: ECN 100; the last 100 joins the best bid (ECN at 190.00).
    assert out == [Slice("EXCH", 200, D("190.02")), Slice("ECN", 500, D("190.02"))]


def test_passive_order_joins_the_best_bid_and_market_order_residual_goes_first_in_preference():
    assert route(book(), "AAPL", BUY, 100, D("189.50"), VENUES) == [Slice("ECN", 100, D("189.50"))]
    # Both offer 190.01; ECN shows more there.
    assert route(book(), "AAPL", SELL, 100, D("191.00"), VENUES) == [Slice("ECN", 100, D("191.00"))]
    out = route(book(), "AAPL", BUY, 1500, None, VENUES)
    assert out == [Slice("EXCH", 1100, None), Slice("ECN", 400, None)]


def test_ex_destination_and_down_venues():
    assert route(book(), "AAPL", BUY, 10, None, VENUES, ex_destination="MM") == [Slice("MM", 10, None)]
    assert isinstance(route(book(), "AAPL", BUY, 10, None, VENUES, ex_destination="NYSE"), RouteRefusal)
    refusal = route(book(), "AAPL", BUY, 10, None, VENUES, down=frozenset({"MM"}), ex_destination="MM")
    assert isinstance(refusal, RouteRefusal) and "not connected" in refusal.text
    out = route(book(), "AAPL", BUY, 400, D("190.01"), VENUES, down=frozenset({"ECN"}))
    assert out == [Slice("EXCH", 400, D("190.01"))], "nothing routed to, or counted at, a venue that is down"
    assert isinstance(route(book(), "AAPL", BUY, 1, None, VENUES, down=frozenset(VENUES)), RouteRefusal)



def test_a_venue_that_halted_the_symbol_gets_nothing_unless_pinned_there():
    b = book()
    b.security_status[("EXCH", "AAPL")] = "2"  # SecurityStatus 326=2 from EXCH
    # EXCH's 200 at 190.01 cannot be hit: ECN takes the marketable 300 and the rest joins ECN's bid.
    assert route(b, "AAPL", BUY, 400, D("190.01"), VENUES) == [Slice("ECN", 400, D("190.01"))]
    assert route(b, "AAPL", BUY, 10, None, VENUES, ex_destination="EXCH") == [Slice("EXCH", 10, None)]
    assert route(b, "MSFT", BUY, 10, None, VENUES) == [Slice("EXCH", 10, None)], "only AAPL is halted"
    b.session_status["ECN"] = "1"  # TradSesStatus 340=1: ECN halted as a whole
    refusal = route(b, "AAPL", BUY, 10, None, ["EXCH", "ECN"])
    assert refusal == RouteRefusal("AAPL is halted at EXCH, ECN")
    b.security_status[("EXCH", "AAPL")] = "17"  # resumed
    assert route(b, "AAPL", BUY, 100, D("190.01"), ["EXCH", "ECN"]) == [Slice("EXCH", 100, D("190.01"))]
    refusal = route(b, "AAPL", BUY, 10, None, ["EXCH", "ECN"], down=frozenset({"EXCH"}))
    assert refusal == RouteRefusal("AAPL is halted at ECN"), "a venue down is not named as halted"


levels = st.lists(st.tuples(st.integers(9990, 10010), st.integers(1, 500)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(ex=levels, ecn=levels, qty=st.integers(1, 3000), limit=st.one_of(st.none(), st.integers(9985, 10015)),
       buying=st.booleans())
def test_children_add_up_and_never_take_beyond_the_limit(ex, ecn, qty, limit, buying):
    b = ConsolidatedBook()
    for venue, lv in (("EXCH", ex), ("ECN", ecn)):
        b.snapshot(venue, "X", [], [])
        for px, q in lv:
            b.level(venue, "X", SELL if buying else BUY, D(px) / 100, q)
    lim = None if limit is None else D(limit) / 100
    out = route(b, "X", BUY if buying else SELL, qty, lim, ["EXCH", "ECN"])
    assert isinstance(out, list)
    assert sum(s.qty for s in out) == qty and all(s.qty > 0 and s.price == lim for s in out)
    assert len({s.venue for s in out}) == len(out)
    # Displayed size within the limit is taken first; only the rest goes beyond it, to one venue.
    shown = {"EXCH": 0, "ECN": 0}
    for level in b.depth("X", SELL if buying else BUY, 100):
        if lim is None or (level.price <= lim if buying else level.price >= lim):
            for venue, q in level.venues:
                shown[venue] += q
    marketable = min(qty, sum(shown.values()))
    beyond = [s.qty - shown[s.venue] for s in out if s.qty > shown[s.venue]]
    assert sum(beyond) == qty - marketable and len(beyond) <= 1
