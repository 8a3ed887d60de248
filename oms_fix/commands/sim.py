"""Run a scenario in the in-process simulation: the OMS core, the venues and their background market on a
virtual clock, seeded, with latency models in place of sockets.

Writes DIR/report.json (per parent order: every report, fills, average price
and TCA: shortfall against the arrival mid split into impact, timing and
opportunity cost, VWAP deviation, participation, markouts, all in bps with
positive a cost; an algo order's schedule against what it executed; per venue
and per algo league tables; the router's venue figures; market-data quality;
the tape and the price path) and DIR/report.html (a page that works offline:
the price path with every fill, each algo order against its schedule, its
participation, the venue split). The same scenario and seed give the same
report.json byte for byte. Running figures go to stderr; the paths written and
a one-line summary to stdout.

Scenarios: config/scenarios/*.yaml (their keys are described in
oms_fix/sim/scenario.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..sim.html import render_html
from ..sim.report import build_report, fault_lines, report_json, summary_line
from ..sim.scenario import ScenarioError, load_scenario
from ..sim.world import Simulation, SimulationError

HELP = "run a scenario in the seeded in-process simulation and write its report"

_SLICE_NS = 5 * 1_000_000_000  # simulated time between looks at the wall clock


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", type=Path, required=True, metavar="FILE",
                   help="scenario file, e.g. config/scenarios/smoke.yaml")
    p.add_argument("--seed", type=int, default=1, metavar="N", help="seed of everything random (default 1)")
    p.add_argument("--out", type=Path, metavar="DIR", help="where report.json and report.html go "
                                                           "(default: var/sim/<scenario>-<seed>)")
    p.add_argument("--quiet", action="store_true", help="no running figures on stderr")


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def run(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.scenario)
        sim = Simulation(scenario, args.seed, source=str(args.scenario))
    except (ScenarioError, SimulationError) as e:
        print(f"oms-fix sim: {e}", file=sys.stderr)
        return 2
    out: Path = args.out or Path("var") / "sim" / f"{scenario.name}-{args.seed}"
    total = scenario.duration_s
    tty = sys.stderr.isatty()
    shown = 0.0
    wall0 = time.perf_counter()

    def figures(final: bool) -> None:
        done = min(total, (sim.now - sim.start_ns) / 1e9)
        wall = max(time.perf_counter() - wall0, 1e-9)
        line = f"sim {_clock(done)} of {_clock(total)} ({100 * done / total:.0f}%), {wall:.1f} s wall, {done / wall:,.0f}x"
        if tty:
            print(f"\r{line}  ", end="\n" if final else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    while not sim.run(sim.now + _SLICE_NS):
        if not args.quiet and time.perf_counter() - wall0 - shown >= (0.25 if tty else 5.0):
            shown = time.perf_counter() - wall0
            figures(False)
    wall = time.perf_counter() - wall0
    if not args.quiet:
        figures(True)
    report = build_report(sim)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_bytes(report_json(report))
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
    print(f"wrote {out / 'report.json'}")
    print(f"wrote {out / 'report.html'}")
    for line in fault_lines(report):
        print(line)
    print(f"{summary_line(report)} in {wall:.1f} s wall (sim_speedup {total / wall:,.0f}x)")
    return 0
