"""The reference NBBO a dark pool, crossing network or market maker prices from.

It is built the way a real one is: the venue logs on to each lit venue over
FIX as a market data client (SenderCompID ``<VENUE>-REF``), subscribes to the
top of book of every symbol (35=V, 263=1, 264=1, 269=0/1) and keeps the best
bid and offer across them. When no lit venue is reachable the callback gets
None for that side, and the venue falls back as its config says.
"""

from __future__ import annotations

from typing import Callable

from oms_fix.fix.message import Message
from oms_fix.live.connection import SessionConnection

from .fix_translate import Pricing, wire
from .marketdata import BID, DELETE, OFFER

__all__ = ["ReferenceBook", "ReferenceClient"]


class ReferenceBook:
    """Top of book per (source, symbol), and the best across sources."""

    def __init__(self) -> None:
        self._levels: dict[tuple[str, str], dict[str, dict[int, int]]] = {}

    def clear(self, source: str) -> None:
        for key in [k for k in self._levels if k[0] == source]:
            del self._levels[key]

    def book(self, source: str, symbol: str) -> dict[str, dict[int, int]]:
        return self._levels.setdefault((source, symbol), {BID: {}, OFFER: {}})

    def nbbo(self, symbol: str) -> tuple[int | None, int | None]:
        bids = [max(b[BID]) for (src, s), b in self._levels.items() if s == symbol and b[BID]]
        asks = [min(b[OFFER]) for (src, s), b in self._levels.items() if s == symbol and b[OFFER]]
        return (max(bids) if bids else None), (min(asks) if asks else None)


class ReferenceClient:
    """The FixInitiator application that feeds a ``ReferenceBook`` from one lit venue."""

    def __init__(self, source: str, book: ReferenceBook, pricing: dict[str, Pricing],
                 on_change: Callable[[str], None]):
        self.source = source
        self.book = book
        self.pricing = pricing
        self.on_change = on_change

    def on_logon(self, conn: SessionConnection) -> None:
        self.book.clear(self.source)
        fields: list[tuple[int, str | bytes]] = [(262, f"REF-{self.source}"), (263, "1"), (264, "1"), (265, "1"),
                                                 (267, "2"), (269, BID), (269, OFFER), (146, str(len(self.pricing)))]
        fields += [(55, s) for s in self.pricing]
        conn.send(b"V", wire(fields))

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        symbols = {s for (src, s) in list(self.book._levels) if src == self.source}
        self.book.clear(self.source)
        for s in symbols:
            self.on_change(s)

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        mt = msg.msg_type
        if mt == b"W":
            symbol = (msg.get(55) or b"").decode("latin-1")
            if symbol not in self.pricing:
                return
            book = self.book.book(self.source, symbol)
            book[BID].clear()
            book[OFFER].clear()
            entry_type = None
            for tag, value in msg.fields:
                if tag == 269:
                    entry_type = value.decode("latin-1")
                elif tag == 270 and entry_type in (BID, OFFER):
                    px = self.pricing[symbol].to_ticks(value, 270)
                    if isinstance(px, int):
                        book[entry_type][px] = 1
            self.on_change(symbol)
        elif mt == b"X":
            self._incremental(msg)

    def _incremental(self, msg: Message) -> None:
        changed: set[str] = set()
        action = entry_type = symbol = None
        for tag, value in msg.fields:
            if tag == 279:
                action, entry_type, symbol = value.decode("latin-1"), None, None
            elif tag == 269:
                entry_type = value.decode("latin-1")
            elif tag == 55:
                symbol = value.decode("latin-1")
            elif tag == 270 and entry_type in (BID, OFFER) and symbol in self.pricing:
                assert symbol is not None and entry_type is not None
                px = self.pricing[symbol].to_ticks(value, 270)
                if not isinstance(px, int):
                    continue
                side = self.book.book(self.source, symbol)[entry_type]
                if action == DELETE:
                    side.pop(px, None)
                else:
                    side[px] = 1
                changed.add(symbol)
        for s in changed:
            self.on_change(s)
