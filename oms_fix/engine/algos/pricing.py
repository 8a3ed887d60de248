"""How a child is priced: the strategies aggressive, passive, neutral and adaptive.

- aggressive: cross the spread, at the far touch (a buy at the ask);
- passive: join the near touch (a buy at the bid);
- neutral: the mid, rounded to the tick on the passive side (a buy rounds down);
- adaptive: aggressive when the algo is behind its schedule by more than
  ``ADAPTIVE_BEHIND`` of the parent, passive when ahead of it, neutral between.

None when the side it needs is not quoted: the algo waits (or sends a market
order if it must). The core then keeps the price within the parent's limit.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .base import Market

__all__ = ["ADAPTIVE_BEHIND", "STRATEGIES", "child_price", "round_passive"]

STRATEGIES = ("aggressive", "passive", "neutral", "adaptive")
ADAPTIVE_BEHIND = 0.02


def round_passive(price: Decimal, tick: Decimal, side: int) -> Decimal:
    """``price`` on the tick grid, rounded away from the market: down for a buy, up for a sell."""
    steps = (price / tick).to_integral_value(rounding=ROUND_FLOOR if side > 0 else ROUND_CEILING)
    return (steps * tick).quantize(tick)


def child_price(strategy: str, side: int, market: Market, tick: Decimal, behind: float = 0.0) -> Decimal | None:
    """The price of a child for ``strategy``; ``behind`` is (scheduled - filled) / parent qty (adaptive)."""
    if strategy == "adaptive":
        strategy = "aggressive" if behind > ADAPTIVE_BEHIND else "passive" if behind < 0 else "neutral"
    near, far = (market.bid, market.ask) if side > 0 else (market.ask, market.bid)
    if strategy == "aggressive":
        return far
    if strategy == "passive":
        return near
    mid = market.mid
    return None if mid is None else round_passive(mid, tick, side)
