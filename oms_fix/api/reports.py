"""/reports/{daily,performance,risk,compliance}: a trading day's orders, algo quality, risk and best execution.

``?date=YYYY-MM-DD`` (UTC; default today) picks the orders that arrived that
day; ``?format=json|csv|html``. Traders and viewers see only their accounts'
orders (and their own API calls in the audit trail), risk and admin see all.

* daily: per account, symbol and side the orders, fills, volume and notional;
  every order; the rejects with their OrdRejReason (103) and Text.
* performance: per algo order its algorithm, fills, average price and TCA
  against the arrival mid (oms_fix/analytics/tca.py: shortfall, impact,
  timing, opportunity, in bps, positive a cost); the venues' fill rate,
  acknowledgement latency, slippage and markouts from the router's statistics.
* risk: positions and P&L at the last mark, kill switches, each limit's usage,
  the day's risk events from the journal.
* compliance: per order the best-execution evidence (bestex.py): the NBBO at
  arrival and at each fill, the venue and why; each fill's price against the
  NBBO; the day's audit events of the API.

CSV has one row per order (daily, performance), per position (risk) or per
fill (compliance; an order without fills gets one row).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as Date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ..analytics.tape import MidPath
from ..analytics.tca import OrderFacts, order_tca, side_sign
from ..domain.enums import ExecType, OrdStatus
from ..domain.reports import Report
from ..engine import oms_operations, oms_views
from ..engine.oms_children import Parent
from ..engine.risk import BUY, RiskEngine
from .bestex import Evidence, evidence, order_evidence
from .deps import caller, service
from .errors import ApiError
from .report_log import iso, num
from .report_render import to_csv, to_html
from .schemas import ErrorBody
from .service import ApiService
from .users import User
from .views import order_json
from .words import side_word, status_word

__all__ = ["REPORTS", "router"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NS_DAY = 86_400 * 1_000_000_000
_MANY = 1_000_000  # journal rows of one kind in one day a report reads at most


@dataclass
class Built:
    title: str
    data: dict[str, Any]
    rows: list[dict[str, Any]]  # the CSV
    tables: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)  # the HTML page


@dataclass(frozen=True)
class Ctx:
    svc: ApiService
    user: User
    ev: Evidence
    day: Date
    start: int
    end: int
    now: int

    def orders(self) -> list[Parent]:
        return [p for p in oms_views.parents(self.svc.oms)
                if self.start <= p.arrived < self.end and self.svc.visible(self.user, p)]

    def sees(self, account: str | None) -> bool:
        return self.user.reads_all or (account is not None and self.user.sees(account))

    def journal(self, kind: str) -> list[tuple[int, int, dict[str, Any]]]:
        rows = self.svc.runtime.journal.select((kind,), self.start, _MANY)
        return [(seq, ns, orjson.loads(body)) for seq, ns, _, _, body in rows if ns < self.end]


def _day(text: str | None, now: int) -> tuple[Date, int, int]:
    if text is None:
        d = datetime.fromtimestamp(now / 1e9, tz=timezone.utc).date()
    else:
        try:
            if not _DAY.match(text):
                raise ValueError
            d = Date.fromisoformat(text)
        except ValueError:
            raise ApiError(400, f"date {text!r} is not a day as YYYY-MM-DD", rule="date") from None
    start = int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()) * 1_000_000_000
    return d, start, start + _NS_DAY


def _reject_of(svc: ApiService, p: Parent) -> Report | None:
    for r in reversed(svc.log.reports(p.order_id)):
        if isinstance(r, Report) and r.exec_type is ExecType.REJECTED:
            return r
    return None


def _fills(p: Parent) -> int:
    return sum(1 for ex in p.order.executions if ex.live)


# -- daily ------------------------------------------------------------------------------


def daily(c: Ctx) -> Built:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    orders, rejects = [], []
    for p in c.orders():
        o = p.order
        g = groups.setdefault((p.account, o.symbol, side_word(o.side)), {
            "account": p.account, "symbol": o.symbol, "side": side_word(o.side), "orders": 0, "filled_orders": 0,
            "rejected": 0, "fills": 0, "volume": 0, "notional": Decimal(0)})
        notional = o.cum_qty * o.avg_px
        g["orders"] += 1
        g["filled_orders"] += o.cum_qty > 0
        g["fills"] += _fills(p)
        g["volume"] += o.cum_qty
        g["notional"] += notional
        rej = _reject_of(c.svc, p) if o.ord_status is OrdStatus.REJECTED else None
        g["rejected"] += rej is not None
        v = order_json(c.svc.oms, p, c.now)
        row = {"order_id": p.order_id, "created_at": v["created_at"], "account": p.account, "source": v["source"],
               "symbol": o.symbol, "side": v["side"], "order_type": v["order_type"], "quantity": o.order_qty,
               "price": v["price"], "status": v["status"], "filled_quantity": o.cum_qty,
               "avg_price": v["avg_price"], "notional": num(notional), "fills": _fills(p),
               "ord_rej_reason": None, "reject_text": None}
        if rej is not None:
            reason = rej.ord_rej_reason
            row["ord_rej_reason"] = None if reason is None else reason.value
            row["reject_text"] = rej.text
            rejects.append({"order_id": p.order_id, "time": iso(rej.transact_time), "account": p.account,
                            "symbol": o.symbol, "side": v["side"], "quantity": o.order_qty,
                            "ord_rej_reason": row["ord_rej_reason"],
                            "reason": None if reason is None else reason.name.lower(), "text": rej.text})
        orders.append(row)
    summary = [{**g, "notional": num(g["notional"])} for _, g in sorted(groups.items())]
    refused = []
    if c.user.reads_all:  # messages that never became orders carry no account a trader could be shown by
        refused = [{"time": iso(ns), "session": body.get("session"), "client_order_id": body.get("cl_ord_id"),
                    "text": body.get("text")} for _, ns, body in c.journal("refused")]
    totals = {"orders": len(orders), "fills": sum(g["fills"] for g in summary),
              "volume": sum(g["volume"] for g in summary), "rejected": len(rejects)}
    data = {"totals": totals, "summary": summary, "orders": orders, "rejects": rejects, "refused": refused}
    return Built("Daily trading report", data, orders,
                 [("Per account, symbol and side", summary), ("Rejects", rejects),
                  ("Unreadable orders refused", refused), ("Orders", orders)])


# -- performance ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fill:
    time: int
    venue: str
    qty: int
    px: Decimal
    liquidity: str = ""


def _mid(nbbo: dict[str, Any] | None) -> Decimal | None:
    if not nbbo or nbbo.get("bid") is None or nbbo.get("ask") is None:
        return None
    return (Decimal(nbbo["bid"]) + Decimal(nbbo["ask"])) / 2


def _bps(x: Decimal | None) -> str | None:
    return None if x is None else str(x.quantize(Decimal("0.01")))


def tca_of(c: Ctx, p: Parent) -> dict[str, Any]:
    """TCA against the arrival mid, from the evidence's NBBO at arrival and at each fill."""
    o = p.order
    items = c.ev.of(p.order_id)
    arrival = next((e for e in items if e["at"] == "arrival"), None)
    p0 = _mid(arrival["nbbo"]) if arrival else None
    fills, mids = [], []
    for e in items:
        ex = o.executions.find(e["exec_id"]) if e["at"] == "fill" else None
        if ex is not None and ex.live:
            fills.append(_Fill(e["time"], e["venue"] or "", ex.qty, ex.px))  # as corrected, if it was
            mids.append(_mid(e["nbbo"]))
    reports = c.svc.log.reports(p.order_id)
    done = c.svc.view(p)["done"]
    end = reports[-1].transact_time if done and reports else c.now
    path = MidPath([(p.arrived, p0), *((f.time, m) for f, m in zip(fills, mids))])
    tca = order_tca(OrderFacts(side=side_sign(o.side.value), qty=o.order_qty, arrival=p.arrived,
                               arrival_mid=p0, end=end, fills=fills, fill_mids=mids), None, path, horizons=())
    return {"arrival_mid": num(p0), "fill_rate": str(tca.fill_rate.quantize(Decimal("0.0001"))),
            "execution_s": round(tca.execution_ns / 1e9, 3), "shortfall_bps": _bps(tca.shortfall_bps),
            "impact_bps": _bps(tca.impact_bps), "timing_bps": _bps(tca.timing_bps),
            "opportunity_bps": _bps(tca.opportunity_bps), "total_bps": _bps(tca.total_bps),
            "slippage_bps": _bps(tca.slippage_bps), "mid_move_bps": _bps(tca.mid_move_bps),
            "evidence": arrival is not None}


def performance(c: Ctx) -> Built:
    algos = []
    for p in c.orders():
        if p.algo is None:
            continue
        o = p.order
        info = c.svc.oms.algo_info(p.order_id, c.now) or {}
        algos.append({"order_id": p.order_id, "account": p.account, "symbol": o.symbol, "side": side_word(o.side),
                      "algorithm": info.get("name"), "strategy_code": info.get("strategy"),
                      "status": status_word(o.ord_status), "quantity": o.order_qty, "filled_quantity": o.cum_qty,
                      "avg_price": num(o.avg_px) if o.cum_qty else None, "fills": _fills(p),
                      "target_strategy_performance": info.get("performance"), "note": info.get("note"),
                      "tca": tca_of(c, p)})
    venues = [{"venue": v, **f} for v, f in c.svc.oms.venue_stats.figures(c.now).items()]
    data = {"algo_orders": algos, "venues": venues,
            "conventions": "bps of the arrival mid; positive a cost, negative a gain"}
    return Built("Execution performance report", data, algos, [("Algo orders", algos), ("Venues", venues)])


# -- risk -------------------------------------------------------------------------------


def _risk(svc: ApiService) -> RiskEngine:
    # The core's risk engine: the limits' configuration and usage are its to tell.
    return oms_operations.risk_engine(svc.oms)


def _usage(name: str, used: int | Decimal, limit: int | Decimal | None, account: str,
           symbol: str | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    ratio = float(used) / float(limit) if limit else None
    return {"account": account, "symbol": symbol, "limit": name, "used": str(used), "max": str(limit),
            "usage": None if ratio is None else round(ratio, 4)}


def risk(c: Ctx) -> Built:
    eng = _risk(c.svc)
    state = eng.state()
    positions = [{"account": pos["account"], "symbol": pos["symbol"], "position": pos["position"],
                  "avg_cost": pos["avg_cost"], "mark": pos["mark"], "realised": pos["realised"],
                  "unrealised": pos["unrealised"]}
                 for pos in c.svc.oms.positions() if c.sees(pos["account"])]
    pnl: dict[str, dict[str, Decimal]] = {}
    for pos in positions:
        acc = pnl.setdefault(pos["account"], {"realised": Decimal(0), "unrealised": Decimal(0)})
        acc["realised"] += Decimal(str(pos["realised"] or 0))
        acc["unrealised"] += Decimal(str(pos["unrealised"] or 0))
    daily = {(a, s): (v, n) for a, s, v, n in state["daily"]}
    accounts = sorted({pos["account"] for pos in positions} | {a for a, _ in daily}
                      | {w["account"] for w in state["orders"]})
    limits: list[dict[str, Any] | None] = []
    for a in (a for a in accounts if c.sees(a)):
        limits.append(_usage("credit_limit", eng.exposure(a), eng.config.account_limits(a).credit_limit, a, None))
        symbols = sorted({s for acc, s in daily if acc == a} | {p["symbol"] for p in positions if p["account"] == a}
                         | {w["symbol"] for w in state["orders"] if w["account"] == a})
        for s in symbols:
            lim = eng.config.limits(a, s)
            qty = eng.position(a, s).position
            buys = eng.working(a, s, BUY)
            sells = sum(eng.working(a, s, side) for side in ("2", "5", "6"))
            volume, trades = daily.get((a, s), (0, 0))
            limits += [_usage("max_long", qty + buys, lim.max_long, a, s),
                       _usage("max_short", max(0, sells - qty), lim.max_short, a, s),
                       _usage("max_daily_volume", volume + buys + sells, lim.max_daily_volume, a, s),
                       _usage("max_daily_trades", trades, lim.max_daily_trades, a, s)]
    kills = {k: v for k, v in c.svc.oms.kill_switches().items() if k == "*" or c.sees(k)}
    events = [{"time": iso(ns), "kind": b.get("kind"), "rule": b.get("rule"), "account": b.get("account"),
               "symbol": b.get("symbol"), "order_id": b.get("order_id"), "text": b.get("text")}
              for _, ns, b in c.journal("risk") if c.sees(b.get("account")) or (b.get("account") is None
                                                                             and c.user.reads_all)]
    usage = [u for u in limits if u is not None]
    per_account = [{"account": a, "realised": str(v["realised"]), "unrealised": str(v["unrealised"])}
                   for a, v in sorted(pnl.items())]
    data = {"positions": positions, "pnl": per_account, "kill_switches": kills, "limits": usage, "events": events}
    return Built("Risk report", data, positions,
                 [("Positions", positions), ("P&L per account", per_account),
                  ("Kill switches", [{"account": k, "reason": v} for k, v in kills.items()]),
                  ("Limits usage", usage), ("Risk events", events)])


# -- compliance -------------------------------------------------------------------------


def compliance(c: Ctx) -> Built:
    orders, rows = [], []
    counts = {"fills": 0, "inside": 0, "at": 0, "outside": 0, "unknown": 0, "trade_throughs": 0}
    for p in c.orders():
        e = order_evidence(c.ev, p)
        e.update(status=status_word(p.order.ord_status), quantity=p.order.order_qty,
                 filled_quantity=p.order.cum_qty)
        orders.append(e)
        arrival = (e["arrival"] or {}).get("nbbo") or {}
        base = {"order_id": p.order_id, "account": p.account, "symbol": e["symbol"], "side": e["side"],
                "status": e["status"], "quantity": e["quantity"], "arrival_time": (e["arrival"] or {}).get("time"),
                "arrival_bid": arrival.get("bid"), "arrival_bid_size": arrival.get("bid_size"),
                "arrival_ask": arrival.get("ask"), "arrival_ask_size": arrival.get("ask_size")}
        empty = {"exec_id": None, "fill_time": None, "fill_quantity": None, "fill_price": None, "venue": None,
                 "why": None, "fill_bid": None, "fill_ask": None, "vs_nbbo": None, "trade_through": None}
        for f in e["fills"]:
            counts["fills"] += 1
            counts[f["vs_nbbo"]] += 1
            counts["trade_throughs"] += bool(f["trade_through"])
            rows.append({**base, "exec_id": f["exec_id"], "fill_time": f["time"], "fill_quantity": f["quantity"],
                         "fill_price": f["price"], "venue": f["venue"], "why": f["why"],
                         "fill_bid": f["nbbo"]["bid"], "fill_ask": f["nbbo"]["ask"], "vs_nbbo": f["vs_nbbo"],
                         "trade_through": f["trade_through"]})
        if not e["fills"]:
            rows.append({**base, **empty})
    audit = [{"seq": seq, "time": iso(ns), **b} for seq, ns, b in c.journal("audit")
             if c.user.reads_all or b.get("user") == c.user.user_id]
    routes = [{"order_id": o["order_id"], **r} for o in orders for r in o["routes"]]
    data = {"summary": counts, "orders": orders, "fills": [r for r in rows if r["exec_id"]], "audit": audit}
    return Built("Best execution and compliance report", data, rows,
                 [("Summary", [counts]), ("Fills against the NBBO", rows), ("Routing decisions", routes),
                  ("API audit events", audit)])


REPORTS: dict[str, Callable[[Ctx], Built]] = {"daily": daily, "performance": performance, "risk": risk,
                                              "compliance": compliance}

router = APIRouter(tags=["reports"], responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                                                404: {"model": ErrorBody}, 422: {"model": ErrorBody}})


@router.get("/reports/{name}", response_model=None)
async def report(name: str, user: Annotated[User, Depends(caller)], svc: Annotated[ApiService, Depends(service)],
                 ev: Annotated[Evidence, Depends(evidence)],
                 date: Annotated[str | None, Query(description="the trading day, YYYY-MM-DD (UTC); default today")]
                 = None,
                 fmt: Annotated[Literal["json", "csv", "html"], Query(alias="format")] = "json") -> Response:
    """A report of one trading day: ``daily``, ``performance``, ``risk`` or ``compliance``, as JSON, CSV or a
    standalone HTML page."""
    build = REPORTS.get(name)
    if build is None:
        raise ApiError(404, f"no report {name!r}: there are {', '.join(REPORTS)}", rule="report")
    now = svc.runtime.clock.now_ns()
    day, start, end = _day(date, now)
    built = build(Ctx(svc, user, ev, day, start, end, now))
    meta = {"report": name, "date": day.isoformat(), "generated_at": iso(now), "user": user.user_id,
            "scope": "all accounts" if user.reads_all else ", ".join(user.accounts)}
    if fmt == "csv":
        return PlainTextResponse(to_csv(built.rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'inline; filename="{name}-{day}.csv"'})
    if fmt == "html":
        return HTMLResponse(to_html(f"{built.title}, {day}", meta, built.tables))
    return Response(orjson.dumps({**meta, **built.data}, default=str), media_type="application/json")
