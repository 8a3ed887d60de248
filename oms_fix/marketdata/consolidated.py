"""The consolidated book: every venue's price levels per symbol, the NBBO and depth across venues.

Fed from each venue's market data (35=W snapshots and 35=X increments, by
price level as FIX 4.4 price-level books are); a venue that disconnects is
cleared at once so nothing is routed against quotes that may be gone. Prices
are ``Decimal`` as the wire gives them, quantities ints. Pure: the caller
passes parsed updates and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

__all__ = ["BUY", "SELL", "ConsolidatedBook", "Level", "Quote"]

BUY, SELL = "1", "2"  # Side (54) of the resting interest: bids are BUY, offers SELL


@dataclass(frozen=True, slots=True)
class Level:
    """One price across venues, best venue first (larger size, then name)."""

    price: Decimal
    qty: int
    venues: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """The NBBO: best bid and offer across venues, with the size at each."""

    bid: Decimal | None
    bid_qty: int
    ask: Decimal | None
    ask_qty: int

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2


class ConsolidatedBook:
    def __init__(self) -> None:
        # (symbol, side) -> venue -> price -> qty
        self._sides: dict[tuple[str, str], dict[str, dict[Decimal, int]]] = {}
        self.last: dict[str, tuple[Decimal, int, str, int]] = {}  # symbol -> price, qty, venue, time_ns
        self.volume: dict[str, int] = {}
        self.updated: dict[str, int] = {}  # symbol -> when any venue last sent data for it (ns)
        self.venue_updated: dict[tuple[str, str], int] = {}  # (symbol, venue) -> when that venue last did
        # What each venue says of its trading: venue -> TradSesStatus (340) from TradingSessionStatus (35=h),
        # (venue, symbol) -> SecurityTradingStatus (326) from SecurityStatus (35=f), which wins for that symbol.
        self.session_status: dict[str, str] = {}
        self.security_status: dict[tuple[str, str], str] = {}
        # symbol -> its NBBO across every venue, until its levels change: the router, the risk check and the
        # best-execution evidence each ask for it several times per order between two market data updates.
        self._nbbo: dict[str, Quote] = {}

    def halted(self, venue: str, symbol: str) -> bool:
        """The venue says the symbol is halted: 326=2 for it, else 340=1 (halted) for the whole venue."""
        own = self.security_status.get((venue, symbol))
        if own is not None:
            return own == "2"
        return self.session_status.get(venue) == "1"

    def touch(self, symbol: str, now: int, venue: str | None = None) -> None:
        """Data for ``symbol`` (from ``venue``) arrived at ``now``: market-data quality measures staleness,
        and gaps in one venue's feed, from it."""
        self.updated[symbol] = now
        if venue is not None:
            self.venue_updated[(symbol, venue)] = now

    def _venue_side(self, symbol: str, side: str, venue: str) -> dict[Decimal, int]:
        return self._sides.setdefault((symbol, side), {}).setdefault(venue, {})

    def snapshot(self, venue: str, symbol: str, bids: Iterable[tuple[Decimal, int]],
                 asks: Iterable[tuple[Decimal, int]]) -> None:
        """A venue's full book for one symbol (35=W): replaces what we held for it."""
        self._nbbo.pop(symbol, None)
        for side, levels in ((BUY, bids), (SELL, asks)):
            book = self._venue_side(symbol, side, venue)
            book.clear()
            book.update((p, q) for p, q in levels if q > 0)

    def level(self, venue: str, symbol: str, side: str, price: Decimal, qty: int) -> None:
        """One price level's new size at one venue (35=X new/change; qty 0 is a delete)."""
        self._nbbo.pop(symbol, None)
        book = self._venue_side(symbol, side, venue)
        if qty > 0:
            book[price] = qty
        else:
            book.pop(price, None)

    def trade(self, venue: str, symbol: str, price: Decimal, qty: int, time_ns: int) -> None:
        self.last[symbol] = (price, qty, venue, time_ns)
        self.volume[symbol] = self.volume.get(symbol, 0) + qty

    def clear(self, venue: str) -> None:
        """A venue went away: none of its quotes count any more, nor what it said of its trading (it says so
        again at its next Logon)."""
        self._nbbo.clear()
        self.session_status.pop(venue, None)
        for key in [k for k in self.security_status if k[0] == venue]:
            del self.security_status[key]
        for venues in self._sides.values():
            venues.pop(venue, None)

    def best(self, symbol: str, side: str, exclude: frozenset[str] = frozenset()) -> tuple[Decimal | None, int]:
        """The best price on one side across venues and the total size there."""
        best: Decimal | None = None
        size = 0
        for venue, book in self._sides.get((symbol, side), {}).items():
            if venue in exclude or not book:
                continue
            p = max(book) if side == BUY else min(book)
            if best is None or (p > best if side == BUY else p < best):
                best, size = p, book[p]
            elif p == best:
                size += book[p]
        return best, size

    def nbbo(self, symbol: str, exclude: frozenset[str] = frozenset()) -> Quote:
        if not exclude and (q := self._nbbo.get(symbol)) is not None:
            return q
        bid, bid_qty = self.best(symbol, BUY, exclude)
        ask, ask_qty = self.best(symbol, SELL, exclude)
        q = Quote(bid, bid_qty, ask, ask_qty)
        if not exclude:
            self._nbbo[symbol] = q
        return q

    def depth(self, symbol: str, side: str, levels: int = 10, exclude: frozenset[str] = frozenset()) -> list[Level]:
        """The best ``levels`` prices of one side across venues, best first."""
        by_price: dict[Decimal, list[tuple[str, int]]] = {}
        for venue, book in self._sides.get((symbol, side), {}).items():
            if venue in exclude:
                continue
            for p, q in book.items():
                by_price.setdefault(p, []).append((venue, q))
        prices = sorted(by_price, reverse=side == BUY)[:levels]
        out = []
        for p in prices:
            venues = tuple(sorted(by_price[p], key=lambda vq: (-vq[1], vq[0])))
            out.append(Level(p, sum(q for _, q in venues), venues))
        return out

    def venues(self, symbol: str) -> set[str]:
        """The venues holding any level of ``symbol``."""
        return {v for side in (BUY, SELL) for v, book in self._sides.get((symbol, side), {}).items() if book}

    def venue_best(self, venue: str, symbol: str, side: str) -> tuple[Decimal | None, int]:
        book = self._sides.get((symbol, side), {}).get(venue)
        if not book:
            return None, 0
        p = max(book) if side == BUY else min(book)
        return p, book[p]
