"""Implementation Shortfall (TargetStrategy 847=3): an Almgren-Chriss trajectory, faster the more urgent.

A FIX client sends e.g. ``847=3`` and ``848=urgency=high;duration_minutes=30;strategy=neutral``.

Almgren and Chriss (2000): with risk aversion lambda, volatility sigma and
temporary impact eta, the holdings still to trade at time t of a horizon T are
``x(t) = X sinh(kappa (T - t)) / sinh(kappa T)``, ``kappa = sqrt(lambda sigma^2 / eta)``.
A larger ``kappa T`` trades more early: less exposure to the price moving
away, more impact. As ``kappa T`` goes to 0 the curve is TWAP's straight line.

Only ``kappa T`` shapes the curve, so the parameters set it directly:
``kappa T = 6 * urgency * (volatility / 0.25) * sqrt(market_impact_tolerance * opportunity_cost_weight)``.
That is the formula above with lambda chosen so that, at the reference
volatility of 25% and unit weights, urgency u gives ``kappa T = 6u`` whatever
the horizon: urgency says how front-loaded the order is, not how fast in
absolute time. Higher volatility or opportunity cost weight raise lambda
sigma^2; more tolerance of market impact lowers eta. ``kappa T`` is capped at 30.

Parameters (848), all optional:

- ``urgency``: low (0.2), medium (0.5, default), high (0.8), or a number 0..1.
  At medium 79% is scheduled by half the horizon, at high 91%, at low 58%.
- ``volatility``: annual, e.g. 0.25 (default).
- ``market_impact_tolerance``: > 0, default 1.
- ``opportunity_cost_weight``: >= 0, default 1 (0 makes it TWAP).
- ``duration_minutes``: the horizon T (default 60; ExpireTime 126 if earlier).
- ``num_slices`` or ``slice_interval`` (seconds): as TWAP's (default 60 s slices).
- ``strategy``: aggressive, passive, neutral (default) or adaptive.

The slices are worked as TWAP's (twap.py): each slice's scheduled quantity at
its start, the remainder across the spread at 80% of the slice.

Benchmark: the arrival price, the first mid the algo sees fit to trade on.
TargetStrategyPerformance (850): the shortfall of what is filled so far in
basis points, side-signed (positive is a cost: a buy above arrival), from the
parent's AvgPx; None before a fill or before the arrival mid is known.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from .base import AlgoError, AlgoSpec, Market, Order, Progress
from .params import Params
from .performance import fill_price, shortfall_bps
from .schedule import Slicer, slice_bounds, strategy_param
from .working import read_window

__all__ = ["URGENCY", "ImplementationShortfall", "build", "remaining_fraction"]

URGENCY = {"low": 0.2, "medium": 0.5, "high": 0.8}
REF_VOL = 0.25
KAPPA_T_PER_URGENCY = 6.0
MAX_KAPPA_T = 30.0


def remaining_fraction(kappa_t: float, s: float) -> float:
    """x(t)/X at ``s = t/T`` in [0, 1]: ``sinh(kT (1 - s)) / sinh(kT)``, linear as kT goes to 0."""
    s = min(max(s, 0.0), 1.0)
    if kappa_t < 1e-6:
        return 1.0 - s
    a, b = kappa_t * (1.0 - s), kappa_t
    # sinh(a)/sinh(b) written to stay finite for large kT: e^(a-b) (1 - e^-2a) / (1 - e^-2b)
    return math.exp(a - b) * (-math.expm1(-2.0 * a)) / (-math.expm1(-2.0 * b))


def _urgency(params: Params) -> float:
    raw = params.text("urgency", "medium").strip().lower()
    if raw in URGENCY:
        return URGENCY[raw]
    try:
        u = float(raw)
    except ValueError:
        raise AlgoError(f"urgency: must be low, medium, high or a number 0..1, not {raw!r}") from None
    if not 0.0 <= u <= 1.0:
        raise AlgoError(f"urgency: must be between 0 and 1, not {raw}")
    return u


class ImplementationShortfall(Slicer):
    name = "IS"

    def __init__(self, order: Order, bounds: list[int], fracs: list[float], strategy: str, *,
                 kappa_t: float, urgency: float) -> None:
        super().__init__(order, bounds, fracs, strategy)
        self.kappa_t = kappa_t
        self.urgency = urgency
        self.arrival: Decimal | None = None

    def observe(self, now: int, market: Market) -> None:
        if self.arrival is None and not market.stale and market.mid is not None:
            self.arrival = market.mid

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        return shortfall_bps(fill_price(parent), self.arrival, parent.side)

    def extra_stats(self) -> dict[str, Any]:
        sf = shortfall_bps(self.avg_px, self.arrival, self.order.side)
        return {"arrival_mid": None if self.arrival is None else str(self.arrival),
                "shortfall_bps": None if sf is None else float(sf),
                "kappa_t": round(self.kappa_t, 4), "urgency": self.urgency}


def build(spec: AlgoSpec, order: Order, params: Params) -> ImplementationShortfall:
    urgency = _urgency(params)
    vol = params.number("volatility", REF_VOL, gt=0, le=10) or REF_VOL
    tolerance = params.number("market_impact_tolerance", 1.0, gt=0, le=100) or 1.0
    weight = params.number("opportunity_cost_weight", 1.0, ge=0, le=100)
    weight = 1.0 if weight is None else weight
    kappa_t = min(MAX_KAPPA_T, KAPPA_T_PER_URGENCY * urgency * (vol / REF_VOL) * math.sqrt(tolerance * weight))
    window = read_window(spec, order, params, default_minutes=60.0)
    start, end = window.start, window.end
    assert end is not None
    bounds = slice_bounds(params, order, start, end)
    span = end - start
    fracs = [1.0 - remaining_fraction(kappa_t, (t - start) / span) for t in bounds]
    return ImplementationShortfall(order, bounds, fracs, strategy_param(params), kappa_t=kappa_t, urgency=urgency)
