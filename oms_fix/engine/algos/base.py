"""What every execution algorithm sees and says: the contract between an algo and the OMS core.

An algo works one parent order. It is a plain object the core calls with
``tick(now, parent, market)``: on every timer it asked for (``wake_at``), and
whenever one of its child orders ends (filled, canceled, rejected), then with
the market it last saw. It answers with a ``Decision``: child orders to place,
children to cancel, when to be called next, whether its schedule is over.

Algos are sans-IO and deterministic like the rest of the core: no clock (``now``
is passed in), no I/O, randomness only from ``rng_for(order_id)``. The market
reaches them inside a journaled command, so replaying the journal rebuilds
every algo's state exactly.

What the core guarantees, so an algo need not: a placement is cut to the
parent's leaves minus the quantity already working in live children (the
parent is never over-filled, whatever an algo asks), prices are kept within
the parent's limit, a child goes to the venue the smart router picks when the
algo names none, and nothing is placed while the parent is being canceled,
replaced or killed. A replace of the parent shows up as a new ``Progress.qty``
or ``limit`` at the next tick: the algo re-plans from what it sees.

Units: quantities are shares, prices ``Decimal``, times integer nanoseconds
since the epoch, rates fractions (0.1 is 10%).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

__all__ = ["Algo", "AlgoError", "ChildView", "Decision", "Market", "NS", "Place", "Progress", "VenueQuote",
           "rng_for", "AlgoSpec", "Order"]

NS = 1_000_000_000


class AlgoError(ValueError):
    """A parameter an algo cannot work with. The message names the parameter and the rule, e.g.
    ``duration_minutes: must be a positive number, not 'x'``; the core rejects the parent with it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueQuote:
    venue: str
    bid: Decimal | None = None
    bid_size: int = 0
    ask: Decimal | None = None
    ask_size: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Market:
    """The algo's symbol as the OMS sees it at one instant (consolidated over the venues)."""

    bid: Decimal | None = None
    bid_size: int = 0
    ask: Decimal | None = None
    ask_size: int = 0
    last: Decimal | None = None
    volume: int = 0  # shares traded in the symbol on every venue since the OMS started, its own fills excluded
    stale: str = ""  # why the data is not fit to trade on ("" when it is): no quote, one-sided, stale
    crossed: bool = False  # one venue's bid above another's ask (reported, not a reason to pause)
    venues: tuple[VenueQuote, ...] = ()  # each venue's top of book, for algos that compare venues

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return self.ask - self.bid


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildView:
    child_id: str
    venue: str
    qty: int  # the child's quantity
    open: int  # qty minus filled: what may still fill, even while a cancel for it is on its way
    canceling: bool  # a cancel for it was sent (it still counts as working until the venue confirms)
    price: Decimal | None
    placed: int  # when the core sent it (ns)


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """The parent order as the algo sees it."""

    order_id: str
    symbol: str
    side: int  # +1 buy, -1 sell (sell, sell short)
    qty: int  # OrderQty now (a replace changes it)
    limit: Decimal | None  # the parent's limit price; None for a market parent
    filled: int  # CumQty
    working: int  # quantity open in live children, canceling ones included (sum of ``children[i].open``)
    tick: Decimal
    lot: int
    arrived: int  # when the core accepted the parent (ns)
    avg_px: Decimal  # AvgPx, exact, from the parent's executions (0 while nothing is filled)
    children: tuple[ChildView, ...] = ()  # live children only

    @property
    def leaves(self) -> int:
        return self.qty - self.filled

    @property
    def unplaced(self) -> int:
        """What may still be placed: leaves not already working."""
        return max(0, self.qty - self.filled - self.working)


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """One child order to send. ``price`` None: a market order (the core makes it a limit at the parent's
    limit when there is one). ``venue`` None: the smart router chooses (and may split it)."""

    qty: int
    price: Decimal | None
    venue: str | None = None
    display: int | None = None  # MaxFloor (111) at the venue: an iceberg's shown size
    min_qty: int | None = None  # MinQty (110): a dark ping fills at least this or not at all
    ioc: bool = False  # TimeInForce 3: take what is there now, leave nothing resting


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    place: tuple[Place, ...] = ()
    cancel: tuple[str, ...] = ()  # child ids to cancel (to re-price or shrink what works)
    wake_at: int | None = None  # call tick again at this instant (None: only when a child ends)
    finished: bool = False  # the schedule is over: what is still unfilled expires once no child works
    note: str = ""  # why, for the event log (e.g. "paused: quote stale for 6.0 s")


class Algo(Protocol):
    """One parent's algorithm. ``name`` is the algo's name in reports ("TWAP", "VWAP", ...)."""

    name: str

    def tick(self, now: int, parent: Progress, market: Market) -> Decision: ...

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        """TargetStrategyPerformance (850) for the parent's reports, None when there is nothing to say yet.

        The core asks when it reports (every report of the parent carries the answer), with the parent as it
        is then, the report's fill included, and the market of the algo's last tick. So this is a pure read:
        it may be called any number of times, between ticks too, and must not change the algo. Each module's
        docstring has the details; in short, from ``parent.avg_px`` (None before a fill):

        - TWAP, VWAP, iceberg, display, momentum, mean reversion, arbitrage: the average fill price, four
          decimals;
        - IS, adaptive: the shortfall against the arrival mid in bps, side-signed, positive a cost (None too
          before an arrival mid is known);
        - POV: the realised participation, filled / (filled + others' volume since its first tick fit to
          trade on), a fraction to four decimals;
        - peg, hidden: the improvement on the far touch in bps, positive better (performance.py).
        """
        ...

    def target(self, now: int) -> int | None:
        """The cumulative quantity the schedule wants filled by ``now`` (None: the algo has no schedule)."""
        ...

    def stats(self) -> dict[str, Any]:
        """Figures for TCA and the report (JSON data), e.g. TWAP's slice errors."""
        ...


def rng_for(order_id: str, salt: str = "") -> random.Random:
    """A random stream for one parent: the same order id gives the same draws in a replay or a re-run."""
    return random.Random(f"{order_id}/{salt}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgoSpec:
    """A parent's algo instructions as the client sent them (FIX 4.4 tags; see shared/design.md)."""

    strategy: int  # TargetStrategy (847)
    params: tuple[tuple[str, str], ...] = ()  # TargetStrategyParameters (848), "k=v;k=v" split, in order
    participation_rate: Decimal | None = None  # ParticipationRate (849), a fraction
    start: int | None = None  # EffectiveTime (168): not before
    end: int | None = None  # ExpireTime (126) of the parent: the schedule ends by then
    max_floor: int | None = None  # MaxFloor (111): the displayed slice of an iceberg
    min_qty: int | None = None  # MinQty (110)
    peg: str | None = None  # ExecInst (18) for OrdType P: "R" primary peg, "M" mid-price peg, "P" market peg
    peg_offset: Decimal | None = None  # PegOffsetValue (211)


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """The parent an algo is built for, as accepted."""

    order_id: str
    symbol: str
    side: int  # +1 buy, -1 sell
    qty: int
    limit: Decimal | None
    tick: Decimal
    lot: int
    arrived: int  # ns
