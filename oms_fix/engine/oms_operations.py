"""The OMS core's operator and session facts: kill switch, the trading day, marks, venues up and down.

Each is a handler ``Oms.handle`` dispatches to, with the core as its first
argument (as oms_status.py and oms_corrections.py are): the kill switch ends
every working order of the account through the core's unsolicited-end flow;
the trading day's roll ends day orders Done for Day (A.1.b) and starts GT
orders' next day; a mark moves risk's reference price; a venue that goes down
has its live children marked uncertain, and when it is back each is asked for
by OrderStatusRequest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.enums import TimeInForce
from ..domain.transitions import Phase
from .oms_routing import reroute
from .oms_types import Kill, Mark, NewDay, Revive, ToVenueStatus, VenueDown, VenueUp

if TYPE_CHECKING:
    from .oms import Oms

__all__ = ["kill", "mark", "new_day", "revive", "venue_down", "venue_up"]

_WORKING = frozenset({Phase.OPEN, Phase.OVERNIGHT})


def kill(oms: "Oms", cmd: Kill, now: int) -> None:
    accounts = set(oms._risk.kill(cmd.account, cmd.reason, now))
    for p in list(oms._parents.values()):
        if oms._working(p) and (cmd.account is None or p.account in accounts):
            oms._end(p, ("kill", f"kill switch: {cmd.reason}"), now)


def revive(oms: "Oms", cmd: Revive, now: int) -> None:
    oms._risk.revive(cmd.account, cmd.reason, now)


def new_day(oms: "Oms", cmd: NewDay, now: int) -> None:
    """The trading day rolls. Day orders still working end: their children are canceled and, once
    the venues confirm, each is Done for Day (ExecType 3, A.1.b). Daily risk counters restart. GT
    parents start their next day, and one with nothing at a venue (its children were done for the
    day) is routed again."""
    risk = oms._risk
    if risk.day is not None and risk.day != cmd.day:
        for p in list(oms._parents.values()):
            if p.order.time_in_force is TimeInForce.DAY and oms._working(p):
                oms._end(p, ("day", f"end of trading day {risk.day}"), now)
    risk.start_day(cmd.day)
    for p in list(oms._parents.values()):
        o = p.order
        if not (o.time_in_force.good_till and o.phase in _WORKING):
            continue
        o.new_day(now=now, report=False)
        if o.leaves_qty and not oms._live(p):
            reroute(oms, p, now)


def mark(oms: "Oms", cmd: Mark, now: int) -> None:
    if cmd.symbol not in oms._instruments or cmd.price <= 0:
        oms._ignore("oms", f"mark {cmd.price} for {cmd.symbol!r}: not a known symbol or not a positive price")
        return
    oms._risk.mark(cmd.symbol, cmd.price, now)
    oms.venue_stats.mark(cmd.symbol, float(cmd.price), now)


def venue_down(oms: "Oms", cmd: VenueDown, now: int) -> None:
    oms._down.add(cmd.venue)
    oms.venue_stats.down(cmd.venue, now)
    for c in oms._children.values():
        if c.venue == cmd.venue and c.live:
            c.uncertain = True
            oms._note_child(c)


def venue_up(oms: "Oms", cmd: VenueUp, now: int) -> None:
    oms._down.discard(cmd.venue)
    oms.venue_stats.up(cmd.venue, now)
    for c in oms._children.values():
        if c.venue == cmd.venue and c.live and c.uncertain:
            oms._out.append(ToVenueStatus(venue=c.venue, child_id=c.child_id, symbol=c.symbol, side=c.side))
