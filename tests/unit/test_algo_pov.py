"""POV: own fills track r / (1 - r) of the others' volume, the catch-up cap, the end, parameters."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algo_driver import MIN, QUIET, Driver, make, refusal  # pytest puts tests/unit on the path
from oms_fix.engine.algos.base import NS


def pov(params: str, qty: int = 100_000, rate: str | None = "0.1", **spec: object):
    return make(2, params, qty=qty, participation_rate=None if rate is None else Decimal(rate), **spec)


def test_target_is_rate_over_one_minus_rate_of_others():
    algo, order = pov("")
    # nothing fills, so it ticks every 5 s: at 0, 5, ... 20 s
    Driver(algo, order, volume_rate=90.0, **QUIET).step_until(20 * NS)
    assert algo.stats()["others_volume"] == 1_800
    assert algo.target(20 * NS) == 200  # own 200 of 2000 in all: 10%


def test_committed_follows_the_target_and_realised_participation_is_the_rate():
    algo, order = pov("strategy=aggressive")
    drv = Driver(algo, order, volume_rate=100.0).run(minutes=30)
    for snap in drv.history[1:]:
        assert snap.target is not None
        assert snap.target - 200 <= snap.filled + snap.working <= snap.target + 100
    assert algo.stats()["realised_participation"] == pytest.approx(0.1, abs=0.005)
    assert drv.performance() == pytest.approx(Decimal("0.1"), abs=Decimal("0.005"))


def test_performance_is_the_participation_with_the_fills_as_reported():
    algo, order = pov("strategy=aggressive")
    drv = Driver(algo, order, volume_rate=100.0)
    assert drv.performance() is None  # no first tick yet: no volume to count from
    drv.step_until(10 * NS)
    others = drv.market.volume - algo.vol0
    assert drv.filled > 0 and others > 0
    assert drv.performance() == (Decimal(drv.filled) / (drv.filled + others)).quantize(Decimal("0.0001"))
    later = replace(drv.progress(), filled=drv.filled + 100)  # a fill the algo has not ticked on yet
    expected = (Decimal(drv.filled + 100) / (drv.filled + 100 + others)).quantize(Decimal("0.0001"))
    assert algo.performance(later, drv.market) == expected


def test_adaptive_keeps_realised_within_two_points_when_passive_fills_are_slow():
    algo, order = pov("", rate="0.15")
    drv = Driver(algo, order, volume_rate=80.0, fill_prob=0.01, inside_fill_prob=0.02, seed=4).run(minutes=45)
    assert abs(algo.stats()["realised_participation"] - 0.15) <= 0.02
    assert any(c.price == Decimal("100.01") for c in drv.children)  # it crossed to catch up


def test_catch_up_is_capped_by_max_participation():
    algo, order = pov("max_participation=0.12;interval=5", rate="0.1")
    drv = Driver(algo, order, volume_rate=100.0, **QUIET).run(minutes=20)
    for c in drv.children:
        if c.placed < 60 * NS:
            continue
        since = c.placed - 60 * NS
        own = drv.filled_by(c.placed) - drv.filled_by(since)
        others = 100.0 * 60
        assert own <= 0.12 / 0.88 * others + 100


def test_replace_down_cancels_the_excess():
    algo, order = pov("strategy=passive", qty=10_000)
    drv = Driver(algo, order, volume_rate=500.0, **QUIET).step_until(60 * NS)
    assert drv.working >= 3_000
    drv.replace(qty=1_000)
    drv.step_until(70 * NS)
    assert any(d.note == "ahead of target: shrinking" and d.cancel for _, d in drv.decisions)


def test_stops_at_the_end_of_its_duration():
    algo, order = pov("duration_minutes=10")
    drv = Driver(algo, order, volume_rate=50.0).run(minutes=30)
    assert drv.finished and drv.history[-1].now == 10 * MIN
    assert drv.filled < order.qty


def test_no_volume_no_trading():
    algo, order = pov("")
    drv = Driver(algo, order, volume_rate=0.0).run(minutes=5)
    assert not drv.children and drv.decisions[-1][1].note == "waiting for volume"


def test_pauses_on_stale_market_and_measures_from_its_first_good_tick():
    algo, order = pov("")
    drv = Driver(algo, order, volume_rate=100.0, stale=[(0, 60 * NS, "no market data yet")]).step_until(59 * NS)
    assert not drv.children and all(d.note.startswith("paused") for _, d in drv.decisions)
    drv.step_until(120 * NS)
    assert algo.stats()["others_volume"] <= 6_100  # the first minute's volume is not counted


def test_rate_from_848_when_no_849():
    algo, _ = pov("participation_rate=0.2", rate=None)
    assert algo.rate == 0.2 and algo.max_rate == pytest.approx(0.3)


@pytest.mark.parametrize("params, rate, key", [
    ("", None, "participation_rate: required"),
    ("participation_rate=0.6", None, "participation_rate"),
    ("participation_rate=0.2", "0.1", "participation_rate"),
    ("", "0.7", "ParticipationRate"),
    ("max_participation=0.05", "0.1", "max_participation"),
    ("max_participation=0.9", "0.1", "max_participation"),
    ("min_slice=0", "0.1", "min_slice"),
    ("interval=0", "0.1", "interval"),
    ("strategy=twap", "0.1", "strategy"),
    ("duration_minutes=-5", "0.1", "duration_minutes"),
])
def test_bad_parameters_name_the_key(params, rate, key):
    assert key in refusal(pov, params, rate=rate)


@settings(max_examples=25, deadline=None)
@given(rate=st.sampled_from(["0.05", "0.1", "0.25", "0.5"]), volume=st.floats(0, 400), fill=st.floats(0, 0.3),
       partial=st.booleans(), seed=st.integers(0, 1000), qty=st.integers(1, 100).map(lambda n: n * 100),
       strategy=st.sampled_from(["passive", "neutral", "adaptive", "aggressive"]))
def test_any_fill_pattern_keeps_the_contract(rate, volume, fill, partial, seed, qty, strategy):
    algo, order = pov(f"strategy={strategy};duration_minutes=10", qty=qty, rate=rate)
    drv = Driver(algo, order, volume_rate=volume, fill_prob=fill, inside_fill_prob=fill, partial=partial,
                 seed=seed).run(minutes=11)
    targets = [s.target for s in drv.history]
    assert targets == sorted(targets)
    assert drv.filled <= qty
    r = float(rate)
    assert drv.filled <= r / (1 - r) * volume * 600 + 100
