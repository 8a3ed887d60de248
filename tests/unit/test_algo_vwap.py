"""VWAP: the U profile, the schedule over the session, the participation cap, catch-up, parameters."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algo_driver import MIN, QUIET, Driver, make, refusal  # pytest puts tests/unit on the path
from oms_fix.engine.algos.base import NS
from oms_fix.engine.algos.vwap import u_cumulative
from sim_venues.flow import cumulative_volume, volume_profile

DAY0 = 1_772_409_600 * NS  # 2026-03-02 00:00 UTC
OPEN = DAY0 + (14 * 60 + 30) * MIN
CLOSE = DAY0 + 21 * 60 * MIN
SESSION = CLOSE - OPEN


vwap = partial(make, 1, arrived=OPEN)


def u_rate(base: float):
    """Others' volume following the simulated market's U over the default session."""
    return lambda now: base * volume_profile((now - OPEN) / SESSION)


@pytest.mark.parametrize("x", [0.0, 0.1, 0.25, 0.5, 0.8, 1.0])
def test_u_profile_is_the_simulated_markets(x):
    assert u_cumulative(x) == pytest.approx(cumulative_volume(x))


def test_whole_session_schedule_follows_the_u():
    algo, _ = vwap("")
    assert algo.target(OPEN) == 0 and algo.target(CLOSE) == 10_000
    quarter = algo.target(OPEN + SESSION // 4)
    assert quarter == pytest.approx(10_000 * u_cumulative(0.25), abs=1)
    assert quarter > 2_500  # the open trades more than its share of time


def test_flat_profile_is_even_in_time():
    algo, _ = vwap("profile=flat;duration_minutes=60")
    assert algo.target(OPEN + 15 * MIN) == 2_500


def test_weights_profile_over_session_buckets():
    algo, _ = vwap("profile=1,0")
    assert algo.target(OPEN + SESSION // 2) == 10_000
    assert algo.target(OPEN + SESSION // 4) == 5_000


def test_arrival_before_the_open_waits_for_it():
    algo, _ = vwap("", arrived=OPEN - 30 * MIN)
    assert algo.target(OPEN - 1) == 0
    assert algo.target(CLOSE) == 10_000


def test_window_outside_the_session_is_worked_flat():
    algo, _ = vwap("duration_minutes=20", arrived=CLOSE + 60 * MIN)
    assert algo.target(CLOSE + 70 * MIN) == 5_000


def test_session_times_with_seconds():
    algo, _ = vwap("open_utc=14:30:30;close_utc=15:00:30;profile=flat", arrived=OPEN)
    assert algo.bounds[-1] == OPEN + 30 * MIN + 30 * NS


def test_time_horizon_bounds_the_window():
    algo, _ = vwap("time_horizon=30")
    assert algo.bounds[-1] == OPEN + 30 * MIN


def test_tracks_a_u_shaped_market_and_lands_near_its_vwap():
    mid = lambda now: Decimal("100") + Decimal((now - OPEN) // NS) / Decimal(2000)  # noqa: E731 (a drifting price)
    algo, order = vwap("duration_minutes=60", qty=20_000)
    drv = Driver(algo, order, mid=mid, volume_rate=u_rate(200.0), fill_prob=0.05, inside_fill_prob=0.3,
                 partial=True).run(minutes=61)
    assert drv.filled == 20_000
    for snap in drv.history:
        assert snap.target is not None and abs(snap.filled - snap.target) <= 0.03 * 20_000 + 600
    stats = algo.stats()
    assert stats["market_volume"] > 0
    assert abs(stats["slippage_bps"]) < 5


def test_catches_up_across_the_spread_when_behind():
    algo, order = vwap("duration_minutes=30;strategy=passive")
    drv = Driver(algo, order, **QUIET).run(minutes=31)
    assert drv.filled == 10_000
    assert any(c.price == Decimal("100.01") for c in drv.children)
    assert all(abs(s.filled - (s.target or 0)) <= 200 + 10_000 * 0.02 + 100 for s in drv.history)


def test_participation_cap_holds_against_others_volume():
    algo, order = vwap("duration_minutes=30;participation_rate=0.05", qty=50_000)
    drv = Driver(algo, order, volume_rate=100.0, fill_prob=0.2).run(minutes=31)
    for snap in drv.history:
        others = 100.0 * (snap.now - OPEN) / NS  # the driver's volume since the first tick, at the open
        assert snap.filled + snap.working <= 0.05 * others + 1
    assert drv.filled < 50_000  # the cap binds: the schedule cannot be met
    assert algo.stats()["participation_cap"] == 0.05


def test_participation_rate_from_849():
    algo, _ = vwap("", participation_rate=Decimal("0.2"))
    assert algo.rate == 0.2


def test_performance_is_the_achieved_average_price():
    algo, order = vwap("duration_minutes=5;strategy=aggressive", qty=1_000)
    drv = Driver(algo, order)
    assert drv.performance() is None
    drv.run(minutes=6)
    assert drv.performance() == Decimal("100.0100")


@pytest.mark.parametrize("params, spec, key", [
    ("profile=smile", {}, "profile"),
    ("profile=1,-1", {}, "profile"),
    ("open_utc=25:00", {}, "open_utc"),
    ("close_utc=9", {}, "close_utc"),
    ("open_utc=15:00;close_utc=14:00", {}, "close_utc"),
    ("time_horizon=30;duration_minutes=30", {}, "time_horizon"),
    ("participation_rate=1.5", {}, "participation_rate"),
    ("participation_rate=0.1", {"participation_rate": Decimal("0.2")}, "participation_rate"),
    ("", {"participation_rate": Decimal("0")}, "ParticipationRate"),
    ("interval=0", {}, "interval"),
    ("strategy=x", {}, "strategy"),
])
def test_bad_parameters_name_the_key(params, spec, key):
    assert key in refusal(vwap, params, **spec)


@settings(max_examples=30, deadline=None)
@given(arrive=st.integers(-120, 400), minutes=st.one_of(st.none(), st.integers(1, 300)),
       profile=st.sampled_from(["u", "flat", "3,1,1,3", "0,0,1"]), qty=st.integers(1, 5_000))
def test_schedule_is_monotone_and_ends_at_qty(arrive, minutes, profile, qty):
    params = f"profile={profile}" + ("" if minutes is None else f";duration_minutes={minutes}")
    algo, _ = vwap(params, qty=qty, arrived=OPEN + arrive * MIN)
    step = (algo.bounds[-1] - algo.bounds[0]) // 50 + 1
    pts = [algo.target(t) for t in range(algo.bounds[0] - MIN, algo.bounds[-1] + MIN, step)]
    assert pts == sorted(pts)
    assert algo.target(algo.bounds[-1]) == qty
    assert algo.fracs[0] == 0.0 and algo.fracs[-1] == 1.0
