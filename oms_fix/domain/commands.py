"""What a client asks of the OMS: NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest.

Already decoded and validated for shape by fix/translate.py (or the REST layer);
the order state machine decides what they mean for the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .enums import OrdType, Side, TimeInForce

__all__ = ["CancelOrder", "NewOrder", "ReplaceOrder"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    """NewOrderSingle (35=D). `order_qty` 0 with `cash_order_qty` set: a cash order (L.1.b)."""

    cl_ord_id: str
    symbol: str
    side: Side
    order_qty: int
    ord_type: OrdType = OrdType.LIMIT
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    account: str = ""
    cash_order_qty: Decimal | None = None
    poss_resend: bool = False  # header PossResend (97) = Y (R13)


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    """OrderCancelRequest (35=F). `order_qty` is the order's total quantity, as the client knows it."""

    cl_ord_id: str
    orig_cl_ord_id: str
    order_qty: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder:
    """OrderCancelReplaceRequest (35=G): the new *total* quantity and terms (R16)."""

    cl_ord_id: str
    orig_cl_ord_id: str
    order_qty: int
    price: Decimal | None = None
    ord_type: OrdType | None = None  # None: unchanged
    time_in_force: TimeInForce | None = None  # None: unchanged
