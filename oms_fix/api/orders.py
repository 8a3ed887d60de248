"""/orders: enter, read, change and cancel orders, their fills and every report sent for them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from .deps import audited, caller, service
from .errors import ApiError
from .report_log import fill_json, report_json
from .schemas import CancelRequest, ErrorBody, ModifyRequest, OrderCreate
from .service import ApiService
from .users import User
from .words import STATUS_WORDS

__all__ = ["router"]

router = APIRouter(tags=["orders"], responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}})
User_ = Annotated[User, Depends(caller)]
Svc = Annotated[ApiService, Depends(service)]
_PAGE_MAX = 500


# OpenAPI links: a client (or schemathesis's stateful phase) follows the new order's id to its operations.
_ORDER_LINKS = {name: {"operationId": op, "parameters": {"order_id": "$response.body#/order_id"}}
                for name, op in (("GetOrder", "get_order"), ("ModifyOrder", "modify_order"),
                                 ("CancelOrder", "cancel_order"), ("OrderFills", "order_fills"),
                                 ("OrderReports", "order_reports"))}


@router.post("/orders", status_code=201, operation_id="create_order",
             responses={201: {"description": "the order, accepted", "links": _ORDER_LINKS},
                        403: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def create_order(req: OrderCreate, user: User_, svc: Svc) -> JSONResponse:
    """A new order (NewOrderSingle): 201 with the order once it is accepted and journaled; 422 with the
    reject's Text when a rule or a risk limit refuses it."""
    with audited(svc, user, "order.new", symbol=req.symbol, side=req.side, quantity=req.quantity,
                 order_type=req.order_type, client_order_id=req.client_order_id) as done:
        status, body = svc.new_order(user, req)
        done(status, order_id=body["order_id"])
    return JSONResponse(body, status_code=status)


@router.get("/orders/{order_id}", operation_id="get_order", responses={404: {"model": ErrorBody}})
async def get_order(order_id: str, user: User_, svc: Svc, user_id: str | None = None) -> dict[str, Any]:
    return svc.view(svc.order(user, order_id))


@router.get("/orders", operation_id="list_orders")
async def list_orders(user: User_, svc: Svc, user_id: str | None = None, symbol: str | None = None,
                status: Annotated[str | None, Query(description="a status word, or 'working' / 'done'")] = None,
                limit: Annotated[int, Query(ge=1, le=_PAGE_MAX)] = 100,
                cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None
                ) -> dict[str, Any]:
    """Orders the caller may see, newest first, ``limit`` a page; ``next_cursor`` fetches the next."""
    if status is not None and status not in (*STATUS_WORDS, "working", "done"):
        raise ApiError(422, f"status {status!r} is not one of {', '.join((*STATUS_WORDS, 'working', 'done'))}",
                       rule="status")
    start = 0
    if cursor is not None:
        if not cursor.isdigit():
            raise ApiError(400, f"cursor {cursor!r} is not one this API gave", rule="cursor")
        start = int(cursor)
    views = []
    for p in reversed(svc.orders(user)):
        if symbol is not None and p.order.symbol != symbol:
            continue
        if user_id is not None and not p.session.endswith("/" + user_id):
            continue
        v = svc.view(p)
        if status == "working" and v["done"] or status == "done" and not v["done"]:
            continue
        if status not in (None, "working", "done") and v["status"] != status:
            continue
        views.append(v)
    page = views[start:start + limit]
    more = start + limit < len(views)
    return {"orders": page, "count": len(page), "total": len(views),
            "next_cursor": str(start + limit) if more else None}


@router.put("/orders/{order_id}/modify", operation_id="modify_order", status_code=202,
            responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
async def modify_order(order_id: str, req: ModifyRequest, user: User_, svc: Svc) -> JSONResponse:
    """Cancel/replace (35=G) to a new total quantity and/or price: 202 while the venues' children are being
    replaced (status pending_replace), 409 when it is refused (e.g. too late, the order is done)."""
    with audited(svc, user, "order.modify", order_id=order_id, new_quantity=req.new_quantity,
                 new_price=None if req.new_price is None else str(req.new_price)) as done:
        body = svc.modify(user, order_id, req)
        done(202)
    return JSONResponse(body, status_code=202)


@router.delete("/orders/{order_id}", operation_id="cancel_order", status_code=202,
               responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
async def cancel_order(order_id: str, user: User_, svc: Svc,
                 req: Annotated[CancelRequest | None, Body()] = None) -> JSONResponse:
    """Cancel (35=F): 202 while the venues cancel (pending_cancel, or canceled when nothing was out), 409 when
    it is too late."""
    with audited(svc, user, "order.cancel", order_id=order_id) as done:
        body = svc.cancel(user, order_id, req.user_id if req else None)
        done(202)
    return JSONResponse(body, status_code=202)


@router.get("/orders/{order_id}/fills", operation_id="order_fills", responses={404: {"model": ErrorBody}})
async def order_fills(order_id: str, user: User_, svc: Svc, user_id: str | None = None) -> dict[str, Any]:
    p = svc.order(user, order_id)
    return {"order_id": p.order_id, "fills": [fill_json(r) for r in svc.log.fills(p.order_id)]}


@router.get("/orders/{order_id}/execution-reports", operation_id="order_reports",
            responses={404: {"model": ErrorBody}})
async def order_reports(order_id: str, user: User_, svc: Svc, user_id: str | None = None) -> dict[str, Any]:
    """Every ExecutionReport (and OrderCancelReject) sent for the order: JSON, and the FIX fields (| for SOH)."""
    p = svc.order(user, order_id)
    return {"order_id": p.order_id, "reports": [report_json(r) for r in svc.log.reports(p.order_id)]}
