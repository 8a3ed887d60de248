"""report.html: one self-contained page from the report data (inline SVG and CSS, no script, no network).

Laid out for a trader's first questions: what did it cost (the headline
figures, then each order's costs split into impact, timing and opportunity),
where did the price go while we traded (per symbol the mid with every fill),
did each algorithm keep to its schedule and participation, and which venues
gave good fills (the venue split and league), and what the venues' armed
faults did, if any. The orders' FIX outcomes and every fill follow. Costs are in bps, positive (red) a cost, negative (green)
a gain, as in report.json.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .html_charts import BUY, LAST, MID, SELL, hms, price_chart, schedule_chart, venue_bar

__all__ = ["render_html"]

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.sub{color:#59636e;margin-bottom:16px}.note{color:#59636e;font-size:12px;margin:2px 0 8px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:3px 9px;border-bottom:1px solid #d1d9e0;text-align:right}
th{background:#f6f8fa;font-weight:600}td.l,th.l{text-align:left}
.kpi{display:inline-block;margin:0 22px 8px 0}.kpi b{display:block;font-size:20px}
.cost{color:#cf222e}.gain{color:#1a7f37}svg{background:#fff;border:1px solid #d1d9e0}
details{margin:4px 0}summary{cursor:pointer}
.legend span{margin-right:16px}.dot{display:inline-block;width:10px;height:10px;border-radius:5px}
.bar{display:flex;width:420px;height:16px;background:#eaeef2;border-radius:3px;overflow:hidden;font-size:10px}
.bar span{color:#fff;text-align:center;line-height:16px;white-space:nowrap;overflow:hidden}
.bar.empty{color:#59636e;background:none;height:auto}td .bar{width:140px}
"""
_LIQUIDITY = {"1": "added", "2": "removed", "3": "routed"}


def _cell(v: Any, left: bool = False, cls: str = "") -> str:
    text = "" if v is None else (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))
    attrs = " ".join(a for a in ("l" if left else "", cls) if a)
    return f'<td class="{attrs}">{escape(text)}</td>' if attrs else f"<td>{escape(text)}</td>"


def _raw(html: str) -> str:
    return f'<td class="l">{html}</td>'


def _row(cells: list[str]) -> str:
    return "<tr>" + "".join(cells) + "</tr>"


def _head(names: list[str], left: int = 0) -> str:
    return "<tr>" + "".join(f'<th class="l">{n}</th>' if i < left else f"<th>{n}</th>"
                            for i, n in enumerate(names)) + "</tr>"


def _cost_class(bps: str | None) -> str:
    if bps is None:
        return ""
    return "cost" if bps[0] != "-" and bps != "0.00" else "gain" if bps[0] == "-" else ""


def _bps(v: str | None) -> str:
    return _cell(v, cls=_cost_class(v))


def _pct(rate: str | None) -> str | None:
    return None if rate is None else f"{float(rate) * 100:.1f}%"


def _tca(o: dict[str, Any], key: str) -> Any:
    return o["tca"][key] if o.get("tca") else None


def _kpis(report: dict[str, Any]) -> str:
    t = report["totals"]
    kpis = [("orders", f"{t['orders']}"), ("filled", f"{t['filled']:,} / {t['qty']:,}"), ("fills", f"{t['fills']:,}"),
            ("notional", t["notional"]), ("shortfall vs arrival", f"{t['shortfall_bps']} bps")]
    if t.get("total_bps") is not None:
        kpis.append(("total cost incl. unfilled", f"{t['total_bps']} bps"))
    return "".join(f'<div class="kpi">{escape(k)}<b>{escape(str(v))}</b></div>' for k, v in kpis)


def _cost_table(orders: list[dict[str, Any]], venues: list[str]) -> list[str]:
    out = ['<h2>Cost by order</h2><div class="note">bps, positive = cost. impact + timing + opportunity = total, '
           'over the ordered quantity; shortfall is over the filled quantity. VWAP and participation over the '
           "order's life (arrival to done); markouts against the mid 1 and 5 minutes after each fill.</div><table>",
           _head(["order", "algo", "symbol", "side", "qty", "filled", "avg px", "arrival mid", "shortfall", "impact",
                  "timing", "opportunity", "total", "vs VWAP", "particip.", "markout 1m", "markout 5m", "time",
                  "venues"], left=4)]
    for o in orders:
        algo = o["algo"]["name"] if o.get("algo") and o["algo"].get("name") else ""
        out.append(_row([
            _cell(o["id"], True), _cell(algo, True), _cell(o["symbol"], True), _cell(o["side"], True),
            _cell(o["qty"]), _cell(_pct(_tca(o, "fill_rate"))), _cell(o["avg_px"]), _cell(o["arrival_mid"]),
            _bps(o["shortfall_bps"]), _bps(_tca(o, "impact_bps")), _bps(_tca(o, "timing_bps")),
            _bps(_tca(o, "opportunity_bps")), _bps(_tca(o, "total_bps")), _bps(_tca(o, "vwap_deviation_bps")),
            _cell(_pct(_tca(o, "participation"))), _bps(_tca(o, "markout_1m_bps")),
            _bps(_tca(o, "markout_5m_bps")),
            _cell(hms(o["tca"]["execution_s"]) if o.get("tca") else None), _raw(venue_bar(o["venues"], venues))]))
    out.append("</table>")
    return out


def _algo_section(report: dict[str, Any]) -> list[str]:
    algos = report.get("algos") or {}
    out = ["<h2>Algorithms</h2>", '<div class="note">per order, then the mean or median over the orders '
           "worked (rejected ones are only counted); weighted: by filled notional at arrival.</div><table>",
           _head(["algo", "orders", "rejected", "filled orders", "qty", "filled", "shortfall mean", "median",
                  "weighted",
                  "total mean", "vs VWAP mean", "particip. mean"], left=1)]
    for name, a in algos.items():
        out.append(_row([_cell(name, True), _cell(a["orders"]), _cell(a.get("rejected")),
                         _cell(a["filled_orders"]), _cell(a["qty"]),
                         _cell(_pct(a["fill_rate"])), _bps(a["shortfall_mean_bps"]), _bps(a["shortfall_median_bps"]),
                         _bps(a["shortfall_weighted_bps"]), _bps(a["total_mean_bps"]),
                         _bps(a["vwap_deviation_mean_bps"]), _cell(_pct(a["participation_mean"]))]))
    out.append("</table>")
    for o in report["orders"]:
        algo = o.get("algo")
        if not algo or not algo.get("samples"):
            continue
        out.append(f"<h3>{escape(o['id'])}: {escape(str(algo.get('name') or 'algo'))} {escape(o['side'])} "
                   f"{o['qty']:,} {escape(o['symbol'])}</h3>")
        stats = algo.get("stats") or {}
        facts = [f"{k}: {v}" for k, v in sorted(stats.items()) if not isinstance(v, (dict, list))]
        if algo.get("params"):
            facts.insert(0, "params: " + ", ".join(f"{k}={v}" for k, v in sorted(algo["params"].items())))
        if facts:
            out.append(f'<div class="note">{escape("; ".join(facts))}</div>')
        out.append(schedule_chart(o))
    return out


def _venue_section(report: dict[str, Any]) -> list[str]:
    venues = report["venue_names"]
    split = {n: v["shares"] for n, v in report["venues"].items()}
    out = ["<h2>Venues</h2>", venue_bar(split, venues),
           '<div class="note">fill rate: shares filled / shares sent there; slippage against the mid at the fill and '
           "markouts in bps of that mid, share-weighted, positive = cost; market share: of the tape's "
           "volume.</div><table>",
           _head(["venue", "kind", "fills", "shares", "our share", "sent", "fill rate", "added liq.", "took liq.",
                  "slippage", "markout 1m", "markout 5m", "market share", "notional"], left=2)]
    for name, v in report["venues"].items():
        out.append(_row([_cell(name, True), _cell(v["kind"], True), _cell(v["fills"]), _cell(v["shares"]),
                         _cell(_pct(v.get("share"))), _cell(v.get("sent")), _cell(_pct(v.get("fill_rate"))),
                         _cell(_pct(v.get("added"))), _cell(_pct(v.get("removed"))), _bps(v.get("slippage_bps")),
                         _bps(v.get("markout_1m_bps")), _bps(v.get("markout_5m_bps")),
                         _cell(_pct(v.get("market_share"))), _cell(v["notional"])]))
    out.append("</table>")
    return out


def _faults_section(report: dict[str, Any]) -> list[str]:
    faults = report.get("venue_faults") or {}
    if not faults.get("fired") and not faults.get("unfired"):
        return []
    out = ["<h2>Venue faults</h2><table>", _head(["time", "venue", "id", "kind", "order", "what"], left=6)]
    for f in faults["fired"]:
        out.append(_row([_cell(hms(f["t_s"]) + f".{int(f['t_s'] * 1000) % 1000:03d}", True), _cell(f["venue"], True),
                         _cell(f["id"], True), _cell(f["kind"], True), _cell(f["cl_ord_id"], True),
                         _cell(f["what"], True)]))
    for f in faults.get("unfired", []):
        out.append(_row([_cell("never", True), _cell(f["venue"], True), _cell(f["id"], True), _cell(f["kind"], True),
                         _cell(None), _cell(f["why"], True)]))
    out.append("</table>")
    return out


def _orders_section(orders: list[dict[str, Any]], fills: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Orders</h2><table>",
           _head(["id", "client", "symbol", "side", "qty", "limit", "tif", "status", "filled", "avg px", "arrival mid",
                  "shortfall bps", "fills", "venues"], left=4)]
    for o in orders:
        split = ", ".join(f"{v} {q:,}" for v, q in o["venues"].items())
        limit = o["limit"] if o["type"] == "limit" else "market"
        out.append(_row([_cell(o["id"], True), _cell(o["client"], True), _cell(o["symbol"], True),
                         _cell(o["side"], True), _cell(o["qty"]), _cell(limit), _cell(o["tif"]), _cell(o["status"]),
                         _cell(o["filled"]), _cell(o["avg_px"]), _cell(o["arrival_mid"]), _bps(o["shortfall_bps"]),
                         _cell(o["child_fills"]), _cell(split, True)]))
    out.append("</table><h2>Fills by order</h2>")
    for o in orders:
        mine = [f for f in fills if f["order"] == o["id"]]
        out.append(f"<details><summary>{escape(o['id'])}: {escape(o['side'])} {o['qty']:,} {escape(o['symbol'])}"
                   f", {escape(o['status'])}, {o['filled']:,} filled in {len(mine)} fills"
                   f"{', ' + escape(o['text']) if o['text'] else ''}</summary><table>")
        out.append(_head(["time", "venue", "child", "qty", "px", "mid", "liquidity"], left=3))
        for f in mine:
            out.append(_row([_cell(hms(f["t_s"]) + f".{int(f['t_s'] * 1000) % 1000:03d}", True),
                             _cell(f["venue"], True), _cell(f["child_id"], True), _cell(f["qty"]), _cell(f["px"]),
                             _cell(f.get("mid")), _cell(_LIQUIDITY.get(f["liquidity"] or "", "cross"))]))
        out.append("</table></details>")
    return out


def render_html(report: dict[str, Any]) -> str:
    orders = report["orders"]
    fills = report["fills"]
    duration = float(report["sim_seconds"])
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>oms-fix sim: {escape(report['scenario'])} seed {report['seed']}</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>{escape(report['scenario'])} <small>seed {report['seed']}</small></h1>",
             f"<div class=\"sub\">{escape(report['description'])} &middot; start {escape(report['start'])} &middot; "
             f"{hms(duration)} simulated</div>", _kpis(report)]
    parts.append(f'<div class="legend"><span><i class="dot" style="background:{MID}"></i> consolidated mid</span>'
                 f'<span><i class="dot" style="background:{LAST}"></i> last trade</span>'
                 f'<span><i class="dot" style="background:{BUY}"></i> buy fill</span>'
                 f'<span><i class="dot" style="background:{SELL}"></i> sell fill</span>'
                 f'<span>&#9661; an order\'s arrival at the mid</span></div>')
    for symbol in report["symbols"]:
        parts.append(f"<h2>{escape(symbol)}</h2>")
        parts.append(price_chart(symbol, report["price_path"].get(symbol, []),
                                 [f for f in fills if f["symbol"] == symbol],
                                 [o for o in orders if o["symbol"] == symbol], duration))
    parts.extend(_cost_table(orders, report["venue_names"]))
    parts.extend(_algo_section(report))
    parts.extend(_venue_section(report))
    parts.extend(_faults_section(report))
    parts.extend(_orders_section(orders, fills))
    parts.append("</body></html>\n")
    return "".join(parts)
