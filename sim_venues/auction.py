"""Call auctions: the uncrossing price of a call book, and who trades with whom.

Pure functions over aggregated levels; the engine (``matching.py``) collects
the call book and applies the result. The price rule is the usual exchange one:

1. the price that executes the most volume;
2. then the one that leaves the smallest surplus (|imbalance|);
3. then the one nearest the reference price (the last trade, else the
   previous close);
4. then, deterministically, the lower price.

Decisions the issue left open:

- The eligible prices are every integer tick from the lowest to the highest
  limit price present on either side (a price strictly between two limits
  can win on rule 2 or 3, e.g. the reference itself). Prices outside that
  range are never chosen: they would execute no limit order that a price in
  the range does not. With no limit prices at all (market orders only on
  both sides) the reference is the only eligible price, and without a
  reference nothing trades.
- ``imbalance`` is demand minus supply at the chosen price: positive is a
  buy surplus. Demand at p counts the market buys and the bids at p or
  higher; supply the market sells and the asks at p or lower.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["CallOrder", "Uncross", "allocate", "call_allocation", "call_uncross", "uncross"]

K = TypeVar("K")

# One order of a call book: (key, limit price or None for a market order, hidden, arrival seq, open quantity).
CallOrder = tuple[K, int | None, bool, int, int]


@dataclass(frozen=True, slots=True)
class Uncross:
    """The result of an uncross: one price, the volume it executes, the surplus left."""

    price: int
    volume: int
    imbalance: int  # demand - supply at ``price``; buy surplus positive


def _aggregate(levels: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted distinct prices and their summed quantities (non-positive quantities dropped)."""
    total: dict[int, int] = {}
    for price, qty in levels:
        if qty > 0:
            total[price] = total.get(price, 0) + qty
    prices = sorted(total)
    return prices, [total[p] for p in prices]


def uncross(
    bids: Iterable[tuple[int, int]],
    asks: Iterable[tuple[int, int]],
    market_buy_qty: int = 0,
    market_sell_qty: int = 0,
    reference: int | None = None,
) -> Uncross | None:
    """The uncrossing price of a call book, or None if nothing would trade."""
    bid_px, bid_qty = _aggregate(bids)
    ask_px, ask_qty = _aggregate(asks)
    # demand(p) = market buys + bids priced >= p: a suffix sum over ascending bid prices
    bid_suffix = [0] * (len(bid_qty) + 1)
    for i in range(len(bid_qty) - 1, -1, -1):
        bid_suffix[i] = bid_suffix[i + 1] + bid_qty[i]
    # supply(p) = market sells + asks priced <= p: a prefix sum over ascending ask prices
    ask_prefix = [0]
    for q in ask_qty:
        ask_prefix.append(ask_prefix[-1] + q)

    limits = sorted(set(bid_px) | set(ask_px))
    candidates: set[int] = set(limits)
    if not limits:
        if reference is None or reference <= 0:
            return None
        candidates.add(reference)
    # Between two adjacent limit prices demand and supply are constant, so the
    # interval's best point is its end nearest the reference, or the reference itself.
    for lo, hi in zip(limits, limits[1:]):
        if hi - lo > 1:
            candidates.update((lo + 1, hi - 1))
            if reference is not None and lo < reference < hi:
                candidates.add(reference)

    best: tuple[int, int, int, int] | None = None
    result: Uncross | None = None
    for p in candidates:
        demand = market_buy_qty + bid_suffix[bisect_left(bid_px, p)]
        supply = market_sell_qty + ask_prefix[bisect_right(ask_px, p)]
        volume = min(demand, supply)
        if volume <= 0:
            continue
        key = (-volume, abs(demand - supply), abs(p - reference) if reference is not None else 0, p)
        if best is None or key < best:
            best = key
            result = Uncross(p, volume, demand - supply)
    return result


def allocate(buys: Sequence[tuple[K, int]], sells: Sequence[tuple[K, int]], volume: int) -> list[tuple[K, K, int]]:
    """Pair buyers with sellers for ``volume``: ``(buyer, seller, qty)`` in priority order.

    Both sequences are (key, open quantity) already in priority order (market
    orders first, then price, then time); each side is filled from the front
    until ``volume`` is used up.
    """
    pairs: list[tuple[K, K, int]] = []
    i = j = 0
    left_b = buys[0][1] if buys else 0
    left_s = sells[0][1] if sells else 0
    while volume > 0 and i < len(buys) and j < len(sells):
        qty = min(left_b, left_s, volume)
        if qty > 0:
            pairs.append((buys[i][0], sells[j][0], qty))
        volume -= qty
        left_b -= qty
        left_s -= qty
        if left_b <= 0:
            i += 1
            left_b = buys[i][1] if i < len(buys) else 0
        if left_s <= 0:
            j += 1
            left_s = sells[j][1] if j < len(sells) else 0
    return pairs


def call_uncross(buys: Sequence[CallOrder[K]], sells: Sequence[CallOrder[K]], reference: int | None) -> Uncross | None:
    """``uncross`` of a call book given order by order."""
    return uncross(
        [(p, q) for _, p, _, _, q in buys if p is not None],
        [(p, q) for _, p, _, _, q in sells if p is not None],
        sum(q for _, p, _, _, q in buys if p is None),
        sum(q for _, p, _, _, q in sells if p is None),
        reference,
    )


def call_allocation(buys: Sequence[CallOrder[K]], sells: Sequence[CallOrder[K]], result: Uncross) -> list[tuple[K, K, int]]:
    """Who trades with whom at ``result.price``: price-time priority, market orders first, hidden after displayed."""
    price = result.price
    eligible_b = sorted((o for o in buys if o[1] is None or o[1] >= price),
                        key=lambda o: (o[1] is not None, -(o[1] or 0), o[2], o[3]))
    eligible_s = sorted((o for o in sells if o[1] is None or o[1] <= price),
                        key=lambda o: (o[1] is not None, o[1] or 0, o[2], o[3]))
    return allocate([(o[0], o[4]) for o in eligible_b], [(o[0], o[4]) for o in eligible_s], result.volume)
