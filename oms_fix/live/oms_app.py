"""The OMS at work: client FIX sessions and venue links around the sans-IO core, with the journal.

For every inbound message (a client's order, a venue's report, a venue going
up or down) the runtime builds the core's command, calls ``Oms.handle`` with
the time, appends the journal records the core returned (one SQLite
transaction, fsynced) and only then sends: ExecutionReports and cancel
rejects to the client, a copy of each ExecutionReport to the drop copy
sessions (CopyMsgIndicator 797=Y), child orders and cancels to the venues.
A client's own ExecutionReport gets a BusinessMessageReject (reason 3).

Not yet: rebuilding state from the journal after a restart (the journal is
written; replay and the reconciliation after it are the next step), and
OrderMassStatusRequest (AF) / DontKnowTrade (Q), which get a
BusinessMessageReject saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from decimal import Decimal
from typing import Iterable

from ..domain.enums import ExecType, OrdStatus, OrdType, Side
from ..domain.reports import NONE_ORDER_ID, CancelRejectReport, Report
from ..engine import oms_types as t
from ..engine.oms import Oms
from ..fix.codec import wire
from ..fix.message import Message
from ..fix.utctime import format_ns
from ..fix.translate import (Malformed, cancel_from_fix, cancel_reject_body, er_body, new_order_from_fix,
                             replace_from_fix)
from ..store.journal import Journal
from .clock import Clock
from .connection import SessionConnection
from .venue_links import VenueLinks

__all__ = ["DropCopyApp", "OmsRuntime"]

_SIDES = {s.value.encode(): s for s in Side}


def _text(msg: Message, tag: int) -> str:
    return (msg.get(tag) or b"").decode("latin-1")


def _dec(msg: Message, tag: int) -> Decimal | None:
    raw = msg.get(tag)
    try:
        return Decimal(raw.decode("ascii")) if raw else None
    except ArithmeticError:
        return None


def _int(msg: Message, tag: int) -> int:
    raw = msg.get(tag) or b"0"
    return int(raw) if raw.isdigit() else 0


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
        self._records: list[tuple[int, str, str, str]] = []
        self._outbox: list[object] = []
        self._flush_due = False

    # -- client acceptor application -------------------------------------------

    def on_logon(self, conn: SessionConnection) -> None:
        self.clients[conn.session.config.target_comp_id] = conn

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

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
                account = terms.order.account or conn.session.config.account or ""
                self.process(t.ClientNew(session=session, account=account, order=terms.order,
                                         ex_destination=terms.ex_destination, raw_side=terms.order.side,
                                         expire_time=terms.expire_ns))
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
        conn.send(b"8", er_body(report))

    # -- venue links --------------------------------------------------------------

    def on_venue_message(self, venue: str, msg: Message) -> None:
        mt = msg.msg_type
        if mt == b"8":
            self.process(t.VenueExec(venue=venue, child_id=_text(msg, 11), exec_type=_text(msg, 150),
                                     ord_status=_text(msg, 39), exec_id=_text(msg, 17), last_qty=_int(msg, 32),
                                     last_px=_dec(msg, 31), cum_qty=_int(msg, 14), leaves_qty=_int(msg, 151),
                                     avg_px=_dec(msg, 6), text=_text(msg, 58)))
        elif mt == b"9":
            self.process(t.VenueCancelReject(venue=venue, child_id=_text(msg, 11), reason=_text(msg, 102),
                                             text=_text(msg, 58)))

    def on_venue_status(self, venue: str, up: bool) -> None:
        self.process(t.VenueUp(venue=venue) if up else t.VenueDown(venue=venue))

    # -- the core ---------------------------------------------------------------

    def process(self, cmd: t.Command) -> None:
        now = self.clock.now_ns()
        outs = self.oms.handle(cmd, now)
        self._records += [(now, o.kind, o.stream, json.dumps(o.body, default=str))
                          for o in outs if isinstance(o, t.Journal)]
        self._outbox += [o for o in outs if not isinstance(o, t.Journal)]
        if not self._flush_due:
            # Group commit: every message of this read is journaled in one fsynced transaction,
            # then what it acknowledges is sent; nothing leaves before its record is durable.
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_due = False
        records, self._records = self._records, []
        outbox, self._outbox = self._outbox, []
        if records:
            self.journal.append(records)
        with contextlib.ExitStack() as corked:  # one write per connection for the whole batch
            for conn in self._connections():
                corked.enter_context(conn.batch())
            self._send(outbox)

    def _connections(self) -> list[SessionConnection]:
        conns = [c for c in (*self.clients.values(), *self.drop_copies.values()) if c.connected]
        if self.links is not None:
            conns += [i.conn for i in self.links.initiators.values() if i.conn is not None and i.conn.connected]
        return conns

    def _send(self, outs: Iterable[object]) -> None:
        for o in outs:
            if isinstance(o, t.ToClient):
                conn = self.clients.get(o.session)
                if isinstance(o.msg, Report):
                    body = er_body(o.msg)
                    if conn is not None:
                        conn.send(b"8", body)
                    copy = er_body(o.msg, copy=True)
                    for dc in self.drop_copies.values():
                        dc.send(b"8", copy)
                elif isinstance(o.msg, CancelRejectReport) and conn is not None:
                    conn.send(b"9", cancel_reject_body(o.msg))
            elif isinstance(o, t.ToClientMassCancelReport):
                conn = self.clients.get(o.session)
                if conn is not None:
                    fields: list[tuple[int, str | bytes]] = [(11, o.cl_ord_id), (37, f"MC-{o.cl_ord_id}"),
                                                             (530, "1" if o.symbol else "7"),
                                                             (531, "1" if o.symbol else "7"),
                                                             (533, str(o.total_affected))]
                    conn.send(b"r", wire(fields))
            elif isinstance(o, t.ToVenueNew) and self.links is not None:
                f: list[tuple[int, str | bytes]] = [(11, o.child_id), (55, o.symbol), (54, o.side), (38, str(o.qty)),
                                                    (40, o.ord_type), (59, o.tif),
                                                    (60, self._now_text())]
                if o.price is not None:
                    f.append((44, format(o.price, "f")))
                if o.expire_time is not None:
                    f.append((126, format_ns(o.expire_time)))
                self.links.send(o.venue, b"D", wire(f))
            elif isinstance(o, t.ToVenueCancel) and self.links is not None:
                self.links.send(o.venue, b"F", wire([(41, o.orig_child_id), (11, o.child_id), (55, o.symbol),
                                                     (54, o.side), (38, str(o.qty)), (60, self._now_text())]))
            elif isinstance(o, t.ToVenueStatus) and self.links is not None:
                self.links.send(o.venue, b"H", wire([(11, o.child_id), (55, o.symbol), (54, o.side)]))

    def _now_text(self) -> str:
        return format_ns(self.clock.now_ns()).decode()


class DropCopyApp:
    """The drop copy acceptor's application: it only listens; what it is sent comes from ``OmsRuntime``."""

    def __init__(self, runtime: OmsRuntime):
        self.runtime = runtime

    def on_logon(self, conn: SessionConnection) -> None:
        self.runtime.drop_copies[conn.session.config.target_comp_id] = conn

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.runtime.drop_copies.pop(conn.session.config.target_comp_id, None)

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        conn.business_reject(msg, 3, "the drop copy session only receives copies")

