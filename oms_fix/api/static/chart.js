// An algo order's progress as an inline SVG line chart: filled quantity (a step: it moves only on fills)
// against the schedule's target quantity, over the time the blotter has watched the order.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";
  const W = 380, H = 150, LEFT = 48, RIGHT = 8, TOP = 8, BOTTOM = 22;

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function seconds(ms) {
    const s = Math.round(ms / 1000);
    return s < 120 ? `+${s}s` : `+${Math.round(s / 60)}m`;
  }

  // points: [{t: ms since epoch, filled, target}] in time order; quantity: the order's quantity (the y axis top).
  function draw(points, quantity) {
    const svg = el("svg", {viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart", role: "img"});
    const top = Math.max(quantity || 0, ...points.map(p => Math.max(p.filled || 0, p.target || 0)), 1);
    const t0 = points.length ? points[0].t : 0;
    const t1 = points.length ? Math.max(points[points.length - 1].t, t0 + 1000) : 1000;
    const x = t => LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT);
    const y = q => TOP + (1 - q / top) * (H - TOP - BOTTOM);

    for (const frac of [0, 0.5, 1]) {
      const q = Math.round(top * frac);
      svg.append(el("line", {x1: LEFT, x2: W - RIGHT, y1: y(q), y2: y(q), class: "grid"}));
      svg.append(el("text", {x: LEFT - 4, y: y(q) + 4, "text-anchor": "end", class: "axis"}, q.toLocaleString()));
    }
    svg.append(el("text", {x: LEFT, y: H - 6, class: "axis"}, "0s"));
    svg.append(el("text", {x: W - RIGHT, y: H - 6, "text-anchor": "end", class: "axis"}, seconds(t1 - t0)));

    const target = points.filter(p => p.target !== null && p.target !== undefined);
    if (target.length) {
      svg.append(el("polyline", {class: "target", fill: "none",
        points: target.map(p => `${x(p.t).toFixed(1)},${y(p.target).toFixed(1)}`).join(" ")}));
    }
    const filled = [];
    let last = null;
    for (const p of points) {
      if (p.filled === null || p.filled === undefined) continue;
      if (last !== null) filled.push(`${x(p.t).toFixed(1)},${y(last).toFixed(1)}`);  // a step, not a ramp
      filled.push(`${x(p.t).toFixed(1)},${y(p.filled).toFixed(1)}`);
      last = p.filled;
    }
    if (filled.length) svg.append(el("polyline", {class: "filled", fill: "none", points: filled.join(" ")}));
    svg.append(el("title", {}, `filled (solid) vs target (dashed), ${points.length} points`));
    return svg;
  }

  window.BlotterChart = {draw};
})();
