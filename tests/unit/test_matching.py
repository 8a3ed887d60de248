"""The lit engine's core: limit/market/IOC/FOK, cancel, replace, duplicates (Appendix D rules)."""

from __future__ import annotations

from typing import Any

from sim_venues.matching import Engine
from sim_venues.orders import (
    CancelReject,
    CxlRejReason,
    ExecType as ET,
    Liquidity,
    OrderRequest,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Phase,
    Report,
    Side,
    TimeInForce as TIF,
    Trade,
)

from engine_requests import BUY, SELL, R  # noqa: E402 (pytest puts tests/unit on the path)


def steps(reports: list[Report]) -> list[tuple[str, str, str, str, str]]:
    """(ExecType, ClOrdID, OrdStatus, CumQty, LeavesQty) as the gateway would send them."""
    return [(r.exec_type.name, r.cl_ord_id, r.extra["ord_status"], r.extra["cum_qty"], r.extra["leaves_qty"])
            for r in reports]


def eng(**kw: Any) -> Engine:
    return Engine("XYZ", venue="EXCH", **kw)


# -- limit and market ---------------------------------------------------------------

def test_limit_order_rests_and_is_acknowledged_new() -> None:
    e = eng()
    out = e.submit(R("X", BUY, 10, 100), now=5)
    assert steps(out) == [("NEW", "X", "0", "0", "10")]
    o = out[0].order
    assert o.order_id == "EXCH-1" and o.accepted_ns == 5 and o.price == 100
    assert e.levels(BUY, 5) == [(100, 10)]


def test_order_ids_are_unique_and_prefixed_by_the_venue() -> None:
    e = eng()
    ids = {e.submit(R(f"C{i}", BUY, 1, 90 + i), 0)[0].order.order_id for i in range(5)}
    assert ids == {f"EXCH-{i}" for i in range(1, 6)}


def test_crossing_limit_trades_at_the_maker_price_with_liquidity_flags() -> None:
    e = eng()
    e.submit(R("S", SELL, 5, 100, owner="M"), 0)
    out = e.submit(R("B", BUY, 8, 102, owner="T"), 1)
    assert steps(out) == [("NEW", "B", "0", "0", "8"), ("TRADE", "B", "1", "5", "3"), ("TRADE", "S", "2", "5", "0")]
    taker, maker = out[1], out[2]
    assert (taker.last_qty, taker.last_px, taker.liquidity, taker.contra_owner) == (5, 100, Liquidity.REMOVED, "M")
    assert (maker.last_qty, maker.last_px, maker.liquidity, maker.contra_owner) == (5, 100, Liquidity.ADDED, "T")
    assert e.drain_trades() == [Trade(100, 5, BUY, 1)]
    assert e.drain_trades() == []
    assert e.levels(BUY, 5) == [(102, 3)] and e.levels(SELL, 5) == []
    assert out[1].extra["avg_px_num"] == "500"


def test_market_order_sweeps_levels_and_cancels_the_rest() -> None:
    e = eng()
    e.submit(R("S1", SELL, 3, 100), 0)
    e.submit(R("S2", SELL, 3, 101), 0)
    out = e.submit(R("M", BUY, 10), 1)
    assert [s for s in steps(out) if s[1] == "M"] == [
        ("NEW", "M", "0", "0", "10"), ("TRADE", "M", "1", "3", "7"), ("TRADE", "M", "1", "6", "4"),
        ("CANCELED", "M", "4", "6", "0")]
    assert out[-1].order.status is OrdStatus.CANCELED and out[-1].order.cum_qty == 6
    assert e.levels(BUY, 5) == [] and e.levels(SELL, 5) == []


def test_market_order_into_an_empty_book_is_cancelled_never_rests() -> None:
    e = eng()
    assert steps(e.submit(R("M", SELL, 4), 0)) == [("NEW", "M", "0", "0", "4"), ("CANCELED", "M", "4", "0", "0")]
    assert e.levels(SELL, 5) == []


def test_never_trades_through_the_limit() -> None:
    e = eng()
    e.submit(R("S1", SELL, 3, 100), 0)
    e.submit(R("S2", SELL, 3, 103), 0)
    out = e.submit(R("B", BUY, 10, 101), 1)
    assert [r.last_px for r in out if r.exec_type is ET.TRADE] == [100, 100]
    assert e.levels(BUY, 5) == [(101, 7)] and e.levels(SELL, 5) == [(103, 3)]


# -- IOC and FOK (I.1.a, I.1.b) ----------------------------------------------------

def test_ioc_partial_fill_then_canceled_with_cum_qty_kept() -> None:
    e = eng()
    e.submit(R("S", SELL, 1000, 100), 0)
    out = e.submit(R("X", BUY, 10000, 100, tif=TIF.IOC), 1)
    assert [s for s in steps(out) if s[1] == "X"] == [
        ("NEW", "X", "0", "0", "10000"), ("TRADE", "X", "1", "1000", "9000"), ("CANCELED", "X", "4", "1000", "0")]


def test_fok_that_cannot_fill_in_full_is_new_then_canceled_and_trades_nothing() -> None:
    e = eng()
    e.submit(R("S", SELL, 5, 100), 0)
    out = e.submit(R("X", BUY, 10, 100, tif=TIF.FOK), 1)
    assert steps(out) == [("NEW", "X", "0", "0", "10"), ("CANCELED", "X", "4", "0", "0")]
    assert e.levels(SELL, 5) == [(100, 5)] and e.drain_trades() == []


def test_fok_counts_several_levels_and_hidden_quantity_within_its_limit() -> None:
    e = eng()
    e.submit(R("S1", SELL, 4, 100), 0)
    e.submit(R("S2", SELL, 3, 101, hidden=True), 0)
    e.submit(R("S3", SELL, 3, 102), 0)
    out = e.submit(R("X", BUY, 7, 101, tif=TIF.FOK), 1)
    assert out[-1].exec_type is ET.TRADE and out[-1].order.status is OrdStatus.FILLED
    assert out[0].order.cum_qty == 7
    assert e.levels(SELL, 5) == [(102, 3)]


# -- cancel (B.1.f, R10, R19) -----------------------------------------------------

def test_cancel_of_a_resting_order() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    out = e.cancel("A", "Y", "X", 1)
    assert isinstance(out, list) and steps(out) == [("CANCELED", "Y", "4", "0", "0")]
    assert out[0].orig_cl_ord_id == "X" and out[0].order.cl_ord_id == "Y"
    assert e.levels(BUY, 5) == []
    assert e.find("A", "X") is out[0].order and e.find("A", "Y") is out[0].order


def test_cancel_of_an_unknown_order_is_rejected_unknown_order() -> None:
    e = eng()
    rej = e.cancel("A", "Y", "NOPE", 0)
    assert isinstance(rej, CancelReject)
    assert (rej.reason, rej.order, rej.cl_ord_id, rej.orig_cl_ord_id, rej.is_replace) == (
        CxlRejReason.UNKNOWN_ORDER, None, "Y", "NOPE", False)
    # R10: the unknown id is not consumed, it may still arrive as an order
    assert e.submit(R("NOPE", BUY, 1, 100), 1)[0].exec_type is ET.NEW


def test_cancel_is_scoped_to_the_owner() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100, owner="A"), 0)
    rej = e.cancel("B", "Y", "X", 1)
    assert isinstance(rej, CancelReject) and rej.reason is CxlRejReason.UNKNOWN_ORDER


def test_cancel_after_fill_is_too_late_with_the_order() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    e.submit(R("S", SELL, 10, 100, owner="B"), 1)
    rej = e.cancel("A", "Y", "X", 2)
    assert isinstance(rej, CancelReject)
    assert rej.reason is CxlRejReason.TOO_LATE_TO_CANCEL and rej.order is not None
    assert rej.order.status is OrdStatus.FILLED and rej.orig_cl_ord_id == "X"


def test_cancel_with_a_clordid_in_use_is_duplicate() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    e.submit(R("Z", BUY, 10, 99), 0)
    rej = e.cancel("A", "Z", "X", 1)
    assert isinstance(rej, CancelReject) and rej.reason is CxlRejReason.DUPLICATE_CL_ORD_ID
    assert e.levels(BUY, 5) == [(100, 10), (99, 10)]


def test_cancel_by_an_earlier_clordid_of_the_chain_reports_the_last_accepted_one() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    assert isinstance(e.replace("X", R("Y", BUY, 8, 100), 1), list)
    out = e.cancel("A", "Z", "X", 2)
    assert isinstance(out, list) and (out[0].cl_ord_id, out[0].orig_cl_ord_id) == ("Z", "Y")


def test_mass_cancel_cancels_one_side_of_one_owner() -> None:
    e = eng()
    e.submit(R("B1", BUY, 1, 99), 0)
    e.submit(R("B2", BUY, 1, 98), 0)
    e.submit(R("S1", SELL, 1, 101), 0)
    e.submit(R("O1", BUY, 1, 97, owner="B"), 0)
    out = e.mass_cancel("A", BUY, 1)
    assert [(r.exec_type, r.cl_ord_id, r.text) for r in out] == [(ET.CANCELED, "B1", "mass cancel"),
                                                                  (ET.CANCELED, "B2", "mass cancel")]
    assert e.levels(BUY, 5) == [(97, 1)] and e.levels(SELL, 5) == [(101, 1)]
    assert [r.cl_ord_id for r in e.mass_cancel("A", None, 2)] == ["S1"]


# -- replace (C.*, R7, R8) -------------------------------------------------------

def test_replace_reduction_at_the_same_price_keeps_priority() -> None:
    e = eng()
    e.submit(R("X", SELL, 10, 100), 0)
    e.submit(R("Q", SELL, 10, 100), 0)
    out = e.replace("X", R("Y", SELL, 6, 100), 1)
    assert isinstance(out, list) and steps(out) == [("REPLACED", "Y", "0", "0", "6")]
    assert out[0].orig_cl_ord_id == "X" and out[0].extra["order_qty"] == "6"
    fills = e.submit(R("B", BUY, 6, 100, owner="B"), 2)
    assert [r.cl_ord_id for r in fills if r.liquidity is Liquidity.ADDED] == ["Y"]


def test_replace_increase_loses_priority() -> None:
    e = eng()
    e.submit(R("X", SELL, 10, 100), 0)
    e.submit(R("Q", SELL, 10, 100), 0)
    e.replace("X", R("Y", SELL, 12, 100), 1)
    fills = e.submit(R("B", BUY, 6, 100, owner="B"), 2)
    assert [r.cl_ord_id for r in fills if r.liquidity is Liquidity.ADDED] == ["Q"]


def test_replace_to_a_crossing_price_trades_after_the_replaced_report() -> None:
    e = eng()
    e.submit(R("S", SELL, 5, 101, owner="B"), 0)
    e.submit(R("X", BUY, 10, 99), 0)
    out = e.replace("X", R("Y", BUY, 10, 101), 1)
    assert isinstance(out, list)
    assert steps(out) == [("REPLACED", "Y", "0", "0", "10"), ("TRADE", "Y", "1", "5", "5"), ("TRADE", "S", "2", "5", "0")]
    assert out[1].orig_cl_ord_id is None and out[1].order.price == 101


def test_replace_down_to_cum_qty_is_filled_with_order_qty_cum_qty() -> None:  # C.3.b
    e = eng()
    e.submit(R("X", BUY, 10000, 100), 0)
    e.submit(R("S", SELL, 7000, 100, owner="B"), 1)
    out = e.replace("X", R("Y", BUY, 7000, 100), 2)
    assert isinstance(out, list) and steps(out) == [("REPLACED", "Y", "2", "7000", "0")]
    assert out[0].extra["order_qty"] == "7000" and e.levels(BUY, 5) == []


def test_replace_below_cum_qty_sets_order_qty_to_cum_qty() -> None:  # C.3.c, R7
    e = eng()
    e.submit(R("X", BUY, 10000, 100), 0)
    e.submit(R("S", SELL, 8000, 100, owner="B"), 1)
    out = e.replace("X", R("Y", BUY, 7000, 100), 2)
    assert isinstance(out, list) and steps(out) == [("REPLACED", "Y", "2", "8000", "0")]
    assert out[0].extra["order_qty"] == "8000" and out[0].order.request.qty == 8000


def test_price_change_on_a_filled_order_is_too_late() -> None:  # C.2.a, R8
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    e.submit(R("S", SELL, 10, 100, owner="B"), 1)
    rej = e.replace("X", R("Y", BUY, 10, 99), 2)
    assert isinstance(rej, CancelReject)
    assert rej.reason is CxlRejReason.TOO_LATE_TO_CANCEL and rej.is_replace and rej.orig_cl_ord_id == "X"


def test_quantity_increase_reopens_a_filled_order() -> None:  # C.1.c, R8
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    e.submit(R("S", SELL, 10, 100, owner="B"), 1)
    out = e.replace("X", R("Y", BUY, 15, 100), 2)
    assert isinstance(out, list) and steps(out) == [("REPLACED", "Y", "1", "10", "5")]
    assert e.levels(BUY, 5) == [(100, 5)]


def test_replace_of_an_unknown_order_and_side_change_are_rejected() -> None:
    e = eng()
    rej = e.replace("NOPE", R("Y", BUY, 1, 100), 0)
    assert isinstance(rej, CancelReject) and rej.reason is CxlRejReason.UNKNOWN_ORDER and rej.is_replace
    e.submit(R("X", BUY, 10, 100), 0)
    rej = e.replace("X", R("Y", SELL, 10, 100), 1)
    assert isinstance(rej, CancelReject) and rej.reason is CxlRejReason.OTHER and "side" in rej.text
    assert e.find("A", "X") is not None and e.find("A", "Y") is None


def test_replace_of_a_cancelled_order_is_too_late() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    e.cancel("A", "C", "X", 1)
    rej = e.replace("C", R("Y", BUY, 5, 100), 2)
    assert isinstance(rej, CancelReject) and rej.reason is CxlRejReason.TOO_LATE_TO_CANCEL


# -- duplicates and validation (F.1.a, R13) -------------------------------------------

def test_duplicate_clordid_of_a_live_order_is_rejected_with_the_existing_status() -> None:
    e = eng()
    e.submit(R("X", BUY, 10000, 100), 0)
    e.submit(R("S", SELL, 1000, 100, owner="B"), 1)
    out = e.submit(R("X", BUY, 15000, 100), 2)
    assert steps(out) == [("REJECTED", "X", "1", "1000", "9000")]
    assert out[0].reject_reason is OrdRejReason.DUPLICATE_ORDER and out[0].extra["order_qty"] == "10000"
    assert out[0].order.status is OrdStatus.PARTIALLY_FILLED and e.levels(BUY, 5) == [(100, 9000)]


def test_a_clordid_of_a_done_order_may_be_used_again() -> None:
    e = eng()
    e.submit(R("X", BUY, 10, 100), 0)
    e.cancel("A", "C", "X", 1)
    assert e.submit(R("X", BUY, 10, 100), 2)[0].exec_type is ET.NEW


def test_invalid_orders_are_rejected_naming_the_rule() -> None:
    e = eng()
    cases = [
        (R("a", BUY, 0, 100), OrdRejReason.INCORRECT_QUANTITY, "OrderQty"),
        (R("b", BUY, 5, None, ord_type=OrdType.LIMIT), OrdRejReason.OTHER, "Price"),
        (R("c", BUY, 5, None, ord_type=OrdType.STOP), OrdRejReason.OTHER, "StopPx"),
        (R("d", BUY, 5, 100, ord_type=OrdType.STOP_LIMIT), OrdRejReason.OTHER, "StopPx"),
        (R("e", BUY, 5, None, ord_type=OrdType.PEGGED), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "ExecInst"),
        (R("f", BUY, 5, 100, tif=TIF.GTD, expire_ns=10), OrdRejReason.OTHER, "GTD"),
        (R("g", BUY, 5, 100, min_qty=6), OrdRejReason.INCORRECT_QUANTITY, "MinQty"),
        (R("h", BUY, 5, 100, max_floor=6), OrdRejReason.INCORRECT_QUANTITY, "MaxFloor"),
        (R("i", BUY, 5, None, exec_inst="6"), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "post-only"),
        (R("j", BUY, 5, 100, tif=TIF.AT_THE_OPENING), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "auctions"),
        (R("k", BUY, 5, 100, tif=TIF.AT_THE_CLOSE), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "auctions"),
        (OrderRequest("A", "l", "OTHER", BUY, 5, price=100), OrdRejReason.UNKNOWN_SYMBOL, "symbol"),
    ]
    for req, reason, word in cases:
        out = e.submit(req, 10)
        assert len(out) == 1 and out[0].exec_type is ET.REJECTED, req.cl_ord_id
        assert out[0].reject_reason is reason and word in out[0].text, (req.cl_ord_id, out[0].text)
        assert out[0].order.status is OrdStatus.REJECTED and out[0].extra["leaves_qty"] == "0"
    assert e.levels(BUY, 5) == []


def test_closed_and_opening_auction_reject_new_orders() -> None:
    e = eng(phase=Phase.CLOSED, auctions=True)
    out = e.submit(R("X", BUY, 1, 100), 0)
    assert out[0].reject_reason is OrdRejReason.EXCHANGE_CLOSED
    e = eng(phase=Phase.OPENING_AUCTION, auctions=True)
    out = e.submit(R("X", BUY, 1, 100), 0)
    assert out[0].reject_reason is OrdRejReason.TOO_LATE_TO_ENTER and out[0].text == "opening auction in progress"


def test_engine_is_deterministic() -> None:
    def run() -> list[tuple[str, ...]]:
        e = eng()
        out: list[Report] = []
        for i in range(30):
            side = BUY if i % 3 else SELL
            out += e.submit(R(f"C{i}", side, 1 + i % 7, 95 + (i * 7) % 11, owner="AB"[i % 2]), i)
        return [(r.exec_type.value, r.order.order_id, r.cl_ord_id, *sorted(r.extra.values())) for r in out]

    assert run() == run()
