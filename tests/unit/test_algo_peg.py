"""Peg: references (primary, mid, market), offsets, re-pricing, the cap, stale data, bad parameters,
performance."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import (  # pytest puts tests/unit on the path
    QUIET, Driver, make, markets, overlapping, refusal, run_on, stepped)
from oms_fix.engine.algos.base import NS, Market, VenueQuote

D = Decimal
peg = partial(make, 1002, qty=5_000, limit=D("100.50"))


def first_place(params: str, market: Market | None = None, **kw: Any):
    algo, order = peg(params, **kw)
    drv = Driver(algo, order)
    d = algo.tick(0, drv.progress(), market or drv.market)
    assert len(d.place) == 1
    return d.place[0]


def test_primary_peg_reprices_after_the_bid_moved():
    algo, order = peg("peg=primary;reprice_ms=500")
    drv = Driver(algo, order, mid=stepped(10, "100.00", "100.10"), **QUIET).run(minutes=1)
    assert [c.price for c in drv.children] == [D("99.99"), D("100.09")]
    first, second = drv.children
    assert first.ended is not None and 10 * NS <= first.ended <= 11 * NS  # seen within reprice_ms, canceled
    assert second.placed >= first.ended and second.qty == 5_000
    assert algo.stats()["reprices"] == 1


def test_the_limit_caps_the_peg_and_stops_the_churn():
    algo, order = peg("peg=primary", limit=D("100.03"))
    drv = Driver(algo, order, mid=stepped(10, "100.00", "100.20"), **QUIET).run(minutes=1)
    assert [c.price for c in drv.children] == [D("99.99"), D("100.03")]
    assert all(c.price <= D("100.03") for c in drv.children)


def test_mid_peg_with_a_passive_offset_in_ticks():
    assert first_place("peg=mid;offset_ticks=-1").price == D("99.99")  # mid 100.00, a tick below
    assert first_place("peg=mid;offset_ticks=-1", side=-1, limit=None).price == D("99.99")  # a sell: more aggressive


def test_mid_peg_rounds_a_half_tick_mid_away_from_the_market():
    market = Market(bid=D("99.99"), ask=D("100.00"), bid_size=100, ask_size=100)
    assert first_place("peg=mid", market).price == D("99.99")
    assert first_place("peg=mid", market, side=-1, limit=None).price == D("100.00")


def test_market_peg_takes_the_far_touch():
    assert first_place("peg=market").price == D("100.01")
    assert first_place("peg=market", side=-1, limit=D("99.00")).price == D("99.99")


def test_execinst_and_peg_offset_value_from_the_order():
    assert first_place("", peg="M").price == D("100.00")
    assert first_place("", peg="P").price == D("100.01")  # FIX 4.4: P is the market peg
    assert first_place("", peg="R", peg_offset=D("-0.02")).price == D("99.97")  # R, the primary peg: the bid - 2c


def test_primary_venue_comes_from_the_venues():
    market = Market(bid=D("100.02"), ask=D("100.03"), bid_size=100, ask_size=100,
                    venues=(VenueQuote(venue="ARCA", bid=D("100.02"), bid_size=100, ask=D("100.05"), ask_size=100),
                            VenueQuote(venue="EXCH", bid=D("100.00"), bid_size=100, ask=D("100.03"), ask_size=100)))
    assert first_place("peg=primary", market).price == D("100.00")  # EXCH, not the consolidated 100.02
    assert first_place("peg=primary;primary_venue=ARCA", market).price == D("100.02")
    assert first_place("peg=primary;primary_venue=BATS", market).price == D("100.02")  # absent: the first listed
    assert first_place("peg=primary", market, side=-1, limit=None).price == D("100.03")


def test_named_venue_and_max_floor_are_passed_on():
    p = first_place("venue=EXCH", max_floor=200)
    assert p.venue == "EXCH" and p.display == 200


def test_no_placement_or_reprice_while_stale():
    algo, order = peg("peg=primary")
    stale = ((5 * NS, 30 * NS, "stale: no data for 31 s"),)
    drv = Driver(algo, order, mid=stepped(10, "100.00", "100.10"), stale=stale, **QUIET).run(minutes=1)
    assert len(drv.children) == 2 and drv.children[1].placed >= 30 * NS
    assert all(not d.place and not d.cancel for t, d in drv.decisions if 5 * NS <= t < 30 * NS)


def test_one_sided_reference_waits():
    algo, order = peg("peg=mid")
    drv = Driver(algo, order)
    d = algo.tick(0, drv.progress(), Market(bid=D("99.99"), bid_size=100))
    assert not d.place and d.wake_at == 500_000_000


@pytest.mark.parametrize("params, spec, error", [
    ("peg=last", {}, "peg: must be one of primary, mid, market"),
    ("offset_ticks=-1", {"peg_offset": D("-0.01")}, "offset_ticks: give PegOffsetValue (211) or offset_ticks"),
    ("offset_ticks=half", {}, "offset_ticks: must be a whole number"),
    ("reprice_ms=10", {}, "reprice_ms: must be >= 50"),
    ("primary_venue=", {}, "primary_venue: must name a venue"),
    ("peg=mid;speed=9", {}, "Peg does not take speed"),
])
def test_bad_parameters_name_the_key(params, spec, error):
    assert error in refusal(peg, params, **spec)


def test_performance_is_the_improvement_on_the_far_touch():
    algo, order = peg("peg=mid")
    drv = Driver(algo, order, fill_prob=0.0, inside_fill_prob=0.1, seed=2)
    assert drv.performance() is None
    drv.run(minutes=30)
    assert drv.avg_px == D("100.00") and drv.performance() == D("1.00")  # a cent inside the ask of 100.01
    algo, order = peg("peg=market", side=-1, limit=None)
    drv = Driver(algo, order).run(minutes=1)
    assert drv.avg_px == D("99.99") and str(drv.performance()) == "0.00"  # it took the bid


def test_performance_counts_a_fill_the_algo_has_not_ticked_on():
    algo, order = peg("peg=mid")
    drv = Driver(algo, order, **QUIET).step_until(0)  # the child rests at the mid, the ask at 100.01
    assert drv.children[0].price == D("100.00") and drv.performance() is None
    filled = replace(drv.progress(), filled=5_000, avg_px=D("100.00"), working=0, children=())
    assert algo.performance(filled, drv.market) == D("1.00")
    assert algo.performance(filled, drv.market) == D("1.00")  # asking again changes nothing


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), kind=st.sampled_from(["primary", "mid", "market"]), offset=st.integers(-3, 3),
       side=st.sampled_from([1, -1]), qty=st.integers(1, 50))
def test_any_market_keeps_the_contract(market, kind, offset, side, qty):
    drv = run_on(market, 1002, f"peg={kind};offset_ticks={offset}", qty=qty * 100, side=side)
    assert overlapping(drv) == []  # one child at a time, as the iceberg
