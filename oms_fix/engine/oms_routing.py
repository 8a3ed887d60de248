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

Dark-first ping (``RoutingPolicy``): a plain parent's marketable quantity of
``dark_ping_min_order`` or more goes first, whole, to the dark pool as an IOC
at the NBBO mid (within the limit) with MinQty ``dark_min_qty``: it trades
there at the mid or not at all, and shows nothing to the lit market. When the
ping ends, what it did not fill sweeps the lit venues as any order would.
Small orders and passive ones go straight to the lit venues: a ping costs
them a round trip for little chance of size. A pool whose pings stopped
filling is pinged only now and then (``_worth_a_ping``), from the venue
statistics the core keeps.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from ..domain.enums import ExecRestatementReason, OrdType, TimeInForce
from ..domain.transitions import Phase
from . import oms_algo
from .oms_children import Child
from .oms_types import ToVenueNew
from .router import RouteRefusal, Slice, decode_route, encode_route, route

if TYPE_CHECKING:
    from .oms import Oms
    from .oms_children import Parent

PING_HISTORY = 10
PING_MIN_FILL_RATE = 0.02

__all__ = ["after_ping", "reroute", "reroute_rejected", "route_parent", "route_qty", "send_children"]


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


def reroute_rejected(oms: "Oms", parent: "Parent", child: Child, now: int, avoid: bool = True) -> bool:
    """Send a rejected (or lost) child's unfilled quantity to the venues that have not rejected this parent;
    False when there is none (or the parent is pinned by ExDestination, or ending). A lost child's venue
    (``avoid`` False) may get it again: losing an order with a session is no verdict on the venue."""
    if avoid:
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
    slices = route_qty(oms, parent, qty, o.price if o.ord_type is OrdType.LIMIT else None,
                       ping=o.time_in_force is not TimeInForce.FILL_OR_KILL)
    if isinstance(slices, list) and len(slices) > 1 and o.time_in_force is TimeInForce.FILL_OR_KILL:
        biggest = max(slices, key=lambda s: s.qty)  # first of the largest: preference order breaks ties
        return [Slice(biggest.venue, qty, biggest.price)]
    return slices


def route_qty(oms: "Oms", parent: "Parent", qty: int, limit: Decimal | None,
              ping: bool = False) -> list[Slice] | RouteRefusal:
    """The router's children for ``qty`` at ``limit`` (None: market), or the recorded ones in a replay;
    with ``ping``, the dark ping instead when the policy calls for one."""
    o = parent.order
    venues = oms._all_venues if parent.ex_destination else oms._lit_venues
    if oms._replayed is not None:
        if not oms._replayed:
            raise ValueError(f"replay needs a routing decision for {o.order_id} that its record lacks")
        slices = decode_route(oms._replayed.pop())
    else:
        dark = _dark_ping(oms, parent, qty, limit) if ping else None
        slices = [dark] if dark is not None else route(
            oms._book, o.symbol, o.side.value, qty, limit, venues, frozenset(oms._down | parent.avoid),
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
        if s.ioc:
            child.ping = parent.algo is None
        oms._out.append(ToVenueNew(venue=s.venue, child_id=child.child_id, symbol=o.symbol, side=child.side,
                                   qty=s.qty, ord_type=(ord_type or o.ord_type).value if s.price is None else "2",
                                   price=s.price, tif="3" if s.ioc else tif or o.time_in_force.value,
                                   expire_time=None if s.ioc else parent.expire_time, max_floor=max_floor,
                                   min_qty=s.min_qty or min_qty))
        oms.venue_stats.sent(s.venue, s.qty, now)
        oms._note_child(child)


def after_ping(oms: "Oms", parent: "Parent", child: Child, now: int) -> bool:
    """A plain parent's dark ping ended: what it left sweeps the lit venues (no second ping). False when
    there is nothing to do here (the parent is ending or done: the usual flow settles it)."""
    o = parent.order
    left = o.leaves_qty - oms_algo.working(oms, parent)
    if oms._wants_end(parent) or left <= 0 or o.phase not in (Phase.OPEN, Phase.OVERNIGHT):
        return False
    slices = route_qty(oms, parent, left, o.price if o.ord_type is OrdType.LIMIT else None)
    if isinstance(slices, RouteRefusal):
        return False
    send_children(oms, parent, slices, now)
    return True


def _worth_a_ping(oms: "Oms", venue: str) -> bool:
    """A dark pool whose pings have stopped filling (under PING_MIN_FILL_RATE of the quantity over at least
    PING_HISTORY pings) is pinged only every PING_HISTORY-th time, to notice when it fills again."""
    f = oms.venue_stats.of(venue)
    rate = f.fill_rate()
    return f.ended < PING_HISTORY or rate is None or rate >= PING_MIN_FILL_RATE or f.sent % PING_HISTORY == 0


def _dark_ping(oms: "Oms", parent: "Parent", qty: int, limit: Decimal | None) -> Slice | None:
    policy = oms.routing
    o = parent.order
    if not policy.dark_ping or parent.ex_destination or parent.algo is not None or qty < policy.dark_ping_min_order:
        return None
    dark = [v for v in oms._dark_venues if v not in oms._down and v not in parent.avoid
            and not oms._book.halted(v, o.symbol) and _worth_a_ping(oms, v)]
    if not dark:
        return None
    # Priced off the venues still trading: a halted venue's quotes stand frozen and cannot be hit.
    q = oms._book.nbbo(o.symbol, frozenset(v for v in oms._all_venues if oms._book.halted(v, o.symbol)))
    mid = q.mid
    buying = o.side.value == "1"
    far = q.ask if buying else q.bid
    if mid is None or far is None or (limit is not None and (far > limit if buying else far < limit)):
        return None  # not marketable (or no market to price a ping by): it rests lit
    # On the tick, rounded towards the far touch so that the ping reaches the pool's midpoint.
    tick = oms._instruments[o.symbol].tick
    steps = (mid / tick).to_integral_value(rounding=ROUND_CEILING if buying else ROUND_FLOOR)
    price = (steps * tick).quantize(tick)
    if limit is not None:
        price = min(price, limit) if buying else max(price, limit)
    return Slice(dark[0], qty, price, ioc=True, min_qty=min(policy.dark_min_qty, qty))
