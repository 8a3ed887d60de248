"""TCA of one parent order: hand-computed figures for a buy and its mirrored sell, then properties of the
formulas (oms_fix/analytics/tca.py states them; bps, positive = cost)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oms_fix.analytics import MidPath, OrderFacts, Tape, mark_fills, order_tca, side_sign
from oms_fix.analytics.tca import OrderTca

S = 1_000_000_000
D = Decimal


@dataclass(frozen=True, slots=True)
class F:
    time: int
    venue: str
    qty: int
    px: Decimal
    liquidity: str = "2"


# Arrival at t=0 with the mid at 100.00; the order is done at 60 s.
MIDS = MidPath([(0, D("100.00")), (10 * S, D("100.01")), (20 * S, D("100.04")), (60 * S, D("100.06")),
                (80 * S, D("100.03")), (400 * S, D("100.10"))])
FILLS = [F(10 * S, "EXCH", 400, D("100.02")), F(20 * S, "ECN", 400, D("100.05"), "1")]
TAPE = Tape([(5 * S, D("100.00"), 100), (10 * S, D("100.02"), 400), (15 * S, D("100.03"), 500),
             (20 * S, D("100.05"), 400), (70 * S, D("100.10"), 600)])


def tca(side: int, fills: list[F] = FILLS, qty: int = 1000, mids: MidPath = MIDS, tape: Tape | None = TAPE,
        end: int = 60 * S) -> OrderTca:
    return order_tca(OrderFacts(side=side, qty=qty, arrival=0, arrival_mid=D("100.00"), end=end, fills=fills),
                     tape, mids)


def close(a: Decimal | None, b: Decimal | str, eps: str = "1e-18") -> bool:
    return a is not None and abs(a - D(b)) < D(eps)


def test_a_buy_that_paid_up_while_the_market_rose_shows_each_cost_positive() -> None:
    t = tca(+1)
    # avg = (400 x 100.02 + 400 x 100.05) / 800 = 100.035: 3.5 bps over the arrival mid on what filled
    assert t.filled == 800 and t.avg_px == D("100.035") and t.fill_rate == D("0.8")
    assert close(t.shortfall_bps, "3.5")
    # impact: 400 x 0.01 + 400 x 0.01 over the mids at the fills, on 1000 x 100.00 -> 0.8 bps
    assert close(t.impact_bps, "0.8")
    # timing: 400 x (100.01 - 100) + 400 x (100.04 - 100) on 1000 x 100.00 -> 2.0 bps
    assert close(t.timing_bps, "2.0")
    # opportunity: the end mid 100.06 is 6 bps up, on the unfilled 20% -> 1.2 bps
    assert t.end_mid == D("100.06") and close(t.opportunity_bps, "1.2")
    assert close(t.total_bps, "4.0")
    assert close(t.mid_move_bps, "4")  # the mid at the last fill, 100.04
    assert t.execution_ns == 60 * S and t.added == 400 and t.removed == 400 and t.other == 0


def test_against_the_tape_over_the_orders_life() -> None:
    t = tca(+1)
    # [0, 60 s] holds the prints at 5, 10, 15 and 20 s (our two included), not the one at 70 s
    assert t.market_volume == 1400
    vwap = (D("100.00") * 100 + D("100.02") * 400 + D("100.03") * 500 + D("100.05") * 400) / 1400
    assert t.market_vwap == vwap
    assert t.vwap_deviation_bps == (D("100.035") - vwap) / vwap * 10_000 > 0  # bought above the market
    assert t.participation == D(800) / D(1400)


def test_markouts_and_reversion_per_fill_weighted_by_quantity() -> None:
    t = tca(+1)
    # fill 1 at 10 s (mid 100.01): at 70 s the mid is 100.06 (seen at 60 s), at 310 s 100.03 (seen at 80 s)
    # fill 2 at 20 s (mid 100.04): at 80 s 100.03, at 320 s still 100.03 (the next mid comes at 400 s)
    m1 = ((D("100.02") - D("100.06")) / D("100.01") + (D("100.05") - D("100.03")) / D("100.04")) / 2 * 10_000
    m5 = ((D("100.02") - D("100.03")) / D("100.01") + (D("100.05") - D("100.03")) / D("100.04")) / 2 * 10_000
    assert close(t.markout_bps[0], m1, "1e-20") and close(t.markout_bps[1], m5, "1e-20")
    slip = (D("0.01") / D("100.01") + D("0.01") / D("100.04")) / 2 * 10_000
    assert close(t.slippage_bps, slip, "1e-20")
    for mk, rv in zip(t.markout_bps, t.reversion_bps):
        assert rv is not None and close(mk, rv + slip, "1e-20")


def test_the_mirrored_sell_has_every_cost_negated() -> None:
    buy, sell = tca(+1), tca(-1)
    for name in ("shortfall_bps", "impact_bps", "timing_bps", "opportunity_bps", "total_bps", "vwap_deviation_bps",
                 "mid_move_bps", "slippage_bps"):
        assert getattr(sell, name) == -getattr(buy, name), name
    assert sell.markout_bps == tuple(-x for x in buy.markout_bps if x is not None)
    # a sell below the arrival mid is a cost
    cheap = tca(-1, [F(10 * S, "EXCH", 1000, D("99.98"))])
    assert close(cheap.shortfall_bps, "2") and close(cheap.total_bps, "2") and cheap.opportunity_bps == 0


def test_an_order_with_no_fills_costs_only_its_opportunity() -> None:
    t = tca(+1, [])
    assert t.filled == 0 and t.avg_px is None and t.shortfall_bps is None and t.vwap_deviation_bps is None
    assert t.impact_bps == 0 and t.timing_bps == 0 and close(t.opportunity_bps, "6") and close(t.total_bps, "6")
    assert t.participation == 0 and t.markout_bps == (None, None)


def test_a_markout_past_the_end_of_the_path_is_none_not_stale() -> None:
    t = tca(+1, [F(330 * S, "EXCH", 100, D("100.10"))], end=360 * S)
    assert t.markout_bps[0] is not None and t.markout_bps[1] is None  # 630 s is past the last mid at 400 s


def test_without_a_tape_the_market_figures_are_none() -> None:
    t = tca(+1, tape=None)
    assert t.market_volume is None and t.market_vwap is None and t.participation is None
    assert t.vwap_deviation_bps is None and close(t.shortfall_bps, "3.5")


def test_side_sign() -> None:
    assert [side_sign(s) for s in ("buy", "sell", "short", "1", "2", "5", "3")] == [1, -1, -1, 1, -1, -1, 1]


def test_the_mid_recorded_at_a_fill_wins_over_the_sampled_path() -> None:
    marks = mark_fills(+1, FILLS, MIDS, fill_mids=[D("100.02"), None])
    assert marks[0].mid == D("100.02") and marks[0].slippage_bps == 0
    assert marks[1].mid == D("100.04")


# -- properties ------------------------------------------------------------------------------------------

prices = st.integers(min_value=9_000, max_value=11_000).map(lambda c: D(c) / 100)
times = st.integers(min_value=0, max_value=600).map(lambda s: s * S)
fills_st = st.lists(st.builds(F, times, st.sampled_from(["EXCH", "ECN", "DARK"]), st.integers(1, 1000), prices,
                              st.sampled_from(["1", "2", ""])), max_size=12)
paths = st.lists(st.tuples(times, prices), min_size=1, max_size=30)


def facts(side: int, fills: list[F], qty_extra: int, arrival_mid: Decimal) -> OrderFacts:
    fills = sorted(fills, key=lambda f: f.time)
    return OrderFacts(side=side, qty=sum(f.qty for f in fills) + qty_extra, arrival=0, arrival_mid=arrival_mid,
                      end=600 * S, fills=fills)


@settings(max_examples=150, deadline=None)
@given(fills_st, st.integers(0, 500), prices, paths)
def test_impact_timing_and_opportunity_add_up_to_the_total(fills: list[F], extra: int, p0: Decimal,
                                                          path: list[tuple[int, Decimal]]) -> None:
    if not fills and not extra:
        extra = 1
    mids = MidPath([(0, p0), *path])
    for side in (1, -1):
        t = order_tca(facts(side, fills, extra, p0), None, mids)
        assert t.total_bps is not None and t.impact_bps is not None and t.timing_bps is not None
        assert t.opportunity_bps is not None
        assert abs(t.impact_bps + t.timing_bps + t.opportunity_bps - t.total_bps) < D("1e-18")
        x = sum(f.qty for f in fills) + extra
        filled_part = (t.shortfall_bps or D(0)) * t.filled / x
        assert abs(filled_part + t.opportunity_bps - t.total_bps) < D("1e-18")


@settings(max_examples=150, deadline=None)
@given(fills_st, st.integers(0, 500), prices, paths)
def test_the_sell_is_the_buy_negated(fills: list[F], extra: int, p0: Decimal, path: list[tuple[int, Decimal]]) -> None:
    if not fills and not extra:
        extra = 1
    mids = MidPath([(0, p0), *path])
    buy = order_tca(facts(1, fills, extra, p0), None, mids)
    sell = order_tca(facts(-1, fills, extra, p0), None, mids)
    for name in ("shortfall_bps", "impact_bps", "timing_bps", "opportunity_bps", "total_bps", "slippage_bps"):
        b, s = getattr(buy, name), getattr(sell, name)
        assert (b is None and s is None) or b == -s, name
    assert all(b == s is None or (b is not None and s is not None and b == -s)
               for b, s in zip(buy.markout_bps, sell.markout_bps))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(times, st.integers(1, 1000)), min_size=1, max_size=10), prices)
def test_a_buy_filled_all_at_the_arrival_mid_costs_nothing(parts: list[tuple[int, int]], p0: Decimal) -> None:
    fills = [F(t, "EXCH", q, p0) for t, q in sorted(parts)]
    mids = MidPath([(0, p0), (700 * S, p0 + 1)])
    t = order_tca(OrderFacts(side=1, qty=sum(q for _, q in parts), arrival=0, arrival_mid=p0, end=600 * S,
                             fills=fills), None, mids)
    assert t.shortfall_bps == 0 and t.total_bps == 0 and t.opportunity_bps == 0 and t.impact_bps == 0
    assert t.timing_bps == 0 and t.fill_rate == 1


@settings(max_examples=100, deadline=None)
@given(fills_st, paths)
def test_each_fills_markout_is_its_slippage_plus_its_reversion(fills: list[F], path: list[tuple[int, Decimal]]) -> None:
    mids = MidPath(path)
    for side in (1, -1):
        for m in mark_fills(side, fills, mids):
            for mk, rv in zip(m.markout_bps, m.reversion_bps):
                if mk is not None:
                    assert m.slippage_bps is not None and rv is not None
                    assert abs(mk - (m.slippage_bps + rv)) < D("1e-18")


@settings(max_examples=100, deadline=None)
@given(fills_st, st.lists(st.tuples(times, prices, st.integers(1, 5000)), max_size=40))
def test_participation_is_a_fraction_whatever_the_tape_missed(fills: list[F],
                                                              prints: list[tuple[int, Decimal, int]]) -> None:
    t = order_tca(facts(1, fills, 0, D(100)) if fills else facts(1, fills, 1, D(100)), Tape(prints), MidPath([]))
    assert t.participation is None or D(0) <= t.participation <= 1
