"""report.json's TCA, venue and algo figures and report.html: on a short run with a TWAP, a POV and two plain
orders, and on a hand-made report."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from oms_fix.sim.html import render_html
from oms_fix.sim.recorder import Recorder
from oms_fix.sim.report import build_report, report_json
from oms_fix.sim.scenario import load_scenario
from oms_fix.sim.world import Simulation

SCENARIO = """
name: algos
description: 15 minutes, a TWAP, a POV and two plain orders
start: 2026-03-02T14:30:00Z
duration_s: 900
symbols: [AAPL, MSFT]
day: {pre_open_s: 30, continuous_s: 860, closing_auction_s: 0, closed_s: 10}
sample_every_s: 10
orders:
  - {at_s: 60, symbol: AAPL, side: buy, qty: 6000, type: market, algo: twap,
     params: {duration_minutes: 10, num_slices: 10}}
  - {at_s: 90, symbol: MSFT, side: sell, qty: 2000, offset_ticks: -20, algo: pov, participation_rate: 0.1}
  - {at_s: 120, symbol: AAPL, side: buy, qty: 1000, offset_ticks: 1, venue: DARK}
  - {at_s: 200, symbol: MSFT, side: buy, qty: 500, type: market}
"""
TCA_KEYS = {"end_s", "execution_s", "filled", "fill_rate", "avg_px", "end_mid", "market_volume", "market_vwap",
            "participation", "shortfall_bps", "impact_bps", "timing_bps", "opportunity_bps", "total_bps",
            "vwap_deviation_bps", "mid_move_bps", "slippage_bps", "liquidity", "markout_1m_bps", "markout_5m_bps",
            "reversion_1m_bps", "reversion_5m_bps"}
VENUE_KEYS = {"kind", "fills", "shares", "notional", "sent", "fill_rate", "share", "added", "removed", "slippage_bps",
              "market_volume", "market_share", "markout_1m_bps", "markout_5m_bps"}


def _run(path: Path, seed: int) -> Simulation:
    sim = Simulation(load_scenario(path), seed)
    sim.recorder.mid_of = lambda s: sim.book.nbbo(s).mid  # the hook the world may set: the mid at each fill
    assert sim.run()
    return sim


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], bytes, str]:
    path = tmp_path_factory.mktemp("scenario") / "algos.yaml"
    path.write_text(SCENARIO)
    report = build_report(_run(path, 1))
    return report, report_json(build_report(_run(path, 1))), render_html(report)


def test_every_order_has_a_tca_block_that_adds_up(runs: tuple[dict[str, Any], bytes, str]) -> None:
    report = runs[0]
    for o in report["orders"]:
        t = o["tca"]
        assert set(t) == TCA_KEYS, o["id"]
        assert t["shortfall_bps"] == o["shortfall_bps"] and t["filled"] == o["filled"]
        parts = [Decimal(t[k]) for k in ("impact_bps", "timing_bps", "opportunity_bps")]
        assert abs(sum(parts) - Decimal(t["total_bps"])) <= Decimal("0.02"), o["id"]  # each rounded to 0.01
        assert t["market_volume"] >= t["filled"] and 0 <= Decimal(t["participation"]) <= 1
        assert set(t["liquidity"]) == {"added", "removed", "other"} and sum(t["liquidity"].values()) == o["filled"]
    assert report["totals"]["total_bps"] is not None


def test_venues_carry_the_league_figures(runs: tuple[dict[str, Any], bytes, str]) -> None:
    report = runs[0]
    venues = report["venues"]
    assert list(venues) == report["venue_names"]
    for v in venues.values():
        assert set(v) == VENUE_KEYS
    assert sum(v["market_volume"] for v in venues.values()) == sum(t["volume"] for t in report["tape"].values())
    assert abs(sum((Decimal(v["share"]) for v in venues.values()), Decimal(0)) - 1) <= Decimal("0.0003")  # rounded
    assert venues["DARK"]["sent"] == 1000 and venues["DARK"]["fills"] == 0 and venues["DARK"]["fill_rate"] == "0.0000"


def test_the_algos_league_and_the_algo_blocks(runs: tuple[dict[str, Any], bytes, str]) -> None:
    report = runs[0]
    algos = report["algos"]
    assert list(algos) == ["TWAP", "POV", "none"]  # in the order each first appears
    assert [algos[n]["orders"] for n in algos] == [1, 1, 2] and algos["none"]["filled_orders"] == 1
    twap, pov, *plain = (o["algo"] for o in report["orders"])
    assert plain == [None, None]
    assert twap["name"] == "TWAP" and twap["params"] == {"duration_minutes": 10, "num_slices": 10}
    assert "slice_errors_pct" in twap["stats"] and pov["participation_rate"] == "0.1"
    for algo, qty in ((twap, 6000), (pov, 2000)):
        rows = algo["samples"]
        assert len(rows) > 30 and all(len(r) == 5 for r in rows)
        targets = [r[1] for r in rows]
        assert targets == sorted(targets) and 0 < targets[-1] <= qty  # a schedule only grows
        assert all(r[2] + r[3] <= qty for r in rows)  # filled + working never passes the order
        assert rows[-1][4] >= rows[-1][2] > 0  # the tape since arrival holds our fills


def test_the_same_seed_gives_the_same_bytes_with_the_tape_and_samples(runs: tuple[dict[str, Any], bytes, str]) -> None:
    report, again, _ = runs
    assert report_json(report) == again


def test_the_page_is_self_contained(runs: tuple[dict[str, Any], bytes, str]) -> None:
    page = runs[2]
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<svg") == 4  # the two symbols' prices and each algo order's schedule
    for heading in ("Cost by order", "Algorithms", "Venues", "Orders", "Fills by order"):
        assert f">{heading}<" in page
    assert "TWAP" in page and "participation in market volume" in page and "target 10%" in page


def _report(**order: Any) -> dict[str, Any]:
    o = {"id": "A1", "client": "C", "symbol": "XYZ", "side": "sell", "qty": 1000, "type": "market", "limit": None,
         "tif": "day", "status": "FILLED", "filled": 1000, "avg_px": "9.99", "arrival_mid": "10", "arrival_s": 1.0,
         "shortfall_bps": "10.00", "child_fills": 1, "venues": {"V1": 600, "V2": 400}, "text": None, "tca": None,
         "algo": {"name": "POV", "params": {"rate": "0.1"}, "participation_rate": "0.1", "stats": None,
                  "samples": [[1.0, None, 0, 1000, 0], [11.0, None, 600, 400, 6000], [21.0, None, 1000, 0, 9000]]}}
    o.update(order)
    return {"scenario": "hand <made>", "description": "d", "seed": 3, "start": "2026-03-02T14:30:00Z",
            "sim_seconds": 30, "symbols": ["XYZ"], "venue_names": ["V1", "V2"],
            "totals": {"orders": 1, "filled": 1000, "qty": 1000, "fills": 1, "notional": "9990",
                       "shortfall_bps": "10.00", "total_bps": "10.00"},
            "orders": [o], "fills": [{"t_s": 2.0, "order": "A1", "venue": "V1", "child_id": "c1", "symbol": "XYZ",
                                      "side": "2", "qty": 1000, "px": "9.99", "liquidity": "2", "mid": "10"}],
            "venues": {n: {"kind": "lit", "fills": 1, "shares": q, "notional": "1"} for n, q in (("V1", 600),
                                                                                                 ("V2", 400))},
            "algos": {}, "price_path": {"XYZ": [[0.0, "10", None, 0], [30.0, "10.01", "10", 9000]]}}


def test_a_hand_made_report_renders_costs_coloured_and_names_escaped() -> None:
    page = render_html(_report())
    assert "hand &lt;made&gt;" in page and 'class="cost">10.00<' in page
    assert page.count("<svg") == 2 and "target 10%" in page  # the POV's target participation line
    assert 'title="V1: 600 shares, 60.0%"' in page
    assert render_html(_report(algo=None)).count("<svg") == 1


def test_the_recorder_keeps_the_tape_compactly_and_in_order() -> None:
    rec = Recorder(["AAPL"])
    for i in range(1000):
        rec.trade("AAPL", "EXCH" if i % 3 else "ECN", Decimal("190.00") + Decimal(i % 5) / 100, 100, i)
    rec.trade("MSFT", "EXCH", Decimal("410.5"), 7, 5)
    log = rec.tape["AAPL"]
    assert len(log) == 1000
    assert list(log)[:2] == [(0, "ECN", Decimal("190.00"), 100), (1, "EXCH", Decimal("190.01"), 100)]
    assert list(rec.tape["MSFT"]) == [(5, "EXCH", Decimal("410.5"), 7)]
    rec.algo_sample("S", "P1", 10, None, 0, 100)
    rec.algo_sample("S", "P1", 20, 50, 40, 60)
    assert list(rec.algos[("S", "P1")]) == [(10, None, 0, 100), (20, 50, 40, 60)]
