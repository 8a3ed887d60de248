"""/health, /stream, /audit and the kill switch."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..store.journal import Journal
from .deps import audited, caller, service
from .errors import ApiError
from .report_log import iso
from .schemas import ErrorBody
from .service import ApiService
from .users import User

__all__ = ["router"]

router = APIRouter(responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}})
User_ = Annotated[User, Depends(caller)]
Svc = Annotated[ApiService, Depends(service)]


class KillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:/-]{1,64}$",
                                   description="one account; left out: every account")
    action: Literal["kill", "revive"] = "kill"
    reason: str = Field("risk desk", min_length=1, max_length=200, pattern=r"^[^\x00-\x1f|]*$")


@router.get("/health", tags=["system"])
async def health(request: Request, svc: Svc) -> dict[str, Any]:
    """Liveness without a key: every FIX session and venue link, up or not."""
    rt = svc.runtime
    venues = {}
    if rt.links is not None:
        venues = {name: name in rt.links.up for name in rt.links.initiators}
    clients = {name: c.connected for name, c in sorted(rt.clients.items())}
    drop = {name: c.connected for name, c in sorted(rt.drop_copies.items())}
    return {"status": "ok", "time": iso(rt.clock.now_ns()), "venues": venues, "client_sessions": clients,
            "drop_copy_sessions": drop, "working_orders": rt.oms.working(),
            "kill_switches": rt.oms.kill_switches(), "stream_subscribers": len(svc.hub.subscribers)}


@router.get("/me", tags=["system"])
async def me(user: User_) -> dict[str, Any]:
    """Who the key is: its user, roles and accounts (the blotter shows only what they allow)."""
    return {"user_id": user.user_id, "roles": list(user.roles), "accounts": list(user.accounts),
            "reads_all": user.reads_all, "rate_limit_per_s": user.rate_limit_per_s}


@router.post("/risk/kill-switch", tags=["risk"], responses={403: {"model": ErrorBody}})
async def kill_switch(req: KillRequest, user: User_, svc: Svc) -> dict[str, Any]:
    """The kill switch (risk role): block new orders for an account (or all) and cancel what is working;
    ``revive`` lifts it. Journaled like a FIX command: it survives a restart."""
    with audited(svc, user, f"risk.{req.action}", account_id=req.account_id, reason=req.reason) as done:
        if "risk" not in user.roles:
            raise ApiError(403, f"user {user.user_id} ({', '.join(user.roles)}) may not use the kill switch: it "
                                "takes the risk role", rule="roles")
        reason = f"{req.reason} ({user.user_id})"
        if req.action == "kill":
            canceled = svc.kill(req.account_id, reason)
            out = {"kill": req.account_id or "all accounts", "orders_canceled": canceled}
        else:
            svc.revive(req.account_id, reason)
            out = {"revive": req.account_id or "all accounts"}
        done(200)
    return {**out, "reason": reason, "kill_switches": svc.oms.kill_switches()}


@router.get("/stream", tags=["system"])
async def stream(user: User_, svc: Svc) -> StreamingResponse:
    """Server-sent events: ``order`` (an order's new state), ``fill``, ``execution`` (an algo's progress) and
    ``risk`` (kill switches), each only to users who may see the order. It starts with every visible
    working order (and the 50 latest done) as ``order`` events. EventSource cannot send headers: pass the
    key as ``?api_key=``."""
    mine = svc.orders(user)
    working = [p for p in mine if not svc.view(p)["done"]]
    done = [p for p in mine if p not in working][-50:]
    first = [("order", svc.view(p)) for p in (*done, *working)]
    first.append(("risk", {"kill_switches": svc.oms.kill_switches()}))
    return StreamingResponse(svc.hub.events(user, first), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


_KINDS = {"order": ("parent", "child", "algo", "dont_know", "ignored"), "api": ("audit",),
          "risk": ("risk",), "system": ("start", "session", "refused")}


def _since_ns(since: str | None) -> int:
    if since is None:
        return 0
    if since.isdigit():
        return int(since)
    try:
        d = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"since {since!r} is neither an ISO 8601 time nor nanoseconds since the epoch",
                       rule="since") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return int(d.timestamp() * 1e9)


@router.get("/audit", tags=["system"], responses={404: {"model": ErrorBody}})
async def audit(user: User_, svc: Svc, order_id: str | None = None,
                kind: Annotated[Literal["order", "api", "risk", "system"] | None, Query(
                    description="order (its history), api (audit events of calls), risk (risk events), "
                                "system (starts, session logons and logouts, unreadable orders)")] = None,
                since: Annotated[str | None, Query(description="ISO 8601 time or ns since the epoch")] = None,
                limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict[str, Any]:
    """The journal's records, newest last: an order's history, the API's audit events, risk and system
    events. Traders and viewers see only their accounts' orders and their own API calls."""
    journal: Journal = svc.runtime.journal
    after = _since_ns(since)
    if order_id is not None:
        p = svc.order(user, order_id)  # 404 unless visible
        rows = journal.query(p.order_id) + [r for r in journal.query("audit") if _mentions(r[4], p.order_id)]
        rows.sort(key=lambda r: r[0])
    else:
        kinds = _KINDS[kind] if kind else tuple(k for ks in _KINDS.values() for k in ks)
        if not user.reads_all and kind not in (None, "api"):
            raise ApiError(403, f"user {user.user_id} may read only its orders' history and its own API calls",
                           rule="roles")
        if not user.reads_all:
            kinds = ("audit",)
        rows = journal.select(kinds, after, limit if user.reads_all else 100 * limit)
        if not user.reads_all:
            rows = [r for r in rows if orjson.loads(r[4]).get("user") == user.user_id]
    rows = [r for r in rows if r[1] >= after][-limit:]
    return {"events": [{"seq": seq, "time": iso(ns), "kind": k, "stream": s, "body": orjson.loads(b)}
                       for seq, ns, k, s, b in rows], "count": len(rows)}


def _mentions(body: str | bytes, order_id: str) -> bool:
    return orjson.loads(body).get("order_id") == order_id
