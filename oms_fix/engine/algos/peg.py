"""Peg (TargetStrategy 847=1002, and OrdType 40=P with ExecInst 18): one child kept on a moving reference.

The whole unplaced quantity works as one child priced at the reference plus
the offset, capped at the parent's limit. Every ``reprice_ms`` the algo looks
at the reference again; when the price it wants moved, it cancels the child
and places it again at the new price once the cancel is confirmed. On stale
data it neither places nor re-prices, and looks again ``reprice_ms`` later.

References (``peg``, or ExecInst 18 on an OrdType P order; FIX 4.4 Vol 4 values):

- ``primary`` (18=R, Primary peg): the near touch of the primary venue (a buy on
  its bid), the venue named by ``primary_venue`` (default EXCH) in
  ``Market.venues``, else the first venue listed there, else the consolidated
  near touch;
- ``mid`` (18=M, Mid-price peg): the consolidated mid, on the tick grid on the
  passive side;
- ``market`` (18=P, Market peg): the far touch (a buy on the ask).

The offset is added to the reference as FIX adds PegOffsetValue (211): signed,
the same way for both sides, so a negative offset makes a buy more passive and
a positive one makes a sell more passive. Give it as 211 (a price) or as
``offset_ticks`` (whole ticks), not both. The result is rounded to the tick away
from the market.

Parameters (848), e.g. ``peg=primary;offset_ticks=-1;reprice_ms=500``: ``peg``
(default from ExecInst 18, else primary), ``offset_ticks`` (default 0),
``primary_venue`` (default EXCH), ``reprice_ms`` (default 500, at least 50),
``venue`` (send the child there; default: the smart router),
``duration_minutes`` (optional end). MaxFloor (111) is passed on to the child.

TargetStrategyPerformance (850): the price improvement so far against the far
touch, in bps (performance.py's ``TouchImprovement``): the parent's AvgPx
against the far touch the algo last saw before each fill (the touch when the
child went out, or at a later check), positive better. What resting on the
peg saved against taking the offer (a buy): about half the spread for a mid
peg, none for a market peg without an offset. None before a fill.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import AlgoError, AlgoSpec, Market, Order, Place, Progress
from .params import Params
from .pricing import round_passive
from .slicing import SliceAlgo
from .working import Window, read_window, within_limit

__all__ = ["PEG_KINDS", "Peg", "build"]

# ExecInst (18) -> reference, as FIX 4.4 defines the values.
PEG_KINDS = {"R": "primary", "M": "mid", "P": "market"}


class Peg(SliceAlgo):
    name = "Peg"

    def __init__(self, order: Order, window: Window, *, peg: str, offset: Decimal, primary_venue: str,
                 venue: str | None, display: int | None, reprice_ns: int) -> None:
        super().__init__(order, window, reprice_ns=0, check_ns=reprice_ns)
        self.peg = peg
        self.offset = offset
        self.primary_venue = primary_venue
        self.venue = venue
        self.display = display
        self._reference: Decimal | None = None

    def reference(self, side: int, market: Market) -> Decimal | None:
        if self.peg == "mid":
            return market.mid
        if self.peg == "market":
            return market.ask if side > 0 else market.bid
        quotes = {q.venue: q for q in market.venues}
        primary = quotes.get(self.primary_venue) or (market.venues[0] if market.venues else None)
        if primary is None:
            return market.bid if side > 0 else market.ask
        return primary.bid if side > 0 else primary.ask

    def _want(self, now: int, parent: Progress, market: Market) -> Place | None:
        ref = self.reference(parent.side, market)
        self._reference = ref
        if ref is None:
            return None
        price = within_limit(round_passive(ref + self.offset, parent.tick, parent.side), parent)
        return Place(qty=parent.unplaced, price=price, venue=self.venue, display=self.display)

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        return self.improvement.bps(parent)

    def _extra_stats(self) -> dict[str, Any]:
        return {"peg": self.peg, "offset": str(self.offset),
                "reference": None if self._reference is None else str(self._reference)}


def build(spec: AlgoSpec, order: Order, params: Params) -> Peg:
    peg = params.choice("peg", ("primary", "mid", "market"), PEG_KINDS.get(spec.peg or "", "primary"))
    ticks = params.integer("offset_ticks")
    if ticks is not None and spec.peg_offset is not None:
        raise AlgoError("offset_ticks: give PegOffsetValue (211) or offset_ticks, not both")
    offset = spec.peg_offset if spec.peg_offset is not None else order.tick * (ticks or 0)
    primary = params.text("primary_venue", "EXCH")
    if not primary:
        raise AlgoError("primary_venue: must name a venue, not ''")
    venue = params.text("venue") or None
    reprice_ms = params.number("reprice_ms", 500.0, ge=50)
    assert reprice_ms is not None
    return Peg(order, read_window(spec, order, params), peg=peg, offset=offset, primary_venue=primary, venue=venue,
               display=spec.max_floor, reprice_ns=int(reprice_ms * 1_000_000))
