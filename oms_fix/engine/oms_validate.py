"""Business rules an order must meet before risk sees it; each failure names its rule.

A failure is ``(OrdRejReason, text)``: the OMS answers with ExecutionReport
ExecType=8 OrdStatus=8 carrying both. The rules, in the order they apply
(the first that fails names the rejection):

known symbol, supported Side, supported OrdType, supported TimeInForce,
quantity a positive multiple of the lot, price present where OrdType needs it
(and absent for a market order), price positive and on the tick, ExpireTime
for GTD (and not already past), ExDestination a venue here.

Supported here: OrdType 1 (market) and 2 (limit); TimeInForce 0, 1, 3, 4, 6.
Stop and pegged orders, and auction-only or GTX time in force, need venue
features the plain router does not pick for (they are the EMS's business).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from ..domain.enums import OrdRejReason, OrdType, Side, TimeInForce
from .oms_types import InstrumentRules

__all__ = ["SIDES", "ORD_TYPES", "TIFS", "Failure", "check_new", "check_terms"]

Failure = tuple[OrdRejReason, str]

SIDES = frozenset({Side.BUY, Side.SELL, Side.SELL_SHORT, Side.SELL_SHORT_EXEMPT})
ORD_TYPES = frozenset({OrdType.MARKET, OrdType.LIMIT})
TIFS = frozenset({TimeInForce.DAY, TimeInForce.GOOD_TILL_CANCEL, TimeInForce.IMMEDIATE_OR_CANCEL,
                  TimeInForce.FILL_OR_KILL, TimeInForce.GOOD_TILL_DATE})
_UNSUPPORTED = OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC


def check_terms(rules: InstrumentRules, symbol: str, qty: int, ord_type: OrdType, price: Decimal | None,
                tif: TimeInForce, expire_time: int | None, now: int, algo: bool = False) -> Failure | None:
    """The rules shared by a new order and a replace (whose new terms must meet them too). A pegged
    order (OrdType P) is worked by the peg algo; its Price (44), when given, caps the peg."""
    if ord_type is OrdType.PEGGED and not algo:
        return _UNSUPPORTED, "OrdType (40) P needs ExecInst (18) R (primary), M (mid-price) or P (market) to peg to"
    if ord_type not in ORD_TYPES and not (algo and ord_type is OrdType.PEGGED):
        return _UNSUPPORTED, f"OrdType (40) {ord_type.value} is not supported (1 market, 2 limit)"
    if tif not in TIFS:
        return _UNSUPPORTED, f"TimeInForce (59) {tif.value} is not supported (0, 1, 3, 4, 6)"
    if qty <= 0 or qty % rules.lot:
        return OrdRejReason.INCORRECT_QUANTITY, (f"OrderQty (38) {qty} is not a positive multiple of the lot "
                                                 f"size {rules.lot} for {symbol}")
    if ord_type is OrdType.LIMIT and price is None:
        return OrdRejReason.OTHER, "Price (44) is required for OrdType 2 (limit)"
    if ord_type is OrdType.MARKET and price is not None:
        return OrdRejReason.OTHER, "Price (44) is not allowed on OrdType 1 (market)"
    if price is not None:
        if price <= 0:
            return OrdRejReason.OTHER, f"Price (44) {price} is not positive"
        if price % rules.tick:
            return OrdRejReason.OTHER, f"Price (44) {price} is not on the tick size {rules.tick} for {symbol}"
    if tif is TimeInForce.GOOD_TILL_DATE:
        if expire_time is None:
            return OrdRejReason.OTHER, "ExpireTime (126) or ExpireDate (432) is required for TimeInForce 6 (GTD)"
        if expire_time <= now:
            return OrdRejReason.TOO_LATE_TO_ENTER, "ExpireTime (126) is already past"
    return None


def check_new(instruments: Mapping[str, InstrumentRules], venues: Collection[str], *, symbol: str, side: Side,
              qty: int, ord_type: OrdType, price: Decimal | None, tif: TimeInForce, expire_time: int | None,
              ex_destination: str | None, now: int, algo: bool = False) -> Failure | None:
    rules = instruments.get(symbol)
    if rules is None:
        return OrdRejReason.UNKNOWN_SYMBOL, f"Symbol (55) {symbol!r} is not a known symbol"
    if side not in SIDES:
        return _UNSUPPORTED, f"Side (54) {side.value} is not supported (1 buy, 2 sell, 5 sell short, 6 short exempt)"
    failed = check_terms(rules, symbol, qty, ord_type, price, tif, expire_time, now, algo)
    if failed is not None:
        return failed
    if ex_destination and ex_destination not in venues:
        return OrdRejReason.OTHER, f"ExDestination (100) {ex_destination} is not a venue here ({', '.join(venues)})"
    return None
