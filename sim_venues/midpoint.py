"""Midpoint matching: the dark pool (continuous) and the crossing network (scheduled crosses).

Nothing is displayed (``levels`` is always empty). Every execution is at the
midpoint of the reference NBBO given by ``set_reference``; a limit price only
bounds it (a buy executes only at mid <= price, a sell only at mid >= price).

Units. Request prices are integer ticks, as everywhere. The mid of an odd
spread is half a tick, so this engine prices executions in *half-ticks*:
``Report.last_px``, ``Trade.price``, ``Order.notional`` (and so
``Order.avg_px_ticks`` and ``extra["avg_px_num"]``) are in units of
1/``px_denominator`` (= 2) ticks; the gateway divides by ``px_denominator``.
``Order.price`` stays the limit in ticks as the client sent it.

Decisions the brief left open, and why:

- Matching happens only in ``Phase.CONTINUOUS``, with a reference that is
  neither missing nor locked/crossed; otherwise orders wait. The engine starts
  in CONTINUOUS. New orders are rejected only when CLOSED.
- Dark pool (``continuous=True``): matches on every submit, replace,
  reference change and return to CONTINUOUS. In a match between two resting
  orders (after a reference move) the older is the maker (LastLiquidityInd 1
  ADDED), the newer the taker (2 REMOVED). IOC/FOK are decided on arrival.
- Crossing network (``continuous=False``): matches only in ``cross(now)``;
  both sides are liquidity 4 AUCTION. IOC and FOK mean "this cross only": they
  rest until the next cross and whatever it leaves is cancelled.
- Allocation: buys in time priority, each against the earliest eligible sell,
  for min(leaves); one pass is complete because fills only shrink leaves.
  FOK: plan the whole match, drop every FOK that would fill only partly, plan
  again until every FOK in the plan fills in full.
- MinQty(110) applies to *every* execution of the order, on both sides. An
  order whose leaves fall below its MinQty can therefore not execute again; it
  rests until cancelled, expired or done for day.
- MaxFloor and the hidden flag are accepted and ignored: everything is hidden.
  Midpoint pegs (OrdType P with ExecInst M) are market orders here, with Price
  as a cap if given; other pegs, stops, ATO/ATC are rejected (OrdRejReason 11).
- Self-matching is allowed: an OMS session (one owner) carries many clients.
- Replace keeps time priority unless the quantity grows or the limit changes.
  A replace of a finished order is refused (CxlRejReason 0), including the
  quantity increase FIX 4.4 R8 would allow. A replace may not switch an order
  to or from IOC/FOK, nor change Side or Symbol.
- As in ``matching.Engine``: a new order reusing the ClOrdID of one of the
  owner's *working* orders (any ClOrdID of its chain) is REJECTED with
  OrdRejReason 6; that report's ``order`` is the existing order and its
  figures are the existing order's (R13, F.1.a). A finished order's ClOrdID
  may be reused and then names the new order. Cancel/replace requests get
  CxlRejReason 6 for a working order's ClOrdID. Rejected new orders are not
  remembered: ``find`` does not see them.
- Done orders are forgotten (``order_index.py``): the background market's
  (owner "~...") as soon as they are done, a session's once ``keep_done``
  newer session orders are done (oldest first). A forgotten order is unknown
  to ``find``, cancel and replace (CxlRejReason 1), and its ClOrdIDs may name
  a new order.
- OrderIDs are ``{id_prefix}-{n}`` (default prefix: the venue's name); the
  caller makes the prefix unique per symbol and per run.
- GTD orders expire in ``on_time`` in time priority among those due; their
  ExpireTimes wait in an ``expiry.ExpiryQueue``.
- Every report's ``extra`` holds the order's figures at that moment as strings,
  the keys ``matching.Engine`` uses: order_qty, cum_qty, leaves_qty,
  ord_status, price (the limit in ticks, "" for none), avg_px_num (the notional
  in half-ticks; AvgPx = avg_px_num / cum_qty / px_denominator).
"""

from __future__ import annotations

from dataclasses import replace as _with

from .book import Side
from .expiry import ExpiryQueue
from .order_index import KEEP_DONE, OrderIndex
from .orders import (
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
    TimeInForce,
    Trade,
)

__all__ = ["MidpointEngine"]

_ONE_SHOT = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_SUPPORTED_TIF = frozenset({TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD})
_Plan = list[tuple[Order, Order, int]]  # (buy, sell, qty)
# How an order that stops working is reported, by the status it ends in.
_EXEC_TYPE = {
    OrdStatus.CANCELED: ExecType.CANCELED,
    OrdStatus.EXPIRED: ExecType.EXPIRED,
    OrdStatus.DONE_FOR_DAY: ExecType.DONE_FOR_DAY,
    OrdStatus.FILLED: ExecType.REPLACED,  # only a replace down to CumQty closes an order as FILLED here
}


class MidpointEngine:
    """One symbol at one midpoint venue; implements ``orders.VenueEngine`` plus ``cross``."""

    px_denominator = 2

    def __init__(self, symbol: str, *, venue: str, continuous: bool, phase: Phase = Phase.CONTINUOUS,
                 id_prefix: str | None = None, keep_done: int = KEEP_DONE) -> None:
        self.symbol = symbol
        self.venue = venue  # for texts; OrderIDs are f"{id_prefix}-{n}"
        self.id_prefix = venue if id_prefix is None else id_prefix
        self.continuous = continuous
        self._phase = phase
        self._mid2: int | None = None  # bid + ask: the mid in half-ticks
        self._open: dict[Side, dict[str, Order]] = {Side.BUY: {}, Side.SELL: {}}  # time priority
        self._seq: dict[str, int] = {}  # order_id -> priority, lower is older
        self._by_cl: OrderIndex[Order] = OrderIndex(keep_done)  # (owner, any ClOrdID of the chain)
        self._expiries: ExpiryQueue[Order] = ExpiryQueue()  # working GTD orders
        self._n = 0
        self._next_seq = 0
        self._trades: list[Trade] = []

    # -- queries --------------------------------------------------------------

    @property
    def mid(self) -> int | None:
        """The matching price in half-ticks, None while the reference is missing, locked or crossed."""
        return self._mid2

    @property
    def phase(self) -> Phase:
        return self._phase

    def find(self, owner: str, cl_ord_id: str) -> Order | None:
        return self._by_cl.get(owner, cl_ord_id)

    def open_orders(self) -> list[Order]:
        """Every working order, oldest first."""
        return sorted([*self._open[Side.BUY].values(), *self._open[Side.SELL].values()], key=self._priority)

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]:
        return []

    def drain_trades(self) -> list[Trade]:
        trades, self._trades = self._trades, []
        return trades

    # -- commands -------------------------------------------------------------

    def submit(self, req: OrderRequest, now: int) -> list[Report]:
        existing = self._by_cl.get(req.owner, req.cl_ord_id)
        if existing is not None and not existing.done:
            return [self._report(ExecType.REJECTED, existing, req.cl_ord_id, reject_reason=OrdRejReason.DUPLICATE_ORDER,
                                 text=f"ClOrdID {req.cl_ord_id} is already in use by order {existing.order_id}")]
        req = _with(req)  # ours now: the caller may reuse its object
        self._n += 1
        order = Order(order_id=f"{self.id_prefix}-{self._n}", request=req, accepted_ns=now, price=_limit(req))
        problem = self._check(req, now)
        if problem is not None:
            order.status = OrdStatus.REJECTED
            reason, text = problem
            return [self._report(ExecType.REJECTED, order, req.cl_ord_id, reject_reason=reason, text=text)]
        self._by_cl.add(order.order_id, req.owner, req.cl_ord_id, order)
        self._rest(order)
        self._expire_at(order)
        reports = [self._report(ExecType.NEW, order, req.cl_ord_id)]
        if self.continuous:
            reports += self._match_one(order, now)
            if req.tif in _ONE_SHOT and not order.done:
                why = "FOK: could not be filled in full at once" if req.tif is TimeInForce.FOK else \
                    "IOC: the rest could not be matched at once"
                reports.append(self._close(order, OrdStatus.CANCELED, why))
        return reports

    def cancel(self, owner: str, cl_ord_id: str, orig_cl_ord_id: str, now: int) -> list[Report] | CancelReject:
        order = self._by_cl.get(owner, orig_cl_ord_id)
        refused = self._refuse(order, owner, cl_ord_id, orig_cl_ord_id, is_replace=False)
        if refused is not None:
            return refused
        assert order is not None
        prev = order.cl_ord_id
        order.request = _with(order.request, cl_ord_id=cl_ord_id)
        self._by_cl.add(order.order_id, owner, cl_ord_id, order)
        return [self._close(order, OrdStatus.CANCELED, "", orig_cl_ord_id=prev)]

    def replace(self, orig_cl_ord_id: str, req: OrderRequest, now: int) -> list[Report] | CancelReject:
        order = self._by_cl.get(req.owner, orig_cl_ord_id)
        refused = self._refuse(order, req.owner, req.cl_ord_id, orig_cl_ord_id, is_replace=True)
        if refused is not None:
            return refused
        assert order is not None
        old = order.request
        why = None
        if req.side != old.side or req.symbol != old.symbol:
            why = "a replace cannot change Side or Symbol"
        elif req.tif != old.tif and (req.tif in _ONE_SHOT or old.tif in _ONE_SHOT):
            why = f"TimeInForce cannot change from {old.tif.name} to {req.tif.name}"
        elif (problem := self._check(req, now)) is not None:
            why = problem[1]
        if why is not None:
            return CancelReject(req.cl_ord_id, order.cl_ord_id, CxlRejReason.OTHER, why, order, is_replace=True)
        prev = order.cl_ord_id
        req = _with(req)
        self._by_cl.add(order.order_id, req.owner, req.cl_ord_id, order)
        if req.qty <= order.cum_qty:
            # FIX 4.4 R7 (C.3.b/c): OrderQty becomes CumQty and Filled outranks Canceled.
            order.request = _with(req, qty=order.cum_qty)
            order.price = _limit(req)
            return [self._close(order, OrdStatus.FILLED, "OrderQty at or below CumQty: nothing left to execute",
                                exec_type=ExecType.REPLACED, orig_cl_ord_id=prev)]
        new_limit = _limit(req)
        loses_priority = req.qty > old.qty or new_limit != order.price or req.ord_type != old.ord_type
        order.request, order.price = req, new_limit
        if req.tif is not old.tif or req.expire_ns != old.expire_ns:
            self._expire_at(order)
        if loses_priority:
            self._seq[order.order_id] = self._take_seq()
            book = self._open[order.request.side]
            book[order.order_id] = book.pop(order.order_id)
        reports = [self._report(ExecType.REPLACED, order, req.cl_ord_id, orig_cl_ord_id=prev)]
        if self.continuous:
            reports += self._match_one(order, now)
        return reports

    def mass_cancel(self, owner: str, side: Side | None, now: int) -> list[Report]:
        return [self._close(o, OrdStatus.CANCELED, "mass cancel") for o in self.open_orders()
                if o.request.owner == owner and (side is None or o.request.side == side)]

    def on_time(self, now: int) -> list[Report]:
        due = {o.order_id: o for expire_ns, o in self._expiries.pop_due(now) if self._expiring(expire_ns, o)}
        self._expiries.compact(len(self._seq), self._expiring)
        return [self._close(o, OrdStatus.EXPIRED, "GTD: ExpireTime reached")
                for o in sorted(due.values(), key=self._priority)]

    def set_reference(self, bid: int | None, ask: int | None, now: int) -> list[Report]:
        self._mid2 = bid + ask if bid is not None and ask is not None and bid < ask else None
        return self._match_all(now, Liquidity.ADDED) if self.continuous else []

    def set_phase(self, phase: Phase, now: int) -> list[Report]:
        self._phase = phase
        if phase is Phase.CLOSED:
            reports = []
            for o in self.open_orders():
                if o.request.tif is TimeInForce.DAY:
                    reports.append(self._close(o, OrdStatus.DONE_FOR_DAY, "session closed"))
                elif o.request.tif in _ONE_SHOT:
                    reports.append(self._close(o, OrdStatus.CANCELED, "session closed before a cross"))
            return reports
        return self._match_all(now, Liquidity.ADDED) if self.continuous else []

    def cross(self, now: int) -> list[Report]:
        """A scheduled cross: match everything that can match, then kill what IOC/FOK left."""
        reports = self._match_all(now, Liquidity.AUCTION)
        for o in self.open_orders():
            if o.request.tif in _ONE_SHOT:
                reports.append(self._close(o, OrdStatus.CANCELED, f"{o.request.tif.name}: not filled in the cross"))
        return reports

    # -- validation -----------------------------------------------------------

    def _check(self, req: OrderRequest, now: int) -> tuple[OrdRejReason, str] | None:
        unsupported = OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC
        if req.symbol != self.symbol:
            return OrdRejReason.UNKNOWN_SYMBOL, f"{self.venue} trades {self.symbol} here, not {req.symbol}"
        if req.side not in (Side.BUY, Side.SELL):
            return unsupported, f"Side {req.side!r}: a midpoint pool takes only buys and sells"
        if req.qty <= 0:
            return OrdRejReason.INCORRECT_QUANTITY, f"OrderQty {req.qty} must be positive"
        if req.min_qty is not None and not 0 <= req.min_qty <= req.qty:
            return OrdRejReason.INCORRECT_QUANTITY, f"MinQty {req.min_qty} must be between 0 and OrderQty {req.qty}"
        if self._phase is Phase.CLOSED:
            return OrdRejReason.EXCHANGE_CLOSED, f"{self.venue} is closed"
        if req.ord_type in (OrdType.STOP, OrdType.STOP_LIMIT):
            return unsupported, "stop orders are not supported at a midpoint venue"
        if req.ord_type is OrdType.PEGGED and "M" not in req.exec_inst:
            return unsupported, "only midpoint pegs (ExecInst M) are supported at a midpoint venue"
        if req.ord_type is OrdType.LIMIT and (req.price is None or req.price <= 0):
            return OrdRejReason.OTHER, "a limit order needs a positive Price"
        if req.tif not in _SUPPORTED_TIF:
            return unsupported, f"TimeInForce {req.tif.name}: a midpoint venue has no opening or closing auction"
        if req.tif is TimeInForce.GTD and (req.expire_ns is None or req.expire_ns <= now):
            return OrdRejReason.OTHER, "GTD needs an ExpireTime in the future"
        return None

    def _refuse(self, order: Order | None, owner: str, cl_ord_id: str, orig: str, *,
                is_replace: bool) -> CancelReject | None:
        """The CancelReject for a cancel/replace that cannot even be considered (FIX 4.4 R10, R19)."""
        if order is None:
            return CancelReject(cl_ord_id, orig, CxlRejReason.UNKNOWN_ORDER, f"no order with ClOrdID {orig}",
                                None, is_replace)
        used = self._by_cl.get(owner, cl_ord_id)
        if used is not None and not used.done:
            return CancelReject(cl_ord_id, order.cl_ord_id, CxlRejReason.DUPLICATE_CL_ORD_ID,
                                f"ClOrdID {cl_ord_id} is in use by working order {used.order_id}", order, is_replace)
        if order.done:
            return CancelReject(cl_ord_id, order.cl_ord_id, CxlRejReason.TOO_LATE_TO_CANCEL,
                                f"order {order.order_id} is already {order.status.name}", order, is_replace)
        return None

    # -- matching -------------------------------------------------------------

    def _can_match(self) -> bool:
        return self._mid2 is not None and self._phase is Phase.CONTINUOUS

    def _match_one(self, order: Order, now: int) -> list[Report]:
        """Match one order that just arrived or changed; nothing else can have become matchable."""
        if not self._can_match() or order.done:
            return []
        if order.request.side is Side.BUY:
            plan = self._plan([order], list(self._open[Side.SELL].values()))
        else:
            plan = self._plan(list(self._open[Side.BUY].values()), [order])
        return self._execute(plan, now, Liquidity.ADDED)

    def _match_all(self, now: int, maker: Liquidity) -> list[Report]:
        if not self._can_match():
            return []
        plan = self._plan(list(self._open[Side.BUY].values()), list(self._open[Side.SELL].values()))
        return self._execute(plan, now, maker)

    def _plan(self, buys: list[Order], sells: list[Order]) -> _Plan:
        """The matches, FOK-consistent: replan without any FOK that would fill only partly."""
        excluded: set[str] = set()
        while True:
            plan = self._walk([b for b in buys if b.order_id not in excluded],
                              [s for s in sells if s.order_id not in excluded])
            got: dict[str, int] = {}
            for b, s, q in plan:
                got[b.order_id] = got.get(b.order_id, 0) + q
                got[s.order_id] = got.get(s.order_id, 0) + q
            partial = {o.order_id for b, s, _ in plan for o in (b, s)
                       if o.request.tif is TimeInForce.FOK and got[o.order_id] < o.leaves_qty}
            if not partial:
                return plan
            excluded |= partial

    def _walk(self, buys: list[Order], sells: list[Order]) -> _Plan:
        mid2 = self._mid2
        assert mid2 is not None
        sells = [s for s in sells if s.price is None or 2 * s.price <= mid2]
        left = {s.order_id: s.leaves_qty for s in sells}
        plan: _Plan = []
        for b in buys:
            if b.price is not None and 2 * b.price < mid2:
                continue
            b_left, b_min = b.leaves_qty, b.request.min_qty or 0
            for s in sells:
                if b_left < b_min or not b_left:
                    break
                q = min(b_left, left[s.order_id])
                if q and q >= b_min and q >= (s.request.min_qty or 0):
                    plan.append((b, s, q))
                    b_left -= q
                    left[s.order_id] -= q
        return plan

    def _execute(self, plan: _Plan, now: int, maker: Liquidity) -> list[Report]:
        mid2 = self._mid2
        assert mid2 is not None
        reports = []
        for b, s, q in plan:
            first, second = (b, s) if self._priority(b) < self._priority(s) else (s, b)
            taker = Liquidity.AUCTION if maker is Liquidity.AUCTION else Liquidity.REMOVED
            for order, liquidity, contra in ((first, maker, second), (second, taker, first)):
                order.cum_qty += q
                order.notional += q * mid2
                filled = order.cum_qty == order.request.qty
                order.status = OrdStatus.FILLED if filled else OrdStatus.PARTIALLY_FILLED
                reports.append(self._report(ExecType.TRADE, order, order.cl_ord_id, last_qty=q, last_px=mid2,
                                            liquidity=liquidity, contra_owner=contra.request.owner))
                if filled:
                    self._done(order)
            self._trades.append(Trade(price=mid2, qty=q, aggressor=None, time_ns=now))
        return reports

    # -- bookkeeping ----------------------------------------------------------

    def _take_seq(self) -> int:
        self._next_seq += 1
        return self._next_seq

    def _priority(self, order: Order) -> int:
        return self._seq[order.order_id]

    def _rest(self, order: Order) -> None:
        self._seq[order.order_id] = self._take_seq()
        self._open[order.request.side][order.order_id] = order

    def _done(self, order: Order) -> None:
        """The order stopped working and its last report is made: out of the book; the index forgets it or keeps it."""
        self._open[order.request.side].pop(order.order_id, None)
        self._seq.pop(order.order_id, None)
        self._by_cl.finished(order.order_id)
        self._expiries.compact(len(self._seq), self._expiring)

    def _expire_at(self, order: Order) -> None:
        if order.request.tif is TimeInForce.GTD and order.request.expire_ns is not None:
            self._expiries.push(order.request.expire_ns, order)
            self._expiries.compact(len(self._seq), self._expiring)

    def _expiring(self, expire_ns: int, order: Order) -> bool:
        """Whether an expiry entry still stands for a working GTD order."""
        req = order.request
        return order.order_id in self._seq and req.tif is TimeInForce.GTD and req.expire_ns == expire_ns

    def _close(self, order: Order, status: OrdStatus, text: str, *, exec_type: ExecType | None = None,
               orig_cl_ord_id: str | None = None) -> Report:
        order.status = status
        report = self._report(exec_type or _EXEC_TYPE[status], order, order.cl_ord_id,
                              orig_cl_ord_id=orig_cl_ord_id, text=text)
        self._done(order)
        return report

    @staticmethod
    def _report(exec_type: ExecType, order: Order, cl_ord_id: str, *, orig_cl_ord_id: str | None = None,
                last_qty: int = 0, last_px: int = 0, liquidity: Liquidity | None = None,
                contra_owner: str | None = None, reject_reason: OrdRejReason | None = None, text: str = "") -> Report:
        extra = {
            "order_qty": str(order.request.qty),
            "cum_qty": str(order.cum_qty),
            "leaves_qty": str(order.leaves_qty),
            "ord_status": order.status.value,
            "price": "" if order.price is None else str(order.price),
            "avg_px_num": str(order.notional),
        }
        return Report(exec_type, order, cl_ord_id, orig_cl_ord_id, last_qty, last_px, liquidity, contra_owner,
                      reject_reason, text, extra)


def _limit(req: OrderRequest) -> int | None:
    """The limit in ticks: a limit order's price, a midpoint peg's optional cap, none for a market order."""
    return None if req.ord_type is OrdType.MARKET else req.price
