"""Order events beyond the matrices: where the spec is silent, the choices order.py documents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms_fix.domain import (
    CancelOrder,
    CancelRejectReport,
    CxlRejReason,
    CxlRejResponseTo,
    ExecRestatementReason,
    ExecType,
    InvalidTransition,
    NewOrder,
    OrdRejReason,
    OrdStatus,
    Order,
    Phase,
    ReplaceOrder,
    Report,
    Side,
    TimeInForce,
)

PX = Decimal("10.5")


def _order(qty: int = 100, tif: TimeInForce = TimeInForce.DAY, accept: bool = True) -> Order:
    order = Order(NewOrder(cl_ord_id="X", symbol="AAPL", side=Side.BUY, order_qty=qty, price=PX,
                           time_in_force=tif), order_id="O1")
    if accept:
        order.accept(now=1)
    return order


def _report(outs: list) -> Report:  # type: ignore[type-arg]
    [out] = outs
    assert isinstance(out, Report)
    return out


def test_a_request_acked_at_once() -> None:
    order = _order()
    rep = _report(order.request_cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=5))
    assert (rep.exec_type, rep.ord_status, rep.cl_ord_id, rep.orig_cl_ord_id, rep.transact_time) == (
        ExecType.PENDING_CANCEL, OrdStatus.PENDING_CANCEL, "Y", "X", 5)


def test_the_order_ending_answers_each_outstanding_request_after_its_own_report() -> None:
    order = _order()
    order.request_cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=2)
    order.request_replace(ReplaceOrder(cl_ord_id="Z", orig_cl_ord_id="X", order_qty=50), now=3)
    canceled, rej = order.confirm_cancel("Y", now=4)
    assert isinstance(canceled, Report) and canceled.exec_type is ExecType.CANCELED
    assert canceled.ord_status is OrdStatus.CANCELED  # Z is no longer pending by then (R2)
    assert isinstance(rej, CancelRejectReport)
    assert (rej.cl_ord_id, rej.orig_cl_ord_id, rej.ord_status, rej.reason, rej.response_to) == (
        "Z", "X", OrdStatus.CANCELED, CxlRejReason.TOO_LATE_TO_CANCEL, CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST)
    assert order.requests == {} and order.cl_ord_id == "X"


@pytest.mark.parametrize("end", ["expire", "cancel", "reject"])
def test_expire_kill_and_reject_also_answer_outstanding_requests(end: str) -> None:
    order = _order()
    order.request_cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=2)
    if end == "reject":
        outs = order.reject(reason=OrdRejReason.BROKER_OPTION, now=3)
    else:
        outs = getattr(order, end)(now=3)
    assert [type(o) for o in outs] == [Report, CancelRejectReport]


def test_late_fill_on_an_expired_order_is_taken_and_reported() -> None:
    order = _order()
    order.expire(now=2)
    rep = _report(order.fill(fill_id="v1", qty=30, px=PX, now=3))
    assert (rep.exec_type, rep.ord_status, rep.cum_qty, rep.leaves_qty) == (ExecType.TRADE, OrdStatus.EXPIRED, 30, 0)


def test_an_overfill_is_taken_and_flagged() -> None:
    order = _order()
    order.fill(fill_id="v1", qty=100, px=PX, now=2)
    rep = _report(order.fill(fill_id="v2", qty=5, px=PX, now=3))
    assert (rep.ord_status, rep.cum_qty, rep.leaves_qty, rep.text) == (OrdStatus.FILLED, 105, 0, "overfill")


def test_a_repeated_fill_is_dropped() -> None:
    order = _order()
    assert order.fill(fill_id="v1", qty=10, px=PX, now=2)
    assert order.fill(fill_id="v1", qty=10, px=PX, now=3) == []
    assert order.cum_qty == 10


@pytest.mark.parametrize(("setup", "call"), [
    ("pending_new", lambda o: o.fill(fill_id="v", qty=1, px=PX, now=9)),
    ("filled", lambda o: o.confirm_cancel("Y", now=9)),
    ("filled", lambda o: o.reject(reason=OrdRejReason.BROKER_OPTION, now=9)),
    ("open", lambda o: o.new_day(now=9)),  # a day order has no next day
    ("open", lambda o: o.confirm_replace("Y", now=9)),  # Y is a cancel
    ("open", lambda o: o.ack_request("nope", now=9)),
    ("partial", lambda o: o.reject(reason=OrdRejReason.BROKER_OPTION, now=9)),  # executed: cancel instead
    ("partial", lambda o: o.bust(exec_ref_id="nope", now=9)),
])
def test_impossible_events_raise_and_change_nothing(setup: str, call) -> None:  # type: ignore[no-untyped-def]
    order = _order(accept=setup != "pending_new")
    if setup != "pending_new":
        order.request_cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=2)
    if setup in ("filled", "partial"):
        order.fill(fill_id="v1", qty=100 if setup == "filled" else 1, px=PX, now=3)
    before = (order.phase, order.cum_qty, order.order_qty, dict(order.requests), order.ord_status)
    with pytest.raises(InvalidTransition):
        call(order)
    assert (order.phase, order.cum_qty, order.order_qty, dict(order.requests), order.ord_status) == before


def test_a_bust_is_final_and_a_correction_names_the_latest_version() -> None:
    order = _order()
    first = _report(order.fill(fill_id="v1", qty=10, px=PX, now=2)).exec_id
    second = _report(order.correct(exec_ref_id=first, qty=8, px=PX, now=3))
    third = _report(order.correct(exec_ref_id=first, qty=6, px=PX, now=4))  # an older id finds the execution
    assert (second.exec_ref_id, third.exec_ref_id) == (first, second.exec_id)
    order.bust(exec_ref_id=third.exec_id, now=5)
    with pytest.raises(InvalidTransition):
        order.bust(exec_ref_id=third.exec_id, now=6)
    assert (order.cum_qty, order.avg_px, order.ord_status) == (0, Decimal(0), OrdStatus.NEW)


def test_requests_on_a_done_for_day_order_day_versus_gt() -> None:
    day = _order()
    day.done_for_day(now=2)
    [rej] = day.request_cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=3)
    assert isinstance(rej, CancelRejectReport) and rej.reason is CxlRejReason.TOO_LATE_TO_CANCEL
    assert rej.ord_status is OrdStatus.DONE_FOR_DAY
    gt = _order(tif=TimeInForce.GOOD_TILL_CANCEL)
    gt.done_for_day(now=2)
    assert gt.phase is Phase.OVERNIGHT and gt.leaves_qty == 100
    rep = _report(gt.request_cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=3))
    assert rep.ord_status is OrdStatus.PENDING_CANCEL  # 6 outranks 3


def test_single_refuses_a_second_request_even_before_the_first_is_acked() -> None:
    order = _order()
    assert order.request_replace(ReplaceOrder(cl_ord_id="Y", orig_cl_ord_id="X", order_qty=50), now=2,
                                 ack=False) == []
    [rej] = order.request_cancel(CancelOrder(cl_ord_id="Z", orig_cl_ord_id="Y"), now=3, single=True)
    assert isinstance(rej, CancelRejectReport)
    assert (rej.reason, rej.orig_cl_ord_id, rej.ord_status) == (CxlRejReason.ALREADY_PENDING, "X", OrdStatus.NEW)


def test_day_fields_on_the_second_day() -> None:
    order = _order(tif=TimeInForce.GOOD_TILL_DATE)
    day1 = _report(order.fill(fill_id="v1", qty=10, px=Decimal(10), now=2))
    assert (day1.day_order_qty, day1.day_cum_qty, day1.day_avg_px) == (None, None, None)
    assert order.new_day(now=3, report=False) == []
    order.fill(fill_id="v2", qty=10, px=Decimal(20), now=4)
    rep = _report(order.fill(fill_id="v3", qty=20, px=Decimal(11), now=5))
    assert (rep.day_order_qty, rep.day_cum_qty, rep.day_avg_px) == (90, 30, Decimal(14))
    assert rep.avg_px == Decimal("13")


def test_a_split_that_leaves_a_fraction_changes_nothing() -> None:
    order = _order(qty=101, tif=TimeInForce.GOOD_TILL_CANCEL)
    order.fill(fill_id="v1", qty=10, px=PX, now=2)
    with pytest.raises(ValueError):
        order.new_day(now=3, split=(1, 2))
    assert (order.order_qty, order.cum_qty, order.day) == (101, 10, 0)


def test_restating_below_cum_qty_stops_at_cum_qty() -> None:
    order = _order()
    order.fill(fill_id="v1", qty=30, px=PX, now=2)
    rep = _report(order.restate(order_qty=10, reason=ExecRestatementReason.PARTIAL_DECLINE, now=3))
    assert (rep.order_qty, rep.leaves_qty, rep.ord_status) == (30, 0, OrdStatus.FILLED)


def test_status_text_and_exec_id() -> None:
    order = _order()
    rep = _report(order.status(now=2))
    assert (rep.exec_id, rep.text) == ("0", "Nothing Done")
    order.fill(fill_id="v1", qty=1, px=PX, now=3)
    assert _report(order.status(now=4)).text is None


def test_exec_ids_are_unique_and_times_are_the_given_now() -> None:
    order = _order()
    reps = [_report(order.fill(fill_id=f"v{i}", qty=1, px=PX, now=10 + i)) for i in range(5)]
    assert len({r.exec_id for r in reps} | {"O1-1"}) == 6  # O1-1 was the New ack
    assert [r.transact_time for r in reps] == [10, 11, 12, 13, 14]
