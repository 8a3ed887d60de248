"""The OMS's links to its venues: up and down, market data in, everything else handed on."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

from oms_fix.fix.message import Message
from oms_fix.fix.store import MemoryStore
from oms_fix.live.acceptor import FixAcceptor
from oms_fix.live.clock import LiveClock
from oms_fix.live.venue_links import VenueLinks
from oms_fix.marketdata.consolidated import SELL
from oms_fix.settings import VenueLink
from sim_venues.gateway import VenueGateway
from sim_venues.instruments import load_instruments
from sim_venues.serve import venue_registry
from sim_venues.venues import Venue, VenueSpec

REPO = Path(__file__).resolve().parents[2]


async def start_venue(name: str, kind: str, port: int = 0) -> tuple[FixAcceptor, Venue]:
    venue = Venue(VenueSpec(name=name, kind=kind, port=port), load_instruments(REPO / "config" / "instruments.yaml"),
                  time.time_ns())
    acceptor = FixAcceptor(venue_registry(venue.spec, lambda cfg: MemoryStore()), VenueGateway(venue, LiveClock()),
                           "127.0.0.1", port)
    await acceptor.start()
    return acceptor, venue


async def until(pred, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_links_come_up_feed_the_book_pass_reports_on_and_clear_a_venue_that_drops():
    async def go() -> None:
        ecn, ecn_venue = await start_venue("ECN", "ecn")
        mm, _ = await start_venue("MM", "mm")
        got: list[tuple[str, bytes | None]] = []
        status: list[tuple[str, bool]] = []
        links = VenueLinks([VenueLink(name="ECN", port=ecn.port), VenueLink(name="MM", port=mm.port)], "OMS",
                           ["AAPL", "MSFT"], lambda cfg: MemoryStore(), None,
                           lambda venue, msg: got.append((venue, msg.msg_type)),
                           lambda venue, up: status.append((venue, up)))
        links.start()
        await until(lambda: links.up == {"ECN", "MM"})
        links.send("ECN", b"D", b"11=O1\x0155=AAPL\x0154=2\x0160=20261125-10:00:00\x0138=300\x0140=2\x0144=190.02\x01")
        await until(lambda: ("ECN", b"8") in got)
        await until(lambda: links.book.nbbo("AAPL").ask == Decimal("190.02"))
        assert links.book.depth("AAPL", SELL, 1)[0].venues == (("ECN", 300),)
        port = ecn.port
        await ecn.stop()
        await until(lambda: ("ECN", False) in status)
        assert "ECN" not in links.up and links.book.nbbo("AAPL").ask is None
        ecn2, _ = await start_venue("ECN", "ecn", port)
        await until(lambda: status.count(("ECN", True)) == 2, 20)
        await links.stop()
        await ecn2.stop()
        await mm.stop()
    asyncio.run(asyncio.wait_for(go(), 60))
