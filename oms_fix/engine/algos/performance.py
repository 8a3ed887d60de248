"""What an algo can say about how well it has done: the figures behind TargetStrategyPerformance (850).

The core asks an algo for its figure as it reports (``Algo.performance``), with
the parent's exact AvgPx in ``Progress.avg_px``: ``fill_price`` reads it.
``shortfall_bps`` compares it with the arrival mid (IS, adaptive),
``TouchImprovement`` with the far touch the fills could have been taken at
(peg, hidden). ``price4`` and ``price_text`` are the forms an average price is
reported in (850, ``stats()``).
"""

from __future__ import annotations

from decimal import Decimal

from .base import Market, Progress

__all__ = ["TouchImprovement", "fill_price", "price4", "price_text", "shortfall_bps"]

_PX = Decimal("0.0001")
_BPS = Decimal("0.01")


def fill_price(parent: Progress) -> Decimal | None:
    """The parent's average fill price, None while nothing is filled."""
    return parent.avg_px if parent.filled > 0 else None


def price4(px: Decimal | None) -> Decimal | None:
    """An average price as reported: four decimals."""
    return None if px is None else px.quantize(_PX)


def price_text(px: Decimal | None) -> str | None:
    """An average price for ``stats()`` (JSON data): four decimals, as text."""
    return None if px is None else str(px.quantize(_PX))


def shortfall_bps(avg: Decimal | None, benchmark: Decimal | None, side: int) -> Decimal | None:
    """How much worse ``avg`` is than ``benchmark``, in bps, side-signed: positive is a cost (a buy above it)."""
    if avg is None or not benchmark:
        return None
    # + 0 turns a sell's -0.00 into 0.00, which is how it should read in 850
    return ((avg - benchmark) / benchmark * 10_000 * side).quantize(_BPS) + 0


class TouchImprovement:
    """Price improvement against the far touch, in bps: what the fills saved against crossing the spread.

    Each share filled is set against the far touch (a buy's ask) the algo last saw fit to trade on before the
    fill, as the price it would have paid by taking liquidity instead of resting; ``observe`` counts the shares
    at each tick. Shares filled since the last tick are set against the latest far touch recorded, which for a
    slice placed at that tick is the touch at placement; ``bps`` counts them without recording them, since
    the core asks between ticks. The fills' side of it is the parent's exact AvgPx. Positive is better than the
    touch (a buy below the ask): about half the spread for a fill at the mid, none for one that crossed."""

    __slots__ = ("_filled", "_counted", "_notional", "_far")

    def __init__(self) -> None:
        self._filled = 0
        self._counted = 0
        self._notional = Decimal(0)
        self._far: Decimal | None = None

    def observe(self, parent: Progress, market: Market) -> None:
        far = None if market.stale else market.ask if parent.side > 0 else market.bid
        ref = self._far if self._far is not None else far
        new = parent.filled - self._filled
        if new > 0 and ref is not None:
            self._counted += new
            self._notional += ref * new
        self._filled = parent.filled
        if far is not None:
            self._far = far

    def bps(self, parent: Progress) -> Decimal | None:
        counted, notional = self._counted, self._notional
        new = parent.filled - self._filled
        if new > 0 and self._far is not None:
            counted += new
            notional += self._far * new
        if not counted:
            return None
        return shortfall_bps(fill_price(parent), notional / counted, -parent.side)
