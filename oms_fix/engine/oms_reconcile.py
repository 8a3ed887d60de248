"""What a venue's ExecutionReport adds to a child's fills: the venue's CumQty is the truth (oms.py).

Every ExecutionReport carries the venue's CumQty (14) for the order, AvgPx (6)
alongside. The OMS keeps ``Child.cum``, the quantity it has applied, and on
every report (F, 4, C, 3, 8, 0, and the status reply I) applies exactly
``CumQty - Child.cum`` when that is positive, never more:

* an ER F whose CumQty covers fills the OMS never saw (they happened while the
  venue's session was down and the status reply has not come yet) applies its
  LastQty at LastPx *and* the missed quantity before it;
* an ER F whose quantity was already applied (a reconciliation's ER I took it,
  or a later report's CumQty did, and the venue now resends the lost report
  under an ExecID the OMS never saw) applies nothing; one partly covered
  applies only the rest of its LastQty;
* an ER I or an unsolicited end (4, C, 3, 8) with CumQty above ``Child.cum``
  applies the difference before the child ends, so no fill is lost to an end.

Trade corrections and busts (G, H) are oms_corrections.py's, which calls
back here for the quantity their CumQty adds. LastQty is trusted alone
only when the report carries no usable CumQty (below its own LastQty: a
malformed report, since CumQty includes LastQty).

A missed quantity is priced to make the venue's AvgPx come out, rounded to the
tick's places; without AvgPx at LastPx, else at the child's limit, else (None)
at the caller's fallback. Fill ids: ``venue:ExecID`` for the report's own
LastQty; ``venue:child:I<CumQty>`` for a quantity an ER I reveals and
``venue:child:M<qty>`` for one another report reveals (``qty``: the child's
quantity once it is applied, strictly increasing, so each id is used once).
Once busts or corrections have taken quantity back from the child, CumQty can
repeat an earlier value: those ids then end in ``.<quantity taken>``, which
only grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .oms_children import Child
from .oms_types import VenueExec

__all__ = ["VenueFill", "fills_from"]

_NOT_APPLIED = frozenset({"G", "H"})  # trade corrections and busts move CumQty either way: oms_corrections.py


@dataclass(frozen=True, slots=True)
class VenueFill:
    fill_id: str
    qty: int
    px: Decimal | None  # None: the caller prices it (the parent's AvgPx)


def fills_from(child: Child, er: VenueExec, tick: Decimal) -> list[VenueFill]:
    """The fills ``er`` adds to ``child``, in the order they happened at the venue (missed ones first)."""
    if er.exec_type in _NOT_APPLIED:
        return []
    last_px = er.last_px if er.last_px is not None and er.last_px > 0 else child.price
    last = er.last_qty if er.exec_type == "F" and er.last_qty > 0 else 0
    if last and er.cum_qty < last:  # no usable CumQty: LastQty is all the report says
        return [VenueFill(f"{er.venue}:{er.exec_id}", last, last_px)]
    gap = er.cum_qty - child.cum
    if gap <= 0:
        return []
    last = min(last, gap)
    missed = gap - last
    fills = []
    if missed:
        px = _missed_px(child, er.cum_qty, missed, er.avg_px, last, last_px, tick)
        tag = f"I{er.cum_qty}" if er.exec_type == "I" else f"M{child.cum + missed}"
        if child.taken:
            tag += f".{child.taken}"
        fills.append(VenueFill(f"{er.venue}:{child.child_id}:{tag}", missed, px))
    if last:
        fills.append(VenueFill(f"{er.venue}:{er.exec_id}", last, last_px))
    return fills


def _missed_px(child: Child, venue_cum: int, missed: int, avg_px: Decimal | None, last: int,
               last_px: Decimal | None, tick: Decimal) -> Decimal | None:
    """The price that makes the venue's AvgPx over ``venue_cum`` once the child's applied fills, the
    ``missed`` quantity and the report's own ``last`` at ``last_px`` are counted; else LastPx or the limit."""
    if avg_px is not None and avg_px > 0 and (not last or last_px is not None):
        own = last * last_px if last and last_px is not None else Decimal(0)
        px = ((avg_px * venue_cum - child.notional - own) / missed).quantize(tick)
        if px > 0:
            return px
    return last_px
