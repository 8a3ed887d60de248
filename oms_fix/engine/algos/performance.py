"""What an algo can say about how well it has done: the figures behind TargetStrategyPerformance (850).

An algo sees no executions, only its parent's CumQty and its children, so
``FillTracker`` estimates the average fill price from those. The other figures
compare that average with a benchmark: ``shortfall_bps`` against the arrival
mid (IS, adaptive), ``TouchImprovement`` against the far touch the fills could
have been taken at (peg, hidden). ``price4`` and ``price_text`` are the forms
an average price is reported in (850, ``stats()``).

The core puts whatever the latest decision says on the parent's reports, so an
algo attaches its figure to every decision it returns, not only to some.
"""

from __future__ import annotations

from decimal import Decimal

from .base import Decision, Market, Progress

__all__ = ["FillTracker", "TouchImprovement", "price4", "price_text", "shortfall_bps"]

_PX = Decimal("0.0001")
_BPS = Decimal("0.01")


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


class FillTracker:
    """The average fill price, estimated from what the algo sees: the parent's CumQty and its children's prices.

    CumQty's growth since the last tick is put, in this order, on: the fills of children still live (``qty -
    open`` growth) at their prices; children that ended without the algo canceling them (they filled); what the
    algo placed that ended before it was ever seen (an aggressive child fills at once) at the price it asked;
    children it canceled (a fill can beat the cancel); and the mid for anything left."""

    __slots__ = ("filled", "notional", "_known", "_canceled", "_asked", "_last_px")

    def __init__(self) -> None:
        self.filled = 0
        self.notional = Decimal(0)
        self._known: dict[str, tuple[int, int, Decimal | None]] = {}  # child id -> (qty, seen filled, price)
        self._canceled: set[str] = set()
        self._asked = 0  # placed since the last tick
        self._last_px: Decimal | None = None

    def decided(self, d: Decision) -> Decision:
        self._canceled.update(d.cancel)
        for p in d.place:
            self._asked += p.qty
            if p.price is not None:
                self._last_px = p.price
        return d

    def observe(self, parent: Progress, market: Market) -> None:
        fallback = market.mid or market.last or self._last_px or Decimal(0)
        new = parent.filled - self.filled
        live = {c.child_id for c in parent.children}
        for c in parent.children:
            if c.child_id not in self._known:
                self._asked -= c.qty
            qty, seen, price = self._known.get(c.child_id, (c.qty, 0, c.price))
            got = min(max(0, c.qty - c.open - seen), max(0, new))
            new -= self._add(got, price or fallback)
            self._known[c.child_id] = (c.qty, seen + got, price)
        gone = [k for k in self._known if k not in live]
        gone.sort(key=lambda k: k in self._canceled)
        for cid in gone:
            qty, seen, price = self._known.pop(cid)
            if cid in self._canceled:
                self._canceled.discard(cid)
                new -= self._add(min(max(0, self._asked), max(0, new)), self._last_px or fallback)
                self._asked = 0
            new -= self._add(min(qty - seen, max(0, new)), price or fallback)
        new -= self._add(min(max(0, self._asked), max(0, new)), self._last_px or fallback)
        self._add(max(0, new), fallback)
        self._asked = 0
        self.filled = parent.filled

    def _add(self, qty: int, price: Decimal) -> int:
        if qty > 0:
            self.notional += price * qty
        return max(0, qty)

    @property
    def avg_px(self) -> Decimal | None:
        return self.notional / self.filled if self.filled else None


class TouchImprovement:
    """Price improvement against the far touch, in bps: what the fills saved against crossing the spread.

    Each share filled is set against the far touch (a buy's ask) the algo last saw fit to trade on before the
    fill, as the price it would have paid by taking liquidity instead of resting. Positive is better than that
    (a buy below the ask): about half the spread for a fill at the mid, none for one that crossed."""

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

    def bps(self, avg: Decimal | None, side: int) -> Decimal | None:
        if not self._counted:
            return None
        return shortfall_bps(avg, self._notional / self._counted, -side)
