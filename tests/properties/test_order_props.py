"""The client order state machine under random events (hypothesis).

A reference model keeps the live executions; after every event the order must
agree with it (CumQty, exact AvgPx, LeavesQty, R6) and with an OrdStatus
worked out independently of status.py (spec file section 3, item 15). Events
the transition table does not allow must raise InvalidTransition and change
nothing. Every report is checked as it is made: unique ExecIDs, a fill never
reported twice, CumQty falls only on a bust or correction (J), F adds LastQty.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from oms_fix.domain import (
    TRANSITIONS,
    CancelOrder,
    CancelRejectReport,
    CxlRejReason,
    Event,
    ExecRestatementReason,
    ExecType,
    InvalidTransition,
    NewOrder,
    OrdRejReason,
    OrdStatus,
    Order,
    Outbound,
    Phase,
    ReplaceOrder,
    Report,
    Side,
    TimeInForce,
)

PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
ENDED = {Phase.CANCELED, Phase.EXPIRED, Phase.REJECTED}
INACTIVE = ENDED | {Phase.DONE_FOR_DAY}
ENDING = {Event.CONFIRM_CANCEL, Event.EXPIRE, Event.CANCEL}  # refused once nothing is open

_S = OrdStatus
# Spec file section 3 item 16, where the table is strict. (3, 7 and D/G/H/I/F defer to precedence.)
COMPATIBLE = {
    ExecType.PENDING_CANCEL: {_S.PENDING_CANCEL},
    ExecType.PENDING_REPLACE: {_S.PENDING_REPLACE, _S.PENDING_CANCEL},
    ExecType.CANCELED: {_S.CANCELED},
    ExecType.EXPIRED: {_S.EXPIRED},
    # Section 3 lists 0/1/2/E/6; Stopped and an overnight GT order's DFD outrank 0/1 by precedence.
    ExecType.REPLACED: {_S.NEW, _S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_REPLACE, _S.PENDING_CANCEL,
                        _S.STOPPED, _S.DONE_FOR_DAY},
    ExecType.TRADE: {_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.PENDING_REPLACE, _S.DONE_FOR_DAY,
                     _S.STOPPED, _S.CANCELED, _S.EXPIRED, _S.REJECTED},
}


def expected_status(order: Order, cum: int) -> OrdStatus:
    """Spec file section 3 item 15, as a ladder: deliberately not status.py's table."""
    kinds = {r.kind.value for r in order.requests.values() if r.acked}
    if "1" in kinds:
        return OrdStatus.PENDING_CANCEL
    if "2" in kinds:
        return OrdStatus.PENDING_REPLACE
    if order.phase in (Phase.DONE_FOR_DAY, Phase.OVERNIGHT):
        return OrdStatus.DONE_FOR_DAY
    if order.order_qty and cum >= order.order_qty:
        return OrdStatus.FILLED
    if order.stopped and order.phase not in ENDED:
        return OrdStatus.STOPPED
    if order.phase is Phase.CANCELED:
        return OrdStatus.CANCELED
    if order.phase is Phase.EXPIRED:
        return OrdStatus.EXPIRED
    if cum:
        return OrdStatus.PARTIALLY_FILLED
    if order.phase is Phase.REJECTED:
        return OrdStatus.REJECTED
    if order.phase is Phase.PENDING_NEW:
        return OrdStatus.PENDING_NEW
    return OrdStatus.NEW


class OrderMachine(RuleBasedStateMachine):
    @initialize(qty=st.integers(1, 5000), gt=st.booleans())
    def start(self, qty: int, gt: bool) -> None:
        tif = TimeInForce.GOOD_TILL_CANCEL if gt else TimeInForce.DAY
        self.order = Order(NewOrder(cl_ord_id="C0", symbol="MSFT", side=Side.SELL, order_qty=qty,
                                    price=Decimal(100), time_in_force=tif), order_id="O1")
        self.now = 0
        self.live: dict[str, tuple[int, Decimal]] = {}  # first ExecID -> latest (qty, px)
        self.latest: dict[str, str] = {}  # first ExecID -> latest version's ExecID
        self.exec_ids: set[str] = set()
        self.fill_ids: list[str] = []
        self.busted: list[str] = []
        self.prev_cum = 0
        self.ids = 0

    # -- driving -------------------------------------------------------------------

    def _do(self, event: Event, call: Callable[..., list[Outbound]], *args: Any, **kwargs: Any) -> list[Any]:
        self.now += 1
        before = (self.order.phase, self.order.cum_qty, self.order.order_qty, dict(self.order.requests))
        filled = self.order.order_qty <= self.order.cum_qty
        if (self.order.phase, event) not in TRANSITIONS or (filled and event in ENDING):
            try:
                call(*args, now=self.now, **kwargs)
            except InvalidTransition:
                after = (self.order.phase, self.order.cum_qty, self.order.order_qty, dict(self.order.requests))
                assert after == before
                return []
            raise AssertionError(f"{event} allowed in {before[0]}")
        outs = call(*args, now=self.now, **kwargs)
        if before[0] in ENDED:
            assert self.order.phase is before[0], "an ended order stays ended"
        for out in outs:
            self._check_report(out)
        reports = [o for o in outs if isinstance(o, Report)]
        if reports and event is not Event.DUPLICATE:
            assert reports[-1].ord_status is expected_status(self.order, self.order.cum_qty)
        return outs

    def _check_report(self, out: Outbound) -> None:
        if isinstance(out, CancelRejectReport):
            return
        assert isinstance(out, Report)
        allowed = COMPATIBLE.get(out.exec_type)
        assert allowed is None or out.ord_status in allowed, f"ExecType {out.exec_type} with {out.ord_status}"
        if out.exec_type is not ExecType.ORDER_STATUS:
            assert out.exec_id not in self.exec_ids, "ExecID reported twice"
            self.exec_ids.add(out.exec_id)
        if out.exec_type is ExecType.TRADE:
            assert out.cum_qty == self.prev_cum + out.last_qty
        elif out.exec_type not in (ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL):
            assert out.cum_qty == self.prev_cum, "CumQty moves only on F, G, H"
        self.prev_cum = out.cum_qty
        # R6, against the model: OrderQty = CumQty + LeavesQty while active, LeavesQty 0 once inactive.
        if self.order.phase in INACTIVE:
            assert out.leaves_qty == 0
        else:
            assert out.leaves_qty == out.order_qty - out.cum_qty

    def _room(self) -> int:
        return self.order.order_qty - self.order.cum_qty

    def _next_cl(self) -> str:
        self.ids += 1
        return f"C{self.ids}"

    @rule()
    def accept(self) -> None:
        self._do(Event.ACCEPT, self.order.accept)

    @rule()
    def reject(self) -> None:
        if self.order.cum_qty == 0:
            self._do(Event.REJECT, self.order.reject, reason=OrdRejReason.BROKER_OPTION)

    @rule(data=st.data(), px=PRICES)
    def fill(self, data: st.DataObject, px: Decimal) -> None:
        if self._room() <= 0 or self.order.phase is Phase.PENDING_NEW:
            return
        qty = data.draw(st.integers(1, self._room()))
        fill_id = f"V{len(self.fill_ids)}"
        outs = self._do(Event.FILL, self.order.fill, fill_id=fill_id, qty=qty, px=px)
        assert len(outs) == 1
        self.fill_ids.append(fill_id)
        self.live[outs[0].exec_id] = (qty, px)
        self.latest[outs[0].exec_id] = outs[0].exec_id

    @rule(px=PRICES)
    def fill_the_rest(self, px: Decimal) -> None:
        if self._room() > 0 and self.order.phase is not Phase.PENDING_NEW:
            fill_id = f"V{len(self.fill_ids)}"
            outs = self._do(Event.FILL, self.order.fill, fill_id=fill_id, qty=self._room(), px=px)
            self.fill_ids.append(fill_id)
            self.live[outs[0].exec_id] = (outs[0].last_qty, px)
            self.latest[outs[0].exec_id] = outs[0].exec_id

    @precondition(lambda self: self.fill_ids)
    @rule(data=st.data())
    def repeat_fill(self, data: st.DataObject) -> None:
        fill_id = data.draw(st.sampled_from(self.fill_ids))
        assert self.order.fill(fill_id=fill_id, qty=1, px=Decimal(1), now=self.now) == [], "a fill reported twice"

    @precondition(lambda self: self.live)
    @rule(data=st.data(), px=PRICES)
    def correct(self, data: st.DataObject, px: Decimal) -> None:
        first = data.draw(st.sampled_from(sorted(self.live)))
        old_qty, _ = self.live[first]
        qty = data.draw(st.integers(1, old_qty + self._room()))
        outs = self._do(Event.CORRECT, self.order.correct, exec_ref_id=self.latest[first], qty=qty, px=px)
        if outs:
            assert outs[0].exec_ref_id == self.latest[first]
            self.live[first] = (qty, px)
            self.latest[first] = outs[0].exec_id

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def bust(self, data: st.DataObject) -> None:
        first = data.draw(st.sampled_from(sorted(self.live)))
        if self._do(Event.BUST, self.order.bust, exec_ref_id=self.latest[first]):
            del self.live[first]
            self.busted.append(self.latest[first])

    @precondition(lambda self: self.busted)
    @rule(data=st.data())
    def bust_again(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.busted))
        try:
            self.order.bust(exec_ref_id=ref, now=self.now)
        except InvalidTransition:
            return
        raise AssertionError("a bust is never busted again (R15)")

    @rule(ack=st.booleans(), single=st.booleans())
    def request_cancel(self, ack: bool, single: bool) -> None:
        cmd = CancelOrder(cl_ord_id=self._next_cl(), orig_cl_ord_id=self.order.cl_ord_id)
        self._do(Event.REQUEST_CANCEL, self.order.request_cancel, cmd, ack=ack, single=single)

    @rule(qty=st.integers(1, 6000), ack=st.booleans(), single=st.booleans())
    def request_replace(self, qty: int, ack: bool, single: bool) -> None:
        cmd = ReplaceOrder(cl_ord_id=self._next_cl(), orig_cl_ord_id=self.order.cl_ord_id, order_qty=qty)
        event = Event.REQUEST_INCREASE if qty > self.order.order_qty else Event.REQUEST_REPLACE
        self._do(event, self.order.request_replace, cmd, ack=ack, single=single)

    @precondition(lambda self: self.order.requests)
    @rule(data=st.data(), what=st.sampled_from(["ack", "confirm", "reject"]))
    def answer(self, data: st.DataObject, what: str) -> None:
        cl = data.draw(st.sampled_from(sorted(self.order.requests)))
        req = self.order.requests[cl]
        if what == "ack":
            if not req.acked:
                self._do(Event.ACK_REQUEST, self.order.ack_request, cl)
        elif what == "reject":
            self._do(Event.REJECT_REQUEST, self.order.reject_request, cl, reason=CxlRejReason.BROKER_OPTION)
        elif req.kind.value == "1":
            self._do(Event.CONFIRM_CANCEL, self.order.confirm_cancel, cl)
        else:
            self._do(Event.CONFIRM_REPLACE, self.order.confirm_replace, cl)

    @rule()
    def done_for_day(self) -> None:
        self._do(Event.DONE_FOR_DAY, self.order.done_for_day)

    @rule()
    def new_day(self) -> None:
        if self.order.time_in_force.good_till:
            self._do(Event.NEW_DAY, self.order.new_day)

    @rule()
    def expire(self) -> None:
        self._do(Event.EXPIRE, self.order.expire)

    @rule()
    def unsolicited_cancel(self) -> None:
        self._do(Event.CANCEL, self.order.cancel, reason=ExecRestatementReason.BROKER_OPTION)

    @rule(qty=st.integers(1, 6000))
    def restate(self, qty: int) -> None:
        self._do(Event.RESTATE, self.order.restate, order_qty=qty, reason=ExecRestatementReason.PARTIAL_DECLINE)

    @rule(px=PRICES)
    def stop(self, px: Decimal) -> None:
        self._do(Event.STOP, self.order.stop, qty=1, px=px)

    @rule()
    def status(self) -> None:
        out = self._do(Event.STATUS, self.order.status)
        assert out and out[0].exec_type is ExecType.ORDER_STATUS

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def agrees_with_model(self) -> None:
        o = self.order
        cum = sum(q for q, _ in self.live.values())
        assert o.cum_qty == cum, "CumQty is the sum of the live executions"
        notional = sum((q * p for q, p in self.live.values()), Decimal(0))
        assert o.avg_px == (notional / cum if cum else 0)
        assert o.cum_qty <= o.order_qty
        assert o.leaves_qty == (0 if o.phase in INACTIVE else o.order_qty - cum)
        assert o.ord_status is expected_status(o, cum)


OrderMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestOrderMachine = OrderMachine.TestCase
