"""What every algo here checks before it trades, and the small sums of placing a child.

``gate`` is the first thing a tick does: a filled parent is finished, one past
its end is finished (the core cancels what still works and expires the rest),
one before its start waits, and stale data pauses it: nothing is placed on a
quote the OMS does not trust, and the algo looks again ``PAUSE_NS`` later.

``Window`` is the parent's working time: from EffectiveTime (168) or arrival
to ExpireTime (126), cut shorter by ``duration_minutes``; every algo reads it
with ``read_window``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .base import NS, AlgoError, AlgoSpec, Decision, Market, Order, Progress
from .params import Params
from .pricing import child_price

__all__ = ["MAX_MINUTES", "PAUSE_NS", "SLICE_STRATEGIES", "Window", "gate", "lot_qty", "read_strategy", "read_window",
           "strategy_price", "within_limit"]

PAUSE_NS = NS
# "limit" is the parent's own limit price; the others are pricing.py's (adaptive needs a schedule).
SLICE_STRATEGIES = ("limit", "passive", "neutral", "aggressive")


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    end: int | None  # None: works until filled or canceled

    def frac(self, now: int) -> float:
        """How much of the window has passed, 0..1 (1 when it has no end)."""
        if self.end is None:
            return 1.0
        return min(1.0, max(0.0, (now - self.start) / (self.end - self.start)))

    def next_wake(self, now: int, every_ns: int) -> int:
        """``every_ns`` on, but never past the end, so the end is seen on time."""
        at = now + every_ns
        return at if self.end is None else max(now, min(at, self.end))


MAX_MINUTES = 31 * 24 * 60  # a month: longer is a typo, and an algo is re-planned each day anyway


def read_window(spec: AlgoSpec, order: Order, params: Params, *, default_minutes: float | None = None) -> Window:
    """The window from EffectiveTime (168), ExpireTime (126) and ``duration_minutes`` (the earlier end wins);
    ``default_minutes`` applies only when neither 126 nor the parameter gives an end."""
    start = max(order.arrived, spec.start or order.arrived)
    minutes = params.number("duration_minutes", None, gt=0, le=MAX_MINUTES)
    if spec.end is not None and spec.end <= start:
        raise AlgoError("ExpireTime (126): must be after the start (EffectiveTime (168) or arrival)")
    if minutes is None and spec.end is None:
        minutes = default_minutes
    end = spec.end
    if minutes is not None:
        by_minutes = start + max(1, int(minutes * 60 * NS))
        end = by_minutes if end is None else min(end, by_minutes)
    return Window(start, end)


def read_strategy(params: Params, default: str = "limit") -> str:
    return params.choice("strategy", SLICE_STRATEGIES, default)


def gate(now: int, parent: Progress, market: Market, window: Window, pause_ns: int = PAUSE_NS) -> Decision | None:
    """The decision when the algo must not plan this tick, else None."""
    if parent.leaves <= 0:
        return Decision(finished=True, note="filled")
    if window.end is not None and now >= window.end:
        return Decision(finished=True, note="end time reached")
    if now < window.start:
        return Decision(wake_at=window.start, note="waiting for the start time")
    if market.stale:
        return Decision(wake_at=now + pause_ns, note=f"paused: {market.stale}")
    return None


def lot_qty(want: int, parent: Progress) -> int:
    """``want`` cut to what may be placed, in whole lots unless it is the whole unplaced rest."""
    room = parent.unplaced
    if want >= room:
        return room
    if want <= 0:
        return 0
    return want - want % parent.lot


def within_limit(price: Decimal | None, parent: Progress) -> Decimal | None:
    """The algo clamps too (not only the core) so that comparing a child's price with the wanted one is exact."""
    if price is None or parent.limit is None:
        return price
    return min(price, parent.limit) if parent.side > 0 else max(price, parent.limit)


def strategy_price(strategy: str, parent: Progress, market: Market, behind: float = 0.0) -> Decimal | None:
    """The child price for ``strategy`` within the limit; "limit" without a limit joins the near touch."""
    if strategy == "limit":
        if parent.limit is not None:
            return parent.limit
        strategy = "passive"
    return within_limit(child_price(strategy, parent.side, market, parent.tick, behind), parent)
