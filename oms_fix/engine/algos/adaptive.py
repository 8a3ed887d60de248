"""Adaptive (TargetStrategy 847=1005): a schedule and a price that follow the market's conditions.

The target is a blend of three schedule shapes over the window, each a
fraction of the parent by now:

- ``twap``: a straight line (done at 95% of the window, see pacing.py);
- ``is``: front-loaded like implementation shortfall, ``(1 - e^(-3s)) / (1 - e^(-3))``
  of the straight line's ``s``;
- ``pov``: following the market's volume since the start at the participation
  rate (ours / (ours + others) = rate), but never below ``s^3``, so that it
  still completes when the market is quiet.

The weights of ``algorithm_weights`` are the starting blend; each tick shifts
them: high short-term volatility of the mid (EW over 60 s, full effect at
2 bps per root second) and urgency favour ``is`` (less time exposed), a wide
spread (full effect at 5 ticks) favours ``pov`` (trade with the flow, not
across the spread). The heaviest shape is reported as the one leading.

The price follows an aggression signal in 0..1: 0.5 on schedule, 1 when
behind the target by 5% of the parent or more, 0 when as far ahead; high
volatility adds up to 0.15, a wide spread takes off up to 0.2, urgency low
-0.15, high +0.15. It is smoothed, ``a += adaptation_speed * (signal - a)``,
and chooses the mode: passive at or below 0.35, aggressive at or above 0.65,
neutral (the mid) between. In the last 5% of the window, whatever is left
goes at the far touch.

With a participation cap (``participation_rate``, or ParticipationRate 849),
the target never asks for more than the cap's share of the volume since the
start: the order may then not complete.

Parameters (848), e.g.
``algorithm_weights=twap:0.5,pov:0.3,is:0.2;adaptation_speed=0.3;urgency=high;duration_minutes=60``:
``algorithm_weights`` (default twap:0.5,is:0.25,pov:0.25), ``adaptation_speed``
(0 < x <= 1, default 0.3), ``urgency`` (low | medium | high, default medium),
``participation_rate`` (0 < x <= 0.5, or ParticipationRate 849, the two
agreeing when both are given; without either no cap, and 10% for the ``pov``
shape), ``duration_minutes`` (default 60 without ExpireTime 126),
``interval_seconds`` (default 5), ``reprice_seconds`` (default 5).

Benchmark: the arrival price, the first mid the algo sees fit to trade on, as
Implementation Shortfall's. TargetStrategyPerformance (850): the shortfall of
what is filled so far against it in basis points, side-signed (positive is a
cost: a buy above arrival), from the parent's AvgPx; None before a fill or
before the arrival mid is known.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from .base import NS, AlgoError, AlgoSpec, Market, Order, Progress
from .pacing import PacedAlgo, Pacing, Plan, read_pacing
from .params import Params, participation_rate
from .performance import fill_price, shortfall_bps
from .signals import EwVol

__all__ = ["SHAPES", "Adaptive", "build", "front_loaded", "parse_weights"]

SHAPES = ("twap", "is", "pov")
_DEFAULT_WEIGHTS = "twap:0.5,is:0.25,pov:0.25"
_IS_K = 3.0
_POV_RATE = 0.1
_BEHIND_FULL = 0.05
_HIGH_VOL_BPS = 2.0
_WIDE_SPREAD_TICKS = 5.0
_VOL_TAU_NS = 60 * NS
_URGENCY_BIAS = {"low": -0.15, "medium": 0.0, "high": 0.15}
_URGENCY_IS = {"low": 0.5, "medium": 1.0, "high": 2.0}


def front_loaded(s: float, k: float = _IS_K) -> float:
    """A curve from 0 to 1 over ``s`` in 0..1 that does most of its work early."""
    return (1.0 - math.exp(-k * s)) / (1.0 - math.exp(-k))


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return min(hi, max(lo, x))


def parse_weights(raw: str) -> dict[str, float]:
    """``"twap:0.5,pov:0.3,is:0.2"`` as weights that sum to 1."""
    weights = {name: 0.0 for name in SHAPES}
    seen: set[str] = set()
    for part in raw.split(","):
        name, colon, value = part.strip().partition(":")
        name = name.strip().lower()
        if not colon or name not in SHAPES:
            raise AlgoError(f"algorithm_weights: {part.strip()!r} is not shape:weight with shape one of "
                            f"{', '.join(SHAPES)}")
        if name in seen:
            raise AlgoError(f"algorithm_weights: {name} is given twice")
        seen.add(name)
        try:
            w = float(value)
        except ValueError:
            raise AlgoError(f"algorithm_weights: {name} must have a number, not {value.strip()!r}") from None
        if not math.isfinite(w) or w < 0:
            raise AlgoError(f"algorithm_weights: {name} must be >= 0, not {value.strip()}")
        weights[name] = w
    total = sum(weights.values())
    if total <= 0:
        raise AlgoError("algorithm_weights: at least one weight must be > 0")
    return {name: w / total for name, w in weights.items()}


class Adaptive(PacedAlgo):
    name = "Adaptive"

    def __init__(self, order: Order, pacing: Pacing, *, weights: dict[str, float], speed: float, urgency: str,
                 cap: float | None) -> None:
        super().__init__(order, pacing)
        self.base_weights = weights
        self.speed = speed
        self.urgency = urgency
        self.cap = cap
        self._rate = cap if cap is not None else _POV_RATE
        self._weights = dict(weights)
        self._vol = EwVol(_VOL_TAU_NS)
        self._spread_ticks = 0.0
        self._aggression = 0.5
        self._volume0: int | None = None
        self._others = 0
        self.arrival: Decimal | None = None

    def _observe(self, now: int, market: Market) -> None:
        if self.arrival is None:
            self.arrival = market.mid
        if self._volume0 is None:
            self._volume0 = market.volume
        self._others = max(0, market.volume - self._volume0)
        mid = market.mid
        if mid is not None:
            self._vol.update(now, float(mid))

    def _volume_share(self) -> float:
        """What the participation rate allows by now, as a fraction of the parent."""
        if not self.qty:
            return 1.0
        return self._others * self._rate / (1.0 - self._rate) / self.qty

    def curve(self, now: int) -> float:
        s = self.scheduled(now)
        shapes = {"twap": s, "is": front_loaded(s), "pov": max(min(1.0, self._volume_share()), s ** 3)}
        frac = sum(w * shapes[name] for name, w in self._weights.items())
        if self.cap is not None:
            frac = min(frac, self._volume_share())
        return frac

    def _reweigh(self, vol_score: float, spread_score: float) -> None:
        w = dict(self.base_weights)
        w["is"] *= (1.0 + vol_score) * _URGENCY_IS[self.urgency]
        w["pov"] *= 1.0 + spread_score
        total = sum(w.values())
        self._weights = {name: x / total for name, x in w.items()}

    def _decide(self, now: int, parent: Progress, market: Market) -> Plan:
        spread = market.spread
        self._spread_ticks = float(spread / parent.tick) if spread is not None else 0.0
        spread_score = _clamp((self._spread_ticks - 1.0) / (_WIDE_SPREAD_TICKS - 1.0))
        vol_score = _clamp(self._vol.value / _HIGH_VOL_BPS)
        self._reweigh(vol_score, spread_score)
        target = self.shares(self.curve(now))
        behind = self.behind(parent, target)
        signal = (0.5 + 0.5 * _clamp(behind / _BEHIND_FULL, -1.0, 1.0) + 0.15 * vol_score - 0.2 * spread_score
                  + _URGENCY_BIAS[self.urgency])
        self._aggression += self.speed * (_clamp(signal) - self._aggression)
        a = self._aggression
        mode = "aggressive" if a >= 0.65 else "passive" if a <= 0.35 else "neutral"
        if self.scheduled(now) >= 1.0:
            mode = self.catch_up(now, parent, target, mode)  # the tail of the window: what is left crosses
        lead = max(self._weights, key=lambda name: self._weights[name])
        return Plan(target, mode, f"{mode} ({lead}-led), target {target}, aggression {a:.2f}")

    def target(self, now: int) -> int | None:
        return self.shares(self.curve(now))

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        return shortfall_bps(fill_price(parent), self.arrival, self.side)

    def _extra_stats(self) -> dict[str, Any]:
        return {"weights": {k: round(v, 4) for k, v in self._weights.items()},
                "aggression": round(self._aggression, 4), "volatility_bps": round(self._vol.value, 4),
                "spread_ticks": self._spread_ticks, "urgency": self.urgency, "cap": self.cap}


def build(spec: AlgoSpec, order: Order, params: Params) -> Adaptive:
    weights = parse_weights(params.text("algorithm_weights", _DEFAULT_WEIGHTS))
    speed = params.number("adaptation_speed", 0.3, gt=0, le=1)
    urgency = params.choice("urgency", ("low", "medium", "high"), "medium")
    cap = participation_rate(spec, params, 0.5)
    pacing = read_pacing(spec, order, params, default_minutes=60.0)
    assert speed is not None
    return Adaptive(order, pacing, weights=weights, speed=speed, urgency=urgency, cap=cap)
