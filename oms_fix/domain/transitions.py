"""The client order state machine as a table: (phase, event) -> next phase.

order.py looks every event up here before it changes anything; a pair missing
from `TRANSITIONS` is an event the order cannot take in that phase. The phase
is the order's life cycle only: pending requests, quantities and the Stopped
flag are kept beside it, and OrdStatus is derived from all of them through the
precedence table (status.py). Scenario letters cite FIX 4.4 Vol 4, "Order
State Change Matrices" (shared/spec/fix44-order-state-matrices.md).
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from .enums import ExecType, OrdStatus

__all__ = ["EXEC_TYPE", "PHASE_FACT", "TOO_LATE", "TRANSITIONS", "Event", "Phase", "TooLate"]


class Phase(str, Enum):
    PENDING_NEW = "pending_new"  # received, not yet accepted
    OPEN = "open"  # accepted and working; becomes FILLED when CumQty reaches OrderQty
    FILLED = "filled"  # accepted, nothing open; a quantity increase re-opens it (C.1.c)
    DONE_FOR_DAY = "done_for_day"  # a day order after DFD: no longer active (A.1.b)
    OVERNIGHT = "overnight"  # a GT order after DFD, open again on `new_day` (H)
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"


class Event(str, Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    STOP = "stop"
    FILL = "fill"
    CORRECT = "correct"
    BUST = "bust"
    REQUEST_CANCEL = "request_cancel"
    REQUEST_REPLACE = "request_replace"  # any replace not raising OrderQty
    REQUEST_INCREASE = "request_increase"  # a replace raising OrderQty (R8)
    ACK_REQUEST = "ack_request"
    CONFIRM_CANCEL = "confirm_cancel"
    CONFIRM_REPLACE = "confirm_replace"
    REJECT_REQUEST = "reject_request"
    DONE_FOR_DAY = "done_for_day"
    NEW_DAY = "new_day"
    EXPIRE = "expire"
    CANCEL = "cancel"  # unsolicited: verbal, TIF kill, halt, not best (R11, R12)
    RESTATE = "restate"
    STATUS = "status"
    DUPLICATE = "duplicate"  # a NewOrderSingle reusing one of this order's ClOrdIDs


class TooLate(Enum):
    """A client request the order can no longer honour: Cancel Reject, CxlRejReason 0."""

    TOO_LATE = "too_late"


TOO_LATE: Final = TooLate.TOO_LATE

_P, _E = Phase, Event
_EXECUTIONS = {_E.FILL: None, _E.CORRECT: None, _E.BUST: None}
_ALWAYS = {_E.STATUS: None, _E.DUPLICATE: None}


def _rows(phase: Phase, moves: dict[Event, Phase | TooLate | None]) -> dict[tuple[Phase, Event], Phase | TooLate]:
    """One phase's row; None means "stays in `phase`"."""
    return {(phase, e): (phase if to is None else to) for e, to in moves.items()}


_LATE = {_E.REQUEST_CANCEL: TOO_LATE, _E.REQUEST_REPLACE: TOO_LATE, _E.REQUEST_INCREASE: TOO_LATE}
_ANSWERS = {_E.ACK_REQUEST: None, _E.REJECT_REQUEST: None}

# (phase, event) -> next phase. OPEN and FILLED are settled by quantity after
# every move, DONE_FOR_DAY becomes OVERNIGHT for a GT order (`Order._enter`).
TRANSITIONS: Final[dict[tuple[Phase, Event], Phase | TooLate]] = {
    **_rows(_P.PENDING_NEW, {
        _E.ACCEPT: _P.OPEN, _E.REJECT: _P.REJECTED,
        _E.REQUEST_CANCEL: None, _E.REQUEST_REPLACE: None, _E.REQUEST_INCREASE: None, **_ANSWERS,
        _E.CONFIRM_CANCEL: _P.CANCELED,  # B.1.d: canceled before any ack
        **_ALWAYS,
    }),
    **_rows(_P.OPEN, {
        _E.REJECT: _P.REJECTED,  # A.1.a 3-alt, only while nothing is executed
        _E.STOP: None, **_EXECUTIONS,
        _E.REQUEST_CANCEL: None, _E.REQUEST_REPLACE: None, _E.REQUEST_INCREASE: None, **_ANSWERS,
        _E.CONFIRM_CANCEL: _P.CANCELED, _E.CONFIRM_REPLACE: _P.OPEN,
        _E.DONE_FOR_DAY: _P.DONE_FOR_DAY, _E.NEW_DAY: _P.OPEN,  # a GT order without DFD
        _E.EXPIRE: _P.EXPIRED, _E.CANCEL: _P.CANCELED, _E.RESTATE: _P.OPEN,
        **_ALWAYS,
    }),
    **_rows(_P.FILLED, {
        _E.FILL: None,  # an overfill: taken and flagged
        _E.CORRECT: _P.OPEN, _E.BUST: _P.OPEN,  # J.1.a step 5 re-opens
        _E.REQUEST_CANCEL: TOO_LATE, _E.REQUEST_REPLACE: TOO_LATE,  # C.2.a
        _E.REQUEST_INCREASE: None,  # C.1.c
        **_ANSWERS, _E.CONFIRM_REPLACE: _P.OPEN, _E.RESTATE: _P.OPEN,
        **_ALWAYS,
    }),
    **_rows(_P.DONE_FOR_DAY, {
        **_EXECUTIONS,  # J.1.d: stays DFD
        **_LATE, **_ANSWERS, _E.CONFIRM_CANCEL: _P.CANCELED,
        **_ALWAYS,
    }),
    **_rows(_P.OVERNIGHT, {
        **_EXECUTIONS,
        _E.REQUEST_CANCEL: None, _E.REQUEST_REPLACE: None, _E.REQUEST_INCREASE: None, **_ANSWERS,
        _E.CONFIRM_CANCEL: _P.CANCELED, _E.CONFIRM_REPLACE: None,
        _E.NEW_DAY: _P.OPEN,  # H.1.a step 5
        _E.EXPIRE: _P.EXPIRED, _E.CANCEL: _P.CANCELED, _E.RESTATE: None,
        **_ALWAYS,
    }),
    **_rows(_P.CANCELED, {**_EXECUTIONS, **_LATE, **_ALWAYS}),  # J.1.b
    **_rows(_P.EXPIRED, {**_EXECUTIONS, **_LATE, **_ALWAYS}),
    **_rows(_P.REJECTED, {**_EXECUTIONS, **_LATE, **_ALWAYS}),
}

# The ExecType of the report each event makes (requests: 6/E by kind; rejects: 35=9).
EXEC_TYPE: Final[dict[Event, ExecType]] = {
    _E.ACCEPT: ExecType.NEW, _E.REJECT: ExecType.REJECTED, _E.STOP: ExecType.STOPPED,
    _E.FILL: ExecType.TRADE, _E.CORRECT: ExecType.TRADE_CORRECT, _E.BUST: ExecType.TRADE_CANCEL,
    _E.CONFIRM_CANCEL: ExecType.CANCELED, _E.CONFIRM_REPLACE: ExecType.REPLACED,
    _E.DONE_FOR_DAY: ExecType.DONE_FOR_DAY, _E.NEW_DAY: ExecType.RESTATED, _E.EXPIRE: ExecType.EXPIRED,
    _E.CANCEL: ExecType.CANCELED, _E.RESTATE: ExecType.RESTATED, _E.STATUS: ExecType.ORDER_STATUS,
    _E.DUPLICATE: ExecType.REJECTED,
}

# The status fact each phase contributes (quantities and requests add theirs).
PHASE_FACT: Final[dict[Phase, OrdStatus]] = {
    _P.PENDING_NEW: OrdStatus.PENDING_NEW, _P.OPEN: OrdStatus.NEW, _P.FILLED: OrdStatus.NEW,
    _P.DONE_FOR_DAY: OrdStatus.DONE_FOR_DAY, _P.OVERNIGHT: OrdStatus.DONE_FOR_DAY,
    _P.CANCELED: OrdStatus.CANCELED, _P.EXPIRED: OrdStatus.EXPIRED, _P.REJECTED: OrdStatus.REJECTED,
}
