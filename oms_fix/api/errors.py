"""Errors as JSON (``ErrorBody``) with a status that fits, for every failure the API can meet.

400 a request that cannot be read, 401 no or a wrong key, 403 a role that may
not do this, 404 nothing there (or not the caller's: ids do not leak), 409 a
conflict with the order's state (a cancel too late, a repeated ClOrdID), 422 a
request the rules refuse (a risk reject reads like the FIX reject's Text), 429
over the key's rate limit, 503 the OMS cannot take it now.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["ApiError", "install_handlers"]

_WORDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 422: "invalid", 429: "rate_limited", 500: "internal", 503: "unavailable"}


class ApiError(Exception):
    def __init__(self, status: int, detail: str, *, error: str | None = None, rule: str | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.rule = status, detail, rule
        self.error = error or _WORDS.get(status, "error")
        self.extra = extra or {}
        self.headers = headers

    def response(self) -> JSONResponse:
        body = {"status": self.status, "error": self.error, "detail": self.detail, "rule": self.rule, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, e: ApiError) -> JSONResponse:
        return e.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        # JSON that does not parse is a 400; well-formed JSON whose fields break a rule is a 422.
        status = 400 if any(err.get("type") == "json_invalid" for err in errors) else 422
        detail = "; ".join(f"{_field(tuple(err.get('loc', ())))}: {str(err.get('msg', '')).removeprefix('Value error, ')}"
                           for err in errors)
        return ApiError(status, detail or "invalid request", rule="request schema").response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        headers = dict(e.headers or {})
        if e.status_code == 405:
            # Starlette's Allow names only the first route matching the path; RFC 9110 wants every method
            # the resource has (GET and POST /orders are two routes).
            allowed = sorted({m for r in request.app.router.routes
                              if getattr(r, "path_regex", None) is not None and r.path_regex.match(request.url.path)
                              for m in (getattr(r, "methods", None) or ())})
            headers["Allow"] = ", ".join(allowed)
            return ApiError(405, f"{request.method} is not allowed here; allowed: {headers['Allow']}",
                            headers=headers).response()
        return ApiError(e.status_code, str(e.detail), headers=headers).response()

    @app.exception_handler(Exception)
    async def _crash(_: Request, e: Exception) -> JSONResponse:
        # Never a bare 500 page: say what broke, and the event log (uvicorn's) has the traceback.
        return ApiError(500, f"internal error: {type(e).__name__}: {e}").response()
