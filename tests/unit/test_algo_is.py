"""Implementation Shortfall: the Almgren-Chriss curve, urgency front-loads, shortfall against arrival."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algo_driver import MIN, QUIET, Driver, make, refusal  # pytest puts tests/unit on the path
from oms_fix.engine.algos.base import NS
from oms_fix.engine.algos.implementation_shortfall import remaining_fraction

ist = partial(make, 3)


def rising(now: int) -> Decimal:
    """An adverse drift for a buyer: a tick every 5 seconds."""
    return Decimal("100") + Decimal(now // (5 * NS)) / 100


def test_remaining_fraction_is_almgren_chriss():
    k = 2.0
    for s in (0.0, 0.25, 0.5, 0.9, 1.0):
        assert remaining_fraction(k, s) == pytest.approx(math.sinh(k * (1 - s)) / math.sinh(k))


def test_remaining_fraction_is_linear_as_kappa_goes_to_zero_and_finite_when_large():
    assert remaining_fraction(0.0, 0.3) == pytest.approx(0.7)
    assert remaining_fraction(1e-9, 0.3) == pytest.approx(0.7)
    assert remaining_fraction(30.0, 0.5) == pytest.approx(math.exp(-15), rel=1e-6)
    assert remaining_fraction(700.0, 0.001) > 0


def test_higher_urgency_front_loads():
    quarter = [ist(f"urgency={u};duration_minutes=60")[0].target(15 * MIN) for u in ("low", "medium", "high")]
    assert quarter[0] < quarter[1] < quarter[2]
    assert quarter[0] > 2_500  # even low urgency is ahead of TWAP's line


def test_documented_halfway_points():
    for u, share in (("low", 0.58), ("medium", 0.79), ("high", 0.91)):
        algo, _ = ist(f"urgency={u};duration_minutes=60")
        assert algo.target(30 * MIN) == pytest.approx(share * 10_000, abs=60)


def test_zero_urgency_or_zero_opportunity_cost_is_twap():
    for params in ("urgency=0", "opportunity_cost_weight=0"):
        algo, _ = ist(params + ";duration_minutes=60;num_slices=12")
        assert algo.kappa_t == 0.0
        assert algo.target(30 * MIN) == 5_000


def test_volatility_and_impact_tolerance_raise_kappa():
    base = ist("")[0].kappa_t
    assert ist("volatility=0.5")[0].kappa_t == pytest.approx(2 * base)
    assert ist("market_impact_tolerance=4")[0].kappa_t == pytest.approx(2 * base)
    assert ist("urgency=1;volatility=5")[0].kappa_t == 30.0  # capped


def test_urgent_order_beats_twap_under_adverse_drift():
    shortfalls = {}
    for code, params in ((3, "urgency=high;duration_minutes=30"), (1000, "duration_minutes=30")):
        algo, order = make(code, params, qty=20_000)
        drv = Driver(algo, order, mid=rising, fill_prob=0.05, inside_fill_prob=0.1, partial=True).run(minutes=31)
        assert drv.filled == 20_000 and drv.avg_px is not None
        shortfalls[code] = float((drv.avg_px - Decimal("100.00")) / Decimal("100.00") * 10_000)
    assert shortfalls[3] < shortfalls[1000] - 10


def test_performance_is_side_signed_shortfall_against_arrival():
    algo, order = ist("urgency=high;duration_minutes=10", side=-1)
    falling = lambda now: Decimal("100") - Decimal(now // (5 * NS)) / 100  # noqa: E731 (adverse for a seller)
    drv = Driver(algo, order, mid=falling)
    assert drv.performance() is None
    drv.run(minutes=11)
    perf = drv.performance()
    assert perf is not None and perf > 0
    assert algo.stats()["arrival_mid"] == "100.00"
    assert float(perf) == pytest.approx(float((Decimal("100") - drv.avg_px) / 100 * 10_000), abs=0.6)


def test_arrival_is_the_first_mid_fit_to_trade_on():
    algo, order = ist("duration_minutes=10")
    drv = Driver(algo, order, mid=rising, stale=[(0, 20 * NS, "crossed")]).step_until(25 * NS)
    assert drv.children
    assert algo.arrival == Decimal("100.04")


def test_catch_up_completes_the_order_when_nothing_passive_fills():
    algo, order = ist("urgency=high;duration_minutes=10;strategy=passive")
    drv = Driver(algo, order, **QUIET).run(minutes=11)
    assert drv.filled == 10_000
    assert algo.stats()["slice_error_pct_max"] <= 1.0


@pytest.mark.parametrize("params, key", [
    ("urgency=extreme", "urgency"),
    ("urgency=1.5", "urgency"),
    ("volatility=0", "volatility"),
    ("market_impact_tolerance=-1", "market_impact_tolerance"),
    ("opportunity_cost_weight=-0.1", "opportunity_cost_weight"),
    ("duration_minutes=0", "duration_minutes"),
    ("num_slices=3;slice_interval=10", "num_slices"),
    ("strategy=fast", "strategy"),
    ("risk=1", "risk"),
])
def test_bad_parameters_name_the_key(params, key):
    assert key in refusal(ist, params)


@settings(max_examples=60, deadline=None)
@given(u=st.floats(0, 1), vol=st.floats(0.01, 3), tol=st.floats(0.01, 50), qty=st.integers(1, 100_000),
       minutes=st.integers(1, 240))
def test_schedule_is_monotone_and_ends_at_qty(u, vol, tol, qty, minutes):
    algo, _ = ist(f"urgency={u};volatility={vol};market_impact_tolerance={tol};duration_minutes={minutes}", qty=qty)
    pts = [algo.target(minutes * MIN * i // 40) for i in range(41)]
    assert pts == sorted(pts)
    assert pts[0] == 0 and pts[-1] == qty
    assert pts[20] >= min(qty, round(qty / 2)) - 1  # never behind TWAP's line


@settings(max_examples=20, deadline=None)
@given(fill=st.floats(0, 0.3), partial=st.booleans(), seed=st.integers(0, 1000),
       urgency=st.sampled_from(["low", "medium", "high", "0.95"]), qty=st.integers(1, 300).map(lambda n: n * 100))
def test_any_fill_pattern_keeps_the_contract(fill, partial, seed, urgency, qty):
    algo, order = ist(f"urgency={urgency};duration_minutes=10", qty=qty)
    drv = Driver(algo, order, mid=rising, fill_prob=fill, inside_fill_prob=fill, partial=partial,
                 seed=seed).run(minutes=11)
    assert drv.filled == qty
