"""The gateway's side of the faults (``faults.FaultPlan``): making them happen on the wire.

- Orders kept off the book (``no_fill``, ``partial_fill``) live here, not in the
  engine: acknowledged, working (LeavesQty), answered for status, cancel,
  replace and mass cancel, and never filled by the market. A ``partial_fill``
  order gets its part filled by the venue at once, one ExecutionReport per
  slice (or one for ``ratio``), priced at the opposite touch if the limit
  allows, else at the limit; these fills print nowhere (no market data).
- Delays: an order's reports wait in a queue while the order is held
  (``delay_ack`` holds it from its arrival, ``delay_fills`` from a fill), so
  nothing about an order overtakes its held report. Timed unsolicited cancels
  wait in the same queue. Whatever is queued is announced to the host
  (``wake_at``) and sent by ``drain``: the FIX gateway drains at every tick of
  the venue, so there a delay's resolution is the venue's ``tick_ms`` (50 ms by
  default: never shorter than asked, up to a tick longer); the in-process
  simulation drains at the due virtual nanosecond itself.
- Figures restated after a fault: ``worse_price`` and busts/corrections change
  what the client was told, not the engine's book, so every later report about
  such an order carries CumQty and AvgPx shifted by what was changed. Busted
  quantity is not put back on the book (as an exchange's clearly-erroneous
  bust): LeavesQty stays, and an order that then ends short of its quantity is
  reported Done for day (39=3), not Filled (an IOC or FOK order Canceled, 39=4:
  its rest would have been canceled at its arrival).
- Every client fill is remembered by ExecID so that a tester can bust (ER 150=H)
  or correct (150=G) it later; ExecRefID (19) names its latest version, as the
  OMS's venue_correction expects (FIX 4.4 Vol 4, Appendix D J, rule R15).
  ``exec_id: last`` names the latest fill to a session here that still stands,
  so a scenario file, written before any ExecID exists, can bust one.
- ``reject_cancel`` refuses an OrderCancelRequest (35=F, CxlRejResponseTo
  434=1) and an OrderCancelReplaceRequest (35=G, 434=2) alike: both ask to take
  the working order back from the venue.

Two hosts carry it (``FaultHost``): the FIX gateway (gateway.py), which sends
to the owner's session, and the simulation's venue node
(oms_fix/sim/venue_node.py), whose only owner is the OMS.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

from oms_fix.fix.utctime import format_ns

from .faults import Armed, FaultError, FaultPlan, check_params
from .fix_translate import Refusal, cancel_reject_body, er_body, reject_body
from .orders import (CancelReject, CxlRejReason, ExecType, OrderRequest, Order, OrdRejReason, OrdStatus, Report, Side,
                     TimeInForce)
from .records import snapshot

if TYPE_CHECKING:
    from oms_fix.fix.message import Message

    from .venues import Venue

__all__ = ["LAST_FILL", "FaultHost", "FaultWire"]

LAST_FILL = "last"  # bust/correct exec_id: the latest fill still standing (venue ExecIDs never read so)
Body = list[tuple[int, str | bytes]]

_MAX_TRADES = 50_000  # fills remembered for busts; the oldest are forgotten beyond this


@dataclass(slots=True)
class _Fill:
    owner: str
    order: Order
    qty: int
    px: int  # as reported (after worse_price), in the venue's price units
    latest: str  # ExecID of its latest version: ExecRefID of the next bust or correction
    busted: bool = False


class FaultHost(Protocol):
    """What the wire needs of the venue it works at."""

    venue: Venue
    faults: FaultPlan

    def event(self, text: str) -> None: ...

    def exec_id(self) -> str: ...

    def dispatch(self, reports: list[Report], now: int) -> None:
        """Reports as the host sends them (through ``FaultWire.report`` while ``engaged``)."""

    def send_to(self, owner: str, mt: bytes, body: Body) -> None:
        """An ExecutionReport (8) or OrderCancelReject (9) to the session ``owner``, if it is there."""

    def publish_status(self) -> None:
        """Tell the sessions of the halts and resumes in ``venue.status_changes``."""

    def wake_at(self, due: int) -> None:
        """Something was queued for ``due``: ``drain`` at or after it."""


def _patch(body: Body, tag: int, value: str) -> Body:
    return [(t, value if t == tag else v) for t, v in body]


def _restated_status(status: str, cum: int, leaves: int, order_qty: int, tif: TimeInForce) -> str:
    if status == OrdStatus.FILLED.value and cum < order_qty:
        # Ended short of its quantity and nothing more will come: an IOC or FOK order's rest is canceled,
        # as it would have been at its arrival; another order is done for the day.
        if tif in (TimeInForce.IOC, TimeInForce.FOK):
            return OrdStatus.CANCELED.value
        return OrdStatus.DONE_FOR_DAY.value
    if status == OrdStatus.PARTIALLY_FILLED.value and cum == 0:
        return OrdStatus.NEW.value
    return status


class FaultWire:
    def __init__(self, host: FaultHost):
        self.host = host
        self.held: dict[tuple[str, str], Order] = {}  # (owner, ClOrdID) -> an order kept off the book
        self._hold: dict[str, int] = {}  # OrderID -> its reports wait in the queue until then
        self._queue: list[tuple[int, int, Callable[[int], None]]] = []
        self._seq = count()
        self._adj: dict[str, tuple[int, int]] = {}  # OrderID -> (CumQty, notional) added to the engine's
        self._fills: dict[str, _Fill] = {}
        self._n = 0

    @property
    def engaged(self) -> bool:
        """Something here may change a report (else the gateway sends it as it always did): a fill fault armed,
        an order's reports held back, or figures restated. Faults at other points (new orders, cancels, the
        session, the market) are met where they apply and leave the reports' path alone."""
        return self.host.faults.armed_at("fill") or bool(self._hold) or bool(self._adj)

    def _event(self, a: Armed | None, text: str) -> None:
        self.host.event(text if a is None else f"fault {a.fault_id} {a.kind} {text}")

    def _fired(self, a: Armed, session: str, symbol: str, cl: str, what: str | None = None) -> None:
        if what is not None:
            self.host.faults.note(a, what)
        rec = self.host.faults.fired()[a.firing]
        self._event(a, f"fired on {session} {symbol} cl={cl}: {rec['what']}")

    # -- orders arriving ------------------------------------------------------------------------------------

    def on_new(self, msg: Message, req: OrderRequest, now: int) -> bool:
        """Apply the faults armed for a new order; True if the order was handled here."""
        plan = self.host.faults
        if not plan.armed_at("new"):
            return False
        kw: dict[str, Any] = {"symbol": req.symbol, "session": req.owner, "now": now, "cl_ord_id": req.cl_ord_id}
        rej = plan.match("new", kinds=("reject",), **kw)
        if rej is not None:
            body = reject_body(msg, Refusal(OrdRejReason.OTHER, rej.params["text"]), self.host.exec_id(),
                               format_ns(now))
            self.host.send_to(req.owner, b"8", _patch(body, 103, str(rej.params["reason"])))
            self._fired(rej, req.owner, req.symbol, req.cl_ord_id)
            return True
        keep = plan.match("new", kinds=("no_fill", "partial_fill"), **kw)
        ack = plan.match("new", kinds=("delay_ack",), **kw)
        unsol = plan.match("new", kinds=("cancel_unsolicited",), **kw)
        if keep is None and ack is None and unsol is None:
            return False
        order: Order | None
        if keep is not None:
            order, reports, what = self._keep(keep, req, now)
            self._fired(keep, req.owner, req.symbol, req.cl_ord_id, what)
        else:
            reports = self.host.venue.submit(req, now)
            order = next((r.order for r in reports if r.order.request.owner == req.owner
                          and r.order.request.cl_ord_id == req.cl_ord_id), None)
        if ack is not None:
            if order is not None:
                self._hold[order.order_id] = max(self._hold.get(order.order_id, 0), now + ack.delay_ns)
            self._fired(ack, req.owner, req.symbol, req.cl_ord_id)
        if unsol is not None:
            self._fired(unsol, req.owner, req.symbol, req.cl_ord_id)
            if order is not None:
                self._later_cancel(unsol, order, now + unsol.delay_ns)
        self.host.dispatch(reports, now)
        return True

    def _later_cancel(self, a: Armed, order: Order, due: int) -> None:
        self._at(due, lambda t: self._cancel_unsolicited(a, order, t))

    def _keep(self, a: Armed, req: OrderRequest, now: int) -> tuple[Order, list[Report], str]:
        self._n += 1
        venue = self.host.venue
        prefix = f"{venue.name}-{venue.run_id}" if venue.run_id else venue.name
        order = Order(order_id=f"{prefix}-{req.symbol}-H{self._n}", request=req, price=req.price, accepted_ns=now)
        self.held[(req.owner, req.cl_ord_id)] = order
        reports = [Report(ExecType.NEW, order, req.cl_ord_id, extra=snapshot(order))]
        if a.kind == "no_fill":
            return order, reports, "acknowledged, kept off the book: it will never fill"
        if "ratio" in a.params:
            parts = [int(req.qty * a.params["ratio"])]
        else:
            parts, left = [], req.qty
            for q in a.params["slices"]:
                if left <= 0:
                    break
                parts.append(min(q, left))
                left -= parts[-1]
        parts = [q for q in parts if q > 0]
        px = self._fill_price(order)
        if px is None:
            return order, reports, f"no price to fill at: nothing of {req.qty} filled, and nothing will be"
        for q in parts:
            order.cum_qty += q
            order.notional += q * px
            order.status = OrdStatus.FILLED if order.cum_qty >= req.qty else OrdStatus.PARTIALLY_FILLED
            reports.append(Report(ExecType.TRADE, order, req.cl_ord_id, last_qty=q, last_px=px,
                                  extra=snapshot(order)))
        price = venue.pricing[req.symbol].fmt(px, venue.denominator)
        return order, reports, (f"filled {order.cum_qty} of {req.qty} in {len(parts)} fill(s) at {price}; "
                                f"{req.qty - order.cum_qty} will never fill")

    def _fill_price(self, order: Order) -> int | None:
        """The opposite touch if the limit allows it, else the limit; in the venue's price units."""
        venue, req = self.host.venue, order.request
        eng = venue.engines[req.symbol]
        other = eng.levels(Side.SELL if req.side is Side.BUY else Side.BUY, 1)
        px: int | None = None
        if other:
            touch = other[0][0]
            ok = req.price is None or (touch <= req.price if req.side is Side.BUY else touch >= req.price)
            px = touch if ok else req.price
        elif req.price is not None:
            px = req.price
        elif venue.flow is not None:
            px = max(1, round(venue.flow.fair_value(req.symbol)))
        return None if px is None else px * venue.denominator

    def _refuse_cancel(self, owner: str, cl: str, orig: str, symbol: str, held: Order | None, now: int,
                       is_replace: bool) -> bool:
        """reject_cancel, for a cancel or a cancel/replace of a live order: True if it was refused."""
        if not self.host.faults.armed_at("cancel"):
            return False
        order = held if held is not None else self.host.venue.engines[symbol].find(owner, orig)
        if order is None or order.done:
            return False
        a = self.host.faults.match("cancel", symbol=symbol, session=owner, now=now, cl_ord_id=cl)
        if a is None:
            return False
        rej = CancelReject(cl, orig, CxlRejReason.OTHER, a.params["text"], order, is_replace=is_replace)
        self._emit(owner, order.order_id, b"9", _patch(cancel_reject_body(rej), 102, str(a.params["reason"])), now)
        self._fired(a, owner, symbol, cl, f"{'cancel/replace' if is_replace else 'cancel'} rejected (CxlRejReason "
                                          f"{a.params['reason']}): {a.params['text']}")
        return True

    def on_cancel(self, owner: str, cl: str, orig: str, symbol: str, now: int) -> bool:
        """reject_cancel, and cancels of orders kept off the book; True if answered here."""
        held = self.held.get((owner, orig))
        if self._refuse_cancel(owner, cl, orig, symbol, held, now, is_replace=False):
            return True
        if held is None:
            return False
        if held.done:
            self._emit(owner, held.order_id, b"9", cancel_reject_body(CancelReject(
                cl, orig, CxlRejReason.TOO_LATE_TO_CANCEL, f"order is already {held.status.name.lower()}", held)), now)
            return True
        del self.held[(owner, orig)]
        held.request.cl_ord_id = cl
        held.status = OrdStatus.CANCELED
        self.held[(owner, cl)] = held
        self.host.dispatch([Report(ExecType.CANCELED, held, cl, orig_cl_ord_id=orig, extra=snapshot(held))], now)
        return True

    def on_replace(self, orig: str, req: OrderRequest, now: int) -> bool:
        """reject_cancel, and replaces of orders kept off the book; True if answered here."""
        held = self.held.get((req.owner, orig))
        if self._refuse_cancel(req.owner, req.cl_ord_id, orig, req.symbol, held, now, is_replace=True):
            return True
        if held is None:
            return False
        if held.done or req.qty <= held.cum_qty:
            why = f"order is already {held.status.name.lower()}" if held.done else "OrderQty is not above CumQty"
            self._emit(req.owner, held.order_id, b"9", cancel_reject_body(CancelReject(
                req.cl_ord_id, orig, CxlRejReason.TOO_LATE_TO_CANCEL if held.done else CxlRejReason.OTHER, why,
                held, is_replace=True)), now)
            return True
        del self.held[(req.owner, orig)]
        held.request, held.price = req, req.price
        self.held[(req.owner, req.cl_ord_id)] = held
        self.host.dispatch([Report(ExecType.REPLACED, held, req.cl_ord_id, orig_cl_ord_id=orig,
                                 extra=snapshot(held))], now)
        return True

    def find(self, owner: str, cl: str) -> Order | None:
        return self.held.get((owner, cl))

    def mass_cancel(self, owner: str, symbol: str | None, side: Side | None, now: int) -> list[Report]:
        out = []
        for (o, _), order in self.held.items():
            req = order.request
            if o == owner and not order.done and symbol in (None, req.symbol) and side in (None, req.side):
                order.status = OrdStatus.CANCELED
                out.append(Report(ExecType.CANCELED, order, req.cl_ord_id, extra=snapshot(order)))
        return out

    def _cancel_unsolicited(self, a: Armed, order: Order, now: int) -> None:
        req = order.request
        last = order.cl_ord_id
        if order.done:
            self._event(a, f"on {req.owner} {req.symbol} cl={last}: nothing to cancel, the order is already "
                           f"{order.status.name.lower()}")
            return
        if self.held.get((req.owner, last)) is order:
            order.status = OrdStatus.CANCELED
            reports = [Report(ExecType.CANCELED, order, last, extra=snapshot(order))]
        else:
            # The engine cancels only on a request: one under a ClOrdID of ours, reported under the order's own.
            res = self.host.venue.cancel(req.symbol, req.owner, f"{last}~{a.fault_id}", last, now)
            if isinstance(res, CancelReject):
                self._event(a, f"on {req.owner} {req.symbol} cl={last}: could not cancel ({res.text})")
                return
            # That ClOrdID was only our handle on the engine: the order keeps its own, under which the engine
            # still finds it, so a status request or a late cancel by it is answered as for this order.
            order.request.cl_ord_id = last
            reports = res
        for r in reports:
            # FIX 4.4 Vol 4 (D.7, unsolicited cancel): the order's own ClOrdID, no OrigClOrdID; ExecRestatementReason
            # (378) is defined for this case as well as for ExecType D.
            r.cl_ord_id, r.orig_cl_ord_id, r.text = last, None, a.params["text"]
            self.report(r, now, [(378, str(a.params["reason"]))])
        self._event(a, f"canceled {req.owner} {req.symbol} cl={last} (leaves {reports[0].order.request.qty - order.cum_qty})")

    # -- reports going out ----------------------------------------------------------------------------------

    def report(self, r: Report, now: int, add: Body | None = None) -> str:
        """One ExecutionReport to the order's session, after the fill faults and any restated figures (a fill's
        LastPx in ``r`` as reported); its ExecID."""
        host, order = self.host, r.order
        owner, oid = order.request.owner, order.order_id
        trade = r.exec_type is ExecType.TRADE
        if trade and host.faults.armed_at("fill"):
            self._fill_faults(r, now)
        self._restate(r)
        exec_id = host.exec_id()
        venue = host.venue
        body = er_body(r, venue.pricing[order.request.symbol], venue.name, exec_id, format_ns(now), venue.denominator,
                       venue.commission(r))
        if trade:
            self._remember(exec_id, _Fill(owner, order, r.last_qty, r.last_px, exec_id))
        self._emit(owner, oid, b"8", body + (add or []), now)
        return exec_id

    def _fill_faults(self, r: Report, now: int) -> None:
        req = r.order.request
        kw: dict[str, Any] = {"symbol": req.symbol, "session": req.owner, "now": now, "cl_ord_id": r.cl_ord_id}
        worse = self.host.faults.match("fill", kinds=("worse_price",), **kw)
        if worse is not None:
            step = worse.params["ticks"] * self.host.venue.denominator
            px = r.last_px + step if req.side is Side.BUY else max(self.host.venue.denominator, r.last_px - step)
            cum, num = self._adj.get(r.order.order_id, (0, 0))
            self._adj[r.order.order_id] = (cum, num + (px - r.last_px) * r.last_qty)
            pricing = self.host.venue.pricing[req.symbol]
            d = self.host.venue.denominator
            self._fired(worse, req.owner, req.symbol, r.cl_ord_id,
                        f"{r.last_qty} filled at {pricing.fmt(px, d)} instead of {pricing.fmt(r.last_px, d)}")
            r.last_px = px
        delay = self.host.faults.match("fill", kinds=("delay_fills",), **kw)
        if delay is not None:
            oid = r.order.order_id
            self._hold[oid] = max(self._hold.get(oid, 0), now + delay.delay_ns)
            self._fired(delay, req.owner, req.symbol, r.cl_ord_id)

    def _restate(self, r: Report) -> None:
        adj = self._adj.get(r.order.order_id)
        if adj is None:
            return
        ex = dict(r.extra) if "ord_status" in r.extra else snapshot(r.order)
        cum, num, leaves = int(ex["cum_qty"]) + adj[0], int(ex["avg_px_num"]) + adj[1], int(ex["leaves_qty"])
        ex.update(cum_qty=str(cum), avg_px_num=str(num),
                  ord_status=_restated_status(ex["ord_status"], cum, leaves, r.order.request.qty,
                                              r.order.request.tif))
        r.extra = ex

    def remember(self, exec_id: str, r: Report) -> None:
        """A fill the gateway sent as it always did (nothing engaged): kept for a bust or correction later."""
        self._remember(exec_id, _Fill(r.order.request.owner, r.order, r.last_qty, r.last_px, exec_id))

    def _remember(self, exec_id: str, fill: _Fill) -> None:
        if fill.owner[:1] == "~":
            return
        if len(self._fills) >= _MAX_TRADES:
            del self._fills[next(iter(self._fills))]
        self._fills[exec_id] = fill

    def held_back(self, owner: str, rej: CancelReject, now: int) -> bool:
        """The venue's own OrderCancelReject for an order whose reports are held (delay_ack, delay_fills): queued
        behind them, so that a "too late to cancel" never overtakes the held fill that made it so. False when
        nothing of the order is held: the caller sends it now."""
        if rej.order is None or rej.order.order_id not in self._hold:
            return False
        self._emit(owner, rej.order.order_id, b"9", cancel_reject_body(rej), now)
        return True

    def _emit(self, owner: str, order_id: str, mt: bytes, body: Body, now: int) -> None:
        due = self._hold.get(order_id)
        if due is None:
            self.host.send_to(owner, mt, body)
        else:  # behind the order's held reports, even once due: the queue goes out first, at the next drain
            self._at(due, lambda t: self.host.send_to(owner, mt, body))

    def _at(self, due: int, fn: Callable[[int], None]) -> None:
        heapq.heappush(self._queue, (due, next(self._seq), fn))
        self.host.wake_at(due)

    def drain(self, now: int) -> None:
        """Send what is due (the gateway's tick, the simulation's wakeup); then forget the holds that are over."""
        while self._queue and self._queue[0][0] <= now:
            _, _, fn = heapq.heappop(self._queue)
            fn(now)
        if self._hold:
            self._hold = {k: v for k, v in self._hold.items() if v > now}
        for f in self.host.faults.expire(now):
            if not f["fired"]:
                self.host.event(f"fault {f['id']} {f['kind']} never fired: its window ended")

    # -- immediate operations ---------------------------------------------------------------------------------

    def operate(self, kind: str, params: Mapping[str, Any] | None, now: int) -> dict[str, Any]:
        """A bust, correction, halt or resume, at once; ``FaultError`` if it cannot be done."""
        p = check_params(kind, params)
        if kind in ("halt", "resume"):
            return self._halt(kind, p["symbol"], now)
        if p["exec_id"] == LAST_FILL:
            p["exec_id"] = self._last_fill(kind)
        fill = self._fills.get(p["exec_id"])
        if fill is None:
            raise FaultError(f"{kind}: params.exec_id: no fill with ExecID {p['exec_id']!r} to a session here")
        if fill.busted:
            raise FaultError(f"{kind}: params.exec_id: {p['exec_id']} was busted already (a bust is final)")
        order = fill.order
        req = order.request
        venue = self.host.venue
        pricing = venue.pricing[req.symbol]
        qty, px = 0, fill.px  # a bust is a correction to nothing
        if kind == "correct":
            qty = p["qty"] if p["qty"] is not None else fill.qty
            if qty > fill.qty:
                raise FaultError(f"correct: params.qty: {qty} is above the fill's {fill.qty} (the venue can take "
                                 "quantity back, not make more)")
            if p["price"] is not None:
                ticks = pricing.to_ticks(p["price"].encode(), 31)
                if isinstance(ticks, Refusal):
                    raise FaultError(f"correct: params.price: {ticks.text}")
                px = ticks * venue.denominator
        cum, num = self._adj.get(order.order_id, (0, 0))
        self._adj[order.order_id] = (cum + qty - fill.qty, num + qty * px - fill.qty * fill.px)
        r = Report(ExecType.TRADE, order, order.cl_ord_id, last_qty=qty, last_px=px, extra=snapshot(order))
        self._restate(r)
        exec_id = self.host.exec_id()
        body = er_body(r, pricing, venue.name, exec_id, format_ns(now), venue.denominator)
        body = _patch(body, 150, "G" if kind == "correct" else "H")
        body.insert(3, (19, fill.latest))  # after 37, 11, 17 (and 41 if any: the position does not matter)
        if kind == "bust":  # LastQty and LastPx 0, as Appendix D J.1.a step 5 shows a bust (er_body leaves out 0)
            body += [(32, "0"), (31, "0")]
        ref = fill.latest
        if kind == "bust":
            fill.busted = True
            what = f"busted ExecID {ref} ({fill.qty} at {pricing.fmt(fill.px, venue.denominator)})"
        else:
            fill.qty, fill.px, fill.latest = qty, px, exec_id
            self._fills[exec_id] = fill
            what = (f"corrected ExecID {ref} to {qty} at {pricing.fmt(px, venue.denominator)}")
        self._emit(fill.owner, order.order_id, b"8", body, now)
        fid = self.host.faults.record(kind, p, now, session=fill.owner, symbol=req.symbol, cl_ord_id=order.cl_ord_id,
                                    what=what)
        self.host.event(f"fault {fid} {kind} fired on {fill.owner} {req.symbol} cl={order.cl_ord_id}: {what}")
        return {"id": fid, "kind": kind, "exec_id": exec_id, "exec_ref_id": ref, "what": what}

    def _last_fill(self, kind: str) -> str:
        """The ExecID of the latest version of the latest fill that still stands."""
        for exec_id in reversed(self._fills):
            if not self._fills[exec_id].busted:
                return exec_id
        raise FaultError(f"{kind}: params.exec_id: {LAST_FILL}: no fill to a session here to {kind}")

    def _halt(self, kind: str, symbol: str, now: int) -> dict[str, Any]:
        venue = self.host.venue
        if symbol not in venue.engines:
            raise FaultError(f"{kind}: params.symbol: {symbol!r} is not traded here")
        if (symbol in venue.halted) == (kind == "halt"):
            raise FaultError(f"{kind}: params.symbol: {symbol} is {'already' if kind == 'halt' else 'not'} halted")
        reports = venue.halt(symbol, now) if kind == "halt" else venue.resume(symbol, now)
        # SecurityStatus (35=f) to every session, as for a configured halt, before the reopening's fills.
        self.host.publish_status()
        self.host.dispatch(reports, now)
        what = f"{symbol} {'halted' if kind == 'halt' else 'resumed'}"
        fid = self.host.faults.record(kind, {"symbol": symbol}, now, symbol=symbol, what=what)
        self.host.event(f"fault {fid} {kind} fired on {symbol}: {what}")
        return {"id": fid, "kind": kind, "what": what}
