"""Hidden (dark venue, MinQty, rest, finish lit) and Display (the whole order shown, re-placed)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import (  # pytest puts tests/unit on the path
    MIN, QUIET, Driver, markets, refusal, run_on, stepped)
from algo_driver import make as make_any
from oms_fix.engine.algos.base import NS, Place

D = Decimal
make = partial(make_any, qty=5_000, limit=D("100.05"))


def placements(drv: Driver) -> list[tuple[int, Place]]:
    return [(t, p) for t, d in drv.decisions for p in d.place]


# -- hidden ------------------------------------------------------------------------------------


def test_hidden_rests_at_the_dark_venue_at_the_mid_with_min_qty():
    algo, order = make(1003, "min_qty=500")
    drv = Driver(algo, order, inside_fill_prob=0.05, partial=True, seed=2).run(minutes=30)
    places = placements(drv)
    assert drv.filled == 5_000
    assert all(p.venue == "DARK" and p.price == D("100.00") for _, p in places)
    assert all(p.min_qty == min(500, p.qty) for _, p in places)


def test_hidden_min_qty_from_the_order_and_another_venue():
    algo, order = make(1003, "venue=MIDX;price=limit", min_qty=300)
    drv = Driver(algo, order, **QUIET).step_until(0)
    [(_, p)] = placements(drv)
    assert (p.venue, p.price, p.min_qty, p.qty, p.display) == ("MIDX", D("100.05"), 300, 5_000, None)


def test_hidden_rests_again_after_rest_seconds():
    algo, order = make(1003, "rest_seconds=7")
    drv = Driver(algo, order, **QUIET).step_until(0)
    drv.venue_ends()  # the dark venue expires it
    drv.run(minutes=1)
    first, second = drv.children[:2]
    assert first.ended is not None and second.placed - first.ended == 7 * NS


def test_hidden_finishes_at_its_end_without_finish_lit():
    algo, order = make(1003, "duration_minutes=1")
    drv = Driver(algo, order, **QUIET).run(minutes=5)
    assert drv.finished and drv.filled == 0 and drv.history[-1].now == MIN
    assert all(p.venue == "DARK" for _, p in placements(drv))


def test_hidden_finish_lit_sends_the_rest_to_lit_venues_at_the_limit():
    algo, order = make(1003, "duration_minutes=1;finish_lit=yes;min_qty=200")
    drv = Driver(algo, order, **QUIET).run(minutes=5)
    places = placements(drv)
    assert [p.venue for _, p in places] == ["DARK", None]
    t, lit = places[-1]
    assert t >= MIN and lit.price == D("100.05") and lit.min_qty is None and lit.qty == 5_000
    assert drv.filled == 5_000  # the limit is through the ask
    assert algo.stats()["lit"] is True


@pytest.mark.parametrize("params, limit, error", [
    ("finish_lit=y", D("100.05"), "finish_lit: needs duration_minutes"),
    ("price=limit", None, "price: limit needs a limit price"),
    ("price=best", D("100.05"), "price: must be one of mid, limit"),
    ("min_qty=0", D("100.05"), "min_qty: must be >= 1, not 0"),
    ("rest_seconds=-2", D("100.05"), "rest_seconds: must be >= 0"),
    ("venue=", D("100.05"), "venue: must name the dark venue"),
    ("display=0", D("100.05"), "Hidden does not take display"),
])
def test_hidden_bad_parameters_name_the_key(params, limit, error):
    assert error in refusal(make, 1003, params, limit=limit)


def test_hidden_performance_is_the_improvement_on_the_far_touch():
    for side, far in ((1, D("100.01")), (-1, D("99.99"))):
        algo, order = make(1003, "", limit=None, side=side)
        drv = Driver(algo, order, fill_prob=0.0, inside_fill_prob=0.1, seed=3)
        assert drv.performance() is None
        drv.run(minutes=30)
        assert drv.filled == 5_000 and drv.avg_px == D("100.00")  # at the mid, half the spread inside the ask
        assert drv.performance() == ((far - D("100.00")) * side / far * 10_000).quantize(D("0.01"))


# -- display -----------------------------------------------------------------------------------


def test_display_shows_the_whole_order_at_the_limit():
    algo, order = make(1004, "", limit=D("99.99"))
    drv = Driver(algo, order, fill_prob=0.2, partial=True, seed=4).run(minutes=30)
    assert drv.filled == 5_000
    assert [(c.qty, c.price) for c in drv.children] == [(5_000, D("99.99"))]


def test_display_replaces_a_child_the_venue_canceled():
    algo, order = make(1004, "", limit=D("99.99"))
    drv = Driver(algo, order, **QUIET).step_until(0)
    drv.venue_ends()
    drv.step_until(5 * NS)
    assert [c.qty for c in drv.children] == [5_000, 5_000]
    assert drv.children[1].placed - drv.children[0].ended >= NS  # no fill in between: a second's pause


@pytest.mark.parametrize("code, params, to, prices", [
    (1003, "", "100.02", ["100.00", "100.02"]),  # hidden follows the mid
    (1004, "strategy=passive;reprice_ms=2000", "100.03", ["99.99", "100.02"]),  # display follows the bid
])
def test_a_child_priced_off_the_market_follows_it(code, params, to, prices):
    algo, order = make(code, params)
    drv = Driver(algo, order, mid=stepped(10, "100.00", to), **QUIET).run(minutes=1)
    assert [c.price for c in drv.children] == [D(p) for p in prices]


def test_display_aggressive_takes_the_ask_on_a_named_venue():
    algo, order = make(1004, "strategy=aggressive;venue=EXCH")
    drv = Driver(algo, order).step_until(0)
    [(_, p)] = placements(drv)
    assert (p.price, p.venue) == (D("100.01"), "EXCH") and drv.filled == 5_000


def test_display_pauses_on_stale_data():
    algo, order = make(1004, "")
    drv = Driver(algo, order, stale=((0, 20 * NS, "one-sided quote"),), **QUIET).run(minutes=1)
    assert drv.children[0].placed == 20 * NS
    assert drv.decisions[0][1].note == "paused: one-sided quote"


@pytest.mark.parametrize("params, error", [
    ("strategy=adaptive", "strategy: must be one of limit, passive, neutral, aggressive"),
    ("reprice_ms=0", "reprice_ms: must be >= 50"),
    ("duration_minutes=0", "duration_minutes: must be > 0"),
    ("size=1", "Display does not take size"),
])
def test_display_bad_parameters_name_the_key(params, error):
    assert error in refusal(make, 1004, params)


def test_display_performance_is_the_average_fill_price():
    algo, order = make(1004, "strategy=passive")
    drv = Driver(algo, order, fill_prob=0.2, partial=True, seed=4)
    assert drv.performance() is None
    drv.run(minutes=30)
    assert drv.filled == 5_000 and drv.performance() == D("99.9900") == drv.avg_px  # it rested on the bid


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), code=st.sampled_from([1003, 1004]), side=st.sampled_from([1, -1]),
       params=st.sampled_from(["", "strategy=passive", "strategy=neutral", "min_qty=300", "price=limit",
                               "duration_minutes=3;finish_lit=y"]), qty=st.integers(1, 50))
def test_any_market_keeps_the_contract(market, code, side, params, qty):
    if (code == 1003) == params.startswith("strategy"):
        params = ""
    drv = run_on(market, code, params, qty=qty * 100, side=side)
    if code == 1003 and "finish_lit" not in params:
        assert all(p.venue == "DARK" for _, p in placements(drv))
