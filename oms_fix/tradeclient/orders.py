"""The client's own view of its orders, as the ExecutionReports it received left them.

An order is known by every ClOrdID it has had (the first, each replace's and
cancel's); `cl_ord_id` is the latest the counterparty accepted, the one a
cancel or replace names as OrigClOrdID (FIX 4.4 Vol 4: OrigClOrdID is the
ClOrdID of the most recent accepted request). Figures are taken from the
reports as they are: the client never works out a fill for itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fix.message import Message

__all__ = ["ORD_STATUS", "SIDE_NAMES", "OrderRow", "OrderView"]

ORD_STATUS = {
    "0": "New", "1": "PartiallyFilled", "2": "Filled", "3": "DoneForDay", "4": "Canceled", "5": "Replaced",
    "6": "PendingCancel", "7": "Stopped", "8": "Rejected", "9": "Suspended", "A": "PendingNew",
    "B": "Calculated", "C": "Expired", "D": "AcceptedForBidding", "E": "PendingReplace",
}
SIDE_NAMES = {"1": "BUY", "2": "SELL", "3": "BUY-MINUS", "4": "SELL-PLUS", "5": "SHORT", "6": "SHORT-EX"}
# The terms a replace must restate (FIX 4.4: a 35=G carries the whole order, changed or not).
TERM_TAGS = (1, 55, 54, 38, 40, 44, 99, 59, 126, 432, 18, 110, 111, 211, 100)
# ExecTypes whose ClOrdID is a request still pending, not yet the order's.
_PENDING = {"6", "E"}


@dataclass(slots=True)
class OrderRow:
    key: str  # the order's first ClOrdID
    cl_ord_id: str  # the latest one accepted
    terms: dict[int, str]
    cum_qty: int = 0
    leaves_qty: int = 0
    avg_px: str = "0"
    status: str = "A"  # sent, no answer yet: shown as PendingNew
    order_id: str | None = None
    text: str = ""
    ids: list[str] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return self.terms.get(55, "")

    @property
    def side(self) -> str:
        return self.terms.get(54, "")

    @property
    def qty(self) -> int:
        raw = self.terms.get(38, "0")
        return int(raw) if raw.isdigit() else 0

    @property
    def price(self) -> str | None:
        return self.terms.get(44)

    @property
    def done(self) -> bool:
        return self.status in ("2", "3", "4", "8", "C")


class OrderView:
    """Orders by their first ClOrdID, in the order they were sent or first heard of."""

    def __init__(self) -> None:
        self.rows: dict[str, OrderRow] = {}
        self._alias: dict[str, str] = {}

    def find(self, cl_ord_id: str) -> OrderRow | None:
        key = self._alias.get(cl_ord_id)
        return self.rows.get(key) if key is not None else None

    def known(self, cl_ord_id: str) -> bool:
        return cl_ord_id in self._alias

    def new_sent(self, cl_ord_id: str, fields: list[tuple[int, str]]) -> OrderRow:
        terms = {t: v for t, v in fields if t in TERM_TAGS}
        row = OrderRow(key=cl_ord_id, cl_ord_id=cl_ord_id, terms=terms, ids=[cl_ord_id])
        row.leaves_qty = row.qty
        self.rows[cl_ord_id] = row
        self._alias[cl_ord_id] = cl_ord_id
        return row

    def request_sent(self, cl_ord_id: str, row: OrderRow) -> None:
        """A cancel or replace for `row` went out as `cl_ord_id`: its answers are this order's."""
        self._alias[cl_ord_id] = row.key
        row.ids.append(cl_ord_id)

    def on_execution_report(self, msg: Message) -> OrderRow | None:
        cl = msg.get_str(11, "") or ""
        orig = msg.get_str(41)
        exec_type = msg.get_str(150, "")
        order_id = msg.get_str(37)
        row = self.find(cl) or (self.find(orig) if orig else None)
        if row is None:
            if exec_type == "I" and order_id in (None, "NONE"):
                return None  # R14: a status answer for an order the counterparty does not know
            row = OrderRow(key=cl, cl_ord_id=cl, terms={}, ids=[cl])
            self.rows[cl] = row
            self._alias[cl] = cl
            if orig:
                self._alias.setdefault(orig, cl)
        if exec_type not in _PENDING and cl:
            row.cl_ord_id = cl
            self._alias.setdefault(cl, row.key)
        for tag in TERM_TAGS:
            value = msg.get_str(tag)
            if value is not None:
                row.terms[tag] = value
        row.cum_qty = msg.get_int(14, row.cum_qty) or 0
        row.leaves_qty = msg.get_int(151, row.leaves_qty) or 0
        row.avg_px = msg.get_str(6, row.avg_px) or "0"
        row.status = msg.get_str(39, row.status) or row.status
        if order_id and order_id != "NONE":
            row.order_id = order_id
        row.text = msg.get_str(58, "") or ""
        return row

    def on_cancel_reject(self, msg: Message) -> OrderRow | None:
        """An OrderCancelReject: the order stays as it was; its OrdStatus is news if the order was found."""
        row = self.find(msg.get_str(41, "") or "") or self.find(msg.get_str(11, "") or "")
        if row is None:
            return None
        order_id = msg.get_str(37)
        if order_id and order_id != "NONE":
            row.status = msg.get_str(39, row.status) or row.status
        row.text = msg.get_str(58, "") or ""
        return row

    def table(self) -> list[str]:
        if not self.rows:
            return ["no orders yet"]
        width = max(8, *(len(r.cl_ord_id) for r in self.rows.values()))
        head = f"{'ClOrdID':<{width}} {'SYMBOL':<7} {'SIDE':<5} {'QTY':>7} {'PRICE':>9} {'CUM':>7} {'LEAVES':>7} " \
               f"{'AVG':>9}  STATUS"
        lines = [head]
        for r in self.rows.values():
            status = ORD_STATUS.get(r.status, r.status)
            if r.key != r.cl_ord_id:
                status += f" (first {r.key})"
            lines.append(f"{r.cl_ord_id:<{width}} {r.symbol:<7} {SIDE_NAMES.get(r.side, r.side):<5} {r.qty:>7} "
                         f"{r.price or 'MKT':>9} {r.cum_qty:>7} {r.leaves_qty:>7} {r.avg_px:>9}  {status}")
        return lines
