"""The values a venue's matching engine takes and gives: orders in, reports out.

The engine (``matching.py``) knows no FIX tags and no sockets; the gateway
(``gateway.py``) turns 35=D/F/G into an ``OrderRequest`` and every ``Report``
into an ExecutionReport. Enum values are the FIX 4.4 codes so that translation
is ``ExecType.TRADE.value`` and ``OrdType(msg.get(40))``.

Prices are integer ticks, quantities integers, times integer nanoseconds since
the epoch passed in by the caller (the engine reads no clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from .book import Side

__all__ = [
    "CancelReject",
    "CxlRejReason",
    "ExecType",
    "Liquidity",
    "OrdRejReason",
    "OrdStatus",
    "OrdType",
    "Order",
    "OrderRequest",
    "Phase",
    "Report",
    "Side",
    "TimeInForce",
    "Trade",
    "VenueEngine",
]


class OrdType(str, Enum):
    """OrdType (40)."""

    MARKET = "1"
    LIMIT = "2"
    STOP = "3"
    STOP_LIMIT = "4"
    PEGGED = "P"


class TimeInForce(str, Enum):
    """TimeInForce (59); left out on the wire it means DAY."""

    DAY = "0"
    GTC = "1"
    AT_THE_OPENING = "2"
    IOC = "3"
    FOK = "4"
    GTD = "6"
    AT_THE_CLOSE = "7"


class ExecType(str, Enum):
    """ExecType (150) values a venue sends (FIX 4.4 Vol 4, Appendix D)."""

    NEW = "0"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    REJECTED = "8"
    EXPIRED = "C"
    RESTATED = "D"
    TRADE = "F"
    TRIGGERED = "L"
    ORDER_STATUS = "I"


class OrdStatus(str, Enum):
    """OrdStatus (39)."""

    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REJECTED = "8"
    EXPIRED = "C"


class OrdRejReason(str, Enum):
    """OrdRejReason (103) values a venue uses."""

    BROKER_OPTION = "0"
    UNKNOWN_SYMBOL = "1"
    EXCHANGE_CLOSED = "2"
    ORDER_EXCEEDS_LIMIT = "3"
    TOO_LATE_TO_ENTER = "4"
    DUPLICATE_ORDER = "6"
    UNSUPPORTED_ORDER_CHARACTERISTIC = "11"
    INCORRECT_QUANTITY = "13"
    OTHER = "99"


class CxlRejReason(str, Enum):
    """CxlRejReason (102)."""

    TOO_LATE_TO_CANCEL = "0"
    UNKNOWN_ORDER = "1"
    BROKER_OPTION = "2"
    ALREADY_PENDING = "3"
    DUPLICATE_CL_ORD_ID = "6"
    OTHER = "99"


class Liquidity(str, Enum):
    """LastLiquidityInd (851)."""

    ADDED = "1"
    REMOVED = "2"
    AUCTION = "4"


class Phase(str, Enum):
    """An exchange's trading phase; the value is TradingSessionSubID (625)."""

    PRE_OPEN = "1"  # orders accepted and shown as a call book; nothing matches
    OPENING_AUCTION = "2"  # the call is uncrossing; no new orders
    CONTINUOUS = "3"
    CLOSING_AUCTION = "4"  # a call again: orders collect, uncross at the end
    CLOSED = "5"
    HALTED = "6"  # orders accepted and cancels honoured; nothing matches


_DONE = frozenset({OrdStatus.FILLED, OrdStatus.DONE_FOR_DAY, OrdStatus.CANCELED, OrdStatus.REJECTED, OrdStatus.EXPIRED})


@dataclass(slots=True)
class OrderRequest:
    """A new order, or the replacement terms of a cancel/replace, as the venue sees it.

    ``owner`` names the session it came from (the gateway's session key), so
    ClOrdIDs only have to be unique per owner. ``hidden`` is ours: the gateway
    sets it for MaxFloor(111)=0 (FIX 4.4 has no DisplayQty). ``exec_inst`` holds
    the ExecInst(18) characters, e.g. "6" post-only, "P" market peg, "M"
    midpoint peg, "R" primary peg.
    """

    owner: str
    cl_ord_id: str
    symbol: str
    side: Side
    qty: int
    ord_type: OrdType = OrdType.LIMIT
    price: int | None = None
    stop_px: int | None = None
    tif: TimeInForce = TimeInForce.DAY
    expire_ns: int | None = None
    max_floor: int | None = None
    hidden: bool = False
    min_qty: int | None = None
    exec_inst: str = ""
    peg_offset: int = 0
    account: str = ""
    fix_side: str = ""  # Side(54) as sent (5 sell short reaches the book as SELL but is echoed as 5)


@dataclass(slots=True, eq=False)
class Order:
    """An order the engine accepted; the gateway reads it to fill an ExecutionReport."""

    order_id: str  # OrderID (37), unique per venue
    request: OrderRequest
    status: OrdStatus = OrdStatus.NEW
    cum_qty: int = 0
    notional: int = 0  # sum of last_qty * last_px in ticks, for AvgPx
    price: int | None = None  # the working limit now (a peg's moves with its reference)
    triggered: bool = False  # a stop that has been elected
    accepted_ns: int = 0

    @property
    def cl_ord_id(self) -> str:
        return self.request.cl_ord_id

    @property
    def leaves_qty(self) -> int:
        if self.status in _DONE:
            return 0
        return self.request.qty - self.cum_qty

    @property
    def avg_px_ticks(self) -> float:
        return self.notional / self.cum_qty if self.cum_qty else 0.0

    @property
    def done(self) -> bool:
        return self.leaves_qty == 0


@dataclass(slots=True)
class Report:
    """One thing that happened to one order: the gateway sends one ExecutionReport for it.

    ``orig_cl_ord_id`` is set on REPLACED and on a CANCELED that answers a
    cancel request, where ``cl_ord_id`` is the request's ClOrdID. A TRADE
    carries ``last_qty``/``last_px`` and ``liquidity``; ``text`` says why on
    REJECTED, EXPIRED, RESTATED and unsolicited CANCELED.
    """

    exec_type: ExecType
    order: Order
    cl_ord_id: str
    orig_cl_ord_id: str | None = None
    last_qty: int = 0
    last_px: int = 0
    liquidity: Liquidity | None = None
    contra_owner: str | None = None
    reject_reason: OrdRejReason | None = None
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class CancelReject:
    """The engine's answer to a cancel or replace it cannot do (the gateway sends 35=9)."""

    cl_ord_id: str
    orig_cl_ord_id: str
    reason: CxlRejReason
    text: str
    order: Order | None = None
    is_replace: bool = False


@dataclass(slots=True, frozen=True)
class Trade:
    """A print for the tape and market data: one match, at the maker's price."""

    price: int
    qty: int
    aggressor: Side | None  # None for an auction uncross or a midpoint cross
    time_ns: int


class VenueEngine(Protocol):
    """What the gateway drives: one instrument at one venue.

    ``matching.Engine`` (lit books, auctions) and ``midpoint.MidpointEngine``
    (dark pool, crossing network) both implement it. Every call that changes
    state returns the reports it caused, in the order they happened; trades
    also collect in an outbox read with ``drain_trades``.
    """

    symbol: str

    def submit(self, req: OrderRequest, now: int) -> list[Report]: ...

    def cancel(self, owner: str, cl_ord_id: str, orig_cl_ord_id: str, now: int) -> list[Report] | CancelReject: ...

    def replace(self, orig_cl_ord_id: str, req: OrderRequest, now: int) -> list[Report] | CancelReject: ...

    def find(self, owner: str, cl_ord_id: str) -> Order | None: ...

    def mass_cancel(self, owner: str, side: Side | None, now: int) -> list[Report]: ...

    def on_time(self, now: int) -> list[Report]: ...

    def set_reference(self, bid: int | None, ask: int | None, now: int) -> list[Report]: ...

    def set_phase(self, phase: Phase, now: int) -> list[Report]: ...

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]: ...

    def drain_trades(self) -> list[Trade]: ...
