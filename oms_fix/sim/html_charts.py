"""The report page's charts, each an inline SVG string built from report data (no script, no network).

``price_chart``: a symbol's consolidated mid and last trade over the run,
every child fill a point (green buys, red sells, area by quantity; hover for
the order, venue, quantity, price and the mid then), each parent's arrival
marked. ``schedule_chart``: an algo order's executed quantity against its
schedule, with what is working at the venues on top, and below it the
order's participation in the market's volume over time. ``venue_bar``: a
stacked bar of shares by venue (plain HTML, so a page without algo orders
keeps one SVG per symbol).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any, Callable

__all__ = ["BUY", "LAST", "MID", "SELL", "hms", "price_chart", "schedule_chart", "venue_bar"]

_W, _H = 960, 280
_L, _R, _T, _B = 70, 34, 24, 34  # margins (the right one fits half a time label)
BUY, SELL, MID, LAST = "#1a7f37", "#cf222e", "#0969da", "#8c959f"
_TARGET, _WORKING, _PART = "#8250df", "#b6e3ff", "#bc4c00"
_VENUE_COLOURS = ("#0969da", "#1a7f37", "#8250df", "#bc4c00", "#bf3989", "#57606a", "#0a3069", "#4d2d00")
_WINDOW_S = 60.0  # participation is shown over a trailing minute: per sample it is mostly 0 or a spike


def hms(seconds: float) -> str:
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


class _Frame:
    """One plot area: value-to-pixel maps and its grid, labelled in time along x."""

    def __init__(self, top: int, height: int, t0: float, t1: float, lo: float, hi: float) -> None:
        self.top, self.height = top, height
        self.t0, self.t1 = t0, max(t1, t0 + 1e-9)
        self.lo, self.hi = lo, hi if hi > lo else lo + 1

    def x(self, t: float) -> float:
        return _L + (_W - _L - _R) * (t - self.t0) / (self.t1 - self.t0)

    def y(self, v: float) -> float:
        return self.top + self.height * (self.hi - v) / (self.hi - self.lo)

    def grid(self, label: Callable[[float], str], count: int = 5) -> list[str]:
        out = []
        step = _nice_step(self.hi - self.lo, count)
        v = math.ceil(self.lo / step) * step
        while v <= self.hi + 1e-12:
            out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{self.y(v):.1f}" y2="{self.y(v):.1f}" stroke="#eaeef2"/>'
                       f'<text x="{_L - 6}" y="{self.y(v) + 4:.1f}" font-size="11" text-anchor="end">'
                       f'{escape(label(v))}</text>')
            v += step
        tstep = _time_step(self.t1 - self.t0)
        t = math.ceil(self.t0 / tstep) * tstep
        bottom = self.top + self.height
        while t <= self.t1 + 1e-9:
            out.append(f'<line x1="{self.x(t):.1f}" x2="{self.x(t):.1f}" y1="{self.top}" y2="{bottom}" '
                       f'stroke="#f3f5f7"/><text x="{self.x(t):.1f}" y="{bottom + 16}" font-size="11" '
                       f'text-anchor="middle">{hms(t)}</text>')
            t += tstep
        return out

    def line(self, points: list[tuple[float, float]], colour: str, width: float = 1.6, extra: str = "") -> str:
        if not points:
            return ""
        d = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in points)
        return f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="{d}"{extra}/>'


def _step(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A cumulative quantity between samples is flat, then jumps: draw it so."""
    out: list[tuple[float, float]] = []
    for t, v in points:
        if out:
            out.append((t, out[-1][1]))
        out.append((t, v))
    return out


def price_chart(symbol: str, path: list[list[Any]], fills: list[dict[str, Any]], orders: list[dict[str, Any]],
                duration: float) -> str:
    mids = [(p[0], float(p[1])) for p in path if p[1] is not None]
    lasts = [(p[0], float(p[2])) for p in path if p[2] is not None]
    pts = [(f["t_s"], float(f["px"])) for f in fills]
    ys = [y for _, y in mids + lasts + pts] + [float(o["arrival_mid"]) for o in orders if o["arrival_mid"]]
    if not ys:
        return f"<p>No market data for {escape(symbol)}.</p>"
    lo, hi = min(ys), max(ys)
    pad = max((hi - lo) * 0.08, 0.02)
    fr = _Frame(_T, _H - _T - _B, 0.0, duration, lo - pad, hi + pad)
    out = [f'<svg viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
           f'aria-label="{escape(symbol)} price path and fills">', *fr.grid(lambda v: f"{v:.2f}"),
           fr.line(lasts, LAST, 1), fr.line(mids, MID, 1.6)]
    for o in orders:
        if o["arrival_s"] is None or not o["arrival_mid"]:
            continue
        ax, ay = fr.x(o["arrival_s"]), fr.y(float(o["arrival_mid"]))
        colour = BUY if o["side"] == "buy" else SELL
        algo = f' ({escape(o["algo"]["name"])})' if o.get("algo") and o["algo"].get("name") else ""
        out.append(f'<g><title>{escape(o["id"])}{algo} {escape(o["side"])} {o["qty"]:,} arrives, mid '
                   f'{escape(o["arrival_mid"])}</title><path d="M{ax:.1f},{ay - 7:.1f} l-5,-9 h10 z" fill="none" '
                   f'stroke="{colour}"/><text x="{ax:.1f}" y="{ay - 18:.1f}" font-size="10" text-anchor="middle" '
                   f'fill="{colour}">{escape(o["id"])}</text></g>')
    for f in fills:
        colour = BUY if f["side"] in ("1", "3") else SELL
        r = max(2.0, min(9.0, math.sqrt(f["qty"]) / 4))
        mid = f", mid {escape(f['mid'])}" if f.get("mid") else ""
        out.append(f'<circle cx="{fr.x(f["t_s"]):.1f}" cy="{fr.y(float(f["px"])):.1f}" r="{r:.1f}" fill="{colour}" '
                   f'fill-opacity="0.65"><title>{escape(str(f["order"]))} {f["qty"]:,} @ {escape(f["px"])} at '
                   f'{escape(f["venue"])}, {hms(f["t_s"])}{mid}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def _participation(samples: list[list[Any]]) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(trailing-minute participation, cumulative participation) per sample that has market volume."""
    window: list[tuple[float, float]] = []
    total: list[tuple[float, float]] = []
    j = 0
    for i, (t, _target, filled, _working, mkt) in enumerate(samples):
        if mkt is None:
            continue
        if mkt > 0:
            total.append((t, min(filled / mkt, 1.0)))
        while j < i and samples[j][0] < t - _WINDOW_S:
            j += 1
        if j < i and samples[j][4] is not None:
            dm = mkt - samples[j][4]
            if dm > 0:
                window.append((t, min((filled - samples[j][2]) / dm, 1.0)))
    return window, total


def schedule_chart(order: dict[str, Any]) -> str:
    """Executed against scheduled quantity over the order's life, and participation below it."""
    algo = order["algo"]
    samples = algo["samples"]
    if not samples:
        return ""
    t0 = order["arrival_s"] if order["arrival_s"] is not None else samples[0][0]
    done = order["tca"]["end_s"] if order.get("tca") else samples[-1][0]
    t1 = max(samples[-1][0], done, t0 + 1)
    top_h, gap, low_h = 170, 46, 110
    height = _T + top_h + gap + low_h + _B
    qty = order["qty"]
    up = _Frame(_T, top_h, t0, t1, 0, qty * 1.05)
    # sampling stops when the order is done: its last fills show at its end
    ends = [(done, order["filled"])] if done > samples[-1][0] else []
    filled = _step([(t0, 0)] + [(s[0], s[2]) for s in samples] + ends)
    with_working = _step([(s[0], s[2] + s[3]) for s in samples])
    target = [(s[0], s[1]) for s in samples if s[1] is not None]
    name = escape(str(algo.get("name") or "algo"))
    out = [f'<svg viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" role="img" '
           f'aria-label="{escape(order["id"])} {name} executed against schedule">',
           *up.grid(lambda v: f"{v:,.0f}")]
    if with_working:  # between filled and filled + working, over the sampled span only
        band = _step([(s[0], s[2]) for s in samples]) + with_working[::-1]
        d = " ".join(f"{up.x(a):.1f},{up.y(b):.1f}" for a, b in band)
        out.append(f'<polygon points="{d}" fill="{_WORKING}" fill-opacity="0.7"><title>working at venues'
                   f'</title></polygon>')
    out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{up.y(qty):.1f}" y2="{up.y(qty):.1f}" stroke="#59636e" '
               f'stroke-dasharray="2,3"/>')
    out.append(up.line(target, _TARGET, 1.6, ' stroke-dasharray="6,4"'))
    out.append(up.line(filled, BUY if order["side"] == "buy" else SELL, 2))
    out.append(f'<text x="{_L + 4}" y="{_T - 8}" font-size="12" font-weight="600">{escape(order["id"])} {name}: '
               f'executed (solid) against schedule (dashed), working at venues (band), order qty (dotted)</text>')

    window, total = _participation(samples)
    rate = algo.get("participation_rate")
    ceiling = max([v for _, v in window + total] + [float(rate) if rate else 0.0, 0.05])
    low = _Frame(_T + top_h + gap, low_h, t0, t1, 0, min(1.0, ceiling * 1.15))
    out.extend(low.grid(lambda v: f"{v * 100:.0f}%", 3))
    if rate:
        out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{low.y(float(rate)):.1f}" y2="{low.y(float(rate)):.1f}" '
                   f'stroke="{_TARGET}" stroke-dasharray="6,4"><title>target {float(rate) * 100:g}%</title></line>')
    out.append(low.line(window, _PART, 1.2, ' stroke-opacity="0.8"'))
    out.append(low.line(total, "#24292f", 1.6))
    out.append(f'<text x="{_L + 4}" y="{low.top - 8}" font-size="12" font-weight="600">participation in market '
               f'volume: trailing minute (orange), since arrival (black)</text></svg>')
    return "".join(out)


def venue_bar(split: dict[str, int], venues: list[str]) -> str:
    """One stacked bar of shares by venue, the colours fixed by the venue's place in the run's list."""
    total = sum(split.values())
    if not total:
        return '<div class="bar empty">no fills</div>'
    parts = []
    for name, q in split.items():
        if not q:
            continue
        colour = _VENUE_COLOURS[(venues.index(name) if name in venues else len(venues)) % len(_VENUE_COLOURS)]
        pct = 100 * q / total
        label = escape(name) if pct >= 8 else ""
        parts.append(f'<span style="width:{pct:.2f}%;background:{colour}" title="{escape(name)}: {q:,} shares, '
                     f'{pct:.1f}%">{label}</span>')
    return f'<div class="bar">{"".join(parts)}</div>'
