"""`oms-fix sim` end to end on the smoke scenario: repeatable from its seed, fills that add up, reports that
follow FIX 4.4, and the command's files and summary."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from oms_fix.sim.recorder import ParentRecord
from oms_fix.sim.report import build_report, report_json
from oms_fix.sim.scenario import load_scenario
from oms_fix.sim.world import Simulation

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "config" / "scenarios" / "smoke.yaml"
CLI = [sys.executable, "-m", "oms_fix.cli", "sim"]
_TERMINAL = {"2", "3", "4", "8", "C"}  # Filled, Done for day, Canceled, Rejected, Expired


@pytest.fixture(scope="module")
def smoke() -> tuple[Simulation, bytes]:
    sim = Simulation(load_scenario(SMOKE), 1)
    assert sim.run()
    return sim, report_json(build_report(sim))


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    # Another process with another str hash seed: nothing may depend on set order or the wall clock.
    out_dir = tmp_path_factory.mktemp("sim") / "run"
    out = subprocess.run(CLI + ["--scenario", str(SMOKE), "--seed", "1", "--out", str(out_dir)],
                         capture_output=True, text=True, timeout=120, env={"PYTHONHASHSEED": "777", "PATH": ""})
    return out_dir, out


def test_the_same_seed_gives_the_same_report_byte_for_byte_in_another_process(
        smoke: tuple[Simulation, bytes], cli_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out_dir, out = cli_run
    assert out.returncode == 0, out.stderr
    assert (out_dir / "report.json").read_bytes() == smoke[1]


def test_another_seed_gives_another_report(smoke: tuple[Simulation, bytes]) -> None:
    other = Simulation(load_scenario(SMOKE), 2)
    other.run()
    assert report_json(build_report(other)) != smoke[1]


def test_the_report_holds_no_wall_time_or_path(smoke: tuple[Simulation, bytes]) -> None:
    text = smoke[1].decode()
    assert str(REPO) not in text and "wall" not in text
    report = json.loads(text)
    assert report["sim_seconds"] == 1800 and report["run"]["in_flight"] == 0


def test_each_parents_fills_add_up_and_nothing_overfills(smoke: tuple[Simulation, bytes]) -> None:
    report = json.loads(smoke[1])
    assert report["run"]["unmatched_fills"] == 0 and report["run"]["unmatched_client_reports"] == 0
    assert report["totals"]["fills"] == len(report["fills"]) > 10
    for o in report["orders"]:
        mine = [f for f in report["fills"] if f["order"] == o["id"]]
        assert o["filled"] == sum(f["qty"] for f in mine) == sum(o["venues"].values()), o["id"]
        assert o["filled"] <= o["qty"] and o["child_fills"] == len(mine)
        if mine:
            notional = sum(f["qty"] * float(f["px"]) for f in mine)
            assert abs(notional / o["filled"] - float(o["avg_px"])) < 1e-6, o["id"]
    sim = smoke[0]
    for rec in sim.recorder.parents.values():  # the OMS's children match what the venues filled
        children = sim.oms.oms.children(rec.order_id)
        assert sum(c.cum for c in children) == rec.reports[-1].cum_qty
        assert all(c.done for c in children) or rec.spec.tif == "gtc"
    assert sum(v["shares"] for v in report["venues"].values()) == report["totals"]["filled"]


def check_fix_semantics(rec: ParentRecord) -> None:
    """FIX 4.4 Vol 4 and Appendix D, as the client sees its order."""
    reports = rec.reports
    assert reports, rec.spec.id
    assert reports[0].exec_type in ("0", "8"), "first a New or a Reject"
    cum = 0
    traded = 0
    for r in reports:
        assert r.cum_qty >= cum, "CumQty never falls"
        cum = r.cum_qty
        assert r.cum_qty <= rec.spec.qty
        if r.ord_status not in _TERMINAL:
            assert r.cum_qty + r.leaves_qty == rec.spec.qty, "CumQty + LeavesQty = OrderQty while it works"
        else:
            assert r.leaves_qty == 0
        if r.exec_type == "F":
            assert r.last_qty > 0
            traded += r.last_qty
            assert r.ord_status == ("2" if r.cum_qty == rec.spec.qty else "1")
    assert traded == cum, "the trades add up to CumQty"
    assert [r for r in reports if r.ord_status in _TERMINAL] in ([], [reports[-1]]), "nothing after the end"
    last = reports[-1]
    if rec.spec.tif == "gtc" and last.ord_status not in _TERMINAL:
        assert last.leaves_qty > 0  # a GT order works on after the day's roll
    else:
        assert last.ord_status in _TERMINAL, f"{rec.spec.id} ends: {last}"
    if rec.spec.tif in ("ioc", "fok") or rec.spec.type == "market":
        assert last.ord_status in ("2", "4", "8")


def test_client_reports_follow_fix(smoke: tuple[Simulation, bytes]) -> None:
    recs = list(smoke[0].recorder.parents.values())
    assert len(recs) == 9
    for rec in recs:
        check_fix_semantics(rec)
    statuses = {r.reports[-1].ord_status for r in recs}
    assert "2" in statuses and "3" in statuses, "some filled, some ended with the day"


def test_help_works() -> None:
    out = subprocess.run(CLI + ["--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "usage: oms-fix sim" in out.stdout and "--scenario" in out.stdout


def test_the_command_writes_both_files_and_says_what_it_did(
        cli_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out_dir, out = cli_run
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"wrote {out_dir / 'report.json'}"
    assert lines[1] == f"wrote {out_dir / 'report.html'}"
    assert re.fullmatch(r"smoke seed 1: 9 orders, [\d,]+ of 15,000 shares filled in \d+ fills, shortfall -?[\d.]+ bps "
                        r"vs arrival mid, 1800 simulated s in [\d.]+ s wall \(sim_speedup [\d,]+x\)", lines[2]), lines[2]
    assert "sim 0:" in out.stderr, "running figures on stderr"
    page = (out_dir / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2 and "P9" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page, "works offline"


def test_a_bad_scenario_is_refused_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("start: 2026-03-02T14:30:00Z\nduration_s: 60\nsymbols: [AAPL]\nvenues: [EXCH, NYSE]\n")
    out = subprocess.run(CLI + ["--scenario", str(bad), "--out", str(tmp_path / "o")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and f"{bad}: venues: NYSE not in" in out.stderr
    bad.write_text("start: 2026-03-02T14:30:00Z\nduration_s: 60\nsymbols: [AAPL]\n"
                   "orders: [{at_s: 1, client: CLIENT9, symbol: AAPL, side: buy, qty: 100, type: market}]\n")
    out = subprocess.run(CLI + ["--scenario", str(bad), "--out", str(tmp_path / "o")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and f"{bad}: orders[0].client: CLIENT9 is not a client session" in out.stderr
    assert not (tmp_path / "o").exists()
