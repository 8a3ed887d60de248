"""The engine's record of one order, and the report it makes of it.

``Report.order`` is the live ``Order`` and moves on, so every report carries
the order's figures at that moment in ``extra`` (strings, read by the
gateway): ``cum_qty``, ``leaves_qty``, ``ord_status``, ``avg_px_num`` (the
notional in ticks), ``order_qty`` and ``price`` (the working price, "" if none).
A background order's reports carry none: no session reads them.
"""

from __future__ import annotations

from .order_index import BACKGROUND
from .orders import ExecType, Liquidity, Order, OrdRejReason, Report

__all__ = ["BOOK", "CALL", "NONE", "PARKED", "PEG", "STOP", "LiveOrder", "report", "snapshot"]

# Where a live order is (see matching.py).
NONE, BOOK, STOP, PEG, PARKED, CALL = "none", "book", "stop", "peg", "parked", "call"


class LiveOrder:
    """The engine's record of one order: the shared ``Order`` plus where it rests."""

    __slots__ = ("order", "bid", "where", "seq", "floor", "hidden")

    def __init__(self, order: Order, bid: int) -> None:
        self.order = order
        self.bid = bid  # its integer id in the books
        self.where = NONE
        self.seq = 0  # time priority in a call: smaller is older
        self.floor: int | None = None
        self.hidden = False
        self.display()

    def display(self) -> None:
        req = self.order.request
        self.hidden = req.hidden or req.max_floor == 0
        self.floor = req.max_floor if not self.hidden and req.max_floor and req.max_floor < req.qty else None


def snapshot(o: Order) -> dict[str, str]:
    return {
        "cum_qty": str(o.cum_qty),
        "leaves_qty": str(o.leaves_qty),
        "ord_status": o.status._value_,  # not .value, a descriptor several times slower: a report per order event
        "avg_px_num": str(o.notional),
        "order_qty": str(o.request.qty),
        "price": "" if o.price is None else str(o.price),
    }


def report(
    exec_type: ExecType,
    o: Order,
    cl_ord_id: str | None = None,
    *,
    orig_cl_ord_id: str | None = None,
    last_qty: int = 0,
    last_px: int = 0,
    liquidity: Liquidity | None = None,
    contra_owner: str | None = None,
    reject_reason: OrdRejReason | None = None,
    text: str = "",
) -> Report:
    cl = o.cl_ord_id if cl_ord_id is None else cl_ord_id
    # No session reads a report on the venue's own background orders: their figures are not worth the strings.
    extra = snapshot(o) if o.request.owner[:1] != BACKGROUND else {}
    return Report(exec_type, o, cl, orig_cl_ord_id, last_qty, last_px, liquidity, contra_owner, reject_reason, text,
                  extra)
