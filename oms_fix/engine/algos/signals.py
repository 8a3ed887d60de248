"""Short-term market signals from the mids an algo sees: averages and volatility over time, not ticks.

Algos are ticked at uneven times (timers, child ends), so a sample's weight
decays with the time since it was seen: an average with time constant tau
moves ``1 - exp(-dt / tau)`` of the way to each new sample. Floats are fine
here: the same inputs give the same numbers in a replay.
"""

from __future__ import annotations

import math

from .base import NS

__all__ = ["EwVol", "TimeEma", "bps"]


def bps(x: float, ref: float) -> float:
    return (x - ref) / ref * 10_000.0 if ref else 0.0


class TimeEma:
    __slots__ = ("tau_ns", "value", "_at")

    def __init__(self, tau_ns: int) -> None:
        self.tau_ns = tau_ns
        self.value: float | None = None
        self._at = 0

    def update(self, now: int, x: float) -> float:
        if self.value is None:
            self.value = x
        elif now > self._at:
            self.value += (1.0 - math.exp(-(now - self._at) / self.tau_ns)) * (x - self.value)
        self._at = now
        return self.value


class EwVol:
    """Volatility of a price: the time-weighted root mean square of its returns, in bps per root second.

    A return over ``dt`` seconds is divided by ``sqrt(dt)`` so that samples taken
    at uneven intervals measure the same thing."""

    __slots__ = ("_var", "_last", "_at")

    def __init__(self, tau_ns: int) -> None:
        self._var = TimeEma(tau_ns)
        self._last: float | None = None
        self._at = 0

    @property
    def value(self) -> float:
        return math.sqrt(self._var.value) if self._var.value is not None else 0.0

    def update(self, now: int, price: float) -> float:
        if self._last is not None and now > self._at and self._last > 0:
            r = bps(price, self._last) / math.sqrt((now - self._at) / NS)
            self._var.update(now, r * r)
        self._last = price
        self._at = now
        return self.value
