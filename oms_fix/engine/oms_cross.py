"""Internal crossing: opposing client orders trade with each other at the NBBO mid before anything goes out.

When a plain parent arrives, before it is routed, it crosses against the
opposite side's algo parents in the same symbol, up to the quantity each has
not placed at a venue yet (an algo parent holds most of its quantity back
while its schedule runs: that quantity can trade now without taking anything
from a venue). The price is the consolidated mid, so both sides trade inside
the spread; it must be within both limits. Not crossed:

* two orders of the same account (a wash trade);
* a parent being canceled, replaced or ended, or whose algo has finished;
* when the market is one-sided or crossed, since then there is no fair mid.

Each side gets an ordinary fill (an execution on a child at the internal
venue ``INTERNAL``, filled at once) and risk books it as any fill. The mid is
market data, so the decision goes into the command's journal record like a
routing decision and a replay takes it from there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable

from ..domain.enums import Side
from ..domain.transitions import Phase
from . import oms_algo
from .oms_children import Child

if TYPE_CHECKING:
    from .oms import Oms
    from .oms_children import Parent

__all__ = ["INTERNAL", "cross"]

INTERNAL = "INTERNAL"
_WORKING = frozenset({Phase.OPEN, Phase.OVERNIGHT})


def cross(oms: "Oms", parent: "Parent", now: int, accept: Callable[[], None]) -> int:
    """Crosses what it can of ``parent``'s leaves, calling ``accept`` first (the fills need an accepted
    order); returns the quantity crossed (0: nothing happened, ``accept`` was not called)."""
    if oms._replayed is not None:
        if not (oms._replayed and "cross" in oms._replayed[-1]):
            return 0
        matches = [(oid, int(q), Decimal(px)) for oid, q, px in oms._replayed.pop()["cross"]]
    else:
        matches = _find(oms, parent)
        if not matches:
            return 0
    oms._routes.append({"cross": [[oid, q, str(px)] for oid, q, px in matches]})
    accept()
    done = 0
    for oid, qty, px in matches:
        other = oms._parents[oid]
        mine = _fill(oms, parent, qty, px, now)
        mine.done, mine.ended_by = True, "F"  # the arriving parent is routed next: nothing to settle yet
        oms.venue_stats.ended(INTERNAL, qty, qty, "F", now)
        oms._note_child(mine)
        # The resting algo parent: its child ended filled, as at a venue (its algo is told, it may be done).
        oms._child_done(other, _fill(oms, other, qty, px, now), "F", "", now)
        done += qty
    return done


def _find(oms: "Oms", parent: "Parent") -> list[tuple[str, int, Decimal]]:
    if not oms.routing.internal_cross or parent.ex_destination:
        return []
    o = parent.order
    resting = oms._algo_orders.get(o.symbol)
    if resting:
        # Forget the algo orders that have ended: the list is walked for every arriving order.
        resting[:] = [oid for oid in resting if oms._parents[oid].order.phase in _WORKING]
    if not resting:
        return []
    q = oms._book.nbbo(o.symbol)
    mid = q.mid
    if mid is None or q.bid is None or q.ask is None or q.bid >= q.ask or not _within(mid, o.price, o.side):
        return []
    buying = o.side is Side.BUY
    left = o.leaves_qty
    out = []
    for oid in resting:
        if left <= 0:
            break
        other = oms._parents[oid]
        p = other.order
        if (other.algo is None or other.algo.finished or (p.side is Side.BUY) == buying
                or other.account == parent.account or p.phase not in _WORKING or oms._wants_end(other)
                or not _within(mid, p.price, p.side)):
            continue
        free = p.leaves_qty - oms_algo.working(oms, other)
        qty = min(left, free)
        if qty > 0:
            out.append((p.order_id, qty, mid))
            left -= qty
    return out


def _within(px: Decimal, limit: Decimal | None, side: Side) -> bool:
    return limit is None or (px <= limit if side is Side.BUY else px >= limit)


def _fill(oms: "Oms", parent: "Parent", qty: int, px: Decimal, now: int) -> Child:
    """A child at INTERNAL filled at once (still live: the caller ends it)."""
    o = parent.order
    child = Child(child_id=oms._next_child_id(), parent_id=o.order_id, venue=INTERNAL, symbol=o.symbol,
                  side=o.side.value, qty=qty, price=px, placed=now, acked=True)
    oms._children[child.child_id] = child
    parent.children.append(child.child_id)
    oms.venue_stats.sent(INTERNAL, qty, now)
    oms._apply_fill(parent, child, f"{child.child_id}-X", qty, px, now)
    return child
