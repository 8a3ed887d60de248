"""A lit venue's matching engine for one symbol: order types and phases over ``Book``.

Sans-IO and deterministic: every call takes ``now`` (integer ns) and returns
the reports it caused, in order; trade prints collect for ``drain_trades``.
Where an order can be (``_Live.where``):

    BOOK    resting in the ``LayeredBook``: displayed (an iceberg shows a slice)
            or hidden (matched after displayed quantity at the same price)
    STOP    a stop waiting for the last trade price to reach its StopPx
    PEG     a peg waiting for a reference price (or for CONTINUOUS)
    PARKED  an at-the-close order waiting for the closing auction
    CALL    the call book of a call phase (nothing matches; an uncross ends it)

Every report's ``extra`` holds the order's figures at that moment (see
``records.py``). The phase table and admission checks are in
``admission.py``, the queues in ``layered.py``, the call book in
``callbook.py``, the uncross in ``auction.py``, peg prices in ``pegs.py``,
the ClOrdID index in ``order_index.py``, GTD expiry in ``expiry.py``.

Decisions the issue left open:

- Stops are elected against the last trade on this engine, also on arrival
  (a buy stop at or below the last trade triggers at once), in CONTINUOUS
  only; oldest first, and each election may elect more (bounded: a stop is
  elected once).
- MinQty and FOK look at the quantity available on arrival (and when a stop
  is elected). A limit order whose MinQty cannot be met but which would
  cross is cancelled (resting it would cross the book); one that does not
  cross rests and is then matched normally.
- Post-only is checked on arrival and on a replace that moves the price;
  it is refused on market, stop and IOC/FOK orders.
- Pegs work in CONTINUOUS only: in other phases they wait outside the book
  (no report) and come back at the current reference; they take no part in
  an auction. An unpriced IOC/FOK peg is cancelled.
- A replace may change quantity, price, StopPx, ExpireTime, MaxFloor,
  hidden, MinQty, ExecInst, PegOffset and account, not side, symbol,
  OrdType or TimeInForce; it is refused while CLOSED. MinQty does not apply
  again to a replaced order.
- ATC orders outside the closing auction are parked; any left at CLOSED are
  cancelled. ATO orders left after any uncross are cancelled.
- The auction reference is the last trade here, else ``tick_reference``
  (e.g. the previous close), else the mid of the last ``set_reference``.
- One ``Trade`` print per matched pair, also in an uncross.
- Rejected orders are not indexed for ``find`` (their ClOrdID is not
  consumed); done orders' ClOrdIDs are reusable.
- Done orders are forgotten (``order_index.py``): the background market's
  (owner "~...") at once, a session's once ``keep_done`` newer session
  orders are done. A forgotten order is unknown to ``find``, cancel and
  replace, and its ClOrdIDs may name a new order. A filled order can be
  re-opened (R8) only while it is remembered.
- OrderIDs are ``{id_prefix}-{n}`` (default prefix: the venue's name); the
  caller makes the prefix unique per symbol and per run.
- No self-trade prevention: one owner is a whole OMS session.
"""

from __future__ import annotations

from dataclasses import fields, replace as copy_request
from operator import attrgetter

from . import auction
from .admission import PHASES, check_entry, check_replace, check_terms, is_post_only, only_qty
from .callbook import auction_reference, call_book, call_levels
from .expiry import ExpiryQueue
from .layered import LayeredBook
from .order_index import BACKGROUND, KEEP_DONE, OrderIndex
from .orders import (CancelReject, CxlRejReason, ExecType, Liquidity, Order, OrderRequest, OrdRejReason, OrdStatus,
                     OrdType, Phase, Report, Side, TimeInForce, Trade)
from .pegs import peg_kind, peg_price
from .records import BOOK as _BOOK, CALL as _CALL, NONE as _NONE, PARKED as _PARKED, PEG as _PEG, STOP as _STOP
from .records import LiveOrder as _Live, report as _report

__all__ = ["Engine"]

BUY, SELL = Side.BUY, Side.SELL
_IMMEDIATE = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_TERMS_OF = attrgetter(*[f.name for f in fields(OrderRequest)])  # every field, in __init__'s order


def _own_copy(req: OrderRequest) -> OrderRequest:
    """The engine's copy of a request (it renames its ClOrdID in place); what ``dataclasses.replace`` does, faster:
    the background market submits many times a second."""
    return OrderRequest(*_TERMS_OF(req))


class Engine:
    """One symbol on a lit venue; implements ``orders.VenueEngine``."""

    def __init__(
        self,
        symbol: str,
        *,
        venue: str,
        phase: Phase = Phase.CONTINUOUS,
        auctions: bool = False,
        tick_reference: int | None = None,
        id_prefix: str | None = None,
        keep_done: int = KEEP_DONE,
    ) -> None:
        self.symbol = symbol
        self.venue = venue  # for texts; OrderIDs are f"{id_prefix}-{n}"
        self.id_prefix = venue if id_prefix is None else id_prefix
        self.phase = phase
        self.auctions = auctions
        self.tick_reference = tick_reference  # the auction's reference before the first trade (e.g. the last close)
        self._book = LayeredBook()
        self._next = 0
        self._seq = 0
        self._live: dict[int, _Live] = {}  # book id -> every order with leaves
        self._ids: OrderIndex[_Live] = OrderIndex(keep_done)  # (owner, any ClOrdID of its chain) -> order
        self._stops: dict[int, _Live] = {}
        self._pegs: dict[int, _Live] = {}  # every live peg, wherever it is
        self._parked: dict[int, _Live] = {}
        self._call: dict[int, _Live] = {}
        self._expiries: ExpiryQueue[int] = ExpiryQueue()  # GTD orders' book ids
        self._trades: list[Trade] = []
        self._last_px: int | None = None
        self._ref: tuple[int | None, int | None] = (None, None)
        self._closing = phase is Phase.CLOSING_AUCTION

    # -- queries --------------------------------------------------------------

    @property
    def last_px(self) -> int | None:
        return self._last_px

    def find(self, owner: str, cl_ord_id: str) -> Order | None:
        live = self._ids.get(owner, cl_ord_id)
        return None if live is None else live.order

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]:
        if not PHASES[self.phase].call:
            return self._book.levels(side, depth)
        return call_levels(self._call.values(), side, depth)

    def indicative(self) -> auction.Uncross | None:
        """The uncross the call book would give now; None outside a call phase or if nothing crosses."""
        if not PHASES[self.phase].call:
            return None
        return self._indicative()

    def drain_trades(self) -> list[Trade]:
        trades, self._trades = self._trades, []
        return trades

    # -- commands -------------------------------------------------------------

    def submit(self, req: OrderRequest, now: int) -> list[Report]:
        existing = self._ids.get(req.owner, req.cl_ord_id)
        if existing is not None and not existing.order.done:
            # R13 / F.1.a: the reject carries the existing order's status and quantities; it is untouched.
            return [
                _report(ExecType.REJECTED, existing.order, req.cl_ord_id,
                        reject_reason=OrdRejReason.DUPLICATE_ORDER, text="duplicate ClOrdID of a live order")
            ]
        if req.owner[:1] != BACKGROUND:  # the venue's own participants hand over a request nobody else holds
            req = _own_copy(req)
        self._next += 1
        order = Order(order_id=f"{self.id_prefix}-{self._next}", request=req, accepted_ns=now)
        if req.ord_type in (OrdType.LIMIT, OrdType.STOP_LIMIT):
            order.price = req.price
        problem = check_entry(req, self.symbol, self.phase, self.auctions) or check_terms(req, now)
        live = _Live(order, self._next)
        if problem is None and self.phase is Phase.CONTINUOUS and is_post_only(req):
            if req.ord_type is OrdType.PEGGED:
                order.price = self._peg_price(order)
            if order.price is not None and self._book.would_take(req.side, order.price):
                problem = (OrdRejReason.OTHER, "post-only order would take liquidity")
        if problem is not None:
            order.status = OrdStatus.REJECTED
            reason, text = problem
            return [_report(ExecType.REJECTED, order, reject_reason=reason, text=text)]
        self._ids.add(order.order_id, req.owner, req.cl_ord_id, live)
        if req.tif is TimeInForce.GTD:
            self._push_expiry(live)
        out = [_report(ExecType.NEW, order)]
        self._place(live, out, now, arrival=True)
        self._run_stops(out, now)
        return out

    def cancel(self, owner: str, cl_ord_id: str, orig_cl_ord_id: str, now: int) -> list[Report] | CancelReject:
        live = self._ids.get(owner, orig_cl_ord_id)
        if live is None:  # R10: the gateway answers OrderID NONE, OrdStatus 8
            return CancelReject(cl_ord_id, orig_cl_ord_id, CxlRejReason.UNKNOWN_ORDER, "unknown order")
        o = live.order
        last = o.cl_ord_id
        if self._is_live_id(owner, cl_ord_id):
            return CancelReject(cl_ord_id, last, CxlRejReason.DUPLICATE_CL_ORD_ID, "ClOrdID is in use by a live order", o)
        if o.done:
            return CancelReject(cl_ord_id, last, CxlRejReason.TOO_LATE_TO_CANCEL, f"order is already {o.status.name.lower()}", o)
        if owner[:1] == BACKGROUND:  # _finish forgets the order at once: indexing the new ClOrdID would be undone
            o.request.cl_ord_id = cl_ord_id
        else:
            self._rename(live, cl_ord_id)
        self._finish(live, OrdStatus.CANCELED)
        return [_report(ExecType.CANCELED, o, cl_ord_id, orig_cl_ord_id=last)]

    def replace(self, orig_cl_ord_id: str, req: OrderRequest, now: int) -> list[Report] | CancelReject:
        live = self._ids.get(req.owner, orig_cl_ord_id)
        if live is None:
            return CancelReject(req.cl_ord_id, orig_cl_ord_id, CxlRejReason.UNKNOWN_ORDER, "unknown order", is_replace=True)
        o, cur = live.order, live.order.request
        last = o.cl_ord_id

        def reject(reason: CxlRejReason, text: str) -> CancelReject:
            return CancelReject(req.cl_ord_id, last, reason, text, o, is_replace=True)

        if self._is_live_id(req.owner, req.cl_ord_id):
            return reject(CxlRejReason.DUPLICATE_CL_ORD_ID, "ClOrdID is in use by a live order")
        problem = check_replace(o, req, self.phase, now)
        if problem is not None:
            return reject(*problem)
        new = copy_request(req, owner=cur.owner)
        qty_only = only_qty(new, cur)
        new_price = new.price if new.ord_type in (OrdType.LIMIT, OrdType.STOP_LIMIT) else o.price
        if (self.phase is Phase.CONTINUOUS and is_post_only(new) and new.ord_type is OrdType.LIMIT
                and new_price != o.price and new_price is not None and self._book.would_take(new.side, new_price)):
            return reject(CxlRejReason.OTHER, "post-only order would take liquidity")

        if new.qty <= o.cum_qty:  # R7 (C.3.b, C.3.c): OrderQty becomes CumQty and the order is filled
            o.request = copy_request(new, qty=o.cum_qty)
            self._rename(live, new.cl_ord_id)
            self._finish(live, OrdStatus.FILLED)
            return [_report(ExecType.REPLACED, o, new.cl_ord_id, orig_cl_ord_id=last)]

        old_leaves, old_floor, old_hidden, old_price = o.leaves_qty, live.floor, live.hidden, o.price
        reopened = o.status is OrdStatus.FILLED  # R8 / C.1.c: a quantity increase re-opens a filled order
        o.request = new
        live.display()
        if reopened:
            o.status = OrdStatus.PARTIALLY_FILLED
            self._live[live.bid] = live
            self._ids.reopened(o.order_id)
        if new.tif is TimeInForce.GTD and (reopened or new.expire_ns != cur.expire_ns):
            self._push_expiry(live)
        keep = (
            live.where in (_BOOK, _CALL)
            and new_price == old_price
            and qty_only
            and o.leaves_qty <= old_leaves
            and (live.floor, live.hidden) == (old_floor, old_hidden)
        )
        out: list[Report] = []
        if keep:  # a reduction at the same price keeps time priority
            self._shrink(live)
            out.append(_report(ExecType.REPLACED, o, new.cl_ord_id, orig_cl_ord_id=last))
            self._rename(live, new.cl_ord_id)
        else:
            self._pull(live)
            o.price = new_price
            if new.ord_type is OrdType.PEGGED:
                o.price = self._peg_price(o) if self.phase is Phase.CONTINUOUS else o.price
            out.append(_report(ExecType.REPLACED, o, new.cl_ord_id, orig_cl_ord_id=last))
            self._rename(live, new.cl_ord_id)
            self._place(live, out, now, arrival=False)
        self._run_stops(out, now)
        return out

    def mass_cancel(self, owner: str, side: Side | None, now: int) -> list[Report]:
        out = []
        for live in list(self._live.values()):
            req = live.order.request
            if req.owner == owner and (side is None or req.side == side):
                self._finish(live, OrdStatus.CANCELED)
                out.append(_report(ExecType.CANCELED, live.order, text="mass cancel"))
        return out

    def on_time(self, now: int) -> list[Report]:
        out = []
        for expire_ns, bid in self._expiries.pop_due(now):
            live = self._expiring(expire_ns, bid)
            if live is not None:  # else done meanwhile, or its ExpireTime was replaced
                self._finish(live, OrdStatus.EXPIRED)
                out.append(_report(ExecType.EXPIRED, live.order, text="GTD order expired"))
        self._expiries.compact(len(self._live), self._is_expiring)
        return out

    def set_reference(self, bid: int | None, ask: int | None, now: int) -> list[Report]:
        self._ref = (bid, ask)
        out: list[Report] = []
        if self.phase is Phase.CONTINUOUS:
            self._reprice_pegs(out, now)
            self._run_stops(out, now)
        return out

    def set_phase(self, phase: Phase, now: int) -> list[Report]:
        old = self.phase
        out: list[Report] = []
        if phase is old:
            return out
        was_call, is_call = PHASES[old].call, PHASES[phase].call
        if old is Phase.CONTINUOUS:
            for live in list(self._pegs.values()):  # pegs work in CONTINUOUS only
                if live.where == _BOOK:
                    self._pull(live)
                    live.where = _PEG
        if is_call and not was_call:
            for bid in self._book.resting():  # in time priority, so older than anything entered in the call
                live = self._live[bid]
                self._pull(live)
                self._to_call(live)
        self.phase = phase
        if phase is Phase.CLOSING_AUCTION:
            self._closing = True
            for live in list(self._parked.values()):
                self._pull(live)
                self._place(live, out, now, arrival=False)
        if was_call and not is_call:
            self._uncross(out, now)
        if phase is Phase.CLOSED:
            self._close(out)
        elif phase is Phase.CONTINUOUS:
            self._reprice_pegs(out, now)
            self._run_stops(out, now)
        return out

    # -- placing and matching ---------------------------------------------------

    def _place(self, live: _Live, out: list[Report], now: int, arrival: bool) -> None:
        """Put an accepted order with leaves where it belongs in the current phase."""
        o = live.order
        req = o.request
        self._live[live.bid] = live
        if req.tif is TimeInForce.AT_THE_CLOSE and self.phase is not Phase.CLOSING_AUCTION:
            live.where = _PARKED
            self._parked[live.bid] = live
            return
        if req.ord_type in (OrdType.STOP, OrdType.STOP_LIMIT) and not o.triggered:
            live.where = _STOP
            self._stops[live.bid] = live
            return
        if req.ord_type is OrdType.PEGGED:
            self._pegs[live.bid] = live
            o.price = self._peg_price(o) if self.phase is Phase.CONTINUOUS else None
            if o.price is None:
                if req.tif in _IMMEDIATE:
                    self._kill(live, out, "no reference price for the peg")
                else:
                    live.where = _PEG
                return
        if PHASES[self.phase].call:
            return self._to_call(live)
        assert self.phase is Phase.CONTINUOUS, "orders are placed only when the venue accepts them"
        self._take(live, out, now, arrival)

    def _take(self, live: _Live, out: list[Report], now: int, arrival: bool) -> None:
        """Match an incoming (or re-entering) order as the taker, then rest or kill what is left."""
        o = live.order
        req = o.request
        immediate = o.price is None or req.tif in _IMMEDIATE
        if arrival:  # FOK and MinQty look at what is available before anything trades
            need = max(o.leaves_qty if req.tif is TimeInForce.FOK else 0, req.min_qty or 0)
            if need:
                available = self._book.available(req.side, o.price, need)
                if available < need:
                    if req.tif is TimeInForce.FOK:
                        return self._kill(live, out, "fill-or-kill order could not be filled in full")
                    if immediate or available:
                        return self._kill(live, out, "MinQty could not be filled at once")
                    return self._rest(live)
        self._walk(live, out, now)
        if o.done:
            return
        if immediate:
            text = "market order: no more liquidity" if o.price is None else "immediate-or-cancel remainder cancelled"
            self._kill(live, out, text)
        else:
            self._rest(live)

    def _walk(self, live: _Live, out: list[Report], now: int) -> None:
        o = live.order
        t_side = o.request.side
        for maker_id, _, price, qty in self._book.take(live.bid, t_side, o.price, o.leaves_qty):
            maker = self._live[maker_id]
            m = maker.order
            self._fill(o, price, qty)
            out.append(_report(ExecType.TRADE, o, last_qty=qty, last_px=price,
                               liquidity=Liquidity.REMOVED, contra_owner=m.request.owner))
            self._fill(m, price, qty)
            out.append(_report(ExecType.TRADE, m, last_qty=qty, last_px=price,
                               liquidity=Liquidity.ADDED, contra_owner=o.request.owner))
            self._trades.append(Trade(price, qty, t_side, now))
            self._last_px = price
            if m.done:
                self._finish(maker, OrdStatus.FILLED)
        if o.done:
            self._finish(live, OrdStatus.FILLED)

    @staticmethod
    def _fill(o: Order, price: int, qty: int) -> None:
        o.cum_qty += qty
        o.notional += price * qty
        o.status = OrdStatus.FILLED if o.cum_qty >= o.request.qty else OrdStatus.PARTIALLY_FILLED

    def _rest(self, live: _Live) -> None:
        o = live.order
        assert o.price is not None
        live.where = _BOOK
        self._book.add(live.bid, o.request.side, o.price, o.leaves_qty, hidden=live.hidden, floor=live.floor)

    def _to_call(self, live: _Live) -> None:
        self._seq += 1
        live.seq = self._seq
        live.where = _CALL
        self._call[live.bid] = live

    def _shrink(self, live: _Live) -> None:
        """Apply a reduced quantity in place (same price): the order keeps its time priority."""
        if live.where == _BOOK:
            assert live.order.price is not None
            self._book.reduce(live.bid, live.order.price, live.order.leaves_qty)

    def _kill(self, live: _Live, out: list[Report], text: str) -> None:
        """R11: an order that cannot trade (any more) is cancelled, CumQty kept."""
        self._finish(live, OrdStatus.CANCELED)
        out.append(_report(ExecType.CANCELED, live.order, text=text))

    def _pull(self, live: _Live) -> None:
        """Take an order out of wherever it rests; it stays live."""
        where, bid = live.where, live.bid
        if where == _BOOK:
            self._book.remove(bid)
        elif where == _STOP:
            del self._stops[bid]
        elif where == _PARKED:
            del self._parked[bid]
        elif where == _CALL:
            del self._call[bid]
        live.where = _NONE

    def _finish(self, live: _Live, status: OrdStatus) -> None:
        """The order is done: out of every structure but the index, which forgets it or keeps it a while."""
        self._pull(live)
        self._live.pop(live.bid, None)
        self._pegs.pop(live.bid, None)
        live.order.status = status
        self._ids.finished(live.order.order_id)
        self._expiries.compact(len(self._live), self._is_expiring)

    def _rename(self, live: _Live, cl_ord_id: str) -> None:
        live.order.request.cl_ord_id = cl_ord_id
        self._ids.add(live.order.order_id, live.order.request.owner, cl_ord_id, live)

    def _is_live_id(self, owner: str, cl_ord_id: str) -> bool:
        live = self._ids.get(owner, cl_ord_id)
        return live is not None and not live.order.done

    # -- GTD expiry ---------------------------------------------------------------

    def _push_expiry(self, live: _Live) -> None:
        expire_ns = live.order.request.expire_ns
        assert expire_ns is not None
        self._expiries.push(expire_ns, live.bid)
        self._expiries.compact(len(self._live), self._is_expiring)

    def _expiring(self, expire_ns: int, bid: int) -> _Live | None:
        """The live GTD order an expiry entry still stands for, None for a stale entry."""
        live = self._live.get(bid)
        if live is None or live.order.request.tif is not TimeInForce.GTD or live.order.request.expire_ns != expire_ns:
            return None
        return live

    def _is_expiring(self, expire_ns: int, bid: int) -> bool:
        return self._expiring(expire_ns, bid) is not None

    # -- stops and pegs -----------------------------------------------------------

    def _run_stops(self, out: list[Report], now: int) -> None:
        """Elect stops whose StopPx the last trade reached, oldest first; a cascade ends when none is left to elect.

        Each stop is elected at most once, so the loop is bounded by the number of stops.
        """
        while self._stops and self.phase is Phase.CONTINUOUS and self._last_px is not None:
            last = self._last_px
            hit = next((lv for lv in self._stops.values() if self._elected(lv.order.request, last)), None)
            if hit is None:
                return
            self._pull(hit)
            o = hit.order
            o.triggered = True
            o.price = o.request.price if o.request.ord_type is OrdType.STOP_LIMIT else None
            out.append(_report(ExecType.TRIGGERED, o))
            self._place(hit, out, now, arrival=True)

    @staticmethod
    def _elected(req: OrderRequest, last: int) -> bool:
        assert req.stop_px is not None
        return last >= req.stop_px if req.side == BUY else last <= req.stop_px

    def _peg_price(self, o: Order) -> int | None:
        req = o.request
        kind = peg_kind(req.exec_inst)
        assert kind is not None
        return peg_price(req.side, kind, req.peg_offset, req.price, *self._ref)

    def _reprice_pegs(self, out: list[Report], now: int) -> None:
        """Move pegs to their new price (the back of the new level); a moved peg may cross and trade."""
        for live in list(self._pegs.values()):
            if live.bid not in self._live or live.where not in (_BOOK, _PEG):
                continue
            o = live.order
            price = self._peg_price(o)
            if live.where != _PEG and price == o.price:
                continue
            if price is None:
                if live.where == _PEG:
                    continue
                self._pull(live)
                live.where = _PEG
                o.price = None
                out.append(_report(ExecType.RESTATED, o, text="peg unpriced: no reference price"))
                continue
            self._pull(live)
            if price != o.price:
                o.price = price
                out.append(_report(ExecType.RESTATED, o, text="peg repriced"))
            self._take(live, out, now, arrival=False)

    # -- phases and the uncross -----------------------------------------------------

    def _reference(self) -> int | None:
        return auction_reference(self._last_px, self.tick_reference, *self._ref)

    def _indicative(self) -> auction.Uncross | None:
        return auction.call_uncross(*call_book(self._call.values()), self._reference())

    def _uncross(self, out: list[Report], now: int) -> None:
        """All crossing quantity trades at one price, in price-time priority (market orders first)."""
        buys, sells = call_book(self._call.values())
        result = auction.call_uncross(buys, sells, self._reference())
        if result is not None:
            price = result.price
            for b, s, qty in auction.call_allocation(buys, sells, result):
                for live, contra in ((b, s), (s, b)):
                    self._fill(live.order, price, qty)
                    out.append(_report(ExecType.TRADE, live.order, last_qty=qty, last_px=price,
                                       liquidity=Liquidity.AUCTION, contra_owner=contra.order.request.owner))
                    if live.order.done:
                        self._finish(live, OrdStatus.FILLED)
                self._trades.append(Trade(price, qty, None, now))
            self._last_px = price
        for live in list(self._call.values()):
            tif = live.order.request.tif
            if tif is TimeInForce.AT_THE_OPENING:
                self._kill(live, out, "at-the-opening order not filled in the opening auction")
            elif tif is TimeInForce.AT_THE_CLOSE and self._closing:
                self._kill(live, out, "at-the-close order not filled in the closing auction")
            elif live.order.price is None:
                self._kill(live, out, "market order not filled in the auction")
        self._closing = False
        for live in sorted(self._call.values(), key=lambda lv: lv.seq):  # what is left does not cross
            self._pull(live)
            self._rest(live)

    def _close(self, out: list[Report]) -> None:
        for live in list(self._live.values()):
            tif = live.order.request.tif
            if tif is TimeInForce.AT_THE_CLOSE:
                self._kill(live, out, "at-the-close order not filled in the closing auction")
            elif tif is TimeInForce.DAY:  # A.1.b: a day order is no longer active, LeavesQty 0
                self._finish(live, OrdStatus.DONE_FOR_DAY)
                out.append(_report(ExecType.DONE_FOR_DAY, live.order, text="day order done for day"))

