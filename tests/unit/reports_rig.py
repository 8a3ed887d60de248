"""A real OmsRuntime and Journal in a temporary directory, the REST app on it, over httpx in memory.

The venue links are a stand-in that keeps the consolidated book (test_oms_core's
hand-filled market) and records what would go to the venues; client orders and
venue reports go in as FIX messages through the runtime (on_message,
on_venue_message) or as core commands, as ``oms-fix up`` would feed them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from test_oms_app_requests import Clock, Conn
from test_oms_core import make
from test_translate import msg

from oms_fix.api.app import BASE, create_app
from oms_fix.api.service import ApiService
from oms_fix.api.users import load_users
from oms_fix.live.oms_app import OmsRuntime
from oms_fix.marketdata.consolidated import ConsolidatedBook
from oms_fix.store.journal import Journal

KEYS = {"alice": "local-alice-key", "bob": "local-bob-key", "risk": "local-risk-key", "admin": "local-admin-key",
        "viewer": "local-viewer-key"}
DAY = "2025-11-25"  # the test clock's day (test_oms_app_requests.Clock starts at 2025-11-25T10:00:00Z)


class Links:
    """What OmsRuntime uses of VenueLinks: the book, the initiators (none), who is up, send."""

    def __init__(self, book: ConsolidatedBook) -> None:
        self.book = book
        self.initiators: dict[str, Any] = {}
        self.up: set[str] = set()
        self.sent: list[tuple[str, bytes, bytes]] = []

    def send(self, venue: str, msg_type: bytes, body: bytes) -> None:
        self.sent.append((venue, msg_type, body))


@dataclass
class Rig:
    rt: OmsRuntime
    svc: ApiService
    app: FastAPI
    http: httpx.AsyncClient
    conn: Conn
    links: Links

    async def get(self, path: str, who: str | None = "risk", **params: str) -> httpx.Response:
        headers = {"X-API-Key": KEYS[who]} if who else {}
        return await self.http.get(BASE + path, headers=headers, params=params)

    async def fix(self, m: Any) -> None:
        """A client's FIX message in, and the group commit that follows it."""
        self.rt.on_message(self.conn, m)  # type: ignore[arg-type]
        await settle()

    async def venue(self, venue: str, child: str, exec_id: str, qty: int, px: str, cum: int, status: str = "2",
                    exec_type: str = "F") -> None:
        self.rt.on_venue_message(venue, msg("8", t11=child, t17=exec_id, t150=exec_type, t39=status, t32=str(qty),
                                            t31=px, t14=str(cum), t6=px, t151="0"))
        await settle()


async def settle() -> None:
    for _ in range(3):  # the flush, then the evidence's deferred journaling (delay 0) and its flush
        await asyncio.sleep(0)


def nos(cl: str, qty: int, price: str, side: str = "1", **extra: str) -> Any:
    return msg("D", t11=cl, t55="AAPL", t54=side, t60="20251125-10:00:00", t38=str(qty), t40="2", t44=price, **extra)


@contextlib.asynccontextmanager
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    journal = Journal.open(tmp_path / "oms.db", sync="normal")
    try:
        oms = make()
        rt = OmsRuntime(oms, journal, Clock())  # type: ignore[arg-type]
        svc = ApiService(rt)
        app = create_app(svc, load_users())  # before the replay, as oms-fix up does
        app.state.evidence.delay_s = 0
        rt.recover()
        links = Links(oms._book)
        rt.links = links  # type: ignore[assignment]
        conn = Conn(rt.clock)  # type: ignore[arg-type]
        rt.clients["CLIENT1"] = conn  # type: ignore[assignment]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://oms") as http:
            yield Rig(rt, svc, app, http, conn, links)
        app.state.evidence.journal_pending()
        rt.flush()
    finally:
        journal.close()
