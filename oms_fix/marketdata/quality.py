"""Market-data quality: what an algo is shown of its symbol, and whether it is fit to trade on.

``MarketWatch.view(symbol, now)`` reads the consolidated book into the
``Market`` an ``AlgoTick`` carries (algos/base.py). The data is unfit
(``Market.stale`` says why, and algos pause rather than trade on it) when no
venue quotes the symbol, when only one side is quoted, or when no venue has
sent anything for it for ``stale_after_s``. A crossed consolidated market (one
venue's bid above another's ask) is flagged, not refused: it is a real state
of fragmented markets, and an arbitrage algo's opportunity. A gap is one
venue's feed silent for ``stale_after_s`` while others still send: its quotes
in the consolidated book may be old (counted, and named in ``gaps``).

Each symbol's figures (views taken, of them stale and crossed, episodes of
each, gaps per venue, the longest silence seen) are kept for the report and
``/market-data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..engine.algos.base import Market, VenueQuote
from .consolidated import BUY, SELL, ConsolidatedBook

__all__ = ["DEFAULT_STALE_AFTER_S", "MarketWatch"]

DEFAULT_STALE_AFTER_S = 30.0


@dataclass(slots=True)
class _Figures:
    views: int = 0
    stale: int = 0
    crossed: int = 0
    stale_episodes: int = 0
    crossed_episodes: int = 0
    was_stale: bool = False
    was_crossed: bool = False
    longest_silence_ns: int = 0
    gaps: dict[str, int] | None = None  # venue -> views in which its feed was silent while others sent


class MarketWatch:
    def __init__(self, book: ConsolidatedBook, stale_after_s: float = DEFAULT_STALE_AFTER_S) -> None:
        self.book = book
        self.stale_after_ns = int(stale_after_s * 1e9)
        self._figures: dict[str, _Figures] = {}

    def view(self, symbol: str, now: int) -> Market:
        book = self.book
        q = book.nbbo(symbol)
        last = book.last.get(symbol)
        venues = []
        for venue in sorted(book.venues(symbol)):
            bid, bid_size = book.venue_best(venue, symbol, BUY)
            ask, ask_size = book.venue_best(venue, symbol, SELL)
            venues.append(VenueQuote(venue=venue, bid=bid, bid_size=bid_size, ask=ask, ask_size=ask_size))
        crossed = _crossed(venues)
        silence = now - book.updated.get(symbol, now)
        gapped = [v.venue for v in venues
                  if now - book.venue_updated.get((symbol, v.venue), now) > self.stale_after_ns]
        if q.bid is None and q.ask is None:
            why = "no quote"
        elif q.bid is None or q.ask is None:
            why = "one-sided quote"
        elif silence > self.stale_after_ns:
            why = f"stale: no data for {silence / 1e9:.1f} s"
        else:
            why = ""
        self._count(symbol, why, crossed, silence, gapped if silence <= self.stale_after_ns else [])
        return Market(bid=q.bid, bid_size=q.bid_qty, ask=q.ask, ask_size=q.ask_qty,
                      last=None if last is None else last[0], volume=book.volume.get(symbol, 0), stale=why,
                      crossed=crossed, venues=tuple(venues))

    def figures(self) -> dict[str, dict[str, Any]]:
        """Per symbol, as JSON data."""
        return {s: {"views": f.views, "stale": f.stale, "crossed": f.crossed, "stale_episodes": f.stale_episodes,
                    "crossed_episodes": f.crossed_episodes, "longest_silence_s": round(f.longest_silence_ns / 1e9, 3),
                    "gaps": dict(sorted((f.gaps or {}).items()))}
                for s, f in sorted(self._figures.items())}

    def _count(self, symbol: str, why: str, crossed: bool, silence: int, gapped: list[str]) -> None:
        f = self._figures.get(symbol)
        if f is None:
            f = self._figures[symbol] = _Figures()
        for venue in gapped:
            f.gaps = f.gaps or {}
            f.gaps[venue] = f.gaps.get(venue, 0) + 1
        f.views += 1
        f.stale += bool(why)
        f.crossed += crossed
        f.stale_episodes += bool(why) and not f.was_stale
        f.crossed_episodes += crossed and not f.was_crossed
        f.was_stale, f.was_crossed = bool(why), crossed
        f.longest_silence_ns = max(f.longest_silence_ns, silence)


def _crossed(venues: list[VenueQuote]) -> bool:
    bids = [v.bid for v in venues if v.bid is not None]
    asks = [v.ask for v in venues if v.ask is not None]
    best_bid: Decimal | None = max(bids) if bids else None
    best_ask: Decimal | None = min(asks) if asks else None
    return best_bid is not None and best_ask is not None and best_bid > best_ask
