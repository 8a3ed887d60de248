"""The working price of a pegged order (OrdType P) from the reference quote.

ExecInst(18) names the peg: ``R`` primary (a buy pegs to the bid, a sell to
the ask), ``P`` market (a buy pegs to the ask, a sell to the bid, so it takes),
``M`` midpoint (rounded to the passive side: a buy down, a sell up).
PegOffsetValue(211) is signed and added to the reference for both sides, so a
negative offset makes a buy less and a sell more aggressive. A Price on the
order caps it: a buy never works above it, a sell never below.
"""

from __future__ import annotations

from .book import Side

__all__ = ["PEG_KINDS", "peg_kind", "peg_price"]

PEG_KINDS = "RPM"


def peg_kind(exec_inst: str) -> str | None:
    """The one peg letter in ExecInst, None if there is none or more than one."""
    kinds = [c for c in exec_inst if c in PEG_KINDS]
    return kinds[0] if len(kinds) == 1 else None


def peg_price(side: Side, kind: str, offset: int, cap: int | None, bid: int | None, ask: int | None) -> int | None:
    """The peg's price, or None while the reference it needs is missing (or the price is not positive)."""
    buy = side == Side.BUY
    if kind == "M":
        if bid is None or ask is None:
            return None
        ref = (bid + ask) // 2 if buy else -((-(bid + ask)) // 2)
    elif kind == "R":
        ref_or_none = bid if buy else ask
        if ref_or_none is None:
            return None
        ref = ref_or_none
    else:
        ref_or_none = ask if buy else bid
        if ref_or_none is None:
            return None
        ref = ref_or_none
    price = ref + offset
    if cap is not None:
        price = min(price, cap) if buy else max(price, cap)
    return price if price > 0 else None
