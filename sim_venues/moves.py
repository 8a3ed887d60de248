"""A scenario's moves of one symbol's fair value: trends and jumps on top of the background market's random walk.

``flow.FlowSource.move`` collects them; each one-second step of the walk
multiplies fair value by ``Moves.factor`` for the second it covers. A trend
of ``bps`` over ``over_ns`` adds the same share of its log-factor every
nanosecond of [at, at + over), so it compounds to exactly (1 + bps/10000);
a jump's whole factor lands at the first step at or after its time. Steps
only happen while the session is open, so the part of a trend that falls
while it is closed is never applied. Pure arithmetic: nothing random.
"""

from __future__ import annotations

import math

__all__ = ["Moves"]


class Moves:
    __slots__ = ("_trends", "_jumps")

    def __init__(self) -> None:
        self._trends: list[tuple[int, int, float]] = []  # (from, to, log of the factor per ns)
        self._jumps: list[tuple[int, float]] = []  # (at, log of the factor), soonest first

    def __bool__(self) -> bool:
        """Whether any move is still to come."""
        return bool(self._trends or self._jumps)

    def add(self, at_ns: int, bps: float, over_ns: int = 0) -> None:
        """``bps`` in total, evenly over [at_ns, at_ns + over_ns), or at once at ``at_ns`` when ``over_ns`` is 0."""
        if not (math.isfinite(bps) and bps > -10_000):
            raise ValueError(f"a move of {bps} bps would not leave a positive fair value")
        if over_ns < 0:
            raise ValueError(f"over_ns {over_ns} must not be negative")
        log = math.log1p(bps / 10_000)
        if over_ns:
            self._trends.append((at_ns, at_ns + over_ns, log / over_ns))
        else:
            self._jumps.append((at_ns, log))
            self._jumps.sort(key=lambda j: j[0])  # stable: jumps at one instant apply in the order given

    def factor(self, lo_ns: int, hi_ns: int) -> float:
        """The factor on fair value for the walk's step over (lo_ns, hi_ns]; the moves it used up are dropped."""
        log = 0.0
        for start, end, rate in self._trends:
            overlap = min(hi_ns, end) - max(lo_ns, start)
            if overlap > 0:
                log += rate * overlap
        self._trends = [tr for tr in self._trends if tr[1] > hi_ns]
        jumps = self._jumps
        while jumps and jumps[0][0] <= hi_ns:
            log += jumps.pop(0)[1]
        return math.exp(log)
