"""Venue trade corrections (ExecType G) and busts (H): the fill changes in the child and in the parent,
and the client hears of it once. Sans-IO.

FIX 4.4 Vol 4, Order State Change Matrices J (shared/spec rule R15, checklist
items 9, 10, 12): a G or H names in ExecRefID (19) the latest version of the
execution it changes, the ExecID of its ER F or of its last G. The OMS keeps
each venue ExecID against the parent execution it fed (a fill's id is
"venue:ExecID"; a correction's ExecID maps to it in ``Oms._venue_versions``):

* A known execution is busted (H) or becomes LastQty at LastPx (G; a
  correction to nothing is a bust) in the child's applied fills and in the
  parent's ledger. The client gets ExecType H / G whose ExecRefID is the
  ExecID *it* was told for that execution, at its latest version; CumQty,
  LeavesQty and AvgPx are restated exactly (Decimal, executions.py) and
  OrdStatus recomputed: Filled goes back to Partially filled, Canceled and
  Done for day stay (J.1.a, J.1.b, J.1.d).
* A bust of a busted execution changes nothing (R15: a bust is final).
* Then, as for every venue report (oms_reconcile.py), the venue's CumQty is
  the truth. Quantity above the child's is applied as fills: a G whose
  execution the OMS never saw is a fill of its LastQty at LastPx, like an
  ER F. Quantity below it (the execution was counted inside a fill the OMS
  priced from a CumQty, after an outage) is taken back from those fills,
  newest first, each a G or H to the client.
* The changed trade's own ExecID counts as seen: its ER F, lost in an outage
  and resent later, is dropped, so a busted fill never comes back.

Risk: a bust is booked as the opposite trade at the fill's price, a
correction as that and the corrected trade (risk.on_bust / on_correct).

Afterwards the child follows the venue's report: one the venue reopens
(OrdStatus working, LeavesQty > 0) is live again, and is canceled at once if
its parent no longer works; one the venue ended stays ended. A parent a bust
reopened counts as working for risk again. Leaves its live children do not
cover (the bust was of a finished child's fill) are worked: an IOC/FOK/market
parent's remainder is canceled (R11: its time is over; at once if nothing is
at a venue, else when its children end), any other's is routed again (J.1.a
step 7: the reopened order is filled later; J.1.c: yesterday's fill reduced).
A parent a correction filled has its other live children canceled.

Known limit: a report lost in an outage before a bust and resent after it
carries a CumQty from before the bust, which the OMS cannot tell from a new
one (FIX ExecutionReports carry no sequence of their own).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from ..domain.enums import ExecRestatementReason, OrdType, TimeInForce
from ..domain.executions import Execution
from ..domain.transitions import Phase
from .oms_children import Child, Parent
from .oms_routing import reroute, route_parent, send_children
from .oms_types import VenueExec
from .router import RouteRefusal

if TYPE_CHECKING:
    from .oms import Oms

__all__ = ["venue_correction"]

_KILL_TIFS = frozenset({TimeInForce.IMMEDIATE_OR_CANCEL, TimeInForce.FILL_OR_KILL})
_WORKING = frozenset({Phase.OPEN, Phase.OVERNIGHT})
_LIVE_STATUSES = frozenset({"0", "1", "6", "A", "E", "9"})  # OrdStatus of an order still working at its venue


def venue_correction(oms: Oms, parent: Parent, child: Child, er: VenueExec, now: int) -> None:
    """An ER G or H about ``child`` (its ExecID is new: oms.py drops repeated ones)."""
    o = parent.order
    told = len(oms._out)
    ex = None
    if er.exec_ref_id:
        ref = f"{er.venue}:{er.exec_ref_id}"
        ex = o.executions.by_fill(oms._venue_versions.get(ref, ref))
        oms._seen.add(ref)
    if ex is not None and not ex.live:
        oms._ignore(child.child_id, f"ExecID {er.exec_id}: ExecRefID {er.exec_ref_id} was busted already")
        return
    if ex is not None:
        qty = er.last_qty if er.exec_type == "G" else 0
        _change(oms, parent, child, ex, qty, er.last_px if er.last_px is not None and er.last_px > 0 else ex.px, now)
        if qty:
            oms._venue_versions[f"{er.venue}:{er.exec_id}"] = ex.fill_id
    gap = er.cum_qty - child.cum
    if gap > 0:
        as_fill = ex is None and er.exec_type == "G"
        oms._apply_venue_fills(parent, child, replace(er, exec_type="F" if as_fill else "0"), now)
    elif gap < 0:
        _take_back(oms, parent, child, -gap, now)
    if len(oms._out) == told:
        oms._ignore(child.child_id, f"ExecType {er.exec_type} ExecID {er.exec_id}: ExecRefID {er.exec_ref_id!r} is "
                                    f"no execution of the OMS's and CumQty {er.cum_qty} is as applied")
    _follow_venue(oms, parent, child, er, now)
    _after(oms, parent, now)


def _change(oms: Oms, parent: Parent, child: Child, ex: Execution, qty: int, px: Decimal, now: int) -> None:
    """``ex`` becomes ``qty`` at ``px`` (0: busted) in the child, the parent and risk; the client is told."""
    o = parent.order
    old_qty, old_px = ex.qty, ex.px
    child.cum += qty - old_qty
    child.notional += qty * px - old_qty * old_px
    child.taken += max(0, old_qty - qty)
    if qty:
        msgs = o.correct(exec_ref_id=ex.exec_id, qty=qty, px=px, now=now)
        oms._risk.on_correct(parent.account, o.symbol, o.side.value, old_qty, old_px, qty, px, now,
                             order_id=o.order_id)
    else:
        msgs = o.bust(exec_ref_id=ex.exec_id, now=now)
        oms._risk.on_bust(parent.account, o.symbol, o.side.value, old_qty, old_px, now, order_id=o.order_id)
    oms._tell(parent, msgs)
    oms._note_child(child)


def _take_back(oms: Oms, parent: Parent, child: Child, qty: int, now: int) -> None:
    """The venue counts ``qty`` less than the child's applied fills: taken from the fills the OMS priced
    from a CumQty (ids "venue:child:..."), newest first; none left, it stays (the journal says so)."""
    prefix = f"{child.venue}:{child.child_id}:"
    for ex in reversed([e for e in parent.order.executions if e.live and e.fill_id.startswith(prefix)]):
        take = min(qty, ex.qty)
        _change(oms, parent, child, ex, ex.qty - take, ex.px, now)
        qty -= take
        if not qty:
            return
    oms._ignore(child.child_id, f"venue CumQty is {qty} below the fills applied, none of them reconciled ones")


def _follow_venue(oms: Oms, parent: Parent, child: Child, er: VenueExec, now: int) -> None:
    if child.done and er.ord_status in _LIVE_STATUSES and er.leaves_qty > 0 and child.cum < child.qty:
        child.done, child.ended_by, child.text = False, "", ""
        oms._note_child(child)
        if parent.order.phase not in _WORKING or oms._wants_end(parent):
            oms._cancel_child(child)  # reopened at its venue while its parent no longer works there
    elif child.live and (er.ord_status not in _LIVE_STATUSES or child.cum >= child.qty):
        oms._child_done(parent, child, "F" if child.cum >= child.qty else er.ord_status, er.text, now)


def _after(oms: Oms, parent: Parent, now: int) -> None:
    o = parent.order
    if not o.leaves_qty:
        if not oms._live(parent):
            oms._risk_done(parent, now)
        elif o.phase is Phase.FILLED:
            oms._cancel_children(parent, now)  # a correction filled it: nothing more to work
        return
    if o.phase not in _WORKING:
        return
    if parent.risk_done:  # it had ended (filled); a bust reopened it
        oms._risk.on_reopened(oms._risk_order(parent, o.order_qty, o.price, o.ord_type), o.leaves_qty, now)
        parent.risk_done = False
    if o.phase is not Phase.OPEN or oms._wants_end(parent):
        return  # NewDay routes a GT order again; a request or an end is being settled
    live = [c for c in (oms._children[i] for i in parent.children) if c.live]
    uncovered = o.leaves_qty - sum(max(0, c.qty - c.cum) for c in live if not c.cancel_sent)
    kill_tif = o.time_in_force in _KILL_TIFS or o.ord_type is OrdType.MARKET
    if uncovered <= 0 or (live and kill_tif):
        return  # its children work it all; or their end cancels an IOC/FOK/market remainder (R11)
    if live:  # a bust of a finished child's fill: the children at work do not cover the leaves
        slices = route_parent(oms, parent, uncovered)
        if isinstance(slices, RouteRefusal):
            oms._ignore(parent.order_id, f"{uncovered} reopened by a bust or correction not routed: {slices.text}")
        else:
            send_children(oms, parent, slices, now)
    elif oms._risk.is_killed(parent.account):
        oms._tell(parent, o.cancel(reason=ExecRestatementReason.BROKER_OPTION, text="kill switch is on", now=now))
        oms._risk_done(parent, now)
    elif kill_tif:
        oms._tell(parent, o.cancel(now=now))
        oms._risk_done(parent, now)
    else:
        reroute(oms, parent, now)
