"""Where the OMS core sends a parent's quantity: the router's children, sent and remembered.

Functions of the core (``oms`` first, as oms_operations.py's are). Every
routing decision reads the consolidated book, which is market data and not a
command, so each is recorded in the command's journal record and a replay
takes the recorded one (``route_qty``).

Re-route on reject: a venue that rejects a child gets none of the parent's
quantity again; the child's unfilled quantity goes to the other venues at
once. Only when no other venue is left does the reject end the parent (the
flows in oms.py). A child at a venue that went down is not re-routed while
its state is unknown: it may still fill there, and sending its quantity
elsewhere could over-fill the parent. Its quantity is routed again only once
the venue's status reply (or a reject) says it ended unfilled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..domain.enums import ExecRestatementReason, OrdType, TimeInForce
from . import oms_algo
from .oms_children import Child
from .oms_types import ToVenueNew
from .router import RouteRefusal, Slice, decode_route, encode_route, route

if TYPE_CHECKING:
    from .oms import Oms
    from .oms_children import Parent

__all__ = ["reroute", "reroute_rejected", "route_parent", "route_qty", "send_children"]


def reroute(oms: "Oms", parent: "Parent", now: int) -> None:
    """Route the parent's leaves again (after a replace, or a GT order's new day)."""
    o = parent.order
    if parent.algo is not None:
        oms_algo.step(oms, parent, now)  # the algo re-plans
        return
    slices = route_parent(oms, parent, o.leaves_qty)
    if isinstance(slices, RouteRefusal):
        oms._tell(parent, o.cancel(reason=ExecRestatementReason.OTHER, text=slices.text, now=now))
        oms._risk_done(parent, now)
    else:
        send_children(oms, parent, slices, now)


def reroute_rejected(oms: "Oms", parent: "Parent", child: Child, now: int) -> bool:
    """Send a rejected child's unfilled quantity to the venues that have not rejected this parent;
    False when there is none (or the parent is pinned by ExDestination, or ending)."""
    parent.avoid.add(child.venue)
    left = child.qty - child.cum
    if parent.ex_destination or left <= 0 or oms._wants_end(parent):
        return False
    o = parent.order
    limit = o.price if o.ord_type is OrdType.LIMIT else None
    slices = route_qty(oms, parent, left, limit)
    if isinstance(slices, RouteRefusal):
        return False
    send_children(oms, parent, slices, now)
    return True


def route_parent(oms: "Oms", parent: "Parent", qty: int) -> list[Slice] | RouteRefusal:
    """Children for ``qty`` of a plain parent at its own limit; an FOK parent's go whole to one venue."""
    o = parent.order
    slices = route_qty(oms, parent, qty, o.price if o.ord_type is OrdType.LIMIT else None)
    if isinstance(slices, list) and len(slices) > 1 and o.time_in_force is TimeInForce.FILL_OR_KILL:
        biggest = max(slices, key=lambda s: s.qty)  # first of the largest: preference order breaks ties
        return [Slice(biggest.venue, qty, biggest.price)]
    return slices


def route_qty(oms: "Oms", parent: "Parent", qty: int, limit: Decimal | None) -> list[Slice] | RouteRefusal:
    """The router's children for ``qty`` at ``limit`` (None: market), or the recorded ones in a replay."""
    o = parent.order
    venues = oms._all_venues if parent.ex_destination else oms._lit_venues
    if oms._replayed is not None:
        if not oms._replayed:
            raise ValueError(f"replay needs a routing decision for {o.order_id} that its record lacks")
        slices = decode_route(oms._replayed.pop())
    else:
        slices = route(oms._book, o.symbol, o.side.value, qty, limit, venues, frozenset(oms._down | parent.avoid),
                       parent.ex_destination, oms.venue_stats.rank())
    oms._routes.append(encode_route(slices))
    return slices


def send_children(oms: "Oms", parent: "Parent", slices: list[Slice], now: int, *, tif: str | None = None,
                  ord_type: OrdType | None = None, max_floor: int | None = None, min_qty: int | None = None) -> None:
    o = parent.order
    for s in slices:
        child = Child(child_id=oms._next_child_id(), parent_id=o.order_id, venue=s.venue, symbol=o.symbol,
                      side=o.side.value, qty=s.qty, price=s.price, placed=now)
        oms._children[child.child_id] = child
        parent.children.append(child.child_id)
        oms._out.append(ToVenueNew(venue=s.venue, child_id=child.child_id, symbol=o.symbol, side=child.side,
                                   qty=s.qty, ord_type=(ord_type or o.ord_type).value, price=s.price,
                                   tif=tif or o.time_in_force.value, expire_time=parent.expire_time,
                                   max_floor=max_floor, min_qty=min_qty))
        oms.venue_stats.sent(s.venue, s.qty, now)
        oms._note_child(child)
