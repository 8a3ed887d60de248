"""The midpoint engine's contract: the brief's named cases, then cancel/replace and the edges.

Executions are reported in half-ticks (px_denominator 2): a mid of 100 ticks is 200.
"""

from __future__ import annotations

from sim_venues.midpoint import MidpointEngine
from sim_venues.orders import (
    CancelReject,
    CxlRejReason,
    ExecType,
    Liquidity,
    Order,
    OrderRequest,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Phase,
    Report,
    Side,
    TimeInForce,
)

BUY, SELL = Side.BUY, Side.SELL
T = 1_700_000_000_000_000_000


def dark(bid: int | None = 99, ask: int | None = 101) -> MidpointEngine:
    eng = MidpointEngine("AAPL", venue="DARK", continuous=True)
    eng.set_reference(bid, ask, T)
    return eng


def req(cl: str, side: Side, qty: int, price: int | None = None, owner: str = "A", **kw: object) -> OrderRequest:
    ord_type = OrdType.MARKET if price is None else OrdType.LIMIT
    return OrderRequest(owner=owner, cl_ord_id=cl, symbol="AAPL", side=side, qty=qty,
                        ord_type=kw.pop("ord_type", ord_type), price=price, **kw)  # type: ignore[arg-type]


def ok(out: list[Report] | CancelReject) -> list[Report]:
    assert isinstance(out, list), out
    return out


def found(eng: MidpointEngine, owner: str, cl_ord_id: str) -> Order:
    order = eng.find(owner, cl_ord_id)
    assert order is not None
    return order


def kinds(reports: list[Report]) -> list[tuple[str, ExecType]]:
    return [(r.cl_ord_id, r.exec_type) for r in reports]


def trades(reports: list[Report]) -> list[tuple[str, int, int, Liquidity | None]]:
    return [(r.cl_ord_id, r.last_qty, r.last_px, r.liquidity) for r in reports if r.exec_type is ExecType.TRADE]


# -- the named cases -----------------------------------------------------------

def test_mid_cross_resting_is_maker_incoming_is_taker() -> None:
    eng = dark(99, 101)
    assert kinds(eng.submit(req("s1", SELL, 300), T)) == [("s1", ExecType.NEW)]
    reps = eng.submit(req("b1", BUY, 200, 101, owner="B"), T + 1)
    assert trades(reps) == [("s1", 200, 200, Liquidity.ADDED), ("b1", 200, 200, Liquidity.REMOVED)]
    assert reps[1].contra_owner == "B" and reps[2].contra_owner == "A"
    assert reps[2].extra == {"order_qty": "200", "cum_qty": "200", "leaves_qty": "0", "ord_status": "2",
                             "price": "101", "avg_px_num": "40000"}
    assert reps[1].extra["ord_status"] == "1" and reps[1].extra["leaves_qty"] == "100"
    [trade] = eng.drain_trades()
    assert (trade.price, trade.qty, trade.aggressor, trade.time_ns) == (200, 200, None, T + 1)
    assert eng.drain_trades() == [] and eng.levels(BUY, 5) == [] and eng.levels(SELL, 5) == []


def test_odd_spread_executes_at_the_half_tick() -> None:
    eng = dark(100, 101)
    eng.submit(req("s1", SELL, 100, 100), T)
    reps = eng.submit(req("b1", BUY, 100), T)
    assert trades(reps)[0][2] == 201  # 100.5 ticks
    assert eng.px_denominator == 2 and reps[-1].order.avg_px_ticks / eng.px_denominator == 100.5


def test_limit_outside_the_mid_blocks_until_the_mid_moves() -> None:
    eng = dark(99, 101)  # mid 100
    eng.submit(req("s1", SELL, 100, 101), T)  # sells only at mid >= 101
    assert trades(eng.submit(req("b1", BUY, 100, 99), T)) == []  # buys only at mid <= 99
    assert eng.set_reference(100, 102, T) == []  # mid 101: the buy's limit blocks
    reps = eng.set_reference(100, 101, T)  # mid 100.5: both limits block
    assert reps == []
    eng.replace("b1", req("b2", BUY, 100, 102), T)
    assert found(eng, "A", "b2").cum_qty == 0
    reps = eng.set_reference(101, 101 + 2, T)  # mid 102: the sell may, the buy (limit 102) may
    assert trades(reps) == [("s1", 100, 204, Liquidity.ADDED), ("b2", 100, 204, Liquidity.REMOVED)]


def test_min_qty_blocks_then_allows() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 1000, min_qty=500), T)
    assert trades(eng.submit(req("s1", SELL, 300), T)) == []  # 300 < the buy's MinQty
    reps = eng.submit(req("s2", SELL, 400), T)  # still alone below 500: no aggregation across sells
    assert trades(reps) == []
    reps = eng.submit(req("s3", SELL, 600, min_qty=600), T)
    assert trades(reps) == [("b1", 600, 200, Liquidity.ADDED), ("s3", 600, 200, Liquidity.REMOVED)]
    # 400 left on the buy, below its MinQty: it can never execute again (MinQty applies to every execution)
    assert trades(eng.submit(req("s4", SELL, 400), T)) == []
    assert found(eng, "A", "b1").leaves_qty == 400


def test_min_qty_on_the_resting_side_skips_it_for_a_later_order() -> None:
    eng = dark()
    eng.submit(req("s1", SELL, 500, min_qty=500), T)
    eng.submit(req("s2", SELL, 200), T)
    reps = eng.submit(req("b1", BUY, 300), T)
    assert trades(reps) == [("s2", 200, 200, Liquidity.ADDED), ("b1", 200, 200, Liquidity.REMOVED)]


def test_crossing_network_waits_for_the_cross() -> None:
    eng = MidpointEngine("AAPL", venue="XNET", continuous=False)
    eng.set_reference(99, 101, T)
    eng.submit(req("s1", SELL, 300), T)
    assert kinds(eng.submit(req("b1", BUY, 500, owner="B"), T)) == [("b1", ExecType.NEW)]
    assert eng.set_reference(98, 100, T) == []
    reps = eng.cross(T + 5)
    assert trades(reps) == [("s1", 300, 198, Liquidity.AUCTION), ("b1", 300, 198, Liquidity.AUCTION)]
    assert found(eng, "B", "b1").leaves_qty == 200
    assert eng.cross(T + 6) == []


def test_crossing_network_ioc_and_fok_are_for_the_next_cross_only() -> None:
    eng = MidpointEngine("AAPL", venue="XNET", continuous=False)
    eng.set_reference(99, 101, T)
    eng.submit(req("s1", SELL, 300), T)
    eng.submit(req("i1", BUY, 500, tif=TimeInForce.IOC), T)
    eng.submit(req("f1", BUY, 100, tif=TimeInForce.FOK), T)
    reps = eng.cross(T)
    assert kinds(reps) == [("s1", ExecType.TRADE), ("i1", ExecType.TRADE), ("i1", ExecType.CANCELED),
                           ("f1", ExecType.CANCELED)]
    assert reps[2].extra["cum_qty"] == "300" and reps[2].extra["leaves_qty"] == "0"


def test_fok_fills_in_full_or_is_killed() -> None:
    eng = dark()
    eng.submit(req("s1", SELL, 300), T)
    reps = eng.submit(req("f1", BUY, 400, tif=TimeInForce.FOK), T)
    assert kinds(reps) == [("f1", ExecType.NEW), ("f1", ExecType.CANCELED)]  # FIX 4.4 I.1.a
    assert reps[1].order.status is OrdStatus.CANCELED and reps[1].extra["cum_qty"] == "0"
    eng.submit(req("s2", SELL, 100), T)
    reps = eng.submit(req("f2", BUY, 400, tif=TimeInForce.FOK), T)
    assert kinds(reps) == [("f2", ExecType.NEW), ("s1", ExecType.TRADE), ("f2", ExecType.TRADE),
                           ("s2", ExecType.TRADE), ("f2", ExecType.TRADE)]
    assert reps[-1].order.status is OrdStatus.FILLED


def test_ioc_fills_what_it_can_and_the_rest_is_cancelled() -> None:
    eng = dark()
    eng.submit(req("s1", SELL, 300), T)
    reps = eng.submit(req("i1", BUY, 1000, tif=TimeInForce.IOC), T)
    assert kinds(reps) == [("i1", ExecType.NEW), ("s1", ExecType.TRADE), ("i1", ExecType.TRADE),
                           ("i1", ExecType.CANCELED)]  # FIX 4.4 I.1.b
    assert reps[-1].extra == {"order_qty": "1000", "cum_qty": "300", "leaves_qty": "0", "ord_status": "4",
                              "price": "", "avg_px_num": "60000"}


def test_no_reference_or_a_locked_one_means_orders_wait() -> None:
    eng = dark(None, None)
    eng.submit(req("s1", SELL, 100), T)
    assert trades(eng.submit(req("b1", BUY, 100), T)) == []
    assert eng.set_reference(100, 100, T) == [] and eng.mid is None  # locked
    assert eng.set_reference(101, 100, T) == [] and eng.mid is None  # crossed
    assert eng.set_reference(100, None, T) == []
    assert trades(eng.set_reference(99, 100, T)) == [("s1", 100, 199, Liquidity.ADDED),
                                                     ("b1", 100, 199, Liquidity.REMOVED)]


# -- cancel, replace, find -------------------------------------------------------

def test_cancel_and_the_cl_ord_id_chain() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 100, 90), T)
    [rep] = ok(eng.cancel("A", "c1", "b1", T))
    assert (rep.exec_type, rep.cl_ord_id, rep.orig_cl_ord_id) == (ExecType.CANCELED, "c1", "b1")
    assert rep.extra["ord_status"] == "4" and rep.extra["leaves_qty"] == "0"
    assert eng.find("A", "b1") is eng.find("A", "c1") is rep.order and rep.order.cl_ord_id == "c1"
    again = eng.cancel("A", "c2", "b1", T)
    assert isinstance(again, CancelReject) and again.reason is CxlRejReason.TOO_LATE_TO_CANCEL
    assert again.orig_cl_ord_id == "c1"  # R19: the last accepted ClOrdID


def test_cancel_of_an_unknown_order_or_another_owners() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 100, 90), T)
    for owner, orig in (("A", "nope"), ("B", "b1")):
        rej = eng.cancel(owner, "c1", orig, T)
        assert isinstance(rej, CancelReject)
        assert (rej.reason, rej.order, rej.orig_cl_ord_id, rej.is_replace) == (CxlRejReason.UNKNOWN_ORDER, None,
                                                                               orig, False)


def test_replace_chain_then_fill_under_the_new_cl_ord_id() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 100, 90), T)
    [rep] = ok(eng.replace("b1", req("b2", BUY, 200, 95), T))
    assert (rep.exec_type, rep.cl_ord_id, rep.orig_cl_ord_id, rep.extra["order_qty"]) == (
        ExecType.REPLACED, "b2", "b1", "200")
    reps = eng.replace("b1", req("b3", BUY, 200, 100), T)  # chained off an older ClOrdID: accepted, orig is b2
    assert isinstance(reps, list) and reps[0].orig_cl_ord_id == "b2"
    reps = eng.submit(req("s1", SELL, 50, owner="B"), T)
    assert trades(reps) == [("b3", 50, 200, Liquidity.ADDED), ("s1", 50, 200, Liquidity.REMOVED)]


def test_replace_down_to_or_below_cum_qty_is_filled_r7() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 1000), T)
    eng.submit(req("s1", SELL, 800, owner="B"), T)
    [rep] = ok(eng.replace("b1", req("b2", BUY, 700), T))
    assert rep.exec_type is ExecType.REPLACED and rep.order.status is OrdStatus.FILLED
    assert rep.extra == {"order_qty": "800", "cum_qty": "800", "leaves_qty": "0", "ord_status": "2",
                         "price": "", "avg_px_num": "160000"}  # FIX 4.4 C.3.c: OrderQty is CumQty, not 700


def test_replace_rejects() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 100, 90), T)
    eng.submit(req("x1", BUY, 100, 90), T)
    dup = eng.replace("b1", req("x1", BUY, 100, 90), T)
    assert isinstance(dup, CancelReject) and dup.reason is CxlRejReason.DUPLICATE_CL_ORD_ID and dup.is_replace
    side = eng.replace("b1", req("b2", SELL, 100, 90), T)
    assert isinstance(side, CancelReject) and "Side" in side.text
    tif = eng.replace("b1", req("b2", BUY, 100, 90, tif=TimeInForce.IOC), T)
    assert isinstance(tif, CancelReject) and "TimeInForce" in tif.text
    unknown = eng.replace("zz", req("b2", BUY, 100, 90), T)
    assert isinstance(unknown, CancelReject) and unknown.reason is CxlRejReason.UNKNOWN_ORDER
    assert eng.find("A", "b2") is None  # a refused request's ClOrdID is not consumed


def test_replace_up_loses_time_priority_down_keeps_it() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 100), T)
    eng.submit(req("b2", BUY, 100), T)
    eng.replace("b1", req("b1a", BUY, 200), T)  # bigger: to the back
    reps = eng.submit(req("s1", SELL, 100, owner="B"), T)
    assert trades(reps)[0][0] == "b2"
    eng.replace("b1a", req("b1b", BUY, 150), T)  # smaller: keeps its place (now first anyway)
    eng.submit(req("b3", BUY, 100), T)
    eng.replace("b1b", req("b1c", BUY, 120), T)
    assert trades(eng.submit(req("s2", SELL, 100, owner="B"), T))[0][0] == "b1c"


def test_duplicate_cl_ord_id_is_rejected_with_the_existing_orders_figures() -> None:
    eng = dark()
    eng.submit(req("b1", BUY, 10000), T)
    eng.submit(req("s1", SELL, 1000, owner="B"), T)
    [rep] = eng.submit(req("b1", BUY, 15000), T)  # FIX 4.4 F.1.a
    assert (rep.exec_type, rep.reject_reason) == (ExecType.REJECTED, OrdRejReason.DUPLICATE_ORDER)
    assert rep.extra == {"order_qty": "10000", "cum_qty": "1000", "leaves_qty": "9000", "ord_status": "1",
                         "price": "", "avg_px_num": "200000"}
    assert rep.order.status is OrdStatus.PARTIALLY_FILLED  # the live order is not affected
    assert kinds(eng.submit(req("b1", BUY, 5, owner="B"), T)) == [("b1", ExecType.NEW)]  # per owner
    ok(eng.cancel("A", "c1", "b1", T))
    [again] = eng.submit(req("b1", BUY, 7), T)  # a finished order's ClOrdID may be reused, as in matching.Engine
    assert again.exec_type is ExecType.NEW and found(eng, "A", "b1") is again.order
    dup = eng.cancel("A", "b1", "b1", T)
    assert isinstance(dup, CancelReject) and dup.reason is CxlRejReason.DUPLICATE_CL_ORD_ID


def test_unsupported_orders_are_rejected_naming_the_rule() -> None:
    eng = dark()
    cases = [
        (req("r1", BUY, 100, 100, ord_type=OrdType.STOP), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "stop"),
        (req("r2", BUY, 100, 100, tif=TimeInForce.AT_THE_CLOSE), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
         "AT_THE_CLOSE"),
        (req("r3", BUY, 100, ord_type=OrdType.PEGGED, exec_inst="P"), OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
         "ExecInst M"),
        (req("r4", BUY, 0), OrdRejReason.INCORRECT_QUANTITY, "OrderQty"),
        (req("r5", BUY, 100, min_qty=200), OrdRejReason.INCORRECT_QUANTITY, "MinQty"),
        (req("r6", BUY, 100, 100, tif=TimeInForce.GTD, expire_ns=T), OrdRejReason.OTHER, "ExpireTime"),
        (req("r7", BUY, 100, ord_type=OrdType.LIMIT), OrdRejReason.OTHER, "Price"),
    ]
    for r, reason, words in cases:
        [rep] = eng.submit(r, T)
        assert (rep.exec_type, rep.reject_reason, rep.order.status) == (ExecType.REJECTED, reason, OrdStatus.REJECTED)
        assert words in rep.text and rep.extra["leaves_qty"] == "0"
        assert eng.find("A", r.cl_ord_id) is None
    # hidden and MaxFloor are accepted and ignored; a midpoint peg is a market order capped by its price
    assert kinds(eng.submit(req("ok", BUY, 100, hidden=True, max_floor=10), T)) == [("ok", ExecType.NEW)]
    peg = req("peg", SELL, 100, 101, ord_type=OrdType.PEGGED, exec_inst="M")
    assert trades(eng.submit(peg, T)) == []  # mid 100 is below its cap of 101
    assert [t[0] for t in trades(eng.set_reference(101, 101 + 2, T))] == ["ok", "peg"]


def test_gtd_expires_day_orders_done_for_day_gtc_stays() -> None:
    eng = dark(None, None)
    eng.submit(req("gtd", BUY, 100, tif=TimeInForce.GTD, expire_ns=T + 10), T)
    eng.submit(req("day", BUY, 100), T)
    eng.submit(req("gtc", BUY, 100, tif=TimeInForce.GTC), T)
    assert eng.on_time(T + 9) == []
    [exp] = eng.on_time(T + 10)
    assert (exp.cl_ord_id, exp.exec_type, exp.extra["ord_status"]) == ("gtd", ExecType.EXPIRED, "C")
    [dfd] = eng.set_phase(Phase.CLOSED, T + 20)
    assert (dfd.cl_ord_id, dfd.exec_type, dfd.extra["ord_status"], dfd.extra["leaves_qty"]) == (
        "day", ExecType.DONE_FOR_DAY, "3", "0")
    assert found(eng, "A", "gtc").leaves_qty == 100
    [rej] = eng.submit(req("late", BUY, 100), T + 30)
    assert rej.reject_reason is OrdRejReason.EXCHANGE_CLOSED


def test_halt_holds_matching_until_continuous_again() -> None:
    eng = dark()
    eng.set_phase(Phase.HALTED, T)
    eng.submit(req("s1", SELL, 100), T)
    assert trades(eng.submit(req("b1", BUY, 100), T)) == []
    assert [t[0] for t in trades(eng.set_phase(Phase.CONTINUOUS, T))] == ["s1", "b1"]


def test_mass_cancel_by_owner_and_side() -> None:
    eng = dark(None, None)
    eng.submit(req("b1", BUY, 100), T)
    eng.submit(req("s1", SELL, 100), T)
    eng.submit(req("b2", BUY, 100, owner="B"), T)
    assert kinds(eng.mass_cancel("A", BUY, T)) == [("b1", ExecType.CANCELED)]
    assert kinds(eng.mass_cancel("A", None, T)) == [("s1", ExecType.CANCELED)]
    assert [o.cl_ord_id for o in eng.open_orders()] == ["b2"]


def test_order_ids_are_unique_per_engine() -> None:
    eng = dark(None, None)
    ids = [eng.submit(req(f"b{i}", BUY, 100), T)[0].order.order_id for i in range(3)]
    assert ids == ["DARK-1", "DARK-2", "DARK-3"]
