"""The OMS core: client orders in, child orders out to venues, fills back to clients. Sans-IO.

``Oms.handle(cmd, now) -> list[Out]`` is the one entry point (commands and
outbound values in oms_types.py). It never reads a clock or does I/O, and it
is deterministic: the same commands with the same ``now``s give the same
outputs and the same state, so replaying the journaled commands
(oms_journal.decode_command) rebuilds everything. In every result the
``Journal`` records come first: the caller persists them before anything else
leaves.

Flows (each client order is a *parent*: a domain ``Order`` plus children):

* New: business rules (oms_validate) -> risk.check_new -> router; only then is
  the parent accepted (ER 0) and one ``ToVenueNew`` sent per slice. Rejects are
  ER 8/8: the rule's OrdRejReason and Text, 3 for risk, 2 when no venue can take
  it. An FOK parent is never split (all-or-nothing holds only per venue): it goes
  whole to the venue of the largest slice. Only lit venues are routed to unless
  ExDestination pins one.
* Venue fills: the venue's CumQty on every report is the truth; the OMS applies
  only what it adds to the child's applied quantity (oms_reconcile), so a fill
  is never lost nor counted twice, even when a report lost in an outage comes
  back after a reconciliation took its quantity. A repeated ExecID changes
  nothing. Risk sees each fill against the parent.
* When every child of a parent is done and it still has leaves: a pending
  client request is settled (below); else an unsolicited end (kill switch, mass
  cancel, a child rejected) cancels it with that Text (rejects it if nothing
  filled); else IOC/FOK/market parents are canceled (R11, CumQty kept), a child
  expiry expires it, a child DFD makes it DFD (a GT parent waits for ``NewDay``
  and is routed again), a child reject with nothing filled rejects it, and an
  unsolicited venue cancel cancels it (ExecRestatementReason 8). A child
  rejected while siblings work gets them canceled.
* Client cancel: Pending Cancel (6) at once, ``ToVenueCancel`` per live child,
  Canceled (4) once all are done; if they all filled meanwhile, a Cancel Reject
  "too late" (B.1.c). One request at a time per order (CxlRejReason 3).
* Client replace, as cancel-and-resend (no venue replace): new terms are checked
  by the business rules and risk.check_replace first (a failure is a Cancel
  Reject with the text), then Pending Replace (E), the children are canceled, and
  when all are done the replace is confirmed (5) and the new leaves routed at the
  new terms; "too late" if nothing is left to work under the new quantity.
* Mass cancel and kill: the cancel flow, unsolicited (ER 4 with Text "mass
  cancel" / "kill switch: reason", ExecRestatementReason 4 broker option).
* VenueDown marks its live children uncertain and routes nothing there; VenueUp
  sends ``ToVenueStatus`` for each. The ER I reconciles: a venue CumQty above the
  OMS's is a missed fill (priced to the venue's AvgPx); OrdStatus 8 (unknown
  order) ends the child as canceled with the fills known. A venue Cancel Reject
  also asks for status; an ER I showing the child working rejects the client's
  pending cancel or replace with the venue's reason (oms_cancel_reject.py), or,
  while an unsolicited end waits on it, gets it canceled again (at most three
  times).

Venue trade corrections and busts (ExecType G/H): oms_corrections.py. Order
mass status (AF) and DontKnowTrade (Q): oms_status.py. The kill switch, the
trading day's roll, marks and venues going down and up: oms_operations.py.

Not done: stop/pegged orders and OPG/CLS/GTX time in force (rejected by the
rules), GTD expiry is left to the venues (children carry ExpireTime).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from decimal import Decimal
from typing import Any

from ..domain.book import ClientOrderBook, unknown_order_cancel_reject, unknown_order_status
from ..domain.enums import (CxlRejReason, CxlRejResponseTo, ExecRestatementReason, OrdRejReason, OrdType, Side,
                            TimeInForce)
from ..domain.order import Order
from ..domain.reports import Outbound
from ..domain.transitions import Phase
from ..marketdata.consolidated import ConsolidatedBook
from . import oms_algo
from .oms_children import DONE_EXEC_TYPES, Child, Parent
from .oms_cancel_reject import refuse_request, rework, stale_cancel, venue_cancel_reject
from .oms_corrections import venue_correction
from .oms_journal import encode, encode_command
from .oms_reconcile import fills_from
from .oms_operations import (kill, mark, new_day, new_order, revive, set_algo_defaults, set_limits, set_routing,
                             set_venue_rules, venue_down, venue_up)
from .oms_status import dont_know, mass_status
from .oms_types import (AlgoTick, ClientCancel, ClientDontKnow, ClientMassCancel, ClientMassStatus, ClientNew,
                        ClientReplace, ClientStatus, Command, InstrumentRules, Journal, Kill, Mark, NewDay, Out, Revive,
                        RiskEventOut, RoutingPolicy, SetAlgoDefaults, SetLimits, SetRouting, SetVenueRules, ToClient,
                        ToClientMassCancelReport, ToVenueCancel, VenueCancelReject, VenueDown, VenueExec,
                        VenueRule, VenueUp)
from .oms_validate import check_new, check_terms
from .risk import RiskEngine, RiskOrder
from .oms_cross import cross
from .oms_routing import after_ping, reroute, reroute_rejected, route_parent, send_children
from .router import RouteRefusal
from .venue_stats import VenueStats

__all__ = ["Oms"]

_KILL_TIFS = frozenset({TimeInForce.IMMEDIATE_OR_CANCEL, TimeInForce.FILL_OR_KILL})
_WORKING = frozenset({Phase.OPEN, Phase.OVERNIGHT})
_ENDING_REASON = {"kill": ExecRestatementReason.BROKER_OPTION, "mass": ExecRestatementReason.BROKER_OPTION,
                  "venue": ExecRestatementReason.MARKET_OPTION}
_MAX_CANCELS = 3
_LIVE_STATUSES = frozenset({"0", "1", "6", "A", "E", "9"})  # OrdStatus of a child still working at its venue


class Oms:
    def __init__(self, instruments: Mapping[str, InstrumentRules], risk: RiskEngine, book: ConsolidatedBook,
                 venues: list[VenueRule], id_prefix: str = "", routing: RoutingPolicy | None = None) -> None:
        self._instruments = dict(instruments)
        self._risk = risk
        self._book = book
        self.routing = routing or RoutingPolicy()
        self._prefix = id_prefix
        self._down: set[str] = set()
        self._sessions: dict[str, ClientOrderBook] = {}
        self._parents: dict[str, Parent] = {}
        self._children: dict[str, Child] = {}
        self._aliases: dict[str, str] = {}  # a cancel's ClOrdID -> the child it cancels
        self._seen: set[str] = set()  # "venue:ExecID" of every venue report applied, and of every trade it changed
        self._venue_versions: dict[str, str] = {}  # "venue:ExecID" of a venue's trade correction -> the fill id
        self.venue_stats = VenueStats([v.name for v in venues])
        self.use_venues(tuple(venues))
        self._algo_orders: dict[str, list[str]] = {}  # symbol -> its working algo orders, oldest first
        self._own_volume: dict[str, int] = {}  # symbol -> shares the OMS's children filled (out of algos' volume)
        self._order_seq = 0
        self._child_seq = 0
        self._out: list[Out] = []
        self._journal: list[Journal] = []
        self._routes: list[Any] = []  # this command's routing decisions, for its journal record
        self._replayed: list[Any] | None = None  # during a replay: the recorded decisions still to take, last first
        self._handlers: dict[type, Callable[[Any, int], None]] = {
            ClientNew: partial(new_order, self), ClientCancel: self._cancel, ClientReplace: self._replace,
            ClientStatus: self._status, ClientMassCancel: self._mass_cancel, VenueExec: self._venue_exec,
            VenueCancelReject: partial(venue_cancel_reject, self), VenueUp: partial(venue_up, self),
            VenueDown: partial(venue_down, self),
            Kill: partial(kill, self), Revive: partial(revive, self), NewDay: partial(new_day, self),
            Mark: partial(mark, self),
            ClientMassStatus: partial(mass_status, self), ClientDontKnow: partial(dont_know, self),
            AlgoTick: partial(oms_algo.algo_tick, self), SetLimits: partial(set_limits, self),
            SetRouting: partial(set_routing, self), SetVenueRules: partial(set_venue_rules, self),
            SetAlgoDefaults: partial(set_algo_defaults, self),
        }

    # -- the entry point ------------------------------------------------------------

    def handle(self, cmd: Command, now: int) -> list[Out]:
        return self._run(cmd, now, encode_command(cmd, now))

    def _run(self, cmd: Command, now: int, record: dict[str, Any]) -> list[Out]:
        self._out = []
        self._journal = [Journal(kind="command", stream="oms", body=record)]
        self._routes = []
        self._handlers[type(cmd)](cmd, now)
        if self._routes and self._replayed is None:
            # Routing reads the consolidated book, which is market data and not a command:
            # the decisions go into the command's record so a replay takes the same ones.
            record["routes"] = self._routes
        for event in self._risk.drain_events():
            self._journal.append(Journal(kind="risk", stream="risk", body=encode(event)))
            self._out.append(RiskEventOut(event=event))
        return [*self._journal, *self._out]

    def replay(self, cmd: Command, now: int, record: dict[str, Any]) -> list[Out]:
        """``handle`` as it ran first, from its journal ``record`` (``decode_command`` gave ``cmd`` and
        ``now``): the routing decisions come from the record, not from the book."""
        self._replayed = list(reversed(record.get("routes") or []))
        try:
            return self._run(cmd, now, record)
        finally:
            left, self._replayed = self._replayed, None
            if left:
                raise ValueError(f"replay of {type(cmd).__name__} at {now} left {len(left)} routing decisions unused")

    @property
    def id_prefix(self) -> str:
        return self._prefix

    @id_prefix.setter
    def id_prefix(self, prefix: str) -> None:
        """Order and child ids of this run start with ``prefix`` (a replay sets each earlier run's in turn)."""
        self._prefix = prefix

    def use_venues(self, rules: tuple[VenueRule, ...]) -> None:
        """Every venue's rules, in preference order (at start and on SetVenueRules). A disabled venue leaves
        every list routing reads (ExDestination and algos check ``_all_venues``); its children still working
        there go on, and their reports apply as before."""
        self.venue_rules = rules
        on = [r for r in rules if r.enabled]
        self._all_venues = [r.name for r in on]
        self._lit_venues = [r.name for r in on if r.lit]
        self._dark_venues = [r.name for r in on if r.dark]
        self.venue_stats.set_fees({r.name: r.taker_fee for r in rules})

    # -- views ------------------------------------------------------------------------

    def order(self, order_id: str) -> Order | None:
        p = self._parents.get(order_id)
        return None if p is None else p.order

    def children(self, order_id: str) -> list[Child]:
        p = self._parents[order_id]
        return [self._children[c] for c in (*p.retired, *p.children)]

    def working(self, account: str | None = None) -> int:
        """How many client orders are working (for ``account``; None: all)."""
        return sum(1 for p in self._parents.values() if self._working(p) and account in (None, p.account))

    def algo_info(self, order_id: str, now: int | None = None) -> dict[str, Any] | None:
        """An algo order's algorithm, state and figures (None: not an algo order); ``target`` at ``now``."""
        p = self._parents.get(order_id)
        if p is None or p.algo is None:
            return None
        figure = oms_algo.figure_now(self, p)
        info = {**p.algo.snapshot(), "stats": p.algo.algo.stats(), "filled": p.order.cum_qty,
                "working": oms_algo.working(self, p), "performance": None if figure is None else str(figure)}
        if now is not None:
            info["target"] = p.algo.algo.target(now)
        return info

    def algo_wakes(self) -> dict[str, int]:
        """Every working algo order's next tick (after a restart the runtime arms these again)."""
        return {oid: p.algo.wake_at or 0 for oid, p in self._parents.items() if p.algo is not None and self._working(p)}

    def kill_switches(self) -> dict[str, str]:
        return self._risk.kill_switches()

    def positions(self) -> list[dict[str, Any]]:
        """Every position with its P&L at the last mark, as JSON data."""
        return [encode(v) for v in self._risk.positions()]

    def snapshot(self) -> dict[str, Any]:
        """All of the core's state as JSON data (to compare two runs, or to audit)."""
        return {"parents": [p.snapshot() for p in self._parents.values()],
                "children": [c.snapshot() for c in self._children.values()],
                "aliases": dict(self._aliases), "seen": sorted(self._seen), "down": sorted(self._down),
                "seq": [self._order_seq, self._child_seq], "risk": self._risk.state(),
                "venue_versions": dict(self._venue_versions)}

    # -- client commands ------------------------------------------------------------------

    def _new(self, cmd: ClientNew, now: int) -> None:
        new = cmd.order if not cmd.account or cmd.account == cmd.order.account else replace(
            cmd.order, account=cmd.account)
        book = self._sessions.setdefault(cmd.session, ClientOrderBook())
        sub = book.submit(new, order_id=f"{self._prefix}O{self._order_seq + 1}", now=now)
        if sub.order is None:
            self._send(cmd.session, sub.replies)  # R13: duplicate or PossResend
            return
        self._order_seq += 1
        o = sub.order
        parent = Parent(order=o, session=cmd.session, account=new.account, ex_destination=cmd.ex_destination,
                        expire_time=cmd.expire_time, risk_done=True, arrived=now)
        self._parents[o.order_id] = parent
        failed = check_new(self._instruments, self._all_venues, symbol=new.symbol, side=cmd.raw_side or new.side,
                           qty=new.order_qty, ord_type=new.ord_type, price=new.price, tif=new.time_in_force,
                           expire_time=cmd.expire_time, ex_destination=cmd.ex_destination, now=now,
                           algo=cmd.algo is not None)
        if failed is None and cmd.algo is not None:
            text = oms_algo.start_algo(self, parent, cmd.algo, now)
            failed = None if text is None else (OrdRejReason.OTHER, text)
        if failed is not None:
            self._tell(parent, o.reject(reason=failed[0], text=failed[1], now=now))
            return
        risk_order = self._risk_order(parent, o.order_qty, o.price, o.ord_type)
        decision = self._risk.check_new(risk_order, now)
        if not decision.accepted:
            self._tell(parent, o.reject(reason=OrdRejReason.ORDER_EXCEEDS_LIMIT, text=decision.text, now=now))
            return
        if parent.algo is not None:
            self._tell(parent, o.accept(now=now))
            self._risk.on_accepted(risk_order, now)
            parent.risk_done = False
            oms_algo.begin(self, parent, now)
            return
        def accept() -> None:
            self._tell(parent, o.accept(now=now))
            self._risk.on_accepted(risk_order, now)
            parent.risk_done = False

        if cross(self, parent, now, accept):
            if o.leaves_qty:
                reroute(self, parent, now)  # what the cross left goes out as any order would
            else:
                self._risk_done(parent, now)
            return
        slices = route_parent(self, parent, o.order_qty)
        if isinstance(slices, RouteRefusal):
            self._tell(parent, o.reject(reason=OrdRejReason.EXCHANGE_CLOSED, text=slices.text, now=now))
            return
        accept()
        send_children(self, parent, slices, now)

    def _cancel(self, cmd: ClientCancel, now: int) -> None:
        req = cmd.cmd
        book = self._sessions.get(cmd.session)
        if book is None:
            self._send(cmd.session, [unknown_order_cancel_reject(
                req.cl_ord_id, req.orig_cl_ord_id, CxlRejResponseTo.ORDER_CANCEL_REQUEST, now=now)])
            return
        replies = book.cancel(req, now=now, ack=True, single=True)
        parent = self._parent_of(book, req.orig_cl_ord_id)
        if parent is None or req.cl_ord_id not in parent.order.requests:
            self._send(cmd.session, replies)  # refused: unknown, duplicate, too late, already pending
            return
        parent.request = req.cl_ord_id
        self._tell(parent, replies)
        self._cancel_children(parent, now)

    def _replace(self, cmd: ClientReplace, now: int) -> None:
        req = cmd.cmd
        book = self._sessions.get(cmd.session)
        if book is None:
            self._send(cmd.session, [unknown_order_cancel_reject(
                req.cl_ord_id, req.orig_cl_ord_id, CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST, now=now)])
            return
        replies = book.replace(req, now=now, ack=False, single=True)
        parent = self._parent_of(book, req.orig_cl_ord_id)
        if parent is None or req.cl_ord_id not in parent.order.requests:
            self._send(cmd.session, replies)
            return
        o = parent.order
        ord_type = req.ord_type or o.ord_type
        price = req.price if req.price is not None else (None if ord_type is OrdType.MARKET else o.price)
        tif = req.time_in_force or o.time_in_force
        failed = check_terms(self._instruments[o.symbol], o.symbol, req.order_qty, ord_type, price, tif,
                             parent.expire_time, now, parent.algo is not None)
        text = failed[1] if failed is not None else None
        if text is None:
            decision = self._risk.check_replace(o.order_id, self._risk_order(parent, req.order_qty, price, ord_type),
                                                now)
            text = None if decision.accepted else decision.text
        if text is not None:
            self._tell(parent, o.reject_request(req.cl_ord_id, reason=CxlRejReason.OTHER, text=text, now=now))
            return
        parent.request = req.cl_ord_id
        self._tell(parent, o.ack_request(req.cl_ord_id, now=now))
        self._cancel_children(parent, now)

    def _status(self, cmd: ClientStatus, now: int) -> None:
        book = self._sessions.get(cmd.session)
        if book is None:
            self._send(cmd.session, [unknown_order_status(cmd.cl_ord_id, now=now, symbol=cmd.symbol, side=cmd.side)])
        else:
            self._send(cmd.session, book.status(cmd.cl_ord_id, now=now, symbol=cmd.symbol, side=cmd.side))

    def _mass_cancel(self, cmd: ClientMassCancel, now: int) -> None:
        targets = [p for p in self._parents.values()
                   if p.session == cmd.session and self._working(p) and (not cmd.account or p.account == cmd.account)
                   and (cmd.symbol is None or p.order.symbol == cmd.symbol)]
        self._out.append(ToClientMassCancelReport(session=cmd.session, cl_ord_id=cmd.cl_ord_id, account=cmd.account,
                                                  symbol=cmd.symbol, total_affected=len(targets),
                                                  order_ids=tuple(p.order_id for p in targets)))
        for p in targets:
            self._end(p, ("mass", "mass cancel"), now)

    @property
    def day(self) -> str | None:
        """The trading day the core is in (the last ``NewDay``), None before the first."""
        return self._risk.day

    # -- venue reports ----------------------------------------------------------------------

    def _venue_exec(self, er: VenueExec, now: int) -> None:
        child = self._children.get(self._aliases.get(er.child_id, er.child_id))
        if child is None or child.venue != er.venue:
            self._ignore(er.venue, f"no child {er.child_id!r} at {er.venue}")
            return
        if er.exec_type == "I":
            self._reconcile(child, er, now)
            return
        key = f"{er.venue}:{er.exec_id}"
        if key in self._seen:
            self._ignore(child.child_id, f"repeated ExecID {er.exec_id}")
            return
        self._seen.add(key)
        parent = self._parents[child.parent_id]
        if er.exec_type in ("G", "H"):
            venue_correction(self, parent, child, er, now)
            return
        if er.exec_type == "0" and not child.acked:
            child.acked = True
            self.venue_stats.acked(child.venue, now - child.placed, now)
        applied = self._apply_venue_fills(parent, child, er, now)
        if er.exec_type == "F":
            if not applied:
                self._ignore(child.child_id, f"ExecID {er.exec_id}: CumQty {er.cum_qty} already applied")
            if child.live and (child.cum >= child.qty or er.ord_status == "2"):
                self._child_done(parent, child, "F", er.text, now)
        elif er.exec_type in DONE_EXEC_TYPES and child.live:
            self._child_done(parent, child, er.exec_type, er.text, now)
        elif er.exec_type != "0" and not applied:
            self._ignore(child.child_id, f"ExecType {er.exec_type} not handled")

    def _reconcile(self, child: Child, er: VenueExec, now: int) -> None:
        parent = self._parents[child.parent_id]
        child.uncertain = False
        self._apply_venue_fills(parent, child, er, now)
        if child.done:
            self._note_child(child)
        elif er.ord_status == "8":
            self._child_done(parent, child, "4", er.text or "unknown at venue", now, lost=True)
        elif er.ord_status not in _LIVE_STATUSES or child.cum >= child.qty:
            self._child_done(parent, child, "F" if child.cum >= child.qty else er.ord_status, er.text, now)
        elif refuse_request(self, parent, child, now):
            return  # the venue refused the client's cancel: the client hears so (oms_cancel_reject)
        elif self._wants_end(parent) and child.cancels < _MAX_CANCELS:
            self._cancel_child(child)
        else:
            self._note_child(child)

    # -- the parent's life ----------------------------------------------------------------

    def _apply_venue_fills(self, parent: Parent, child: Child, er: VenueExec, now: int) -> bool:
        """Applies what ``er``'s CumQty adds to the child's fills (oms_reconcile); False when nothing."""
        fills = fills_from(child, er, self._instruments[child.symbol].tick)
        for f in fills:
            self._apply_fill(parent, child, f.fill_id, f.qty, f.px if f.px is not None else parent.order.avg_px, now)
        return bool(fills)

    def _apply_fill(self, parent: Parent, child: Child, fill_id: str, qty: int, px: Decimal, now: int) -> None:
        o = parent.order
        self._own_volume[o.symbol] = self._own_volume.get(o.symbol, 0) + qty
        child.cum += qty
        child.notional += qty * px
        self.venue_stats.filled(child.venue, qty, now, o.symbol, 1 if o.side is Side.BUY else -1, float(px))
        msgs = o.fill(fill_id=fill_id, qty=qty, px=px, now=now)
        if msgs:
            self._risk.on_fill(parent.account, o.symbol, o.side.value, qty, px, now, order_id=o.order_id)
            self._tell(parent, msgs)
        self._note_child(child)

    def _child_done(self, parent: Parent, child: Child, ended_by: str, text: str, now: int,
                    lost: bool = False) -> None:
        """``lost``: the venue, asked after a disconnect, does not know the child (it never worked there or
        was canceled with the session): its unfilled quantity is routed again."""
        child.done, child.ended_by, child.text, child.uncertain, child.refused = True, ended_by, text, False, None
        self._note_child(child)
        self.venue_stats.ended(child.venue, child.qty, child.cum, ended_by, now)
        if child.ping and after_ping(self, parent, child, now):
            return  # what the dark ping left went to the lit venues
        if parent.algo is not None:
            if oms_algo.on_child_done(self, parent, ended_by, text, now) and self._live(parent):
                oms_algo.step(self, parent, now)
            self._settle(parent, now)
            return
        if (ended_by == "8" or lost) and reroute_rejected(self, parent, child, now, avoid=not lost):
            return  # its quantity went to the venues that have not rejected this parent
        if (ended_by == "8" and parent.ending is None and self._live(parent)
                and parent.order.time_in_force not in _KILL_TIFS):
            self._end(parent, ("venue", text or f"rejected at {child.venue}"), now)
            return
        if ended_by == "4" and stale_cancel(self, parent, child):
            rework(self, parent, now)  # canceled for a request its sibling's venue refused
        self._settle(parent, now)

    def _end(self, parent: Parent, why: tuple[str, str], now: int) -> None:
        """An unsolicited end: cancel the children; the parent ends when they are done."""
        if parent.ending is None:
            parent.ending = why
        self._cancel_children(parent, now)

    def _cancel_children(self, parent: Parent, now: int) -> None:
        for cid in parent.children:
            c = self._children[cid]
            if c.live and not c.cancel_sent and c.venue not in self._down:
                self._cancel_child(c)  # a child at a down venue is canceled after its status reply
        self._settle(parent, now)

    def _cancel_child(self, child: Child) -> None:
        cancel_id = self._next_child_id()
        self._aliases[cancel_id] = child.child_id
        child.cancel_sent = True
        child.cancels += 1
        self._out.append(ToVenueCancel(venue=child.venue, child_id=cancel_id, orig_child_id=child.child_id,
                                       symbol=child.symbol, side=child.side, qty=child.qty))
        self._note_child(child)

    def _settle(self, parent: Parent, now: int) -> None:
        """Called whenever a child of ``parent`` ends (or a request or end starts): acts once none is live."""
        if self._live(parent):
            return
        o = parent.order
        if parent.request is not None:
            req_id, parent.request = parent.request, None
            req = o.requests.get(req_id)
            if req is not None and req.kind is CxlRejResponseTo.ORDER_CANCEL_REQUEST:
                if o.leaves_qty > 0:
                    self._tell(parent, o.confirm_cancel(req_id, now=now))
                else:
                    self._tell(parent, o.reject_request(req_id, reason=CxlRejReason.TOO_LATE_TO_CANCEL, now=now))
            elif req is not None:
                if o.leaves_qty > 0 or req.order_qty > o.cum_qty:
                    self._tell(parent, o.confirm_replace(req_id, now=now))
                    self._risk.on_replaced(o.order_id, self._risk_order(parent, o.order_qty, o.price, o.ord_type),
                                           now)
                    parent.retired.extend(parent.children)
                    parent.children = []
                    if o.leaves_qty > 0 and parent.ending is None:
                        reroute(self, parent, now)
                        return
                else:
                    self._tell(parent, o.reject_request(req_id, reason=CxlRejReason.TOO_LATE_TO_CANCEL, now=now))
        if o.leaves_qty == 0:
            self._risk_done(parent, now)
            return
        if parent.ending is not None:
            kind, text = parent.ending
            if kind == "venue" and not o.cum_qty:
                self._tell(parent, o.reject(reason=OrdRejReason.OTHER, text=text, now=now))
            elif kind == "day":
                self._tell(parent, o.done_for_day(now=now))
            else:
                self._tell(parent, o.cancel(reason=_ENDING_REASON[kind], text=text, now=now))
            self._risk_done(parent, now)
            return
        if o.phase is Phase.OVERNIGHT:
            return  # a GT parent after DFD: routed again on NewDay
        if parent.algo is not None:
            oms_algo.step(self, parent, now)  # the algo places again, or its end expires the parent
            return
        self._natural_end(parent, now)

    def _natural_end(self, parent: Parent, now: int) -> None:
        """Every child is done by the venue's doing and the parent still has leaves."""
        o = parent.order
        ends = [self._children[c] for c in parent.children]
        by = {c.ended_by for c in ends}
        # The Text of the children that ended it: not that of a reject whose quantity a reroute took on, but
        # every venue's (each named) when they all rejected it.
        rejected = by == {"8"}
        texts = [f"{c.venue}: {c.text}" if rejected and len(ends) > 1 else c.text
                 for c in ends if c.text and (c.ended_by == "8") == rejected]
        if rejected and not o.cum_qty:
            self._tell(parent, o.reject(reason=OrdRejReason.OTHER, text="; ".join(texts) or "rejected at venue",
                                        now=now))
        elif o.time_in_force in _KILL_TIFS or o.ord_type is OrdType.MARKET:
            self._tell(parent, o.cancel(now=now))  # R11: IOC/FOK remainder, CumQty kept
        elif "C" in by:
            self._tell(parent, o.expire(now=now))
        elif "3" in by:
            self._tell(parent, o.done_for_day(now=now))
            if o.phase is Phase.OVERNIGHT:
                return  # risk keeps a GT order's leaves working
        else:
            self._tell(parent, o.cancel(reason=ExecRestatementReason.MARKET_OPTION,
                                        text=texts[0] if texts else "canceled at venue", now=now))
        self._risk_done(parent, now)

    # -- helpers -----------------------------------------------------------------------------

    def _live(self, parent: Parent) -> bool:
        return any(self._children[c].live for c in parent.children)

    @staticmethod
    def _working(parent: Parent) -> bool:
        return parent.order.phase in _WORKING and parent.order.leaves_qty > 0

    @staticmethod
    def _wants_end(parent: Parent) -> bool:
        return parent.request is not None or parent.ending is not None

    def _parent_of(self, book: ClientOrderBook, cl_ord_id: str) -> Parent | None:
        order = book.get(cl_ord_id)
        return None if order is None else self._parents.get(order.order_id)

    def _risk_order(self, parent: Parent, qty: int, price: Decimal | None, ord_type: OrdType) -> RiskOrder:
        o = parent.order
        return RiskOrder(order_id=o.order_id, session=parent.session, account=parent.account, symbol=o.symbol,
                         side=o.side.value, qty=qty, price=None if ord_type is OrdType.MARKET else price,
                         ord_type=ord_type.value)

    def _risk_done(self, parent: Parent, now: int) -> None:
        if not parent.risk_done:
            parent.risk_done = True
            self._risk.on_done(parent.order_id, now)

    def _next_child_id(self) -> str:
        self._child_seq += 1
        return f"{self._prefix}C{self._child_seq}"

    def _tell(self, parent: Parent, msgs: list[Outbound]) -> None:
        if msgs:
            if parent.algo is not None:
                msgs = oms_algo.performance(self, parent, msgs)
            self._journal.append(Journal(kind="parent", stream=parent.order_id, body=parent.snapshot()))
            self._out.extend(ToClient(session=parent.session, msg=m) for m in msgs)

    def _send(self, session: str, msgs: list[Outbound] | tuple[Outbound, ...]) -> None:
        self._out.extend(ToClient(session=session, msg=m) for m in msgs)

    def _note_child(self, child: Child) -> None:
        self._journal.append(Journal(kind="child", stream=child.parent_id, body=child.snapshot()))

    def _ignore(self, stream: str, why: str) -> None:
        self._journal.append(Journal(kind="ignored", stream=stream, body={"why": why}))
