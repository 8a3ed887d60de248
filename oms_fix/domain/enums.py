"""FIX 4.4 enumerations of the client order domain; each value is the FIX code.

Only the codes the OMS's client side uses. The venue side (sim_venues/) keeps
its own enums on purpose: the two layers never share a type.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "CxlRejReason",
    "CxlRejResponseTo",
    "ExecRestatementReason",
    "ExecType",
    "OrdRejReason",
    "OrdStatus",
    "OrdType",
    "Side",
    "TimeInForce",
]


class Side(str, Enum):
    BUY = "1"
    SELL = "2"
    BUY_MINUS = "3"
    SELL_PLUS = "4"
    SELL_SHORT = "5"
    SELL_SHORT_EXEMPT = "6"
    CROSS = "8"


class OrdType(str, Enum):
    MARKET = "1"
    LIMIT = "2"
    STOP = "3"
    STOP_LIMIT = "4"
    PEGGED = "P"


class TimeInForce(str, Enum):
    DAY = "0"  # also the meaning of an absent TimeInForce (59)
    GOOD_TILL_CANCEL = "1"
    AT_THE_OPENING = "2"
    IMMEDIATE_OR_CANCEL = "3"
    FILL_OR_KILL = "4"
    GOOD_TILL_CROSSING = "5"
    GOOD_TILL_DATE = "6"
    AT_THE_CLOSE = "7"

    @property
    def good_till(self) -> bool:
        """Lives across trading days (FIX 4.4 Vol 4, matrices H: "GT orders")."""
        return self in (TimeInForce.GOOD_TILL_CANCEL, TimeInForce.GOOD_TILL_DATE)


class ExecType(str, Enum):
    """ExecType (150). 1 (Partial fill) and 2 (Fill) are not valid in FIX 4.4."""

    NEW = "0"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    STOPPED = "7"
    REJECTED = "8"
    SUSPENDED = "9"
    PENDING_NEW = "A"
    CALCULATED = "B"
    EXPIRED = "C"
    RESTATED = "D"
    PENDING_REPLACE = "E"
    TRADE = "F"
    TRADE_CORRECT = "G"
    TRADE_CANCEL = "H"
    ORDER_STATUS = "I"


class OrdStatus(str, Enum):
    """OrdStatus (39). 5 (Replaced) is not used in FIX 4.4."""

    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    PENDING_CANCEL = "6"
    STOPPED = "7"
    REJECTED = "8"
    SUSPENDED = "9"
    PENDING_NEW = "A"
    CALCULATED = "B"
    EXPIRED = "C"
    ACCEPTED_FOR_BIDDING = "D"
    PENDING_REPLACE = "E"


class OrdRejReason(str, Enum):
    BROKER_OPTION = "0"
    UNKNOWN_SYMBOL = "1"
    EXCHANGE_CLOSED = "2"
    ORDER_EXCEEDS_LIMIT = "3"
    TOO_LATE_TO_ENTER = "4"
    UNKNOWN_ORDER = "5"
    DUPLICATE_ORDER = "6"
    DUPLICATE_OF_VERBAL_ORDER = "7"
    STALE_ORDER = "8"
    TRADE_ALONG_REQUIRED = "9"
    INVALID_INVESTOR_ID = "10"
    UNSUPPORTED_ORDER_CHARACTERISTIC = "11"
    INCORRECT_QUANTITY = "13"
    UNKNOWN_ACCOUNT = "15"
    OTHER = "99"


class CxlRejReason(str, Enum):
    TOO_LATE_TO_CANCEL = "0"
    UNKNOWN_ORDER = "1"
    BROKER_OPTION = "2"
    ALREADY_PENDING = "3"
    UNABLE_TO_PROCESS_MASS_CANCEL = "4"
    ORIG_ORD_MOD_TIME_MISMATCH = "5"
    DUPLICATE_CL_ORD_ID = "6"
    OTHER = "99"


class CxlRejResponseTo(str, Enum):
    ORDER_CANCEL_REQUEST = "1"
    ORDER_CANCEL_REPLACE_REQUEST = "2"


class ExecRestatementReason(str, Enum):
    GT_CORPORATE_ACTION = "0"
    GT_RENEWAL = "1"
    VERBAL_CHANGE = "2"
    REPRICING = "3"
    BROKER_OPTION = "4"
    PARTIAL_DECLINE = "5"
    CANCEL_ON_TRADING_HALT = "6"
    CANCEL_ON_SYSTEM_FAILURE = "7"
    MARKET_OPTION = "8"
    CANCELED_NOT_BEST = "9"
    WAREHOUSE_RECAP = "10"
    OTHER = "99"
