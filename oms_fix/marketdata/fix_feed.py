"""Venue market data (35=W, 35=X) into the consolidated book.

Price-level books as FIX 4.4 Vol 3 describes them: a snapshot replaces the
venue's book for its symbol; an increment's entries are new/change (the
level's new size) or delete, keyed by MDEntryType and price. Trades
(MDEntryType 2) go to the tape. Pure: the caller passes the parsed message.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..fix.message import Message
from .consolidated import BUY, SELL, ConsolidatedBook

__all__ = ["apply_incremental", "apply_snapshot", "apply_status"]

_SIDE = {b"0": BUY, b"1": SELL}


def _px(raw: bytes) -> Decimal | None:
    try:
        return Decimal(raw.decode("ascii"))
    except (InvalidOperation, UnicodeDecodeError):
        return None


def apply_snapshot(book: ConsolidatedBook, venue: str, msg: Message, now: int) -> str | None:
    """A 35=W; returns its symbol (None if it names none)."""
    symbol = (msg.get(55) or b"").decode("latin-1")
    if not symbol:
        return None
    levels: dict[str, list[tuple[Decimal, int]]] = {BUY: [], SELL: []}
    entry_type = price = None
    for tag, value in msg.fields:
        if tag == 269:
            entry_type, price = value, None
        elif tag == 270:
            price = _px(value)
        elif tag == 271 and price is not None and value.isdigit():
            side = _SIDE.get(entry_type or b"")
            if side is not None:
                levels[side].append((price, int(value)))
            elif entry_type == b"2":
                book.trade(venue, symbol, price, int(value), now)
    book.snapshot(venue, symbol, levels[BUY], levels[SELL])
    book.touch(symbol, now, venue)
    return symbol


def apply_incremental(book: ConsolidatedBook, venue: str, msg: Message, now: int) -> set[str]:
    """A 35=X; returns the symbols it touched."""
    touched: set[str] = set()
    entries: list[dict[int, bytes]] = []
    for tag, value in msg.fields:
        if tag == 279:
            entries.append({279: value})
        elif entries and tag in (269, 55, 270, 271):
            entries[-1][tag] = value
    for e in entries:
        symbol = e.get(55, b"").decode("latin-1")
        price = _px(e.get(270, b""))
        if not symbol or price is None:
            continue
        kind = e.get(269, b"")
        size = e.get(271, b"0")
        qty = int(size) if size.isdigit() else 0
        if kind == b"2":
            book.trade(venue, symbol, price, qty, now)
        elif kind in _SIDE:
            book.level(venue, symbol, _SIDE[kind], price, 0 if e[279] == b"2" else qty)
        else:
            continue
        touched.add(symbol)
    for symbol in touched:
        book.touch(symbol, now, venue)
    return touched


def apply_status(book: ConsolidatedBook, venue: str, msg: Message) -> None:
    """A TradingSessionStatus (35=h, TradSesStatus 340) or SecurityStatus (35=f, SecurityTradingStatus 326)."""
    if msg.msg_type == b"h":
        status = msg.get(340)
        if status:
            book.session_status[venue] = status.decode("latin-1")
    else:
        symbol, status = msg.get(55), msg.get(326)
        if symbol and status:
            book.security_status[(venue, symbol.decode("latin-1"))] = status.decode("latin-1")
