"""What the OMS has seen of each venue, kept live from its own child orders: the router's memory.

Per venue: children sent and the quantity, acknowledgements and how long they
took, fills and the quantity filled, rejects, unsolicited cancels, and the time
the venue was down. From these: fill rate (quantity filled over quantity sent,
for children that have ended), reject rate, mean acknowledgement latency and
availability (the share of the time since the venue was first seen that it was
up). Deterministic like the rest of the core: fed by its commands and their
``now``, so a replay rebuilds the same figures.

Slippage and markouts come from the marks (``Mark`` commands: the consolidated
mid, at most once a second per symbol): a fill's slippage is against the last
mark before it, its markout against the first mark at least ``MARKOUT_NS``
after it, both in bps of the fill price, side-signed with positive a cost
(a buy above the mid slipped; a buy after which the mid fell was marked out
against us). Quantity-weighted per venue.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections import deque
from decimal import Decimal
from typing import Any

__all__ = ["MARKOUT_NS", "VenueFigures", "VenueStats"]

MARKOUT_NS = 60_000_000_000


@dataclass(slots=True)
class VenueFigures:
    sent: int = 0
    sent_qty: int = 0
    acked: int = 0
    ack_ns: int = 0  # summed acknowledgement latency
    fills: int = 0
    filled_qty: int = 0
    ended: int = 0
    ended_qty: int = 0  # quantity of children that have ended (the fill rate's denominator)
    ended_filled: int = 0  # of which filled
    rejected: int = 0
    unsolicited_cancels: int = 0
    first_seen: int | None = None
    down_since: int | None = None
    down_ns: int = 0
    slip_qty: int = 0
    slip_bps_qty: float = 0.0  # sum of slippage bps x qty
    markout_qty: int = 0
    markout_bps_qty: float = 0.0

    def slippage_bps(self) -> float | None:
        return None if not self.slip_qty else self.slip_bps_qty / self.slip_qty

    def markout_bps(self) -> float | None:
        return None if not self.markout_qty else self.markout_bps_qty / self.markout_qty

    def fill_rate(self) -> float | None:
        return None if not self.ended_qty else self.ended_filled / self.ended_qty

    def reject_rate(self) -> float:
        return self.rejected / self.sent if self.sent else 0.0

    def ack_us(self) -> float | None:
        return None if not self.acked else self.ack_ns / self.acked / 1000

    def availability(self, now: int) -> float | None:
        if self.first_seen is None or now <= self.first_seen:
            return None
        down = self.down_ns + (now - self.down_since if self.down_since is not None else 0)
        return max(0.0, 1.0 - down / (now - self.first_seen))


class VenueStats:
    def __init__(self, venues: list[str], taker_fees: dict[str, Decimal] | None = None) -> None:
        self._v = {v: VenueFigures() for v in venues}
        self._fees: dict[str, float] = {}
        self.set_fees(taker_fees or {})
        self._marks: dict[str, float] = {}  # symbol -> last mark
        self._pending: dict[str, deque[tuple[int, str, int, float, int]]] = {}  # symbol -> (time, venue, side, px, qty)

    def set_fees(self, taker_fees: dict[str, Decimal]) -> None:
        """Each venue's taker fee per share, which the venue score weighs (floats: exact for any fee a config
        file can hold, and the score is float arithmetic)."""
        self._fees = {v: float(f) for v, f in taker_fees.items()}

    def _get(self, venue: str, now: int) -> VenueFigures:
        f = self._v.setdefault(venue, VenueFigures())
        if f.first_seen is None:
            f.first_seen = now
        return f

    def sent(self, venue: str, qty: int, now: int) -> None:
        f = self._get(venue, now)
        f.sent += 1
        f.sent_qty += qty

    def acked(self, venue: str, latency_ns: int, now: int) -> None:
        f = self._get(venue, now)
        f.acked += 1
        f.ack_ns += max(0, latency_ns)

    def filled(self, venue: str, qty: int, now: int, symbol: str = "", side: int = 0, px: float = 0.0) -> None:
        """A fill at ``venue``; with its symbol, side (+1 buy, -1 sell) and price it counts for slippage
        (against the last mark) and, once a mark a minute later comes, its markout."""
        f = self._get(venue, now)
        f.fills += 1
        f.filled_qty += qty
        if not side or px <= 0:
            return
        mid = self._marks.get(symbol)
        if mid is not None:
            f.slip_qty += qty
            f.slip_bps_qty += side * (px - mid) / px * 10_000 * qty
        self._pending.setdefault(symbol, deque()).append((now, venue, side, px, qty))

    def mark(self, symbol: str, price: float, now: int) -> None:
        self._marks[symbol] = price
        pending = self._pending.get(symbol)
        while pending and pending[0][0] + MARKOUT_NS <= now:
            _, venue, side, px, qty = pending.popleft()
            f = self._get(venue, now)
            f.markout_qty += qty
            f.markout_bps_qty += side * (px - price) / px * 10_000 * qty

    def ended(self, venue: str, qty: int, filled: int, ended_by: str, now: int) -> None:
        f = self._get(venue, now)
        f.ended += 1
        f.ended_qty += qty
        f.ended_filled += filled
        if ended_by == "8":
            f.rejected += 1

    def unsolicited_cancel(self, venue: str, now: int) -> None:
        self._get(venue, now).unsolicited_cancels += 1

    def down(self, venue: str, now: int) -> None:
        f = self._get(venue, now)
        if f.down_since is None:
            f.down_since = now

    def up(self, venue: str, now: int) -> None:
        f = self._get(venue, now)
        if f.down_since is not None:
            f.down_ns += now - f.down_since
            f.down_since = None

    def of(self, venue: str) -> VenueFigures:
        return self._v.get(venue) or VenueFigures()

    def rank(self) -> dict[str, float]:
        """A score per venue for breaking ties between equal prices: higher is better. Fill rate counts
        most (a venue with no history scores as a middling one); rejects count against; then the taker
        fee (a tenth of a cent a share weighs as 10% of fill rate) and acknowledgement latency (a
        millisecond as 1%, up to 10 ms). A venue that is down is not routed to at all."""
        out = {}
        for venue, f in self._v.items():
            rate = f.fill_rate()
            ack = f.ack_us()
            out[venue] = ((0.5 if rate is None else rate) - 2.0 * f.reject_rate() - 100.0 * self._fees.get(venue, 0.0)
                          - 0.01 * min(10.0, (ack or 0.0) / 1000))
        return out

    def figures(self, now: int) -> dict[str, dict[str, Any]]:
        """Per venue, as JSON data (rates rounded to 4 places, latency to 0.1 µs)."""
        def r(x: float | None, places: int = 4) -> float | None:
            return None if x is None else round(x, places)

        return {v: {"children": f.sent, "qty": f.sent_qty, "fills": f.fills, "filled_qty": f.filled_qty,
                    "fill_rate": r(f.fill_rate()), "rejects": f.rejected, "reject_rate": r(f.reject_rate()),
                    "unsolicited_cancels": f.unsolicited_cancels, "ack_latency_us": r(f.ack_us(), 1),
                    "slippage_bps": r(f.slippage_bps(), 2), "markout_1m_bps": r(f.markout_bps(), 2),
                    "availability": r(f.availability(now)), "down": f.down_since is not None}
                for v, f in sorted(self._v.items())}
