"""Incoming application messages as one readable line each.

    ER  C3 AAPL BUY 100 @190.00  ExecType=F Trade  OrdStatus=1 PartiallyFilled  Last 40 @190.00 ECN
        Cum 40 Leaves 60 Avg 190.00  [EXCH-...-E7]          (all on one line)
    CXL-REJ C4 orig C3: CxlRejReason=1 unknown order  OrdStatus=8 Rejected  Text=...

A message type without a printer of its own is shown field by field, so
nothing that arrives goes unseen.
"""

from __future__ import annotations

from typing import Callable

from ..fix.message import Message
from .orders import ORD_STATUS, SIDE_NAMES

__all__ = ["EXEC_TYPES", "render"]

EXEC_TYPES = {
    "0": "New", "1": "PartialFill", "2": "Fill", "3": "DoneForDay", "4": "Canceled", "5": "Replaced",
    "6": "PendingCancel", "7": "Stopped", "8": "Rejected", "9": "Suspended", "A": "PendingNew",
    "B": "Calculated", "C": "Expired", "D": "Restated", "E": "PendingReplace", "F": "Trade",
    "G": "TradeCorrect", "H": "TradeCancel", "I": "OrderStatus",
}
_ORD_REJ = {"0": "broker option", "1": "unknown symbol", "2": "exchange closed", "3": "exceeds limit",
            "4": "too late to enter", "5": "unknown order", "6": "duplicate order", "11": "unsupported order "
            "characteristic", "13": "incorrect quantity", "99": "other"}
_CXL_REJ = {"0": "too late to cancel", "1": "unknown order", "2": "broker option",
            "3": "already pending cancel or replace", "6": "duplicate ClOrdID", "99": "other"}
_BIZ_REJ = {"0": "other", "1": "unknown ID", "2": "unknown security", "3": "unsupported message type",
            "4": "application not available", "5": "conditionally required field missing", "6": "not authorized",
            "7": "DeliverTo firm not available"}
_MD_REJ = {"0": "unknown symbol", "1": "duplicate MDReqID", "4": "unsupported SubscriptionRequestType",
           "5": "unsupported MarketDepth", "7": "unsupported MDEntryType", "8": "unsupported MDUpdateType"}
_MASS_RESPONSE = {"0": "rejected", "1": "by symbol", "7": "all orders"}
_TRAD_SES = {"1": "Halted", "2": "Open", "3": "Closed", "4": "PreOpen", "5": "PreClose", "6": "RequestRejected"}
_SEC_STATUS = {"2": "Halted", "17": "ReadyToTrade", "18": "NotAvailable", "21": "PreOpen"}
_MD_ENTRY = {"0": "bid", "1": "offer", "2": "trade"}
_MD_ACTION = {"0": "new", "1": "change", "2": "delete"}


def _s(msg: Message, tag: int) -> str:
    return msg.get_str(tag, "") or ""


def _named(label: str, value: str, names: dict[str, str]) -> str:
    name = names.get(value)
    return f"{label}={value} {name}" if name else f"{label}={value}"


def _text(msg: Message) -> str:
    text = _s(msg, 58)
    return f"  Text={text}" if text else ""


def _execution_report(msg: Message) -> str:
    ids = _s(msg, 11)
    if 41 in msg:
        ids += f" (orig {_s(msg, 41)})"
    side = SIDE_NAMES.get(_s(msg, 54), _s(msg, 54))
    price = f"@{_s(msg, 44)}" if 44 in msg else "MKT"
    parts = [f"ER  {ids} {_s(msg, 55)} {side} {_s(msg, 38)} {price}",
             _named("ExecType", _s(msg, 150), EXEC_TYPES), _named("OrdStatus", _s(msg, 39), ORD_STATUS)]
    if 32 in msg and _s(msg, 32) not in ("", "0"):
        last = f"Last {_s(msg, 32)} @{_s(msg, 31)}"
        if 30 in msg:
            last += f" {_s(msg, 30)}"
        if 851 in msg:
            last += f" liq={_s(msg, 851)}"
        if 12 in msg:
            last += f" comm={_s(msg, 12)}"
        parts.append(last)
    parts.append(f"Cum {_s(msg, 14)} Leaves {_s(msg, 151)} Avg {_s(msg, 6)}")
    if 103 in msg:
        parts.append(_named("OrdRejReason", _s(msg, 103), _ORD_REJ))
    line = "  ".join(parts) + _text(msg)
    return f"{line}  [{_s(msg, 17)}]"


def _cancel_reject(msg: Message) -> str:
    to = "replace" if _s(msg, 434) == "2" else "cancel"
    return (f"CXL-REJ {_s(msg, 11)} orig {_s(msg, 41)} ({to}): {_named('CxlRejReason', _s(msg, 102), _CXL_REJ)}  "
            f"{_named('OrdStatus', _s(msg, 39), ORD_STATUS)}  OrderID={_s(msg, 37)}{_text(msg)}")


def _business_reject(msg: Message) -> str:
    ref = f" RefID={_s(msg, 379)}" if 379 in msg else ""
    return (f"BMR RefMsgType={_s(msg, 372)} RefSeqNum={_s(msg, 45)}{ref}  "
            f"{_named('BusinessRejectReason', _s(msg, 380), _BIZ_REJ)}{_text(msg)}")


def _groups(msg: Message, first: int) -> list[dict[int, str]]:
    """Repeating group entries, each starting at its delimiter tag `first`."""
    out: list[dict[int, str]] = []
    for tag, value in msg.fields:
        if tag == first:
            out.append({})
        if out:
            out[-1].setdefault(tag, value.decode("latin-1"))
    return out


def _snapshot(msg: Message) -> str:
    sides: dict[str, list[str]] = {"0": [], "1": [], "2": []}
    for e in _groups(msg, 269):
        sides.setdefault(e.get(269, "?"), []).append(f"{e.get(271, '?')}@{e.get(270, '?')}")
    body = "  ".join(f"{_MD_ENTRY.get(k, k)}s {' '.join(v)}" for k, v in sides.items() if v) or "empty"
    return f"MD  {_s(msg, 55)} snapshot ({_s(msg, 262)}): {body}"


def _incremental(msg: Message) -> str:
    words = []
    for e in _groups(msg, 279):
        kind = _MD_ENTRY.get(e.get(269, ""), e.get(269, "?"))
        qty = e.get(271, "")
        if kind == "trade":
            words.append(f"{e.get(55, '')} trade {qty}@{e.get(270, '?')}")
        else:
            action = _MD_ACTION.get(e.get(279, ""), e.get(279, "?"))
            words.append(f"{e.get(55, '')} {action} {kind} {qty}@{e.get(270, '?')}")
    return f"MD  ({_s(msg, 262)}) " + "; ".join(words)


def _md_reject(msg: Message) -> str:
    return f"MD-REJ {_s(msg, 262)}: {_named('MDReqRejReason', _s(msg, 281), _MD_REJ)}{_text(msg)}"


def _mass_cancel_report(msg: Message) -> str:
    line = f"MASS-CXL {_s(msg, 11)}: {_named('MassCancelResponse', _s(msg, 531), _MASS_RESPONSE)}"
    if 533 in msg:
        line += f"  TotalAffectedOrders={_s(msg, 533)}"
    if 532 in msg:
        line += f"  MassCancelRejectReason={_s(msg, 532)}"
    return line + _text(msg)


def _session_status(msg: Message) -> str:
    return (f"SESSION {_s(msg, 336)} {_named('TradSesStatus', _s(msg, 340), _TRAD_SES)}  "
            f"phase {_s(msg, 625)}{_text(msg)}")


def _security_status(msg: Message) -> str:
    return f"STATUS {_s(msg, 55)} at {_s(msg, 336)}: {_named('SecurityTradingStatus', _s(msg, 326), _SEC_STATUS)}"


_HEADER = {8, 9, 10, 34, 35, 49, 52, 56, 43, 97, 122}


def _other(msg: Message) -> str:
    body = "|".join(f"{t}={v.decode('latin-1')}" for t, v in msg.fields if t not in _HEADER)
    return f"35={(msg.msg_type or b'?').decode('latin-1')} {body}"


_PRINTERS: dict[bytes, Callable[[Message], str]] = {
    b"8": _execution_report, b"9": _cancel_reject, b"j": _business_reject, b"W": _snapshot,
    b"X": _incremental, b"Y": _md_reject, b"r": _mass_cancel_report, b"h": _session_status,
    b"f": _security_status,
}


def render(msg: Message) -> str:
    return _PRINTERS.get(msg.msg_type or b"", _other)(msg)
