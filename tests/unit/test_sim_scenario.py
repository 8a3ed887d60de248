"""Scenario files: the shipped ones load; a bad one names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from oms_fix.sim.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "config" / "scenarios"
GOOD = """start: 2026-03-02T14:30:00Z
duration_s: 600
symbols: [AAPL]
orders:
  - {at_s: 10, symbol: AAPL, side: buy, qty: 100, offset_ticks: 1}
"""


@pytest.mark.parametrize("name", ["smoke", "mixed_day"])
def test_the_shipped_scenarios_load(name: str) -> None:
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    assert sc.name == name and sc.orders and sc.duration_s > 0


def test_the_mixed_day_is_what_the_speedup_bar_names() -> None:
    sc = load_scenario(SCENARIOS / "mixed_day.yaml")
    assert len(sc.symbols) == 5 and len(sc.orders) == 50
    assert sc.day is not None and sc.day.continuous_s == 6.5 * 3600


def test_defaults_ids_and_paths(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(GOOD + "venues_config: cfg/venues.yaml\n")
    sc = load_scenario(f)
    assert sc.name == "mine" and sc.orders[0].id == "P1" and sc.orders[0].client == "CLIENT1"
    assert sc.venues_config == tmp_path / "cfg" / "venues.yaml"
    assert sc.start_ns == 1_772_461_800 * 10**9


@pytest.mark.parametrize("text, key", [
    (GOOD.replace("duration_s: 600", "duration_s: -1"), "duration_s:"),
    (GOOD.replace("offset_ticks: 1", "offset_ticks: 1, price: \"190.00\""), "orders[0]:"),
    (GOOD.replace("offset_ticks: 1", "type: market, price: 190"), "orders[0]:"),
    (GOOD.replace("side: buy", "side: up"), "orders[0].side:"),
    (GOOD.replace("offset_ticks: 1", "price: abc"), "orders[0].price:"),
    (GOOD.replace("qty: 100", "qty: 0"), "orders[0].qty:"),
    (GOOD.replace("symbol: AAPL,", "symbol: MSFT,"), "orders[0].symbol: MSFT is not one of the scenario's symbols"),
    (GOOD.replace("at_s: 10", "at_s: 600"), "orders[0].at_s:"),
    (GOOD.replace("2026-03-02T14:30:00Z", "'2026-03-02 14:30'"), "start:"),
    (GOOD + "latency: {oms_venue: {fixed_us: -3}}\n", "latency.oms_venue.fixed_us:"),
    (GOOD + "colour: blue\n", "colour:"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL}]\n", "market[0]: needs exactly one of trend_bps"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, trend_bps: 50, step_bps: 5, over_s: 9}]\n", "market[0]: needs exactly"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, trend_bps: 50}]\n", "market[0]: trend_bps needs over_s"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, step_bps: 50, over_s: 9}]\n", "market[0]: over_s goes with trend_bps"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, trend_bps: 50, over_s: 0}]\n", "market[0].over_s:"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, step_bps: -10000}]\n", "market[0].step_bps:"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, step_bps: .nan}]\n", "market[0].step_bps:"),
    (GOOD + "market: [{at_s: -1, symbol: AAPL, step_bps: 5}]\n", "market[0].at_s:"),
    (GOOD + "market: [{at_s: 5, symbol: AAPL, step_bps: 5, by: 3}]\n", "market[0].by:"),
    (GOOD + "market: [{at_s: 600, symbol: AAPL, step_bps: 5}]\n", "market[0].at_s: 600.0 is not before the end"),
    (GOOD + "market: [{at_s: 5, symbol: MSFT, step_bps: 5}]\n", "market[0].symbol: MSFT is not one of the scenario's"),
])
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, key: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert f"{f}: {key}" in str(e.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_market_moves_load(tmp_path: Path) -> None:
    f = tmp_path / "moves.yaml"
    f.write_text(GOOD + "market:\n  - {at_s: 60, symbol: AAPL, trend_bps: -150, over_s: 300}\n"
                        "  - {at_s: 30, symbol: AAPL, step_bps: 25.5}\n")
    trend, step = load_scenario(f).market
    assert (trend.at_s, trend.trend_bps, trend.over_s, trend.step_bps) == (60, -150, 300, None)
    assert (step.at_s, step.step_bps, step.trend_bps, step.over_s) == (30, 25.5, None, None)


TREND = GOOD.replace("orders:\n  - {at_s: 10, symbol: AAPL, side: buy, qty: 100, offset_ticks: 1}\n", "") + \
    "day: {pre_open_s: 0, continuous_s: 1200, closing_auction_s: 0, closed_s: 0}\n"


@pytest.mark.parametrize("bps", [300, -300])
def test_a_trend_moves_the_consolidated_mid_its_way(tmp_path: Path, bps: int) -> None:
    from oms_fix.sim.world import Simulation

    mids = []
    for text in (TREND, TREND + f"market: [{{at_s: 60, symbol: AAPL, trend_bps: {bps}, over_s: 240}}]\n"):
        f = tmp_path / "trend.yaml"
        f.write_text(text)
        sim = Simulation(load_scenario(f), 3)
        sim.run(sim.start_ns + 360 * 10**9)
        mid = sim.book.nbbo("AAPL").mid
        assert mid is not None
        mids.append(float(mid))
    plain, moved = mids
    # The makers quote around the moved fair value: the mid is shifted by about the trend (the walk is the same).
    assert moved / plain == pytest.approx(1 + bps / 10_000, abs=0.004)
