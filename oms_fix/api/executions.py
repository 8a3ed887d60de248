"""/executions: algo executions, which in this OMS are algo orders, started, watched and stopped.

An execution is a parent order whose TargetStrategy (847) names its algo, so
``POST /executions`` is ``POST /orders`` in other words: it builds the same
``OrderCreate`` and goes through ``ApiService.new_order``, the NewOrderSingle
path of a FIX client (rules, risk, journal, drop copy). The execution id is
the order id; ``/orders/{id}`` shows the same order. Who may see an execution
is who may see the order, and an order that is not an algo order is not an
execution (404).

TCA here is what can be worked out live, nothing more: the OMS keeps no trade
tape and no mid history, so the interval VWAP and per-fill markouts are left
null and named in ``unavailable`` (the simulation's report has them). The
arrival mid and the market volume at the start are what this API saw when it
started the execution (kept in memory, so not for executions entered over FIX
or before a restart), or the algo's own arrival figure where it keeps one.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..engine import oms_views
from ..engine.oms_children import Child, Parent
from .deps import audited, caller, service
from .errors import ApiError
from .market import book_of
from .report_log import iso, num
from .schemas import AlgoWord, CancelRequest, ErrorBody, OrderCreate, SideWord, StrategyWord
from .service import ApiService
from .users import User
from .views import algo_json
from .words import DONE_STATUSES, side_word, status_word

__all__ = ["ExecutionCreate", "router"]

router = APIRouter(tags=["executions"], responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}})
User_ = Annotated[User, Depends(caller)]
Svc = Annotated[ApiService, Depends(service)]
ExecutionId = Annotated[str, Path(max_length=64, description="the execution's id: its order's OrderID (37)")]
_ID = r"^[A-Za-z0-9_.:/-]{1,64}$"
_SYMBOL = r"^[A-Za-z0-9_./-]{1,32}$"
_READ: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}}
_BP = Decimal(10_000)
_MAX_SLICES = 500
# ExecType (150) of the report that ended a child, in words (F is a fill that completed it).
_ENDED_BY = {"F": "filled", "4": "canceled", "8": "rejected", "C": "expired", "3": "done_for_day"}


class ExecutionCreate(BaseModel):
    """An algo execution: an algo order's terms (TargetStrategy 847 and its parameters 848)."""

    model_config = ConfigDict(extra="forbid")

    parent_order_id: str | None = Field(
        None, pattern=_ID, description="the caller's id for it, kept as the order's ClOrdID (11); a repeat is 409")
    account_id: str | None = Field(None, pattern=_ID, description="default: the user's only account")
    symbol: str = Field(pattern=_SYMBOL)
    side: SideWord
    quantity: int = Field(gt=0, le=1_000_000_000)
    algorithm: AlgoWord = Field(description="TargetStrategy (847)")
    strategy: StrategyWord | None = Field(None, description="how the algo prices its slices (848 strategy=)")
    parameters: dict[str, str | int | float] = Field(
        default_factory=dict, description="TargetStrategyParameters (848), e.g. {\"duration_minutes\": 30}")
    price: Decimal | None = Field(None, gt=0, le=10_000_000, max_digits=18, decimal_places=8,
                                  description="the limit (44); left out: a market algo order")
    participation_rate: Decimal | None = Field(None, gt=0, le=1, max_digits=8, decimal_places=6,
                                               description="ParticipationRate (849), for pov")
    start_time: datetime | None = Field(None, description="EffectiveTime (168): not before")
    end_time: datetime | None = Field(None, description="ExpireTime (126): finished by then")


@dataclass(frozen=True, slots=True)
class _Arrival:
    mid: Decimal | None
    volume: int
    at: int


# What the market was when this API started each execution, per service (so per running OMS).
_ARRIVALS: "weakref.WeakKeyDictionary[ApiService, dict[str, _Arrival]]" = weakref.WeakKeyDictionary()


def _execution(svc: ApiService, user: User, execution_id: str) -> Parent:
    p = svc.order(user, execution_id)  # 404 for an order the caller may not see, as /orders does
    if p.algo is None:
        raise ApiError(404, f"order {execution_id} is not an algo execution: it has no TargetStrategy (847)",
                       rule="TargetStrategy (847)")
    return p


def _state(p: Parent, info: dict[str, Any], now: int) -> str:
    status = status_word(p.order.ord_status)
    if status in DONE_STATUSES:
        return status
    if status == "pending_cancel":
        return "stopping"
    if info.get("finished"):
        return "finishing"  # the schedule is over; what still works is being canceled
    start = p.algo.spec.start if p.algo is not None else None
    if start is not None and start > now and not info.get("ticks"):
        return "scheduled"
    return "working"


def _schedule(p: Parent, now: int) -> dict[str, Any]:
    assert p.algo is not None
    algo, spec = p.algo.algo, p.algo.spec
    # Slice-schedule algos (TWAP, VWAP, IS) keep their slice boundaries; the others have no fixed schedule.
    bounds = getattr(algo, "bounds", None)
    slices = None
    if isinstance(bounds, list) and bounds and all(isinstance(b, int) for b in bounds):
        # A schedule may have thousands of slices; the first _MAX_SLICES are enough to read it by.
        slices = [{"ends_at": iso(b), "target_quantity": algo.target(b)} for b in bounds[1:_MAX_SLICES + 1]]
    return {"start_time": None if spec.start is None else iso(spec.start),
            "end_time": None if spec.end is None else iso(spec.end),
            "next_tick_at": None if p.algo.wake_at is None else iso(p.algo.wake_at),
            "slice_count": None if not isinstance(bounds, list) or slices is None else len(bounds) - 1,
            "slices": slices}


def execution_json(svc: ApiService, p: Parent) -> dict[str, Any]:
    now = svc.runtime.clock.now_ns()
    assert p.algo is not None
    info = svc.oms.algo_info(p.order_id, now) or {}
    algo = algo_json(svc.oms, p, now)
    o = p.order
    target = info.get("target")
    spec = p.algo.spec
    return {
        "execution_id": o.order_id, "order_id": o.order_id, "parent_order_id": o.cl_ord_id,
        "account_id": p.account, "symbol": o.symbol, "side": side_word(o.side), "quantity": o.order_qty,
        "price": num(o.price), "algorithm": algo["algorithm"], "strategy_code": algo["strategy_code"],
        "parameters": dict(spec.params), "participation_rate": num(spec.participation_rate),
        "state": _state(p, info, now), "status": status_word(o.ord_status),
        "created_at": iso(p.arrived) if p.arrived else None,
        "progress": {"filled_quantity": o.cum_qty, "working_quantity": info.get("working", 0),
                     "leaves_quantity": o.leaves_qty, "target_quantity": target,
                     "ahead_of_target": None if target is None else o.cum_qty - target,
                     "filled_pct": round(100 * o.cum_qty / o.order_qty, 2) if o.order_qty else None,
                     "avg_price": num(o.avg_px) if o.cum_qty else None},
        "schedule": _schedule(p, now),
        "performance": algo["performance"], "ticks": algo["ticks"], "note": algo["note"] or None,
    }


@router.post("/executions", status_code=201, responses={400: {"model": ErrorBody}, 403: {"model": ErrorBody},
                                                        409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def start_execution(req: ExecutionCreate, user: User_, svc: Svc) -> JSONResponse:
    """Start an algo execution: an algo order (TargetStrategy 847 = ``algorithm``, 848 = ``parameters`` with
    ``strategy``, 849, 168 = ``start_time``, 126 = ``end_time``), entered exactly as ``POST /orders`` enters
    one, so as a FIX client's NewOrderSingle is. 201 with the execution once the OMS accepted and journaled
    it; its id is the order's id. ``parent_order_id``, when given, is the order's ClOrdID (11): the caller's
    own id, so its reports and the drop copy correlate with its systems (a repeat is 409); left out, one is
    made. 422 with the reject's Text when a rule, the algo's parameters or a risk limit refuse it."""
    with audited(svc, user, "execution.start", symbol=req.symbol, side=req.side, quantity=req.quantity,
                 algorithm=req.algorithm, parent_order_id=req.parent_order_id) as done:
        try:
            order = OrderCreate(
                account_id=req.account_id, client_order_id=req.parent_order_id, symbol=req.symbol, side=req.side,
                quantity=req.quantity, order_type="limit" if req.price is not None else "market", price=req.price,
                time_in_force="day", expire_time=req.end_time, start_time=req.start_time, algo_type=req.algorithm,
                algo_parameters=req.parameters, participation_rate=req.participation_rate, strategy=req.strategy)
        except ValidationError as e:
            raise ApiError(422, "; ".join(str(err.get("msg", "")).removeprefix("Value error, ") for err in e.errors()),
                           rule="request schema") from None
        book = book_of(svc)
        arrival = _Arrival(book.nbbo(req.symbol).mid, book.volume.get(req.symbol, 0), svc.runtime.clock.now_ns())
        status, body = svc.new_order(user, order)
        _ARRIVALS.setdefault(svc, {})[body["order_id"]] = arrival
        p = svc.order(user, body["order_id"])
        if p.algo is None:  # cannot happen with algo_type set; a loud 500 rather than a silent plain order
            raise ApiError(500, f"order {p.order_id} was taken without its algo")
        done(status, order_id=p.order_id)
    return JSONResponse(execution_json(svc, p), status_code=status)


@router.get("/executions", responses={422: {"model": ErrorBody}})
async def list_executions(user: User_, svc: Svc, symbol: str | None = None,
                          working: Annotated[bool | None, Query(description="only working (true) or done")] = None,
                          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """The algo executions the caller may see, newest first, at most ``limit``."""
    out = []
    for p in reversed(svc.orders(user)):
        if p.algo is None or symbol is not None and p.order.symbol != symbol:
            continue
        v = execution_json(svc, p)
        if working is not None and working == (v["status"] in DONE_STATUSES):
            continue
        out.append(v)
        if len(out) >= limit:
            break
    return {"executions": out, "count": len(out)}


@router.get("/executions/{execution_id}", responses=_READ)
async def get_execution(execution_id: ExecutionId, user: User_, svc: Svc) -> dict[str, Any]:
    """An execution's algorithm and state (scheduled, working, finishing, stopping, or the order's end
    status), its progress (filled, working, the schedule's target now and how far ahead of it), its
    schedule (window, next tick, slice targets for slicing algos) and TargetStrategyPerformance (850).
    404 for an id the caller may not see, or an order that is not an algo execution."""
    return execution_json(svc, _execution(svc, user, execution_id))


def _slice_json(c: Child) -> dict[str, Any]:
    return {"child_id": c.child_id, "venue": c.venue, "quantity": c.qty, "price": num(c.price),
            "filled_quantity": c.cum, "avg_price": num(c.notional / c.cum) if c.cum else None,
            "done": c.done, "ended_by": _ENDED_BY.get(c.ended_by, c.ended_by) if c.done else None,
            "text": c.text or None, "placed_at": iso(c.placed) if c.placed else None, "acked": c.acked,
            "canceling": c.cancel_sent and not c.done, "uncertain": c.uncertain, "dark_ping": c.ping}


@router.get("/executions/{execution_id}/slices", responses=_READ)
async def execution_slices(execution_id: ExecutionId, user: User_, svc: Svc) -> dict[str, Any]:
    """The execution's child orders at the venues, oldest first: venue, quantity, limit, filled and at what
    average, whether done and by what (filled, canceled, rejected, expired), when placed."""
    p = _execution(svc, user, execution_id)
    slices = [_slice_json(c) for c in oms_views.children(svc.oms, p)]
    return {"execution_id": p.order_id, "slices": slices, "count": len(slices),
            "working": sum(1 for s in slices if not s["done"])}


def _bps(x: Decimal, base: Decimal) -> float:
    return round(float(x / base * _BP), 2)


def _arrival_mid(stats: dict[str, Any], seen: _Arrival | None) -> tuple[Decimal | None, str | None]:
    # The algo's own benchmark first (IS and adaptive take the first mid fit to trade on), then the mid
    # this API saw as it entered the order.
    if stats.get("arrival_mid"):
        return Decimal(str(stats["arrival_mid"])), "algo"
    if seen is not None and seen.mid is not None:
        return seen.mid, "api"
    return None, None


@router.get("/executions/{execution_id}/metrics", responses=_READ)
async def execution_metrics(execution_id: ExecutionId, user: User_, svc: Svc) -> dict[str, Any]:
    """Live TCA of an execution, bps with positive a cost: shortfall of the fills against the arrival mid,
    the mid's move since arrival, the unfilled rest marked at the current mid (opportunity), participation
    in the market's volume since the start, how far the fills are from the schedule now and, for slicing
    algos, at each slice boundary (slice errors); the split by venue and the algo's own figures. What
    cannot be computed live (no tape, no mid history) is null and listed in ``unavailable``."""
    p = _execution(svc, user, execution_id)
    assert p.algo is not None
    now = svc.runtime.clock.now_ns()
    o = p.order
    s = 1 if side_word(o.side) == "buy" else -1
    info = svc.oms.algo_info(p.order_id, now) or {}
    stats: dict[str, Any] = info.get("stats") or {}
    seen = _ARRIVALS.get(svc, {}).get(p.order_id)
    p0, source = _arrival_mid(stats, seen)
    book = book_of(svc)
    mid = book.nbbo(o.symbol).mid
    avg = o.avg_px if o.cum_qty else None
    unavailable = {"market_vwap": "the OMS keeps no trade tape live (the simulation's report has it)",
                   "markouts": "the OMS keeps no mid history live; /venues/{id}/metrics has each venue's"}
    if p0 is None:
        unavailable["arrival"] = "no arrival mid: not entered through POST /executions since the OMS started"
    participation = stats.get("realised_participation")
    market_volume = None
    if seen is not None:
        market_volume = book.volume.get(o.symbol, 0) - seen.volume  # the OMS's own prints included, as a tape's
        if participation is None and max(market_volume, o.cum_qty):
            participation = round(o.cum_qty / max(market_volume, o.cum_qty), 5)
    elif participation is None:
        unavailable["participation"] = "no market volume at the start: not entered through POST /executions"
    target = info.get("target")
    venues: dict[str, list[Any]] = {}
    for c in oms_views.children(svc.oms, p):
        v = venues.setdefault(c.venue, [0, 0, Decimal(0)])
        v[0] += 1
        v[1] += c.cum
        v[2] += c.notional
    return {
        "execution_id": p.order_id, "algorithm": p.algo.algo.name, "time": iso(now),
        "quantity": o.order_qty, "filled_quantity": o.cum_qty, "avg_price": num(avg),
        "fill_rate": round(o.cum_qty / o.order_qty, 5) if o.order_qty else None,
        "elapsed_s": round((now - p.arrived) / 1e9, 3) if p.arrived else None,
        "arrival_mid": num(p0), "arrival_source": source, "current_mid": num(mid),
        "shortfall_bps": None if p0 is None or avg is None else s * _bps(avg - p0, p0),
        "mid_move_bps": None if p0 is None or mid is None else s * _bps(mid - p0, p0),
        "opportunity_bps": None if p0 is None or mid is None else round(
            s * _bps(mid - p0, p0) * (o.order_qty - o.cum_qty) / o.order_qty, 2),
        "market_volume": market_volume, "participation": participation,
        "schedule_deviation": None if target is None else {
            "target_quantity": target, "shares": o.cum_qty - target,
            "pct_of_quantity": round(100 * (o.cum_qty - target) / o.order_qty, 3)},
        "slice_errors_pct": stats.get("slice_errors_pct"), "slice_error_pct_max": stats.get("slice_error_pct_max"),
        "performance": info.get("performance"),
        "venues": [{"venue": name, "slices": n, "filled_quantity": q, "avg_price": num(x / q) if q else None}
                   for name, (n, q, x) in sorted(venues.items())],
        "market_vwap": None, "vwap_deviation_bps": None, "unavailable": unavailable, "algo_stats": stats,
    }


@router.delete("/executions/{execution_id}", status_code=202,
               responses={400: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody},
                          409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def stop_execution(execution_id: ExecutionId, user: User_, svc: Svc,
                         req: Annotated[CancelRequest | None, Body()] = None) -> JSONResponse:
    """Stop an execution: cancel its order (35=F), as ``DELETE /orders/{id}`` does. 202 while its slices are
    canceled at the venues (state stopping, or canceled when none was out), 409 when it is too late."""
    with audited(svc, user, "execution.stop", order_id=execution_id) as done:
        _execution(svc, user, execution_id)
        svc.cancel(user, execution_id, req.user_id if req else None)
        done(202)
    return JSONResponse(execution_json(svc, svc.order(user, execution_id)), status_code=202)
