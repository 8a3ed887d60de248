"""Market data a venue publishes: price-level snapshots (35=W) and increments (35=X).

A subscriber's view of a symbol is the best ``depth`` levels of each side it
asked for. After anything changes, ``DepthView.update`` compares the new top
levels with the view the subscriber last saw and returns the smallest list of
MDUpdateAction (279) new/change/delete entries that turns one into the other,
keyed by (MDEntryType, price) as FIX 4.4 price-level books are (Vol 3,
"Market Data"). A level pushed out of the top ``depth`` is deleted from the
view; one that moves in is new. Trades are events, not state: they go out as
MDEntryType 2 entries with action new, once, after the book changes they made.

Pure: the gateway turns entries into message bodies with ``snapshot_body`` and
``incremental_body`` and sends them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from oms_fix.fix.message import Message

from .fix_translate import Pricing
from .orders import Side, Trade

__all__ = ["BID", "OFFER", "TRADE", "DepthView", "Entry", "MdRequest", "MdRefusal", "incremental_body",
           "parse_request", "reject_body", "snapshot_body"]

BID, OFFER, TRADE = "0", "1", "2"
NEW, CHANGE, DELETE = "0", "1", "2"
ALL_LEVELS = 1_000_000  # MarketDepth 0 means the full book


@dataclass(frozen=True, slots=True)
class Entry:
    action: str  # MDUpdateAction (279)
    entry_type: str  # MDEntryType (269)
    price: int
    qty: int


class DepthView:
    """One subscriber's copy of one symbol's book, as last sent."""

    __slots__ = ("depth", "sides")

    def __init__(self, depth: int):
        self.depth = depth
        self.sides: dict[str, dict[int, int]] = {BID: {}, OFFER: {}}

    def update(self, entry_type: str, levels: list[tuple[int, int]]) -> list[Entry]:
        """Entries that bring this side of the view to ``levels`` (best first, at most ``depth``)."""
        old = self.sides[entry_type]
        new = dict(levels[: self.depth])
        out = [Entry(DELETE, entry_type, p, q) for p, q in old.items() if p not in new]
        for p, q in new.items():
            before = old.get(p)
            if before is None:
                out.append(Entry(NEW, entry_type, p, q))
            elif before != q:
                out.append(Entry(CHANGE, entry_type, p, q))
        self.sides[entry_type] = new
        return out

    def apply(self, entries: list[Entry]) -> None:
        """What a subscriber does with increments (the test oracle for ``update``)."""
        for e in entries:
            if e.entry_type not in self.sides:
                continue
            side = self.sides[e.entry_type]
            if e.action == DELETE:
                del side[e.price]
            else:
                side[e.price] = e.qty

    def snapshot(self) -> dict[str, list[tuple[int, int]]]:
        return {BID: sorted(self.sides[BID].items(), reverse=True), OFFER: sorted(self.sides[OFFER].items())}


@dataclass(slots=True)
class MdRequest:
    """A parsed MarketDataRequest (35=V)."""

    md_req_id: str
    kind: str  # SubscriptionRequestType (263): 0 snapshot, 1 snapshot + updates, 2 unsubscribe
    depth: int
    entry_types: frozenset[str]
    symbols: list[str]
    views: dict[str, DepthView] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MdRefusal:
    reason: str  # MDReqRejReason (281)
    text: str


def parse_request(msg: Message, known: Collection[str]) -> MdRequest | MdRefusal:
    md_req_id = (msg.get(262) or b"").decode("latin-1")
    kind = (msg.get(263) or b"").decode("latin-1")
    if kind not in ("0", "1", "2"):
        return MdRefusal("4", f"SubscriptionRequestType (263) {kind} is not supported (0, 1, 2)")
    if kind == "2":
        return MdRequest(md_req_id, kind, 0, frozenset(), [])
    raw_depth = msg.get(264) or b"0"
    if not raw_depth.isdigit():
        return MdRefusal("5", f"MarketDepth (264) {raw_depth!r} is not a number")
    depth = int(raw_depth) or ALL_LEVELS
    update_type = msg.get(265)
    if kind == "1" and update_type not in (None, b"1"):
        return MdRefusal("8", "MDUpdateType (265) 0 (full refresh) is not supported: updates are incremental (1)")
    entry_types = [v.decode("latin-1") for t, v in msg.fields if t == 269]
    bad = [e for e in entry_types if e not in (BID, OFFER, TRADE)]
    if bad or not entry_types:
        return MdRefusal("7", f"MDEntryType (269) {', '.join(bad) or 'missing'}: supported are 0 bid, 1 offer, 2 trade")
    symbols = [v.decode("latin-1") for t, v in msg.fields if t == 55]
    unknown = [s for s in symbols if s not in known]
    if unknown or not symbols:
        return MdRefusal("0", f"unknown symbol {', '.join(unknown) or '(none given)'}")
    return MdRequest(md_req_id, kind, depth, frozenset(entry_types), symbols)


def reject_body(md_req_id: bytes | str, refusal: MdRefusal) -> list[tuple[int, str | bytes]]:
    return [(262, md_req_id), (281, refusal.reason), (58, refusal.text)]


def snapshot_body(req: MdRequest, symbol: str, pricing: Pricing, view: DepthView,
                  trades: Sequence[Trade] = (), denominator: int = 1) -> list[tuple[int, str | bytes]]:
    """MarketDataSnapshotFullRefresh (35=W) from the subscriber's view."""
    snap = view.snapshot()
    entries: list[tuple[str, int, int]] = []
    for entry_type in (BID, OFFER):
        if entry_type in req.entry_types:
            entries += [(entry_type, p, q) for p, q in snap[entry_type]]
    if TRADE in req.entry_types:
        entries += [(TRADE, t.price, t.qty) for t in trades]
    fields: list[tuple[int, str | bytes]] = [(262, req.md_req_id), (55, symbol), (268, str(len(entries)))]
    for entry_type, p, q in entries:
        fields += [(269, entry_type), (270, pricing.fmt(p, denominator if entry_type == TRADE else 1)), (271, str(q))]
    return fields


def incremental_body(req: MdRequest, symbol: str, pricing: Pricing, entries: list[Entry],
                     denominator: int = 1) -> list[tuple[int, str | bytes]]:
    """MarketDataIncrementalRefresh (35=X); trade prices may be in 1/denominator ticks."""
    fields: list[tuple[int, str | bytes]] = [(262, req.md_req_id), (268, str(len(entries)))]
    for e in entries:
        fields += [(279, e.action), (269, e.entry_type), (55, symbol),
                   (270, pricing.fmt(e.price, denominator if e.entry_type == TRADE else 1))]
        if e.action != DELETE or e.entry_type == TRADE:
            fields.append((271, str(e.qty)))
    return fields


def trade_entries(trades: list[Trade]) -> list[Entry]:
    return [Entry(NEW, TRADE, t.price, t.qty) for t in trades]


def side_entry_type(side: Side) -> str:
    return BID if side == Side.BUY else OFFER
