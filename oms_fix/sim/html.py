"""report.html: one self-contained page from the report data (inline SVG and CSS, no script, no network).

Per symbol a chart of the consolidated mid over the run with every child
fill as a point (green buys, red sells, area by quantity; hover for the
order, venue, quantity and price) and each parent order's arrival marked;
then the orders, the venues, and each order's fills.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

__all__ = ["render_html"]

_W, _H = 960, 280
_L, _R, _T, _B = 70, 20, 24, 34  # margins
_BUY, _SELL, _MID, _LAST = "#1a7f37", "#cf222e", "#0969da", "#8c959f"

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#59636e;margin-bottom:16px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:3px 9px;border-bottom:1px solid #d1d9e0;text-align:right}
th{background:#f6f8fa;font-weight:600}td.l,th.l{text-align:left}
.kpi{display:inline-block;margin:0 22px 8px 0}.kpi b{display:block;font-size:20px}
.cost{color:#cf222e}.gain{color:#1a7f37}svg{background:#fff;border:1px solid #d1d9e0}
details{margin:4px 0}summary{cursor:pointer}
.legend span{margin-right:16px}.dot{display:inline-block;width:10px;height:10px;border-radius:5px}
"""


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _time_step(duration: float) -> float:
    return next((s for s in (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200) if s >= duration / 8), 14400)


def _chart(symbol: str, path: list[list[Any]], fills: list[dict[str, Any]], orders: list[dict[str, Any]],
           duration: float) -> str:
    mids = [(p[0], float(p[1])) for p in path if p[1] is not None]
    lasts = [(p[0], float(p[2])) for p in path if p[2] is not None]
    pts = [(f["t_s"], float(f["px"])) for f in fills]
    ys = [y for _, y in mids + lasts + pts] + [float(o["arrival_mid"]) for o in orders if o["arrival_mid"]]
    if not ys:
        return f"<p>No market data for {escape(symbol)}.</p>"
    lo, hi = min(ys), max(ys)
    pad = max((hi - lo) * 0.08, 0.02)
    lo, hi = lo - pad, hi + pad
    xw, yh = _W - _L - _R, _H - _T - _B

    def x(t: float) -> float:
        return _L + xw * t / duration if duration else _L

    def y(v: float) -> float:
        return _T + yh * (hi - v) / (hi - lo)

    out = [f'<svg viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
           f'aria-label="{escape(symbol)} price path and fills">']
    step = _nice_step(hi - lo, 5)
    v = math.ceil(lo / step) * step
    while v <= hi:
        out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eaeef2"/>'
                   f'<text x="{_L - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{v:.2f}</text>')
        v += step
    tstep = _time_step(duration) if duration else 1
    t = 0.0
    while t <= duration:
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{_T}" y2="{_H - _B}" stroke="#f3f5f7"/>'
                   f'<text x="{x(t):.1f}" y="{_H - _B + 16}" font-size="11" text-anchor="middle">{_hms(t)}</text>')
        t += tstep
    for series, colour, width in ((lasts, _LAST, 1), (mids, _MID, 1.6)):
        if series:
            d = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in series)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="{d}"/>')
    for o in orders:
        if o["arrival_s"] is None or not o["arrival_mid"]:
            continue
        ax, ay = x(o["arrival_s"]), y(float(o["arrival_mid"]))
        colour = _BUY if o["side"] == "buy" else _SELL
        out.append(f'<g><title>{escape(o["id"])} {escape(o["side"])} {o["qty"]:,} arrives, mid '
                   f'{escape(o["arrival_mid"])}</title><path d="M{ax:.1f},{ay - 7:.1f} l-5,-9 h10 z" fill="none" '
                   f'stroke="{colour}"/><text x="{ax:.1f}" y="{ay - 18:.1f}" font-size="10" text-anchor="middle" '
                   f'fill="{colour}">{escape(o["id"])}</text></g>')
    for f in fills:
        colour = _BUY if f["side"] == "1" else _SELL
        r = max(2.0, min(9.0, math.sqrt(f["qty"]) / 4))
        out.append(f'<circle cx="{x(f["t_s"]):.1f}" cy="{y(float(f["px"])):.1f}" r="{r:.1f}" fill="{colour}" '
                   f'fill-opacity="0.65"><title>{escape(str(f["order"]))} {f["qty"]:,} @ {escape(f["px"])} at '
                   f'{escape(f["venue"])}, {_hms(f["t_s"])}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def _cell(v: Any, left: bool = False, cls: str = "") -> str:
    text = "" if v is None else (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))
    attrs = " ".join(a for a in ("l" if left else "", cls) if a)
    return f'<td class="{attrs}">{escape(text)}</td>' if attrs else f"<td>{escape(text)}</td>"


def _row(cells: list[str]) -> str:
    return "<tr>" + "".join(cells) + "</tr>"


def _head(names: list[str], left: int = 0) -> str:
    return "<tr>" + "".join(f'<th class="l">{n}</th>' if i < left else f"<th>{n}</th>"
                            for i, n in enumerate(names)) + "</tr>"


def _cost_class(bps: str | None) -> str:
    if bps is None:
        return ""
    return "cost" if bps[0] != "-" and bps != "0.00" else "gain" if bps[0] == "-" else ""


def render_html(report: dict[str, Any]) -> str:
    orders = report["orders"]
    fills = report["fills"]
    t = report["totals"]
    duration = float(report["sim_seconds"])
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>oms-fix sim: {escape(report['scenario'])} seed {report['seed']}</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>{escape(report['scenario'])} <small>seed {report['seed']}</small></h1>",
             f"<div class=\"sub\">{escape(report['description'])} &middot; start {escape(report['start'])} &middot; "
             f"{_hms(duration)} simulated</div>"]
    kpis = [("orders", f"{t['orders']}"), ("filled", f"{t['filled']:,} / {t['qty']:,}"), ("fills", f"{t['fills']:,}"),
            ("notional", t["notional"]), ("shortfall vs arrival", f"{t['shortfall_bps']} bps")]
    parts.append("".join(f'<div class="kpi">{escape(k)}<b>{escape(str(v))}</b></div>' for k, v in kpis))
    parts.append(f'<div class="legend"><span><i class="dot" style="background:{_MID}"></i> consolidated mid</span>'
                 f'<span><i class="dot" style="background:{_LAST}"></i> last trade</span>'
                 f'<span><i class="dot" style="background:{_BUY}"></i> buy fill</span>'
                 f'<span><i class="dot" style="background:{_SELL}"></i> sell fill</span>'
                 f'<span>&#9661; an order\'s arrival at the mid</span></div>')
    for symbol in report["symbols"]:
        parts.append(f"<h2>{escape(symbol)}</h2>")
        parts.append(_chart(symbol, report["price_path"].get(symbol, []), [f for f in fills if f["symbol"] == symbol],
                            [o for o in orders if o["symbol"] == symbol], duration))

    parts.append("<h2>Orders</h2><table>")
    parts.append(_head(["id", "client", "symbol", "side", "qty", "limit", "tif", "status", "filled", "avg px",
                        "arrival mid", "shortfall bps", "fills", "venues"], left=4))
    for o in orders:
        split = ", ".join(f"{v} {q:,}" for v, q in o["venues"].items())
        limit = o["limit"] if o["type"] == "limit" else "market"
        parts.append(_row([_cell(o["id"], True), _cell(o["client"], True), _cell(o["symbol"], True),
                           _cell(o["side"], True), _cell(o["qty"]), _cell(limit), _cell(o["tif"]), _cell(o["status"]),
                           _cell(o["filled"]), _cell(o["avg_px"]), _cell(o["arrival_mid"]),
                           _cell(o["shortfall_bps"], cls=_cost_class(o["shortfall_bps"])), _cell(o["child_fills"]),
                           _cell(split, True)]))
    parts.append("</table><h2>Venues</h2><table>")
    parts.append(_head(["venue", "kind", "fills", "shares", "notional"], left=2))
    for name, v in report["venues"].items():
        parts.append(_row([_cell(name, True), _cell(v["kind"], True), _cell(v["fills"]), _cell(v["shares"]),
                           _cell(v["notional"])]))
    parts.append("</table><h2>Fills by order</h2>")
    for o in orders:
        mine = [f for f in fills if f["order"] == o["id"]]
        parts.append(f"<details><summary>{escape(o['id'])}: {escape(o['side'])} {o['qty']:,} {escape(o['symbol'])}"
                     f", {escape(o['status'])}, {o['filled']:,} filled in {len(mine)} fills"
                     f"{', ' + escape(o['text']) if o['text'] else ''}</summary><table>")
        parts.append(_head(["time", "venue", "child", "qty", "px", "liquidity"], left=3))
        for f in mine:
            parts.append(_row([_cell(_hms(f["t_s"]) + f".{int(f['t_s'] * 1000) % 1000:03d}", True),
                               _cell(f["venue"], True), _cell(f["child_id"], True), _cell(f["qty"]), _cell(f["px"]),
                               _cell({"1": "added", "2": "removed", "3": "routed"}.get(f["liquidity"] or "", "cross"))]))
        parts.append("</table></details>")
    parts.append("</body></html>\n")
    return "".join(parts)
