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

Each order's ``tca`` block, each venue's league figures and the ``algos``
league come from ``oms_fix.analytics`` (its ``tca`` module states every
formula; the same convention: bps, positive = cost). They read the market
tape the recorder kept (every print on every venue, our own included) and a
mid path made of every consolidated mid the run observed: the samples, each
order's arrival mid and the mid at each fill when the recorder had it.
Rates and shares are fractions as decimal strings with four places, bps two
places. An order is over ("end") at its last report if that was terminal,
else at the end of the run.

``venue_faults`` is what the venues' faults did (venue_faults.py): every
firing (an armed fault hitting an order or a fill, an operation carried
out) with its virtual time, venue, kind and what it did, in time order; the
event log of arming, firing and scenario actions; and the faults that never
fired (with why, or "still armed" at the end).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..analytics import (DEFAULT_HORIZONS, AlgoOrder, FillMarks, MidPath, OrderFacts, OrderTca, Tape, algo_league,
                         mark_fills, order_tca, side_sign, venue_league)
from ..domain.enums import OrdStatus
from .recorder import Fill, ParentRecord, Recorder
from .world import Simulation

__all__ = ["build_report", "fault_lines", "report_json", "summary_line"]

_NS = 1_000_000_000
_PX = Decimal("0.000001")
_BPS = Decimal("0.01")
_RATE = Decimal("0.0001")
_TERMINAL = frozenset({"2", "3", "4", "8", "C"})
_HORIZON_KEYS = tuple(f"{h // (60 * _NS)}m" for h in DEFAULT_HORIZONS)
NO_ALGO = "none"  # the algos league's row for plain orders (the smart router places them whole)


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


def _bps_or_none(x: Decimal | None) -> str | None:
    return None if x is None else _bps(x)


def _rate(x: Decimal | None) -> str | None:
    if x is None:
        return None
    q = x.quantize(_RATE)
    return str(q.copy_abs() if q == 0 else q)


def _plain(v: Any) -> Any:
    """An algo's stats as JSON that is the same every run: decimals as strings, floats rounded, keys as text."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, Decimal):
        return _px(v) if v.is_finite() else str(v)
    if isinstance(v, float):
        return round(v, 6) if v == v and abs(v) != float("inf") else str(v)
    if v is None or isinstance(v, (bool, int, str)):
        return v
    return str(v)


def _shortfall(side: str, avg: Decimal, arrival: Decimal) -> Decimal:
    sign = 1 if side == "buy" else -1
    return sign * (avg - arrival) / arrival * 10_000


def _end(sim: Simulation, rec: ParentRecord) -> int:
    last = rec.reports[-1] if rec.reports else None
    return last.time if last is not None and last.ord_status in _TERMINAL else sim.end_ns


def _algo_info(sim: Simulation, rec: ParentRecord) -> dict[str, Any] | None:
    core = sim.oms.oms
    if not rec.order_id or not hasattr(core, "algo_info"):
        return None
    info = core.algo_info(rec.order_id)
    return info if isinstance(info, dict) else None


def _algo_name(sim: Simulation, rec: ParentRecord) -> str | None:
    info = _algo_info(sim, rec)
    if info and info.get("name"):
        return str(info["name"])
    algo = getattr(rec.spec, "algo", None)
    return str(algo) if algo else None


def _algo_block(sim: Simulation, rec: ParentRecord, tape: Tape | None) -> dict[str, Any] | None:
    name = _algo_name(sim, rec)
    track = sim.recorder.algos.get((rec.session, rec.spec.id))
    if name is None and track is None:
        return None
    info = _algo_info(sim, rec)
    rate = getattr(rec.spec, "participation_rate", None)
    params = getattr(rec.spec, "params", None)
    start = rec.arrival if rec.arrival is not None else rec.sent
    samples = [[_secs(sim, t), target, filled, working, tape.volume(start, t) if tape is not None else None]
               for t, target, filled, working in (track or ())]
    info = info or {}
    return {"name": name, "strategy": _plain(info.get("strategy", getattr(rec.spec, "strategy", None))),
            "params": _plain(params) if params else {},
            "participation_rate": _plain(Decimal(str(rate)) if isinstance(rate, float) else rate),
            "stats": _plain(info.get("stats")), "performance": _plain(info.get("performance")),
            "note": _plain(info.get("note")) or None, "samples": samples}


def _tca_block(sim: Simulation, t: OrderTca, end: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "end_s": _secs(sim, end), "execution_s": round(t.execution_ns / _NS, 6),
        "filled": t.filled, "fill_rate": _rate(t.fill_rate), "avg_px": _px(t.avg_px), "end_mid": _px(t.end_mid),
        "market_volume": t.market_volume, "market_vwap": _px(t.market_vwap), "participation": _rate(t.participation),
        "shortfall_bps": _bps_or_none(t.shortfall_bps), "impact_bps": _bps_or_none(t.impact_bps),
        "timing_bps": _bps_or_none(t.timing_bps), "opportunity_bps": _bps_or_none(t.opportunity_bps),
        "total_bps": _bps_or_none(t.total_bps), "vwap_deviation_bps": _bps_or_none(t.vwap_deviation_bps),
        "mid_move_bps": _bps_or_none(t.mid_move_bps), "slippage_bps": _bps_or_none(t.slippage_bps),
        "liquidity": {"added": t.added, "removed": t.removed, "other": t.other},
    }
    for key, m, r in zip(_HORIZON_KEYS, t.markout_bps, t.reversion_bps):
        out[f"markout_{key}_bps"] = _bps_or_none(m)
        out[f"reversion_{key}_bps"] = _bps_or_none(r)
    return out


def _order(sim: Simulation, rec: ParentRecord, fills: list[Fill], tca: OrderTca | None,
           algo: dict[str, Any] | None) -> dict[str, Any]:
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
        "tca": None if tca is None else _tca_block(sim, tca, _end(sim, rec)),
        "algo": algo,
    }
    if avg is not None and rec.arrival_mid:
        out["shortfall_bps"] = _bps(_shortfall(spec.side, avg, rec.arrival_mid))
    return out


def _mid_paths(rec: Recorder) -> dict[str, MidPath]:
    """Every consolidated mid the run observed, per symbol: the samples, arrivals and fills."""
    seen: dict[str, list[tuple[int, Decimal | None]]] = {s: [(x.time, x.mid) for x in xs] for s, xs in rec.path.items()}
    for p in rec.parents.values():
        if p.arrival is not None:
            seen.setdefault(p.spec.symbol, []).append((p.arrival, p.arrival_mid))
    for f, mid in zip(rec.fills, rec.fill_mids):
        seen.setdefault(f.symbol, []).append((f.time, mid))
    return {s: MidPath(obs) for s, obs in seen.items()}


def _tapes(rec: Recorder) -> tuple[dict[str, Tape], dict[str, int]]:
    """Per symbol the indexed tape (only where something printed), and the shares printed per venue."""
    tapes = {}
    by_venue: dict[str, int] = {}
    for symbol, log in rec.tape.items():
        if not len(log):
            continue
        rows = []
        for t, venue, px, qty in log:
            rows.append((t, px, qty))
            by_venue[venue] = by_venue.get(venue, 0) + qty
        tapes[symbol] = Tape(rows)
    return tapes, by_venue


def _path_row(sim: Simulation, x: Any) -> list[Any]:
    return [_secs(sim, x.time), _px(x.mid), _px(x.last), x.volume]


def _venue_faults(sim: Simulation) -> dict[str, Any]:
    fired = []
    unfired = []
    for name, node in sim.venues.items():
        plan = node.faults
        for f in plan.fired():
            fired.append({"t_s": _secs(sim, f["time_ns"]), "time_ns": f["time_ns"], "venue": name, "id": f["id"],
                          "kind": f["kind"], "point": f["point"], "session": f["session"] or None,
                          "symbol": f["symbol"] or None, "cl_ord_id": f["cl_ord_id"] or None, "what": f["what"]})
        for f in plan.unfired(sim.now):
            unfired.append({"venue": name, "id": f["id"], "kind": f["kind"], "why": f["why"]})
        for f in plan.pending(sim.now):
            unfired.append({"venue": name, "id": f["id"], "kind": f["kind"], "why": "still armed at the end"})
    fired.sort(key=lambda f: f["time_ns"])  # stable: the venues' order within an instant
    events = [{"t_s": _secs(sim, t), "venue": venue, "text": text} for t, venue, text in sim.recorder.venue_events]
    return {"fired": fired, "events": events, "unfired": unfired}


def build_report(sim: Simulation) -> dict[str, Any]:
    sc = sim.scenario
    rec = sim.recorder
    owner: dict[str, str] = {}  # child id -> parent's scenario id
    sent: dict[str, int] = {}  # venue -> shares sent there in child orders
    for parent in rec.parents.values():
        if parent.order_id and sim.oms.oms.order(parent.order_id) is not None:
            for child in sim.oms.oms.children(parent.order_id):
                owner[child.child_id] = parent.spec.id
                sent[child.venue] = sent.get(child.venue, 0) + child.qty
    fill_mids = rec.fill_mids if len(rec.fill_mids) == len(rec.fills) else [None] * len(rec.fills)
    by_order: dict[str, list[tuple[Fill, Decimal | None]]] = {}
    for f, mid in zip(rec.fills, fill_mids):
        by_order.setdefault(owner.get(f.child_id, ""), []).append((f, mid))
    mids = _mid_paths(rec)
    tapes, tape_by_venue = _tapes(rec)
    empty = MidPath(())

    orders = []
    league_in = []
    for p in rec.parents.values():
        mine = by_order.get(p.spec.id, [])
        fills = [f for f, _ in mine]
        tape = tapes.get(p.spec.symbol)
        tca = None
        if p.arrival is not None:
            facts = OrderFacts(side=side_sign(p.spec.side), qty=p.spec.qty, arrival=p.arrival,
                               arrival_mid=p.arrival_mid, end=_end(sim, p), fills=fills,
                               fill_mids=[m for _, m in mine])
            tca = order_tca(facts, tape, mids.get(p.spec.symbol, empty))
            rejected = bool(p.reports) and p.reports[-1].ord_status == "8"
            league_in.append(AlgoOrder(algo=_algo_name(sim, p) or NO_ALGO, qty=p.spec.qty,
                                       arrival_mid=p.arrival_mid, tca=tca, rejected=rejected))
        orders.append(_order(sim, p, fills, tca, _algo_block(sim, p, tape)))

    marks: list[FillMarks] = []
    for f, mid in zip(rec.fills, fill_mids):
        marks.extend(mark_fills(side_sign(f.side), [f], mids.get(f.symbol, empty), DEFAULT_HORIZONS, [mid]))
    league = venue_league(list(sim.venues), marks, sent, tape_by_venue, len(DEFAULT_HORIZONS))
    per_venue: dict[str, dict[str, Any]] = {}
    for name, row in league.items():
        fills_here = [f for f in rec.fills if f.venue == name]
        v: dict[str, Any] = {
            "kind": sim.venues[name].venue.spec.kind if name in sim.venues else None, "fills": row.fills,
            "shares": row.shares, "notional": _px(sum((f.px * f.qty for f in fills_here), Decimal(0))),
            "sent": row.sent, "fill_rate": _rate(row.fill_rate), "share": _rate(row.share),
            "added": _rate(row.added), "removed": _rate(row.removed), "slippage_bps": _bps_or_none(row.slippage_bps),
            "market_volume": row.market_volume if tapes else None,
            "market_share": _rate(row.market_share) if tapes else None,
        }
        for key, m in zip(_HORIZON_KEYS, row.markout_bps):
            v[f"markout_{key}_bps"] = _bps_or_none(m)
        per_venue[name] = v

    algos = {name: {"orders": r.orders, "rejected": r.rejected, "filled_orders": r.filled_orders, "qty": r.qty,
                    "filled": r.filled,
                    "fill_rate": _rate(r.fill_rate), "shortfall_mean_bps": _bps_or_none(r.shortfall_mean_bps),
                    "shortfall_median_bps": _bps_or_none(r.shortfall_median_bps),
                    "shortfall_weighted_bps": _bps_or_none(r.shortfall_weighted_bps),
                    "total_mean_bps": _bps_or_none(r.total_mean_bps),
                    "vwap_deviation_mean_bps": _bps_or_none(r.vwap_deviation_mean_bps),
                    "participation_mean": _rate(r.participation_mean)}
             for name, r in algo_league(league_in).items()}

    cost = Decimal(0)
    base = Decimal(0)
    total_cost = Decimal(0)
    total_base = Decimal(0)
    for p, o in zip(rec.parents.values(), orders):
        if o["avg_px"] is not None and p.arrival_mid:
            sign = 1 if p.spec.side == "buy" else -1
            cost += sign * (Decimal(o["avg_px"]) - p.arrival_mid) * o["filled"]
            base += p.arrival_mid * o["filled"]
        if o["tca"] is not None and o["tca"]["total_bps"] is not None and p.arrival_mid:
            # weighed by the ordered notional at arrival: the paper portfolio the total cost is measured on
            total_cost += Decimal(o["tca"]["total_bps"]) * p.spec.qty * p.arrival_mid
            total_base += p.spec.qty * p.arrival_mid
    totals = {
        "orders": len(orders), "filled_orders": sum(1 for o in orders if o["filled"]),
        "done_orders": sum(1 for o in orders if o["done"]),
        "qty": sum(o["qty"] for o in orders), "filled": sum(o["filled"] for o in orders),
        "fills": len(rec.fills), "notional": _px(sum((f.px * f.qty for f in rec.fills), Decimal(0))),
        "shortfall_bps": _bps(cost / base * 10_000) if base else None,
        "shortfall_cost": _px(cost),
        "total_bps": _bps(total_cost / total_base) if total_base else None,
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
            "tca": "bps, positive = cost; impact + timing + opportunity = total, over the ordered quantity "
                   "(impact: paid over the mid at each fill; timing: the mid's drift from arrival to each fill; "
                   "opportunity: side * (end_mid - arrival_mid) / arrival_mid * unfilled share); "
                   "vwap_deviation vs the tape's VWAP from arrival to end; participation = filled / tape volume "
                   "from arrival to end; markout_h = side * (px - mid h later) / mid at fill, > 0 adverse; "
                   "rates and shares are fractions",
            "algo_samples": "[t_s, scheduled cumulative qty (null: none), filled, working, "
                            "tape volume since arrival]",
        },
        "orders": orders, "venues": per_venue, "algos": algos, "totals": totals,
        "tape": {s: {"prints": len(t), "volume": t.volume(*t.span), "vwap": _px(t.vwap(*t.span))}
                 for s, t in tapes.items()},
        "fills": [{"t_s": _secs(sim, f.time), "order": owner.get(f.child_id), "venue": f.venue, "child_id": f.child_id,
                   "symbol": f.symbol, "side": f.side, "qty": f.qty, "px": _px(f.px), "liquidity": f.liquidity or None,
                   "mid": _px(mids[f.symbol].at(f.time)) if f.symbol in mids else None}
                  for f in rec.fills],
        "price_path": {s: [_path_row(sim, x) for x in samples] for s, samples in rec.path.items()},
        "run": {"events": sim.sched.events, "in_flight": sim.in_flight, "oms_commands": sim.oms.commands,
                "journal_records": sim.oms.journal_records, "risk_events": rec.risk_events,
                "venue_ticks": {n: v.ticks for n, v in sim.venues.items()},
                "market_data_updates": {n: v.md_updates for n, v in sim.venues.items()},
                "unmatched_client_reports": rec.unmatched_reports,
                "unmatched_fills": len(by_order.get("", []))},
        # What the OMS's router learnt of each venue from its own children, and how fit the market data
        # its algos saw was (oms_fix/engine/venue_stats.py, oms_fix/marketdata/quality.py).
        "router": sim.oms.oms.venue_stats.figures(sim.now),
        "market_data": sim.oms.watch.figures(),
        "venue_faults": _venue_faults(sim),
    }


def report_json(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, sort_keys=True, indent=1, ensure_ascii=True) + "\n").encode("ascii")


def fault_lines(report: dict[str, Any]) -> list[str]:
    """One line per venue fault fired: ``venue fault 12.500000 s EXCH F1 halt: TSLA halted``."""
    return [f"venue fault {f['t_s']:.6f} s {f['venue']} {f['id']} {f['kind']}: {f['what']}"
            for f in report.get("venue_faults", {}).get("fired", [])]


def summary_line(report: dict[str, Any]) -> str:
    """The run in one line (``fault_lines`` say what each venue fault did)."""
    t = report["totals"]
    bps = t["shortfall_bps"]
    line = (f"{report['scenario']} seed {report['seed']}: {t['orders']} orders, {t['filled']:,} of {t['qty']:,} "
            f"shares filled in {t['fills']} fills, shortfall {bps if bps is not None else 'n/a'} bps vs arrival mid, "
            f"{report['sim_seconds']:g} simulated s")
    fired = len(report.get("venue_faults", {}).get("fired", []))
    return f"{line}, {fired} venue fault(s) fired" if fired else line
