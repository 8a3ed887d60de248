"""The OMS's state of one client order, and the reports FIX 4.4 prescribes for each event.

The OMS is the sell side to its clients. Each event method takes `now` (ns)
and returns what to send: ExecutionReport content (`Report`) and, for requests
the order cannot honour, OrderCancelReject content (`CancelRejectReport`).
Rules R1-R19 and scenarios A-L refer to FIX 4.4 Vol 4 "Order State Change
Matrices" as restated in shared/spec/fix44-order-state-matrices.md.

How it is built:

* `TRANSITIONS` (transitions.py) is the state machine: (phase, event) -> next phase, or
  `TOO_LATE` for a client request the order can no longer honour (answered with
  CxlRejReason 0). A pair missing from the table is an `InvalidTransition`: the
  engine (or a venue through it) drove an impossible event, a bug to surface,
  not a client error.
* The phase is the order's life cycle only. Pending requests are kept beside it
  and OrdStatus is never stored: `facts()` lists what holds and status.py's
  precedence table picks the status (section 1.5), so B.1.c's "filled while a
  cancel is pending" is 6, J.1.b's "bust after cancel" stays 4, and so on.
* Quantities are integers; prices `Decimal`. CumQty/AvgPx/DayCumQty come from the
  execution ledger (executions.py), exact.

Choices where the spec leaves room (each pinned by a test):

* Never lose a fill: once an order has been accepted, a fill (or correction,
  bust) is taken in every phase and reported; on a canceled, expired, day-DFD
  or rejected order LeavesQty stays 0 and OrdStatus follows precedence (J.1.b).
  Beyond OrderQty it is still taken, with Text "overfill". A fill before the
  order was accepted is an `InvalidTransition` (the order cannot be at a venue).
  A repeated `fill_id` is dropped: a fill is never reported twice.
* A request is "pending" for OrdStatus only once acked (ExecType 6/E). With
  `ack=False` it is held silently, to be acked, confirmed (C.3.b: no Pending
  Replace) or rejected at once (B.1.a 4-alt, D.1.b) later.
* B.1.d step 4 (New ack while a cancel is pending): OrdStatus is 6 by
  precedence, not the 0 the spec prints. D.2.b step 7: a Pending Replace shows
  the quantities in force (R4: 10000/9000), not the spec's 8000/7000.
* Several requests may be outstanding at once (D.2.b); `single=True` refuses a
  second with CxlRejReason 3 instead (D.2.d). When the order ends (canceled,
  expired, rejected) the requests still outstanding are each answered with a
  Cancel Reject "too late" after the report that ended it (R2: one event per
  report). A Cancel confirm reports the cancel's ClOrdID; the order keeps its
  last accepted ClOrdID for later reports (J.1.b step 7).
* Stopped (7) outranks Canceled/Expired in section 1.5, but a guarantee ends
  with the order: once canceled, expired or rejected, Stopped no longer counts,
  so ExecType 4/C/8 always carries OrdStatus 4/C/8 (section 3, item 16).
* Guards beside the table (each an `InvalidTransition`): a reject after an
  execution (cancel instead); `new_day` on a day order; a cancel confirm,
  expiry or kill with nothing open (a DFD order filled late: Filled stands).
* Replacing down to or below CumQty sets OrderQty to CumQty (R7); so does a
  restatement below CumQty.
* DayOrderQty/DayCumQty/DayAvgPx are reported once the order has lived into a
  second trading day (`new_day`), as in scenarios H and J.1.c.
* A stock split (`new_day(split=(2, 1))`, ExecRestatementReason 0) rescales the
  executions: quantities times num/den (a fraction is a ValueError), prices
  times den/num in Decimal context.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .commands import CancelOrder, NewOrder, ReplaceOrder
from .enums import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecRestatementReason,
    ExecType,
    OrdRejReason,
    OrdStatus,
    OrdType,
    TimeInForce,
)
from .executions import Execution, Ledger
from .reports import STATUS_EXEC_ID, CancelRejectReport, Outbound, Report
from .status import ord_status
from .transitions import EXEC_TYPE, PHASE_FACT, TOO_LATE, TRANSITIONS, Event, Phase

__all__ = ["InvalidTransition", "Order", "Request"]


_P = Phase
_INACTIVE: Final = frozenset({_P.DONE_FOR_DAY, _P.CANCELED, _P.EXPIRED, _P.REJECTED})  # LeavesQty 0 (R6)
_ENDED: Final = frozenset({_P.CANCELED, _P.EXPIRED, _P.REJECTED})
_CANCEL, _REPLACE = CxlRejResponseTo.ORDER_CANCEL_REQUEST, CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST
_PENDING_FACT: Final = {_CANCEL: OrdStatus.PENDING_CANCEL, _REPLACE: OrdStatus.PENDING_REPLACE}
_PENDING_EXEC_TYPE: Final = {_CANCEL: ExecType.PENDING_CANCEL, _REPLACE: ExecType.PENDING_REPLACE}
_ZERO = Decimal(0)


class InvalidTransition(Exception):
    """The engine drove an event the table does not allow in the order's phase (a local bug)."""

    def __init__(self, order_id: str, phase: Phase, event: Event, why: str = "not in TRANSITIONS") -> None:
        super().__init__(f"order {order_id}: {event.value} in phase {phase.value}: {why}")
        self.phase, self.event = phase, event


@dataclass(slots=True)
class Request:
    """A cancel or cancel/replace request not yet confirmed or rejected."""

    kind: CxlRejResponseTo
    cl_ord_id: str
    orig_cl_ord_id: str  # as the client sent it (may name a pending request: D.2.a)
    acked: bool = False
    order_qty: int = 0
    price: Decimal | None = None
    ord_type: OrdType | None = None
    time_in_force: TimeInForce | None = None


class Order:
    """One client order chain (X, then Y replacing X, ...) under one OrderID."""

    __slots__ = (
        "order_id", "cl_ord_id", "chain", "used", "account", "symbol", "side", "ord_type", "price",
        "time_in_force", "order_qty", "cash_order_qty", "phase", "stopped", "day", "requests",
        "executions", "_seq",
    )

    def __init__(self, new: NewOrder, *, order_id: str) -> None:
        self.order_id = order_id
        self.cl_ord_id = new.cl_ord_id  # the last accepted ClOrdID
        self.chain: list[str] = [new.cl_ord_id]  # accepted ClOrdIDs, oldest first
        self.used: set[str] = {new.cl_ord_id}  # every ClOrdID seen on this order, rejected ones too
        self.account, self.symbol, self.side = new.account, new.symbol, new.side
        self.ord_type, self.price, self.time_in_force = new.ord_type, new.price, new.time_in_force
        self.order_qty, self.cash_order_qty = new.order_qty, new.cash_order_qty
        self.phase = Phase.PENDING_NEW
        self.stopped = False
        self.day = 0  # trading days since the order arrived
        self.requests: dict[str, Request] = {}
        self.executions = Ledger()
        self._seq = 0

    # -- what the order is ------------------------------------------------------

    @property
    def version(self) -> int:
        """How many ExecutionReports the order has had (its ExecIDs' numbers): a later state, a larger one."""
        return self._seq

    @property
    def cum_qty(self) -> int:
        return self.executions.cum_qty

    @property
    def leaves_qty(self) -> int:
        return 0 if self.phase in _INACTIVE else max(0, self.order_qty - self.cum_qty)

    @property
    def avg_px(self) -> Decimal:
        return self.executions.avg_px()

    def facts(self) -> frozenset[OrdStatus]:
        """Every status that applies now; `ord_status` ranks them."""
        held = {PHASE_FACT[self.phase]}
        if self.cum_qty:
            held.add(OrdStatus.PARTIALLY_FILLED)
        if self.order_qty and self.cum_qty >= self.order_qty:
            held.add(OrdStatus.FILLED)
        if self.stopped and self.phase not in _ENDED:  # the guarantee ends with the order
            held.add(OrdStatus.STOPPED)
        held.update(_PENDING_FACT[r.kind] for r in self.requests.values() if r.acked)
        return frozenset(held)

    @property
    def ord_status(self) -> OrdStatus:
        return ord_status(self.facts())

    def knows(self, cl_ord_id: str) -> bool:
        return cl_ord_id in self.used

    # -- the order's own life ----------------------------------------------------

    def accept(self, *, now: int, order_qty: int | None = None) -> list[Outbound]:
        """ExecType 0. `order_qty` converts a cash order (L.1.b)."""
        to = self._lookup(Event.ACCEPT)
        if order_qty is not None:
            self.order_qty = order_qty
        self._enter(to)
        return [self._report(Event.ACCEPT, now)]

    def reject(self, *, reason: OrdRejReason, now: int, text: str | None = None) -> list[Outbound]:
        """ExecType 8, on receipt or after acceptance while nothing is executed (A.1.a 3-alt)."""
        to = self._lookup(Event.REJECT)
        if self.cum_qty:
            raise InvalidTransition(self.order_id, self.phase, Event.REJECT, "executed: cancel instead")
        self._enter(to)
        left = self._drop_requests()
        return [self._report(Event.REJECT, now, ord_rej_reason=reason, text=text), *self._too_late(left, now)]

    def stop(self, *, qty: int, px: Decimal, now: int, text: str | None = None) -> list[Outbound]:
        """ExecType 7: `qty` guaranteed at `px`; not a trade (R17)."""
        self._enter(self._lookup(Event.STOP))
        self.stopped = True
        return [self._report(Event.STOP, now, last_qty=qty, last_px=px, text=text)]

    def fill(self, *, fill_id: str, qty: int, px: Decimal, now: int) -> list[Outbound]:
        """ExecType F. A `fill_id` already taken is dropped ([]): never reported twice."""
        if qty <= 0:
            raise ValueError(f"fill of {qty}")
        if self.executions.seen(fill_id):
            return []
        to = self._lookup(Event.FILL)
        exec_id = self._next_exec_id()
        self.executions.add(exec_id=exec_id, fill_id=fill_id, qty=qty, px=px, day=self.day)
        self._enter(to)
        return [self._report(Event.FILL, now, exec_id=exec_id, last_qty=qty, last_px=px, text=self._overfill())]

    def correct(self, *, exec_ref_id: str, qty: int, px: Decimal, now: int) -> list[Outbound]:
        """ExecType G: the execution becomes `qty` at `px`; ExecRefID names its latest version (R15)."""
        if qty <= 0:
            raise ValueError(f"correction to {qty}: bust instead")
        to = self._lookup(Event.CORRECT)
        ex = self._live_execution(exec_ref_id, Event.CORRECT)
        ref, exec_id = ex.exec_id, self._next_exec_id()
        self.executions.correct(ex, exec_id=exec_id, qty=qty, px=px)
        self._enter(to)
        return [self._report(Event.CORRECT, now, exec_id=exec_id, last_qty=qty, last_px=px, exec_ref_id=ref,
                             text=self._overfill())]

    def bust(self, *, exec_ref_id: str, now: int) -> list[Outbound]:
        """ExecType H: the execution no longer counts; a bust is final (R15)."""
        to = self._lookup(Event.BUST)
        ex = self._live_execution(exec_ref_id, Event.BUST)
        ref, exec_id = ex.exec_id, self._next_exec_id()
        self.executions.bust(ex, exec_id=exec_id)
        self._enter(to)
        return [self._report(Event.BUST, now, exec_id=exec_id, exec_ref_id=ref)]

    def done_for_day(self, *, now: int) -> list[Outbound]:
        """ExecType 3. A day order is no longer active (LeavesQty 0); a GT one keeps its LeavesQty (H.1.a)."""
        self._enter(self._lookup(Event.DONE_FOR_DAY))
        return [self._report(Event.DONE_FOR_DAY, now)]

    def new_day(self, *, now: int, split: tuple[int, int] | None = None, report: bool = True) -> list[Outbound]:
        """A GT order's next trading day: DayCumQty restarts, DayOrderQty = LeavesQty.

        Reported as ExecType D, ExecRestatementReason 1 (renewal, optional:
        `report=False` sends nothing), or 0 with `split=(num, den)` (H.1.b)."""
        to = self._lookup(Event.NEW_DAY)
        if not self.time_in_force.good_till:
            raise InvalidTransition(self.order_id, self.phase, Event.NEW_DAY, "not a GT order")
        if split is not None:
            num, den = split
            if (self.order_qty * num) % den:
                raise ValueError(f"a {num}:{den} split leaves a fraction of {self.order_qty}")
            self.executions.rescale(num, den)
            self.order_qty = self.order_qty * num // den
            self.price = None if self.price is None else self.price * den / num
        self.day += 1
        self._enter(to)
        if not report and split is None:
            return []
        reason = ExecRestatementReason.GT_RENEWAL if split is None else ExecRestatementReason.GT_CORPORATE_ACTION
        return [self._report(Event.NEW_DAY, now, restatement=reason)]

    def expire(self, *, now: int, text: str | None = None) -> list[Outbound]:
        """ExecType C: the order's time in force (or its algo's end time) ran out."""
        to = self._lookup(Event.EXPIRE)
        self._require_open_qty(Event.EXPIRE)
        self._enter(to)
        left = self._drop_requests()
        return [self._report(Event.EXPIRE, now, text=text), *self._too_late(left, now)]

    def cancel(self, *, now: int, reason: ExecRestatementReason | None = None,
               text: str | None = None) -> list[Outbound]:
        """ExecType 4 with no request: IOC/FOK kill (R11, no reason) or unsolicited (R12, with reason)."""
        to = self._lookup(Event.CANCEL)
        self._require_open_qty(Event.CANCEL)
        self._enter(to)
        left = self._drop_requests()
        return [self._report(Event.CANCEL, now, restatement=reason, text=text), *self._too_late(left, now)]

    def restate(self, *, order_qty: int, reason: ExecRestatementReason, now: int,
                price: Decimal | None = None) -> list[Outbound]:
        """ExecType D: a sell-side change without a request, same ClOrdID (R12: E.1.c, E.1.d)."""
        to = self._lookup(Event.RESTATE)
        self.order_qty = max(order_qty, self.cum_qty)
        if price is not None:
            self.price = price
        self._enter(to)
        return [self._report(Event.RESTATE, now, restatement=reason)]

    # -- client requests -----------------------------------------------------------

    def request_cancel(self, cmd: CancelOrder, *, now: int, ack: bool = True,
                       single: bool = False) -> list[Outbound]:
        """An OrderCancelRequest: ExecType 6 (or nothing with `ack=False`), or a Cancel Reject."""
        return self._request(Request(_CANCEL, cmd.cl_ord_id, cmd.orig_cl_ord_id), Event.REQUEST_CANCEL,
                             now, ack, single)

    def request_replace(self, cmd: ReplaceOrder, *, now: int, ack: bool = True,
                        single: bool = False) -> list[Outbound]:
        """An OrderCancelReplaceRequest: ExecType E (or nothing with `ack=False`), or a Cancel Reject.

        The new terms take effect only on `confirm_replace` (R4)."""
        req = Request(_REPLACE, cmd.cl_ord_id, cmd.orig_cl_ord_id, order_qty=cmd.order_qty, price=cmd.price,
                      ord_type=cmd.ord_type, time_in_force=cmd.time_in_force)
        event = Event.REQUEST_INCREASE if cmd.order_qty > self.order_qty else Event.REQUEST_REPLACE
        return self._request(req, event, now, ack, single)

    def ack_request(self, cl_ord_id: str, *, now: int) -> list[Outbound]:
        """The Pending Cancel / Pending Replace report of a request held with `ack=False` (D.2.a)."""
        req = self._pending(cl_ord_id, Event.ACK_REQUEST)
        self._enter(self._lookup(Event.ACK_REQUEST))
        req.acked = True
        return [self._report(Event.ACK_REQUEST, now, exec_type=_PENDING_EXEC_TYPE[req.kind],
                             cl_ord_id=cl_ord_id, orig_cl_ord_id=self.cl_ord_id)]

    def reject_request(self, cl_ord_id: str, *, reason: CxlRejReason, now: int,
                       text: str | None = None) -> list[Outbound]:
        """A Cancel Reject for a held or pending request; OrdStatus is the one after it (R19)."""
        req = self._pending(cl_ord_id, Event.REJECT_REQUEST)
        self._enter(self._lookup(Event.REJECT_REQUEST))
        del self.requests[cl_ord_id]
        return [self._cancel_reject(req, reason, now, text)]

    def confirm_cancel(self, cl_ord_id: str, *, now: int) -> list[Outbound]:
        """ExecType 4 under the cancel's ClOrdID, OrigClOrdID the last accepted one."""
        self._pending(cl_ord_id, Event.CONFIRM_CANCEL, _CANCEL)
        to = self._lookup(Event.CONFIRM_CANCEL)
        self._require_open_qty(Event.CONFIRM_CANCEL)
        del self.requests[cl_ord_id]
        self._enter(to)
        left = self._drop_requests()
        return [self._report(Event.CONFIRM_CANCEL, now, cl_ord_id=cl_ord_id, orig_cl_ord_id=self.cl_ord_id),
                *self._too_late(left, now)]

    def confirm_replace(self, cl_ord_id: str, *, now: int) -> list[Outbound]:
        """ExecType 5: the new ClOrdID and terms take effect (R4); OrderQty <= CumQty means CumQty (R7)."""
        req = self._pending(cl_ord_id, Event.CONFIRM_REPLACE, _REPLACE)
        to = self._lookup(Event.CONFIRM_REPLACE)
        del self.requests[cl_ord_id]
        orig, self.cl_ord_id = self.cl_ord_id, cl_ord_id
        self.chain.append(cl_ord_id)
        self.order_qty = max(req.order_qty, self.cum_qty)
        self.price = req.price if req.price is not None else self.price
        self.ord_type = req.ord_type or self.ord_type
        self.time_in_force = req.time_in_force or self.time_in_force
        self._enter(to)
        return [self._report(Event.CONFIRM_REPLACE, now, orig_cl_ord_id=orig)]

    # -- replies that change nothing -------------------------------------------------

    def status(self, *, now: int, asked_cl_ord_id: str | None = None) -> list[Outbound]:
        """ExecType I. Asked under an older ClOrdID, it answers under the current one with
        OrigClOrdID = the id asked about (G.1.c step 17). Text "Nothing Done" while CumQty is 0 (G.1.b)."""
        self._lookup(Event.STATUS)
        orig = asked_cl_ord_id if asked_cl_ord_id not in (None, self.cl_ord_id) else None
        return [self._report(Event.STATUS, now, exec_id=STATUS_EXEC_ID, orig_cl_ord_id=orig,
                             text=None if self.cum_qty else "Nothing Done")]

    def duplicate(self, cl_ord_id: str, *, now: int) -> list[Outbound]:
        """ExecType 8, OrdRejReason 6 for a NewOrderSingle reusing `cl_ord_id` without PossResend:
        the reject carries this (existing) order's status and quantities; nothing changes (R13)."""
        self._lookup(Event.DUPLICATE)
        return [self._report(Event.DUPLICATE, now, cl_ord_id=cl_ord_id,
                             ord_rej_reason=OrdRejReason.DUPLICATE_ORDER)]

    # -- machinery -----------------------------------------------------------------

    def _lookup(self, event: Event) -> Phase:
        to = TRANSITIONS.get((self.phase, event))
        if to is None or to is TOO_LATE:
            raise InvalidTransition(self.order_id, self.phase, event)
        assert isinstance(to, Phase)
        return to

    def _enter(self, to: Phase) -> None:
        if to in (Phase.OPEN, Phase.FILLED):
            to = Phase.FILLED if self.order_qty and self.cum_qty >= self.order_qty else Phase.OPEN
        elif to is Phase.DONE_FOR_DAY and self.time_in_force.good_till:
            to = Phase.OVERNIGHT
        self.phase = to

    def _request(self, req: Request, event: Event, now: int, ack: bool, single: bool) -> list[Outbound]:
        if req.orig_cl_ord_id not in self.used:
            raise ValueError(f"order {self.order_id} has no ClOrdID {req.orig_cl_ord_id!r}")
        if req.cl_ord_id in self.used:
            return [self._cancel_reject(req, CxlRejReason.DUPLICATE_CL_ORD_ID, now)]
        self.used.add(req.cl_ord_id)
        to = TRANSITIONS.get((self.phase, event))
        if to is None:
            raise InvalidTransition(self.order_id, self.phase, event)
        if to is TOO_LATE:
            return [self._cancel_reject(req, CxlRejReason.TOO_LATE_TO_CANCEL, now)]
        if single and self.requests:
            return [self._cancel_reject(req, CxlRejReason.ALREADY_PENDING, now)]  # R18, D.2.d
        self.requests[req.cl_ord_id] = req
        return self.ack_request(req.cl_ord_id, now=now) if ack else []

    def _pending(self, cl_ord_id: str, event: Event, kind: CxlRejResponseTo | None = None) -> Request:
        req = self.requests.get(cl_ord_id)
        if req is None or (kind is not None and req.kind is not kind):
            raise InvalidTransition(self.order_id, self.phase, event, f"no such request {cl_ord_id!r}")
        return req

    def _require_open_qty(self, event: Event) -> None:
        """Nothing left to cancel or expire (a DFD or overnight order filled late): Filled stands."""
        if self.order_qty and self.cum_qty >= self.order_qty:
            raise InvalidTransition(self.order_id, self.phase, event, "nothing open: the order is filled")

    def _drop_requests(self) -> list[Request]:
        """The order ended: its outstanding requests no longer pend (the ending report shows 4/C/8)."""
        if self.phase not in _ENDED:
            return []
        left, self.requests = list(self.requests.values()), {}
        return left

    def _too_late(self, left: list[Request], now: int) -> list[Outbound]:
        return [self._cancel_reject(r, CxlRejReason.TOO_LATE_TO_CANCEL, now) for r in left]

    def _live_execution(self, exec_ref_id: str, event: Event) -> Execution:
        ex = self.executions.find(exec_ref_id)
        if ex is None or not ex.live:
            raise InvalidTransition(self.order_id, self.phase, event, f"no live execution {exec_ref_id!r}")
        return ex

    def _overfill(self) -> str | None:
        return "overfill" if self.order_qty and self.cum_qty > self.order_qty else None

    def _next_exec_id(self) -> str:
        self._seq += 1
        return f"{self.order_id}-{self._seq}"

    def _cancel_reject(self, req: Request, reason: CxlRejReason, now: int, text: str | None = None) -> Outbound:
        return CancelRejectReport(order_id=self.order_id, cl_ord_id=req.cl_ord_id, orig_cl_ord_id=self.cl_ord_id,
                                  ord_status=self.ord_status, response_to=req.kind, reason=reason, text=text,
                                  transact_time=now)

    def _report(self, event: Event, now: int, *, exec_type: ExecType | None = None, exec_id: str | None = None,
                cl_ord_id: str | None = None, orig_cl_ord_id: str | None = None, last_qty: int = 0,
                last_px: Decimal = _ZERO, exec_ref_id: str | None = None,
                ord_rej_reason: OrdRejReason | None = None, restatement: ExecRestatementReason | None = None,
                text: str | None = None) -> Report:
        day = self.day > 0
        day_cum = self.executions.day_cum_qty(self.day) if day else None
        return Report(
            order_id=self.order_id, exec_id=exec_id or self._next_exec_id(),
            exec_type=exec_type or EXEC_TYPE[event], ord_status=self.ord_status,
            cl_ord_id=cl_ord_id or self.cl_ord_id, orig_cl_ord_id=orig_cl_ord_id, account=self.account,
            symbol=self.symbol, side=self.side, ord_type=self.ord_type, time_in_force=self.time_in_force,
            price=self.price, order_qty=self.order_qty, cash_order_qty=self.cash_order_qty, cum_qty=self.cum_qty,
            leaves_qty=self.leaves_qty, avg_px=self.avg_px, last_qty=last_qty, last_px=last_px,
            exec_ref_id=exec_ref_id,
            day_order_qty=None if day_cum is None else self.order_qty - (self.cum_qty - day_cum),
            day_cum_qty=day_cum, day_avg_px=self.executions.day_avg_px(self.day) if day else None,
            ord_rej_reason=ord_rej_reason, exec_restatement_reason=restatement, text=text, transact_time=now,
        )

