"""Pure values of the OMS's client order domain: FIX 4.4 enums, commands, the order
state machine and the reports it makes. Imports nothing from the rest of oms_fix."""

from .book import ClientOrderBook, Submission, unknown_order_cancel_reject, unknown_order_status
from .commands import CancelOrder, NewOrder, ReplaceOrder
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
from .order import InvalidTransition, Order, Request
from .reports import NONE_ORDER_ID, STATUS_EXEC_ID, CancelRejectReport, Outbound, Report
from .status import PRECEDENCE, ord_status
from .transitions import TRANSITIONS, Event, Phase

__all__ = [
    "NONE_ORDER_ID", "PRECEDENCE", "STATUS_EXEC_ID", "TRANSITIONS",
    "CancelOrder", "CancelRejectReport", "ClientOrderBook", "CxlRejReason", "CxlRejResponseTo", "Event",
    "ExecRestatementReason", "ExecType", "InvalidTransition", "NewOrder", "OrdRejReason", "OrdStatus",
    "OrdType", "Order", "Outbound", "Phase", "ReplaceOrder", "Report", "Request", "Side", "Submission",
    "TimeInForce", "ord_status", "unknown_order_cancel_reject", "unknown_order_status",
]
