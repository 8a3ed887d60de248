"""Which orders a lit venue accepts, and in which trading phase.

The phase table comes first: what each phase does with a new order and
whether it is a call (orders collect, nothing matches, an uncross ends it).
Then the checks, each failure a value ``(OrdRejReason, text)`` the engine
turns into a REJECTED report (or an OrderCancelReject for a replace).
"""

from __future__ import annotations

from dataclasses import dataclass

from .orders import CxlRejReason, Order, OrderRequest, OrdRejReason, OrdStatus, OrdType, Phase, Side, TimeInForce
from .pegs import peg_kind

__all__ = ["PHASES", "PhaseRule", "Problem", "check_entry", "check_replace", "check_terms", "is_post_only", "only_qty"]

Problem = tuple[OrdRejReason, str]


@dataclass(frozen=True, slots=True)
class PhaseRule:
    call: bool  # orders rest without matching; leaving the phase for CONTINUOUS/CLOSED uncrosses
    refuse: Problem | None  # why a new order is rejected in this phase, None if it is accepted


PHASES: dict[Phase, PhaseRule] = {
    Phase.PRE_OPEN: PhaseRule(call=True, refuse=None),
    Phase.OPENING_AUCTION: PhaseRule(call=True, refuse=(OrdRejReason.TOO_LATE_TO_ENTER, "opening auction in progress")),
    Phase.CONTINUOUS: PhaseRule(call=False, refuse=None),
    Phase.CLOSING_AUCTION: PhaseRule(call=True, refuse=None),
    Phase.CLOSED: PhaseRule(call=False, refuse=(OrdRejReason.EXCHANGE_CLOSED, "exchange closed")),
    Phase.HALTED: PhaseRule(call=True, refuse=None),
}

# The phases in which an auction TimeInForce may be entered (on a venue with auctions).
# ATC outside the closing auction is parked until the closing auction begins.
_AUCTION_TIF_PHASES: dict[TimeInForce, frozenset[Phase]] = {
    TimeInForce.AT_THE_OPENING: frozenset({Phase.PRE_OPEN}),
    TimeInForce.AT_THE_CLOSE: frozenset({Phase.PRE_OPEN, Phase.CONTINUOUS, Phase.CLOSING_AUCTION, Phase.HALTED}),
}

# Terms a replace may change besides OrderQty; any of them changed on a filled order is R8's "too late".
_TERMS = ("price", "stop_px", "expire_ns", "max_floor", "hidden", "min_qty", "exec_inst", "peg_offset", "account")

_UNSUPPORTED = OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC
_QTY = OrdRejReason.INCORRECT_QUANTITY
_OTHER = OrdRejReason.OTHER


def is_post_only(req: OrderRequest) -> bool:
    return "6" in req.exec_inst  # ExecInst 6 = Participate don't initiate


def check_terms(req: OrderRequest, now: int) -> Problem | None:
    """The order's own terms, whatever the phase (also run on a replace's new terms)."""
    if req.side not in (Side.BUY, Side.SELL):
        return _OTHER, "Side must be 1 (buy) or 2 (sell)"
    if req.qty <= 0:
        return _QTY, "OrderQty must be positive"
    kind = req.ord_type
    if kind in (OrdType.LIMIT, OrdType.STOP_LIMIT) and (req.price is None or req.price <= 0):
        return _OTHER, "a limit order needs a positive Price"
    if kind in (OrdType.STOP, OrdType.STOP_LIMIT) and (req.stop_px is None or req.stop_px <= 0):
        return _OTHER, "a stop order needs a positive StopPx"
    if kind is OrdType.PEGGED:
        if peg_kind(req.exec_inst) is None:
            return _UNSUPPORTED, "a pegged order needs exactly one of ExecInst P, M or R"
        if req.price is not None and req.price <= 0:
            return _OTHER, "a pegged order's cap Price must be positive"
    if req.tif is TimeInForce.GTD and (req.expire_ns is None or req.expire_ns <= now):
        return _OTHER, "a GTD order needs an ExpireTime in the future"
    if req.min_qty is not None and not 0 < req.min_qty <= req.qty:
        return _QTY, "MinQty must be between 1 and OrderQty"
    if req.max_floor is not None and not 0 <= req.max_floor <= req.qty:
        return _QTY, "MaxFloor must be between 0 and OrderQty"
    if is_post_only(req):
        if kind in (OrdType.MARKET, OrdType.STOP):
            return _UNSUPPORTED, "post-only (ExecInst 6) is not valid on a market order"
        if kind is OrdType.STOP_LIMIT:
            return _UNSUPPORTED, "post-only (ExecInst 6) is not valid on a stop order"
        if req.tif in (TimeInForce.IOC, TimeInForce.FOK):
            return _UNSUPPORTED, "post-only (ExecInst 6) cannot be IOC or FOK"
    return None


def check_entry(req: OrderRequest, symbol: str, phase: Phase, auctions: bool) -> Problem | None:
    """Whether this venue takes this order now: symbol, phase and TimeInForce."""
    if req.symbol != symbol:
        return OrdRejReason.UNKNOWN_SYMBOL, f"unknown symbol {req.symbol!r}: this book trades {symbol!r}"
    rule = PHASES[phase]
    if rule.refuse is not None:
        return rule.refuse
    phases = _AUCTION_TIF_PHASES.get(req.tif)
    if phases is not None:
        if not auctions:
            return _UNSUPPORTED, "TimeInForce At the Opening/At the Close needs a venue that runs auctions"
        if phase not in phases:
            if req.tif is TimeInForce.AT_THE_OPENING:
                return OrdRejReason.TOO_LATE_TO_ENTER, "at-the-opening orders are accepted in the pre-open only"
            return OrdRejReason.TOO_LATE_TO_ENTER, "at-the-close orders are not accepted now"
    if rule.call and req.tif in (TimeInForce.IOC, TimeInForce.FOK):
        return _UNSUPPORTED, "IOC and FOK orders are not accepted during a call phase"
    return None


def only_qty(new: OrderRequest, cur: OrderRequest) -> bool:
    """Whether a replace changes nothing but OrderQty (and the ClOrdID)."""
    return all(getattr(new, f) == getattr(cur, f) for f in _TERMS)


def check_replace(o: Order, new: OrderRequest, phase: Phase, now: int) -> tuple[CxlRejReason, str] | None:
    """Whether ``new`` may replace order ``o`` now (its ClOrdID already checked); post-only is the engine's."""
    cur = o.request
    if new.side != cur.side or new.symbol != cur.symbol:
        return CxlRejReason.OTHER, "side and symbol of an order cannot be changed"
    if new.ord_type != cur.ord_type or new.tif != cur.tif:
        return CxlRejReason.OTHER, "OrdType and TimeInForce of an order cannot be changed"
    if o.status is OrdStatus.FILLED:
        if not only_qty(new, cur) or cur.ord_type is OrdType.MARKET:
            return CxlRejReason.TOO_LATE_TO_CANCEL, "order is filled: only its quantity can be changed"  # R8
    elif o.done:
        return CxlRejReason.TOO_LATE_TO_CANCEL, f"order is already {o.status.name.lower()}"
    if phase is Phase.CLOSED:
        return CxlRejReason.OTHER, "exchange closed: orders can be cancelled, not replaced"
    problem = check_terms(new, now)
    return None if problem is None else (CxlRejReason.OTHER, problem[1])
