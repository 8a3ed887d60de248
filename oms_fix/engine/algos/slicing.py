"""One slice at a time: the working shared by iceberg, peg, hidden and display.

A slice is one placement; the router may split it into several children, and
all of them together are the slice. The next slice goes out only once every
child of the previous one has ended, so at most one slice ever works.

- After a slice the venue ended (filled, expired, canceled by the venue), the
  next one waits ``refresh_ns``; if it ended with no fill at all, at least
  ``retry_ns``, so a venue that refuses every child is not hammered.
- A slice whose wanted price or venue changed is canceled (re-priced) once it
  has rested ``reprice_ns``; the next slice follows as soon as it ended, with
  no refresh delay, since the algo ended it itself.
- A placement the core did not carry out (the parent was being replaced, say)
  shows as a slice that ended with no fill: it is tried again ``retry_ns`` on.

A subclass says what it wants working now (``_want``: the price, venue and
size of the next slice) and may act first (``_before``: e.g. hidden's switch to
lit venues at its end).

TargetStrategyPerformance (850): the average fill price so far, the parent's
own AvgPx to four places (None before a fill); peg and hidden report the
price improvement against the far touch instead (performance.py's
``TouchImprovement``, which every slice algo keeps, so a subclass only picks).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import NS, Decision, Market, Order, Place, Progress
from .performance import TouchImprovement, fill_price, price4
from .working import Window, gate, lot_qty

__all__ = ["RETRY_NS", "SliceAlgo"]

RETRY_NS = NS


class SliceAlgo:
    name = ""

    def __init__(self, order: Order, window: Window, *, refresh_ns: int = 0, retry_ns: int = RETRY_NS,
                 reprice_ns: int | None = None, check_ns: int = NS) -> None:
        self.order_id = order.order_id
        self.side = order.side
        self.window = window
        self.improvement = TouchImprovement()
        self.refresh_ns = refresh_ns
        self.retry_ns = max(retry_ns, refresh_ns)
        self.reprice_ns = reprice_ns  # None: a slice keeps its price until it ends
        self.check_ns = check_ns
        self._live = False  # a slice was placed and has not been seen ending
        self._ours = False  # the live slice is being canceled by the algo (to re-price)
        self._placed_key: tuple[Any, ...] = ()
        self._placed_at = 0
        self._filled_at_place = 0
        self._next_at = window.start
        self._slices = 0
        self._reprices = 0
        self._qty_placed = 0
        self._largest = 0
        self._smallest = 0

    # -- what a subclass says ----------------------------------------------------------------

    def _want(self, now: int, parent: Progress, market: Market) -> Place | None:
        """The slice that should work now (its qty the size wanted, before the cap); None: wait."""
        raise NotImplementedError

    def _before(self, now: int, parent: Progress, market: Market) -> Decision | None:
        return None

    def _placed(self, place: Place) -> None:
        """A slice went out (e.g. draw the size of the next)."""

    def _reprice_due(self, now: int, want: Place) -> bool:
        return (self.reprice_ns is not None and _key(want) != self._placed_key
                and now - self._placed_at >= self.reprice_ns)

    def _extra_stats(self) -> dict[str, Any]:
        return {}

    # -- the contract ------------------------------------------------------------------------

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        """TargetStrategyPerformance (850) (the module docstring says which figure)."""
        return price4(fill_price(parent))

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.improvement.observe(parent, market)
        first = self._before(now, parent, market)
        if first is not None:
            return first
        stop = gate(now, parent, market, self.window)
        if stop is not None:
            return stop
        check = self.window.next_wake(now, self.check_ns)
        want = self._want(now, parent, market)
        if parent.children:
            self._live = True
            return self._keep(now, parent, want, check)
        if self._live:
            self._ended(now, parent)
        if now < self._next_at:
            return Decision(wake_at=min(self._next_at, check), note="between slices")
        if want is None:
            return Decision(wake_at=check, note="waiting for a price")
        qty = lot_qty(want.qty, parent)
        if qty <= 0:
            return Decision(wake_at=check)
        place = _sized(want, qty)
        self._live = True
        self._placed_key = _key(place)
        self._placed_at = now
        self._filled_at_place = parent.filled
        self._slices += 1
        self._qty_placed += qty
        self._largest = max(self._largest, qty)
        self._smallest = qty if self._slices == 1 else min(self._smallest, qty)
        self._placed(place)
        return Decision(place=(place,), wake_at=check, note=f"slice {self._slices}: {qty} at {place.price}")

    def _keep(self, now: int, parent: Progress, want: Place | None, check: int) -> Decision:
        if want is None or self._ours or not self._reprice_due(now, want):
            return Decision(wake_at=check)
        ids = tuple(c.child_id for c in parent.children if not c.canceling)
        if not ids:
            return Decision(wake_at=check)
        self._ours = True
        self._reprices += 1
        return Decision(cancel=ids, wake_at=check, note=f"re-pricing to {want.price}")

    def _ended(self, now: int, parent: Progress) -> None:
        if self._ours:
            delay = 0
        elif parent.filled == self._filled_at_place:
            delay = self.retry_ns
        else:
            delay = self.refresh_ns
        self._live = False
        self._ours = False
        self._next_at = now + delay

    def target(self, now: int) -> int | None:
        return None

    def stats(self) -> dict[str, Any]:
        return {"slices": self._slices, "reprices": self._reprices, "qty_placed": self._qty_placed,
                "largest_slice": self._largest, "smallest_slice": self._smallest, **self._extra_stats()}


def _key(place: Place) -> tuple[Any, ...]:
    return (place.price, place.venue, place.ioc)


def _sized(place: Place, qty: int) -> Place:
    min_qty = None if place.min_qty is None else min(place.min_qty, qty)
    display = None if place.display is None else min(place.display, qty)
    return Place(qty=qty, price=place.price, venue=place.venue, display=display, min_qty=min_qty, ioc=place.ioc)
