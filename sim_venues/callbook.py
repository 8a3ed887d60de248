"""A lit venue's call book (the orders collected in a call phase): what it shows and what it uncrosses.

The engine (``matching.py``) keeps the call book as its ``LiveOrder`` records;
these pure functions turn it into the displayed levels and into the input of
``auction.call_uncross``. Nothing matches in a call, so the displayed levels
are the non-hidden limit orders (an iceberg shows its slice) summed per price.
"""

from __future__ import annotations

from collections.abc import Iterable

from .auction import CallOrder
from .book import Side
from .records import LiveOrder

__all__ = ["auction_reference", "call_book", "call_levels"]


def call_levels(call: Iterable[LiveOrder], side: Side, depth: int) -> list[tuple[int, int]]:
    """(price, shown quantity) of the best ``depth`` levels of one side, best first."""
    shown: dict[int, int] = {}
    for live in call:
        o = live.order
        if o.request.side == side and o.price is not None and not live.hidden:
            qty = o.leaves_qty if live.floor is None else min(live.floor, o.leaves_qty)
            shown[o.price] = shown.get(o.price, 0) + qty
    return sorted(shown.items(), reverse=side == Side.BUY)[: max(depth, 0)]


def call_book(call: Iterable[LiveOrder]) -> tuple[list[CallOrder[LiveOrder]], list[CallOrder[LiveOrder]]]:
    """The buys and the sells as ``auction`` takes them."""
    buys: list[CallOrder[LiveOrder]] = []
    sells: list[CallOrder[LiveOrder]] = []
    for lv in call:
        o = lv.order
        (buys if o.request.side == Side.BUY else sells).append((lv, o.price, lv.hidden, lv.seq, o.leaves_qty))
    return buys, sells


def auction_reference(last_px: int | None, tick_reference: int | None, bid: int | None, ask: int | None) -> int | None:
    """The last trade, else the configured reference (e.g. the last close), else the reference quote's mid."""
    if last_px is not None:
        return last_px
    if tick_reference is not None:
        return tick_reference
    return (bid + ask) // 2 if bid is not None and ask is not None else None
