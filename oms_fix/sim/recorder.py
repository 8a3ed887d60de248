"""What a simulation run keeps for its report: parent orders and their reports, child fills, the price path,
the market tape and each algorithm's progress against its schedule.

Values only, in the order they happened; report.py turns them into figures.
Times are virtual nanoseconds. Prices are ``Decimal`` as the FIX text would
carry them (a dark fill at a half tick has one more place).

A venue's bust or correction of a fill restates it here (``restate_fill``):
``fills`` holds the fills as they stand at the end. What the venues' faults
did is kept as their events (``venue_events``: armed, fired, a scenario's
action carried out or not); the firings themselves are in each venue's
fault plan.

The tape is the bulk of a day (every print on every venue, 100k+ per
symbol), so it is kept in typed arrays with prices and venues interned: a
print costs 22 bytes, not a dataclass and a ``Decimal``.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator

from ..domain.reports import NONE_ORDER_ID, CancelRejectReport, Report
from .scenario import OrderSpec

__all__ = ["AlgoTrack", "ClientReport", "Fill", "ParentRecord", "Recorder", "Sample", "TradeLog"]


@dataclass(frozen=True, slots=True)
class Fill:
    time: int
    venue: str
    child_id: str
    symbol: str
    side: str  # FIX Side of the child
    qty: int
    px: Decimal
    liquidity: str  # LastLiquidityInd (851), "" for an auction or a cross


@dataclass(frozen=True, slots=True)
class ClientReport:
    time: int
    exec_type: str
    ord_status: str
    cum_qty: int
    leaves_qty: int
    last_qty: int
    last_px: Decimal
    avg_px: Decimal
    text: str


@dataclass(slots=True)
class ParentRecord:
    spec: OrderSpec
    session: str
    account: str
    sent: int
    price: Decimal | None  # the limit the client sent (None: market)
    arrival: int | None = None  # when the OMS took it
    arrival_mid: Decimal | None = None  # the consolidated mid then
    order_id: str = ""
    reports: list[ClientReport] = field(default_factory=list)
    cancel_rejects: int = 0


@dataclass(frozen=True, slots=True)
class Sample:
    time: int
    mid: Decimal | None
    last: Decimal | None
    volume: int  # shares traded across venues so far, as the OMS's market data counted them


class TradeLog:
    """One symbol's prints in arrival order: time, quantity, and indexes into the interned prices and venues."""

    __slots__ = ("times", "qtys", "_px_ix", "_venue_ix", "_prices", "_price_ix", "_venues", "_venue_of")

    def __init__(self) -> None:
        self.times = array("q")
        self.qtys = array("q")
        self._px_ix = array("I")  # a day's distinct prices fit 32 bits many times over
        self._venue_ix = array("H")
        self._prices: list[Decimal] = []
        self._price_ix: dict[Decimal, int] = {}
        self._venues: list[str] = []
        self._venue_of: dict[str, int] = {}

    def add(self, time: int, venue: str, px: Decimal, qty: int) -> None:
        i = self._price_ix.get(px)
        if i is None:
            i = self._price_ix[px] = len(self._prices)
            self._prices.append(px)
        v = self._venue_of.get(venue)
        if v is None:
            v = self._venue_of[venue] = len(self._venues)
            self._venues.append(venue)
        self.times.append(time)
        self.qtys.append(qty)
        self._px_ix.append(i)
        self._venue_ix.append(v)

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self) -> Iterator[tuple[int, str, Decimal, int]]:
        """(time, venue, price, quantity) per print."""
        prices, venues = self._prices, self._venues
        for t, q, i, v in zip(self.times, self.qtys, self._px_ix, self._venue_ix):
            yield t, venues[v], prices[i], q


class AlgoTrack:
    """One algo parent's samples: the scheduled cumulative quantity (-1: the algo has no schedule), filled, working."""

    __slots__ = ("times", "targets", "filled", "working")

    def __init__(self) -> None:
        self.times = array("q")
        self.targets = array("q")
        self.filled = array("q")
        self.working = array("q")

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self) -> Iterator[tuple[int, int | None, int, int]]:
        for t, target, f, w in zip(self.times, self.targets, self.filled, self.working):
            yield t, (None if target < 0 else target), f, w


class Recorder:
    def __init__(self, symbols: list[str]) -> None:
        self.parents: dict[tuple[str, str], ParentRecord] = {}  # (session, ClOrdID) -> record, in send order
        self.fills: list[Fill] = []
        self.path: dict[str, list[Sample]] = {s: [] for s in symbols}
        self._by_order: dict[str, ParentRecord] = {}
        self.fill_mids: list[Decimal | None] = []  # the consolidated mid at each fill, beside self.fills
        self.tape: dict[str, TradeLog] = {s: TradeLog() for s in symbols}
        self.algos: dict[tuple[str, str], AlgoTrack] = {}  # (session, ClOrdID) -> samples, in first-sample order
        self.risk_events = 0
        self.unmatched_reports = 0
        self.venue_events: list[tuple[int, str, str]] = []  # (time, venue, what its fault machinery said)
        # Set by whoever holds the consolidated book, so each fill keeps the mid the OMS saw then; without it
        # the TCA falls back on the sampled price path, up to sample_every_s stale.
        self.mid_of: Callable[[str], Decimal | None] | None = None

    def sent(self, session: str, account: str, spec: OrderSpec, price: Decimal | None, now: int) -> None:
        self.parents[(session, spec.id)] = ParentRecord(spec=spec, session=session, account=account, sent=now,
                                                        price=price)

    def arrived(self, session: str, cl_ord_id: str, mid: Decimal | None, now: int) -> None:
        rec = self.parents.get((session, cl_ord_id))
        if rec is not None and rec.arrival is None:
            rec.arrival, rec.arrival_mid = now, mid

    def client_message(self, session: str, msg: Report | CancelRejectReport, now: int) -> None:
        # By OrderID once known: later requests on the order carry ClOrdIDs of their own.
        rec = self._by_order.get(msg.order_id) or self.parents.get((session, msg.cl_ord_id))
        if rec is None:
            self.unmatched_reports += 1
            return
        if isinstance(msg, CancelRejectReport):
            rec.cancel_rejects += 1
            return
        if not rec.order_id and msg.order_id != NONE_ORDER_ID:
            rec.order_id = msg.order_id
            self._by_order[msg.order_id] = rec
        rec.reports.append(ClientReport(time=now, exec_type=msg.exec_type.value, ord_status=msg.ord_status.value,
                                        cum_qty=msg.cum_qty, leaves_qty=msg.leaves_qty, last_qty=msg.last_qty,
                                        last_px=msg.last_px, avg_px=msg.avg_px, text=msg.text or ""))

    def fill(self, f: Fill) -> None:
        self.fills.append(f)
        self.fill_mids.append(self.mid_of(f.symbol) if self.mid_of is not None else None)

    def restate_fill(self, old: Fill, new: Fill | None) -> None:
        """A venue busted ``old`` (``new`` None: it is no fill any more) or corrected it to ``new``."""
        i = next((i for i, f in enumerate(self.fills) if f is old), None)
        if i is None:
            return
        if new is None:
            del self.fills[i]
            del self.fill_mids[i]
        else:
            self.fills[i] = new  # the mid when it was filled stays its mid

    def venue_event(self, time: int, venue: str, text: str) -> None:
        self.venue_events.append((time, venue, text))

    def trade(self, symbol: str, venue: str, px: Decimal, qty: int, time: int) -> None:
        """A print on the market tape (own fills included, as every venue's trade feed shows them)."""
        log = self.tape.get(symbol)
        if log is None:
            log = self.tape[symbol] = TradeLog()
        log.add(time, venue, px, qty)

    def algo_sample(self, session: str, cl_ord_id: str, time: int, target: int | None, filled: int,
                    working: int) -> None:
        track = self.algos.get((session, cl_ord_id))
        if track is None:
            track = self.algos[(session, cl_ord_id)] = AlgoTrack()
        track.times.append(time)
        track.targets.append(-1 if target is None else target)
        track.filled.append(filled)
        track.working.append(working)

    def sample(self, symbol: str, s: Sample) -> None:
        self.path[symbol].append(s)
