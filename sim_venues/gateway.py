"""A venue behind our FIX 4.4 acceptor: orders in, execution reports and market data out.

Every peer CompID is its own session with its own sequence numbers (the
registry's pattern, ``*`` unless the config restricts it) and its own ClOrdID
space: the engine keys orders by (owner, ClOrdID) with the owner being the
peer's SenderCompID. Messages the venue handles:

- 35=D NewOrderSingle -> ExecutionReports (New, Trade, Canceled for IOC/FOK
  remainders, Rejected with OrdRejReason and a Text naming the rule)
- 35=F / 35=G -> Canceled / Replaced, or OrderCancelReject (35=9) with CxlRejReason
- 35=H OrderStatusRequest -> ExecType I (Appendix D R14)
- 35=q OrderMassCancelRequest -> OrderMassCancelReport (35=r), then a Canceled each
- 35=V MarketDataRequest -> 35=W snapshot, then 35=X increments; 35=Y reject
- anything else -> BusinessMessageReject (35=j), 380=3 unsupported message type

Faults a tester arms (``faults``, a ``FaultPlan`` seeded from ``seed``) are
consulted at a new order, a cancel and a fill (fault_wire.py makes them
happen); ``operate`` busts or corrects a fill, halts or resumes a symbol.
Session faults (skip a MsgSeqNum, garble, refuse a Logon, drop the connection, ...)
are made by session_faults.py through the connection's ``wire`` hook and the
acceptor's ``logon_gate`` (serve.py sets it to ``logon_gate`` here).
Every firing goes to ``on_event`` (serve.py prints and files it), so a tester
can tell a simulated fault from a bug.

Reports for orders whose session is logged out wait in its store and go out
after the next Logon (FIX 4.4 Vol 2: messages created while disconnected are
sent, not lost). A session that logs out loses its market data subscriptions.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from itertools import count
from typing import Any, Callable, Mapping

from oms_fix.fix.message import Message
from oms_fix.fix.session import ProtocolError
from oms_fix.fix.utctime import format_ns
from oms_fix.live.clock import Clock
from oms_fix.live.connection import SessionConnection

from . import marketdata as md
from .daycycle import securitystatus, tradsesstatus
from .fault_wire import FaultWire
from .session_faults import SessionFaults
from .faults import KINDS, MARKET_OPS, FaultPlan, Scope, check_params
from .market_faults import MarketFaults
from .fix_translate import (Refusal, cancel_reject_body, er_body, parse_order, reject_body,
                            status_unknown_body, wire)
from .orders import CancelReject, CxlRejReason, ExecType, OrdRejReason, Phase, Report, Side
from .venues import Venue

__all__ = ["VenueGateway"]

_SIDES = {b"1": Side.BUY, b"2": Side.SELL, b"5": Side.SELL, b"6": Side.SELL}


class VenueGateway:
    """The FixAcceptor application for one venue."""

    def __init__(self, venue: Venue, clock: Clock, *, seed: int = 0,
                 on_event: Callable[[str], None] | None = None):
        self.venue = venue
        # ExecIDs are unique per venue across restarts: the venue's run id is in every one.
        self._exec_prefix = f"{venue.name}-{venue.run_id}-E" if venue.run_id else f"{venue.name}-E"
        self.clock = clock
        self.conns: dict[str, SessionConnection] = {}
        self.subs: dict[str, dict[str, md.MdRequest]] = {}
        self._exec_ids = count(1)
        self.orders_handled = 0
        self._publish_due = False
        self.trades = 0
        self.volume = 0
        self.faults = FaultPlan(seed, symbols=tuple(venue.engines))
        self.on_event = on_event
        self._fx = FaultWire(self)
        self._sx = SessionFaults(self)
        self.logon_gate = self._sx.logon_gate  # for the FixAcceptor: refuse_logon
        self.market = MarketFaults(venue, self.faults, self.event)
        venue.market = self.market

    # -- faults -----------------------------------------------------------------

    def arm(self, kind: str, params: Mapping[str, Any] | None, scope: Scope) -> str:
        """Arm a fault (``FaultError`` if it cannot be) and say so in the event log."""
        fid = self.faults.arm(kind, params, scope, self.clock.now_ns())
        limits = {k: v for k, v in asdict(scope).items() if v is not None and (k, v) != ("probability", 1.0)}
        self.event(f"fault {fid} {kind} armed: params {check_params(kind, params)}, scope {limits or 'everything'}")
        self._sx.sync()
        if KINDS[kind].point == "market":
            self.tick()  # a market state takes effect now, not at the next tick
        return fid

    def disarm(self, fault_id: str) -> bool:
        now = self.clock.now_ns()
        market = any(a.fault_id == fault_id for a, _ in self.faults.states(now))
        done = self.faults.disarm(fault_id, now)
        if done:
            self.event(f"fault {fault_id} disarmed")
            self._sx.sync()
            if market:
                self.tick()
        return done

    def operate(self, kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """bust / correct a fill, halt / resume a symbol, drop a connection, move fair value, spike volume, now
        (``FaultError`` if it cannot be)."""
        if kind == "drop_connection":
            return self._sx.drop(params, self.clock.now_ns())
        if kind in MARKET_OPS:
            out = self.market.operate(kind, params, self.clock.now_ns())
            self.tick()  # a spike's first order goes now
            return out
        return self._fx.operate(kind, params, self.clock.now_ns())

    def event(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)

    # -- Application ------------------------------------------------------------

    def on_logon(self, conn: SessionConnection) -> None:
        owner = conn.session.config.target_comp_id
        self.conns[owner] = conn
        self._sx.sync()
        with conn.batch():
            self._send(conn, b"h", self._session_status(self.venue.phase))
            # A symbol halted now is said to be at every Logon: a client that was away must not take it as open.
            for symbol in sorted(self.venue.halted):
                self._send(conn, b"f", self._security_status(symbol, Phase.HALTED))

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.subs.pop(conn.session.config.target_comp_id, None)
        self._sx.forget(conn.session.config.target_comp_id)

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        now = self.clock.now_ns()
        owner = conn.session.config.target_comp_id
        self.conns[owner] = conn
        mt = msg.msg_type
        with conn.batch():
            if mt == b"D":
                self._new_order(conn, owner, msg, now)
            elif mt == b"F":
                self._cancel(conn, owner, msg, now)
            elif mt == b"G":
                self._replace(conn, owner, msg, now)
            elif mt == b"H":
                self._status(conn, owner, msg, now)
            elif mt == b"q":
                self._mass_cancel(conn, owner, msg, now)
            elif mt == b"V":
                self._md_request(conn, owner, msg)
            else:
                conn.business_reject(msg, 3, f"{self.venue.name} does not support MsgType "
                                             f"{(mt or b'').decode('latin-1')}", msg.get(11))
        if not self._publish_due:
            # One market data pass after all the messages of this read, not one per message.
            self._publish_due = True
            asyncio.get_running_loop().call_soon(self._publish_now)

    def _publish_now(self) -> None:
        self._publish_due = False
        self.publish(self.clock.now_ns())

    # -- time -------------------------------------------------------------------

    def tick(self) -> None:
        """Advance the venue to now and send what it did (the runtime calls this every tick_ms)."""
        now = self.clock.now_ns()
        self._fx.drain(now)
        self._sx.tick(now)
        reports = self.venue.advance(now)
        self.publish_status()  # a halt or a reopening is said before what it caused (the reopening's uncross)
        self.dispatch(reports, now)
        self.publish(now)

    def set_reference(self, symbol: str, bid: int | None, ask: int | None) -> None:
        now = self.clock.now_ns()
        self.dispatch(self.venue.set_reference(symbol, bid, ask, now), now)

    # -- orders -----------------------------------------------------------------

    def _new_order(self, conn: SessionConnection, owner: str, msg: Message, now: int) -> None:
        self.orders_handled += 1
        symbol = (msg.get(55) or b"").decode("latin-1")
        pricing = self.venue.pricing.get(symbol)
        if pricing is None:
            self._reject(conn, msg, Refusal(OrdRejReason.UNKNOWN_SYMBOL, f"unknown symbol {symbol!r} at {self.venue.name}"), now)
            return
        req = parse_order(msg, owner, pricing)
        if isinstance(req, Refusal):
            self._reject(conn, msg, req, now)
            return
        if msg.get(97) == b"Y":
            # R13: a PossResend of an order already taken is answered with its status, not a duplicate reject.
            existing = self.venue.engines[symbol].find(owner, req.cl_ord_id)
            if existing is not None:
                self.dispatch([Report(ExecType.ORDER_STATUS, existing, existing.cl_ord_id)], now)
                return
        if self._fx.on_new(msg, req, now):
            return
        self.dispatch(self.venue.submit(req, now), now)

    def _cancel(self, conn: SessionConnection, owner: str, msg: Message, now: int) -> None:
        cl, orig = (msg.get(11) or b"").decode("latin-1"), (msg.get(41) or b"").decode("latin-1")
        symbol = (msg.get(55) or b"").decode("latin-1")
        if symbol not in self.venue.engines:
            self._cancel_reject(conn, CancelReject(cl, orig, CxlRejReason.UNKNOWN_ORDER, f"unknown symbol {symbol!r}"))
            return
        if self._fx.on_cancel(owner, cl, orig, symbol, now):
            return
        out = self.venue.cancel(symbol, owner, cl, orig, now)
        if isinstance(out, CancelReject):
            self._cancel_reject(conn, out)
        else:
            self.dispatch(out, now)

    def _replace(self, conn: SessionConnection, owner: str, msg: Message, now: int) -> None:
        cl, orig = (msg.get(11) or b"").decode("latin-1"), (msg.get(41) or b"").decode("latin-1")
        symbol = (msg.get(55) or b"").decode("latin-1")
        pricing = self.venue.pricing.get(symbol)
        if pricing is None:
            self._cancel_reject(conn, CancelReject(cl, orig, CxlRejReason.UNKNOWN_ORDER, f"unknown symbol {symbol!r}",
                                                   is_replace=True))
            return
        req = parse_order(msg, owner, pricing)
        if isinstance(req, Refusal):
            order = self.venue.engines[symbol].find(owner, orig)
            self._cancel_reject(conn, CancelReject(cl, orig, CxlRejReason.OTHER, req.text, order, is_replace=True))
            return
        if self._fx.on_replace(orig, req, now):
            return
        out = self.venue.replace(orig, req, now)
        if isinstance(out, CancelReject):
            self._cancel_reject(conn, out)
        else:
            self.dispatch(out, now)

    def _status(self, conn: SessionConnection, owner: str, msg: Message, now: int) -> None:
        cl = (msg.get(11) or b"").decode("latin-1")
        eng = self.venue.engines.get((msg.get(55) or b"").decode("latin-1"))
        order = eng.find(owner, cl) if eng is not None else None
        if order is None:
            order = self._fx.find(owner, cl)
        if order is None:
            self._send(conn, b"8", status_unknown_body(msg, self.exec_id(), format_ns(now)))
            return
        # R14: asked by a pre-replace ClOrdID, answered under the current one with 41 naming the one asked.
        self.dispatch([Report(ExecType.ORDER_STATUS, order, order.cl_ord_id,
                              orig_cl_ord_id=cl if cl != order.cl_ord_id else None)], now)

    def _mass_cancel(self, conn: SessionConnection, owner: str, msg: Message, now: int) -> None:
        kind = msg.get(530) or b""
        symbol = (msg.get(55) or b"").decode("latin-1") or None
        body: list[tuple[int, str | bytes]] = [(11, msg.get(11) or b""), (37, f"MC-{self.exec_id()}"),
                                               (530, kind)]
        if kind not in (b"1", b"7") or (kind == b"1" and symbol not in self.venue.engines):
            why = ("unknown symbol " + repr(symbol)) if kind == b"1" else \
                f"MassCancelRequestType (530) {kind.decode('latin-1')} is not supported (1 by security, 7 all orders)"
            reason = b"1" if kind == b"1" else b"0"
            self._send(conn, b"r", body + [(531, "0"), (532, reason), (58, why)])
            return
        side = _SIDES.get(msg.get(54) or b"")
        reports = self.venue.mass_cancel(owner, symbol if kind == b"1" else None, side, now)
        reports += self._fx.mass_cancel(owner, symbol if kind == b"1" else None, side, now)
        self._send(conn, b"r", body + [(531, kind), (533, str(len(reports)))])
        self.dispatch(reports, now)

    # -- outbound -----------------------------------------------------------------

    def exec_id(self) -> str:
        return f"{self._exec_prefix}{next(self._exec_ids)}"

    def send_to(self, owner: str, mt: bytes, body: list[tuple[int, str | bytes]]) -> None:
        """To the session ``owner`` if it ever logged on (its store keeps what it misses while logged out)."""
        conn = self.conns.get(owner)
        if conn is not None:
            self._send(conn, mt, body)

    def wake_at(self, due: int) -> None:
        """The fault wire queued something for ``due``: ``tick`` drains it, within tick_ms."""

    def dispatch(self, reports: list[Report], now: int) -> None:
        """One ExecutionReport per report, to the session that owns the order (the venue's own orders have none)."""
        tt = format_ns(now)
        venue = self.venue
        fx = self._fx
        engaged = fx.engaged
        for r in reports:
            conn = self.conns.get(r.order.request.owner)
            if conn is None:
                continue
            if engaged:
                fx.report(r, now)
                continue
            pricing = venue.pricing[r.order.request.symbol]
            exec_id = self.exec_id()
            self._send(conn, b"8", er_body(r, pricing, venue.name, exec_id, tt, venue.denominator,
                                           venue.commission(r)))
            if r.exec_type is ExecType.TRADE:  # a client's fill is remembered, for a bust later
                fx.remember(exec_id, r)

    def _reject(self, conn: SessionConnection, msg: Message, refusal: Refusal, now: int) -> None:
        self._send(conn, b"8", reject_body(msg, refusal, self.exec_id(), format_ns(now)))

    def _cancel_reject(self, conn: SessionConnection, rej: CancelReject) -> None:
        if not self._fx.held_back(conn.session.config.target_comp_id, rej, self.clock.now_ns()):
            self._send(conn, b"9", cancel_reject_body(rej))

    def _send(self, conn: SessionConnection, mt: bytes, body: list[tuple[int, str | bytes]]) -> None:
        try:
            conn.send(mt, wire(body))
        except ProtocolError as e:
            # Held too long while logged out: say so in its event log rather than fail the venue.
            conn.log.event("error", f"not sent ({e})", self.clock.now_ns())

    # -- market data and status -------------------------------------------------

    def _md_request(self, conn: SessionConnection, owner: str, msg: Message) -> None:
        req = md.parse_request(msg, self.venue.engines)
        if isinstance(req, md.MdRefusal):
            self._send(conn, b"Y", md.reject_body(msg.get(262) or b"", req))
            return
        subs = self.subs.setdefault(owner, {})
        if req.kind == "2":
            if subs.pop(req.md_req_id, None) is None:
                self._send(conn, b"Y", md.reject_body(req.md_req_id, md.MdRefusal("0", f"no subscription {req.md_req_id!r}")))
            return
        if req.kind == "1" and req.md_req_id in subs:
            self._send(conn, b"Y", md.reject_body(req.md_req_id, md.MdRefusal("1", f"MDReqID {req.md_req_id!r} is already subscribed")))
            return
        for symbol in req.symbols:
            view = md.DepthView(req.depth)
            self._refresh(view, req, symbol)
            self._send(conn, b"W", md.snapshot_body(req, symbol, self.venue.pricing[symbol], view))
            req.views[symbol] = view
        if req.kind == "1":
            subs[req.md_req_id] = req

    def _refresh(self, view: md.DepthView, req: md.MdRequest, symbol: str) -> list[md.Entry]:
        eng = self.venue.engines[symbol]
        out: list[md.Entry] = []
        if md.BID in req.entry_types:
            bids = eng.levels(Side.BUY, req.depth)
            if symbol in self.market.crossing:  # a tester's crossed_quote: only what is sent is crossed
                bids = self.market.crossed_bids(symbol, bids, eng.levels(Side.SELL, 1))
            out += view.update(md.BID, bids)
        if md.OFFER in req.entry_types:
            out += view.update(md.OFFER, eng.levels(Side.SELL, req.depth))
        return out

    def publish(self, now: int) -> None:
        """Increments for every subscription whose view changed, and the trades since the last call.

        A stale symbol (market_faults.py) is skipped: its views keep what they were last sent, so the first
        publish after it is fresh again sends what changed meanwhile, then the trades held back."""
        trades: dict[str, list[md.Entry]] = {}
        for s, e in self.venue.engines.items():
            drained = e.drain_trades()
            self.trades += len(drained)
            self.volume += sum(t.qty for t in drained)
            trades[s] = md.trade_entries(self.market.trades(s, drained))
        stale = self.market.stale
        if not self.subs:
            return
        for owner, subs in self.subs.items():
            conn = self.conns.get(owner)
            if conn is None or not subs:
                continue
            with conn.batch():
                for req in subs.values():
                    for symbol, view in req.views.items():
                        if symbol in stale:
                            continue
                        entries = self._refresh(view, req, symbol)
                        if md.TRADE in req.entry_types:
                            entries += trades[symbol]
                        if entries:
                            self._send(conn, b"X", md.incremental_body(req, symbol, self.venue.pricing[symbol], entries,
                                                                       self.venue.denominator))

    def _session_status(self, phase: Phase) -> list[tuple[int, str | bytes]]:
        return [(336, self.venue.name), (625, phase.value), (325, "Y"), (340, tradsesstatus(phase))]

    def publish_status(self) -> None:
        """TradingSessionStatus (35=h) for a venue phase, SecurityStatus (35=f) for one symbol's halt/resume."""
        changes, self.venue.status_changes = self.venue.status_changes, []
        for symbol, phase in changes:
            for conn in self.conns.values():
                if not conn.connected:
                    continue
                if symbol is None:
                    self._send(conn, b"h", self._session_status(phase))
                else:
                    self._send(conn, b"f", self._security_status(symbol, phase))

    def _security_status(self, symbol: str, phase: Phase) -> list[tuple[int, str | bytes]]:
        return [(55, symbol), (336, self.venue.name), (625, phase.value), (325, "Y"), (326, securitystatus(phase))]
