"""Momentum (TargetStrategy 847=1006): hurry when the price runs away, wait when it comes to the order.

The base schedule is a straight line over the window (done at 95% of it, see
pacing.py). The trend is the gap between a fast and a slow time-weighted
average of the mid (time constants ``fast_s`` and ``slow_s``), in bps, signed
so that positive is against the order (rising for a buy, falling for a sell).
Both averages start at the first mid seen, so the trend starts at 0.

- Adverse trend of at least ``threshold_bps``: the target runs ahead of the line by up
  to ``max_lead`` of the parent (all of it at twice the threshold), at the far
  touch: larger, aggressive slices before the price gets worse.
- Favourable trend of at least ``threshold_bps``: the target lags the line by up to
  ``max_lag`` of the parent, shrinking to nothing at the end, at the near touch.
- Otherwise the line, at the mid.

Whatever the trend, fills trailing the target by more than 2% of the parent,
or at all in the last 5% of the window, are caught up at the far touch, so
the order completes by the end.

Parameters (848), e.g. ``duration_minutes=30;fast_s=30;slow_s=120;threshold_bps=2``:
``duration_minutes`` (default 30 without ExpireTime 126), ``fast_s`` (default 30),
``slow_s`` (default 120, more than ``fast_s``), ``threshold_bps`` (default 2),
``max_lead`` (0..1, default 0.2), ``max_lag`` (0..1, default 0.1),
``interval_seconds`` (default 5), ``reprice_seconds`` (default 5).

TargetStrategyPerformance (850): the average fill price so far, the parent's
AvgPx to four places (pacing.py; None before a fill): against a trend, the
earlier the algo ran ahead, the better.
"""

from __future__ import annotations

from typing import Any

from .base import NS, AlgoError, AlgoSpec, Market, Order, Progress
from .pacing import PacedAlgo, Pacing, Plan, read_pacing
from .params import Params
from .signals import TimeEma, bps

__all__ = ["Momentum", "build"]


class Momentum(PacedAlgo):
    name = "Momentum"

    def __init__(self, order: Order, pacing: Pacing, *, fast_s: float, slow_s: float, threshold_bps: float,
                 max_lead: float, max_lag: float) -> None:
        super().__init__(order, pacing)
        self.threshold_bps = threshold_bps
        self.max_lead = max_lead
        self.max_lag = max_lag
        self._fast = TimeEma(int(fast_s * NS))
        self._slow = TimeEma(int(slow_s * NS))
        self._trend = 0.0
        self._adverse_ticks = 0

    def _observe(self, now: int, market: Market) -> None:
        mid = market.mid
        if mid is None:
            return
        fast = self._fast.update(now, float(mid))
        slow = self._slow.update(now, float(mid))
        self._trend = self.side * bps(fast, slow)

    def strength(self) -> float:
        """The trend in -1..1 (1: adverse at twice the threshold); 0 below the threshold."""
        if abs(self._trend) < self.threshold_bps:
            return 0.0
        return max(-1.0, min(1.0, self._trend / (2.0 * self.threshold_bps)))

    def _frac(self, now: int) -> float:
        base = self.scheduled(now)
        s = self.strength()
        if s > 0:
            return min(1.0, base + self.max_lead * s)
        return max(0.0, base + self.max_lag * s * (1.0 - base))

    def _decide(self, now: int, parent: Progress, market: Market) -> Plan:
        s = self.strength()
        target = self.shares(self._frac(now))
        mode = "aggressive" if s > 0 else "passive" if s < 0 else "neutral"
        if s > 0:
            self._adverse_ticks += 1
        mode = self.catch_up(now, parent, target, mode)
        return Plan(target, mode, f"{mode}, trend {self._trend:+.2f} bps, target {target}")

    def target(self, now: int) -> int | None:
        return self.shares(self._frac(now))

    def _extra_stats(self) -> dict[str, Any]:
        return {"trend_bps": round(self._trend, 4), "adverse_ticks": self._adverse_ticks}


def build(spec: AlgoSpec, order: Order, params: Params) -> Momentum:
    fast_s = params.number("fast_s", 30.0, gt=0)
    slow_s = params.number("slow_s", 120.0, gt=0)
    threshold = params.number("threshold_bps", 2.0, gt=0)
    max_lead = params.number("max_lead", 0.2, ge=0, le=1)
    max_lag = params.number("max_lag", 0.1, ge=0, le=1)
    pacing = read_pacing(spec, order, params, default_minutes=30.0)
    assert fast_s is not None and slow_s is not None and threshold is not None
    assert max_lead is not None and max_lag is not None
    if slow_s <= fast_s:
        raise AlgoError(f"slow_s: must be > fast_s ({fast_s:g}), not {slow_s:g}")
    return Momentum(order, pacing, fast_s=fast_s, slow_s=slow_s, threshold_bps=threshold, max_lead=max_lead,
                    max_lag=max_lag)
