"""TWAP (TargetStrategy 847=1000): equal slices of the parent over a time window.

A FIX client sends e.g. ``847=1000`` and ``848=duration_minutes=60;num_slices=12;strategy=passive``.

Parameters (848), all optional:

- ``duration_minutes``: the window's length. Default: until ExpireTime (126)
  when the parent has one, else 60. With both, the earlier end wins.
- ``num_slices`` or ``slice_interval`` (seconds), not both. Default: slices of
  60 s, but never more slices than the parent has lots (a slice is at least a
  lot).
- ``randomize``: 0 to 0.5 (default 0). Each inner slice boundary moves by up to
  ``randomize / 2`` of an interval and each slice's size by up to
  ``randomize`` of its share, drawn from ``rng_for(order_id, "twap")``, so a
  re-run slices the same way while the street sees no regular beat.
- ``strategy``: aggressive, passive, neutral (default) or adaptive (pricing.py).

The window starts at the later of the parent's arrival and EffectiveTime (168).
At each slice's start the algo places what the schedule wants by the slice's
end (cumulative, in whole lots) less what is filled and working. At 80% of the
slice (``CATCH_UP_AT``), if the slice is not filled, it cancels what rests
away from the far touch and, once those cancels are done, sends the remainder
at the far touch, so that what is filled tracks the schedule. A child the
market left behind (a buy below the bid) is canceled at the next tick and its
quantity placed again at the current price. The last slice takes everything
left. At the window's end the algo is finished.

TargetStrategyPerformance (850): the average fill price so far (the parent's
AvgPx to four places; None before a fill). ``stats()`` gives ``slice_errors_pct``: at each
slice boundary, before the next slice is placed, (filled - scheduled through
the finished slices) / qty * 100, and ``slice_error_pct_max``, their largest
absolute value.

The slicing itself is schedule.py's ``Slicer``, shared with VWAP and
Implementation Shortfall.
"""

from __future__ import annotations

from .base import AlgoSpec, Order, rng_for
from .params import Params
from .schedule import Slicer, slice_bounds, strategy_param
from .working import read_window

__all__ = ["Twap", "build"]


class Twap(Slicer):
    name = "TWAP"


def build(spec: AlgoSpec, order: Order, params: Params) -> Twap:
    window = read_window(spec, order, params, default_minutes=60.0)
    start, end = window.start, window.end
    assert end is not None
    bounds = slice_bounds(params, order, start, end, rng_salt="twap")
    n = len(bounds) - 1
    weights = [1.0] * n
    jitter = params.number("randomize", 0.0, ge=0, le=0.5) or 0.0
    if jitter:
        rng = rng_for(order.order_id, "twap-size")
        weights = [1.0 + rng.uniform(-jitter, jitter) for _ in range(n)]
    total = sum(weights)
    fracs = [0.0]
    for w in weights:
        fracs.append(fracs[-1] + w / total)
    return Twap(order, bounds, fracs, strategy_param(params))
