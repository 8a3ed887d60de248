"""OrdStatus precedence: which status an order reports when several apply.

FIX 4.4 Vol 4 ("Order State Change Matrices") and the ExecutionReport section
rank the statuses with different numbers but the same order; the ranking is
the table below (spec file section 1.5). An order's OrdStatus is never set by
hand: the order lists the facts that hold (a cancel is pending, CumQty reached
OrderQty, ...) and `ord_status` picks the winner.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .enums import OrdStatus

__all__ = ["PRECEDENCE", "RANK", "ord_status"]

_S = OrdStatus

# Highest first. Statuses on one row tie; they can never hold together.
PRECEDENCE: Final[tuple[frozenset[OrdStatus], ...]] = (
    frozenset({_S.PENDING_CANCEL}),  # beats Filled: B.1.c step 6
    frozenset({_S.PENDING_REPLACE}),  # beats PartFill: C.1.b step 6
    frozenset({_S.DONE_FOR_DAY}),  # survives corrections: J.1.d
    frozenset({_S.CALCULATED}),
    frozenset({_S.FILLED}),  # beats Canceled: C.3.b/C.3.c
    frozenset({_S.STOPPED}),  # beats PartFill: L.1.a step 4
    frozenset({_S.SUSPENDED}),
    frozenset({_S.CANCELED, _S.EXPIRED}),  # beats New/PartFill: J.1.b
    frozenset({_S.PARTIALLY_FILLED}),
    frozenset({_S.NEW, _S.REJECTED, _S.PENDING_NEW}),
    frozenset({_S.ACCEPTED_FOR_BIDDING}),
)

RANK: Final[dict[OrdStatus, int]] = {s: rank for rank, row in enumerate(PRECEDENCE) for s in row}


def ord_status(facts: Iterable[OrdStatus]) -> OrdStatus:
    """The highest-precedence status among `facts` (a ValueError if none, or a tie)."""
    held = set(facts)
    if not held:
        raise ValueError("an order always has at least one status fact")
    best = min(RANK[s] for s in held)
    winners = held & PRECEDENCE[best]
    if len(winners) != 1:
        raise ValueError(f"contradictory status facts {sorted(winners)}")
    return next(iter(winners))
