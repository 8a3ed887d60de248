"""A real OMS runtime behind the REST API, in one asyncio loop, for API tests: built as `oms-fix up` builds it
(config/oms.yaml's venues, instruments and risk limits, a Journal in a temporary directory, the venue links
and their consolidated book, algo timers), minus sockets. The links are never started: what the OMS sends a
venue is recorded in ``sent``, and a venue's answers go in through the runtime as the links would put them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from oms_fix.api.app import BASE, create_app
from oms_fix.api.service import ApiService
from oms_fix.api.users import load_users
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_types import InstrumentRules, VenueExec, VenueRule
from oms_fix.engine.risk import RiskEngine
from oms_fix.live.algo_timers import AlgoTimers
from oms_fix.live.oms_app import OmsRuntime
from oms_fix.live.stores import file_store_factory
from oms_fix.live.venue_links import VenueLinks
from oms_fix.marketdata.consolidated import ConsolidatedBook
from oms_fix.marketdata.quality import MarketWatch
from oms_fix.risk_config import DEFAULT_RISK_CONFIG, load_risk_config
from oms_fix.settings import load_settings
from oms_fix.store.journal import Journal
from sim_venues.instruments import DEFAULT_INSTRUMENTS, load_instruments

KEYS = {"alice": "local-alice-key", "bob": "local-bob-key", "risk": "local-risk-key", "admin": "local-admin-key",
        "viewer": "local-viewer-key"}
S = 1_000_000_000


class ShiftedClock:
    """Wall time (the algo timers run on the event loop's real time) plus an offset a test can move on."""

    def __init__(self) -> None:
        self.offset = 0

    def now_ns(self) -> int:
        return time.time_ns() + self.offset


@dataclass
class System:
    runtime: OmsRuntime
    svc: ApiService
    book: ConsolidatedBook
    links: VenueLinks
    clock: ShiftedClock
    http: httpx.AsyncClient
    sent: list[tuple[str, bytes, dict[int, str]]] = field(default_factory=list)

    async def get(self, user: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(BASE + path, headers={"X-API-Key": KEYS[user]}, **kw)

    async def post(self, user: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(BASE + path, headers={"X-API-Key": KEYS[user]}, json=body)

    async def delete(self, user: str, path: str) -> httpx.Response:
        return await self.http.delete(BASE + path, headers={"X-API-Key": KEYS[user]})

    def quote(self, venue: str, symbol: str, bids: list[tuple[str, int]], asks: list[tuple[str, int]]) -> None:
        """A venue's book for a symbol, as a 35=W snapshot puts it in the consolidated book."""
        now = self.clock.now_ns()
        self.book.snapshot(venue, symbol, [(Decimal(p), q) for p, q in bids], [(Decimal(p), q) for p, q in asks])
        self.book.touch(symbol, now, venue)

    def trade(self, venue: str, symbol: str, price: str, qty: int) -> None:
        now = self.clock.now_ns()
        self.book.trade(venue, symbol, Decimal(price), qty, now)
        self.book.touch(symbol, now, venue)

    def new_children(self) -> list[tuple[str, dict[int, str]]]:
        return [(venue, f) for venue, mt, f in self.sent if mt == b"D"]

    async def venue_report(self, venue: str, child_id: str, exec_type: str, status: str, exec_id: str,
                           qty: int = 0, px: str | None = None, cum: int = 0, avg: str | None = None) -> None:
        self.runtime.process(VenueExec(venue=venue, child_id=child_id, exec_type=exec_type, ord_status=status,
                                       exec_id=exec_id, last_qty=qty, last_px=None if px is None else Decimal(px),
                                       cum_qty=cum, avg_px=None if avg is None else Decimal(avg)))
        await asyncio.sleep(0.01)  # the runtime's flush: journaled, then the reports reach the API's log


def _fields(body: bytes) -> dict[int, str]:
    out = {}
    for part in body.split(b"\x01"):
        if part:
            tag, _, value = part.partition(b"=")
            out[int(tag)] = value.decode()
    return out


@asynccontextmanager
async def running(tmp: Path) -> AsyncIterator[System]:
    settings = load_settings(None, {"state_dir": str(tmp)})
    instruments = load_instruments(DEFAULT_INSTRUMENTS)
    risk = RiskEngine(load_risk_config(DEFAULT_RISK_CONFIG), {s: i.reference_price for s, i in instruments.items()},
                      {s: i.tick_size for s, i in instruments.items()})
    book = ConsolidatedBook()
    oms = Oms({s: InstrumentRules(tick=i.tick_size, lot=i.lot_size) for s, i in instruments.items()}, risk, book,
              [VenueRule(name=v.name, lit=v.lit, dark=v.dark, taker_fee=v.taker_fee) for v in settings.venues],
              routing=settings.routing.policy())
    journal = Journal.open(tmp / "oms.db", sync="normal")
    clock = ShiftedClock()
    runtime = OmsRuntime(oms, journal, clock)
    svc = ApiService(runtime)
    app = create_app(svc, load_users())
    runtime.recover()
    runtime.begin("T1-", [v.name for v in settings.venues])
    links = VenueLinks(settings.venues, "OMS", list(instruments), file_store_factory(tmp / "store"), None,
                       on_message=runtime.on_venue_message, on_status=runtime.on_venue_status, clock=clock)
    links.book = book
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://oms")
    system = System(runtime, svc, book, links, clock, http)
    links.send = lambda venue, mt, body: system.sent.append((venue, mt, _fields(body)))  # type: ignore[method-assign]
    runtime.links = links
    runtime.timers = AlgoTimers(runtime, MarketWatch(book))
    try:
        yield system
    finally:
        await http.aclose()
        runtime.timers.stop()
        runtime.flush()
        await links.stop()
        journal.close()


def up(system: System, *venues: str) -> None:
    """The venues' links log on (the others stay down, as after `begin`)."""
    for v in venues:
        system.links.up.add(v)
        system.runtime.on_venue_status(v, True)


def run(tmp: Path, test: Callable[[System], Awaitable[None]]) -> None:
    async def main() -> None:
        async with running(tmp) as system:
            await test(system)

    asyncio.run(main())
