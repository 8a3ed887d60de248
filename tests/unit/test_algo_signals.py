"""The signal algos: momentum (trend), mean reversion (dips and rallies) and arbitrage (crossed venues)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import (  # pytest puts tests/unit on the path
    MIN, QUIET, Driver, make, markets, refusal, run_on)
from oms_fix.engine.algos.arbitrage import find_opportunity
from oms_fix.engine.algos.base import NS, ChildView, Market, VenueQuote

D = Decimal
TICK = D("0.01")


def ramp(per_second: Decimal, start: Decimal = D("100.00")):
    """A mid that moves one tick at a time, ``per_second`` a second on average."""
    return lambda now: start + (per_second * (now // NS) / TICK).to_integral_value() * TICK


# -- momentum ----------------------------------------------------------------------------------


def run_momentum(mid, side: int = 1, params: str = "duration_minutes=20", **kw: Any) -> Driver:
    algo, order = make(1006, params, side=side)
    return Driver(algo, order, mid=mid, fill_prob=0.05, inside_fill_prob=0.1, seed=11, **kw).run(minutes=25)


def test_momentum_speeds_up_when_the_price_runs_away_from_a_buy():
    flat = run_momentum(D("100.00"))
    rising = run_momentum(ramp(D("0.005")))
    assert rising.algo.stats()["adverse_ticks"] > 0 and flat.algo.stats()["adverse_ticks"] == 0
    assert rising.filled_by(5 * MIN) >= flat.filled_by(5 * MIN) + 1_500  # max_lead 0.2 of 10,000 ahead
    early = [c for c in rising.children if 2 * MIN <= c.placed <= 5 * MIN]
    assert early and all(c.price == ramp(D("0.005"))(c.placed) + TICK for c in early)  # at the ask
    assert rising.filled == flat.filled == 10_000


def test_momentum_takes_the_ask_and_runs_ahead_of_the_line():
    algo, order = make(1006, "duration_minutes=20")
    drv = Driver(algo, order, mid=ramp(D("0.005")), **QUIET).run(minutes=5)
    line = 10_000 * 5 / 19  # the straight line is done at 95% of 20 minutes
    assert drv.filled > line + 1_000
    assert algo.stats()["mode"] == "aggressive" and algo.stats()["trend_bps"] > 2


def test_momentum_waits_when_the_price_comes_to_a_buy_and_still_completes():
    algo, order = make(1006, "duration_minutes=20")
    drv = Driver(algo, order, mid=ramp(D("-0.005")), fill_prob=0.05, inside_fill_prob=0.1, seed=3).run(minutes=25)
    assert algo.stats()["trend_bps"] < -2
    assert drv.history[-1].now <= 20 * MIN and drv.filled == 10_000
    lagging = [s for s in drv.history if 2 * MIN <= s.now <= 10 * MIN]
    assert all(s.target is not None and s.target <= 10_000 * s.now / (0.95 * 20 * MIN) for s in lagging)


def test_momentum_for_a_sell_fears_a_falling_price():
    algo, order = make(1006, "duration_minutes=20", side=-1)
    Driver(algo, order, mid=ramp(D("-0.005")), **QUIET).run(minutes=3)
    assert algo.stats()["mode"] == "aggressive" and algo.stats()["trend_bps"] > 2


# -- mean reversion ----------------------------------------------------------------------------


def dip(at_s: int, for_s: int, to: str, base: str = "100.00"):
    return lambda now: D(to) if at_s * NS <= now < (at_s + for_s) * NS else D(base)


def test_mean_reversion_buys_the_dip():
    algo, order = make(1007, "duration_minutes=20;threshold_bps=10")
    drv = Driver(algo, order, mid=dip(120, 20, "99.80"), **QUIET).run(minutes=25)
    in_dip = [c for c in drv.children if 120 * NS <= c.placed < 140 * NS]
    assert sum(c.qty for c in in_dip) >= 2_500  # max_lead 0.25 of the parent ahead of the line
    assert all(c.price == D("99.81") for c in in_dip)  # the ask in the dip
    assert algo.stats()["opportunities"] > 0
    assert drv.filled == 10_000


def test_mean_reversion_completes_when_the_price_never_comes_back():
    algo, order = make(1007, "duration_minutes=20;threshold_bps=10")
    drv = Driver(algo, order, mid=ramp(D("0.002")), **QUIET).run(minutes=25)
    assert algo.stats()["opportunities"] == 0
    assert drv.filled == 10_000 and drv.history[-1].now <= 20 * MIN
    for s in drv.history:  # caught up to the line, never far behind it
        assert s.target is not None and s.filled >= s.target - 10_000 * 0.02 - 500


def test_mean_reversion_sells_the_rally_not_the_dip():
    algo, order = make(1007, "duration_minutes=20;threshold_bps=10", side=-1)
    drv = Driver(algo, order, mid=dip(120, 20, "100.20"), **QUIET).run(minutes=3)
    in_rally = [c for c in drv.children if 120 * NS <= c.placed < 140 * NS]
    assert sum(c.qty for c in in_rally) >= 2_500 and all(c.price == D("100.19") for c in in_rally)
    other, order = make(1007, "duration_minutes=20;threshold_bps=10", side=-1)
    Driver(other, order, mid=dip(120, 20, "99.80"), **QUIET).run(minutes=3)
    assert other.stats()["opportunities"] == 0


# -- arbitrage ---------------------------------------------------------------------------------


def q(venue: str, bid: str | None, ask: str | None, size: int = 300) -> VenueQuote:
    return VenueQuote(venue=venue, bid=None if bid is None else D(bid), bid_size=size if bid else 0,
                      ask=None if ask is None else D(ask), ask_size=size if ask else 0)


def venues(*quotes: VenueQuote, stale: str = "") -> Market:
    bid = max(x.bid for x in quotes if x.bid is not None)
    ask = min(x.ask for x in quotes if x.ask is not None)
    return Market(bid=bid, ask=ask, bid_size=100, ask_size=100, stale=stale, crossed=bid > ask, venues=quotes)


CROSSED = venues(q("ARCA", "99.98", "100.00"), q("EXCH", "100.02", "100.04"))
FAIR = venues(q("ARCA", "99.98", "100.00"), q("EXCH", "99.99", "100.01"))


def arb(params: str = "", qty: int = 1_000, limit: Decimal | None = D("100.10"), side: int = 1):
    algo, order = make(1008, params, qty=qty, limit=limit, side=side)
    return algo, Driver(algo, order).progress()


def test_arbitrage_buys_at_the_cheap_venue_when_another_bids_through_it():
    algo, parent = arb()
    d = algo.tick(0, parent, CROSSED)
    [p] = d.place
    assert (p.venue, p.price, p.qty, p.ioc) == ("ARCA", D("100.00"), 300, True)  # the size shown at ARCA
    assert d.wake_at == 200_000_000
    assert algo.stats()["best_edge"] == "0.02"


def test_arbitrage_sells_at_the_rich_venue():
    algo, parent = arb(side=-1, limit=D("99.00"))
    [p] = algo.tick(0, parent, CROSSED).place
    assert (p.venue, p.price, p.ioc) == ("EXCH", D("100.02"), True)


def test_arbitrage_needs_a_real_dislocation_of_min_edge():
    algo, parent = arb("min_edge_ticks=3")
    assert not algo.tick(0, parent, CROSSED).place  # 2 ticks of edge
    algo, parent = arb()
    assert not algo.tick(0, parent, FAIR).place
    locked = venues(q("ARCA", "99.98", "100.00"), q("EXCH", "100.00", "100.02"))
    assert not algo.tick(0, parent, locked).place
    one_venue = venues(q("ARCA", "100.02", "100.00"))  # a venue crossed with itself is not an edge here
    assert not algo.tick(0, parent, one_venue).place


def test_arbitrage_size_and_limit():
    algo, parent = arb("size=200")
    assert [p.qty for p in algo.tick(0, parent, CROSSED).place] == [200]
    algo, parent = arb(limit=D("99.99"))
    d = algo.tick(0, parent, CROSSED)
    assert not d.place and "beyond the limit" in d.note


def test_arbitrage_no_take_on_stale_data_or_while_one_is_out():
    algo, parent = arb()
    assert not algo.tick(0, parent, replace(CROSSED, stale="stale: no data for 31 s")).place
    assert algo.tick(1, parent, CROSSED).place
    ioc = ChildView(child_id="c1", venue="ARCA", qty=300, open=300, canceling=False, price=D("100.00"), placed=1)
    d = algo.tick(2, replace(parent, working=300, children=(ioc,)), CROSSED)
    assert not d.place and d.note == "take in flight"
    # The IOC ended: not again on the quote it was sent against, but after the interval, on a fresh tick.
    assert not algo.tick(3, parent, CROSSED).place
    assert algo.tick(1 + 200_000_000, parent, CROSSED).place


def test_arbitrage_passive_rests_then_frees_the_child_for_a_take():
    algo, parent = arb("passive=y")
    [rest] = algo.tick(0, parent, FAIR).place
    assert (rest.price, rest.venue, rest.ioc, rest.qty) == (D("99.99"), None, False, 1_000)
    child = ChildView(child_id="c1", venue="EXCH", qty=1_000, open=1_000, canceling=False, price=D("99.99"),
                      placed=0)
    resting = replace(parent, working=1_000, children=(child,))
    d = algo.tick(1, resting, CROSSED)
    assert d.cancel == ("c1",) and not d.place
    canceling = replace(resting, children=(replace(child, canceling=True),))
    assert not algo.tick(2, canceling, CROSSED).place
    [take] = algo.tick(3, parent, CROSSED).place
    assert take.ioc and take.venue == "ARCA"


def test_find_opportunity_breaks_ties_by_venue_name():
    m = venues(q("BATS", "99.98", "100.00"), q("ARCA", "99.98", "100.00"), q("EXCH", "100.03", "100.05"))
    opp = find_opportunity(1, m, TICK)
    assert opp is not None and opp[0].venue == "ARCA" and opp[2] == D("0.03")


@pytest.mark.parametrize("code, params, error", [
    (1006, "fast_s=60;slow_s=30", "slow_s: must be > fast_s (60), not 30"),
    (1006, "threshold_bps=0", "threshold_bps: must be > 0"),
    (1006, "max_lead=2", "max_lead: must be <= 1"),
    (1006, "fast_s=abc", "fast_s: must be a number, not 'abc'"),
    (1006, "window_s=30", "Momentum does not take window_s"),
    (1007, "window_s=0", "window_s: must be > 0"),
    (1007, "threshold_bps=-5", "threshold_bps: must be > 0"),
    (1007, "max_lead=1.5", "max_lead: must be <= 1"),
    (1007, "duration_minutes=soon", "duration_minutes: must be a number"),
    (1007, "fast_s=3", "MeanReversion does not take fast_s"),
    (1008, "min_edge_ticks=0", "min_edge_ticks: must be >= 1, not 0"),
    (1008, "size=0", "size: must be >= 1"),
    (1008, "interval_ms=1", "interval_ms: must be >= 10"),
    (1008, "passive=maybe", "passive: must be true or false"),
    (1008, "edge=2", "Arbitrage does not take edge"),
])
def test_bad_parameters_name_the_key(code, params, error):
    assert error in refusal(make, code, params)


@pytest.mark.parametrize("code, params, drift", [
    (1006, "duration_minutes=20", "0.005"),  # momentum: a trend against a buy
    (1007, "duration_minutes=20;threshold_bps=10", "0.002"),  # mean reversion: a price that never comes back
])
def test_momentum_and_mean_reversion_report_the_average_fill_price(code, params, drift):
    algo, order = make(code, params)
    drv = Driver(algo, order, mid=ramp(D(drift)), **QUIET)
    assert drv.performance() is None
    drv.run(minutes=25)  # every fill crossed, at its price
    assert drv.filled == 10_000 and drv.performance() == drv.avg_px.quantize(D("0.0001"))


def test_arbitrage_performance_is_the_average_fill_price():
    algo, parent = arb()
    first = algo.tick(0, parent, CROSSED)
    assert algo.performance(parent, CROSSED) is None and [p.qty for p in first.place] == [300]
    filled = replace(parent, filled=300, avg_px=D("100.00"))  # the IOC filled whole, not yet ticked on
    assert algo.performance(filled, CROSSED) == D("100.0000")


prices = st.integers(9_990, 10_010).map(lambda n: D(n) / 100)


@settings(max_examples=200, deadline=None)
@given(books=st.lists(st.lists(st.tuples(prices, st.integers(0, 5), st.integers(0, 5)), min_size=2, max_size=4),
                      min_size=1, max_size=10),
       side=st.sampled_from([1, -1]), edge=st.integers(1, 3), passive=st.booleans(), stale=st.booleans())
def test_arbitrage_fires_only_on_real_dislocations(books, side, edge, passive, stale):
    algo, parent = arb(f"min_edge_ticks={edge};passive={'y' if passive else 'n'}", side=side,
                       limit=D("100.05") if side > 0 else D("99.95"))
    for k, book in enumerate(books):
        quotes = tuple(q(f"V{i}", str(mid - TICK * lo), str(mid + TICK * (1 + hi)), size=100 * (1 + hi))
                       for i, (mid, lo, hi) in enumerate(book))
        m = venues(*quotes, stale="one-sided quote" if stale and k % 2 else "")
        d = algo.tick(k * NS, parent, m)
        opp = find_opportunity(side, m, TICK * edge)
        assert sum(p.qty for p in d.place) <= parent.unplaced
        for p in d.place:
            assert not m.stale
            assert p.price is not None and (parent.limit - p.price) * side >= 0
            if p.ioc:
                assert opp is not None and (p.venue, p.price) == (opp[0].venue, opp[1])
            else:
                assert passive and p.venue is None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), code=st.sampled_from([1006, 1007]), side=st.sampled_from([1, -1]), qty=st.integers(1, 100))
def test_any_market_keeps_the_contract(market, code, side, qty):
    signal = {1006: "fast_s=10;slow_s=40", 1007: "window_s=60;threshold_bps=2"}[code]
    run_on(market, code, f"duration_minutes=8;interval_seconds=2;{signal}", qty=qty * 100, side=side)
