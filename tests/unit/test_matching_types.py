"""The lit engine's order types: iceberg, hidden, post-only, MinQty, pegs, stops, GTD, DAY."""

from __future__ import annotations

from typing import Any

from sim_venues.matching import Engine
from sim_venues.orders import (
    CancelReject,
    ExecType as ET,
    Liquidity,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Phase,
    Report,
    Side,
    TimeInForce as TIF,
)

from engine_requests import BUY, SELL, R  # noqa: E402 (pytest puts tests/unit on the path)


def makers(reports: list[Report]) -> list[tuple[str, int]]:
    return [(r.cl_ord_id, r.last_qty) for r in reports if r.liquidity is Liquidity.ADDED]


def eng(**kw: Any) -> Engine:
    return Engine("XYZ", venue="ECN", **kw)


# -- iceberg and hidden ---------------------------------------------------------------

def test_iceberg_shows_only_its_slice() -> None:
    e = eng()
    e.submit(R("ICE", SELL, 100, 100, max_floor=10), 0)
    assert e.levels(SELL, 5) == [(100, 10)]


def test_iceberg_refresh_goes_to_the_back_of_the_level() -> None:
    e = eng()
    e.submit(R("ICE", SELL, 30, 100, max_floor=10), 0)
    e.submit(R("Q", SELL, 10, 100), 1)
    # 15: the slice (10), then Q (5) - the refreshed slice queues behind Q
    out = e.submit(R("B1", BUY, 15, 100, owner="B"), 2)
    assert makers(out) == [("ICE", 10), ("Q", 5)]
    assert e.levels(SELL, 5) == [(100, 15)]
    out = e.submit(R("B2", BUY, 8, 100, owner="B"), 3)
    assert makers(out) == [("Q", 5), ("ICE", 3)]
    ice = out[-1].order
    assert ice.cum_qty == 13 and ice.leaves_qty == 17 and out[-1].extra["leaves_qty"] == "17"


def test_a_large_taker_eats_iceberg_slices_one_after_another() -> None:
    e = eng()
    e.submit(R("ICE", SELL, 25, 100, max_floor=10), 0)
    out = e.submit(R("B", BUY, 30, 100, owner="B"), 1)
    assert makers(out) == [("ICE", 10), ("ICE", 10), ("ICE", 5)]
    assert out[-1].order.status is OrdStatus.FILLED and e.levels(BUY, 5) == [(100, 5)]


def test_hidden_order_is_never_shown_and_trades_after_displayed_at_its_price() -> None:
    e = eng()
    e.submit(R("H", SELL, 10, 100, hidden=True), 0)
    e.submit(R("D", SELL, 5, 100), 1)
    assert e.levels(SELL, 5) == [(100, 5)]
    out = e.submit(R("B", BUY, 8, 100, owner="B"), 2)
    assert makers(out) == [("D", 5), ("H", 3)]
    assert e.levels(SELL, 5) == []


def test_hidden_at_a_better_price_trades_before_displayed_at_a_worse_one() -> None:
    e = eng()
    e.submit(R("D", SELL, 5, 101), 0)
    e.submit(R("H", SELL, 5, 100, max_floor=0), 1)  # MaxFloor 0 is hidden
    assert e.levels(SELL, 5) == [(101, 5)]
    out = e.submit(R("B", BUY, 7, 101, owner="B"), 2)
    assert makers(out) == [("H", 5), ("D", 2)]


# -- post-only and MinQty ------------------------------------------------------------

def test_post_only_that_would_take_is_rejected() -> None:
    e = eng()
    e.submit(R("S", SELL, 5, 100), 0)
    out = e.submit(R("P", BUY, 5, 100, exec_inst="6"), 1)
    assert [(r.exec_type, r.text) for r in out] == [(ET.REJECTED, "post-only order would take liquidity")]
    assert e.levels(SELL, 5) == [(100, 5)] and e.drain_trades() == []


def test_post_only_checks_hidden_liquidity_too_and_rests_when_passive() -> None:
    e = eng()
    e.submit(R("H", SELL, 5, 100, hidden=True), 0)
    assert e.submit(R("P1", BUY, 5, 100, exec_inst="6"), 1)[0].exec_type is ET.REJECTED
    out = e.submit(R("P2", BUY, 5, 99, exec_inst="6"), 2)
    assert [r.exec_type for r in out] == [ET.NEW] and e.levels(BUY, 5) == [(99, 5)]


def test_min_qty_ioc_not_available_is_canceled_without_trading() -> None:
    e = eng()
    e.submit(R("S", SELL, 5, 100), 0)
    out = e.submit(R("X", BUY, 10, 100, tif=TIF.IOC, min_qty=6), 1)
    assert [r.exec_type for r in out] == [ET.NEW, ET.CANCELED] and out[-1].order.cum_qty == 0
    assert e.levels(SELL, 5) == [(100, 5)]


def test_min_qty_available_trades_normally() -> None:
    e = eng()
    e.submit(R("S", SELL, 5, 100), 0)
    e.submit(R("S2", SELL, 5, 101), 0)
    out = e.submit(R("X", BUY, 12, 101, min_qty=8), 1)
    assert out[0].order.cum_qty == 10 and e.levels(BUY, 5) == [(101, 2)]


def test_min_qty_limit_that_does_not_cross_rests_and_is_then_hit_normally() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 99, min_qty=8), 0)
    assert e.levels(BUY, 5) == [(99, 10)]
    out = e.submit(R("S", SELL, 2, 99, owner="B"), 1)
    assert makers(out) == [("X", 2)]


def test_min_qty_limit_that_crosses_but_cannot_meet_it_is_canceled() -> None:
    e = eng()
    e.submit(R("S", SELL, 2, 100), 0)
    out = e.submit(R("X", BUY, 10, 101, min_qty=5), 1)
    assert [r.exec_type for r in out] == [ET.NEW, ET.CANCELED] and "MinQty" in out[-1].text
    assert e.levels(SELL, 5) == [(100, 2)] and e.levels(BUY, 5) == []


# -- pegs ----------------------------------------------------------------------------

def test_peg_without_reference_waits_then_prices_at_the_first_reference() -> None:
    e = eng()
    out = e.submit(R("P", BUY, 10, None, ord_type=OrdType.PEGGED, exec_inst="R"), 0)
    assert [r.exec_type for r in out] == [ET.NEW] and out[0].order.price is None
    assert e.levels(BUY, 5) == []
    out = e.set_reference(100, 102, 1)
    assert [(r.exec_type, r.text) for r in out] == [(ET.RESTATED, "peg repriced")]
    assert out[0].order.price == 100 and e.levels(BUY, 5) == [(100, 10)]


def test_primary_peg_reprices_and_loses_priority() -> None:
    e = eng()
    e.set_reference(100, 102, 0)
    e.submit(R("P", BUY, 10, None, ord_type=OrdType.PEGGED, exec_inst="R"), 1)
    e.submit(R("L", BUY, 10, 101), 2)
    out = e.set_reference(101, 102, 3)
    assert [(r.exec_type, r.order.price) for r in out] == [(ET.RESTATED, 101)]
    assert e.levels(BUY, 5) == [(101, 20)]
    assert e.set_reference(101, 102, 4) == []  # unchanged price: nothing moves
    out = e.submit(R("S", SELL, 10, 101, owner="B"), 5)
    assert makers(out) == [("L", 10)]


def test_sell_primary_peg_offset_and_cap() -> None:
    e = eng()
    e.set_reference(100, 105, 0)
    out = e.submit(R("P", SELL, 10, 106, ord_type=OrdType.PEGGED, exec_inst="R", peg_offset=-2), 1)
    assert out[0].order.price == 106  # 105 - 2 = 103, capped: a sell never below 106
    e.set_reference(100, 110, 2)
    assert out[0].order.price == 108


def test_midpoint_peg_rounds_to_the_passive_side() -> None:
    e = eng()
    e.set_reference(100, 103, 0)
    b = e.submit(R("PB", BUY, 1, None, ord_type=OrdType.PEGGED, exec_inst="M"), 1)[0].order
    s = e.submit(R("PS", SELL, 1, None, ord_type=OrdType.PEGGED, exec_inst="M"), 1)[0].order
    assert (b.price, s.price) == (101, 102)


def test_market_peg_takes_on_reprice() -> None:
    e = eng()
    e.set_reference(99, 101, 0)
    e.submit(R("S", SELL, 5, 102, owner="B"), 0)
    out = e.submit(R("P", BUY, 5, 103, ord_type=OrdType.PEGGED, exec_inst="P"), 1)
    assert out[0].order.price == 101 and e.levels(BUY, 5) == [(101, 5)]
    out = e.set_reference(99, 102, 2)
    assert [r.exec_type for r in out] == [ET.RESTATED, ET.TRADE, ET.TRADE]
    assert out[-1].order.status is OrdStatus.FILLED


def test_peg_buy_is_capped_by_its_price() -> None:
    e = eng()
    e.set_reference(100, 104, 0)
    out = e.submit(R("P", BUY, 5, 101, ord_type=OrdType.PEGGED, exec_inst="P", peg_offset=1), 1)
    assert out[0].order.price == 101


# -- stops ---------------------------------------------------------------------------

def _trade_at(e: Engine, price: int, now: int) -> None:
    e.submit(R(f"m{now}", SELL, 1, price, owner="MM"), now)
    e.submit(R(f"t{now}", BUY, 1, price, owner="MM"), now)


def test_buy_stop_waits_then_triggers_as_market_and_is_the_taker() -> None:
    e = eng()
    e.submit(R("S1", SELL, 5, 105, owner="B"), 0)
    out = e.submit(R("STOP", BUY, 3, None, ord_type=OrdType.STOP, stop_px=103), 0)
    assert [r.exec_type for r in out] == [ET.NEW] and e.levels(BUY, 5) == []
    _trade_at(e, 102, 1)
    e.submit(R("m2", SELL, 1, 103, owner="MM"), 2)
    out = e.submit(R("t2", BUY, 1, 103, owner="MM"), 2)
    stop = [r for r in out if r.cl_ord_id == "STOP"]
    assert [r.exec_type for r in stop] == [ET.TRIGGERED, ET.TRADE]
    assert stop[1].liquidity is Liquidity.REMOVED and stop[1].last_px == 105 and stop[1].order.triggered


def test_sell_stop_limit_triggers_and_rests_at_its_limit() -> None:
    e = eng()
    out = e.submit(R("SL", SELL, 4, 98, ord_type=OrdType.STOP_LIMIT, stop_px=99), 0)
    _trade_at(e, 100, 1)
    assert not out[0].order.triggered
    e.submit(R("m2", SELL, 1, 99, owner="MM"), 2)
    out = e.submit(R("t2", BUY, 1, 99, owner="MM"), 2)
    assert [r.exec_type for r in out if r.cl_ord_id == "SL"] == [ET.TRIGGERED]
    assert e.levels(SELL, 5) == [(98, 4)]


def test_stop_cascade_elects_stops_in_turn() -> None:
    e = eng()
    e.submit(R("B1", BUY, 1, 97, owner="B"), 0)
    e.submit(R("B2", BUY, 1, 95, owner="B"), 0)
    e.submit(R("ST1", SELL, 1, None, ord_type=OrdType.STOP, stop_px=99), 0)
    e.submit(R("ST2", SELL, 1, None, ord_type=OrdType.STOP, stop_px=97), 0)
    e.submit(R("m", BUY, 1, 99, owner="MM"), 1)
    out = e.submit(R("t", SELL, 1, 99, owner="MM"), 1)
    # 99 elects ST1, which sells into 97, which elects ST2, which sells into 95
    assert [(r.cl_ord_id, r.exec_type) for r in out if r.cl_ord_id.startswith("ST")] == [
        ("ST1", ET.TRIGGERED), ("ST1", ET.TRADE), ("ST2", ET.TRIGGERED), ("ST2", ET.TRADE)]
    assert e.last_px == 95


def test_a_stop_whose_price_was_already_reached_triggers_on_arrival() -> None:
    e = eng()
    _trade_at(e, 100, 0)
    out = e.submit(R("ST", BUY, 1, None, ord_type=OrdType.STOP, stop_px=99), 1)
    assert [r.exec_type for r in out] == [ET.NEW, ET.TRIGGERED, ET.CANCELED]


# -- GTD and DAY -----------------------------------------------------------------------

def test_gtd_expires_at_its_time() -> None:
    e = eng()
    e.submit(R("G", BUY, 5, 100, tif=TIF.GTD, expire_ns=50), 0)
    assert e.on_time(49) == []
    out = e.on_time(50)
    assert [(r.exec_type, r.extra["ord_status"], r.extra["leaves_qty"]) for r in out] == [(ET.EXPIRED, "C", "0")]
    assert e.levels(BUY, 5) == [] and e.on_time(100) == []


def test_gtd_replaced_expiry_uses_the_new_time() -> None:
    e = eng()
    e.submit(R("G", BUY, 5, 100, tif=TIF.GTD, expire_ns=50), 0)
    assert isinstance(e.replace("G", R("H", BUY, 5, 100, tif=TIF.GTD, expire_ns=80), 10), list)
    assert e.on_time(60) == []
    assert [r.cl_ord_id for r in e.on_time(80)] == ["H"]


def test_day_orders_are_done_for_day_at_close_gtc_survive() -> None:  # A.1.b
    e = eng()
    e.submit(R("D", BUY, 10000, 100), 0)
    e.submit(R("S", SELL, 3000, 100, owner="B"), 1)
    e.submit(R("G", BUY, 5, 99, tif=TIF.GTC), 1)
    out = e.set_phase(Phase.CLOSED, 2)
    assert [(r.exec_type, r.cl_ord_id, r.extra["ord_status"], r.extra["cum_qty"], r.extra["leaves_qty"])
            for r in out] == [(ET.DONE_FOR_DAY, "D", "3", "3000", "0")]
    assert e.levels(BUY, 5) == [(99, 5)]
    rej = e.cancel("A", "C", "D", 3)
    assert isinstance(rej, CancelReject)
    assert isinstance(e.cancel("A", "C2", "G", 3), list)


def test_ecn_rejects_auction_time_in_force_with_reason_11() -> None:
    e = eng()
    out = e.submit(R("O", BUY, 1, 100, tif=TIF.AT_THE_OPENING), 0)
    assert out[0].reject_reason is OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC
