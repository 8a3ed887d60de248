"""FIX 4.4 <-> the OMS's domain: the only module that knows both tags and domain types.

Inbound, a client's NewOrderSingle (35=D), OrderCancelRequest (35=F) and
OrderCancelReplaceRequest (35=G) become domain commands plus the fields the
domain does not model (ExDestination, ExpireTime, the Side as sent). A field
that cannot even be read (a quantity that is not a number, a Side the OMS
does not trade) is a ``Malformed`` naming the tag: the caller answers with an
ExecutionReport OrdStatus=8 (or an OrderCancelReject) carrying that text.
Rules about the instrument (tick, lot, known symbol) are the engine's: it
knows the instruments.

Outbound, a domain ``Report`` becomes the body of an ExecutionReport (35=8)
and a ``CancelRejectReport`` the body of an OrderCancelReject (35=9).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from ..domain.commands import CancelOrder, NewOrder, ReplaceOrder
from ..domain.enums import OrdRejReason, OrdType, Side, TimeInForce
from ..domain.reports import CancelRejectReport, Report
from .codec import wire
from .message import Message
from .utctime import format_ns, parse_ns

__all__ = ["Malformed", "NewOrderTerms", "cancel_from_fix", "cancel_reject_body", "er_body", "new_order_from_fix",
           "replace_from_fix"]

_SIDES = {s.value.encode(): s for s in (Side.BUY, Side.SELL, Side.SELL_SHORT, Side.SELL_SHORT_EXEMPT)}
_ORD_TYPES = {t.value.encode(): t for t in OrdType}
_TIFS = {t.value.encode(): t for t in TimeInForce if t is not TimeInForce.GOOD_TILL_CROSSING}
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class Malformed:
    """A field the OMS cannot read, as OrdRejReason (103) and Text (58)."""

    reason: OrdRejReason
    text: str


@dataclass(frozen=True, slots=True)
class NewOrderTerms:
    """A NewOrderSingle: the domain command and what travels beside it."""

    order: NewOrder
    ex_destination: str | None
    expire_ns: int | None
    stop_px: Decimal | None


def _decimal(msg: Message, tag: int, name: str) -> Decimal | None | Malformed:
    raw = msg.get(tag)
    if raw is None:
        return None
    try:
        value = Decimal(raw.decode("ascii"))
    except (InvalidOperation, UnicodeDecodeError):
        return Malformed(OrdRejReason.OTHER, f"{name} ({tag}) {raw.decode('latin-1')!r} is not a number")
    if not value.is_finite():
        return Malformed(OrdRejReason.OTHER, f"{name} ({tag}) {value} is not a number")
    return value


def _qty(msg: Message, tag: int = 38) -> int | Malformed:
    value = _decimal(msg, tag, "OrderQty")
    if value is None:
        return Malformed(OrdRejReason.INCORRECT_QUANTITY, f"OrderQty ({tag}) is required")
    if isinstance(value, Malformed):
        return Malformed(OrdRejReason.INCORRECT_QUANTITY, value.text)
    if value <= 0 or value != value.to_integral_value():
        return Malformed(OrdRejReason.INCORRECT_QUANTITY, f"OrderQty ({tag}) {value} must be a positive whole number")
    return int(value)


def _text(msg: Message, tag: int) -> str:
    return (msg.get(tag) or b"").decode("latin-1")


def new_order_from_fix(msg: Message) -> NewOrderTerms | Malformed:
    """A client's 35=D as the domain's ``NewOrder`` (FIX 4.4 Vol 4, NewOrderSingle)."""
    side = _SIDES.get(msg.get(54) or b"")
    if side is None:
        return Malformed(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                         f"Side (54) {_text(msg, 54)} is not traded here (1 buy, 2 sell, 5 sell short, 6 short exempt)")
    ord_type = _ORD_TYPES.get(msg.get(40) or b"")
    if ord_type is None:
        return Malformed(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                         f"OrdType (40) {_text(msg, 40)} is not supported (1, 2, 3, 4, P)")
    raw_tif = msg.get(59)
    tif = TimeInForce.DAY if raw_tif is None else _TIFS.get(raw_tif)
    if tif is None:
        return Malformed(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                         f"TimeInForce (59) {_text(msg, 59)} is not supported (0, 1, 2, 3, 4, 6, 7)")
    qty = _qty(msg)
    if isinstance(qty, Malformed):
        return qty
    price = _decimal(msg, 44, "Price")
    stop_px = _decimal(msg, 99, "StopPx")
    if isinstance(price, Malformed):
        return price
    if isinstance(stop_px, Malformed):
        return stop_px
    expire_ns = None
    if msg.get(126) is not None:
        expire_ns = parse_ns(msg.get(126) or b"")
        if expire_ns is None:
            return Malformed(OrdRejReason.OTHER, f"ExpireTime (126) {_text(msg, 126)!r} is not a UTCTimestamp")
    elif msg.get(432) is not None:
        day = parse_ns((msg.get(432) or b"") + b"-00:00:00")
        if day is None:
            return Malformed(OrdRejReason.OTHER, f"ExpireDate (432) {_text(msg, 432)!r} is not a date YYYYMMDD")
        expire_ns = day + _NS_PER_DAY  # good through that whole UTC day
    order = NewOrder(cl_ord_id=_text(msg, 11), symbol=_text(msg, 55), side=side, order_qty=qty, ord_type=ord_type,
                     price=price, time_in_force=tif, account=_text(msg, 1),
                     # A session-level resend (PossDupFlag 43) of an order the OMS already has is, to the
                     # order book, the same question as an application-level one (PossResend 97): status, not
                     # a duplicate-ClOrdID reject. It happens when the OMS journaled the order but crashed
                     # before its store recorded the message as received.
                     poss_resend=msg.get(97) == b"Y" or msg.get(43) == b"Y")
    return NewOrderTerms(order, _text(msg, 100) or None, expire_ns, stop_px)


def cancel_from_fix(msg: Message) -> CancelOrder:
    """A client's 35=F. OrderQty is optional in FIX 4.4 (0 when absent)."""
    qty = _qty(msg)
    return CancelOrder(cl_ord_id=_text(msg, 11), orig_cl_ord_id=_text(msg, 41),
                       order_qty=qty if isinstance(qty, int) else 0)


def replace_from_fix(msg: Message) -> ReplaceOrder | Malformed:
    """A client's 35=G: the new total quantity and terms (R16)."""
    qty = _qty(msg)
    if isinstance(qty, Malformed):
        return qty
    price = _decimal(msg, 44, "Price")
    if isinstance(price, Malformed):
        return price
    raw_type, raw_tif = msg.get(40), msg.get(59)
    ord_type = _ORD_TYPES.get(raw_type) if raw_type is not None else None
    if raw_type is not None and ord_type is None:
        return Malformed(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, f"OrdType (40) {_text(msg, 40)} is not supported")
    tif = _TIFS.get(raw_tif) if raw_tif is not None else None
    if raw_tif is not None and tif is None:
        return Malformed(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, f"TimeInForce (59) {_text(msg, 59)} is not supported")
    return ReplaceOrder(cl_ord_id=_text(msg, 11), orig_cl_ord_id=_text(msg, 41), order_qty=qty, price=price,
                        ord_type=ord_type, time_in_force=tif)


def _px(value: Decimal) -> str:
    """A price as FIX text: no exponent, no trailing zeros beyond two places."""
    text = format(value, "f")
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(2, "0")
        return f"{whole}.{frac}"
    return text + ".00"


_AVG_PLACES = Decimal("1e-8")


def _avg_px(value: Decimal) -> str:
    """An average price as FIX text: the exact average kept by the order, rounded (half even) to
    8 places on the wire, since 1/3-share averages otherwise run to 28 digits that clients reading
    prices as doubles cannot hold."""
    return _px(value.quantize(_AVG_PLACES, rounding=ROUND_HALF_EVEN))


def er_body(r: Report, copy: bool = False) -> bytes:
    """The ExecutionReport (35=8) for one domain report; ``copy`` marks a drop copy (CopyMsgIndicator 797=Y)."""
    f: list[tuple[int, str | bytes]] = [(37, r.order_id)]
    if r.cl_ord_id:  # ClOrdID is optional on a 4.4 ER: absent on the answer to a mass status matching nothing
        f.append((11, r.cl_ord_id))
    if r.orig_cl_ord_id:
        f.append((41, r.orig_cl_ord_id))
    if r.mass_status_req_id is not None:
        f.append((584, r.mass_status_req_id))
    if r.tot_num_reports is not None:
        f.append((911, str(r.tot_num_reports)))
    if r.last_rpt_requested is not None:
        f.append((912, "Y" if r.last_rpt_requested else "N"))
    f += [(17, r.exec_id)]
    if r.exec_ref_id:
        f.append((19, r.exec_ref_id))
    f += [(150, r.exec_type.value), (39, r.ord_status.value)]
    if r.ord_rej_reason is not None:
        f.append((103, r.ord_rej_reason.value))
    if r.exec_restatement_reason is not None:
        f.append((378, r.exec_restatement_reason.value))
    if r.account:
        f.append((1, r.account))
    f += [(55, r.symbol), (54, r.side.value), (38, str(r.order_qty)), (40, r.ord_type.value)]
    if r.price is not None:
        f.append((44, _px(r.price)))
    f.append((59, r.time_in_force.value))
    if r.last_qty:
        f += [(32, str(r.last_qty)), (31, _px(r.last_px))]
    f += [(151, str(r.leaves_qty)), (14, str(r.cum_qty)), (6, _avg_px(r.avg_px) if r.cum_qty else "0")]
    if r.day_order_qty is not None:
        f.append((424, str(r.day_order_qty)))
    if r.day_cum_qty is not None:
        f.append((425, str(r.day_cum_qty)))
    if r.day_avg_px is not None:
        f.append((426, _avg_px(r.day_avg_px)))
    f.append((60, format_ns(r.transact_time)))
    if r.text:
        f.append((58, r.text))
    if copy:
        f.append((797, "Y"))
    return wire(f)


def cancel_reject_body(r: CancelRejectReport) -> bytes:
    """The OrderCancelReject (35=9): OrdStatus after the reject, CxlRejResponseTo, CxlRejReason (R19)."""
    f: list[tuple[int, str | bytes]] = [(37, r.order_id), (11, r.cl_ord_id), (41, r.orig_cl_ord_id),
                                        (39, r.ord_status.value), (434, r.response_to.value), (102, r.reason.value)]
    if r.text:
        f.append((58, r.text))
    return wire(f)
