"""The REST API's side of the OMS runtime: orders in as core commands, reports out as JSON and events.

A REST user's orders are the core's orders of session ``REST/<user_id>``:
the same ``ClientNew``, ``ClientCancel`` and ``ClientReplace`` commands a FIX
session's messages become, journaled and risk-checked the same way, copied to
the drop copy. A cancel or change of an order entered over FIX goes to that
order's own session, so its FIX client sees the Pending Cancel and the Cancel
with the REST request's ClOrdID in ClOrdID (11) and its own in OrigClOrdID (41).

Every call is answered only after the journal holds what it caused (the
runtime's flush), so a 201 is as durable as an ExecutionReport.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from ..domain.commands import CancelOrder, ReplaceOrder
from ..domain.enums import ExecType, OrdStatus
from ..domain.reports import CancelRejectReport, Report
from ..engine import oms_types as t
from ..engine import oms_views
from ..engine.oms_children import Parent
from ..fix.message import Message
from ..fix.translate import Malformed, new_order_from_fix
from ..live.oms_app import OmsRuntime
from .errors import ApiError
from .report_log import ReportLog, fill_json
from .schemas import ModifyRequest, OrderCreate
from .stream import StreamHub
from .users import User
from .views import REST_PREFIX, algo_json, order_json
from .words import new_order_fields

__all__ = ["ApiService"]


def _ns(d: datetime | None) -> int | None:
    if d is None:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)  # a time without a zone is UTC, as FIX's UTCTimestamp
    return int(d.timestamp()) * 1_000_000_000 + d.microsecond * 1000


class ApiService:
    def __init__(self, runtime: OmsRuntime):
        self.runtime = runtime
        self.oms = runtime.oms
        self.log = ReportLog()
        self.hub = StreamHub()
        self._ids = 0
        self._captured: list[object] | None = None
        runtime.listeners.append(self._observe)
        self.log.listeners.append(self._publish)

    # -- what the runtime sends -------------------------------------------------------

    def _observe(self, o: object) -> None:
        self.log.observe(o)
        if self._captured is not None:
            self._captured.append(o)
        if isinstance(o, t.RiskEventOut):
            self.hub.publish("risk", {"kill_switches": self.oms.kill_switches()}, None)

    def _publish(self, session: str, msg: Report | CancelRejectReport) -> None:
        if not self.hub.subscribers:
            return
        p = oms_views.parent(self.oms, msg.order_id)
        if p is None:
            return
        now = self.runtime.clock.now_ns()
        self.hub.publish("order", order_json(self.oms, p, now), p.account)
        if isinstance(msg, Report) and msg.exec_type in (ExecType.TRADE, ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL):
            self.hub.publish("fill", fill_json(msg), p.account)
        if p.algo is not None:
            self.hub.publish("execution", {"order_id": p.order_id, **algo_json(self.oms, p, now)}, p.account)

    async def progress_loop(self, interval_s: float = 1.0) -> None:
        """Each working algo order's progress against its schedule, every ``interval_s``, to the stream:
        the schedule's target moves between fills, when no report would tell anyone."""
        while True:
            await asyncio.sleep(interval_s)
            if not self.hub.subscribers:
                continue
            now = self.runtime.clock.now_ns()
            for order_id in self.oms.algo_wakes():
                p = oms_views.parent(self.oms, order_id)
                if p is not None:
                    self.hub.publish("execution", {"order_id": order_id, **algo_json(self.oms, p, now)}, p.account)

    def _run(self, cmd: t.Command) -> list[object]:
        """The command through the core, journaled, its messages sent; what it sent."""
        self._captured = []
        try:
            self.runtime.process(cmd)
            self.runtime.flush()
            return self._captured
        finally:
            self._captured = None

    def command(self, cmd: t.Command) -> list[object]:
        """Any core command (a run-time setting), journaled and replayed like the rest; what it sent."""
        return self._run(cmd)

    # -- reading ---------------------------------------------------------------------

    def visible(self, user: User, p: Parent) -> bool:
        return user.reads_all or user.sees(p.account)

    def order(self, user: User, order_id: str) -> Parent:
        p = oms_views.parent(self.oms, order_id)
        if p is None or not self.visible(user, p):
            # Not 403 for another user's order: a caller must not learn which ids exist.
            raise ApiError(404, f"no order {order_id}")
        return p

    def orders(self, user: User) -> list[Parent]:
        return [p for p in oms_views.parents(self.oms) if self.visible(user, p)]

    def view(self, p: Parent) -> dict[str, Any]:
        return order_json(self.oms, p, self.runtime.clock.now_ns())

    # -- changing ------------------------------------------------------------------------

    def _trader(self, user: User, account: str, user_id: str | None) -> None:
        if user_id is not None and user_id != user.user_id:
            raise ApiError(403, f"user_id {user_id} is not the key's user ({user.user_id})", rule="user_id")
        if "trader" not in user.roles:
            raise ApiError(403, f"user {user.user_id} ({', '.join(user.roles)}) may not enter or change orders: "
                                "it takes the trader role", rule="roles")
        if not user.sees(account):
            raise ApiError(403, f"user {user.user_id} does not trade for account {account}", rule="accounts")

    def _cl_ord_id(self, user: User) -> str:
        self._ids += 1
        return f"{user.user_id}-{self.oms.id_prefix}{self._ids}"

    def new_order(self, user: User, req: OrderCreate) -> tuple[int, dict[str, Any]]:
        mine = [a for a in user.accounts if a != "*"]
        account = req.account_id or (mine[0] if len(mine) == 1 else None)
        if account is None:
            raise ApiError(422, f"user {user.user_id} trades for {', '.join(user.accounts)}: name account_id",
                           rule="account_id")
        self._trader(user, account, req.user_id)
        session = REST_PREFIX + user.user_id
        cl = req.client_order_id or self._cl_ord_id(user)
        known = oms_views.by_cl_ord_id(self.oms, session, cl)
        if known is not None:
            raise ApiError(409, f"client_order_id {cl} was already used, by order {known.order_id}",
                           rule="ClOrdID (11) unique per session", extra={"order_id": known.order_id})
        fields = new_order_fields(
            cl_ord_id=cl, account=account, symbol=req.symbol, side=req.side, quantity=req.quantity,
            order_type=req.order_type, algo=req.algo, price=req.price, stop_price=req.stop_price,
            tif=req.time_in_force, expire_ns=_ns(req.expire_time), start_ns=_ns(req.start_time), params=req.params,
            participation_rate=req.participation_rate, ex_destination=req.ex_destination, max_floor=req.max_floor,
            min_qty=req.min_qty, peg=req.peg.type if req.peg else None, peg_offset=req.peg.offset if req.peg else None)
        terms = new_order_from_fix(Message.build(fields))
        if isinstance(terms, Malformed):
            raise ApiError(422, terms.text, error="rejected", rule=f"OrdRejReason (103) {terms.reason.value}")
        self._run(t.ClientNew(session=session, account=account, order=terms.order,
                              ex_destination=terms.ex_destination, raw_side=terms.order.side,
                              expire_time=terms.expire_ns, algo=terms.algo))
        p = oms_views.by_cl_ord_id(self.oms, session, cl)
        if p is None:
            raise ApiError(500, f"order {cl} was not taken by the OMS")
        body = self.view(p)
        if p.order.ord_status is OrdStatus.REJECTED:
            last = self.log.reports(p.order_id)[-1]
            reason = getattr(last, "ord_rej_reason", None)
            raise ApiError(422, getattr(last, "text", None) or "rejected", error="rejected",
                           rule=None if reason is None else f"OrdRejReason (103) {reason.value}",
                           extra={"order": body})
        return 201, body

    def cancel(self, user: User, order_id: str, user_id: str | None) -> dict[str, Any]:
        p = self.order(user, order_id)
        self._trader(user, p.account, user_id)
        cl = self._cl_ord_id(user)
        o = p.order
        sent = self._run(t.ClientCancel(session=p.session, cmd=CancelOrder(cl_ord_id=cl, orig_cl_ord_id=o.cl_ord_id,
                                                                        order_qty=o.order_qty),
                                        symbol=o.symbol, side=o.side))
        self._refused(sent, cl, "cancel")
        return self.view(p)

    def modify(self, user: User, order_id: str, req: ModifyRequest) -> dict[str, Any]:
        p = self.order(user, order_id)
        self._trader(user, p.account, req.user_id)
        o = p.order
        cl = self._cl_ord_id(user)
        cmd = ReplaceOrder(cl_ord_id=cl, orig_cl_ord_id=o.cl_ord_id,
                           order_qty=req.new_quantity if req.new_quantity is not None else o.order_qty,
                           price=req.new_price if req.new_price is not None else o.price)
        sent = self._run(t.ClientReplace(session=p.session, cmd=cmd, symbol=o.symbol, side=o.side))
        self._refused(sent, cl, "change")
        return self.view(p)

    @staticmethod
    def _refused(sent: list[object], cl: str, what: str) -> None:
        for o in sent:
            if isinstance(o, t.ToClient) and isinstance(o.msg, CancelRejectReport) and o.msg.cl_ord_id == cl:
                r = o.msg
                raise ApiError(409, f"{what} refused: {r.text or r.reason.name.lower().replace('_', ' ')}",
                               error="conflict", rule=f"CxlRejReason (102) {r.reason.value}",
                               extra={"order_status": r.ord_status.name.lower()})

    def audit(self, user: User, action: str, status: int, **what: Any) -> None:
        """An audit event: who did what, when, with what result; journaled with the OMS's own records."""
        self.runtime.note("audit", "audit", {"user": user.user_id, "roles": list(user.roles), "action": action,
                                             "status": status, **what})
        self.runtime.flush()

    def kill(self, account: str | None, reason: str) -> int:
        before = self.runtime.working_orders(account)
        self._run(t.Kill(account=account, reason=reason))
        return before

    def revive(self, account: str | None, reason: str) -> None:
        self._run(t.Revive(account=account, reason=reason))
