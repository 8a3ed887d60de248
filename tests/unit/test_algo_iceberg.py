"""Iceberg: one slice at a time, slice sizes, refresh delay, stale data, bad parameters, performance."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import (  # pytest puts tests/unit on the path
    MIN, QUIET, Driver, make, markets, overlapping, refusal, run_on, stepped)
from oms_fix.engine.algos.base import NS

LIMIT = Decimal("100.05")
iceberg = partial(make, 1001, qty=5_000, limit=LIMIT)


def test_one_slice_at_a_time_at_the_limit():
    algo, order = iceberg("display_qty=500")
    drv = Driver(algo, order, fill_prob=0.2, partial=True, seed=5).run(minutes=60)
    assert drv.filled == 5_000
    assert overlapping(drv) == []
    assert all(c.qty <= 500 and c.price == LIMIT for c in drv.children)
    assert algo.stats()["slices"] == len(drv.children) == 10


def test_max_floor_is_the_display_when_848_has_none():
    algo, order = iceberg("", max_floor=300)
    drv = Driver(algo, order).step_until(0)
    assert [p.qty for p in drv.decisions[0][1].place] == [300]


def test_variance_shrinks_slices_by_whole_lots_and_is_repeatable():
    sizes = []
    for _ in range(2):
        algo, order = iceberg("display_qty=1000;variance=0.5", qty=20_000)
        drv = Driver(algo, order).run(minutes=60)  # the limit is through the ask: each slice fills at once
        assert drv.filled == 20_000 and overlapping(drv) == []
        sizes.append([c.qty for c in drv.children])
    first = sizes[0][:-1]  # the last slice is whatever is left
    assert sizes[0] == sizes[1]
    assert len(set(first)) > 1
    assert all(500 <= q <= 1000 and q % 100 == 0 for q in first)


def test_refresh_delay_between_slices():
    algo, order = iceberg("display_qty=500;refresh_delay_ms=3000", qty=2_000)
    drv = Driver(algo, order).run(minutes=5)
    assert drv.filled == 2_000
    for prev, nxt in zip(drv.children, drv.children[1:]):
        assert prev.ended is not None and nxt.placed - prev.ended >= 3 * NS


def test_a_slice_that_ends_unfilled_is_retried_a_second_later():
    algo, order = iceberg("display_qty=500", limit=Decimal("99.99"))  # at the bid: fills only by chance
    drv = Driver(algo, order, fill_prob=0).step_until(0)
    drv.venue_ends()  # the venue cancels it
    drv.step_until(5 * NS)
    assert len(drv.children) == 2 and drv.children[1].placed - drv.children[0].ended >= NS


def test_market_parent_joins_the_bid_and_follows_it():
    algo, order = iceberg("display_qty=500", limit=None)
    drv = Driver(algo, order, mid=stepped(10, "100.00", "100.20"), **QUIET).run(minutes=1)
    assert drv.children[0].price == Decimal("99.99")
    assert drv.filled == 0 and len(drv.children) == 1  # a limit-strategy slice keeps its price


def test_passive_strategy_reprices_the_slice_when_the_touch_moved():
    algo, order = iceberg("display_qty=500;strategy=passive")
    drv = Driver(algo, order, mid=stepped(10, "100.00", "100.04"), **QUIET).run(minutes=1)
    assert [c.price for c in drv.children] == [Decimal("99.99"), Decimal("100.03")]
    assert overlapping(drv) == [] and algo.stats()["reprices"] == 1


def test_nothing_is_placed_while_the_data_is_stale():
    algo, order = iceberg("display_qty=500")
    drv = Driver(algo, order, stale=((0, 30 * NS, "stale: no data for 31 s"),)).run(minutes=1)
    assert drv.children[0].placed >= 30 * NS
    assert drv.decisions[0][1].note.startswith("paused")


def test_a_smaller_replace_finishes_without_overfill():
    algo, order = iceberg("display_qty=500", qty=3_000)
    drv = Driver(algo, order).step_until(2 * NS)
    drv.replace(qty=1_800)
    drv.run(minutes=1)
    assert drv.filled == 1_800 and drv.finished
    assert [c.qty for c in drv.children][-1] == 300


def test_end_time_finishes_the_iceberg():
    algo, order = iceberg("display_qty=500;duration_minutes=2", limit=Decimal("99.99"))
    drv = Driver(algo, order, **QUIET).run(minutes=5)
    assert drv.finished and drv.history[-1].now == 2 * MIN and drv.filled == 0


@pytest.mark.parametrize("params, spec, error", [
    ("display_qty=0", {}, "display_qty: must be >= 1, not 0"),
    ("", {}, "display_qty: required"),
    ("display_qty=50", {}, "display_qty: must be at least one lot (100), not 50"),
    ("display_qty=500;variance=0.6", {}, "variance: must be <= 0.5"),
    ("display_qty=500;refresh_delay_ms=-1", {}, "refresh_delay_ms: must be >= 0"),
    ("display_qty=500;strategy=sneaky", {}, "strategy: must be one of"),
    ("display_qty=500;colour=blue", {}, "Iceberg does not take colour"),
    ("display_qty=500", {"end": -1}, "ExpireTime (126)"),
])
def test_bad_parameters_name_the_key(params, spec, error):
    assert error in refusal(iceberg, params, **spec)


def test_performance_is_the_average_fill_price():
    algo, order = iceberg("display_qty=500;strategy=aggressive", qty=2_000)
    drv = Driver(algo, order)
    assert drv.performance() is None  # nothing filled yet
    drv.run(minutes=5)
    assert drv.filled == 2_000 and drv.performance() == Decimal("100.0100") == drv.avg_px


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), display=st.integers(1, 20), variance=st.sampled_from(["0", "0.3", "0.5"]),
       qty=st.integers(1, 60), side=st.sampled_from([1, -1]))
def test_any_market_keeps_the_contract(market, display, variance, qty, side):
    drv = run_on(market, 1001, f"display_qty={display * 100};variance={variance}", qty=qty * 100, side=side,
                 limit_ticks=5)
    assert overlapping(drv) == []
    assert all(c.qty <= display * 100 for c in drv.children)
