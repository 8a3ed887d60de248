"""Working a parent to a moving target: the loop shared by adaptive, momentum and mean reversion.

Each tick the algo (a subclass) looks at the market and says how much it wants
filled by now and how hard to try (``Plan``: target and mode). The loop here
then keeps ``filled + working`` up to the target with one child per top-up at
the mode's price (aggressive: the far touch; passive: the near touch; neutral:
the mid), within the parent's limit. A child whose price is no longer the
mode's price is canceled once it has rested ``reprice_ns``; nothing new goes
out while a cancel is on its way, so a re-price never doubles what works.

Schedules finish early: ``scheduled(now)`` reaches 1 at ``DONE_AT`` of the
window, leaving the rest of it for catching up, since at the end the algo
stops and the unfilled rest expires.

TargetStrategyPerformance (850): the average fill price so far, the parent's
AvgPx to four places (None before a fill), unless the algo says otherwise
(``performance()``: adaptive reports its shortfall against the arrival mid).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .base import NS, AlgoSpec, Decision, Market, Order, Place, Progress
from .params import Params
from .performance import fill_price, price4
from .pricing import ADAPTIVE_BEHIND
from .working import Window, gate, lot_qty, read_window, strategy_price

__all__ = ["DONE_AT", "MODES", "PacedAlgo", "Plan", "read_pacing"]

DONE_AT = 0.95
MODES = ("passive", "neutral", "aggressive")


@dataclass(frozen=True, slots=True)
class Plan:
    target: int  # cumulative shares wanted filled by now
    mode: str  # one of MODES
    note: str = ""


@dataclass(frozen=True, slots=True)
class Pacing:
    window: Window
    interval_ns: int
    reprice_ns: int


def read_pacing(spec: AlgoSpec, order: Order, params: Params, default_minutes: float) -> Pacing:
    """``duration_minutes`` (default as given), ``interval_seconds`` (default 5) and ``reprice_seconds``
    (default 5), the parameters every paced algo takes."""
    window = read_window(spec, order, params, default_minutes=default_minutes)
    interval = params.number("interval_seconds", 5.0, gt=0)
    reprice = params.number("reprice_seconds", 5.0, ge=0)
    assert interval is not None and reprice is not None
    return Pacing(window, int(interval * NS), int(reprice * NS))


class PacedAlgo:
    name = ""

    def __init__(self, order: Order, pacing: Pacing) -> None:
        self.order_id = order.order_id
        self.side = order.side
        self.window = pacing.window
        self.interval_ns = pacing.interval_ns
        self.reprice_ns = pacing.reprice_ns
        self.qty = order.qty
        self._plan = Plan(0, "neutral")
        self._modes: Counter[str] = Counter()
        self._children = 0
        self._reprices = 0
        self._max_behind = 0.0

    # -- what a subclass says ----------------------------------------------------------------

    def _observe(self, now: int, market: Market) -> None:
        """Takes in a market fit to trade on (never a stale one)."""

    def _decide(self, now: int, parent: Progress, market: Market) -> Plan:
        raise NotImplementedError

    def _extra_stats(self) -> dict[str, Any]:
        return {}

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        """TargetStrategyPerformance (850) (the module docstring says which figure)."""
        return price4(fill_price(parent))

    # -- shared sums -------------------------------------------------------------------------

    def scheduled(self, now: int) -> float:
        """The straight-line schedule as a fraction of the parent, complete at ``DONE_AT`` of the window."""
        return min(1.0, self.window.frac(now) / DONE_AT)

    def shares(self, frac: float) -> int:
        return max(0, min(self.qty, round(frac * self.qty)))

    def behind(self, parent: Progress, target: int) -> float:
        """How far fills trail ``target``, as a fraction of the parent (negative: ahead)."""
        return (target - parent.filled) / parent.qty if parent.qty else 0.0

    def catch_up(self, now: int, parent: Progress, target: int, mode: str) -> str:
        """``mode``, unless fills trail the target by more than ``ADAPTIVE_BEHIND``, or at all once the
        schedule is due in full: then aggressive."""
        behind = self.behind(parent, target)
        if behind > ADAPTIVE_BEHIND or (behind > 0 and self.scheduled(now) >= 1.0):
            return "aggressive"
        return mode

    # -- the contract ------------------------------------------------------------------------

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.qty = parent.qty
        stop = gate(now, parent, market, self.window)
        if stop is not None:
            return stop
        self._observe(now, market)
        plan = self._decide(now, parent, market)
        self._plan = plan
        self._modes[plan.mode] += 1
        self._max_behind = max(self._max_behind, self.behind(parent, plan.target))
        cancel, place = self._pace(now, parent, market, plan)
        return Decision(place=place, cancel=cancel, wake_at=self.window.next_wake(now, self.interval_ns),
                        note=plan.note or f"{plan.mode}, target {plan.target}")

    def _pace(self, now: int, parent: Progress, market: Market,
              plan: Plan) -> tuple[tuple[str, ...], tuple[Place, ...]]:
        price = strategy_price(plan.mode, parent, market)
        if price is None:
            return (), ()
        stale = tuple(c.child_id for c in parent.children
                      if not c.canceling and c.price != price and now - c.placed >= self.reprice_ns)
        if stale:
            self._reprices += len(stale)
            return stale, ()
        if any(c.canceling for c in parent.children):
            return (), ()
        qty = lot_qty(plan.target - parent.filled - parent.working, parent)
        if qty <= 0:
            return (), ()
        self._children += 1
        return (), (Place(qty=qty, price=price),)

    def target(self, now: int) -> int | None:
        return max(0, min(self.qty, self._plan.target))

    def stats(self) -> dict[str, Any]:
        return {"target": self._plan.target, "mode": self._plan.mode, "ticks_by_mode": dict(self._modes),
                "children": self._children, "reprices": self._reprices, "max_behind": round(self._max_behind, 6),
                **self._extra_stats()}
