"""The OMS core's operator and session facts: kill switch, the trading day, marks, venues up and down.

Each is a handler ``Oms.handle`` dispatches to, with the core as its first
argument (as oms_status.py and oms_corrections.py are): the kill switch ends
every working order of the account through the core's unsolicited-end flow;
the trading day's roll ends day orders Done for Day (A.1.b) and starts GT
orders' next day; a mark moves risk's reference price; a venue that goes down
has its live children marked uncertain, and when it is back each is asked for
by OrderStatusRequest.

Settings changed at run time are commands too, so a replay changes them at the
same point in the stream: ``SetLimits`` (risk limits), ``SetRouting`` (the
router's policy), ``SetVenueRules`` (a venue's lit/dark/fee rules, or taking it
out of routing) and ``SetAlgoDefaults`` (848 parameters an algo order gets for
the keys it leaves out, merged in by ``new_order`` before the order is
checked). A change binds what comes after it: orders already working keep the
limits, venues and parameters they were taken with. A bad value (an unknown
venue, limit or strategy) changes nothing and is journaled as ignored; the
REST API refuses such values before they become commands.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..domain.enums import TimeInForce
from ..domain.transitions import Phase
from .algos import STRATEGY_CODES
from .oms_routing import reroute
from .oms_types import (ClientNew, Kill, Mark, NewDay, Revive, SetAlgoDefaults, SetLimits, SetRouting, SetVenueRules,
                        ToVenueStatus, VenueDown, VenueRule, VenueUp)
from .risk import RiskEngine

if TYPE_CHECKING:
    from .oms import Oms

__all__ = ["breaches", "instruments", "kill", "mark", "new_day", "new_order", "revive", "risk_engine",
           "set_algo_defaults", "set_limits", "set_routing", "set_venue_rules", "venue_down", "venue_rules", "venue_up",
           "venues_down"]

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


# -- settings changed at run time ---------------------------------------------------------


def set_limits(oms: "Oms", cmd: SetLimits, now: int) -> None:
    # getattr with a default: an unknown name reaches with_limits, which refuses it by name.
    changes = {n: getattr(cmd.limits, n, None) for n in cmd.names}
    try:
        oms._risk.set_limits(cmd.account, cmd.symbol, changes, frozenset(cmd.inherit), cmd.reason, now)
    except ValueError as e:
        oms._ignore("risk", f"limits of {cmd.account}: {e}")


def set_routing(oms: "Oms", cmd: SetRouting, now: int) -> None:
    changes = {k: v for k in ("dark_ping", "dark_ping_min_order", "dark_min_qty", "internal_cross")
               if (v := getattr(cmd, k)) is not None}
    small = [k for k in ("dark_ping_min_order", "dark_min_qty") if k in changes and changes[k] < 1]
    if small:
        oms._ignore("oms", f"routing: {', '.join(small)} must be at least 1")
        return
    oms.routing = replace(oms.routing, **changes)


def venue_rules(oms: "Oms") -> tuple[VenueRule, ...]:
    """Every venue's rules, in preference order: as the Oms was built, or as the last SetVenueRules left them."""
    return oms.venue_rules


def set_venue_rules(oms: "Oms", cmd: SetVenueRules, now: int) -> None:
    if cmd.venue not in {r.name for r in oms.venue_rules}:
        oms._ignore("oms", f"venue rules for {cmd.venue!r}: not a venue here")
        return
    changes = {k: v for k in ("lit", "dark", "taker_fee", "enabled") if (v := getattr(cmd, k)) is not None}
    oms.use_venues(tuple(replace(r, **changes) if r.name == cmd.venue else r for r in oms.venue_rules))


def set_algo_defaults(oms: "Oms", cmd: SetAlgoDefaults, now: int) -> None:
    if cmd.strategy not in STRATEGY_CODES:
        oms._ignore("oms", f"algo defaults for TargetStrategy (847) {cmd.strategy}: not an algo here")
        return
    kept = tuple((s, p) for s, p in oms.routing.algo_defaults if s != cmd.strategy)
    mine = ((cmd.strategy, cmd.params),) if cmd.params else ()
    oms.routing = replace(oms.routing, algo_defaults=tuple(sorted(kept + mine)))


def new_order(oms: "Oms", cmd: ClientNew, now: int) -> None:
    """A new order, with its strategy's default 848 parameters under its own (an order's key wins)."""
    spec = cmd.algo
    if spec is not None and oms.routing.algo_defaults:
        defaults = dict(oms.routing.algo_defaults).get(spec.strategy, ())
        given = {k for k, _ in spec.params}
        extra = tuple((k, v) for k, v in defaults if k not in given)
        if extra:
            cmd = replace(cmd, algo=replace(spec, params=spec.params + extra))
    oms._new(cmd, now)


# -- views for the REST API (read only) ------------------------------------------------------


def risk_engine(oms: "Oms") -> RiskEngine:
    return oms._risk


def venues_down(oms: "Oms") -> list[str]:
    """Venues the core takes as down (their link is not logged on, or is reconciling)."""
    return sorted(oms._down)


def breaches(oms: "Oms") -> list[tuple[str, str, str]]:
    """Real-time limits over now: (rule, account, symbol or "")."""
    return sorted(oms._risk._breaches)


def instruments(oms: "Oms") -> list[str]:
    return sorted(oms._instruments)
