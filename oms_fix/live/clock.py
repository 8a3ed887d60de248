"""The live clock: the one place the runtime reads wall time."""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "LiveClock"]


class Clock(Protocol):
    def now_ns(self) -> int: ...


class LiveClock:
    # Wall time, because SendingTime(52) is UTC and peers compare it with theirs.
    now_ns = staticmethod(time.time_ns)
