"""Every ExecutionReport and cancel reject the OMS sent, per order, as the API's history of it.

Fed by the runtime as it sends (and by the journal's replay at start-up, so a
restart keeps the history): the same ``Report`` values the FIX sessions were
sent, so the REST view and the FIX view of an order cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ..domain.enums import ExecType
from ..domain.reports import CancelRejectReport, NONE_ORDER_ID, Report
from ..engine import oms_types as t
from ..fix.translate import cancel_reject_body, er_body
from ..fix.utctime import format_text
from .words import exec_type_word, side_word, status_word

__all__ = ["ReportLog", "fill_json", "report_json"]

_FILLS = frozenset({ExecType.TRADE, ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL})


def iso(ns: int) -> str:
    text = format_text(ns)  # YYYYMMDD-HH:MM:SS.sss
    return f"{text[0:4]}-{text[4:6]}-{text[6:8]}T{text[9:]}Z"


_PLACES = Decimal("1e-8")


def num(d: Decimal | None) -> str | None:
    """A price or average as JSON text: exact, but rounded half-even to 8 places as AvgPx (6) is on the
    wire (an average of thirds would otherwise run to 28 digits), without trailing zeros."""
    if d is None:
        return None
    if d.as_tuple().exponent < -8:  # type: ignore[operator]
        d = d.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    return format(d.normalize(), "f")


def report_json(r: Report | CancelRejectReport) -> dict[str, Any]:
    if isinstance(r, CancelRejectReport):
        return {"msg_type": "9", "order_id": r.order_id, "client_order_id": r.cl_ord_id,
                "orig_client_order_id": r.orig_cl_ord_id, "status": status_word(r.ord_status),
                "cxl_rej_reason": r.reason.value, "text": r.text, "time": iso(r.transact_time),
                "fix": cancel_reject_body(r).decode("latin-1").replace("\x01", "|")}
    return {"msg_type": "8", "order_id": r.order_id, "exec_id": r.exec_id, "exec_type": exec_type_word(r.exec_type),
            "status": status_word(r.ord_status), "client_order_id": r.cl_ord_id,
            "orig_client_order_id": r.orig_cl_ord_id, "symbol": r.symbol, "side": side_word(r.side),
            "quantity": r.order_qty, "filled_quantity": r.cum_qty, "leaves_quantity": r.leaves_qty,
            "avg_price": num(r.avg_px) if r.cum_qty else None, "last_quantity": r.last_qty or None,
            "last_price": num(r.last_px) if r.last_qty else None, "exec_ref_id": r.exec_ref_id,
            "ord_rej_reason": None if r.ord_rej_reason is None else r.ord_rej_reason.value,
            "text": r.text, "time": iso(r.transact_time),
            "target_strategy_performance": num(r.target_strategy_performance),
            "fix": er_body(r).decode("latin-1").replace("\x01", "|")}


def fill_json(r: Report) -> dict[str, Any]:
    return {"order_id": r.order_id, "exec_id": r.exec_id, "exec_type": exec_type_word(r.exec_type),
            "exec_ref_id": r.exec_ref_id, "symbol": r.symbol, "side": side_word(r.side),
            "quantity": r.last_qty, "price": num(r.last_px), "time": iso(r.transact_time),
            "filled_quantity": r.cum_qty, "avg_price": num(r.avg_px) if r.cum_qty else None}


class ReportLog:
    def __init__(self) -> None:
        self.by_order: dict[str, list[Report | CancelRejectReport]] = {}
        self.listeners: list[Callable[[str, Report | CancelRejectReport], None]] = []

    def observe(self, o: object) -> None:
        """One output of the core, as the runtime sends it: keeps the reports; tells the listeners."""
        if isinstance(o, t.ToClient) and o.msg.order_id != NONE_ORDER_ID:
            msg = o.msg
            if isinstance(msg, Report) and msg.exec_type is ExecType.ORDER_STATUS:
                return  # an answer to a status request, not a change
            self.by_order.setdefault(msg.order_id, []).append(msg)
            for fn in self.listeners:
                fn(o.session, msg)

    def reports(self, order_id: str) -> list[Report | CancelRejectReport]:
        return self.by_order.get(order_id, [])

    def fills(self, order_id: str) -> list[Report]:
        return [r for r in self.by_order.get(order_id, []) if isinstance(r, Report) and r.exec_type in _FILLS]
