"""Client requests that change no order: OrderMassStatusRequest (AF) and DontKnowTrade (Q). Sans-IO.

Mass status (FIX 4.4 Vol 4, "Order Mass Status Request"): "Execution Reports
with ExecType = Order Status are returned for all orders matching the criteria
provided on the request". Here the orders are the requesting session's working
ones (accepted, not ended, LeavesQty > 0, as mass cancel takes them), in
arrival order, narrowed by account, symbol and side when the request sets
them. Each is the order's own status reply (ExecType I, ExecID "0", R14), with
MassStatusReqID (584), TotNumReports (911) and LastRptRequested (912): Y on
the last, N before it.

Choice where 4.4 says nothing (it defines no acknowledgement of the request):
when no order matches, one ExecutionReport still answers, so the client
is never left waiting: ExecType I, OrdStatus 8 Rejected, OrderID "NONE",
OrdRejReason 5 (unknown order), no ClOrdID, zero quantities (the spec's own
answer to a status request that names no order, R14 / G.1.a), with
TotNumReports 0 and LastRptRequested Y. 0 and not 1: no order matched, and a
client counting orders by TotNumReports must not count this report as one.
Symbol and Side echo the request's; without them Symbol is "[N/A]" (the FIX
convention for "no instrument applies") and Side Buy, as G.1.a's reply does.

DontKnowTrade (FIX 4.4 Vol 4, "Don't Know Trade"): the client rejects an
execution it received. The spec asks for no answer, and an OMS cannot
un-trade: the DK is journaled (kind "dont_know") and raised to operations as
an ``OpsEvent`` (the runtime writes it to the session's event log), to be
settled with the client and, if the fill was wrong, with a bust or a
correction. When the session has no such order, or the order no such
execution (an ExecID of a trade, a correction or a bust of it), the client
also gets a BusinessMessageReject, BusinessRejectReason 1 (Unknown ID) naming
the ExecID: its DK reached no trade of ours, and it should know that nobody
will be looking into one. A DK of a known execution gets no message back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..domain.enums import ExecType, OrdRejReason, OrdStatus, Side
from ..domain.reports import NONE_ORDER_ID, STATUS_EXEC_ID, Outbound, Report
from ..domain.transitions import Phase
from .oms_journal import encode
from .oms_types import ClientDontKnow, ClientMassStatus, Journal, OpsEvent, OpsEventOut, ToClientBusinessReject

if TYPE_CHECKING:
    from .oms import Oms

__all__ = ["dont_know", "mass_status"]

_WORKING = frozenset({Phase.OPEN, Phase.OVERNIGHT})
_NO_SYMBOL = "[N/A]"
_UNKNOWN_ID = "1"  # BusinessRejectReason (380)


def mass_status(oms: Oms, cmd: ClientMassStatus, now: int) -> None:
    matches = [p.order for p in oms._parents.values()
               if p.session == cmd.session and p.order.phase in _WORKING and p.order.leaves_qty > 0
               and (not cmd.accounts or p.account in cmd.accounts)
               and (cmd.symbol is None or p.order.symbol == cmd.symbol)
               and (cmd.side is None or p.order.side is cmd.side)]
    n = len(matches)
    if not n:
        oms._send(cmd.session, [Report(
            order_id=NONE_ORDER_ID, exec_id=STATUS_EXEC_ID, exec_type=ExecType.ORDER_STATUS,
            ord_status=OrdStatus.REJECTED, cl_ord_id="", symbol=cmd.symbol or _NO_SYMBOL, side=cmd.side or Side.BUY,
            ord_rej_reason=OrdRejReason.UNKNOWN_ORDER, text="no working order matches the request",
            mass_status_req_id=cmd.mass_status_req_id, tot_num_reports=0, last_rpt_requested=True,
            transact_time=now)])
        return
    reports: list[Outbound] = []
    for i, o in enumerate(matches):
        (r,) = o.status(now=now)
        assert isinstance(r, Report)
        reports.append(replace(r, mass_status_req_id=cmd.mass_status_req_id, tot_num_reports=n,
                               last_rpt_requested=i == n - 1))
    oms._send(cmd.session, reports)


def dont_know(oms: Oms, cmd: ClientDontKnow, now: int) -> None:
    parent = oms._parents.get(cmd.order_id)
    if parent is not None and parent.session != cmd.session:
        parent = None  # another session's order is no business of this one
    ex = parent.order.executions.find(cmd.exec_id) if parent is not None else None
    said = f"DKReason {cmd.reason or '?'}" + (f", LastQty {cmd.last_qty}" if cmd.last_qty else "") + (
        f", LastPx {cmd.last_px}" if cmd.last_px is not None else "") + (f": {cmd.text}" if cmd.text else "")
    if parent is None:
        state = f"order {cmd.order_id!r} is not an order of {cmd.session}"
    elif ex is None:
        state = f"ExecID {cmd.exec_id!r} is not an execution of order {cmd.order_id}"
    elif not ex.live:
        state = f"the execution was busted already (ExecIDs {', '.join(ex.versions)})"
    else:
        state = f"the execution stands at {ex.qty} @ {ex.px} (latest ExecID {ex.exec_id})"
    event = OpsEvent(time=now, kind="dont_know", session=cmd.session, known=ex is not None,
                     account=parent.account if parent is not None else None, order_id=cmd.order_id,
                     exec_id=cmd.exec_id,
                     text=f"DontKnowTrade from {cmd.session} for order {cmd.order_id} ExecID {cmd.exec_id} ({said}); "
                          f"{state}")
    oms._journal.append(Journal(kind="dont_know", stream=parent.order_id if parent is not None else cmd.session,
                                body=encode(event)))
    oms._out.append(OpsEventOut(event=event))
    if ex is None:
        oms._out.append(ToClientBusinessReject(session=cmd.session, ref_msg_type="Q", ref_id=cmd.exec_id,
                                               reason=_UNKNOWN_ID, text=state))
