"""VWAP (TargetStrategy 847=1): trade in proportion to the market's expected intraday volume.

A FIX client sends e.g. ``847=1`` and ``848=profile=u;duration_minutes=90;participation_rate=0.15``
(or the rate in ParticipationRate 849).

Parameters (848), all optional:

- ``profile``: ``u`` (default), ``flat``, or relative weights over equal
  buckets of the session, e.g. ``3,2,1,1,2,3``. ``u`` is the shape the
  simulated market trades with: a rate proportional to ``1 + 3 (2x - 1)^2``
  with ``x`` the fraction of the continuous session gone, so open and close
  trade four times midday's rate. ``flat`` is even in time over the window.
- ``open_utc`` / ``close_utc``: the continuous session as ``HH:MM`` or
  ``HH:MM:SS`` UTC on the day of the parent's start (defaults 14:30 and 21:00).
  No volume is expected outside it; a window wholly outside it is worked flat.
- ``duration_minutes`` or ``time_horizon`` (minutes, not both): the window's
  length. Default: to ExpireTime (126) if earlier, else to the close (60
  minutes when the parent arrives after the close).
- ``participation_rate`` (or 849): a cap, 0 to 1. What is filled plus working
  never exceeds it times the others' volume since the algo's first tick.
- ``strategy``: aggressive, passive, neutral (default) or adaptive.
- ``interval``: seconds between re-evaluations (default 20).

The schedule is ``target(t) = qty * (C(t) - C(start)) / (C(end) - C(start))``
with C the profile's cumulative volume. Every interval the algo places, at the
strategy's price, what the schedule wants by the interval's end less what is
filled and working. When what is filled trails ``target(now)`` by more than 2%
of the parent (and a lot), or in the last 20% of the final interval, it
re-prices what rests away from the far touch and crosses the spread for the
shortfall.

TargetStrategyPerformance (850): the achieved average price (the parent's
VWAP: its AvgPx to four places; None before a fill). ``stats()`` adds the
market's VWAP over the same time, estimated from the last price times each
tick's volume growth, and the slippage against it in basis points (positive:
worse than the market), both as of the algo's last tick.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from .base import NS, AlgoError, AlgoSpec, Market, Order, Progress
from .params import Params, participation_rate
from .schedule import MAX_SLICES, Slicer, strategy_param
from .working import read_window

__all__ = ["DAY_NS", "Vwap", "build", "u_cumulative"]

DAY_NS = 86_400 * NS
U = 3.0  # the profile's curvature, as the simulated market's
BEHIND_LIMIT = 0.02
DEFAULT_INTERVAL_S = 20.0


def u_cumulative(x: float) -> float:
    """Share of the session's volume traded by fraction ``x`` of it under the U profile."""
    x = min(max(x, 0.0), 1.0)
    return (x + U * ((2.0 * x - 1.0) ** 3 + 1.0) / 6.0) / (1.0 + U / 3.0)


def _weights_cumulative(weights: list[float]) -> Callable[[float], float]:
    total = sum(weights)
    m = len(weights)

    def cum(x: float) -> float:
        x = min(max(x, 0.0), 1.0)
        pos = x * m
        i = min(int(pos), m - 1)
        return (sum(weights[:i]) + weights[i] * (pos - i)) / total
    return cum


def _clock(params: Params, key: str, default: str) -> int:
    raw = params.text(key, default)
    parts = raw.split(":")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (2, 3) or not (0 <= nums[0] <= 24 and 0 <= nums[1] < 60 and all(0 <= n < 60 for n in nums[2:])):
        raise AlgoError(f"{key}: must be HH:MM or HH:MM:SS UTC, not {raw!r}")
    return (nums[0] * 3600 + nums[1] * 60 + (nums[2] if len(nums) == 3 else 0)) * NS


def _profile(params: Params) -> tuple[str, Callable[[float], float]]:
    raw = params.text("profile", "u").strip().lower()
    if raw in ("u", ""):
        return "u", u_cumulative
    if raw == "flat":
        return "flat", lambda x: min(max(x, 0.0), 1.0)
    try:
        weights = [float(w) for w in raw.split(",")]
    except ValueError:
        raise AlgoError(f"profile: must be u, flat or comma-separated weights, not {raw!r}") from None
    if not weights or any(not w >= 0 for w in weights) or sum(weights) <= 0:
        raise AlgoError(f"profile: weights must be >= 0 with a positive sum, not {raw!r}")
    return "weights", _weights_cumulative(weights)


class Vwap(Slicer):
    name = "VWAP"

    def __init__(self, order: Order, bounds: list[int], fracs: list[float], strategy: str, *,
                 rate: float | None, profile: str) -> None:
        super().__init__(order, bounds, fracs, strategy, catch_every=False, behind_limit=BEHIND_LIMIT)
        self.rate = rate
        self.profile = profile
        self.vol0: int | None = None
        self.vol_last = 0
        self.mkt_volume = 0
        self.mkt_notional = Decimal(0)

    def observe(self, now: int, market: Market) -> None:
        if market.stale or now < self.bounds[0]:
            return
        if self.vol0 is None:
            self.vol0 = self.vol_last = market.volume
            return
        grew = market.volume - self.vol_last
        px = market.last or market.mid
        if grew > 0 and px is not None and now <= self.bounds[-1]:
            self.mkt_volume += grew
            self.mkt_notional += px * grew
        self.vol_last = max(self.vol_last, market.volume)

    def cap(self, parent: Progress, market: Market) -> int | None:
        if self.rate is None:
            return None
        others = 0 if self.vol0 is None else market.volume - self.vol0
        return int(self.rate * others)

    @property
    def market_vwap(self) -> Decimal | None:
        return self.mkt_notional / self.mkt_volume if self.mkt_volume else None

    def extra_stats(self) -> dict[str, Any]:
        mv, avg = self.market_vwap, self.avg_px
        slip = None
        if mv is not None and avg is not None and mv:
            slip = round(float((avg - mv) / mv) * 1e4 * self.order.side, 3)
        return {"profile": self.profile, "participation_cap": self.rate,
                "market_vwap": None if mv is None else str(mv.quantize(Decimal("0.0001"))),
                "market_volume": self.mkt_volume, "slippage_bps": slip}


def build(spec: AlgoSpec, order: Order, params: Params) -> Vwap:
    profile, cum = _profile(params)
    open_at = _clock(params, "open_utc", "14:30")
    close_at = _clock(params, "close_utc", "21:00")
    if close_at <= open_at:
        raise AlgoError("close_utc: must be after open_utc")
    horizon = params.number("time_horizon", gt=0)
    if horizon is not None and "duration_minutes" in params:
        raise AlgoError("time_horizon: give time_horizon or duration_minutes, not both")
    window = read_window(spec, order, params)
    start, end = window.start, window.end
    day = start - start % DAY_NS
    s_open, s_close = day + open_at, day + close_at
    if horizon is not None:
        h_end = start + int(horizon * 60 * NS)
        end = h_end if end is None else min(end, h_end)
    if end is None:
        end = s_close if start < s_close else start + 60 * 60 * NS
    interval = params.number("interval", DEFAULT_INTERVAL_S, gt=0) or DEFAULT_INTERVAL_S
    rate = participation_rate(spec, params, 1.0)
    span = end - start
    n = max(1, min(-(-span // int(interval * NS)), span // NS or 1, MAX_SLICES))
    bounds = [start + span * i // n for i in range(n + 1)]

    def c(t: int) -> float:
        if profile == "flat":
            return (t - start) / span
        return cum((t - s_open) / (s_close - s_open))
    c0, c1 = c(start), c(end)
    if c1 - c0 <= 1e-12:  # nothing expected to trade in the window: even in time instead
        fracs = [i / n for i in range(n + 1)]
    else:
        fracs = [(c(t) - c0) / (c1 - c0) for t in bounds]
    return Vwap(order, bounds, fracs, strategy_param(params), rate=rate, profile=profile)

