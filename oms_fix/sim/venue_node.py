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
  when no lit venue quotes, as ``serve._reference_feed`` does.
"""

from __future__ import annotations

import heapq
from decimal import Decimal
from typing import TYPE_CHECKING

from oms_fix.engine import oms_types as t
from oms_fix.fix.message import Message
from oms_fix.fix.translate_requests import venue_exec_from_fix
from oms_fix.fix.utctime import format_ns
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


class SimVenue:
    def __init__(self, venue: Venue, sched: Scheduler, tick_ns: int, recorder: Recorder) -> None:
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
        self._dispatch(v.advance(at), at)
        if v.status_changes:  # a phase or a halt: what the book shows changes (a call shows its call book)
            v.status_changes.clear()
            for symbol in v.engines:
                self._dirty[symbol] = None
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
        self._dispatch(self.venue.submit(req, now), now)
        self._after_message(now)

    def on_cancel(self, o: t.ToVenueCancel) -> None:
        now = self._sched.now
        if o.symbol not in self.venue.engines:
            self._cancel_reject(CancelReject(o.child_id, o.orig_child_id, CxlRejReason.UNKNOWN_ORDER,
                                             f"unknown symbol {o.symbol!r}"))
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
            msg = _message([(11, o.child_id), (55, o.symbol), (54, o.side)])
            self._to_oms(status_unknown_body(msg, self._exec_id(), format_ns(now)))
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

    def _exec_id(self) -> str:
        self._exec_ids += 1
        return f"{self.name}-E{self._exec_ids}"

    def _dispatch(self, reports: list[Report], now: int) -> None:
        """Reports about the OMS's orders go to it as ExecutionReports; every report marks its book changed."""
        if not reports:
            return
        v = self.venue
        dirty = self._dirty
        tt = b""
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
            pricing = v.pricing[req.symbol]
            if r.exec_type is ExecType.TRADE:
                self._recorder.fill(Fill(time=now, venue=self.name, child_id=r.cl_ord_id, symbol=req.symbol,
                                         side=req.fix_side or str(int(req.side)), qty=r.last_qty,
                                         px=self.prices[req.symbol].dec(r.last_px, v.denominator),
                                         liquidity=r.liquidity.value if r.liquidity is not None else ""))
            self._to_oms(er_body(r, pricing, self.name, self._exec_id(), tt, v.denominator, v.commission(r)))

    def _to_oms(self, fields: list[tuple[int, str | bytes]]) -> None:
        assert self.to_oms is not None and self.oms is not None
        self.to_oms.send(self.oms.on_venue_exec, venue_exec_from_fix(self.name, _message(fields)))

    def _reject(self, msg: Message, refusal: Refusal, now: int) -> None:
        self._to_oms(reject_body(msg, refusal, self._exec_id(), format_ns(now)))

    def _cancel_reject(self, rej: CancelReject) -> None:
        assert self.to_oms is not None and self.oms is not None
        msg = _message(cancel_reject_body(rej))
        self.to_oms.send(self.oms.on_cancel_reject, t.VenueCancelReject(venue=self.name, child_id=_text(msg, 11),
                                                                        reason=_text(msg, 102), text=_text(msg, 58)))

    def _publish(self, now: int) -> None:
        """Market data for every symbol whose book changed: to the OMS, and the top of book to dependents."""
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        v = self.venue
        assert self.to_oms is not None and self.oms is not None
        for symbol in dirty:
            eng = v.engines[symbol]
            trades = eng.drain_trades()
            bids, asks = eng.levels(Side.BUY, ALL_LEVELS), eng.levels(Side.SELL, ALL_LEVELS)
            if self._lit and self._own_ref.get(symbol) != ((bids[0][0] if bids else None),
                                                           (asks[0][0] if asks else None)):
                self._bbo_moved[symbol] = None
                self._followup = True  # the next tick gives the engine its new BBO
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
