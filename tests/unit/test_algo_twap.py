"""TWAP: equal slices, catch-up across the spread, the end of the window, bad parameters."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algo_driver import MIN, QUIET, Driver, make, refusal  # pytest puts tests/unit on the path
from oms_fix.engine.algos.base import NS

twap = partial(make, 1000, qty=12_000)


def test_equal_slices_schedule():
    algo, _ = twap("duration_minutes=60;num_slices=12")
    assert [algo.target(k * 5 * MIN) for k in range(13)] == [1000 * k for k in range(13)]
    assert algo.target(-1) == 0 and algo.target(2 * 60 * MIN) == 12_000


def test_first_tick_places_the_first_slice_at_the_mid():
    algo, order = twap("duration_minutes=60;num_slices=12")
    drv = Driver(algo, order, **QUIET).step_until(0)
    _, first = drv.decisions[0]
    assert [(p.qty, p.price) for p in first.place] == [(1000, Decimal("100.00"))]  # the mid of 99.99 x 100.01
    assert first.wake_at == 4 * MIN  # 80% of the 5-minute slice: the catch-up check


def test_catch_up_crosses_at_80_percent_when_passive_does_not_fill():
    algo, order = twap("duration_minutes=60;num_slices=12;strategy=passive")
    drv = Driver(algo, order, **QUIET).run(minutes=61)
    assert drv.filled == 12_000
    crossed = [c for c in drv.children if c.price == Decimal("100.01")]
    assert len(crossed) == 12
    assert all((c.placed % (5 * MIN)) >= 4 * MIN for c in crossed)
    assert algo.stats()["slice_error_pct_max"] == 0.0


def test_filled_follows_the_schedule_within_one_slice():
    algo, order = twap("duration_minutes=30;num_slices=10", qty=10_000)
    drv = Driver(algo, order, fill_prob=0.01, inside_fill_prob=0.02, partial=True, seed=3).run(minutes=31)
    for snap in drv.history:
        assert snap.target is not None
        assert abs(snap.filled - snap.target) <= 1_000
    assert drv.filled == 10_000
    assert algo.stats()["slice_error_pct_max"] <= 5.0


def test_finishes_at_the_end_of_the_window_with_everything_filled():
    algo, order = twap("duration_minutes=10;num_slices=4;strategy=passive", qty=1_050)
    drv = Driver(algo, order, **QUIET).run(minutes=20)
    assert drv.finished and drv.filled == 1_050  # the last slice takes the odd lot too
    assert drv.history[-1].now <= 10 * MIN


def test_window_ends_at_expire_time_when_no_duration():
    algo, _ = twap("num_slices=4", end=20 * MIN)
    assert algo.target(10 * MIN) == 6_000 and algo.target(20 * MIN) == 12_000


def test_starts_at_effective_time():
    algo, order = twap("duration_minutes=10;num_slices=2", start=5 * MIN)
    drv = Driver(algo, order).step_until(0)
    assert drv.decisions[0][1].wake_at == 5 * MIN and not drv.decisions[0][1].place
    assert algo.target(10 * MIN) == 6_000


def test_default_slices_are_a_minute_but_never_below_a_lot():
    algo, _ = twap("duration_minutes=30", qty=1_000)
    assert algo.stats()["slices"] == 10
    algo, _ = twap("duration_minutes=30", qty=100_000)
    assert algo.stats()["slices"] == 30


def test_pauses_on_stale_market():
    algo, order = twap("duration_minutes=10;num_slices=2")
    drv = Driver(algo, order, stale=[(0, 30 * NS, "quote stale for 6.0 s")]).step_until(29 * NS)
    assert not drv.children
    assert all(d.note.startswith("paused: quote stale") for _, d in drv.decisions)
    drv.step_until(31 * NS)
    assert drv.children


def test_replace_up_replans_to_the_new_quantity():
    algo, order = twap("duration_minutes=10;num_slices=5", qty=5_000)
    drv = Driver(algo, order, fill_prob=0.05).step_until(3 * MIN)
    drv.replace(qty=10_000)
    drv.run(until=11 * MIN)
    assert drv.filled == 10_000


def test_replace_down_shrinks_what_works():
    algo, order = twap("duration_minutes=10;num_slices=2;strategy=passive", qty=10_000)
    drv = Driver(algo, order, **QUIET).step_until(10 * NS)
    assert drv.working == 5_000
    drv.replace(qty=2_000)
    drv.step_until(20 * NS)
    assert any(d.cancel for _, d in drv.decisions)


def test_randomize_is_deterministic_per_order_and_keeps_the_schedule_whole():
    a1, _ = twap("duration_minutes=60;num_slices=12;randomize=0.5")
    a2, _ = twap("duration_minutes=60;num_slices=12;randomize=0.5")
    plain, _ = twap("duration_minutes=60;num_slices=12")
    assert a1.bounds == a2.bounds and a1.fracs == a2.fracs
    assert a1.bounds != plain.bounds and a1.fracs != plain.fracs
    assert all(x < y for x, y in zip(a1.bounds, a1.bounds[1:]))
    assert all(x <= y for x, y in zip(a1.fracs, a1.fracs[1:])) and a1.fracs[-1] == 1.0


def test_rerun_is_identical():
    runs = []
    for _ in range(2):
        algo, order = twap("duration_minutes=20;randomize=0.3;strategy=adaptive")
        drv = Driver(algo, order, partial=True, seed=9).run(minutes=21)
        runs.append(([(t, d) for t, d in drv.decisions], algo.stats()))
    assert runs[0] == runs[1]


def test_performance_is_the_average_fill_price():
    algo, order = twap("duration_minutes=5;num_slices=1;strategy=aggressive", qty=1_000)
    drv = Driver(algo, order)
    assert drv.performance() is None  # nothing filled yet
    drv.step_until(0)  # the first tick's child crosses and fills before the algo is asked again
    assert drv.filled == 1_000 and drv.performance() == Decimal("100.0100")
    drv.run(minutes=6)
    assert algo.stats()["avg_px"] == "100.0100"


def test_reported_average_price_is_the_fills():
    algo, order = twap("duration_minutes=20;strategy=adaptive")
    rising = lambda now: Decimal("100") + Decimal(now // (7 * NS)) / 100  # noqa: E731 (children get left behind)
    drv = Driver(algo, order, mid=rising, partial=True, fill_prob=0.03, inside_fill_prob=0.05, seed=5).run(minutes=21)
    assert drv.avg_px is not None
    assert drv.performance() == drv.avg_px.quantize(Decimal("0.0001"))
    assert algo.stats()["avg_px"] == str(drv.avg_px.quantize(Decimal("0.0001")))


@pytest.mark.parametrize("params, key", [
    ("duration_minutes=0", "duration_minutes"),
    ("duration_minutes=ten", "duration_minutes"),
    ("num_slices=0", "num_slices"),
    ("num_slices=4;slice_interval=30", "num_slices"),
    ("slice_interval=-1", "slice_interval"),
    ("randomize=0.9", "randomize"),
    ("strategy=sneaky", "strategy"),
    ("wobble=1", "wobble"),
])
def test_bad_parameters_name_the_key(params, key):
    assert key in refusal(twap, params)


def test_expire_time_before_start_is_refused():
    assert "ExpireTime" in refusal(twap, "", start=10 * MIN, end=5 * MIN)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qty=st.integers(1, 200).map(lambda n: n * 100 + st_odd(n)), slices=st.integers(1, 20),
       fill=st.floats(0, 0.2), partial=st.booleans(), seed=st.integers(0, 10_000),
       randomize=st.sampled_from(["0", "0.25", "0.5"]), strategy=st.sampled_from(["passive", "neutral", "adaptive"]))
def test_any_fill_pattern_keeps_the_contract(qty, slices, fill, partial, seed, randomize, strategy):
    algo, order = twap(f"duration_minutes=15;num_slices={slices};randomize={randomize};strategy={strategy}", qty=qty)
    drv = Driver(algo, order, fill_prob=fill, inside_fill_prob=fill, partial=partial, seed=seed).run(minutes=16)
    targets = [s.target for s in drv.history]
    assert targets == sorted(targets)  # the schedule never falls
    assert algo.target(15 * MIN) == qty
    assert drv.filled == qty  # the catch-up of the last slice fills the rest at the far touch


def st_odd(n: int) -> int:
    return 50 if n % 7 == 0 else 0


def test_a_huge_window_or_a_tiny_interval_is_bounded_not_a_stall():
    from oms_fix.engine.algos.schedule import MAX_SLICES

    assert refusal(twap, "duration_minutes=1000000000") == "duration_minutes: must be <= 44640, not 1000000000"
    algo, _ = twap("duration_minutes=40000;slice_interval=0.001")
    assert len(algo.bounds) - 1 == MAX_SLICES
    vwap, _ = make(1, "duration_minutes=40000;interval=0.001")
    assert len(vwap.bounds) - 1 == MAX_SLICES
