"""The OMS's FIX sessions to its venues: one initiator each, market data into the consolidated book.

Each link logs on as the OMS (SenderCompID from the clients acceptor, `OMS`)
to one venue, subscribes to every symbol's book and trades (35=V, full depth,
bids/offers/trades), keeps the consolidated book current, and hands every
other application message (ExecutionReports, cancel rejects, mass cancel
reports, rejects) to the OMS. A venue that logs out or drops is cleared from
the book at once and reported down; the initiator reconnects with backoff and
reports it up again after the next Logon, when the OMS reconciles its orders
there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..fix.codec import wire
from ..fix.config import SessionConfig
from ..fix.message import Message
from ..fix.registry import SessionRegistry
from ..fix.store import MessageStore
from ..marketdata.consolidated import ConsolidatedBook
from ..marketdata.fix_feed import apply_incremental, apply_snapshot, apply_status
from ..settings import VenueLink
from .clock import Clock, LiveClock
from .connection import SessionConnection
from .initiator import FixInitiator

__all__ = ["VenueLinks"]


class _Link:
    """The initiator's application for one venue."""

    def __init__(self, owner: "VenueLinks", venue: str):
        self.owner = owner
        self.venue = venue

    def on_logon(self, conn: SessionConnection) -> None:
        symbols = self.owner.symbols
        fields: list[tuple[int, str | bytes]] = [(262, f"OMS-{self.venue}"), (263, "1"), (264, "0"), (265, "1"),
                                                 (267, "3"), (269, "0"), (269, "1"), (269, "2"),
                                                 (146, str(len(symbols)))]
        fields += [(55, s) for s in symbols]
        conn.send(b"V", wire(fields))
        self.owner.up.add(self.venue)
        self.owner.on_status(self.venue, True)

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.owner.book.clear(self.venue)
        self.owner.up.discard(self.venue)
        self.owner.on_status(self.venue, False)

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        mt = msg.msg_type
        now = self.owner.clock.now_ns()
        if mt == b"W":
            apply_snapshot(self.owner.book, self.venue, msg, now)
        elif mt == b"X":
            apply_incremental(self.owner.book, self.venue, msg, now)
        elif mt in (b"h", b"f"):
            apply_status(self.owner.book, self.venue, msg)
        else:
            self.owner.on_message(self.venue, msg)


def _prefixed(note: Callable[[str], None] | None, venue: str) -> Callable[[str], None] | None:
    return None if note is None else (lambda text: note(f"{venue}: {text}"))


class VenueLinks:
    def __init__(self, links: list[VenueLink], sender_comp_id: str, symbols: list[str],
                 store_factory: Callable[[SessionConfig], MessageStore], log_dir: Path | None,
                 on_message: Callable[[str, Message], None], on_status: Callable[[str, bool], None],
                 clock: Clock | None = None, message_log: bool = True,
                 on_note: Callable[[str], None] | None = None):
        self.book = ConsolidatedBook()
        self.symbols = symbols
        self.clock = clock or LiveClock()
        self.on_message = on_message
        self.on_status = on_status
        self.up: set[str] = set()
        # The registry builds each venue session with its durable store, as the acceptor's sessions are built.
        self._registry = SessionRegistry(store_factory)
        self.initiators: dict[str, FixInitiator] = {}
        for link in links:
            cfg = SessionConfig(sender_comp_id=sender_comp_id, target_comp_id=link.name, role="initiator",
                                heartbeat_s=link.heartbeat_s)
            self._registry.add(cfg)
            self.initiators[link.name] = FixInitiator(
                self._registry.session(cfg), _Link(self, link.name), link.host, link.port, clock=self.clock,
                log_dir=log_dir, message_log=message_log, max_backoff_s=5.0, on_note=_prefixed(on_note, link.name))

    def start(self) -> None:
        for ini in self.initiators.values():
            ini.start()

    def send(self, venue: str, msg_type: bytes, body: bytes) -> None:
        """Send to a venue now, or hold it in its session until the next Logon."""
        conn = self.initiators[venue].conn
        assert conn is not None, "start() the links first"
        conn.send(msg_type, body)

    async def stop(self) -> None:
        for ini in self.initiators.values():
            await ini.stop()
        self._registry.close()
