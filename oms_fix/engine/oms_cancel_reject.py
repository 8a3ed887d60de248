"""A venue refuses to cancel a child (OrderCancelReject, 35=9): what the OMS core does next. Sans-IO.

A venue's OrderCancelReject alone does not say whether the child still
works there: "too late to cancel" usually means it filled, and the fills may
still be on their way. So the OMS first asks (OrderStatusRequest; the ER I is
reconciled in oms.py) and then, with the child still working:

* a client's cancel or replace was waiting on it: the client gets an
  OrderCancelReject with the venue's CxlRejReason and Text, and its order
  falls back to the status it had (FIX 4.4 Vol 4 B.1.a step 5-alt: "rejected
  after pending (trader/exchange)"; R19 for the reject's fields) and works on.
  The client decides whether to ask again; the OMS does not hammer the venue.
  What the request's other cancels took off their venues is worked again
  (``rework``): routed as the order's leaves would be; an algo re-plans.
* an unsolicited end (kill switch, mass cancel, the day's end) was waiting on
  it: oms.py sends the cancel again, at most three times, as there is nobody
  to tell.

A child the venue refused to cancel has no cancel outstanding: ``cancel_sent``
goes back to False, so a later request sends a new one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.enums import CxlRejReason, OrdType, TimeInForce
from ..domain.transitions import Phase
from . import oms_algo
from .oms_routing import route_parent, send_children
from .oms_types import ToVenueStatus, VenueCancelReject
from .router import RouteRefusal

if TYPE_CHECKING:
    from .oms import Oms
    from .oms_children import Child, Parent

__all__ = ["refuse_request", "rework", "stale_cancel", "venue_cancel_reject"]

# The venue's reasons that speak of the order itself; the others (unknown order, duplicate ClOrdID, ...) are
# about the OMS's own messages to the venue, and the client hears 99 Other with the venue's Text.
_RELAYED = frozenset({CxlRejReason.TOO_LATE_TO_CANCEL.value, CxlRejReason.BROKER_OPTION.value})
_KILL_TIFS = frozenset({TimeInForce.IMMEDIATE_OR_CANCEL, TimeInForce.FILL_OR_KILL})


def venue_cancel_reject(oms: "Oms", rej: VenueCancelReject, now: int) -> None:
    """Remember the venue's answer and ask it where the child stands (the ER I decides)."""
    child = oms._children.get(oms._aliases.get(rej.child_id, rej.child_id))
    if child is None or child.done:
        oms._ignore(rej.venue, f"cancel reject for {rej.child_id!r}: nothing to do")
        return
    child.cancel_sent = False
    child.refused = (rej.reason, rej.text)
    oms._note_child(child)
    oms._out.append(ToVenueStatus(venue=child.venue, child_id=child.child_id, symbol=child.symbol,
                                  side=child.side))


def refuse_request(oms: "Oms", parent: "Parent", child: "Child", now: int) -> bool:
    """The status reply shows ``child`` working after its venue refused to cancel it: the client's pending
    request is rejected with the venue's reason and Text. False when no venue refusal or no client request
    is waiting (an unsolicited end retries instead)."""
    refused, child.refused = child.refused, None
    if refused is None or parent.request is None or parent.ending is not None:
        return False  # an unsolicited end (kill, mass cancel, the day's end) overrides the request: it retries
    reason, text = refused
    req_id, parent.request = parent.request, None
    why = CxlRejReason(reason) if reason in _RELAYED else CxlRejReason.OTHER
    oms._tell(parent, parent.order.reject_request(req_id, reason=why, text=text or None, now=now))
    oms._note_child(child)
    rework(oms, parent, now)
    return True


def stale_cancel(oms: "Oms", parent: "Parent", child: "Child") -> bool:
    """``child`` ended canceled by a cancel the OMS sent for a request that has since been refused: its
    quantity is no longer covered though the parent works on."""
    o = parent.order
    return (child.cancel_sent and not oms._wants_end(parent) and o.phase is Phase.OPEN and o.leaves_qty > 0
            and child.child_id in parent.children)


def rework(oms: "Oms", parent: "Parent", now: int) -> None:
    """Route what of the parent's leaves no live child covers (cancels on their way still count: such a
    child may fill yet). An algo decides for itself; an IOC/FOK/market parent's time is over (R11)."""
    o = parent.order
    if oms._wants_end(parent):
        return  # ending, or another request waits: nothing is worked again
    if parent.algo is not None:
        oms_algo.step(oms, parent, now)
        return
    uncovered = o.leaves_qty - oms_algo.working(oms, parent)
    if uncovered <= 0 or o.time_in_force in _KILL_TIFS or o.ord_type is OrdType.MARKET:
        return
    slices = route_parent(oms, parent, uncovered)
    if isinstance(slices, RouteRefusal):
        oms._ignore(parent.order_id, f"{uncovered} left by a refused request not routed: {slices.text}")
        return
    send_children(oms, parent, slices, now)
