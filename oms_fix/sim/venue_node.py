"""One venue in the simulation: the real ``Venue`` behind an in-memory gateway.

The venue object is the one `oms-fix venues` runs (``serve.build_venue``:
its engines, its share of the seeded background market, its kind's policy).
What the FIX gateway and the serving loop do around it is done here on the
virtual clock, with the same translation functions and minus the bytes:

- a child order from the OMS becomes the NewOrderSingle's fields, read by the
  venue's own ``parse_order`` (so a price off the tick or an unknown symbol
  is refused exactly as over FIX), then ``Venue.submit``;
- every engine report about an OMS order becomes the ExecutionReport's fields
  (``er_body``, ExecIDs ``<VENUE>-E<n>`` as the gateway numbers them), read by
  the OMS's own ``venue_exec_from_fix``; cancel rejects and status replies
  likewise;
- the venue advances at its tick (``tick_ms``): before it, a lit venue gives
  its engines its own best bid and offer (pegs track it), as serve.py does.
  A tick that would find nothing to do is skipped (``Venue.next_due``, and
  the ExpireTimes of the GTD orders sent here): it could change nothing;
- the background market is drawn once per run (``FlowSource``) and each venue
  takes its share of it (``Venue.share_flow``, before its node is built:
  world.py): the same actions reach the engines as with a market of its own
  per venue, and a venue's ticks wait for its own share and the fair value's
  steps, not for everyone's flow;
- market data: after every tick and every message, each symbol whose book
  changed goes to the OMS as the full-depth price levels (what its 35=W/X
  subscription with MarketDepth 0 rebuilds) with the trades since;
- a lit venue's top of book goes to the venues that price off it (dark,
  cross, market maker: ``reference_sources``), which fall back to fair value
  when no lit venue quotes, as ``serve._reference_feed`` does;
- faults (issue 7): the node is the ``FaultHost`` of its own
  ``fault_wire.FaultWire`` and the ``Controlled`` target of a venue scenario
  (venue_faults.py), and consults the wire where the gateway does: a new
  order, a cancel, a status request, every report about an OMS order. With
  nothing engaged it sends as before. What the wire queues (delay_ack,
  delay_fills, cancel_unsolicited's after_ms) goes out at its due virtual
  nanosecond (``wake_at``), not at the next tick. A bust or correction
  restates the run's record of the fill it names.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import asdict, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

from oms_fix.engine import oms_types as t
from oms_fix.fix.message import Message
from oms_fix.fix.translate_requests import venue_exec_from_fix
from oms_fix.fix.utctime import format_ns
from sim_venues.fault_wire import FaultWire
from sim_venues.faults import KINDS, MARKET_OPS, FaultPlan, Scope, check_params
from sim_venues.market_faults import MarketFaults
from sim_venues.daycycle import securitystatus
from sim_venues.fix_translate import (Pricing, Refusal, cancel_reject_body, er_body, parse_order, reject_body,
                                      status_unknown_body)
from sim_venues.marketdata import ALL_LEVELS
from sim_venues.orders import CancelReject, CxlRejReason, ExecType, OrdRejReason, Report, Side
from sim_venues.venues import MM_OWNER, Venue

from .latency import Link
from .recorder import Fill, Recorder
from .scheduler import Scheduler

if TYPE_CHECKING:
    from .oms_node import SimOms

__all__ = ["OWNER", "Prices", "SimVenue"]

OWNER = "OMS"  # the OMS's SenderCompID at every venue: the owner of its child orders in the engines
_LIT = frozenset({"exchange", "ecn", "mm"})
Levels = list[tuple[Decimal, int]]
Top = tuple[int | None, int | None]


class Prices:
    """Ticks -> the Decimal a FIX price field would carry, cached (prices cluster around the market)."""

    __slots__ = ("pricing", "_cache", "_whole")

    def __init__(self, pricing: Pricing) -> None:
        self.pricing = pricing
        self._cache: dict[tuple[int, int], Decimal] = {}
        self._whole: dict[int, Decimal] = {}  # denominator 1, by ticks alone: every book level of every update

    def dec(self, ticks: int, denominator: int = 1) -> Decimal:
        key = (ticks, denominator)
        d = self._cache.get(key)
        if d is None:
            d = self._cache[key] = Decimal(self.pricing.fmt(ticks, denominator))
        return d

    def levels(self, levels: list[tuple[int, int]]) -> Levels:
        whole = self._whole
        try:  # one dict lookup a level: a method call each is a good part of publishing market data
            return [(whole[p], q) for p, q in levels]
        except KeyError:
            for p, _ in levels:
                if p not in whole:
                    whole[p] = self.dec(p)
            return [(whole[p], q) for p, q in levels]


def _message(fields: list[tuple[int, str | bytes]]) -> Message:
    """The fields as a parsed message would hold them (values bytes)."""
    return Message(b"", [(tag, v if isinstance(v, bytes) else v.encode("latin-1")) for tag, v in fields])


def _text(msg: Message, tag: int) -> str:
    return (msg.get(tag) or b"").decode("latin-1")


def _fault_seed(seed: int, venue: str) -> int:
    """The seed of a venue's fault plan: from the run's and the venue's name (its own stream, as each link's)."""
    return random.Random(f"{seed}/faults/{venue}").getrandbits(64)


class SimVenue:
    def __init__(self, venue: Venue, sched: Scheduler, tick_ns: int, recorder: Recorder, seed: int = 0) -> None:
        self.venue = venue
        self.name = venue.name
        self.prices = {s: Prices(p) for s, p in venue.pricing.items()}
        self._sched = sched
        self._tick_ns = tick_ns
        self._grid0 = venue.start_ns
        self._recorder = recorder
        self._lit = venue.spec.kind in _LIT
        self._mm = venue.spec.kind == "mm"
        self.oms: SimOms | None = None
        self.to_oms: Link | None = None
        self.dependents: list[tuple[Link, SimVenue]] = []  # venues pricing off this one's top of book
        self.sources: list[str] = []  # the lit venues this one prices off
        self._refs: dict[str, dict[str, Top]] = {}  # symbol -> source -> its top of book
        self._own_ref: dict[str, Top] = {}
        self._bbo_moved: dict[str, None] = dict.fromkeys(venue.engines)  # own BBO differs from the engine's reference
        self._published: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self._top_sent: dict[str, Top] = {}
        self._dirty: dict[str, None] = {}  # symbols whose book may have changed (a dict: ordered, unlike a set)
        self._followup = False  # something the next tick must see (own BBO moved, the MM's inventory moved)
        self._expiries: list[int] = []  # ExpireTimes of GTD orders sent here
        self._next_tick: int | None = None
        self.end_ns: int | None = None  # no ticks after this
        self._exec_ids = 0
        self.ticks = 0
        self.md_updates = 0
        self.faults = FaultPlan(_fault_seed(seed, venue.name), symbols=tuple(venue.engines))
        self._fx = FaultWire(self)
        self.market = MarketFaults(venue, self.faults, self.event)
        venue.market = self.market
        self._market_wakes: set[int] = set()
        self._wakes: set[int] = set()  # instants a wakeup is scheduled for, to drain the fault wire
        self._fills: dict[str, Fill] = {}  # ExecID -> the run's record of that fill, for a bust or correction

    # -- time -------------------------------------------------------------------------

    def start(self) -> None:
        if self.venue.spec.kind in ("dark", "cross", "mm"):
            for symbol in self.venue.engines:  # the reference feed's first snapshot: nothing quoted yet
                self._set_reference(symbol, self._sched.now)
        self._want_tick(self._sched.now)

    def _want_tick(self, at: int) -> None:
        k = -(-(at - self._grid0) // self._tick_ns) if at > self._grid0 else 0
        at = self._grid0 + k * self._tick_ns
        if self.end_ns is not None and at > self.end_ns:
            return
        if self._next_tick is None or at < self._next_tick:
            self._next_tick = at
            self._sched.at(at, self._tick, at)

    def _tick(self, at: int) -> None:
        if at != self._next_tick:
            return  # an earlier tick was asked for and has run
        self._next_tick = None
        self._followup = False
        self.ticks += 1
        v = self.venue
        if self._lit and self._bbo_moved:  # pegs on a lit venue track its own best bid and offer (serve.py)
            moved, self._bbo_moved = self._bbo_moved, {}
            for symbol in v.engines:
                if symbol in moved:
                    bbo = v.own_bbo(symbol)
                    if self._own_ref.get(symbol) != bbo:
                        self._own_ref[symbol] = bbo
                        self._dispatch(v.set_reference(symbol, bbo[0], bbo[1], at), at)
        reports = v.advance(at)
        self.publish_status()
        self._dispatch(reports, at)
        self._publish(at)
        due = v.next_due(at)
        heap = self._expiries
        while heap and heap[0] <= at:
            heapq.heappop(heap)
        if heap and (due is None or heap[0] < due):
            due = heap[0]
        if self._followup:
            due = at + 1
        if due is not None:
            self._want_tick(due)

    def _after_message(self, now: int) -> None:
        self._publish(now)
        if self._followup:
            self._want_tick(now + 1)

    # -- orders from the OMS (the gateway's 35=D, F, H) ---------------------------------

    def on_new(self, o: t.ToVenueNew) -> None:
        now = self._sched.now
        fields: list[tuple[int, str | bytes]] = [(11, o.child_id), (55, o.symbol), (54, o.side), (38, str(o.qty)),
                                                 (40, o.ord_type), (59, o.tif), (60, format_ns(now))]
        if o.price is not None:
            fields.append((44, format(o.price, "f")))
        if o.expire_time is not None:
            fields.append((126, format_ns(o.expire_time)))
        if o.max_floor is not None:
            fields.append((111, str(o.max_floor)))
        if o.min_qty is not None:
            fields.append((110, str(o.min_qty)))
        msg = _message(fields)
        pricing = self.venue.pricing.get(o.symbol)
        if pricing is None:
            self._reject(msg, Refusal(OrdRejReason.UNKNOWN_SYMBOL, f"unknown symbol {o.symbol!r} at {self.name}"), now)
            return
        req = parse_order(msg, OWNER, pricing)
        if isinstance(req, Refusal):
            self._reject(msg, req, now)
            return
        if req.expire_ns is not None:
            heapq.heappush(self._expiries, req.expire_ns)
            self._want_tick(req.expire_ns)
        if not self._fx.on_new(msg, req, now):
            self._dispatch(self.venue.submit(req, now), now)
        self._after_message(now)

    def on_cancel(self, o: t.ToVenueCancel) -> None:
        now = self._sched.now
        if o.symbol not in self.venue.engines:
            self._cancel_reject(CancelReject(o.child_id, o.orig_child_id, CxlRejReason.UNKNOWN_ORDER,
                                             f"unknown symbol {o.symbol!r}"))
            return
        if self._fx.on_cancel(OWNER, o.child_id, o.orig_child_id, o.symbol, now):
            self._after_message(now)
            return
        out = self.venue.cancel(o.symbol, OWNER, o.child_id, o.orig_child_id, now)
        if isinstance(out, CancelReject):
            self._cancel_reject(out)
            return
        self._dispatch(out, now)
        self._after_message(now)

    def on_status(self, o: t.ToVenueStatus) -> None:
        now = self._sched.now
        eng = self.venue.engines.get(o.symbol)
        order = eng.find(OWNER, o.child_id) if eng is not None else None
        if order is None:
            order = self._fx.find(OWNER, o.child_id)
        if order is None:
            msg = _message([(11, o.child_id), (55, o.symbol), (54, o.side)])
            self._to_oms(status_unknown_body(msg, self.exec_id(), format_ns(now)))
            return
        # R14: asked by a pre-replace ClOrdID, answered under the current one with 41 naming the one asked.
        self._dispatch([Report(ExecType.ORDER_STATUS, order, order.cl_ord_id,
                               orig_cl_ord_id=o.child_id if o.child_id != order.cl_ord_id else None)], now)

    # -- the reference NBBO (dark, cross, market maker) ---------------------------------

    def on_reference(self, source: str, symbol: str, top: Top) -> None:
        self._refs.setdefault(symbol, {})[source] = top
        now = self._sched.now
        self._set_reference(symbol, now)
        self._after_message(now)

    def _set_reference(self, symbol: str, now: int) -> None:
        tops = self._refs.get(symbol, {}).values()  # the best bid and offer across the sources, as ReferenceBook.nbbo
        bids = [b for b, _ in tops if b is not None]
        asks = [a for _, a in tops if a is not None]
        bid, ask = (max(bids) if bids else None), (min(asks) if asks else None)
        flow = self.venue.flow
        if (bid is None or ask is None) and flow is not None:
            fv = int(flow.fair_value(symbol))  # no lit market: fair value and the next tick
            bid, ask = fv, fv + 1
        self._dispatch(self.venue.set_reference(symbol, bid, ask, now), now)

    # -- outbound -------------------------------------------------------------------------

    def exec_id(self) -> str:
        self._exec_ids += 1
        return f"{self.name}-E{self._exec_ids}"

    def dispatch(self, reports: list[Report], now: int) -> None:
        self._dispatch(reports, now)

    def _dispatch(self, reports: list[Report], now: int) -> None:
        """Reports about the OMS's orders go to it as ExecutionReports (through the fault wire while it is
        engaged); every report marks its book changed."""
        if not reports:
            return
        v = self.venue
        dirty = self._dirty
        tt = b""
        engaged = False
        for r in reports:
            req = r.order.request
            dirty[req.symbol] = None
            owner = req.owner
            if owner != OWNER:
                if self._mm and owner == MM_OWNER and r.exec_type is ExecType.TRADE:
                    self._followup = True  # its inventory moved: it requotes at the next tick
                continue
            if not tt:
                tt = format_ns(now)
                engaged = self._fx.engaged
            if engaged:
                exec_id = self._fx.report(r, now)  # a fill's LastPx is then the one reported
            else:
                exec_id = self.exec_id()
                self._to_oms(er_body(r, v.pricing[req.symbol], self.name, exec_id, tt, v.denominator,
                                     v.commission(r)))
                if r.exec_type is ExecType.TRADE:
                    self._fx.remember(exec_id, r)
            if r.exec_type is ExecType.TRADE:
                fill = Fill(time=now, venue=self.name, child_id=r.cl_ord_id, symbol=req.symbol,
                            side=req.fix_side or str(int(req.side)), qty=r.last_qty,
                            px=self.prices[req.symbol].dec(r.last_px, v.denominator),
                            liquidity=r.liquidity.value if r.liquidity is not None else "")
                self._recorder.fill(fill)
                self._fills[exec_id] = fill

    def _to_oms(self, fields: list[tuple[int, str | bytes]]) -> None:
        assert self.to_oms is not None and self.oms is not None
        self.to_oms.send(self.oms.on_venue_exec, venue_exec_from_fix(self.name, _message(fields)))

    def _reject(self, msg: Message, refusal: Refusal, now: int) -> None:
        self._to_oms(reject_body(msg, refusal, self.exec_id(), format_ns(now)))

    def _cancel_reject(self, rej: CancelReject) -> None:
        if not self._fx.held_back(OWNER, rej, self._sched.now):
            self._cancel_reject_fields(cancel_reject_body(rej))

    def _cancel_reject_fields(self, fields: list[tuple[int, str | bytes]]) -> None:
        assert self.to_oms is not None and self.oms is not None
        msg = _message(fields)
        self.to_oms.send(self.oms.on_cancel_reject, t.VenueCancelReject(venue=self.name, child_id=_text(msg, 11),
                                                                        reason=_text(msg, 102), text=_text(msg, 58)))

    # -- faults: the fault wire's host, a venue scenario's target -------------------------

    def send_to(self, owner: str, mt: bytes, body: list[tuple[int, str | bytes]]) -> None:
        if owner != OWNER:
            return
        if mt == b"9":
            self._cancel_reject_fields(body)
            return
        fields = dict(body)
        if fields.get(150) in ("G", "H"):
            self._restate_fill(fields)
        self._to_oms(body)

    def _restate_fill(self, fields: dict[int, str | bytes]) -> None:
        """The run's record of the fill a bust (H) or correction (G) names in ExecRefID (19) follows it."""
        old = self._fills.pop(str(fields.get(19)), None)
        if old is None:
            return
        new = None
        if fields[150] == "G":
            new = replace(old, qty=int(fields[32]), px=Decimal(str(fields[31])))
            self._fills[str(fields[17])] = new
        self._recorder.restate_fill(old, new)

    def event(self, text: str) -> None:
        self._recorder.venue_event(self._sched.now, self.name, text)

    def wake_at(self, due: int) -> None:
        due = max(due, self._sched.now)
        if due not in self._wakes:
            self._wakes.add(due)
            self._sched.at(due, self._wake, due)

    def _wake(self, at: int) -> None:
        self._wakes.discard(at)
        self._fx.drain(at)
        self._after_message(at)

    def publish_status(self) -> None:
        """A phase, or one symbol's halt or reopening: every book is published again (a call shows its call
        book), and a symbol's halt or reopening is told to the OMS as the venue's 35=f would tell it, before
        the reports it caused. The venue's phases (35=h) are not sent: the OMS acts on halts only (a venue
        halts symbols, never itself), and a message more on the link draws its latency from the link's seeded
        stream, so every run without a halt would take another random path than it did before."""
        v = self.venue
        if not v.status_changes:
            return
        assert self.to_oms is not None and self.oms is not None
        for symbol, phase in v.status_changes:
            if symbol is not None:
                self.to_oms.send(self.oms.on_status, self.name, symbol, securitystatus(phase))
        v.status_changes.clear()
        for symbol in v.engines:
            self._dirty[symbol] = None

    def arm(self, kind: str, params: Mapping[str, Any] | None, scope: Scope) -> str:
        now = self._sched.now
        fid = self.faults.arm(kind, params, scope, now)
        limits = {k: v for k, v in asdict(scope).items() if v is not None and (k, v) != ("probability", 1.0)}
        self.event(f"fault {fid} {kind} armed: params {check_params(kind, params)}, scope {limits or 'everything'}")
        if KINDS[kind].point == "market":
            self._market_now(now)
        end = scope.end_ns
        if end is not None and (self.end_ns is None or end <= self.end_ns):
            self.wake_at(end)  # its window's end is noticed then (a fault that never fired is said to)
        return fid

    def disarm(self, fault_id: str) -> bool:
        done = self.faults.disarm(fault_id, self._sched.now)
        if done:
            self.event(f"fault {fault_id} disarmed")
            self._market_now(self._sched.now)
        return done

    def operate(self, kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        now = self._sched.now
        if kind in MARKET_OPS:
            out = self.market.operate(kind, params, now)
            self._market_now(now)
            return out
        out = self._fx.operate(kind, params, now)
        self._after_message(now)
        return out

    def _market_now(self, at: int) -> None:
        """The market faults' time: a state armed, disarmed, starting or ending, a spike's slice. The venue
        advances at this very nanosecond (not at its next tick), and is woken again at the market faults' next
        instant, so a scenario's market actions happen exactly when they are due."""
        self._market_wakes.discard(at)
        v = self.venue
        reports = v.advance(at)
        self.publish_status()
        self._dispatch(reports, at)
        self._after_message(at)
        due = self.market.next_due(at)
        if due is not None and due not in self._market_wakes and (self.end_ns is None or due <= self.end_ns):
            self._market_wakes.add(due)
            self._sched.at(due, self._market_now, due)
        due = v.next_due(at)
        if due is not None:
            self._want_tick(due)

    def _publish(self, now: int) -> None:
        """Market data for every symbol whose book changed: to the OMS, and the top of book to dependents.

        A tester's stale_quote or crossed_quote (sim_venues/market_faults.py) changes what is sent, as the
        gateway's publish does over FIX: nothing while stale, then the book as it is and the trades held back;
        an extra bid above the best offer while crossed."""
        v = self.venue
        market = v.market
        if market is not None:
            for symbol in market.take_md_changed():  # a state began or ended: send the symbol again
                self._dirty[symbol] = None
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        assert self.to_oms is not None and self.oms is not None
        for symbol in dirty:
            eng = v.engines[symbol]
            trades = eng.drain_trades()
            bids, asks = eng.levels(Side.BUY, ALL_LEVELS), eng.levels(Side.SELL, ALL_LEVELS)
            if self._lit and self._own_ref.get(symbol) != ((bids[0][0] if bids else None),
                                                           (asks[0][0] if asks else None)):
                self._bbo_moved[symbol] = None
                self._followup = True  # the next tick gives the engine its new BBO
            if market is not None:
                trades = market.trades(symbol, trades)
                if symbol in market.stale:
                    continue  # sent again when it ends (take_md_changed)
                bids = market.crossed_bids(symbol, bids, asks)
            last = self._published.get(symbol)
            if last is None or last[0] != bids or last[1] != asks or trades:
                self._published[symbol] = (bids, asks)
                prices = self.prices[symbol]
                den = v.denominator
                self.md_updates += 1
                self.to_oms.send(self.oms.on_market_data, self.name, symbol, prices.levels(bids),
                                 prices.levels(asks), [(prices.dec(tr.price, den), tr.qty) for tr in trades])
            if self.dependents:
                top = ((bids[0][0] if bids else None), (asks[0][0] if asks else None))
                if self._top_sent.get(symbol) != top:
                    self._top_sent[symbol] = top
                    for link, dep in self.dependents:
                        link.send(dep.on_reference, self.name, symbol, top)
