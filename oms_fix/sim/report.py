"""A finished run as report data: per parent order (with every report its client got), per venue, totals,
the fills and the price path.

The same scenario and seed give the same bytes (``report_json``): nothing
from the wall clock or the file system, keys sorted, prices as decimal
strings, times in seconds from the scenario's start.

Sign convention: implementation shortfall against the arrival mid (the
consolidated mid when the OMS took the order), in basis points,
``side * (avg_px - arrival_mid) / arrival_mid * 10_000`` with side +1 for a
buy and -1 for a sell or short: positive is a cost, negative a gain. It is
over the filled quantity only (the unfilled rest's opportunity cost is the
TCA step's). The totals' shortfall weighs each order by its filled notional
at arrival.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..domain.enums import OrdStatus
from .recorder import Fill, ParentRecord
from .world import Simulation

__all__ = ["build_report", "report_json", "summary_line"]

_NS = 1_000_000_000
_PX = Decimal("0.000001")
_BPS = Decimal("0.01")
_TERMINAL = frozenset({"2", "3", "4", "8", "C"})


def _px(d: Decimal | None) -> str | None:
    if d is None:
        return None
    s = format(d.quantize(_PX), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _secs(sim: Simulation, t: int) -> float:
    return round((t - sim.start_ns) / _NS, 6)


def _bps(x: Decimal) -> str:
    q = x.quantize(_BPS)
    return str(q.copy_abs() if q == 0 else q)  # no "-0.00"


def _shortfall(side: str, avg: Decimal, arrival: Decimal) -> Decimal:
    sign = 1 if side == "buy" else -1
    return sign * (avg - arrival) / arrival * 10_000


def _order(sim: Simulation, rec: ParentRecord, fills: list[Fill]) -> dict[str, Any]:
    spec = rec.spec
    last = rec.reports[-1] if rec.reports else None
    filled = last.cum_qty if last else 0
    avg = last.avg_px if last and filled else None
    split: dict[str, int] = {}
    for f in fills:
        split[f.venue] = split.get(f.venue, 0) + f.qty
    children = sim.oms.oms.children(rec.order_id) if rec.order_id and sim.oms.oms.order(rec.order_id) else []
    out: dict[str, Any] = {
        "id": spec.id, "client": rec.session, "account": rec.account, "symbol": spec.symbol, "side": spec.side,
        "qty": spec.qty, "type": spec.type, "limit": _px(rec.price), "tif": spec.tif, "venue": spec.venue,
        "sent_s": _secs(sim, rec.sent), "arrival_s": None if rec.arrival is None else _secs(sim, rec.arrival),
        "order_id": rec.order_id or None,
        "status": OrdStatus(last.ord_status).name if last else "NO_REPORT",
        "done": bool(last and last.ord_status in _TERMINAL),
        "text": (last.text or None) if last else None,
        "filled": filled, "avg_px": _px(avg), "arrival_mid": _px(rec.arrival_mid),
        "shortfall_bps": None, "child_orders": len(children), "child_fills": len(fills), "venues": split,
        "first_fill_s": _secs(sim, fills[0].time) if fills else None,
        "last_fill_s": _secs(sim, fills[-1].time) if fills else None,
        "reports": [{"t_s": _secs(sim, r.time), "exec_type": r.exec_type, "ord_status": r.ord_status,
                     "cum_qty": r.cum_qty, "leaves_qty": r.leaves_qty, "last_qty": r.last_qty,
                     "last_px": _px(r.last_px) if r.last_qty else None, "avg_px": _px(r.avg_px),
                     "text": r.text or None} for r in rec.reports],
        "cancel_rejects": rec.cancel_rejects,
    }
    if avg is not None and rec.arrival_mid:
        out["shortfall_bps"] = _bps(_shortfall(spec.side, avg, rec.arrival_mid))
    return out


def build_report(sim: Simulation) -> dict[str, Any]:
    sc = sim.scenario
    rec = sim.recorder
    owner: dict[str, str] = {}  # child id -> parent's scenario id
    for parent in rec.parents.values():
        if parent.order_id and sim.oms.oms.order(parent.order_id) is not None:
            for child in sim.oms.oms.children(parent.order_id):
                owner[child.child_id] = parent.spec.id
    by_order: dict[str, list[Fill]] = {}
    for f in rec.fills:
        by_order.setdefault(owner.get(f.child_id, ""), []).append(f)
    orders = [_order(sim, p, by_order.get(p.spec.id, [])) for p in rec.parents.values()]

    per_venue: dict[str, dict[str, Any]] = {}
    for name in sim.venues:
        fills = [f for f in rec.fills if f.venue == name]
        per_venue[name] = {"kind": sim.venues[name].venue.spec.kind, "fills": len(fills),
                           "shares": sum(f.qty for f in fills),
                           "notional": _px(sum((f.px * f.qty for f in fills), Decimal(0)))}

    cost = Decimal(0)
    base = Decimal(0)
    for p, o in zip(rec.parents.values(), orders):
        if o["avg_px"] is not None and p.arrival_mid:
            sign = 1 if p.spec.side == "buy" else -1
            cost += sign * (Decimal(o["avg_px"]) - p.arrival_mid) * o["filled"]
            base += p.arrival_mid * o["filled"]
    totals = {
        "orders": len(orders), "filled_orders": sum(1 for o in orders if o["filled"]),
        "done_orders": sum(1 for o in orders if o["done"]),
        "qty": sum(o["qty"] for o in orders), "filled": sum(o["filled"] for o in orders),
        "fills": len(rec.fills), "notional": _px(sum((f.px * f.qty for f in rec.fills), Decimal(0))),
        "shortfall_bps": _bps(cost / base * 10_000) if base else None,
        "shortfall_cost": _px(cost),
    }
    return {
        "scenario": sc.name, "description": sc.description, "seed": sim.seed,
        "start": sc.start.strftime("%Y-%m-%dT%H:%M:%SZ"), "sim_seconds": sc.duration_s,
        "symbols": list(sc.symbols), "venue_names": list(sim.venues),
        "conventions": {
            "shortfall_bps": "side * (avg_px - arrival_mid) / arrival_mid * 10000, side +1 buy, -1 sell/short; "
                             "positive = cost; over the filled quantity",
            "arrival_mid": "the consolidated mid when the OMS took the order",
            "times": "seconds from the scenario's start",
        },
        "orders": orders, "venues": per_venue, "totals": totals,
        "fills": [{"t_s": _secs(sim, f.time), "order": owner.get(f.child_id), "venue": f.venue, "child_id": f.child_id,
                   "symbol": f.symbol, "side": f.side, "qty": f.qty, "px": _px(f.px), "liquidity": f.liquidity or None}
                  for f in rec.fills],
        "price_path": {s: [[_secs(sim, x.time), _px(x.mid), _px(x.last), x.volume] for x in samples]
                       for s, samples in rec.path.items()},
        "run": {"events": sim.sched.events, "in_flight": sim.in_flight, "oms_commands": sim.oms.commands,
                "journal_records": sim.oms.journal_records, "risk_events": rec.risk_events,
                "venue_ticks": {n: v.ticks for n, v in sim.venues.items()},
                "market_data_updates": {n: v.md_updates for n, v in sim.venues.items()},
                "unmatched_client_reports": rec.unmatched_reports,
                "unmatched_fills": len(by_order.get("", []))},
    }


def report_json(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, sort_keys=True, indent=1, ensure_ascii=True) + "\n").encode("ascii")


def summary_line(report: dict[str, Any]) -> str:
    t = report["totals"]
    bps = t["shortfall_bps"]
    return (f"{report['scenario']} seed {report['seed']}: {t['orders']} orders, {t['filled']:,} of {t['qty']:,} shares "
            f"filled in {t['fills']} fills, shortfall {bps if bps is not None else 'n/a'} bps vs arrival mid, "
            f"{report['sim_seconds']:g} simulated s")
