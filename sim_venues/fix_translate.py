"""FIX 4.4 <-> venue engine values: the only venue module that knows both tags and orders.

Inbound: a NewOrderSingle (35=D) or the new terms of an OrderCancelReplaceRequest
(35=G) become an ``OrderRequest``; a field the venue cannot honour becomes a
``Refusal`` naming the tag and the rule, which the gateway answers with an
ExecutionReport with OrdStatus=8 (or an OrderCancelReject for 35=G).
Outbound: each engine ``Report`` becomes the body of one ExecutionReport
(35=8) and each ``CancelReject`` the body of one OrderCancelReject (35=9).
Pure: the caller passes the time and the ExecID.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from oms_fix.fix.codec import wire
from oms_fix.fix.message import Message
from oms_fix.fix.utctime import parse_ns

from .orders import (CancelReject, Liquidity, OrderRequest, OrdRejReason, OrdStatus, OrdType, Report, Side,
                     TimeInForce)

__all__ = ["Pricing", "Refusal", "cancel_reject_body", "er_body", "parse_order", "reject_body",
           "status_unknown_body", "wire"]

_SIDES = {b"1": Side.BUY, b"2": Side.SELL, b"5": Side.SELL, b"6": Side.SELL}
_ORD_TYPES = {t.value.encode(): t for t in OrdType}
_TIFS = {t.value.encode(): t for t in TimeInForce}
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an order cannot be taken, as OrdRejReason (103) and Text (58)."""

    reason: OrdRejReason
    text: str


class Pricing:
    """One instrument's prices: FIX decimal strings <-> integer ticks.

    ``denominator`` 2 serves the midpoint venues, whose execution prices are in
    half ticks (a one-tick spread has its mid between two ticks).
    """

    __slots__ = ("symbol", "tick", "_places", "_cache")

    def __init__(self, symbol: str, tick: Decimal | str | float):
        self.symbol = symbol
        self.tick = Decimal(str(tick))
        self._places = max(0, -self.tick.as_tuple().exponent)  # type: ignore[operator]
        self._cache: dict[tuple[int, int], str] = {}

    def to_ticks(self, text: bytes, tag: int) -> int | Refusal:
        try:
            value = Decimal(text.decode("ascii"))
        except (InvalidOperation, UnicodeDecodeError):
            return Refusal(OrdRejReason.OTHER, f"{_NAMES.get(tag, tag)} ({tag}) {text!r} is not a price")
        ticks, rest = divmod(value, self.tick)
        if rest:
            return Refusal(OrdRejReason.OTHER, f"{_NAMES.get(tag, tag)} ({tag}) {value} is not a multiple of "
                                               f"the tick {self.tick} for {self.symbol}")
        if ticks <= 0:
            return Refusal(OrdRejReason.OTHER, f"{_NAMES.get(tag, tag)} ({tag}) {value} must be positive")
        return int(ticks)

    def fmt(self, ticks: int, denominator: int = 1) -> str:
        """A price in ticks (or ticks/denominator) as a FIX decimal, to the tick's places (one more for halves)."""
        key = (ticks, denominator)
        text = self._cache.get(key)
        if text is None:
            places = self._places + (1 if denominator != 1 else 0)
            text = f"{Decimal(ticks) * self.tick / denominator:.{places}f}"
            if len(self._cache) < 100_000:  # prices cluster around the market; the cache stays small
                self._cache[key] = text
        return text

    def avg(self, notional: int, qty: int, denominator: int = 1) -> str:
        """AvgPx (6): notional / qty in ticks, exact to six places beyond the tick, trailing zeros cut."""
        if not qty:
            return "0"
        whole, rest = divmod(notional, qty)
        if not rest:
            return self.fmt(whole, denominator)
        value = Decimal(notional) * self.tick / (qty * denominator)
        text = f"{value:.{self._places + 6}f}".rstrip("0")
        return text


_NAMES = {44: "Price", 99: "StopPx", 38: "OrderQty", 110: "MinQty", 111: "MaxFloor", 211: "PegOffsetValue"}


def _qty(msg: Message, tag: int, required: bool) -> int | None | Refusal:
    raw = msg.get(tag)
    if raw is None:
        return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{_NAMES[tag]} ({tag}) is required") if required else None
    try:
        value = Decimal(raw.decode("ascii"))
    except (InvalidOperation, UnicodeDecodeError):
        return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{_NAMES[tag]} ({tag}) {raw!r} is not a quantity")
    if value != value.to_integral_value():
        return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{_NAMES[tag]} ({tag}) {value} must be a whole number")
    if value < 0 or (value == 0 and tag != 111):
        return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{_NAMES[tag]} ({tag}) {value} must be positive")
    return int(value)


def parse_order(msg: Message, owner: str, pricing: Pricing) -> OrderRequest | Refusal:
    """The order terms of a 35=D or 35=G; a ``Refusal`` names the first field it cannot honour."""
    side_raw = msg.get(54) or b""
    side = _SIDES.get(side_raw)
    if side is None:
        return Refusal(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                       f"Side (54) {side_raw.decode('latin-1')} is not supported here (1, 2, 5, 6)")
    ord_type = _ORD_TYPES.get(msg.get(40) or b"")
    if ord_type is None:
        return Refusal(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                       f"OrdType (40) {(msg.get(40) or b'').decode('latin-1')} is not supported here (1, 2, 3, 4, P)")
    tif_raw = msg.get(59)
    tif = TimeInForce.DAY if tif_raw is None else _TIFS.get(tif_raw)
    if tif is None:
        return Refusal(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                       f"TimeInForce (59) {(tif_raw or b'').decode('latin-1')} is not supported here (0, 1, 2, 3, 4, 6, 7)")
    qty = _qty(msg, 38, True)
    if isinstance(qty, Refusal):
        return qty
    assert qty is not None
    prices: dict[int, int | None] = {}
    for tag in (44, 99):
        raw = msg.get(tag)
        if raw is None:
            prices[tag] = None
            continue
        ticks = pricing.to_ticks(raw, tag)
        if isinstance(ticks, Refusal):
            return ticks
        prices[tag] = ticks
    if ord_type in (OrdType.LIMIT, OrdType.STOP_LIMIT) and prices[44] is None:
        return Refusal(OrdRejReason.OTHER, f"Price (44) is required for OrdType (40) {ord_type.value}")
    if ord_type in (OrdType.STOP, OrdType.STOP_LIMIT) and prices[99] is None:
        return Refusal(OrdRejReason.OTHER, f"StopPx (99) is required for OrdType (40) {ord_type.value}")
    if ord_type is OrdType.MARKET and prices[44] is not None:
        return Refusal(OrdRejReason.OTHER, "Price (44) is not allowed on a market order (OrdType 1)")
    extras: dict[int, int | None] = {}
    for tag in (110, 111):
        v = _qty(msg, tag, False)
        if isinstance(v, Refusal):
            return v
        extras[tag] = v
    peg_offset = 0
    raw_offset = msg.get(211)
    if raw_offset is not None:
        try:
            off = Decimal(raw_offset.decode("ascii"))
        except (InvalidOperation, UnicodeDecodeError):
            return Refusal(OrdRejReason.OTHER, f"PegOffsetValue (211) {raw_offset!r} is not a number")
        peg_ticks, rest = divmod(off, pricing.tick)
        if rest:
            return Refusal(OrdRejReason.OTHER, f"PegOffsetValue (211) {off} is not a multiple of the tick {pricing.tick}")
        peg_offset = int(peg_ticks)
    expire_ns = None
    if tif is TimeInForce.GTD:
        raw_exp = msg.get(126)
        if raw_exp is not None:
            expire_ns = parse_ns(raw_exp)
            if expire_ns is None:
                return Refusal(OrdRejReason.OTHER, f"ExpireTime (126) {raw_exp!r} is not a UTCTimestamp")
        else:
            raw_date = msg.get(432)
            if raw_date is None:
                return Refusal(OrdRejReason.OTHER, "TimeInForce 6 (GTD) needs ExpireTime (126) or ExpireDate (432)")
            day_ns = parse_ns(raw_date + b"-00:00:00")
            if day_ns is None:
                return Refusal(OrdRejReason.OTHER, f"ExpireDate (432) {raw_date!r} is not a date YYYYMMDD")
            expire_ns = day_ns + _NS_PER_DAY  # good through that whole (UTC) day
    max_floor = extras[111]
    return OrderRequest(
        owner=owner,
        cl_ord_id=(msg.get(11) or b"").decode("latin-1"),
        symbol=pricing.symbol,
        side=side,
        qty=qty,
        ord_type=ord_type,
        price=prices[44],
        stop_px=prices[99],
        tif=tif,
        expire_ns=expire_ns,
        max_floor=max_floor if max_floor else None,
        hidden=max_floor == 0,  # FIX 4.4 has no DisplayQty: MaxFloor=0 shows nothing
        min_qty=extras[110],
        exec_inst=(msg.get(18) or b"").decode("latin-1"),
        peg_offset=peg_offset,
        account=(msg.get(1) or b"").decode("latin-1"),
        fix_side=side_raw.decode("latin-1"),
    )


def _figures(report: Report) -> tuple[str, int, int, int]:
    """OrdStatus, CumQty, LeavesQty, notional as the engine saw them when the report was made."""
    extra, order = report.extra, report.order
    if "ord_status" in extra:
        return extra["ord_status"], int(extra["cum_qty"]), int(extra["leaves_qty"]), int(extra["avg_px_num"])
    return order.status.value, order.cum_qty, order.leaves_qty, order.notional


def er_body(report: Report, pricing: Pricing, venue: str, exec_id: str, transact_time: bytes,
            denominator: int = 1, commission: Decimal | None = None) -> list[tuple[int, str | bytes]]:
    """The fields of the ExecutionReport for one engine report (FIX 4.4 Vol 4; Appendix D rules R1-R7)."""
    order = report.order
    req = order.request
    status, cum, leaves, notional = _figures(report)
    # R6: OrderQty = CumQty + LeavesQty while the order works; once done, its last terms.
    order_qty = cum + leaves if leaves else req.qty
    fields: list[tuple[int, str | bytes]] = [
        (37, order.order_id), (11, report.cl_ord_id),
    ]
    if report.orig_cl_ord_id:
        fields.append((41, report.orig_cl_ord_id))
    fields += [(17, exec_id), (150, report.exec_type.value), (39, status)]
    if req.account:
        fields.append((1, req.account))
    fields += [(55, req.symbol), (54, req.fix_side or str(int(req.side))), (38, str(order_qty)),
               (40, req.ord_type.value)]
    if order.price is not None and req.ord_type is not OrdType.MARKET:
        fields.append((44, pricing.fmt(order.price)))
    elif req.price is not None:
        fields.append((44, pricing.fmt(req.price)))
    if req.stop_px is not None:
        fields.append((99, pricing.fmt(req.stop_px)))
    fields.append((59, req.tif.value))
    if req.max_floor is not None:
        fields.append((111, str(req.max_floor)))
    elif req.hidden:
        fields.append((111, "0"))
    if req.min_qty is not None:
        fields.append((110, str(req.min_qty)))
    if req.exec_inst:
        fields.append((18, req.exec_inst))
    if report.last_qty:
        fields += [(32, str(report.last_qty)), (31, pricing.fmt(report.last_px, denominator)), (30, venue)]
        # FIX 4.4 defines LastLiquidityInd 1, 2 and 3 only; an auction print (4 from FIX 5.0) leaves it out.
        if report.liquidity is not None and report.liquidity is not Liquidity.AUCTION:
            fields.append((851, report.liquidity.value))
        if commission is not None:
            fields += [(12, f"{commission:f}"), (13, "3")]
    fields += [(151, str(leaves)), (14, str(cum)),
               (6, pricing.avg(notional, cum, denominator))]
    if report.reject_reason is not None:
        fields.append((103, report.reject_reason.value))
    if report.text:
        fields.append((58, report.text))
    fields.append((60, transact_time))
    return fields


def reject_body(msg: Message, refusal: Refusal, exec_id: str, transact_time: bytes) -> list[tuple[int, str | bytes]]:
    """An ExecutionReport rejecting a 35=D the engine never saw (unknown symbol, bad field)."""
    def raw(tag: int, default: bytes = b"") -> bytes:
        return msg.get(tag) or default
    fields: list[tuple[int, str | bytes]] = [
        (37, "NONE"), (11, raw(11)), (17, exec_id), (150, "8"), (39, "8")]
    if msg.get(1):
        fields.append((1, raw(1)))
    fields += [(55, raw(55)), (54, raw(54, b"1")), (38, raw(38, b"0")), (40, raw(40, b"2"))]
    fields += [(151, "0"), (14, "0"), (6, "0"), (103, refusal.reason.value), (58, refusal.text), (60, transact_time)]
    return fields


def cancel_reject_body(rej: CancelReject) -> list[tuple[int, str | bytes]]:
    """OrderCancelReject (35=9), R10 and R19: unknown orders get OrderID NONE and OrdStatus 8."""
    order = rej.order
    fields: list[tuple[int, str | bytes]] = [
        (37, order.order_id if order is not None else "NONE"), (11, rej.cl_ord_id), (41, rej.orig_cl_ord_id),
        (39, order.status.value if order is not None else OrdStatus.REJECTED.value),
        (434, "2" if rej.is_replace else "1"), (102, rej.reason.value)]
    if rej.text:
        fields.append((58, rej.text))
    return fields


def status_unknown_body(msg: Message, exec_id: str, transact_time: bytes) -> list[tuple[int, str | bytes]]:
    """R14 / G.1.a: a status request for an unknown ClOrdID: ExecType I, OrdStatus 8, OrdRejReason 5."""
    fields: list[tuple[int, str | bytes]] = [
        (37, msg.get(37) or b"NONE"), (11, msg.get(11) or b""), (17, exec_id), (150, "I"), (39, "8"),
        (55, msg.get(55) or b""), (54, msg.get(54) or b"1"), (38, "0"), (151, "0"), (14, "0"), (6, "0"),
        (103, "5"), (58, "unknown order"), (60, transact_time)]
    return fields
