"""One client session's orders, found by any ClOrdID they have used.

ClOrdIDs are unique per client session, across orders and requests, so
duplicate and PossResend handling (R13), unknown-order answers (R10, R14) and
routing a request to its order need a view over all of a session's orders;
everything else is the order's (order.py).

Choices: the ClOrdID of every request reaching a known order is consumed,
rejected or not (a later NewOrderSingle reusing it is a duplicate); a
cancel/replace or status request for an unknown order consumes nothing, so its
OrigClOrdID may still arrive as a new order (B.1.f).
"""

from __future__ import annotations

from dataclasses import dataclass

from .commands import CancelOrder, NewOrder, ReplaceOrder
from .enums import CxlRejReason, CxlRejResponseTo, ExecType, OrdRejReason, OrdStatus, Side
from .order import Order
from .reports import NONE_ORDER_ID, STATUS_EXEC_ID, CancelRejectReport, Outbound, Report

__all__ = ["ClientOrderBook", "Submission", "unknown_order_cancel_reject", "unknown_order_status"]


@dataclass(frozen=True, slots=True)
class Submission:
    """A NewOrderSingle's outcome: a new order (pending new, nothing sent yet) or replies."""

    order: Order | None
    replies: tuple[Outbound, ...] = ()


def unknown_order_cancel_reject(cl_ord_id: str, orig_cl_ord_id: str, response_to: CxlRejResponseTo, *,
                                now: int) -> CancelRejectReport:
    """R10: CxlRejReason 1, OrdStatus 8, OrderID "NONE", OrigClOrdID as sent (B.1.f)."""
    return CancelRejectReport(order_id=NONE_ORDER_ID, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig_cl_ord_id,
                              ord_status=OrdStatus.REJECTED, response_to=response_to,
                              reason=CxlRejReason.UNKNOWN_ORDER, transact_time=now)


def unknown_order_status(cl_ord_id: str, *, now: int, symbol: str = "", side: Side = Side.BUY) -> Report:
    """R14: ExecType I, OrdStatus 8, zero quantities, OrdRejReason 5 (G.1.a); symbol and side
    echo the OrderStatusRequest."""
    return Report(order_id=NONE_ORDER_ID, exec_id=STATUS_EXEC_ID, exec_type=ExecType.ORDER_STATUS,
                  ord_status=OrdStatus.REJECTED, cl_ord_id=cl_ord_id, symbol=symbol, side=side,
                  ord_rej_reason=OrdRejReason.UNKNOWN_ORDER, transact_time=now)


class ClientOrderBook:
    __slots__ = ("_by_cl_ord_id",)

    def __init__(self) -> None:
        self._by_cl_ord_id: dict[str, Order] = {}

    def get(self, cl_ord_id: str) -> Order | None:
        return self._by_cl_ord_id.get(cl_ord_id)

    def submit(self, cmd: NewOrder, *, order_id: str, now: int) -> Submission:
        """R13: a known ClOrdID with PossResend=Y gets ExecType I, without it ExecType 8 /
        OrdRejReason 6 carrying the existing order's state; an unseen one makes a new order."""
        existing = self._by_cl_ord_id.get(cmd.cl_ord_id)
        if existing is not None:
            if cmd.poss_resend:
                return Submission(None, tuple(existing.status(now=now, asked_cl_ord_id=cmd.cl_ord_id)))
            return Submission(None, tuple(existing.duplicate(cmd.cl_ord_id, now=now)))
        order = Order(cmd, order_id=order_id)
        self._by_cl_ord_id[cmd.cl_ord_id] = order
        return Submission(order)

    def cancel(self, cmd: CancelOrder, *, now: int, ack: bool = True, single: bool = False) -> list[Outbound]:
        order = self._route(cmd.cl_ord_id, cmd.orig_cl_ord_id)
        if isinstance(order, CxlRejReason):
            return [self._refuse(order, cmd.cl_ord_id, cmd.orig_cl_ord_id, CxlRejResponseTo.ORDER_CANCEL_REQUEST,
                                 now)]
        self._by_cl_ord_id[cmd.cl_ord_id] = order
        return order.request_cancel(cmd, now=now, ack=ack, single=single)

    def replace(self, cmd: ReplaceOrder, *, now: int, ack: bool = True, single: bool = False) -> list[Outbound]:
        order = self._route(cmd.cl_ord_id, cmd.orig_cl_ord_id)
        if isinstance(order, CxlRejReason):
            return [self._refuse(order, cmd.cl_ord_id, cmd.orig_cl_ord_id,
                                 CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST, now)]
        self._by_cl_ord_id[cmd.cl_ord_id] = order
        return order.request_replace(cmd, now=now, ack=ack, single=single)

    def status(self, cl_ord_id: str, *, now: int, symbol: str = "", side: Side = Side.BUY) -> list[Outbound]:
        """R14: answered under the order's current ClOrdID (G.1.c step 17)."""
        order = self._by_cl_ord_id.get(cl_ord_id)
        if order is None:
            return [unknown_order_status(cl_ord_id, now=now, symbol=symbol, side=side)]
        return order.status(now=now, asked_cl_ord_id=cl_ord_id)

    def _route(self, cl_ord_id: str, orig_cl_ord_id: str) -> Order | CxlRejReason:
        order = self._by_cl_ord_id.get(orig_cl_ord_id)
        if order is None:
            return CxlRejReason.UNKNOWN_ORDER
        other = self._by_cl_ord_id.get(cl_ord_id)
        if other is not None and other is not order:
            return CxlRejReason.DUPLICATE_CL_ORD_ID  # the order itself answers reuse of its own ids
        return order

    def _refuse(self, reason: CxlRejReason, cl_ord_id: str, orig_cl_ord_id: str, response_to: CxlRejResponseTo,
                now: int) -> CancelRejectReport:
        order = self._by_cl_ord_id.get(orig_cl_ord_id)
        if reason is CxlRejReason.UNKNOWN_ORDER or order is None:
            return unknown_order_cancel_reject(cl_ord_id, orig_cl_ord_id, response_to, now=now)
        return CancelRejectReport(order_id=order.order_id, cl_ord_id=cl_ord_id, orig_cl_ord_id=order.cl_ord_id,
                                  ord_status=order.ord_status, response_to=response_to, reason=reason,
                                  transact_time=now)
