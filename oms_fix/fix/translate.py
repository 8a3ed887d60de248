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
from ..engine.algos.base import AlgoSpec
from .message import Message
from .fieldread import FieldError, decimal_field
from .translate_algo import algo_from_fix
from .utctime import format_text, parse_ns

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
    algo: AlgoSpec | None = None  # an algo order's instructions (translate_algo.py)


def _decimal(msg: Message, tag: int, name: str) -> Decimal | None | Malformed:
    try:
        return decimal_field(msg, tag, name)
    except FieldError as e:
        return Malformed(e.reason, e.text)


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
    try:
        algo = algo_from_fix(msg, ord_type, expire_ns)
    except FieldError as e:
        return Malformed(e.reason, e.text)
    return NewOrderTerms(order, _text(msg, 100) or None, expire_ns, stop_px, algo)


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


# Text of prices already written, by value: a fill price, a limit and an average recur on
# report after report. Zero is never cached, since -0 equals 0 but is written "-0.00".
_PX_CACHE_MAX = 4096
_px_text: dict[Decimal, str] = {}
_avg_px_text: dict[Decimal, str] = {}


def _px(value: Decimal) -> str:
    """A price as FIX text: no exponent, no trailing zeros beyond two places."""
    try:
        text = _px_text.get(value)
    except TypeError:  # a signalling NaN has no hash
        return _px_text_of(value)
    if text is None:
        text = _px_text_of(value)
        if value:
            if len(_px_text) >= _PX_CACHE_MAX:
                _px_text.clear()
            _px_text[value] = text
    return text


def _px_text_of(value: Decimal) -> str:
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
    try:
        text = _avg_px_text.get(value)
    except TypeError:
        return _px(value.quantize(_AVG_PLACES, rounding=ROUND_HALF_EVEN))
    if text is None:
        text = _px(value.quantize(_AVG_PLACES, rounding=ROUND_HALF_EVEN))
        if value:
            if len(_avg_px_text) >= _PX_CACHE_MAX:
                _avg_px_text.clear()
            _avg_px_text[value] = text
    return text


# The last report written and its body, swapped in whole. The OMS writes each report
# twice, for the client and then for the drop copies (the same body plus 797=Y); a
# Report is frozen, so the same object always has the same body.
_last_er: list[tuple[Report | None, bytes]] = [(None, b"")]


def er_body(r: Report, copy: bool = False) -> bytes:
    """The ExecutionReport (35=8) for one domain report; ``copy`` marks a drop copy (CopyMsgIndicator 797=Y)."""
    last, body = _last_er[0]
    if last is not r:
        body = _er_text(r).encode("latin-1")
        _last_er[0] = (r, body)
    return body + b"797=Y\x01" if copy else body


def _er_text(r: Report) -> str:
    # One join of strings: the domain's enums are str enums, whose text is their FIX code, so
    # they are joined as they are, without the cost of `.value` on every field.
    price, last_qty, cum_qty = r.price, r.last_qty, r.cum_qty
    return "".join([
        "37=", r.order_id,
        # ClOrdID is optional on a 4.4 ER: absent on the answer to a mass status matching nothing
        "\x0111=" + r.cl_ord_id if r.cl_ord_id else "",
        "\x0141=" + r.orig_cl_ord_id if r.orig_cl_ord_id else "",
        "" if r.mass_status_req_id is None else "\x01584=" + r.mass_status_req_id,
        "" if r.tot_num_reports is None else "\x01911=" + str(r.tot_num_reports),
        "" if r.last_rpt_requested is None else "\x01912=Y" if r.last_rpt_requested else "\x01912=N",
        "\x0117=", r.exec_id,
        "\x0119=" + r.exec_ref_id if r.exec_ref_id else "",
        "\x01150=", r.exec_type, "\x0139=", r.ord_status,
        "" if r.ord_rej_reason is None else "\x01103=" + r.ord_rej_reason,
        "" if r.exec_restatement_reason is None else "\x01378=" + r.exec_restatement_reason,
        "\x011=" + r.account if r.account else "",
        "\x0155=", r.symbol, "\x0154=", r.side, "\x0138=", str(r.order_qty), "\x0140=", r.ord_type,
        "" if price is None else "\x0144=" + _px(price),
        "\x0159=", r.time_in_force,
        "\x0132=" + str(last_qty) + "\x0131=" + _px(r.last_px) if last_qty else "",
        "\x01151=", str(r.leaves_qty), "\x0114=", str(cum_qty), "\x016=", _avg_px(r.avg_px) if cum_qty else "0",
        "" if r.day_order_qty is None else "\x01424=" + str(r.day_order_qty),
        "" if r.day_cum_qty is None else "\x01425=" + str(r.day_cum_qty),
        "" if r.day_avg_px is None else "\x01426=" + _avg_px(r.day_avg_px),
        "" if r.target_strategy_performance is None else "\x01850=" + _avg_px(r.target_strategy_performance),
        "\x0160=", format_text(r.transact_time),
        "\x0158=" + r.text if r.text else "",
        "\x01",
    ])


def cancel_reject_body(r: CancelRejectReport) -> bytes:
    """The OrderCancelReject (35=9): OrdStatus after the reject, CxlRejResponseTo, CxlRejReason (R19)."""
    f: list[tuple[int, str | bytes]] = [(37, r.order_id), (11, r.cl_ord_id), (41, r.orig_cl_ord_id),
                                        (39, r.ord_status.value), (434, r.response_to.value), (102, r.reason.value)]
    if r.text:
        f.append((58, r.text))
    return wire(f)
