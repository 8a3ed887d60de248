"""The OMS at work: client FIX sessions and venue links around the sans-IO core, with the journal.

For every inbound message (a client's order, a venue's report, a venue going
up or down) the runtime builds the core's command, calls ``Oms.handle`` with
the time, appends the journal records the core returned (one SQLite
transaction, fsynced) and only then sends: ExecutionReports and cancel
rejects to the client, a copy of each ExecutionReport to the drop copy
sessions (CopyMsgIndicator 797=Y), child orders and cancels to the venues.
A client's own ExecutionReport gets a BusinessMessageReject (reason 3).

On start, ``recover`` rebuilds the core from the journal (recovery.py) and
``begin`` journals the new run and marks every venue down until its link logs
on, so open child orders are reconciled by OrderStatusRequest first. What the
journal says was sent but a session's message store lacks goes out when that
session next logs on (a client, a drop copy) or comes up (a venue), before
anything new.

Durability order: a connection's store records that a message was received
(its next expected MsgSeqNum) only after the journal holds what the message
caused (``before_store_flush``), so a crash between the two makes the
counterparty resend, never loses the message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from decimal import Decimal
from typing import Any, Callable, Iterable

from ..domain.enums import ExecType, OrdRejReason, OrdStatus, OrdType, Side
from ..domain.reports import NONE_ORDER_ID, CancelRejectReport, Report
from ..engine import oms_types as t
from ..engine.oms import Oms
from ..fix.codec import wire
from ..fix.message import Message
from ..fix.status import ProtocolError
from ..fix.utctime import format_ns, format_text
from ..fix.translate_requests import (Refused, business_reject_body, dont_know_from_fix, mass_status_from_fix,
                                      venue_exec_from_fix)
from ..fix.translate import (Malformed, cancel_from_fix, cancel_reject_body, er_body, new_order_from_fix,
                             replace_from_fix)
from ..marketdata.consolidated import ConsolidatedBook
from ..store.journal import Journal, NewEvent
from .acceptor import FixAcceptor
from .algo_timers import AlgoTimers
from .clock import Clock
from . import latency
from .connection import SessionConnection
from .tradingday import trading_day_roll
from .recovery import CLIENTS, DROP_COPY, Recovered, dumps, needles, replay_journal, to_records
from .venue_links import VenueLinks

__all__ = ["DropCopyApp", "OmsRuntime"]

_SIDES = {s.value.encode(): s for s in Side}


def _text(msg: Message, tag: int) -> str:
    return (msg.get(tag) or b"").decode("latin-1")


class OmsRuntime:
    """Client acceptor application, venue link callbacks and the drop copy, around one ``Oms``."""

    def __init__(self, oms: Oms, journal: Journal, clock: Clock):
        self.oms = oms
        self.journal = journal
        self.clock = clock
        self.clients: dict[str, SessionConnection] = {}
        self.drop_copies: dict[str, SessionConnection] = {}
        self.links: VenueLinks | None = None
        self._ids = 0
        self._records: list[NewEvent] = []
        self._outbox: list[object] = []
        self._flush_due = False
        self.owed: Recovered = Recovered()  # what the last run journaled but may never have sent
        self._overflow: dict[str, int] = {}  # session id -> messages not delivered while it was logged out
        self.timers: AlgoTimers | None = None  # algo orders' ticks (set once the venue links' book exists)
        # Told of every output as it is sent (and, through ``recover``, as the journal replays it):
        # the REST API's report history and its event stream.
        self.listeners: list[Callable[[object], None]] = []
        self.latency = latency.Latency()  # per-hop timings for the REST API's /metrics
        self._lazy_armed = False

    # -- start-up -----------------------------------------------------------------------

    def recover(self) -> Recovered:
        """Rebuild the core from the journal (before any session or link starts)."""
        self.owed = replay_journal(self.oms, self.journal, self._tell_listeners)
        return self.owed

    def _tell_listeners(self, o: object) -> None:
        for fn in self.listeners:
            fn(o)

    def note(self, kind: str, stream: str, body: object, lazy_s: float | None = None) -> None:
        """Journal a record of the runtime's own (an API call's audit event): durable at the next flush.

        ``lazy_s``: no flush of its own unless none comes within that many seconds. Under load the record
        rides in the next batch's commit instead of costing an fsync of its own."""
        self._records.append((self.clock.now_ns(), kind, stream, dumps(body)))
        if lazy_s is None:
            self._schedule()
        elif not self._lazy_armed:
            self._lazy_armed = True
            asyncio.get_running_loop().call_later(lazy_s, self._lazy_flush)

    def _lazy_flush(self) -> None:
        self._lazy_armed = False
        if self._records:
            self._schedule()

    def begin(self, id_prefix: str, venues: Iterable[str]) -> None:
        """Start this run: journal its id prefix, and take every venue as down until its link logs on."""
        self.oms.id_prefix = id_prefix
        self._records.append((self.clock.now_ns(), "start", "oms", json.dumps({"id_prefix": id_prefix})))
        for venue in venues:
            self._handle(t.VenueDown(venue=venue), batch_start=False)
        self.commit()

    def adopt(self, acceptor: FixAcceptor, drop_copy: bool = False) -> None:
        """A configured client or drop copy gets its messages even while logged out: held, then sent after its Logon."""
        conns = self.drop_copies if drop_copy else self.clients
        for cfg in acceptor.registry.configs:
            conns.setdefault(cfg.target_comp_id, acceptor.connection_for(acceptor.registry.session(cfg)))

    async def day_loop(self, roll_utc: str) -> None:
        """Roll the trading day: at once if the core is on another day than today's, then at each roll time."""
        roll = trading_day_roll(roll_utc)
        while True:
            now = self.clock.now_ns()
            day = roll.day_of(now)
            if self.oms.day != day:
                self.process(t.NewDay(day=day))
            await asyncio.sleep(max(0.001, (roll.next_roll(now) - now) / 1e9))

    async def mark_loop(self, book: ConsolidatedBook, symbols: Iterable[str], interval_s: float = 1.0) -> None:
        """Mark every symbol to market from the venues' data, once per ``interval_s`` where it moved.

        The consolidated mid where both sides are quoted, else the last trade; nothing while there is
        neither (the last mark, or the reference price, stands).
        """
        sent: dict[str, Decimal] = {}
        while True:
            for symbol in symbols:
                price = book.nbbo(symbol).mid
                if price is None and symbol in book.last:
                    price = book.last[symbol][0]
                if price is not None and price > 0 and sent.get(symbol) != price:
                    sent[symbol] = price
                    self.process(t.Mark(symbol=symbol, price=price))
            await asyncio.sleep(interval_s)

    def working_orders(self, account: str | None) -> int:
        return self.oms.working(account)

    def status(self) -> dict[str, object]:
        return {"kill_switches": self.oms.kill_switches(), "working_orders": self.oms.working(),
                "positions": self.oms.positions(),
                "clients_logged_on": sorted(n for n, c in self.clients.items() if c.connected),
                "venues_up": sorted(self.links.up) if self.links is not None else [],
                # What the router learnt of each venue, and the quality of the market data algos saw.
                "venues": self.oms.venue_stats.figures(self.clock.now_ns()),
                "market_data": self.timers.watch.figures() if self.timers is not None else {}}

    # -- client acceptor application -------------------------------------------

    def on_logon(self, conn: SessionConnection) -> None:
        name = conn.session.config.target_comp_id
        self.clients[name] = conn
        self.session_up(CLIENTS, conn, True)

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.session_up(CLIENTS, conn, False)

    def session_up(self, acceptor: str, conn: SessionConnection, up: bool) -> None:
        """Journal a client or drop copy Logon/Logout; at a Logon, first send what it is owed."""
        name = conn.session.config.target_comp_id
        if up:
            conn.before_store_flush = self.commit
            lost = self._overflow.pop(conn.session.config.session_id, 0)
            if lost:
                conn.log.event("error", f"{lost} messages were not delivered while it was logged out",
                               self.clock.now_ns())
            owed = missing(conn, self.owed.clients.pop((acceptor, name), []))
            if owed:
                conn.log.event("warning", f"sending {len(owed)} messages the journal holds from before the restart "
                                          "that this session's store shows were never sent", self.clock.now_ns())
                with conn.batch():
                    for o in owed:
                        self._resend(conn, acceptor, o)
        self._records.append((self.clock.now_ns(), "session", "session",
                              json.dumps({"acceptor": acceptor, "session": name, "up": up})))
        self._schedule()

    @latency.client_message
    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        session = conn.session.config.target_comp_id
        self.clients[session] = conn
        mt = msg.msg_type
        side = _SIDES.get(msg.get(54) or b"", Side.BUY)
        symbol = _text(msg, 55)
        with conn.batch():
            if mt == b"D":
                terms = new_order_from_fix(msg)
                if isinstance(terms, Malformed):
                    self._refuse(conn, msg, terms)
                    return
                own = conn.session.config.account
                if own and terms.order.account and terms.order.account != own:
                    # The session's account is the one its limits and positions are kept for: a session
                    # naming another account in Account (1) would trade around its own risk limits.
                    self._refuse(conn, msg, Malformed(OrdRejReason.OTHER, f"Account (1) {terms.order.account} "
                                                      f"is not this session's account ({own})"))
                    return
                account = own or terms.order.account or ""
                self.process(t.ClientNew(session=session, account=account, order=terms.order,
                                         ex_destination=terms.ex_destination, raw_side=terms.order.side,
                                         expire_time=terms.expire_ns, algo=terms.algo))
            elif mt == b"F":
                self.process(t.ClientCancel(session=session, cmd=cancel_from_fix(msg), symbol=symbol, side=side))
            elif mt == b"G":
                cmd = replace_from_fix(msg)
                if isinstance(cmd, Malformed):
                    conn.business_reject(msg, 0, cmd.text, msg.get(11))
                    return
                self.process(t.ClientReplace(session=session, cmd=cmd, symbol=symbol, side=side))
            elif mt == b"H":
                self.process(t.ClientStatus(session=session, cl_ord_id=_text(msg, 11), symbol=symbol, side=side))
            elif mt == b"q":
                self.process(t.ClientMassCancel(session=session, cl_ord_id=_text(msg, 11),
                                                account=conn.session.config.account or "",
                                                symbol=symbol if msg.get(530) == b"1" else None))
            elif mt in (b"AF", b"Q"):
                req = mass_status_from_fix(msg, session) if mt == b"AF" else dont_know_from_fix(msg, session)
                if isinstance(req, Refused):
                    conn.business_reject(msg, req.reason, req.text, req.ref_id)
                    return
                self.process(req)
            elif mt == b"8":
                conn.business_reject(msg, 3, "an ExecutionReport is the OMS's to send, not a client's")
            else:
                name = (mt or b"").decode("latin-1")
                conn.business_reject(msg, 3, f"MsgType {name} is not supported by the OMS", msg.get(11))

    def _refuse(self, conn: SessionConnection, msg: Message, why: Malformed) -> None:
        """An order the OMS could not even read: ExecutionReport 8/8 naming the field, no order created."""
        self._ids += 1
        report = Report(order_id=NONE_ORDER_ID, exec_id=f"R{self.clock.now_ns():x}-{self._ids}",
                        exec_type=ExecType.REJECTED, ord_status=OrdStatus.REJECTED, cl_ord_id=_text(msg, 11),
                        symbol=_text(msg, 55), side=_SIDES.get(msg.get(54) or b"", Side.BUY),
                        ord_type=OrdType.LIMIT, ord_rej_reason=why.reason,
                        text=why.text, transact_time=self.clock.now_ns())
        # Not an order, so not a core command; journaled as what was sent, and copied like every ER.
        self._records.append((self.clock.now_ns(), "refused", conn.session.config.target_comp_id,
                              dumps({"cl_ord_id": report.cl_ord_id, "exec_id": report.exec_id, "text": why.text})))
        self._outbox.append(t.ToClient(session=conn.session.config.target_comp_id, msg=report))
        self._schedule()

    # -- venue links --------------------------------------------------------------

    @latency.venue_message
    def on_venue_message(self, venue: str, msg: Message) -> None:
        mt = msg.msg_type
        if mt == b"8":
            self.process(venue_exec_from_fix(venue, msg))
        elif mt == b"9":
            self.process(t.VenueCancelReject(venue=venue, child_id=_text(msg, 11), reason=_text(msg, 102),
                                             text=_text(msg, 58)))

    def on_venue_status(self, venue: str, up: bool) -> None:
        if up and self.links is not None:
            conn = self.links.initiators[venue].conn
            if conn is not None:
                conn.before_store_flush = self.commit
                owed = missing(conn, self.owed.venues.pop(venue, []))
                if owed:
                    conn.log.event("warning", f"sending {len(owed)} child orders and cancels the journal holds from "
                                              "before the restart that were never sent", self.clock.now_ns())
                    with conn.batch():  # before the status requests VenueUp makes
                        self._send(owed)
        self.process(t.VenueUp(venue=venue) if up else t.VenueDown(venue=venue))

    # -- the core ---------------------------------------------------------------

    def process(self, cmd: t.Command) -> None:
        self._handle(cmd, batch_start=not self._flush_due)
        self._schedule()

    def _handle(self, cmd: t.Command, batch_start: bool) -> None:
        now = self.clock.now_ns()
        outs = self.oms.handle(cmd, now)
        self.latency.handled(outs)
        self._records += to_records(outs, now, batch_start)
        self._outbox += [o for o in outs if not isinstance(o, t.Journal)]

    def _schedule(self) -> None:
        if not self._flush_due:
            # Group commit: every message of this read is journaled in one fsynced transaction,
            # then what it acknowledges is sent; nothing leaves before its record is durable.
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self.flush)

    def commit(self) -> None:
        """Make every record so far durable (sends wait for ``flush``)."""
        records, self._records = self._records, []
        if records:
            self.journal.append(records)
            self.latency.committed()

    def flush(self) -> None:
        self._flush_due = False
        self.commit()
        outbox, self._outbox = self._outbox, []
        with contextlib.ExitStack() as corked:  # one write per connection for the whole batch
            for conn in self._connections():
                corked.enter_context(conn.batch())
            self._send(outbox)
        self.latency.sent(outbox)

    def _connections(self) -> list[SessionConnection]:
        conns = [c for c in (*self.clients.values(), *self.drop_copies.values()) if c.connected]
        if self.links is not None:
            conns += [i.conn for i in self.links.initiators.values() if i.conn is not None and i.conn.connected]
        return conns

    def _send(self, outs: Iterable[object]) -> None:
        listeners = self.listeners
        for o in outs:
            for fn in listeners:
                fn(o)
            if isinstance(o, t.ToClient):
                conn = self.clients.get(o.session)
                if isinstance(o.msg, Report):
                    body = er_body(o.msg)
                    if conn is not None:
                        self._deliver(conn, b"8", body)
                    copy = er_body(o.msg, copy=True)
                    for dc in self.drop_copies.values():
                        self._deliver(dc, b"8", copy)
                elif isinstance(o.msg, CancelRejectReport) and conn is not None:
                    self._deliver(conn, b"9", cancel_reject_body(o.msg))
            elif isinstance(o, t.ToClientBusinessReject):
                conn = self.clients.get(o.session)
                if conn is not None:
                    self._deliver(conn, b"j", business_reject_body(o))
            elif isinstance(o, t.OpsEventOut):  # for operations: the session's event log (the journal has it too)
                conn = self.clients.get(o.event.session)
                if conn is not None:
                    conn.log.event("warning", o.event.text, self.clock.now_ns())
            elif isinstance(o, t.ToClientMassCancelReport):
                conn = self.clients.get(o.session)
                if conn is not None:
                    self._deliver(conn, b"r", mass_cancel_report_body(o))
            elif isinstance(o, t.ToAlgoTimer):
                if self.timers is not None:
                    self.timers.arm(o.order_id, o.at)
            elif isinstance(o, t.ToVenueNew) and self.links is not None:
                f: list[tuple[int, str | bytes]] = [(11, o.child_id), (55, o.symbol), (54, o.side), (38, str(o.qty)),
                                                    (40, o.ord_type), (59, o.tif),
                                                    (60, self._now_text())]
                if o.price is not None:
                    f.append((44, format(o.price, "f")))
                if o.expire_time is not None:
                    f.append((126, format_ns(o.expire_time)))
                if o.max_floor is not None:
                    f.append((111, str(o.max_floor)))
                if o.min_qty is not None:
                    f.append((110, str(o.min_qty)))
                self.links.send(o.venue, b"D", wire(f))
            elif isinstance(o, t.ToVenueCancel) and self.links is not None:
                self.links.send(o.venue, b"F", wire([(41, o.orig_child_id), (11, o.child_id), (55, o.symbol),
                                                     (54, o.side), (38, str(o.qty)), (60, self._now_text())]))
            elif isinstance(o, t.ToVenueStatus) and self.links is not None:
                self.links.send(o.venue, b"H", wire([(11, o.child_id), (55, o.symbol), (54, o.side)]))

    def _deliver(self, conn: SessionConnection, msg_type: bytes, body: bytes) -> None:
        """Send to a client or drop copy. One logged out past its session's max_pending held messages
        loses the rest until its next Logon (the journal keeps them); that is logged once, not per message."""
        try:
            conn.send(msg_type, body)
        except ProtocolError as e:
            name = conn.session.config.session_id
            lost = self._overflow.get(name, 0)
            if not lost:
                conn.log.event("error", f"{e}: messages to it are not delivered until its next Logon; the journal "
                                        "keeps them", conn.clock.now_ns())
            self._overflow[name] = lost + 1

    def _resend(self, conn: SessionConnection, acceptor: str, o: object) -> None:
        """One owed message to one session (not to the drop copies: they are owed their own)."""
        if isinstance(o, t.ToClient) and isinstance(o.msg, Report):
            conn.send(b"8", er_body(o.msg, copy=acceptor == DROP_COPY))
        elif isinstance(o, t.ToClient) and isinstance(o.msg, CancelRejectReport):
            conn.send(b"9", cancel_reject_body(o.msg))
        elif isinstance(o, t.ToClientMassCancelReport):
            conn.send(b"r", mass_cancel_report_body(o))

    def _now_text(self) -> str:
        return format_text(self.clock.now_ns())


def mass_cancel_report_body(o: t.ToClientMassCancelReport) -> bytes:
    scope = "1" if o.symbol else "7"
    return wire([(11, o.cl_ord_id), (37, f"MC-{o.cl_ord_id}"), (530, scope), (531, scope),
                 (533, str(o.total_affected))])


def missing(conn: SessionConnection, owed: list[Any]) -> list[Any]:
    """The owed messages the session's store does not hold: never sent, so to send now.

    Owed messages were meant to go out last before the crash, so only the store's
    most recent messages are searched.
    """
    store = conn.session.store
    window = max(1000, 4 * len(owed))
    sent = [raw for _, raw in store.get_sent(max(1, store.next_sender - window), store.next_sender)]
    return [o for o in owed if not any(all(n in raw for n in needles(o)) for raw in sent)]


class DropCopyApp:
    """The drop copy acceptor's application: it only listens; what it is sent comes from ``OmsRuntime``."""

    def __init__(self, runtime: OmsRuntime):
        self.runtime = runtime

    def on_logon(self, conn: SessionConnection) -> None:
        self.runtime.drop_copies[conn.session.config.target_comp_id] = conn
        self.runtime.session_up(DROP_COPY, conn, True)

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        # Kept: copies sent while it is away are held by its session and follow its next Logon.
        self.runtime.session_up(DROP_COPY, conn, False)

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        conn.business_reject(msg, 3, "the drop copy session only receives copies")

