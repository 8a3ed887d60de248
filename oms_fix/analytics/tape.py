"""The market tape and the mid path of one symbol, indexed for interval queries.

A simulated day prints 100k+ trades per symbol, and the TCA asks for the
volume and VWAP of many intervals (each order's life, each venue's share), so
``Tape`` keeps prefix sums of quantity and notional over the prints in time
order: an interval is two bisections and two subtractions, O(log n).

Intervals are closed, ``[t0, t1]``: a print at the instant an order arrives
or ends counts, because the order may have traded in it.

``MidPath`` answers "what was the mid at t" as of the last observation at or
before t (a step function: the mid is only known when it was observed), so a
markout never looks at a mid the trader could not have seen yet.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from decimal import Decimal
from itertools import accumulate
from typing import Iterable

__all__ = ["MidPath", "Tape"]

_ZERO = Decimal(0)


class Tape:
    __slots__ = ("_times", "_cum_qty", "_cum_notional")

    def __init__(self, prints: Iterable[tuple[int, Decimal, int]]) -> None:
        """``prints``: (time ns, price, quantity), in any order; equal times keep their given order."""
        rows = list(prints)
        if any(rows[i][0] > rows[i + 1][0] for i in range(len(rows) - 1)):
            rows.sort(key=lambda r: r[0])  # stable: prints at one instant keep their order
        self._times = [r[0] for r in rows]
        self._cum_qty = [0, *accumulate(r[2] for r in rows)]
        self._cum_notional = [_ZERO, *accumulate(r[1] * r[2] for r in rows)]

    def __len__(self) -> int:
        return len(self._times)

    @property
    def span(self) -> tuple[int, int]:
        """The first and last print's times ((0, -1) for an empty tape: an interval holding nothing)."""
        return (self._times[0], self._times[-1]) if self._times else (0, -1)

    def _span(self, t0: int, t1: int) -> tuple[int, int]:
        return bisect_left(self._times, t0), bisect_right(self._times, t1)

    def volume(self, t0: int, t1: int) -> int:
        """Shares printed in ``[t0, t1]``."""
        i, j = self._span(t0, t1)
        return self._cum_qty[j] - self._cum_qty[i] if j > i else 0

    def notional(self, t0: int, t1: int) -> Decimal:
        i, j = self._span(t0, t1)
        return self._cum_notional[j] - self._cum_notional[i] if j > i else _ZERO

    def vwap(self, t0: int, t1: int) -> Decimal | None:
        """The volume-weighted average price of the prints in ``[t0, t1]``; None when nothing printed."""
        i, j = self._span(t0, t1)
        if j <= i:
            return None
        qty = self._cum_qty[j] - self._cum_qty[i]
        return (self._cum_notional[j] - self._cum_notional[i]) / qty if qty else None


class MidPath:
    __slots__ = ("_times", "_mids")

    def __init__(self, observations: Iterable[tuple[int, Decimal | None]]) -> None:
        """``observations``: (time ns, mid) in time order; a None mid (one side empty) is skipped."""
        rows = sorted(((t, m) for t, m in observations if m is not None), key=lambda r: r[0])
        self._times = [t for t, _ in rows]
        self._mids = [m for _, m in rows]

    def __len__(self) -> int:
        return len(self._times)

    @property
    def last_time(self) -> int | None:
        return self._times[-1] if self._times else None

    def at(self, t: int) -> Decimal | None:
        """The last mid observed at or before ``t``; None before the first observation."""
        i = bisect_right(self._times, t)
        return self._mids[i - 1] if i else None

    def after(self, t: int, horizon: int) -> Decimal | None:
        """The mid ``horizon`` ns after ``t``, or None when the path ends before then (no markout is
        better than one measured against the last mid of the run)."""
        end = self.last_time
        if end is None or t + horizon > end:
            return None
        return self.at(t + horizon)
