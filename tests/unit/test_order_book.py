"""A client session's orders: duplicates and PossResend (R13), unknown orders (R10, R14)."""

from __future__ import annotations

from decimal import Decimal

from oms_fix.domain import (
    NONE_ORDER_ID,
    CancelOrder,
    CancelRejectReport,
    ClientOrderBook,
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    NewOrder,
    OrdRejReason,
    OrdStatus,
    ReplaceOrder,
    Report,
    Side,
    unknown_order_cancel_reject,
    unknown_order_status,
)


def _new(cl: str, qty: int = 100, *, poss_resend: bool = False) -> NewOrder:
    return NewOrder(cl_ord_id=cl, symbol="AAPL", side=Side.BUY, order_qty=qty, price=Decimal(10),
                    poss_resend=poss_resend)


def _book_with_x() -> ClientOrderBook:
    book = ClientOrderBook()
    order = book.submit(_new("X"), order_id="O1", now=1).order
    assert order is not None
    order.accept(now=2)
    return book


def test_a_new_order_is_pending_until_accepted() -> None:
    sub = ClientOrderBook().submit(_new("X"), order_id="O1", now=1)
    assert sub.order is not None and sub.replies == ()
    assert sub.order.ord_status is OrdStatus.PENDING_NEW


def test_duplicate_without_poss_resend_is_rejected_with_the_existing_orders_state() -> None:
    book = _book_with_x()
    order = book.get("X")
    assert order is not None
    order.fill(fill_id="v1", qty=40, px=Decimal(10), now=3)
    sub = book.submit(_new("X", 999), order_id="O2", now=4)
    assert sub.order is None
    [rej] = sub.replies
    assert isinstance(rej, Report)
    assert (rej.exec_type, rej.ord_rej_reason, rej.ord_status) == (ExecType.REJECTED, OrdRejReason.DUPLICATE_ORDER,
                                                                    OrdStatus.PARTIALLY_FILLED)
    assert (rej.order_id, rej.order_qty, rej.cum_qty, rej.leaves_qty) == ("O1", 100, 40, 60)
    assert order.ord_status is OrdStatus.PARTIALLY_FILLED and order.leaves_qty == 60  # untouched


def test_poss_resend_of_a_known_id_is_a_status_reply_and_of_a_new_id_a_new_order() -> None:
    book = _book_with_x()
    [status] = book.submit(_new("X", poss_resend=True), order_id="O2", now=3).replies
    assert isinstance(status, Report) and status.exec_type is ExecType.ORDER_STATUS
    assert book.submit(_new("Y", poss_resend=True), order_id="O2", now=4).order is not None


def test_a_request_id_is_consumed_so_a_new_order_reusing_it_is_a_duplicate() -> None:
    book = _book_with_x()
    book.replace(ReplaceOrder(cl_ord_id="Y", orig_cl_ord_id="X", order_qty=50), now=3)
    order = book.get("X")
    assert order is not None
    order.reject_request("Y", reason=CxlRejReason.BROKER_OPTION, now=4)
    [rej] = book.submit(_new("Y"), order_id="O2", now=5).replies
    assert isinstance(rej, Report) and rej.ord_rej_reason is OrdRejReason.DUPLICATE_ORDER
    assert rej.cl_ord_id == "Y" and rej.order_id == "O1"


def test_cancel_for_an_unknown_order_r10() -> None:
    book = ClientOrderBook()
    [rej] = book.cancel(CancelOrder(cl_ord_id="Y", orig_cl_ord_id="X"), now=1)
    assert rej == unknown_order_cancel_reject("Y", "X", CxlRejResponseTo.ORDER_CANCEL_REQUEST, now=1)
    assert (rej.order_id, rej.ord_status, rej.reason) == (NONE_ORDER_ID, OrdStatus.REJECTED,
                                                          CxlRejReason.UNKNOWN_ORDER)
    [rej] = book.replace(ReplaceOrder(cl_ord_id="Z", orig_cl_ord_id="X", order_qty=5), now=2)
    assert isinstance(rej, CancelRejectReport)
    assert rej.response_to is CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST
    # Neither X nor the requests' ids were consumed.
    for cl in ("X", "Y", "Z"):
        assert book.submit(_new(cl), order_id=f"N{cl}", now=3).order is not None


def test_a_request_reusing_another_orders_id_is_refused_with_reason_6() -> None:
    book = _book_with_x()
    book.submit(_new("A"), order_id="O2", now=3)
    [rej] = book.cancel(CancelOrder(cl_ord_id="A", orig_cl_ord_id="X"), now=4)
    assert isinstance(rej, CancelRejectReport)
    assert (rej.reason, rej.order_id, rej.orig_cl_ord_id, rej.ord_status) == (
        CxlRejReason.DUPLICATE_CL_ORD_ID, "O1", "X", OrdStatus.NEW)


def test_a_request_reusing_its_own_orders_id_is_refused_with_reason_6() -> None:
    book = _book_with_x()
    [rej] = book.cancel(CancelOrder(cl_ord_id="X", orig_cl_ord_id="X"), now=3)
    assert isinstance(rej, CancelRejectReport) and rej.reason is CxlRejReason.DUPLICATE_CL_ORD_ID


def test_status_of_an_unknown_order_r14() -> None:
    [rep] = ClientOrderBook().status("Q", now=7, symbol="MSFT", side=Side.SELL)
    assert rep == unknown_order_status("Q", now=7, symbol="MSFT", side=Side.SELL)
    assert isinstance(rep, Report)
    assert (rep.exec_type, rep.ord_status, rep.ord_rej_reason, rep.exec_id) == (
        ExecType.ORDER_STATUS, OrdStatus.REJECTED, OrdRejReason.UNKNOWN_ORDER, "0")
    assert (rep.order_qty, rep.cum_qty, rep.leaves_qty, rep.symbol) == (0, 0, 0, "MSFT")
