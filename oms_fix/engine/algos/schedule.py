"""Working a cumulative schedule slice by slice: the engine TWAP, VWAP and Implementation Shortfall share.

They differ only in their curves (the share of the parent due by each slice's
end); ``Slicer`` places each slice, catches up at ``CATCH_UP_AT`` of a slice
when it is behind, re-prices children the market left behind and finishes at
the window's end (twap.py's docstring says how). ``window`` reads the
schedule's start and end from the parameters, EffectiveTime and ExpireTime;
``slice_bounds`` cuts it; ``FillTracker`` estimates the average fill price.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from .base import NS, AlgoError, AlgoSpec, ChildView, Decision, Market, Order, Place, Progress, rng_for
from .params import Params
from .pricing import STRATEGIES, child_price

__all__ = ["CATCH_UP_AT", "DEFAULT_SLICE_S", "PAUSE_NS", "FillTracker", "Slicer", "behind_touch", "newest_first",
           "slice_bounds", "strategy_param", "window"]

CATCH_UP_AT = 0.8  # of a slice: late enough for passive fills to come, early enough to cross before the boundary
PAUSE_NS = NS  # how soon to look again when the market is not fit to trade on
RECHECK_NS = 2 * NS  # while catching up: how often to re-price what did not fill at the far touch
DEFAULT_SLICE_S = 60.0


def window(spec: AlgoSpec, order: Order, params: Params, default_minutes: float | None) -> tuple[int, int | None]:
    """(start, end) of the schedule from ``duration_minutes``, EffectiveTime (168) and ExpireTime (126).

    ``end`` is None only when ``default_minutes`` is None and neither the parameter nor 126 gives one."""
    start = max(order.arrived, spec.start or order.arrived)
    minutes = params.number("duration_minutes", gt=0)
    ends = []
    if minutes is not None:
        ends.append(start + int(minutes * 60 * NS))
    if spec.end is not None:
        if spec.end <= start:
            raise AlgoError("ExpireTime (126): must be after the start of the schedule")
        ends.append(spec.end)
    if not ends and default_minutes is not None:
        ends.append(start + int(default_minutes * 60 * NS))
    return start, min(ends) if ends else None


def slice_bounds(params: Params, order: Order, start: int, end: int, default_slice_s: float = DEFAULT_SLICE_S,
                 rng_salt: str | None = None) -> list[int]:
    """Slice boundaries ``[start, ..., end]`` from ``num_slices`` / ``slice_interval`` (and ``randomize`` when a
    salt is given)."""
    n = params.integer("num_slices", ge=1, le=10_000)
    interval = params.number("slice_interval", gt=0)
    if n is not None and interval is not None:
        raise AlgoError("num_slices: give num_slices or slice_interval, not both")
    span = end - start
    if n is None:
        seconds = interval if interval is not None else default_slice_s
        n = max(1, math.ceil(span / (seconds * NS) - 1e-9))
        if interval is None:
            n = min(n, max(1, order.qty // max(1, order.lot)))
    n = min(n, max(1, span // NS))
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
        self.fills = FillTracker()
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

    def performance(self) -> Decimal | None:
        avg = self.fills.avg_px
        return None if avg is None else avg.quantize(Decimal("0.0001"))

    def extra_stats(self) -> dict[str, Any]:
        return {}

    # -- the tick -------------------------------------------------------------------------------

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.fills.observe(parent, market)
        self.observe(now, market)
        self.qty, self.filled = parent.qty, parent.filled
        b = self.bounds
        n = len(b) - 1
        k = n if now >= b[-1] else max(-1, self._index(now)) if now >= b[0] else -1
        self._advance(k, parent)
        if parent.filled >= parent.qty:
            return self._say(finished=True, note="filled")
        if now < b[0]:
            return self._say(wake_at=b[0], note="waiting for the start")
        if k >= n:
            return self._say(finished=True, note="schedule over")
        if market.stale:
            return self._say(wake_at=min(now + PAUSE_NS, b[k + 1]), note=f"paused: {market.stale}")
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
        side, far = parent.side, market.ask if parent.side > 0 else market.bid
        live = [c for c in parent.children if not c.canceling]
        if catching and far is not None:
            away = [c.child_id for c in live if c.price is not None and (c.price - far) * side < 0]
            if away:
                return self._say(cancel=tuple(away), wake_at=nxt, note="catching up: re-pricing at the far touch")
        left = behind_touch(live, market, side)
        if left:
            return self._say(cancel=left, wake_at=nxt, note="re-pricing what the market left behind")
        if len(live) < len(parent.children):
            return self._say(wake_at=nxt, note="waiting for cancels")
        if parent.filled + parent.working > goal and not catching:
            return self._say(cancel=newest_first(live, parent.filled + parent.working - goal), wake_at=nxt,
                             note="ahead of schedule: shrinking")
        want = goal - parent.filled - parent.working
        limit = self.cap(parent, market)
        if limit is not None:
            want = min(want, limit - parent.filled - parent.working)
        if want <= 0:
            return self._say(wake_at=nxt, note="on schedule")
        strategy = "aggressive" if catching else self.strategy
        price = child_price(strategy, side, market, parent.tick, behind / max(1, parent.qty))
        if price is None:
            return self._say(wake_at=min(b, now + PAUSE_NS), note=f"no price for {strategy}")
        note = "catching up" if catching else f"slice {k + 1} of {len(self.bounds) - 1}"
        return self._say(place=(Place(qty=want, price=price),), wake_at=nxt, note=note)

    def _say(self, **kw: Any) -> Decision:
        return self.fills.decided(Decision(performance=self.performance(), **kw))

    def stats(self) -> dict[str, Any]:
        errs = self.errors_pct
        out: dict[str, Any] = {
            "slices": len(self.bounds) - 1,
            "slice_errors_pct": list(errs),
            "slice_error_pct_max": max((abs(e) for e in errs), default=0.0),
            "filled": self.filled,
            "avg_px": None if self.fills.avg_px is None else str(self.fills.avg_px.quantize(Decimal("0.0001"))),
        }
        out.update(self.extra_stats())
        return out
