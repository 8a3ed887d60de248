"""Adaptive: aggression from progress, spread, volatility and urgency; blended schedule shapes; the cap;
the shortfall against arrival."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import (  # pytest puts tests/unit on the path
    MIN, Driver, assert_contract, make, markets, refusal, run_on)
from oms_fix.engine.algos.adaptive import front_loaded, parse_weights
from oms_fix.engine.algos.base import NS, ChildView, Market

D = Decimal
CALM = Market(bid=D("99.99"), ask=D("100.01"), bid_size=1_000, ask_size=1_000)
adaptive = partial(make, 1005, limit=D("101.00"))


def ticked(algo, order, now: int, market: Market = CALM, **progress: Any):
    parent = replace(Driver(algo, order).progress(), **progress)
    return algo.tick(now, parent, market)


def test_behind_the_schedule_goes_aggressive():
    algo, order = adaptive("duration_minutes=60;adaptation_speed=1")
    ticked(algo, order, 0)
    d = ticked(algo, order, 30 * MIN)
    assert algo.stats()["mode"] == "aggressive"
    [p] = d.place
    assert p.price == D("100.01") and p.qty == algo.target(30 * MIN) // 100 * 100  # whole lots


def test_ahead_of_the_schedule_goes_passive_and_reprices_what_works():
    algo, order = adaptive("duration_minutes=60;adaptation_speed=1")
    ticked(algo, order, 0)
    child = ChildView(child_id="c1", venue="SIM", qty=1_000, open=1_000, canceling=False, price=D("100.01"),
                      placed=0)
    d = ticked(algo, order, 10 * MIN, filled=6_000, working=1_000, children=(child,))
    assert algo.stats()["mode"] == "passive"
    assert d.cancel == ("c1",) and not d.place


def test_on_schedule_works_at_the_mid():
    algo, order = adaptive("duration_minutes=60;adaptation_speed=1")
    d = ticked(algo, order, 0)
    assert algo.stats()["mode"] == "neutral" and not d.place  # nothing due yet
    target = algo.target(6 * MIN)
    d = ticked(algo, order, 6 * MIN, filled=target - 100)
    assert algo.stats()["mode"] == "neutral" and [p.price for p in d.place] == [D("100.00")]


def test_adaptation_speed_smooths_the_switch():
    algo, order = adaptive("duration_minutes=60;adaptation_speed=0.2")
    ticked(algo, order, 0)
    modes = []
    for k in range(1, 8):
        ticked(algo, order, k * 5 * MIN)
        modes.append(algo.stats()["mode"])
    assert modes[0] == "neutral" and modes[-1] == "aggressive"


def test_a_wide_spread_holds_back_and_leans_on_volume():
    algo, order = adaptive("duration_minutes=60;adaptation_speed=1")
    wide = Market(bid=D("99.95"), ask=D("100.05"), bid_size=1_000, ask_size=1_000)
    ticked(algo, order, 0, wide)
    target = algo.target(6 * MIN)
    ticked(algo, order, 6 * MIN, wide, filled=target)
    stats = algo.stats()
    assert stats["mode"] == "passive" and stats["spread_ticks"] == 10
    assert stats["weights"]["pov"] > parse_weights("twap:0.5,is:0.25,pov:0.25")["pov"]


def test_volatility_and_urgency_front_load_the_schedule():
    calm, order = adaptive("duration_minutes=60")
    jumpy, _ = adaptive("duration_minutes=60")
    urgent, _ = adaptive("duration_minutes=60;urgency=high")
    for k in range(60):
        mid = D("100.00") + (D("0.30") if k % 2 else 0)
        ticked(jumpy, order, k * 10 * NS, Market(bid=mid - D("0.01"), ask=mid + D("0.01"), bid_size=1, ask_size=1))
        ticked(calm, order, k * 10 * NS)
        ticked(urgent, order, k * 10 * NS)
    base = calm.stats()["weights"]["is"]
    assert jumpy.stats()["weights"]["is"] > base and jumpy.stats()["volatility_bps"] > 2
    assert urgent.stats()["weights"]["is"] > base
    assert jumpy.target(20 * MIN) > calm.target(20 * MIN)


def test_shapes_and_weights():
    twap, order = adaptive("algorithm_weights=twap:1;duration_minutes=60")
    front, _ = adaptive("algorithm_weights=is:1;duration_minutes=60")
    assert twap.target(0) == front.target(0) == 0
    assert front.target(15 * MIN) > twap.target(15 * MIN) > 0
    assert twap.target(57 * MIN) == front.target(57 * MIN) == 10_000  # done at 95% of the window
    assert front_loaded(0.0) == 0.0 and abs(front_loaded(1.0) - 1.0) < 1e-12
    assert parse_weights("TWAP:2, pov:2") == {"twap": 0.5, "is": 0.0, "pov": 0.5}


def test_completes_over_the_window():
    algo, order = adaptive("duration_minutes=20")
    drv = Driver(algo, order, fill_prob=0.05, inside_fill_prob=0.1, partial=True, seed=7).run(minutes=25)
    assert drv.filled == 10_000
    assert all(c.placed <= 20 * MIN for c in drv.children)
    assert_contract(drv)


def test_participation_cap_holds_fills_to_the_volume():
    algo, order = adaptive("duration_minutes=20;participation_rate=0.1")
    drv = Driver(algo, order, volume_rate=50.0).run(minutes=25)  # 60,000 shares of others in 20 minutes
    assert algo.stats()["cap"] == 0.1
    for t, _ in drv.decisions:
        others = 50.0 * t / NS
        assert drv.placed_by(t) <= others * 0.1 / 0.9 + 100
    assert 5_000 < drv.filled < 10_000


def test_participation_rate_from_tag_849():
    algo, _ = adaptive("duration_minutes=20", participation_rate=D("0.2"))
    assert algo.stats()["cap"] == 0.2


def test_performance_is_the_side_signed_shortfall_against_arrival():
    falling = lambda now: D("100") - D(now // (5 * NS)) / 100  # noqa: E731 (adverse for a seller)
    algo, order = adaptive("duration_minutes=10", side=-1, limit=None)
    drv = Driver(algo, order, mid=falling, stale=[(0, 20 * NS, "crossed")])
    drv.step_until(10 * NS)
    assert drv.performance() is None and algo.arrival is None  # stale so far: no arrival mid
    drv.run(minutes=11)
    assert algo.arrival == D("99.96")  # the first mid fit to trade on
    perf = drv.performance()
    assert drv.filled == 10_000 and perf is not None and perf > 0
    assert float(perf) == pytest.approx(float((D("99.96") - drv.avg_px) / D("99.96") * 10_000), abs=0.6)


@pytest.mark.parametrize("params, spec, error", [
    ("algorithm_weights=twap:0.5,vwap:0.5", {}, "algorithm_weights: 'vwap:0.5' is not shape:weight"),
    ("algorithm_weights=twap:x", {}, "algorithm_weights: twap must have a number, not 'x'"),
    ("algorithm_weights=twap:-1,is:2", {}, "algorithm_weights: twap must be >= 0"),
    ("algorithm_weights=twap:0,is:0", {}, "algorithm_weights: at least one weight must be > 0"),
    ("algorithm_weights=is:1,is:2", {}, "algorithm_weights: is is given twice"),
    ("adaptation_speed=0", {}, "adaptation_speed: must be > 0"),
    ("adaptation_speed=1.5", {}, "adaptation_speed: must be <= 1"),
    ("urgency=extreme", {}, "urgency: must be one of low, medium, high"),
    ("participation_rate=0.9", {}, "participation_rate: must be <= 0.5"),
    ("", {"participation_rate": D("0.8")}, "ParticipationRate (849)"),
    ("participation_rate=0.1", {"participation_rate": D("0.2")}, "disagrees with ParticipationRate (849)"),
    ("interval_seconds=0", {}, "interval_seconds: must be > 0"),
    ("num_slices=4", {}, "Adaptive does not take num_slices"),
])
def test_bad_parameters_name_the_key(params, spec, error):
    assert error in refusal(adaptive, params, **spec)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market=markets(), side=st.sampled_from([1, -1]), qty=st.integers(1, 100),
       params=st.sampled_from(["", "urgency=high;adaptation_speed=1", "algorithm_weights=pov:1",
                               "participation_rate=0.2", "urgency=low;algorithm_weights=is:1"]))
def test_any_market_keeps_the_contract(market, side, qty, params):
    drv = run_on(market, 1005, f"duration_minutes=8;interval_seconds=2;{params}", qty=qty * 100, side=side)
    targets = [s.target for s in drv.history]
    assert all(t is not None and 0 <= t <= qty * 100 for t in targets)
