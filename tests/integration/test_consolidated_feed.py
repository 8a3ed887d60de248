"""The OMS's consolidated book, fed by a real venue's market data over FIX, matches the venue's book."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

from oms_fix.fix.config import SessionConfig
from oms_fix.fix.message import Message
from oms_fix.fix.session import Session
from oms_fix.fix.store import MemoryStore
from oms_fix.live.acceptor import FixAcceptor
from oms_fix.live.clock import LiveClock
from oms_fix.live.connection import SessionConnection
from oms_fix.live.initiator import FixInitiator
from oms_fix.marketdata.consolidated import BUY, SELL, ConsolidatedBook
from oms_fix.marketdata.fix_feed import apply_incremental, apply_snapshot
from sim_venues.daycycle import DayCycle
from sim_venues.flow import BackgroundMarket
from sim_venues.gateway import VenueGateway
from sim_venues.instruments import load_instruments
from sim_venues.orders import Side
from sim_venues.serve import venue_registry
from sim_venues.venues import Venue, VenueSpec

REPO = Path(__file__).resolve().parents[2]


class Feed:
    def __init__(self, book: ConsolidatedBook) -> None:
        self.book = book
        self.messages = 0

    def on_logon(self, conn: SessionConnection) -> None:
        conn.send(b"V", [(262, "all"), (263, "1"), (264, "0"), (267, "3"), (269, "0"), (269, "1"), (269, "2"),
                         (146, "2"), (55, "AAPL"), (55, "MSFT")])

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.book.clear("EXCH")

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        self.messages += 1
        if msg.msg_type == b"W":
            apply_snapshot(self.book, "EXCH", msg, 0)
        elif msg.msg_type == b"X":
            apply_incremental(self.book, "EXCH", msg, 0)


def test_consolidated_book_tracks_a_live_venue_with_background_flow():
    async def go() -> None:
        instruments = load_instruments(REPO / "config" / "instruments.yaml")
        t0 = time.time_ns()
        day = DayCycle(0, 3600, 5, 5)
        flow = BackgroundMarket(instruments, 3, t0, *day.trading_window(t0), rate_scale=20.0,
                                day_length_ns=day.length_ns)
        venue = Venue(VenueSpec(name="EXCH", kind="exchange", port=0, day=day, flow_share=1.0, makers=True),
                      instruments, t0, flow, (0.0, 1.0), (0.0, 1.0))
        gateway = VenueGateway(venue, LiveClock())
        acceptor = FixAcceptor(venue_registry(venue.spec, lambda cfg: MemoryStore()), gateway, "127.0.0.1", 0)
        await acceptor.start()
        book = ConsolidatedBook()
        feed = Feed(book)
        ini = FixInitiator(Session(SessionConfig(sender_comp_id="OMS", target_comp_id="EXCH", role="initiator"),
                                   MemoryStore()), feed, "127.0.0.1", acceptor.port, reconnect=False)
        ini.start()
        await ini.wait_logged_on(10)
        for _ in range(60):  # three seconds of a busy market, ticking as the venue process does
            await asyncio.sleep(0.05)
            gateway.tick()
        await asyncio.sleep(0.3)  # the last increments arrive
        assert feed.messages > 20
        for symbol in ("AAPL", "MSFT"):
            tick = instruments[symbol].tick_size
            for side, ours in ((Side.BUY, BUY), (Side.SELL, SELL)):
                venue_levels = [(Decimal(p) * tick, q) for p, q in venue.engines[symbol].levels(side, 100)]
                consolidated = [(lv.price, lv.qty) for lv in book.depth(symbol, ours, 100)]
                assert consolidated == venue_levels, (symbol, side)
        assert book.volume.get("AAPL", 0) > 0, "trades reached the tape"
        await ini.stop()
        await acceptor.stop()
    asyncio.run(asyncio.wait_for(go(), 60))
