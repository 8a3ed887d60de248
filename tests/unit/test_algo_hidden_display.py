"""Hidden (dark venue, MinQty, rest, finish lit) and Display (the whole order shown, re-placed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import Driver, algo_for, order_for  # pytest puts tests/unit on the path
from oms_fix.engine.algos.base import NS, AlgoError, Place
from test_algo_iceberg import assert_contract, markets

D = Decimal
MIN = 60 * NS
QUIET = {"fill_prob": 0.0, "inside_fill_prob": 0.0}  # nothing fills unless it crosses


def make(code: int, params: str, qty: int = 5_000, limit: Decimal | None = D("100.05"), side: int = 1,
         **spec: Any):
    order = order_for(qty, limit=limit, side=side)
    return algo_for(code, params, order, **spec), order


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
    drv.children[0].canceling = True  # the dark venue expires it
    drv.run(minutes=1)
    first, second = drv.children[:2]
    assert first.ended is not None and second.placed - first.ended == 7 * NS


def test_hidden_follows_the_mid():
    algo, order = make(1003, "")
    mid = lambda now: D("100.00") if now < 10 * NS else D("100.02")  # noqa: E731
    drv = Driver(algo, order, mid=mid, **QUIET).run(minutes=1)
    assert [c.price for c in drv.children] == [D("100.00"), D("100.02")]


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
    with pytest.raises(AlgoError) as e:
        make(1003, params, limit=limit)
    assert error in str(e.value)


# -- display -----------------------------------------------------------------------------------


def test_display_shows_the_whole_order_at_the_limit():
    algo, order = make(1004, "", limit=D("99.99"))
    drv = Driver(algo, order, fill_prob=0.2, partial=True, seed=4).run(minutes=30)
    assert drv.filled == 5_000
    assert [(c.qty, c.price) for c in drv.children] == [(5_000, D("99.99"))]


def test_display_replaces_a_child_the_venue_canceled():
    algo, order = make(1004, "", limit=D("99.99"))
    drv = Driver(algo, order, **QUIET).step_until(0)
    drv.children[0].canceling = True
    drv.step_until(5 * NS)
    assert [c.qty for c in drv.children] == [5_000, 5_000]
    assert drv.children[1].placed - drv.children[0].ended >= NS  # no fill in between: a second's pause


def test_display_passive_follows_the_touch():
    algo, order = make(1004, "strategy=passive;reprice_ms=2000")
    mid = lambda now: D("100.00") if now < 10 * NS else D("100.03")  # noqa: E731
    drv = Driver(algo, order, mid=mid, **QUIET).run(minutes=1)
    assert [c.price for c in drv.children] == [D("99.99"), D("100.02")]


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
    with pytest.raises(AlgoError) as e:
        make(1004, params)
    assert error in str(e.value)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), code=st.sampled_from([1003, 1004]), side=st.sampled_from([1, -1]),
       params=st.sampled_from(["", "strategy=passive", "strategy=neutral", "min_qty=300", "price=limit",
                               "duration_minutes=3;finish_lit=y"]), qty=st.integers(1, 50))
def test_any_market_keeps_the_contract(market, code, side, params, qty):
    if (code == 1003) == params.startswith("strategy"):
        params = ""
    limit = D("100.02") if side > 0 else D("99.98")
    algo, order = make(code, params, qty=qty * 100, limit=limit, side=side)
    drv = Driver(algo, order, **market).run(minutes=10)
    assert_contract(drv)
    if code == 1003 and "finish_lit" not in params:
        assert all(p.venue == "DARK" for _, p in placements(drv))
