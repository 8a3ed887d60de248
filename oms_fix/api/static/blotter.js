// The live blotter: orders from GET /orders, then live from GET /stream (server-sent events).
// Data reaches the page only through textContent, never as markup: an order's Text or ClOrdID is the
// client's to choose.
"use strict";

(function () {
  const BASE = "/api/v1/order-management";
  const KEY = "oms-fix.api-key";
  const MAX_DONE = 200, MAX_FILLS = 200, MAX_ERRORS = 5, POLL_MS = 3000, POLL_MAX = 6;
  const COLUMNS = [
    ["order_id", "OrderID"], ["client_order_id", "ClOrdID"], ["account_id", "Account"], ["source", "Source"],
    ["symbol", "Symbol"], ["side", "Side"], ["order_type", "Type"], ["quantity", "OrderQty", "num"],
    ["price", "Price", "num"], ["time_in_force", "TIF"], ["status", "OrdStatus"], ["filled_quantity", "CumQty", "num"],
    ["leaves_quantity", "LeavesQty", "num"], ["avg_price", "AvgPx", "num"], ["venues", "Venues"],
    ["created_at", "Created (UTC)"], ["action", ""],
  ];

  const $ = id => document.getElementById(id);
  const state = {
    key: null, me: null, source: null, orders: new Map(), rows: new Map(), fills: new Set(),
    algos: new Map(), timer: null, retry: null,
  };

  // ---------------------------------------------------------------- small helpers

  function node(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  const qty = q => (q === null || q === undefined) ? "" : Number(q).toLocaleString("en-US");
  const clock = iso => iso ? iso.slice(11, 23) : "";
  // An average price comes as an exact decimal (tens of places); four places, as FIX 850 reports it, read better.
  const avgpx = p => (p === null || p === undefined) ? "" : /\.\d{5,}$/.test(p) ? Number(p).toFixed(4) : p;
  const isTrader = () => state.me && state.me.roles.includes("trader");
  const isRisk = () => state.me && state.me.roles.includes("risk");
  const trades = account => isTrader() && (state.me.accounts.includes("*") || state.me.accounts.includes(account));

  function showError(e) {
    const box = $("errors");
    const div = node("div", "error");
    const head = [e.status ? `${e.status} ${e.error || ""}` : (e.error || "error"), e.where].filter(Boolean);
    div.append(node("strong", null, head.join(" · ")), node("span", "detail", e.detail || String(e)));
    if (e.rule) div.append(node("span", "rule", `rule: ${e.rule}`));
    const x = node("button", "dismiss", "×");
    x.type = "button";
    x.title = "dismiss";
    x.addEventListener("click", () => div.remove());
    div.append(x);
    box.prepend(div);
    while (box.children.length > MAX_ERRORS) box.lastElementChild.remove();
  }

  function notice(text) {
    const div = node("div", "notice", text);
    $("errors").prepend(div);
    setTimeout(() => div.remove(), 6000);
  }

  // Every call: the key in X-API-Key; a failure becomes the API's JSON error ({status, error, detail, rule}).
  async function api(method, path, body, root = BASE) {
    const headers = {"X-API-Key": state.key, "Accept": "application/json"};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const where = `${method} ${path.split("?")[0]}`;
    let res;
    try {
      res = await fetch(root + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (err) {
      throw {status: 0, error: "network", detail: `the OMS did not answer: ${err.message}`, where};
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!res.ok) {
      const fallback = {status: res.status, error: res.statusText, detail: text.slice(0, 300) || res.statusText};
      throw Object.assign(fallback, data && typeof data === "object" ? data : {}, {where});
    }
    return data;
  }

  // ---------------------------------------------------------------- orders table

  function header(table) {
    const tr = node("tr");
    for (const [key, label, cls] of COLUMNS) {
      if (key === "action" && !isTrader()) continue;
      tr.append(node("th", cls, label));
    }
    table.tHead.replaceChildren(tr);
  }

  function venueCell(td, o) {
    td.replaceChildren();
    if (!o.venues || !o.venues.length) {
      td.append(node("span", "muted", o.ex_destination ? `→ ${o.ex_destination}` : "—"));
      return;
    }
    const bar = node("div", "split");
    for (const v of o.venues) {
      const seg = node("span", `seg v-${v.venue.toLowerCase()}`);
      seg.style.width = `${o.quantity ? Math.max(2, 100 * v.filled_quantity / o.quantity) : 0}%`;
      seg.title = v.venue;
      bar.append(seg);
    }
    td.append(bar);
    for (const v of o.venues) {
      const avg = v.avg_price ? ` @${avgpx(v.avg_price)}` : "";
      const kids = `${v.children} child${v.children === 1 ? "" : "ren"}`;
      td.append(node("div", "venue", `${v.venue} filled ${qty(v.filled_quantity)}${avg}, ${kids}`));
    }
  }

  function actionCell(td, o) {
    if (!trades(o.account_id) || o.done) {
      td.replaceChildren();
      return;
    }
    if (td.querySelector("button.cancel")) return;
    const b = node("button", "cancel", "Cancel");
    b.type = "button";
    b.dataset.orderId = o.order_id;
    b.title = `OrderCancelRequest (35=F) for ${o.order_id}`;
    b.addEventListener("click", () => cancel(o.order_id, b));
    td.replaceChildren(b);
  }

  function fillRow(tr, o) {
    for (const [key] of COLUMNS) {
      const cell = tr.querySelector(`td[data-col="${key}"]`);
      if (!cell) continue;
      if (key === "venues") venueCell(cell, o);
      else if (key === "action") actionCell(cell, o);
      else if (key === "source") cell.textContent = o.source === "rest" ? `REST ${o.user_id}` : `FIX ${o.session}`;
      else if (key === "order_type") cell.textContent = o.order_type + (o.algo && o.algo.finished ? " (finished)" : "");
      else if (key === "created_at") cell.textContent = clock(o.created_at);
      else if (key === "side") {
        cell.textContent = o.side;
        cell.className = `side-${o.side}`;
      }
      else if (key === "status") {
        cell.textContent = o.status + (o.pending_request ? ` (${o.pending_request})` : "");
        cell.className = `status st-${o.status}`;
      } else if (["quantity", "filled_quantity", "leaves_quantity"].includes(key)) cell.textContent = qty(o[key]);
      else if (key === "avg_price") {
        cell.textContent = avgpx(o.avg_price);
        cell.title = o.avg_price || "";
      }
      else cell.textContent = o[key] === null || o[key] === undefined ? "" : o[key];
    }
    tr.classList.toggle("done", !!o.done);
  }

  function newRow(o) {
    const tr = node("tr");
    tr.dataset.orderId = o.order_id;
    for (const [key, , cls] of COLUMNS) {
      if (key === "action" && !isTrader()) continue;
      const td = node("td", cls);
      td.dataset.col = key;
      tr.append(td);
    }
    return tr;
  }

  // Newest first, by arrival time then OrderID, whatever order the updates come in.
  function place(tbody, tr, o) {
    const key = `${o.created_at || ""}|${o.order_id}`;
    tr.dataset.sort = key;
    for (const other of tbody.rows) {
      if (other !== tr && other.dataset.sort < key) {
        if (other.previousElementSibling !== tr) tbody.insertBefore(tr, other);
        return;
      }
    }
    if (tr.parentNode !== tbody || tr.nextElementSibling) tbody.append(tr);
  }

  function upsert(o) {
    const old = state.orders.get(o.order_id);
    // A reply that left the OMS before a stream event can reach the page after it (the DELETE's 202
    // pending_cancel after the stream's canceled): the older view must not win.
    if (old && o.version !== undefined && old.version > o.version) return;
    state.orders.set(o.order_id, o);
    let tr = state.rows.get(o.order_id);
    if (!tr) {
      tr = newRow(o);
      state.rows.set(o.order_id, tr);
    }
    fillRow(tr, o);
    const tbody = (o.done ? $("done") : $("working")).tBodies[0];
    if (tr.parentNode !== tbody || !old) place(tbody, tr, o);
    const done = $("done").tBodies[0];
    while (done.rows.length > MAX_DONE) {
      const last = done.rows[done.rows.length - 1];
      state.rows.delete(last.dataset.orderId);
      state.orders.delete(last.dataset.orderId);
      last.remove();
    }
    $("working-count").textContent = $("working").tBodies[0].rows.length;
    $("done-count").textContent = done.rows.length;
    // A chart for every algo order still working, and for one watched to its end; not for old done ones.
    if (o.algo && (!o.done || state.algos.has(o.order_id))) progress(o.order_id, o.algo, o);
  }

  async function cancel(orderId, button) {
    button.disabled = true;
    button.textContent = "Canceling…";
    try {
      upsert(await api("DELETE", `/orders/${encodeURIComponent(orderId)}`));
    } catch (e) {
      showError(e);
      button.disabled = false;
      button.textContent = "Cancel";
    }
  }

  // ---------------------------------------------------------------- fills

  function addFill(f) {
    if (state.fills.has(f.exec_id)) return;
    state.fills.add(f.exec_id);
    const o = state.orders.get(f.order_id);
    const tr = node("tr");
    tr.dataset.execId = f.exec_id;
    const cells = [[clock(f.time)], [f.order_id], [o ? o.client_order_id : ""], [f.symbol], [f.side], [f.exec_type],
      [qty(f.quantity), "num"], [f.price, "num"], [qty(f.filled_quantity), "num"], [avgpx(f.avg_price), "num"], [f.exec_id]];
    for (const [text, cls] of cells) tr.append(node("td", cls, text));
    tr.cells[4].className = `side-${f.side}`;
    if (f.exec_type !== "trade") tr.classList.add("bust");
    const tbody = $("fills").tBodies[0];
    tbody.prepend(tr);
    while (tbody.rows.length > MAX_FILLS) {
      state.fills.delete(tbody.lastElementChild.dataset.execId);
      tbody.lastElementChild.remove();
    }
    $("fill-count").textContent = state.fills.size;
  }

  // ---------------------------------------------------------------- algo progress

  function progress(orderId, algo, order) {
    let a = state.algos.get(orderId);
    if (!a) {
      a = {points: [], card: node("div", "algo"), pending: false};
      a.card.dataset.orderId = orderId;
      state.algos.set(orderId, a);
      // The schedule starts at arrival, whenever the page began to watch: the chart starts there at zero.
      const born = order && order.created_at ? Date.parse(order.created_at) : NaN;
      if (born < Date.now()) a.points.push({t: born, filled: 0, target: 0});
      $("algos").prepend(a.card);
      $("algos-card").hidden = false;
    }
    if (order) a.order = order;
    a.algo = algo;
    const p = {t: Date.now(), filled: algo.filled_quantity, target: algo.target_quantity};
    const last = a.points[a.points.length - 1];
    if (!last || last.filled !== p.filled || last.target !== p.target || p.t - last.t > 5000) a.points.push(p);
    if (a.points.length > 2000) a.points.splice(0, a.points.length - 2000);
    if (!a.pending) {
      a.pending = true;
      requestAnimationFrame(() => { a.pending = false; drawAlgo(a); });
    }
  }

  function drawAlgo(a) {
    const o = a.order || {};
    const g = a.algo;
    const head = node("div", "algo-head");
    head.append(node("strong", null, `${o.order_id || a.card.dataset.orderId} ${o.client_order_id || ""}`),
      node("span", null, ` ${g.algorithm || o.order_type || "algo"} ${o.side || ""} ${qty(o.quantity)} ${o.symbol || ""}`));
    const figures = node("div", "algo-figures",
      `filled ${qty(g.filled_quantity)} · target ${qty(g.target_quantity)} · working ${qty(g.working_quantity)}` +
      (g.performance ? ` · perf ${g.performance}` : "") + (g.finished ? " · finished" : "") +
      (o.status ? ` · ${o.status}` : ""));
    const legend = node("div", "legend");
    legend.append(node("span", "key filled", "filled"), node("span", "key target", "target"));
    const chart = window.BlotterChart.draw(a.points, o.quantity);
    a.card.replaceChildren(head, figures, chart, legend);
    if (g.note) a.card.append(node("div", "muted", g.note));
  }

  // Between reports the schedule's target moves on with nobody told: ask for the working algos now and then.
  async function poll() {
    const live = [...state.algos.entries()].filter(([id]) => {
      const o = state.orders.get(id);
      return o && !o.done;
    }).slice(0, POLL_MAX);
    for (const [id] of live) {
      try { upsert(await api("GET", `/orders/${encodeURIComponent(id)}`)); } catch (e) { if (e.status !== 404) showError(e); }
    }
  }

  // ---------------------------------------------------------------- risk

  function kills(switches) {
    const list = $("kill-list");
    const on = Object.entries(switches || {});
    list.replaceChildren();
    if (!on.length) list.append(node("span", "muted", "none"));
    for (const [account, reason] of on) {
      const pill = node("span", "kill", `${account === "*" ? "ALL ACCOUNTS" : account}: ${reason}`);
      pill.dataset.account = account;
      list.append(pill);
    }
    $("risk").classList.toggle("killed", on.length > 0);
  }

  async function killSwitch(action) {
    const account = $("kill-account").value.trim() || null;
    const reason = $("kill-reason").value.trim() || "risk desk";
    try {
      const r = await api("POST", "/risk/kill-switch", {account_id: account, action, reason});
      kills(r.kill_switches);
      notice(action === "kill" ? `kill ${r.kill}: ${r.orders_canceled} working orders canceled` : `revive ${r.revive}`);
    } catch (e) { showError(e); }
  }

  // ---------------------------------------------------------------- new order

  async function sendOrder(ev) {
    ev.preventDefault();
    const type = $("order-type").value;
    const price = $("order-price").value.trim();
    const body = {symbol: $("order-symbol").value.trim().toUpperCase(), side: $("order-side").value,
      quantity: Number($("order-qty").value), order_type: type};
    if (price && type !== "market") body.price = price;
    // key=value;key=value as in FIX's 848; participation_rate and max_floor are fields of their own.
    const params = {};
    for (const part of $("order-params").value.split(";")) {
      const [k, ...rest] = part.split("=");
      const key = k.trim(), value = rest.join("=").trim();
      if (!key) continue;
      if (key === "participation_rate") body.participation_rate = value;
      else if (key === "max_floor") body.max_floor = Number(value);
      else params[key] = value;
    }
    if (Object.keys(params).length) body.algo_parameters = params;
    if (!$("order-account-label").hidden) body.account_id = $("order-account").value;
    const button = $("order-submit");
    button.disabled = true;
    try {
      const o = await api("POST", "/orders", body);
      upsert(o);
      notice(`order ${o.order_id} (${o.client_order_id}) ${o.status}`);
    } catch (e) {
      showError(e);
      if (e.order) upsert(e.order);  // a reject still is an order, with its OrdRejReason
    } finally { button.disabled = false; }
  }

  // ---------------------------------------------------------------- the stream

  function setStream(text, cls) {
    const pill = $("stream-state");
    pill.textContent = text;
    pill.className = `pill ${cls}`;
  }

  function connect() {
    if (state.source) state.source.close();
    clearTimeout(state.retry);
    // EventSource cannot send headers: the API takes the key as ?api_key= on this one call.
    const es = new EventSource(`${BASE}/stream?api_key=${encodeURIComponent(state.key)}`);
    state.source = es;
    setStream("connecting", "wait");
    const on = (name, fn) => es.addEventListener(name, ev => {
      try { fn(JSON.parse(ev.data)); } catch (err) { showError({error: "bad event", detail: `${name}: ${err.message}`}); }
    });
    es.onopen = () => setStream("live", "on");
    on("order", upsert);
    on("fill", addFill);
    on("execution", x => progress(x.order_id, x, state.orders.get(x.order_id)));
    on("risk", x => kills(x.kill_switches));
    on("overflow", x => {
      showError({error: "stream overflow", detail: x.detail});
      es.close();
      state.retry = setTimeout(connect, 1000);
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // Closed for good (e.g. 401, or the OMS went away): check the key, then try again.
        setStream("disconnected", "off");
        state.retry = setTimeout(async () => {
          try { await api("GET", "/me"); connect(); } catch (e) {
            showError(e);
            if (e.status === 401) signOut(); else state.retry = setTimeout(connect, 5000);
          }
        }, 2000);
      } else setStream("reconnecting", "wait");
    };
  }

  // ---------------------------------------------------------------- start and stop

  async function start(key) {
    state.key = key;
    try {
      state.me = await api("GET", "/me");
    } catch (e) {
      showError(e);
      if (e.status === 401 || e.status === 403) sessionStorage.removeItem(KEY);
      $("key-form").hidden = false;
      return;
    }
    sessionStorage.setItem(KEY, key);
    const me = state.me;
    $("who").textContent = `${me.user_id} · ${me.roles.join(", ")} · ${me.accounts.join(", ") || "no accounts"}`;
    $("key-form").hidden = true;
    $("sign-out").hidden = false;
    $("main").hidden = false;
    $("order-form").hidden = !isTrader();
    $("kill-form").hidden = !isRisk();
    const mine = me.accounts.filter(a => a !== "*");
    $("order-account-label").hidden = mine.length < 2;
    $("order-account").replaceChildren(...mine.map(a => { const op = node("option", null, a); op.value = a; return op; }));
    header($("working"));
    header($("done"));
    try {
      const page = await api("GET", "/orders?limit=500");
      for (const o of page.orders.slice().reverse()) upsert(o);
    } catch (e) { showError(e); }
    connect();
    state.timer = setInterval(poll, POLL_MS);
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    if (state.source) state.source.close();
    clearInterval(state.timer);
    clearTimeout(state.retry);
    location.reload();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("key-form").addEventListener("submit", ev => {
      ev.preventDefault();
      const key = $("key-input").value.trim();
      $("key-input").value = "";
      if (key) start(key);
    });
    $("sign-out").addEventListener("click", signOut);
    $("order-form").addEventListener("submit", sendOrder);
    $("kill-button").addEventListener("click", () => killSwitch("kill"));
    $("revive-button").addEventListener("click", () => killSwitch("revive"));
    $("order-type").addEventListener("change", () => {
      $("order-price").placeholder = $("order-type").value === "market" ? "none" : "limit";
    });
    const saved = sessionStorage.getItem(KEY);
    if (saved) start(saved); else $("key-form").hidden = false;
  });
})();
