"""Mean reversion (TargetStrategy 847=1007): buy the dips, sell the rallies, on a schedule that still ends.

The average is a time-weighted average of the mid with time constant
``window_s``; it starts at the first mid seen. The deviation is the mid's
distance from the average before the new mid is taken in, in bps, signed so
that negative is good for the order (below the average for a buy, above it
for a sell).

- Deviation at or beyond ``-threshold_bps``: an opportunity. The target jumps
  ``max_lead`` of the parent ahead of the straight-line schedule and is taken at
  the far touch.
- Otherwise the straight line (done at 95% of the window, see pacing.py) is
  the floor, worked at the near touch; fills trailing it by more than 2% of
  the parent, or at all in the last 5% of the window, are caught up at the
  far touch, so the order completes by the end even if the price never comes
  back.

Parameters (848), e.g. ``duration_minutes=30;window_s=300;threshold_bps=10;max_lead=0.25``:
``duration_minutes`` (default 30 without ExpireTime 126), ``window_s`` (default
300), ``threshold_bps`` (default 10), ``max_lead`` (0..1, default 0.25),
``interval_seconds`` (default 5), ``reprice_seconds`` (default 5).

TargetStrategyPerformance (850): the average fill price so far, the parent's
AvgPx to four places (pacing.py; None before a fill): what the dips bought (or
the rallies sold) came to.
"""

from __future__ import annotations

from typing import Any

from .base import NS, AlgoSpec, Market, Order, Progress
from .pacing import PacedAlgo, Pacing, Plan, read_pacing
from .params import Params
from .signals import TimeEma, bps

__all__ = ["MeanReversion", "build"]


class MeanReversion(PacedAlgo):
    name = "MeanReversion"

    def __init__(self, order: Order, pacing: Pacing, *, window_s: float, threshold_bps: float,
                 max_lead: float) -> None:
        super().__init__(order, pacing)
        self.threshold_bps = threshold_bps
        self.max_lead = max_lead
        self._average = TimeEma(int(window_s * NS))
        self._deviation = 0.0
        self._opportunities = 0

    def _observe(self, now: int, market: Market) -> None:
        mid = market.mid
        if mid is None:
            return
        before = self._average.value
        x = float(mid)
        self._deviation = 0.0 if before is None else self.side * bps(x, before)
        self._average.update(now, x)

    def dip(self) -> bool:
        return self._deviation <= -self.threshold_bps

    def _decide(self, now: int, parent: Progress, market: Market) -> Plan:
        base = self.scheduled(now)
        if self.dip():
            self._opportunities += 1
            target = self.shares(min(1.0, base + self.max_lead))
            return Plan(target, "aggressive", f"opportunity: {self._deviation:+.2f} bps from the average, "
                                              f"target {target}")
        target = self.shares(base)
        mode = self.catch_up(now, parent, target, "passive")
        return Plan(target, mode, f"{mode}, {self._deviation:+.2f} bps from the average, target {target}")

    def target(self, now: int) -> int | None:
        return self.shares(self.scheduled(now))

    def _extra_stats(self) -> dict[str, Any]:
        avg = self._average.value
        return {"deviation_bps": round(self._deviation, 4), "average": None if avg is None else round(avg, 6),
                "opportunities": self._opportunities}


def build(spec: AlgoSpec, order: Order, params: Params) -> MeanReversion:
    window_s = params.number("window_s", 300.0, gt=0)
    threshold = params.number("threshold_bps", 10.0, gt=0)
    max_lead = params.number("max_lead", 0.25, ge=0, le=1)
    pacing = read_pacing(spec, order, params, default_minutes=30.0)
    assert window_s is not None and threshold is not None and max_lead is not None
    return MeanReversion(order, pacing, window_s=window_s, threshold_bps=threshold, max_lead=max_lead)
