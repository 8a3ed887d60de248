"""What every route gets: the caller (authenticated, rate-limited) and the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request

from .auth import Gate
from .errors import ApiError
from .service import ApiService
from .users import User

__all__ = ["audited", "caller", "service"]


async def caller(request: Request) -> User:
    gate: Gate = request.app.state.gate
    return gate.user(request)


async def service(request: Request) -> ApiService:
    svc: ApiService = request.app.state.service
    return svc


@contextmanager
def audited(svc: ApiService, user: User, action: str, **what: Any) -> Iterator[Callable[..., None]]:
    """Audit a mutating call whatever its outcome: the status it got (``done(status, **more)``), and the
    refusal's text if refused."""
    status = [200]

    def done(code: int, **more: Any) -> None:
        status[0] = code
        what.update(more)

    try:
        yield done
    except ApiError as e:
        svc.audit(user, action, e.status, refused=e.detail, **what, **_order_of(e))
        raise
    svc.audit(user, action, status[0], **what)


def _order_of(e: ApiError) -> dict[str, Any]:
    order = e.extra.get("order")
    return {"order_id": order["order_id"]} if isinstance(order, dict) else {}
