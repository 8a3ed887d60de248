"""The live blotter: one page at ``/`` over the REST API and its event stream.

The page itself needs no key (it asks for one and keeps it in the tab's
sessionStorage); every figure it shows comes from the API under the caller's
key, so a viewer's page sees what a viewer may see and nothing more. Its files
are shipped in the package (``oms_fix/api/static``) and served from a fixed
list: no CDN, no build step, no path from the request reaches the file system.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from .errors import ApiError

__all__ = ["router"]

STATIC = Path(__file__).resolve().parent / "static"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_ASSETS = frozenset({"blotter.js", "blotter.css", "chart.js"})
# Everything the page loads is its own: a key typed into it cannot be sent anywhere else by injected markup.
_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                       "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}

router = APIRouter(tags=["blotter"], include_in_schema=False)


def _file(name: str) -> FileResponse:
    path = STATIC / name
    if not path.is_file():
        raise ApiError(404, f"the blotter's {name} is not installed (package data oms_fix/api/static)")
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)


@router.get("/")
async def page() -> FileResponse:
    return _file("index.html")


@router.get("/blotter/static/{name}")
async def asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise ApiError(404, f"no blotter file {name}")
    return _file(name)


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)  # browsers ask for it; a 404 would only clutter the console
