"""Latency in place of sockets: a seeded delay per message, and links that keep FIX's ordering.

A hop's delay is ``fixed`` plus a lognormal jitter whose median is ``jitter``
and whose log-standard-deviation is ``sigma`` (network and kernel delays are
skewed to the right: mostly near the median, now and then several times it).
A ``Link`` is one direction of one FIX session (client -> OMS, OMS -> EXCH,
EXCH -> OMS, ...): a TCP stream, so a message never overtakes the one sent
before it. A message whose sampled delay would land it before its
predecessor is delivered right after it instead.

Each link draws from its own random stream, seeded from the run's seed and
the link's name (str seeds are hashed with SHA-512 by ``random``: stable
across processes and Python versions), so adding a venue or a client changes
no other link's delays.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable

from .scheduler import Scheduler

__all__ = ["Latency", "Link"]


@dataclass(frozen=True, slots=True)
class Latency:
    fixed_ns: int = 0
    jitter_ns: int = 0  # median of the lognormal part; 0: none
    sigma: float = 0.5

    def sampler(self, rng: random.Random) -> Callable[[], int]:
        fixed, sigma = self.fixed_ns, self.sigma
        if self.jitter_ns <= 0:
            return lambda: fixed
        mu = math.log(self.jitter_ns)
        draw = rng.lognormvariate
        return lambda: fixed + int(draw(mu, sigma))


class Link:
    """One direction of one session: ``send`` delivers ``fn(*args)`` after the hop's delay, in order."""

    __slots__ = ("name", "_sched", "_delay", "_last", "sent")

    def __init__(self, name: str, latency: Latency, sched: Scheduler, seed: int) -> None:
        self.name = name
        self._sched = sched
        self._delay = latency.sampler(random.Random(f"{seed}/latency/{name}"))
        self._last = 0
        self.sent = 0

    def send(self, fn: Callable[..., Any], *args: Any) -> None:
        at = self._sched.now + self._delay()
        if at < self._last:
            at = self._last  # TCP: no overtaking; the scheduler keeps same-instant events in send order
        self._last = at
        self.sent += 1
        self._sched.at(at, fn, *args)
