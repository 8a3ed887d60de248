"""Working a cumulative schedule slice by slice: the engine TWAP, VWAP and Implementation Shortfall share.

They differ only in their curves (the share of the parent due by each slice's
end); ``Slicer`` places each slice, catches up at ``CATCH_UP_AT`` of a slice
when it is behind, re-prices children the market left behind and finishes at
the window's end (twap.py's docstring says how). ``slice_bounds`` cuts the
window (working.py's ``read_window``) into slices; ``clear_the_way`` is the
re-pricing Slicer and POV do before they place more.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from .base import NS, AlgoError, ChildView, Decision, Market, Order, Place, Progress, rng_for
from .params import Params
from .performance import fill_price, price4, price_text
from .pricing import STRATEGIES, child_price
from .working import PAUSE_NS

__all__ = ["CATCH_UP_AT", "DEFAULT_SLICE_S", "MAX_SLICES", "Slicer", "behind_touch", "clear_the_way", "newest_first",
           "slice_bounds", "strategy_param"]

CATCH_UP_AT = 0.8  # of a slice: late enough for passive fills to come, early enough to cross before the boundary
RECHECK_NS = 2 * NS  # while catching up: how often to re-price what did not fill at the far touch
DEFAULT_SLICE_S = 60.0


MAX_SLICES = 10_000


def slice_bounds(params: Params, order: Order, start: int, end: int, default_slice_s: float = DEFAULT_SLICE_S,
                 rng_salt: str | None = None) -> list[int]:
    """Slice boundaries ``[start, ..., end]`` from ``num_slices`` / ``slice_interval`` (and ``randomize`` when a
    salt is given)."""
    n = params.integer("num_slices", ge=1, le=MAX_SLICES)
    interval = params.number("slice_interval", gt=0)
    if n is not None and interval is not None:
        raise AlgoError("num_slices: give num_slices or slice_interval, not both")
    span = end - start
    if n is None:
        seconds = interval if interval is not None else default_slice_s
        n = max(1, math.ceil(span / (seconds * NS) - 1e-9))
        if interval is None:
            n = min(n, max(1, order.qty // max(1, order.lot)))
    # At most one slice a second and MAX_SLICES in all, whatever the interval and the window: a
    # month-long window cut into millisecond slices would otherwise cost the OMS its memory.
    n = min(n, max(1, span // NS), MAX_SLICES)
    bounds = [start + span * i // n for i in range(n + 1)]
    if rng_salt is not None:
        jitter = params.number("randomize", 0.0, ge=0, le=0.5) or 0.0
        if jitter and n > 1:
            rng = rng_for(order.order_id, rng_salt)
            step = span / n
            for i in range(1, n):
                bounds[i] += int(rng.uniform(-jitter, jitter) * step / 2)
    return bounds


def strategy_param(params: Params, default: str = "neutral") -> str:
    return params.choice("strategy", STRATEGIES, default)


def newest_first(live: list[ChildView], excess: int) -> tuple[str, ...]:
    """Children to cancel, newest first, until their open quantity covers ``excess``."""
    out: list[str] = []
    for c in sorted(live, key=lambda c: c.placed, reverse=True):
        if excess <= 0:
            break
        out.append(c.child_id)
        excess -= c.open
    return tuple(out)


def behind_touch(live: list[ChildView], market: Market, side: int) -> tuple[str, ...]:
    """Children resting behind the near touch (a buy below the bid): the market left them, re-price them."""
    near = market.bid if side > 0 else market.ask
    if near is None:
        return ()
    return tuple(c.child_id for c in live if c.price is not None and (c.price - near) * side < 0)


def clear_the_way(parent: Progress, market: Market, live: list[ChildView], *, crossing: bool,
                  why: str) -> tuple[tuple[str, ...], str] | None:
    """What must go before more is placed, as (children to cancel, note); None when nothing must.

    ``live`` is the children not being canceled. When ``crossing``, those resting away from the far touch
    (``why`` says so); else those the market left behind the near touch; else, while cancels are on their way,
    nothing (so a re-price never doubles what works)."""
    side, far = parent.side, market.ask if parent.side > 0 else market.bid
    if crossing and far is not None:
        away = tuple(c.child_id for c in live if c.price is not None and (c.price - far) * side < 0)
        if away:
            return away, why
    left = behind_touch(live, market, side)
    if left:
        return left, "re-pricing what the market left behind"
    if len(live) < len(parent.children):
        return (), "waiting for cancels"
    return None


class Slicer:
    """Works a parent along a cumulative schedule cut into slices.

    ``fracs[i]`` is the share of the parent scheduled by ``bounds[i]`` (0 at the start, 1 at the end, never
    falling). ``catch_every`` False catches up at ``CATCH_UP_AT`` of the last slice only, and otherwise when
    what is filled trails ``target(now)`` by more than ``behind_limit`` of the parent (and a lot)."""

    name = "Slicer"

    def __init__(self, order: Order, bounds: list[int], fracs: list[float], strategy: str, *,
                 catch_every: bool = True, behind_limit: float | None = None) -> None:
        if len(bounds) != len(fracs) or len(bounds) < 2:
            raise ValueError("bounds and fracs must pair up, at least two of each")
        self.order = order
        self.bounds = bounds
        self.fracs = [min(1.0, max(0.0, f)) for f in fracs]
        self.fracs[-1] = 1.0
        self.strategy = strategy
        self.catch_every = catch_every
        self.behind_limit = behind_limit
        self.qty = order.qty
        self.lot = max(1, order.lot)
        self.avg_px: Decimal | None = None  # the parent's AvgPx at the last tick, for stats()
        self.slice = -1  # the slice being worked; len(bounds) - 1 once the window is over
        self.errors_pct: list[float] = []
        self.filled = 0

    # -- the schedule ---------------------------------------------------------------------------

    def goal(self, i: int, qty: int) -> int:
        """Scheduled cumulative quantity at boundary ``i``: whole lots, the whole parent at the end."""
        if i >= len(self.bounds) - 1:
            return qty
        return min(qty, round(self.fracs[i] * qty / self.lot) * self.lot)

    def target(self, now: int) -> int | None:
        b = self.bounds
        if now <= b[0]:
            return 0
        if now >= b[-1]:
            return self.qty
        i = self._index(now)
        f0, f1 = self.fracs[i], self.fracs[i + 1]
        f = f0 + (f1 - f0) * (now - b[i]) / (b[i + 1] - b[i])
        return min(self.qty, max(0, round(f * self.qty)))

    def _index(self, now: int) -> int:
        lo, hi = 0, len(self.bounds) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.bounds[mid] <= now:
                lo = mid
            else:
                hi = mid
        return lo

    # -- hooks for the algos built on it --------------------------------------------------------

    def observe(self, now: int, market: Market) -> None:
        """Called on every tick before anything else."""

    def cap(self, parent: Progress, market: Market) -> int | None:
        """The most that may be filled plus working now (a participation cap), None for no cap."""
        return None

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        """TargetStrategyPerformance (850): the average fill price, four places (IS overrides it)."""
        return price4(fill_price(parent))

    def extra_stats(self) -> dict[str, Any]:
        return {}

    # -- the tick -------------------------------------------------------------------------------

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.observe(now, market)
        self.qty, self.filled, self.avg_px = parent.qty, parent.filled, fill_price(parent)
        b = self.bounds
        n = len(b) - 1
        k = n if now >= b[-1] else max(-1, self._index(now)) if now >= b[0] else -1
        self._advance(k, parent)
        if parent.filled >= parent.qty:
            return Decision(finished=True, note="filled")
        if now < b[0]:
            return Decision(wake_at=b[0], note="waiting for the start")
        if k >= n:
            return Decision(finished=True, note="schedule over")
        if market.stale:
            return Decision(wake_at=min(now + PAUSE_NS, b[k + 1]), note=f"paused: {market.stale}")
        return self._work(now, k, parent, market)

    def _advance(self, k: int, parent: Progress) -> None:
        while self.slice < k:
            if self.slice >= 0:
                done = self.goal(self.slice + 1, parent.qty)
                self.errors_pct.append(round((parent.filled - done) / max(1, parent.qty) * 100, 3))
            self.slice += 1

    def _work(self, now: int, k: int, parent: Progress, market: Market) -> Decision:
        a, b = self.bounds[k], self.bounds[k + 1]
        last = k == len(self.bounds) - 2
        goal = self.goal(k + 1, parent.qty)
        catch_at = a + int(CATCH_UP_AT * (b - a))
        target = self.target(now) or 0
        behind = target - parent.filled
        catching = (self.catch_every or last) and now >= catch_at and parent.filled < goal
        if self.behind_limit is not None and behind > max(self.lot, self.behind_limit * parent.qty):
            catching = True
        nxt = b if now >= catch_at or not (self.catch_every or last) else catch_at
        if catching:
            nxt = min(b, now + RECHECK_NS)
        live = [c for c in parent.children if not c.canceling]
        blocked = clear_the_way(parent, market, live, crossing=catching,
                                why="catching up: re-pricing at the far touch")
        if blocked is not None:
            return Decision(cancel=blocked[0], wake_at=nxt, note=blocked[1])
        if parent.filled + parent.working > goal and not catching:
            return Decision(cancel=newest_first(live, parent.filled + parent.working - goal), wake_at=nxt,
                             note="ahead of schedule: shrinking")
        want = goal - parent.filled - parent.working
        limit = self.cap(parent, market)
        if limit is not None:
            want = min(want, limit - parent.filled - parent.working)
        if want <= 0:
            return Decision(wake_at=nxt, note="on schedule")
        strategy = "aggressive" if catching else self.strategy
        price = child_price(strategy, parent.side, market, parent.tick, behind / max(1, parent.qty))
        if price is None:
            return Decision(wake_at=min(b, now + PAUSE_NS), note=f"no price for {strategy}")
        note = "catching up" if catching else f"slice {k + 1} of {len(self.bounds) - 1}"
        return Decision(place=(Place(qty=want, price=price),), wake_at=nxt, note=note)

    def stats(self) -> dict[str, Any]:
        errs = self.errors_pct
        out: dict[str, Any] = {
            "slices": len(self.bounds) - 1,
            "slice_errors_pct": list(errs),
            "slice_error_pct_max": max((abs(e) for e in errs), default=0.0),
            "filled": self.filled,
            "avg_px": price_text(self.avg_px),
        }
        out.update(self.extra_stats())
        return out
