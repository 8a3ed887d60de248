"""The simulation's figures for `oms-fix bench`: how fast it runs, and how well the algos execute in it.

- ``sim_speedup``: simulated seconds per wall second of config/scenarios/mixed_day.yaml (a 6.5-hour
  day, 5 symbols, every venue's background market, 50 parent orders), best of its seeds (the machine
  is shared; the best run is the least disturbed one).
- Execution quality, each over ``seeds`` seeds of the scenarios in config/scenarios/algos/ (each
  scenario's header says what it holds):

  ``vwap_deviation_bps_median``      median over VWAP orders of |avg px - the market's VWAP over the
                                     order's life| in bps (absolute: beating VWAP by 8 bps is as far off
                                     the benchmark as missing it by 8)
  ``pov_participation_error_pp_median``  median over POV orders of |realised - target| participation in
                                     percentage points (participation: own fills / all volume, own included)
  ``twap_schedule_error_pct_max``    the largest |executed - scheduled| at a slice boundary, as a
                                     percentage of the parent, over every TWAP order
  ``is_vs_twap_shortfall_ratio``     mean total cost (shortfall against the arrival mid plus the
                                     unfilled rest's opportunity cost, bps) of the IS orders of
                                     is_urgent.yaml over that of the same orders worked by TWAP with
                                     the same horizon, seed by seed on the same market; the scenario's
                                     prices drift against the orders (what makes them urgent), and
                                     ``is_vs_twap_shortfall_ratio_no_drift`` is the same without it

Runs go to a pool of one process per core; each finished run is reported on stderr.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

from ..sim.report import build_report
from ..sim.scenario import Scenario, load_scenario
from ..sim.world import Simulation

__all__ = ["run"]

SCENARIOS = Path(__file__).resolve().parents[2] / "config" / "scenarios"
_QUALITY = ("twap", "vwap", "pov", "is_urgent")
_TWAP_KEEPS = ("duration_minutes", "num_slices", "slice_interval", "strategy")  # IS params TWAP also takes


def _without_drift(sc: Scenario) -> Scenario:
    return sc.model_copy(update={"market": [], "name": sc.name + "-drift"})


def _as_twap(sc: Scenario) -> Scenario:
    """The same scenario with every IS order worked by TWAP over the same horizon and slices."""
    orders = []
    for o in sc.orders:
        if o.algo == "implementation_shortfall":
            params = {k: v for k, v in o.params.items() if k in _TWAP_KEEPS}
            o = o.model_copy(update={"algo": "twap", "params": params})
        orders.append(o)
    return sc.model_copy(update={"orders": orders, "name": sc.name + "+twap"})


def _run(name: str, seed: int, twap: bool = False, drift: bool = True) -> dict[str, Any]:
    sc = load_scenario(SCENARIOS / f"{name}.yaml" if name == "mixed_day" or name == "smoke"
                       else SCENARIOS / "algos" / f"{name}.yaml")
    if not drift:
        sc = _without_drift(sc)
    if twap:
        sc = _as_twap(sc)
    sim = Simulation(sc, seed)
    wall0 = time.perf_counter()
    sim.run()
    wall = time.perf_counter() - wall0
    report = build_report(sim)
    orders = []
    for o in report["orders"]:
        algo = o.get("algo") or {}
        stats = algo.get("stats") or {}
        tca = o.get("tca") or {}
        orders.append({"algo": algo.get("name"), "qty": o["qty"], "filled": o["filled"],
                       "rate": algo.get("participation_rate"), "participation": tca.get("participation"),
                       "vwap_dev": tca.get("vwap_deviation_bps"), "total": tca.get("total_bps"),
                       "slice_max": stats.get("slice_error_pct_max")})
    return {"name": sc.name, "seed": seed, "sim_s": sc.duration_s, "wall_s": wall, "orders": orders}


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


def figures(runs: list[dict[str, Any]]) -> dict[str, float]:
    """The bench's keys from finished runs (``_run``'s results)."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by.setdefault(r["name"], []).extend(r["orders"])
    out: dict[str, float] = {}
    vwap = [abs(v) for o in by.get("vwap", []) if o["algo"] == "VWAP" and (v := _f(o["vwap_dev"])) is not None]
    if vwap:
        out["vwap_deviation_bps_median"] = statistics.median(vwap)
        out["vwap_deviation_bps_max"] = max(vwap)
    pov = [abs(_f(o["participation"]) - _f(o["rate"])) * 100 for o in by.get("pov", [])  # type: ignore[operator]
           if o["algo"] == "POV" and o["participation"] is not None and o["rate"] is not None]
    if pov:
        out["pov_participation_error_pp_median"] = statistics.median(pov)
        out["pov_participation_error_pp_max"] = max(pov)
    twap = [abs(v) for o in by.get("twap", []) if o["algo"] == "TWAP" and (v := _f(o["slice_max"])) is not None]
    if twap:
        out["twap_schedule_error_pct_max"] = max(twap)
        out["twap_schedule_error_pct_median"] = statistics.median(twap)
    for name, suffix in (("is_urgent", ""), ("is_urgent-drift", "_no_drift")):
        is_costs = [v for o in by.get(name, []) if o["algo"] == "IS" and (v := _f(o["total"])) is not None]
        tw_costs = [v for o in by.get(name + "+twap", []) if o["algo"] == "TWAP" and (v := _f(o["total"])) is not None]
        if is_costs and tw_costs:
            is_mean, tw_mean = statistics.fmean(is_costs), statistics.fmean(tw_costs)
            out["is_mean_cost_bps" + suffix] = is_mean
            out["twap_mean_cost_bps_on_is_orders" + suffix] = tw_mean
            if tw_mean > 0:
                out["is_vs_twap_shortfall_ratio" + suffix] = is_mean / tw_mean
    return out


def run(quick: bool, progress: Callable[[str], None], seeds: int = 20) -> dict[str, object]:
    speed_runs = [("smoke", 1)] if quick else [("mixed_day", 1), ("mixed_day", 2)]
    n = 2 if quick else seeds
    jobs = [(name, seed, False, True) for name in _QUALITY for seed in range(1, n + 1)]
    jobs += [("is_urgent", seed, twap, drift) for seed in range(1, n + 1) for twap, drift in
             ((True, True), (False, False), (True, False))]
    out: dict[str, object] = {}
    # The speed runs go alone, one at a time: a run sharing the cores would measure the other's load.
    best = 0.0
    for name, seed in speed_runs:
        r = _run(name, seed)
        speed = r["sim_s"] / r["wall_s"]
        best = max(best, speed)
        progress(f"sim: {name} seed {seed}: {r['sim_s']:,.0f} simulated s in {r['wall_s']:.1f} s wall ({speed:,.0f}x)")
    out["sim_speedup"] = best
    runs = []
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = [pool.submit(_run, *job) for job in jobs]
        for i, fut in enumerate(futures, 1):
            r = fut.result()
            runs.append(r)
            progress(f"algos: {i}/{len(jobs)} runs, {time.perf_counter() - t0:.0f} s ({r['name']} seed {r['seed']})")
    out.update(figures(runs))
    out["algo_seeds"] = n
    return out
