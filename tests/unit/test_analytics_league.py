"""League tables by venue and by algorithm, from hand-made fills and order TCAs."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from oms_fix.analytics import AlgoOrder, FillMarks, OrderTca, algo_league, venue_league
from oms_fix.analytics.league import mean, median

D = Decimal


def mark(venue: str, qty: int, liq: str, slip: str | None, m1: str | None) -> FillMarks:
    return FillMarks(venue=venue, qty=qty, liquidity=liq, mid=D(100), slippage_bps=None if slip is None else D(slip),
                     markout_bps=(None if m1 is None else D(m1), None), reversion_bps=(None, None))


def test_venue_rows_weigh_by_shares_and_keep_every_venue() -> None:
    marks = [mark("EXCH", 300, "2", "1", "2"), mark("EXCH", 100, "1", "-1", None), mark("DARK", 100, "", "0", "4")]
    rows = venue_league(["EXCH", "DARK", "MM"], marks, {"EXCH": 800, "DARK": 100},
                        {"EXCH": 9000, "DARK": 500, "MM": 500}, 2)
    assert list(rows) == ["EXCH", "DARK", "MM"]
    ex = rows["EXCH"]
    assert (ex.fills, ex.shares, ex.sent, ex.fill_rate, ex.share) == (2, 400, 800, D("0.5"), D("0.8"))
    assert ex.added == D("0.25") and ex.removed == D("0.75")
    assert ex.slippage_bps == (300 * D(1) - 100) / 400 == D("0.5")
    assert ex.markout_bps == (D(2), None)  # the fill without a 1-minute markout is left out of the mean
    assert ex.market_share == D("0.9")
    mm = rows["MM"]
    assert mm.fills == 0 and mm.fill_rate is None and mm.slippage_bps is None and mm.share == 0


def test_mean_and_median() -> None:
    assert mean([]) is None and median([]) is None
    assert median([D(3), D(1), D(2)]) == 2 and median([D(4), D(1), D(3), D(2)]) == D("2.5")
    assert mean([D(1), D(2)]) == D("1.5")


def tca(filled: int, shortfall: str | None, total: str | None = None, participation: str | None = None) -> OrderTca:
    return OrderTca(filled=filled, fill_rate=D(0), execution_ns=0, avg_px=None, end_mid=None, market_volume=None,
                    market_vwap=None, participation=None if participation is None else D(participation),
                    shortfall_bps=None if shortfall is None else D(shortfall), impact_bps=None, timing_bps=None,
                    opportunity_bps=None, total_bps=None if total is None else D(total), vwap_deviation_bps=None,
                    mid_move_bps=None, slippage_bps=None, markout_bps=(), reversion_bps=(), added=0, removed=0,
                    other=0)


def test_algo_rows_average_over_orders_and_weigh_by_notional() -> None:
    orders = [AlgoOrder(algo="TWAP", qty=1000, arrival_mid=D(100), tca=tca(1000, "2", "2", "0.1")),
              AlgoOrder(algo="TWAP", qty=1000, arrival_mid=D(300), tca=tca(500, "-1", "3", "0.3")),
              AlgoOrder(algo="none", qty=100, arrival_mid=D(100), tca=tca(0, None, "5")),
              AlgoOrder(algo="TWAP", qty=500, arrival_mid=D(100), tca=tca(100, "8")),
              AlgoOrder(algo="TWAP", qty=700, arrival_mid=D(100), tca=tca(0, None, "0"), rejected=True)]
    rows = algo_league(orders)
    assert list(rows) == ["TWAP", "none"]
    tw = rows["TWAP"]
    assert (tw.orders, tw.rejected, tw.filled_orders, tw.qty, tw.filled) == (4, 1, 3, 2500, 1600)
    assert tw.fill_rate == D("0.64")
    assert tw.shortfall_mean_bps == 3 and tw.shortfall_median_bps == 2
    # 2 x 1000 x 100 - 1 x 500 x 300 + 8 x 100 x 100 over 100000 + 150000 + 10000
    assert tw.shortfall_weighted_bps == D(200000 - 150000 + 80000) / 260000
    assert tw.total_mean_bps == D("2.5") and tw.participation_mean == D("0.2")
    none = rows["none"]
    assert none.filled_orders == 0 and none.shortfall_mean_bps is None and none.shortfall_weighted_bps is None
    assert replace(none, total_mean_bps=None).total_mean_bps is None and none.total_mean_bps == 5
