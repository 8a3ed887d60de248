"""When the trading day rolls, and what today's trading day is called.

A day is named by the UTC date it ends on: with the roll at 21:00 UTC, the
trading day from 21:00 on 5 January to 21:00 on 6 January is 2026-01-06; with
the roll at 00:00 it is simply the UTC date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = ["DayRoll", "trading_day_roll"]

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class DayRoll:
    offset_ns: int  # the roll's time of day, since UTC midnight

    def day_of(self, now_ns: int) -> str:
        shift = _NS_PER_DAY - self.offset_ns if self.offset_ns else 0
        return datetime.fromtimestamp((now_ns + shift) // 10**9, tz=timezone.utc).strftime("%Y-%m-%d")

    def next_roll(self, now_ns: int) -> int:
        """The first roll instant after ``now_ns``."""
        start = now_ns - now_ns % _NS_PER_DAY + self.offset_ns
        return start if start > now_ns else start + _NS_PER_DAY


def trading_day_roll(hh_mm: str) -> DayRoll:
    hours, minutes = (int(x) for x in hh_mm.split(":"))
    return DayRoll((hours * 60 + minutes) * 60 * 10**9)
