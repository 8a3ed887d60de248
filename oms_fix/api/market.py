"""/market-data, /order-book and /venues: the consolidated market and the venues as the OMS sees them.

Everything here is read from what the OMS itself keeps: the venue links'
consolidated book (NBBO, depth by venue, last trade, volume since the OMS
started), ``MarketWatch``'s data-quality counts, and ``VenueStats``' record
of its own child orders at each venue. Reading never changes them (the
quality counts are of what algos were shown, so this module works out a
symbol's state itself rather than calling ``MarketWatch.view``, which counts).

A market is never reported halted: the links drop the venues' TradingSessionStatus
(35=h) and SecurityStatus (35=f), so the OMS cannot tell a halt from a quiet
market. ``status`` says what it can tell: quoted both sides and fresh (open),
one side only, silent too long (stale), or nothing at all (no_data).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from ..engine import oms_operations as ops
from ..engine import oms_views
from ..engine.oms import Oms
from ..marketdata.consolidated import BUY, SELL, ConsolidatedBook
from ..marketdata.quality import DEFAULT_STALE_AFTER_S
from .deps import caller, service
from .errors import ApiError
from .report_log import iso, num
from .schemas import ErrorBody
from .service import ApiService
from .users import User

__all__ = ["book_of", "known_symbol", "router"]

router = APIRouter(responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}})
User_ = Annotated[User, Depends(caller)]
Svc = Annotated[ApiService, Depends(service)]
_MAX_DEPTH = 100
# Path parameters are matched against known names, never parsed, so any text is safe; the bound keeps a
# fuzzer's megabyte symbol out of the 404's text.
Symbol = Annotated[str, Path(max_length=64, description="an instrument of config/instruments.yaml, e.g. AAPL")]
VenueId = Annotated[str, Path(max_length=64, description="a venue of config/oms.yaml, e.g. EXCH")]
_NO_LINKS = ConsolidatedBook()
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}}


def known_symbol(svc: ApiService, symbol: str) -> str:
    symbols = ops.instruments(svc.oms)
    if symbol not in symbols:
        shown = symbol if len(symbol) <= 32 and symbol.isprintable() else repr(symbol[:32])
        raise ApiError(404, f"no instrument {shown}: the OMS trades {', '.join(symbols)}",
                       rule="config/instruments.yaml")
    return symbol


def book_of(svc: ApiService) -> ConsolidatedBook:
    """The book the venue links keep current (the core routes on the same one); an empty one without links."""
    links = svc.runtime.links
    return links.book if links is not None else _NO_LINKS


def _stale_after_ns(svc: ApiService) -> int:
    timers = svc.runtime.timers
    return timers.watch.stale_after_ns if timers is not None else int(DEFAULT_STALE_AFTER_S * 1e9)


def _side_venues(book: ConsolidatedBook, symbol: str, side: str) -> list[dict[str, Any]]:
    top = book.depth(symbol, side, 1)
    return [] if not top else [{"venue": v, "size": q} for v, q in top[0].venues]


def _status(bid: Decimal | None, ask: Decimal | None, silence_ns: int | None, stale_after_ns: int) -> tuple[str, str]:
    # The same order of checks as MarketWatch.view, so the API and the algos agree on what is unfit.
    if bid is None and ask is None:
        return "no_data", "no venue quotes the symbol"
    if bid is None or ask is None:
        return "one_sided", f"only the {'ask' if bid is None else 'bid'} is quoted"
    if silence_ns is not None and silence_ns > stale_after_ns:
        return "stale", f"no data from any venue for {silence_ns / 1e9:.1f} s"
    return "open", ""


@router.get("/market-data/{symbol}", tags=["market data"], responses=_NOT_FOUND)
async def market_data(symbol: Symbol, user: User_, svc: Svc) -> dict[str, Any]:
    """The consolidated quote of a symbol: the NBBO with its sizes and the venues at each side, the last
    trade, the volume printed since the OMS started, each venue's top of book, the market's status
    (open, one_sided, stale, no_data, or halted when every venue says the symbol is halted: SecurityStatus
    326=2 or TradingSessionStatus 340=1; each venue's own status is in ``venues``) and the data-quality figures algos met (views, stale and crossed
    episodes, feed gaps per venue). 404 for a symbol the OMS does not trade."""
    known_symbol(svc, symbol)
    book = book_of(svc)
    now = svc.runtime.clock.now_ns()
    q = book.nbbo(symbol)
    updated = book.updated.get(symbol)
    silence = None if updated is None else max(0, now - updated)
    stale_after = _stale_after_ns(svc)
    status, why = _status(q.bid, q.ask, silence, stale_after)
    known = [v for v in svc.runtime.links.initiators] if svc.runtime.links is not None else []
    halted = sorted(v for v in known if book.halted(v, symbol))
    if halted and len(halted) == len(known):
        # Every venue says so (SecurityStatus 326=2 or TradingSessionStatus 340=1): quotes may still show.
        status, why = "halted", f"halted at {', '.join(halted)}"
    mid = q.mid
    spread = None if q.bid is None or q.ask is None else q.ask - q.bid
    last = book.last.get(symbol)
    venues = []
    gapped = []
    for venue in sorted(book.venues(symbol)):
        bid, bid_size = book.venue_best(venue, symbol, BUY)
        ask, ask_size = book.venue_best(venue, symbol, SELL)
        at = book.venue_updated.get((symbol, venue))
        if at is not None and now - at > stale_after:
            gapped.append(venue)
        venues.append({"venue": venue, "bid": num(bid), "bid_size": bid_size, "ask": num(ask), "ask_size": ask_size,
                       "updated_at": None if at is None else iso(at), "halted": book.halted(venue, symbol),
                       "trading_session_status": book.session_status.get(venue),
                       "security_trading_status": book.security_status.get((venue, symbol))})
    watch = svc.runtime.timers.watch.figures().get(symbol) if svc.runtime.timers is not None else None
    return {
        "symbol": symbol, "time": iso(now), "status": status, "status_detail": why or None,
        "quote": {"bid": num(q.bid), "bid_size": q.bid_qty, "bid_venues": _side_venues(book, symbol, BUY),
                  "ask": num(q.ask), "ask_size": q.ask_qty, "ask_venues": _side_venues(book, symbol, SELL),
                  "mid": num(mid), "spread": num(spread),
                  "spread_bps": None if spread is None or not mid else round(float(spread / mid * 10_000), 2),
                  "crossed": spread is not None and spread < 0},
        "last_trade": None if last is None else {"price": num(last[0]), "size": last[1], "venue": last[2],
                                                 "time": iso(last[3])},
        "volume": book.volume.get(symbol, 0),
        "venues": venues,
        "data_quality": {"updated_at": None if updated is None else iso(updated),
                         "silence_s": None if silence is None else round(silence / 1e9, 3),
                         "stale_after_s": stale_after / 1e9, "silent_venues": gapped,
                         "algo_views": watch},
    }


@router.get("/order-book/{symbol}", tags=["market data"], responses=_NOT_FOUND)
async def order_book(symbol: Symbol, user: User_, svc: Svc,
                     depth: Annotated[int, Query(ge=1, le=_MAX_DEPTH, description="price levels a side")] = 10
                     ) -> dict[str, Any]:
    """The consolidated book of a symbol, ``depth`` price levels a side, best first: one entry per venue
    at each level (``level`` numbers the price, 1 the best; within a price the larger size first), and the
    level's total across venues."""
    known_symbol(svc, symbol)
    book = book_of(svc)
    sides: dict[str, list[dict[str, Any]]] = {}
    for name, side in (("bids", BUY), ("asks", SELL)):
        rows = []
        for i, level in enumerate(book.depth(symbol, side, depth), start=1):
            for venue, size in level.venues:
                rows.append({"level": i, "price": num(level.price), "size": size, "venue": venue,
                             "level_size": level.qty})
        sides[name] = rows
    return {"symbol": symbol, "time": iso(svc.runtime.clock.now_ns()), "depth": depth, **sides}


def _venue_config(oms: Oms) -> dict[str, dict[str, Any]]:
    """Each venue's routing rules as the core has them now: config/oms.yaml's, as PUT /config/venues left them."""
    return {r.name: {"lit": r.lit, "dark": r.dark, "taker_fee": num(r.taker_fee.normalize()), "enabled": r.enabled}
            for r in ops.venue_rules(oms)}


@router.get("/venues", tags=["venues"])
async def venues(user: User_, svc: Svc) -> dict[str, Any]:
    """Every venue the OMS trades at: its terms (lit, dark, taker fee a share, negative a rebate, enabled),
    where its link connects, whether the link is logged on (``up``) and whether new child orders may go
    there (``routable``: enabled, and the core takes it as up and reconciled)."""
    oms = svc.oms
    links = svc.runtime.links
    down = set(ops.venues_down(oms))
    out = []
    for name, cfg in _venue_config(oms).items():
        ini = links.initiators.get(name) if links is not None else None
        out.append({"venue": name, **cfg,
                    "host": None if ini is None else ini.host, "port": None if ini is None else ini.port,
                    "up": links is not None and name in links.up,
                    "routable": cfg["enabled"] and name not in down})
    return {"venues": out, "count": len(out)}


@router.get("/venues/{venue_id}/metrics", tags=["venues"], responses=_NOT_FOUND)
async def venue_metrics(venue_id: VenueId, user: User_, svc: Svc) -> dict[str, Any]:
    """What the OMS's own child orders met at a venue since the journal began: children and quantity sent,
    fill rate (filled over sent, of children that ended), rejects, mean acknowledgement latency,
    slippage against the mid before each fill and the one-minute markout (bps, positive a cost), the
    taker fees its fills could have cost at most (the OMS does not know which fills took liquidity), and
    availability (the share of the time the link was up). 404 for a venue the OMS does not trade at."""
    oms = svc.oms
    config = _venue_config(oms)
    if venue_id not in config:
        shown = venue_id if len(venue_id) <= 32 and venue_id.isprintable() else repr(venue_id[:32])
        raise ApiError(404, f"no venue {shown}: the OMS trades at {', '.join(config)}", rule="config/oms.yaml venues")
    now = svc.runtime.clock.now_ns()
    figures = oms.venue_stats.figures(now).get(venue_id, {})
    notional = Decimal(0)
    filled = 0
    for p in svc.orders(user):  # the caller's own orders' share: what it may see
        for c in oms_views.children(oms, p):
            if c.venue == venue_id and c.cum:
                filled += c.cum
                notional += c.notional
    fee = Decimal(config[venue_id]["taker_fee"])
    return {"venue": venue_id, "time": iso(now), **config[venue_id], **figures,
            # Commission is not modelled by the OMS: null, not a made-up zero.
            "fees": {"taker_fee": num(fee), "max_taker_fees": num((fee * figures.get("filled_qty", 0)).normalize()),
                     "commission": None},
            "caller_fills": {"filled_qty": filled, "notional": num(notional),
                             "avg_price": num(notional / filled) if filled else None}}

