"""What the order state machine sends: ExecutionReport and OrderCancelReject content.

Values only: no FIX tags (fix/translate.py maps fields to tags). Quantities are
integers (shares), prices `Decimal`. `last_qty`/`last_px` are 0 on reports that
are not a trade, a correction or a Stopped guarantee; translate may omit them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .enums import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecRestatementReason,
    ExecType,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Side,
    TimeInForce,
)

__all__ = ["NONE_ORDER_ID", "STATUS_EXEC_ID", "CancelRejectReport", "Outbound", "Report"]

# OrderID (37) on a reply about an order the sell side does not know (R10).
NONE_ORDER_ID = "NONE"
# ExecID (17) of an ExecType I Order Status reply: "0" is allowed (R14).
STATUS_EXEC_ID = "0"

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The content of one ExecutionReport (35=8)."""

    order_id: str
    exec_id: str
    exec_type: ExecType
    ord_status: OrdStatus
    cl_ord_id: str
    orig_cl_ord_id: str | None = None
    account: str = ""
    symbol: str = ""
    side: Side = Side.BUY
    ord_type: OrdType = OrdType.LIMIT
    time_in_force: TimeInForce = TimeInForce.DAY
    price: Decimal | None = None
    order_qty: int = 0
    cash_order_qty: Decimal | None = None
    cum_qty: int = 0
    leaves_qty: int = 0
    avg_px: Decimal = _ZERO
    last_qty: int = 0
    last_px: Decimal = _ZERO
    exec_ref_id: str | None = None
    mass_status_req_id: str | None = None  # 584: this report answers that OrderMassStatusRequest
    tot_num_reports: int | None = None  # 911: how many reports answer it
    last_rpt_requested: bool | None = None  # 912: the last of them
    day_order_qty: int | None = None  # 424: GT orders on days after the first
    day_cum_qty: int | None = None  # 425
    day_avg_px: Decimal | None = None  # 426
    ord_rej_reason: OrdRejReason | None = None
    exec_restatement_reason: ExecRestatementReason | None = None
    text: str | None = None
    transact_time: int = 0  # ns since the epoch, as passed in
    target_strategy_performance: Decimal | None = None  # 850: an algo order's figure (e.g. shortfall bps)


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRejectReport:
    """The content of one OrderCancelReject (35=9): no quantities, no ExecID (R19)."""

    order_id: str
    cl_ord_id: str
    orig_cl_ord_id: str
    ord_status: OrdStatus
    response_to: CxlRejResponseTo
    reason: CxlRejReason
    text: str | None = None
    transact_time: int = 0


Outbound = Report | CancelRejectReport
