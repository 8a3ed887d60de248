"""The REST API's words for FIX 4.4 codes, and a REST order as the FIX fields of a NewOrderSingle.

A REST order is turned into the NewOrderSingle fields a FIX client would send
and read by the same ``new_order_from_fix`` (fix/translate.py): one mapping,
one set of checks, so an order entered by REST and one entered by FIX are the
same order to the OMS. "cover" is Side (54) 1 with PositionEffect (77) C; "short"
is Side 5 (shared/design.md).
"""

from __future__ import annotations

from decimal import Decimal

from ..domain.enums import ExecType, OrdStatus, OrdType, Side, TimeInForce
from ..engine.algos import ALGOS, STRATEGY_CODES
from ..fix.utctime import format_ns

__all__ = ["ALGO_WORDS", "ORDER_TYPES", "PEG_WORDS", "SIDES", "TIFS", "exec_type_word", "order_type_word",
           "side_word", "status_word", "tif_word"]

PLAIN_TYPES = {"market": OrdType.MARKET, "limit": OrdType.LIMIT, "stop": OrdType.STOP,
               "stop_limit": OrdType.STOP_LIMIT}
ALGO_WORDS = tuple(STRATEGY_CODES.values())
ORDER_TYPES = (*PLAIN_TYPES, *ALGO_WORDS)
SIDES = {"buy": Side.BUY, "sell": Side.SELL, "short": Side.SELL_SHORT, "cover": Side.BUY}
TIFS = {"day": TimeInForce.DAY, "gtc": TimeInForce.GOOD_TILL_CANCEL, "ioc": TimeInForce.IMMEDIATE_OR_CANCEL,
        "fok": TimeInForce.FILL_OR_KILL, "gtd": TimeInForce.GOOD_TILL_DATE, "atc": TimeInForce.AT_THE_CLOSE,
        "ato": TimeInForce.AT_THE_OPENING}
PEG_WORDS = {"primary": "R", "mid": "M", "market": "P"}  # ExecInst (18) on OrdType P

_STATUS = {OrdStatus.NEW: "new", OrdStatus.PARTIALLY_FILLED: "partially_filled", OrdStatus.FILLED: "filled",
           OrdStatus.DONE_FOR_DAY: "done_for_day", OrdStatus.CANCELED: "canceled",
           OrdStatus.PENDING_CANCEL: "pending_cancel", OrdStatus.STOPPED: "stopped", OrdStatus.REJECTED: "rejected",
           OrdStatus.SUSPENDED: "suspended", OrdStatus.PENDING_NEW: "pending_new", OrdStatus.CALCULATED: "calculated",
           OrdStatus.EXPIRED: "expired", OrdStatus.ACCEPTED_FOR_BIDDING: "accepted_for_bidding",
           OrdStatus.PENDING_REPLACE: "pending_replace"}
STATUS_WORDS = tuple(_STATUS.values())
_EXEC_TYPE = {ExecType.NEW: "new", ExecType.DONE_FOR_DAY: "done_for_day", ExecType.CANCELED: "canceled",
              ExecType.REPLACED: "replaced", ExecType.PENDING_CANCEL: "pending_cancel", ExecType.STOPPED: "stopped",
              ExecType.REJECTED: "rejected", ExecType.SUSPENDED: "suspended", ExecType.PENDING_NEW: "pending_new",
              ExecType.CALCULATED: "calculated", ExecType.EXPIRED: "expired", ExecType.RESTATED: "restated",
              ExecType.PENDING_REPLACE: "pending_replace", ExecType.TRADE: "trade",
              ExecType.TRADE_CORRECT: "trade_correct", ExecType.TRADE_CANCEL: "trade_cancel",
              ExecType.ORDER_STATUS: "order_status"}
_SIDE_WORD = {Side.BUY: "buy", Side.SELL: "sell", Side.SELL_SHORT: "short", Side.SELL_SHORT_EXEMPT: "short_exempt"}
_TIF_WORD = {v: k for k, v in TIFS.items()}
_TYPE_WORD = {v: k for k, v in PLAIN_TYPES.items()} | {OrdType.PEGGED: "peg"}
# The end states: nothing more will happen to the order.
DONE_STATUSES = frozenset({"filled", "canceled", "rejected", "expired", "done_for_day"})


def status_word(s: OrdStatus) -> str:
    return _STATUS[s]


def exec_type_word(e: ExecType) -> str:
    return _EXEC_TYPE[e]


def side_word(s: Side) -> str:
    return _SIDE_WORD.get(s, s.value)


def tif_word(t: TimeInForce) -> str:
    return _TIF_WORD.get(t, t.value)


def order_type_word(t: OrdType, algo: int | None) -> str:
    if algo is not None and algo in STRATEGY_CODES:
        return STRATEGY_CODES[algo]
    return _TYPE_WORD[t]


def algo_parameters_text(params: dict[str, object]) -> str:
    """TargetStrategyParameters (848): ``key=value;key=value`` in the caller's order."""
    return ";".join(f"{k}={v}" for k, v in params.items())


def _dec(value: Decimal) -> str:
    return format(value, "f")


def new_order_fields(*, cl_ord_id: str, account: str, symbol: str, side: str, quantity: int, order_type: str,
                     algo: str | None, price: Decimal | None, stop_price: Decimal | None, tif: str,
                     expire_ns: int | None, start_ns: int | None, params: dict[str, object],
                     participation_rate: Decimal | None, ex_destination: str | None, max_floor: int | None,
                     min_qty: int | None, peg: str | None, peg_offset: Decimal | None) -> list[tuple[int, str | bytes]]:
    """The NewOrderSingle (35=D) fields for a REST order whose words were already checked by the schema."""
    plain = PLAIN_TYPES.get(order_type)
    if peg is not None or order_type == "peg":
        ord_type = OrdType.PEGGED
    elif plain is not None:
        ord_type = plain
    else:
        ord_type = OrdType.LIMIT if price is not None else OrdType.MARKET
    f: list[tuple[int, str | bytes]] = [(35, "D"), (11, cl_ord_id), (1, account), (55, symbol), (54, SIDES[side].value),
                                (38, str(quantity)), (40, ord_type.value), (59, TIFS[tif].value)]
    if side == "cover":
        f.append((77, "C"))
    if price is not None:
        f.append((44, _dec(price)))
    if stop_price is not None:
        f.append((99, _dec(stop_price)))
    if expire_ns is not None:
        f.append((126, format_ns(expire_ns)))
    if start_ns is not None:
        f.append((168, format_ns(start_ns)))
    if algo is not None:
        f.append((847, str(ALGOS[algo])))
    if params:
        f.append((848, algo_parameters_text(params)))
    if participation_rate is not None:
        f.append((849, _dec(participation_rate)))
    if ex_destination:
        f.append((100, ex_destination))
    if max_floor is not None:
        f.append((111, str(max_floor)))
    if min_qty is not None:
        f.append((110, str(min_qty)))
    if ord_type is OrdType.PEGGED:
        f.append((18, PEG_WORDS[peg or "primary"]))
        if peg_offset is not None:
            f.append((211, _dec(peg_offset)))
    return f
