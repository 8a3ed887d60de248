"""The engine's phases: call books, the opening and closing uncross, ATO/ATC, halts."""

from __future__ import annotations

from typing import Any

from sim_venues.auction import Uncross
from sim_venues.matching import Engine
from sim_venues.orders import (
    ExecType as ET,
    Liquidity,
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


def fills(reports: list[Report]) -> list[tuple[str, int, int]]:
    return [(r.cl_ord_id, r.last_qty, r.last_px) for r in reports if r.exec_type is ET.TRADE]


def exch(phase: Phase = Phase.PRE_OPEN, **kw: Any) -> Engine:
    return Engine("XYZ", venue="EXCH", phase=phase, auctions=True, **kw)


def test_pre_open_collects_a_crossed_call_book_without_matching() -> None:
    e = exch()
    assert [r.exec_type for r in e.submit(R("B", BUY, 10, 102), 0)] == [ET.NEW]
    assert [r.exec_type for r in e.submit(R("S", SELL, 10, 100), 0)] == [ET.NEW]
    assert e.levels(BUY, 5) == [(102, 10)] and e.levels(SELL, 5) == [(100, 10)]
    assert e.drain_trades() == []
    assert e.indicative() == Uncross(100, 10, 0)  # 100..102 tie: no reference, so the lower price


def test_opening_uncross_price_volume_and_price_time_allocation() -> None:
    e = exch(tick_reference=100)
    e.submit(R("B1", BUY, 5, 101, owner="X"), 0)
    e.submit(R("B2", BUY, 5, 101, owner="Y"), 1)
    e.submit(R("B3", BUY, 5, 99), 2)
    e.submit(R("BM", BUY, 2), 3)  # market first in the allocation
    e.submit(R("S1", SELL, 8, 100, owner="Z"), 4)
    e.submit(R("S2", SELL, 6, 102), 5)
    # at 100: demand 2+10=12, supply 8 -> 8; at 101: 12 vs 8 -> 8, at 99: 17 vs 0. imbalance 4 both: nearest ref 100
    assert e.indicative() == Uncross(100, 8, 4)
    assert e.set_phase(Phase.OPENING_AUCTION, 6) == []
    assert e.submit(R("late", BUY, 1, 100), 6)[0].reject_reason is OrdRejReason.TOO_LATE_TO_ENTER
    out = e.set_phase(Phase.CONTINUOUS, 7)
    assert fills(out) == [("BM", 2, 100), ("S1", 2, 100), ("B1", 5, 100), ("S1", 5, 100), ("B2", 1, 100), ("S1", 1, 100)]
    assert {r.liquidity for r in out if r.exec_type is ET.TRADE} == {Liquidity.AUCTION}
    assert out[2].contra_owner == "Z" and out[3].contra_owner == "X"
    assert e.drain_trades() == [Trade(100, 2, None, 7), Trade(100, 5, None, 7), Trade(100, 1, None, 7)]
    assert e.levels(BUY, 5) == [(101, 4), (99, 5)] and e.levels(SELL, 5) == [(102, 6)]
    assert e.last_px == 100 and e.indicative() is None


def test_time_priority_survives_the_call_and_the_uncross() -> None:
    e = exch(phase=Phase.CONTINUOUS)
    e.submit(R("OLD", SELL, 5, 105), 0)
    e.set_phase(Phase.CLOSING_AUCTION, 1)
    e.submit(R("NEW", SELL, 5, 105), 2)
    e.set_phase(Phase.CLOSED, 3)  # nothing crosses; the GTC-less DAY orders end
    e2 = exch(phase=Phase.CONTINUOUS)
    e2.submit(R("OLD", SELL, 5, 105, tif=TIF.GTC), 0)
    e2.set_phase(Phase.HALTED, 1)
    e2.submit(R("NEW", SELL, 5, 105, tif=TIF.GTC), 2)
    e2.set_phase(Phase.CONTINUOUS, 3)
    out = e2.submit(R("B", BUY, 5, 105, owner="B"), 4)
    assert [r.cl_ord_id for r in out if r.liquidity is Liquidity.ADDED] == ["OLD"]


def test_ato_remainder_is_canceled_at_the_open_limit_remainder_rests() -> None:
    e = exch()
    e.submit(R("ATO", BUY, 10, 101, tif=TIF.AT_THE_OPENING), 0)
    e.submit(R("LIM", BUY, 10, 101), 1)
    e.submit(R("S", SELL, 4, 100), 2)
    out = e.set_phase(Phase.CONTINUOUS, 3)
    assert fills(out) == [("ATO", 4, 100), ("S", 4, 100)]  # 100 and 101 tie; no reference: the lower
    cancels = [(r.cl_ord_id, r.text, r.extra["cum_qty"]) for r in out if r.exec_type is ET.CANCELED]
    assert cancels == [("ATO", "at-the-opening order not filled in the opening auction", "4")]
    assert e.levels(BUY, 5) == [(101, 10)]


def test_market_order_remainder_is_canceled_after_the_uncross() -> None:
    e = exch(tick_reference=100)
    e.submit(R("M", BUY, 10), 0)
    e.submit(R("S", SELL, 4, 100), 0)
    out = e.set_phase(Phase.CONTINUOUS, 1)
    assert fills(out) == [("M", 4, 100), ("S", 4, 100)]
    assert [(r.cl_ord_id, r.order.status) for r in out if r.exec_type is ET.CANCELED] == [("M", OrdStatus.CANCELED)]


def test_market_orders_only_uncross_at_the_reference() -> None:
    e = exch(tick_reference=250)
    e.submit(R("MB", BUY, 3), 0)
    e.submit(R("MS", SELL, 5), 0)
    assert e.indicative() == Uncross(250, 3, -2)
    assert exch().indicative() is None


def test_ato_in_continuous_is_too_late_and_atc_is_parked_until_the_close() -> None:
    e = exch(phase=Phase.CONTINUOUS)
    assert e.submit(R("O", BUY, 1, 100, tif=TIF.AT_THE_OPENING), 0)[0].reject_reason is OrdRejReason.TOO_LATE_TO_ENTER
    out = e.submit(R("ATC", BUY, 10, 101, tif=TIF.AT_THE_CLOSE), 0)
    assert [r.exec_type for r in out] == [ET.NEW] and e.levels(BUY, 5) == []
    e.submit(R("S", SELL, 4, 100, tif=TIF.GTC, owner="B"), 1)  # would trade with a shown ATC: it is not matched
    assert e.drain_trades() == [] and e.levels(SELL, 5) == [(100, 4)]
    e.set_phase(Phase.CLOSING_AUCTION, 2)
    assert e.levels(BUY, 5) == [(101, 10)] and e.indicative() == Uncross(100, 4, 6)
    out = e.set_phase(Phase.CLOSED, 3)
    assert fills(out) == [("ATC", 4, 100), ("S", 4, 100)]
    atc = [r for r in out if r.cl_ord_id == "ATC" and r.exec_type is ET.CANCELED]
    assert [(r.text, r.extra["cum_qty"], r.extra["leaves_qty"]) for r in atc] == [
        ("at-the-close order not filled in the closing auction", "4", "0")]


def test_closing_auction_then_closed_done_for_day_for_day_orders() -> None:
    e = exch(phase=Phase.CONTINUOUS)
    e.submit(R("B", BUY, 10, 100), 0)
    e.submit(R("G", BUY, 5, 98, tif=TIF.GTC), 0)
    e.set_phase(Phase.CLOSING_AUCTION, 1)
    e.submit(R("S", SELL, 4, 99, owner="B"), 2)
    assert e.drain_trades() == []
    out = e.set_phase(Phase.CLOSED, 3)
    assert fills(out) == [("B", 4, 99), ("S", 4, 99)]  # 99 and 100 tie on volume and imbalance; no reference: lower
    assert [(r.exec_type, r.cl_ord_id) for r in out if r.exec_type is not ET.TRADE] == [(ET.DONE_FOR_DAY, "B")]
    assert e.levels(BUY, 5) == [(98, 5)]


def test_halt_then_resume_uncrosses_at_one_price() -> None:
    e = exch(phase=Phase.CONTINUOUS)
    e.submit(R("S1", SELL, 5, 101), 0)
    assert e.set_phase(Phase.HALTED, 1) == []
    e.submit(R("B1", BUY, 8, 103, owner="B"), 2)
    e.submit(R("S2", SELL, 5, 102), 3)
    assert e.drain_trades() == [] and e.levels(BUY, 5) == [(103, 8)]
    out = e.set_phase(Phase.CONTINUOUS, 4)
    # at 101: d 8 s 5; at 102: d 8 s 10 -> 8 with |imb| 2; at 103 the same 8/10: nearest ref (none) -> lower 102
    assert fills(out) == [("B1", 5, 102), ("S1", 5, 102), ("B1", 3, 102), ("S2", 3, 102)]
    assert e.levels(SELL, 5) == [(102, 2)] and e.levels(BUY, 5) == []
    out = e.submit(R("B2", BUY, 1, 102, owner="B"), 5)  # continuous again
    assert fills(out) == [("B2", 1, 102), ("S2", 1, 102)]


def test_cancel_and_replace_work_in_a_call_phase() -> None:
    e = exch()
    e.submit(R("B", BUY, 10, 100), 0)
    assert isinstance(e.cancel("A", "C", "B", 1), list)
    e.submit(R("B2", BUY, 10, 100), 2)
    out = e.replace("B2", R("B3", BUY, 10, 105), 3)
    assert isinstance(out, list) and [r.exec_type for r in out] == [ET.REPLACED]
    assert e.levels(BUY, 5) == [(105, 10)]


def test_iceberg_and_hidden_take_part_in_the_uncross_with_their_full_quantity() -> None:
    e = exch()
    e.submit(R("ICE", SELL, 20, 100, max_floor=5), 0)
    e.submit(R("H", SELL, 5, 100, hidden=True), 0)
    e.submit(R("B", BUY, 30, 100, owner="B"), 0)
    assert e.levels(SELL, 5) == [(100, 5)]
    assert e.indicative() == Uncross(100, 25, 5)
    out = e.set_phase(Phase.CONTINUOUS, 1)
    assert fills(out) == [("B", 20, 100), ("ICE", 20, 100), ("B", 5, 100), ("H", 5, 100)]


def test_ioc_is_refused_during_a_call() -> None:
    e = exch(phase=Phase.HALTED)
    out = e.submit(R("I", BUY, 1, 100, tif=TIF.IOC), 0)
    assert out[0].exec_type is ET.REJECTED


def test_stops_trigger_on_the_opening_price() -> None:
    e = exch()
    e.submit(R("ST", BUY, 2, None, ord_type=OrdType.STOP, stop_px=100), 0)
    e.submit(R("B", BUY, 5, 100, owner="B"), 0)
    e.submit(R("S", SELL, 8, 100, owner="C"), 0)
    out = e.set_phase(Phase.CONTINUOUS, 1)
    st = [r.exec_type for r in out if r.cl_ord_id == "ST"]
    assert st == [ET.TRIGGERED, ET.TRADE]
