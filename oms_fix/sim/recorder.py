"""What a simulation run keeps for its report: parent orders and their reports, child fills, the price path.

Values only, in the order they happened; report.py turns them into figures.
Times are virtual nanoseconds. Prices are ``Decimal`` as the FIX text would
carry them (a dark fill at a half tick has one more place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.reports import NONE_ORDER_ID, CancelRejectReport, Report
from .scenario import OrderSpec

__all__ = ["ClientReport", "Fill", "ParentRecord", "Recorder", "Sample"]


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


class Recorder:
    def __init__(self, symbols: list[str]) -> None:
        self.parents: dict[tuple[str, str], ParentRecord] = {}  # (session, ClOrdID) -> record, in send order
        self.fills: list[Fill] = []
        self.path: dict[str, list[Sample]] = {s: [] for s in symbols}
        self._by_order: dict[str, ParentRecord] = {}
        self.risk_events = 0
        self.unmatched_reports = 0

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

    def sample(self, symbol: str, s: Sample) -> None:
        self.path[symbol].append(s)
