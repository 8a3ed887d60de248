"""The simulation bench's figures from finished runs (oms_fix/bench/sim_bench.py)."""

from __future__ import annotations

import pytest

from oms_fix.bench.sim_bench import SCENARIOS, _as_twap, figures
from oms_fix.sim.scenario import load_scenario


def order(algo: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {"algo": algo, "qty": 100, "filled": 100, "rate": None, "participation": None,
                               "vwap_dev": None, "total": None, "slice_max": None}
    return {**base, **kw}


def run(name: str, *orders: dict[str, object]) -> dict[str, object]:
    return {"name": name, "seed": 1, "sim_s": 10.0, "wall_s": 1.0, "orders": list(orders)}


def test_each_key_is_what_its_docstring_says():
    out = figures([
        run("vwap", order("VWAP", vwap_dev="-3.00"), order("VWAP", vwap_dev="1.00"), order("VWAP", vwap_dev="9.00")),
        run("pov", order("POV", rate="0.1", participation="0.1150"), order("POV", rate="0.15", participation="0.1400")),
        run("twap", order("TWAP", slice_max=2.5), order("TWAP", slice_max=-4.0)),
        run("is_urgent", order("IS", total="10.00"), order("IS", total="20.00")),
        run("is_urgent+twap", order("TWAP", total="20.00"), order("TWAP", total="40.00")),
    ])
    assert out["vwap_deviation_bps_median"] == 3.0  # of |-3|, |1|, |9|
    assert out["pov_participation_error_pp_median"] == pytest.approx(1.25)  # of 1.5 and 1.0 points
    assert out["twap_schedule_error_pct_max"] == 4.0
    assert out["is_vs_twap_shortfall_ratio"] == pytest.approx(0.5)


def test_the_no_drift_twin_is_reported_beside():
    out = figures([run("is_urgent-drift", order("IS", total="12.00")),
                   run("is_urgent-drift+twap", order("TWAP", total="10.00"))])
    assert out["is_vs_twap_shortfall_ratio_no_drift"] == pytest.approx(1.2) and "is_vs_twap_shortfall_ratio" not in out


def test_no_ratio_when_twap_made_money_on_the_same_orders():
    out = figures([run("is_urgent", order("IS", total="5.00")), run("is_urgent+twap", order("TWAP", total="-1.00"))])
    assert "is_vs_twap_shortfall_ratio" not in out and out["twap_mean_cost_bps_on_is_orders"] == -1.0


def test_the_twap_twin_of_the_urgent_scenario_keeps_horizon_and_slices_only():
    sc = _as_twap(load_scenario(SCENARIOS / "algos" / "is_urgent.yaml"))
    assert {o.algo for o in sc.orders} == {"twap"}
    assert all(set(o.params) <= {"duration_minutes", "num_slices", "slice_interval", "strategy"} for o in sc.orders)
    assert sc.name == "is_urgent+twap"
