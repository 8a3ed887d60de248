"""Per-hop latency of the OMS runtime and the FIX messages it took in, kept cheaply on the hot path.

The runtime marks four points of a message's way through it (``OmsRuntime``):

* ``in_to_core``: a client's FIX message received -> its command handled by the core;
* ``core_to_journal``: a command handled -> its records committed to the journal;
* ``journal_to_sent``: a batch committed -> what it caused written to the connections;
* ``venue_to_client``: a venue's ExecutionReport received -> the client report it caused sent.

Each is a histogram with fixed buckets (no allocation per observation: one
bisect and three additions), read by the REST API's /metrics. Times are
``time.perf_counter_ns``, not the OMS clock: the clock is the business time of
the core, these are CPU and I/O waits.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Callable, Sequence
from time import perf_counter_ns
from typing import Any, TypeVar

from ..engine.oms_types import ToClient

__all__ = ["BUCKETS_NS", "Histogram", "Latency", "client_message", "venue_message"]

# Upper bounds (ns) of the buckets: 5 µs (a core call) up to 1 s (a stalled fsync); +Inf after the last.
BUCKETS_NS: tuple[int, ...] = (5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
                               5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000,
                               1_000_000_000)


class Histogram:
    __slots__ = ("counts", "sum_ns", "count")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS_NS) + 1)  # per bucket, not cumulative; the last is +Inf
        self.sum_ns = 0
        self.count = 0

    def observe(self, ns: int) -> None:
        # bisect_left: a value equal to a bound belongs to that bound's bucket (Prometheus "le").
        self.counts[bisect_left(BUCKETS_NS, ns)] += 1
        self.sum_ns += ns
        self.count += 1

    def cumulative(self) -> list[int]:
        out, total = [], 0
        for c in self.counts:
            total += c
            out.append(total)
        return out


class Latency:
    """The runtime's hop histograms and its count of FIX application messages in, per session and MsgType."""

    __slots__ = ("in_to_core", "core_to_journal", "journal_to_sent", "venue_to_client", "messages_in",
                 "arrived", "venue_arrived", "_handled", "_committed", "_venue_waiting")

    def __init__(self) -> None:
        self.in_to_core = Histogram()
        self.core_to_journal = Histogram()
        self.journal_to_sent = Histogram()
        self.venue_to_client = Histogram()
        self.messages_in: dict[tuple[str, str], int] = {}  # (session or venue, MsgType) -> messages
        self.arrived = 0  # perf ns of the client message being handled now; 0: none
        self.venue_arrived = 0  # likewise for a venue's message
        self._handled: list[int] = []  # when each command not yet committed was handled
        self._committed = 0
        self._venue_waiting: list[int] = []  # arrival of venue messages whose client reports are not sent yet

    def hops(self) -> dict[str, Histogram]:
        return {"in_to_core": self.in_to_core, "core_to_journal": self.core_to_journal,
                "journal_to_sent": self.journal_to_sent, "venue_to_client": self.venue_to_client}

    def handled(self, outs: Sequence[object]) -> None:
        """The core returned ``outs`` for one command."""
        t = perf_counter_ns()
        if self.arrived:
            self.in_to_core.observe(t - self.arrived)
            self.arrived = 0  # one message, one observation (a message may cause no command, or one)
        self._handled.append(t)
        if self.venue_arrived:
            if any(type(o) is ToClient for o in outs):
                self._venue_waiting.append(self.venue_arrived)
            self.venue_arrived = 0

    def committed(self) -> None:
        t = perf_counter_ns()
        for h in self._handled:
            self.core_to_journal.observe(t - h)
        self._handled.clear()
        self._committed = t

    def sent(self, outbox: Sequence[object]) -> None:
        """A flush wrote ``outbox`` to the connections."""
        if not outbox:
            return
        t = perf_counter_ns()
        if self._committed:
            self.journal_to_sent.observe(t - self._committed)
            self._committed = 0
        if self._venue_waiting:
            for v in self._venue_waiting:
                self.venue_to_client.observe(t - v)
            self._venue_waiting.clear()

    def count_in(self, who: str, msg_type: bytes | None) -> None:
        key = (who, (msg_type or b"").decode("latin-1"))
        self.messages_in[key] = self.messages_in.get(key, 0) + 1


_F = TypeVar("_F", bound=Callable[..., None])


def client_message(fn: _F) -> _F:
    """Wraps ``OmsRuntime.on_message``: counts the message and times it to the core."""
    @functools.wraps(fn)
    def timed(rt: Any, conn: Any, msg: Any) -> None:
        lat: Latency = rt.latency
        lat.arrived = perf_counter_ns()
        lat.count_in(conn.session.config.target_comp_id, msg.msg_type)
        try:
            fn(rt, conn, msg)
        finally:
            lat.arrived = 0  # refused or business-rejected: no command, nothing to time
    return timed  # type: ignore[return-value]


def venue_message(fn: _F) -> _F:
    """Wraps ``OmsRuntime.on_venue_message``: counts it and starts its venue -> client timing."""
    @functools.wraps(fn)
    def timed(rt: Any, venue: str, msg: Any) -> None:
        lat: Latency = rt.latency
        lat.venue_arrived = perf_counter_ns()
        lat.count_in(venue, msg.msg_type)
        try:
            fn(rt, venue, msg)
        finally:
            lat.venue_arrived = 0
    return timed  # type: ignore[return-value]
