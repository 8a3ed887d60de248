"""A tester's market faults at one venue (sim_venues/market_faults.py), on a venue driven by hand: no clock, no wire."""

from __future__ import annotations

from typing import Any

import pytest

from sim_venues.daycycle import DayCycle
from sim_venues.faults import MARKET_KINDS, MARKET_OPS, FaultError, FaultPlan, Scope, check_params
from sim_venues.flow import BackgroundMarket, Quote
from sim_venues.instruments import load_instruments
from sim_venues.market_faults import SPIKE_OWNER, MarketFaults
from sim_venues.orders import ExecType, OrderRequest, Side, Trade
from sim_venues.venues import Venue, VenueSpec

S = 1_000_000_000
T0 = 1_800_000_000 * S
DAY = DayCycle(pre_open_s=10, continuous_s=600, closing_auction_s=10, closed_s=10)


def rig(kind: str = "ecn", flow: bool = False) -> tuple[Venue, MarketFaults, list[str]]:
    instruments = load_instruments()
    bg = BackgroundMarket(instruments, 3, T0, *DAY.trading_window(T0), day_length_ns=DAY.length_ns) if flow else None
    spec = VenueSpec(name="V", kind=kind, port=0, makers=kind != "mm", day=DAY if kind == "exchange" else None)
    v = Venue(spec, instruments, T0, bg, maker_slot=(0.0, 1.0) if kind != "mm" else (0.0, 0.0))
    events: list[str] = []
    mf = MarketFaults(v, FaultPlan(1, symbols=tuple(v.engines)), events.append)
    v.market = mf
    return v, mf, events


def quote(v: Venue, bid: int, ask: int, qty: int = 300, at: int = T0, who: str = "MM1") -> list:
    q = Quote(time_ns=at, participant=who, symbol="AAPL", bid_px=bid, bid_qty=qty, ask_px=ask, ask_qty=qty)
    return v._apply_flow([q], at)


def top(v: Venue, symbol: str = "AAPL") -> tuple[tuple[int, int], tuple[int, int]]:
    eng = v.engines[symbol]
    return eng.levels(Side.BUY, 1)[0], eng.levels(Side.SELL, 1)[0]


# -- params -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, params, key", [
    ("fair_value", {"symbol": "AAPL"}, "params.bps"),
    ("fair_value", {"symbol": "AAPL", "bps": 0}, "params.bps"),
    ("fair_value", {"symbol": "AAPL", "bps": -10_000}, "params.bps"),
    ("fair_value", {"symbol": "AAPL", "bps": float("inf")}, "params.bps"),
    ("fair_value", {"symbol": "AAPL", "bps": 10, "over_s": 0}, "params.over_s"),
    ("fair_value", {"bps": 10}, "params.symbol"),
    ("fair_value", {"symbol": "AAPL", "bps": 10, "at": 1}, "params.at"),
    ("volume_spike", {"symbol": "AAPL"}, "params.qty"),
    ("volume_spike", {"symbol": "AAPL", "qty": 100, "side": "up"}, "params.side"),
    ("volume_spike", {"symbol": "AAPL", "qty": 100, "slices": 0}, "params.slices"),
    ("volume_spike", {"symbol": "AAPL", "qty": 100, "over_s": -1}, "params.over_s"),
    ("widen_spread", {}, "params.ticks"),
    ("widen_spread", {"ticks": 0}, "params.ticks"),
    ("thin_book", {"ratio": 1}, "params.ratio"),
    ("crossed_quote", {"ticks": 0}, "params.ticks"),
    ("stale_quote", {"ticks": 1}, "params.ticks"),
])
def test_bad_params_are_refused_naming_the_key(kind: str, params: dict[str, Any], key: str):
    with pytest.raises(FaultError, match=key.replace(".", r"\.")):
        check_params(kind, params)


def test_defaults_are_filled_in():
    assert check_params("volume_spike", {"symbol": "AAPL", "qty": 500}) == \
        {"symbol": "AAPL", "qty": 500, "over_s": 10.0, "slices": 10, "side": "both"}
    assert check_params("crossed_quote", {}) == {"ticks": 1}
    assert check_params("fair_value", {"symbol": "AAPL", "bps": -25}) == \
        {"symbol": "AAPL", "bps": -25.0, "over_s": None}
    assert set(MARKET_OPS) == {"fair_value", "volume_spike"}
    assert set(MARKET_KINDS) == {"widen_spread", "thin_book", "stale_quote", "crossed_quote"}


@pytest.mark.parametrize("scope, key", [(Scope(count=2), "scope.count"), (Scope(probability=0.5), "scope.probability"),
                                        (Scope(session="C1"), "scope.session")])
def test_a_market_state_takes_no_count_probability_or_session(scope: Scope, key: str):
    with pytest.raises(FaultError, match=key):
        FaultPlan(1).arm("widen_spread", {"ticks": 1}, scope, T0)


def test_operations_the_venue_cannot_do_are_refused_naming_why():
    v, mf, events = rig()
    with pytest.raises(FaultError, match=r"params\.qty: 150 is not whole lots of AAPL \(lot size 100\)"):
        mf.operate("volume_spike", {"symbol": "AAPL", "qty": 150}, T0)
    with pytest.raises(FaultError, match=r"params\.slices"):
        mf.operate("volume_spike", {"symbol": "AAPL", "qty": 300, "slices": 4}, T0)
    with pytest.raises(FaultError, match="no background market.*flow_share"):
        mf.operate("fair_value", {"symbol": "AAPL", "bps": 50}, T0)
    with pytest.raises(FaultError, match=r"params\.symbol: 'IBM' is not traded"):
        mf.operate("volume_spike", {"symbol": "IBM", "qty": 100}, T0)
    assert mf.plan.fired() == [] and events == []


# -- widen_spread and thin_book -----------------------------------------------------------------------------------

def test_widen_and_thin_reshape_the_makers_quotes_at_once_and_undo_at_the_end():
    v, mf, events = rig()
    quote(v, 18000, 18010)
    assert top(v) == ((18000, 300), (18010, 300))
    w = mf.plan.arm("widen_spread", {"ticks": 2}, Scope(symbol="AAPL", end_ns=T0 + 10 * S), T0)
    mf.plan.arm("thin_book", {"ratio": 0.5}, Scope(symbol="AAPL"), T0)
    assert v.next_due(T0) == T0 + 1, "armed since the last advance: the venue wants a tick"
    v.advance(T0 + 1)
    assert top(v) == ((17998, 100), (18012, 100)), "2 ticks wider each side, 300 * 0.5 down to a lot"
    assert v.engines["AAPL"].levels(Side.BUY, 5)[-1] == (17994, 100), "the whole ladder moved"
    assert v.next_due(T0 + 1) == T0 + 10 * S, "the window's end"
    quote(v, 18001, 18011, qty=500, at=T0 + 2 * S)  # a maker re-quoting meanwhile is shaped too
    assert top(v) == ((17999, 200), (18013, 200))
    v.advance(T0 + 10 * S)
    assert top(v) == ((18001, 200), (18011, 200)), "the window is over: as meant, still thinned"
    assert mf.plan.disarm("F2", T0 + 11 * S)
    v.advance(T0 + 11 * S)
    assert top(v) == ((18001, 500), (18011, 500))
    assert [(f["id"], f["point"], f["symbol"]) for f in mf.plan.fired()] == [("F1", "market", "AAPL"),
                                                                             ("F2", "market", "AAPL")]
    assert [e.split(":")[0] for e in events] == [
        "fault F1 widen_spread in effect on AAPL", "fault F2 thin_book in effect on AAPL",
        "fault F1 widen_spread over on AAPL", "fault F2 thin_book over on AAPL"]
    assert "its window ended" in events[2] and "disarmed" in events[3]
    assert w == "F1" and mf.plan.unfired(T0 + 20 * S) == []


def test_thinning_keeps_at_least_a_lot_and_other_symbols_are_untouched():
    v, mf, _ = rig()
    quote(v, 18000, 18010, qty=100)
    v._apply_flow([Quote(time_ns=T0, participant="MM2", symbol="MSFT", bid_px=41000, bid_qty=400, ask_px=41002,
                         ask_qty=400)], T0)
    mf.plan.arm("thin_book", {"ratio": 0.1}, Scope(symbol="AAPL"), T0)
    v.advance(T0 + 1)
    assert top(v) == ((18000, 100), (18010, 100))
    assert top(v, "MSFT") == ((41000, 400), (41002, 400))


def test_the_market_makers_own_quote_is_widened_too():
    v, mf, _ = rig("mm", flow=True)
    t = T0 + 20 * S
    v.advance(t)
    (bid, _), (ask, _) = top(v)
    assert ask - bid == 4  # mm_half_spread_ticks 2 each side
    mf.plan.arm("widen_spread", {"ticks": 3}, Scope(), t)  # no symbol: every symbol
    v.advance(t + 1)
    (bid, _), (ask, _) = top(v)
    (mbid, _), (mask, _) = top(v, "MSFT")
    assert ask - bid == 10 and mask - mbid == 10


def test_a_window_that_never_opens_is_reported_unfired():
    v, mf, events = rig()
    mf.plan.arm("stale_quote", {}, Scope(symbol="AAPL", start_ns=T0 + 100 * S, end_ns=T0 + 200 * S), T0)
    v.advance(T0 + 1)
    assert v.next_due(T0 + 1) == T0 + 100 * S, "the window's start"
    assert not mf.stale
    [f] = mf.plan.unfired(T0 + 300 * S)
    assert f["why"] == "its window ended before it took effect" and events == []


# -- volume_spike -------------------------------------------------------------------------------------------------

def deep_book(v: Venue) -> None:
    for i in range(10):
        v.submit(OrderRequest("C", f"S{i}", "AAPL", Side.SELL, 500, price=18010 + i), T0)
        v.submit(OrderRequest("C", f"B{i}", "AAPL", Side.BUY, 500, price=18000 - i), T0)


def spike() -> tuple[list[tuple[Any, ...]], list[str], list[Trade]]:
    v, mf, events = rig()
    deep_book(v)
    out = mf.operate("volume_spike", {"symbol": "AAPL", "qty": 1000, "slices": 4, "over_s": 3}, T0)
    assert out["id"] == "F1" and "1000 in 4 market order(s) over 3 s" in out["what"]
    assert v.next_due(T0) == T0 + 1, "the first slice is due now"
    reports = v.advance(T0)
    assert v.next_due(T0) == T0 + 3 * S // 4
    reports += v.advance(T0 + 2 * S)  # slices 2 and 3
    assert v.next_due(T0 + 2 * S) == T0 + 9 * S // 4
    reports += v.advance(T0 + 9 * S // 4)
    assert v.next_due(T0 + 9 * S // 4) is None, "spent: nothing more to do"
    rows = [(r.exec_type, r.order.request.owner, r.order.cl_ord_id, r.order.request.side, r.last_qty, r.last_px)
            for r in reports]
    return rows, events, v.engines["AAPL"].drain_trades()


def test_a_spike_sends_its_slices_over_the_window_on_the_venues_clock_and_prints_them():
    rows, events, trades = spike()
    orders: dict[str, list[Any]] = {}
    for et, owner, cl, side, qty, px in rows:
        if owner == SPIKE_OWNER and et is ExecType.TRADE:
            orders.setdefault(cl, [side, 0, []])[1] += qty
            orders[cl][2].append(px)
    # Alternating, buy first; 1000 / 4 in lots is 200, the last takes the rest and walks the book.
    assert list(orders.values()) == [[Side.BUY, 200, [18010]], [Side.SELL, 200, [18000]], [Side.BUY, 200, [18010]],
                                     [Side.SELL, 400, [18000, 17999]]]
    assert sum(t.qty for t in trades) == 1000
    assert events[-1] == "fault F1 volume_spike done on AAPL: 4 order(s), 1000 of 1000 traded"


def test_the_same_calls_give_the_same_reports():
    assert spike() == spike()


# -- stale_quote and crossed_quote --------------------------------------------------------------------------------

def test_stale_holds_trades_and_says_when_to_send_again():
    v, mf, _ = rig()
    t1, t2 = Trade(18000, 100, Side.BUY, T0), Trade(18001, 200, Side.SELL, T0 + S)
    mf.plan.arm("stale_quote", {}, Scope(symbol="AAPL", end_ns=T0 + 5 * S), T0)
    v.advance(T0 + 1)
    assert mf.stale == {"AAPL"} and mf.take_md_changed() == ["AAPL"] and mf.take_md_changed() == []
    assert mf.trades("AAPL", [t1]) == [] and mf.trades("MSFT", [t2]) == [t2]
    v.advance(T0 + 5 * S)
    assert mf.stale == frozenset() and mf.take_md_changed() == ["AAPL"]
    assert mf.trades("AAPL", [t2]) == [t1, t2], "late, not lost"
    assert mf.trades("AAPL", []) == []


def test_crossed_adds_a_bid_above_the_offer_only_to_what_is_published():
    v, mf, _ = rig()
    quote(v, 18000, 18010)
    mf.plan.arm("crossed_quote", {"ticks": 2}, Scope(symbol="AAPL", end_ns=T0 + 5 * S), T0)
    v.advance(T0 + 1)
    eng = v.engines["AAPL"]
    bids, asks = eng.levels(Side.BUY, 3), eng.levels(Side.SELL, 3)
    assert mf.crossed_bids("AAPL", bids, asks) == [(18012, 100), *bids]
    assert bids[0] == (18000, 300), "the book is not touched"
    assert mf.crossed_bids("AAPL", bids, []) == bids, "nothing to cross without an offer"
    assert mf.crossed_bids("MSFT", [(41000, 100)], [(41001, 100)]) == [(41000, 100)]
    v.advance(T0 + 5 * S)
    assert mf.crossed_bids("AAPL", bids, asks) == bids


# -- fair_value ---------------------------------------------------------------------------------------------------

def test_a_fair_value_step_and_trend_move_the_walk_and_the_makers_follow():
    v, mf, events = rig("exchange", flow=True)
    t = T0 + 30 * S
    v.advance(t)
    before = v.flow.fair_value("AAPL")
    out = mf.operate("fair_value", {"symbol": "AAPL", "bps": 100}, t)
    assert "fair value +100 bps at once" in out["what"] and events[-1].startswith("fault F1 fair_value fired on AAPL")
    for k in range(1, 41):
        v.advance(t + k * S // 10)
    after = v.flow.fair_value("AAPL")
    assert after / before == pytest.approx(1.01, abs=0.001)
    (bid, _), (ask, _) = top(v)
    assert bid < after < ask and ask - bid < 20, "the makers quote around the new fair value"
    mf.operate("fair_value", {"symbol": "MSFT", "bps": -200, "over_s": 10}, t + 4 * S)
    m0 = v.flow.fair_value("MSFT")
    v.advance(t + 9 * S)
    half = v.flow.fair_value("MSFT") / m0
    v.advance(t + 16 * S)
    assert 0.986 < half < 0.994, "about half way after half the trend"
    assert v.flow.fair_value("MSFT") / m0 == pytest.approx(0.98, abs=0.001)
    assert [f["kind"] for f in mf.plan.fired()] == ["fair_value", "fair_value"]


@pytest.mark.parametrize("kind, params, key", [
    ("fair_value", {"symbol": "AAPL", "bps": 10, "over_s": float("inf")}, "over_s"),
    ("fair_value", {"symbol": "AAPL", "bps": 10, "over_s": 1e300}, "over_s"),
    ("volume_spike", {"symbol": "AAPL", "qty": 100, "over_s": float("nan")}, "over_s"),
    ("volume_spike", {"symbol": "AAPL", "qty": 10**9, "slices": 10**9}, "slices"),
    ("delay_ack", {"ms": 1e12}, "ms"),
    ("delay_fills", {"dist": "exponential", "mean_ms": float("inf")}, "mean_ms"),
    ("cancel_unsolicited", {"after_ms": float("nan")}, "after_ms"),
    ("stop_heartbeats", {"seconds": 1e9}, "seconds"),
    ("skip_seqnum", {"count": 10**12}, "count"),
    ("partial_fill", {"slices": [1] * 10_001}, "slices"),
])
def test_values_that_would_overflow_or_flood_a_venue_are_refused_naming_the_key(kind, params, key):
    with pytest.raises(FaultError, match=f"{kind}: params.{key}: must be"):
        check_params(kind, params)
