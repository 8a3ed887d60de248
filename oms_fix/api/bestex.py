"""Best-execution evidence: the NBBO each order met, where each child went and why, where each fill came from.

Taken as the runtime sends (a listener on ``OmsRuntime``): at an order's
arrival (its ER New or Rejected), at each child order sent (the venue's quote
then, and the router's reason in words), and at each fill (ER with ExecType F),
the consolidated NBBO of the venue links' book at that moment. The book is
market data, gone a moment later, so each piece is journaled (kind
``evidence``, stream the order id) and read back from the journal after a
restart (once, when the app is built); during the journal's replay at
start-up the book is empty and the runtime has no venue links yet, so
nothing is taken then.

Journaling is deferred by up to ``delay_s`` and grouped: evidence never holds
an ExecutionReport back, and costs one journal commit per ``delay_s`` at most
instead of one per batch of reports. A crash (or a stop: the API server runs
without lifespan events) loses at most that window of it.

The "why" says what the data shows: ExDestination pinned, a dark ping at the
mid, an internal cross, the venue's displayed price and size against the
NBBO when the child took liquidity, or the side it rested on. An algo's
children are prefixed with the algo: its schedule chose size and price,
the router chose the venue (unless the algo named one; that is not recorded).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request

from ..domain.enums import ExecType, Side
from ..domain.reports import Report
from ..engine import oms_types as t
from ..engine import oms_views
from ..engine.oms_children import Child, Parent
from ..engine.oms_cross import INTERNAL
from ..marketdata.consolidated import BUY, SELL, ConsolidatedBook
from .deps import caller, service
from .errors import ApiError
from .report_log import iso, num
from .schemas import ErrorBody
from .service import ApiService
from .users import User
from .words import side_word

__all__ = ["Evidence", "evidence", "fill_source", "nbbo_check", "order_evidence", "route_why", "router"]

KIND = "evidence"
_ALL = 1 << 62  # journal.select's limit: every row
_ARRIVAL = frozenset({ExecType.NEW, ExecType.REJECTED})


def _dec(s: str | None) -> Decimal | None:
    return None if s is None else Decimal(s)


def _s(d: Decimal | None) -> str | None:
    return None if d is None else str(d)  # as the venue quoted it: num()'s normalising waits for a reader


def _nbbo(book: ConsolidatedBook, symbol: str) -> dict[str, Any]:
    q = book.nbbo(symbol)
    return {"bid": _s(q.bid), "bid_size": q.bid_qty, "ask": _s(q.ask), "ask_size": q.ask_qty}


def _shown(nbbo: dict[str, Any]) -> dict[str, Any]:
    return {**nbbo, "bid": num(_dec(nbbo.get("bid"))), "ask": num(_dec(nbbo.get("ask")))}


def _child(svc: ApiService, child_id: str) -> Child | None:
    return oms_views.child(svc.oms, child_id)


def route_why(r: dict[str, Any]) -> str:
    """The reason in words for one child order, from its route evidence (worded when read, not on the hot
    path): the facts the router had, the venue's quote on both sides and the NBBO when it was sent."""
    buying = r["side"] == BUY
    far_word, own_word = ("offer", "bid") if buying else ("bid", "offer")
    far_px, far_qty = _dec(r["far"][0]), r["far"][1]
    own_px, own_qty = _dec(r["own"][0]), r["own"][1]
    best_far = _dec(r["nbbo"]["ask" if buying else "bid"])
    limit = _dec(r["price"])
    venue = r["venue"]
    prefix = f"algo {r['algo']}: " if r.get("algo") else ""
    if r["pinned"]:
        return f"{prefix}ExDestination (100) pinned {venue}"
    if r["ping"]:
        return (f"dark ping: IOC for {r['qty']} at {num(limit)} (the NBBO mid on the tick), MinQty {r['min_qty']}, "
                "before any lit venue; what it leaves sweeps the lit venues")
    if far_px is not None and (limit is None or (far_px <= limit if buying else far_px >= limit)):
        where = "best price" if far_px == best_far else f"price (NBBO {far_word} {num(best_far)})"
        text = f"{where} {num(far_px)} on {venue}, {far_qty} shown; split by displayed size"
        if r["qty"] > far_qty:
            text += f" ({r['qty']} sent: its deeper levels, or the rest resting there)"
        return prefix + text
    if limit is None:
        return f"{prefix}market order, no size displayed: the first connected venue in preference order"
    if own_px is not None:
        return (f"{prefix}not marketable at {num(limit)} (NBBO {far_word} {num(best_far)}): rests on {venue}, "
                f"whose {own_word} {num(own_px)} ({own_qty} shown) is the best on its side")
    return (f"{prefix}not marketable at {num(limit)} (NBBO {far_word} {num(best_far)}): rests on {venue}, "
            "first in preference order (no venue quotes its side)")


class Evidence:
    """Evidence per order: kept in memory as it is taken, journaled in groups, read back from the journal."""

    def __init__(self, svc: ApiService, delay_s: float = 0.05):
        self.svc = svc
        self.delay_s = delay_s
        self._by_order: dict[str, list[dict[str, Any]]] = {}
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._armed = False
        self._load()
        svc.runtime.listeners.append(self.observe)

    # -- taking -------------------------------------------------------------------------

    def observe(self, o: object) -> None:
        rt = self.svc.runtime
        if rt.links is None:
            return  # the journal's replay at start-up (or no market at all): the journal has the evidence
        if isinstance(o, t.ToClient) and isinstance(o.msg, Report):
            r = o.msg
            if r.exec_type in _ARRIVAL:
                self._arrival(rt.links.book, r)
            elif r.exec_type is ExecType.TRADE:
                self._fill(rt.links.book, r)
        elif isinstance(o, t.ToVenueNew):
            self._route(rt.links.book, o)

    def _arrival(self, book: ConsolidatedBook, r: Report) -> None:
        p = oms_views.parent(self.svc.oms, r.order_id)
        if p is None or any(e["at"] == "arrival" for e in self.of(r.order_id)):
            return  # a refused message (no order), or a second ER New (a GT order's new day)
        self._add(r.order_id, {"at": "arrival", "exec_id": r.exec_id, "exec_type": r.exec_type.value,
                               "time": r.transact_time, "symbol": r.symbol, "nbbo": _nbbo(book, r.symbol)})

    def _route(self, book: ConsolidatedBook, new: t.ToVenueNew) -> None:
        child = _child(self.svc, new.child_id)
        p = None if child is None else oms_views.parent(self.svc.oms, child.parent_id)
        if p is None or child is None:
            return
        buying = new.side == BUY
        far = book.venue_best(new.venue, new.symbol, SELL if buying else BUY)
        own = book.venue_best(new.venue, new.symbol, BUY if buying else SELL)
        self._add(p.order_id, {"at": "route", "child_id": new.child_id, "venue": new.venue, "side": new.side,
                               "qty": new.qty, "price": _s(new.price), "ioc": new.tif == "3", "min_qty": new.min_qty,
                               "time": self.svc.runtime.clock.now_ns(), "nbbo": _nbbo(book, new.symbol),
                               "far": [_s(far[0]), far[1]], "own": [_s(own[0]), own[1]], "ping": child.ping,
                               "pinned": bool(p.ex_destination), "algo": p.algo.algo.name if p.algo else None})

    def _fill(self, book: ConsolidatedBook, r: Report) -> None:
        p = oms_views.parent(self.svc.oms, r.order_id)
        if p is None:
            return
        venue, child_id = fill_source(self.svc, p, r.exec_id)
        self._add(r.order_id, {"at": "fill", "exec_id": r.exec_id, "time": r.transact_time, "qty": r.last_qty,
                               "px": _s(r.last_px), "venue": venue, "child_id": child_id,
                               "nbbo": _nbbo(book, r.symbol)})

    def _add(self, order_id: str, body: dict[str, Any]) -> None:
        self.of(order_id).append(body)
        self._pending.append((order_id, body))
        if not self._armed:
            self._armed = True
            try:
                asyncio.get_running_loop().call_later(self.delay_s, self.journal_pending)
            except RuntimeError:  # no loop, so no flush to ask for: kept until the next call that has one
                self._armed = False

    def journal_pending(self) -> None:
        # One journal row for the whole window, not one per piece: the journal's commit is the OMS's
        # hot path, and a row per arrival, route and fill added 40% to the rows it writes per order.
        self._armed = False
        pending, self._pending = self._pending, []
        if pending:
            self.svc.runtime.note(KIND, KIND, [[order_id, body] for order_id, body in pending], lazy_s=0.5)

    # -- reading ------------------------------------------------------------------------

    def of(self, order_id: str) -> list[dict[str, Any]]:
        """Every piece of evidence for the order, oldest first."""
        got = self._by_order.get(order_id)
        if got is None:
            got = self._by_order[order_id] = []
        return got

    def _load(self) -> None:
        # Once, at install: the listener then never asks the journal on the hot path. The core keeps every
        # order in memory as well, so this is a few records more per order, not a new kind of growth.
        for *_, body in self.svc.runtime.journal.select((KIND,), 0, _ALL):
            for order_id, piece in orjson.loads(body):
                self.of(order_id).append(piece)


def fill_source(svc: ApiService, p: Parent, exec_id: str) -> tuple[str | None, str | None]:
    """The venue and child of one of the order's executions, from the fill id the core gave it:
    ``venue:ExecID``, ``venue:child:tag`` (oms_reconcile) or ``child-X`` (an internal cross)."""
    ex = p.order.executions.find(exec_id)
    if ex is None:
        return None, None
    fid = ex.fill_id
    kids = {c.child_id: c for c in oms_views.children(svc.oms, p)}
    if ":" not in fid and fid.endswith("-X") and fid[:-2] in kids:
        return INTERNAL, fid[:-2]
    parts = fid.split(":")
    venue = parts[0]
    if len(parts) >= 3 and parts[1] in kids:
        return venue, parts[1]
    at_venue = [c for c in kids.values() if c.venue == venue]
    return venue, at_venue[0].child_id if len(at_venue) == 1 else None


def nbbo_check(px: Decimal | None, nbbo: dict[str, Any], side: Side) -> dict[str, Any]:
    """Where a fill's price stands against the NBBO taken with it: inside, at, outside (or unknown), and
    whether it traded through (a buy above the offer, a sell below the bid)."""
    bid, ask = _dec(nbbo.get("bid")), _dec(nbbo.get("ask"))
    if px is None or bid is None or ask is None:
        return {"vs_nbbo": "unknown", "trade_through": None}
    where = "at" if px in (bid, ask) else "inside" if bid < px < ask else "outside"
    through = px > ask if side is Side.BUY else px < bid
    return {"vs_nbbo": where, "trade_through": through}


def order_evidence(ev: Evidence, p: Parent) -> dict[str, Any]:
    """One order's evidence as the API shows it: arrival NBBO, routes with reasons, fills with venue,
    reason and the price check."""
    items = ev.of(p.order_id)
    arrival = next((e for e in items if e["at"] == "arrival"), None)
    routes = [e for e in items if e["at"] == "route"]
    fills = []
    o = p.order
    for e in items:
        if e["at"] != "fill":
            continue
        ex = o.executions.find(e["exec_id"])
        px = _dec(e["px"])
        fills.append({"exec_id": e["exec_id"], "time": iso(e["time"]), "quantity": e["qty"],
                      "price": num(px), "venue": e["venue"], "child_id": e["child_id"], "nbbo": _shown(e["nbbo"]),
                      "why": _fill_why(p, e, routes), "busted": ex is not None and not ex.live,
                      **nbbo_check(px, e["nbbo"], o.side)})
    return {"order_id": p.order_id, "symbol": o.symbol, "side": side_word(o.side), "account": p.account,
            "ex_destination": p.ex_destination, "algo": p.algo.algo.name if p.algo is not None else None,
            "arrival": None if arrival is None else {"time": iso(arrival["time"]), "nbbo": _shown(arrival["nbbo"]),
                                                     "exec_type": arrival["exec_type"]},
            "routes": [{"child_id": r["child_id"], "venue": r["venue"], "quantity": r["qty"],
                        "price": num(_dec(r["price"])), "ioc": r["ioc"], "time": iso(r["time"]),
                        "nbbo": _shown(r["nbbo"]),
                        "venue_quote": {"far": [num(_dec(r["far"][0])), r["far"][1]],
                                        "own": [num(_dec(r["own"][0])), r["own"][1]]},
                        "why": route_why(r)} for r in routes],
            "fills": fills, "recorded": bool(items)}


def _fill_why(p: Parent, fill: dict[str, Any], routes: list[dict[str, Any]]) -> str:
    if fill["venue"] == INTERNAL:
        return "internal cross at the NBBO mid against an opposite algo order (no venue)"
    mine = [r for r in routes if r["child_id"] == fill["child_id"]] or [
        r for r in routes if r["venue"] == fill["venue"] and r["time"] <= fill["time"]]
    if mine:
        return route_why(mine[-1])
    if p.ex_destination:
        return f"ExDestination (100) pinned {p.ex_destination}"
    return "no routing evidence for this venue (the child was sent before evidence was kept)"


async def evidence(request: Request) -> Evidence:
    ev: Evidence | None = getattr(request.app.state, "evidence", None)
    if ev is None:
        raise ApiError(503, "best-execution evidence is not kept by this app (observers.install was not called)")
    return ev


router = APIRouter(tags=["compliance"], responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}})


@router.get("/orders/{order_id}/best-execution")
async def best_execution(order_id: str, user: Annotated[User, Depends(caller)],
                         svc: Annotated[ApiService, Depends(service)],
                         ev: Annotated[Evidence, Depends(evidence)]) -> dict[str, Any]:
    """The order's best-execution evidence: the NBBO at arrival and at each fill, each child's venue and why
    the router chose it, and each fill's price against the NBBO (inside, at, outside)."""
    return order_evidence(ev, svc.order(user, order_id))
