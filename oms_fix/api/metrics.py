"""/metrics: the OMS for Prometheus, in the text exposition format 0.0.4, written by hand.

Without a key, like /health: a scraper holds no API key, and nothing here names
an order or a price. What it shows:

* ``oms_hop_latency_seconds`` (histogram, label ``hop``): the runtime's own
  timings (oms_fix/live/latency.py): client message in -> core handled, core ->
  journal committed, journal committed -> sent, venue ExecutionReport in ->
  client ExecutionReport sent;
* ``oms_child_ack_latency_seconds`` (summary, sum and count, per venue): child
  order sent -> the venue's ack, as the router's venue statistics keep it
  (the core's clock, so in simulation it is simulated time);
* ``oms_fix_messages_total`` (counter: direction, session, msg_type): FIX
  application messages in (from clients and venues) and out (to clients, drop
  copies and venues); session-level messages (heartbeats, resends, session
  Rejects) are the session layer's and are not seen here;
* ``oms_execution_rejects_total`` (OrdRejReason 103), ``oms_cancel_rejects_total``
  (CxlRejReason 102), ``oms_risk_events_total`` (kind, rule);
* ``oms_rest_requests_total`` (method, route template as its router holds it, e.g.
  ``/orders/{order_id}``, below the API base; status), counted by
  ``RequestCounter``, a plain ASGI middleware (no BaseHTTPMiddleware: that
  would buffer the /stream responses);
* gauges: working orders, kill switches, stream subscribers, the journal's last
  sequence number, venues up.

Counters start at zero with the process, as Prometheus expects of them: the
journal's replay at start-up is not counted (outputs seen while the runtime has
no venue links yet are the replay's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ..domain.enums import ExecType
from ..domain.reports import CancelRejectReport, Report
from ..engine import oms_types as t
from ..live.latency import BUCKETS_NS, Histogram
from .service import ApiService

__all__ = ["CONTENT_TYPE", "Metrics", "RequestCounter", "render", "router"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LE = [f"{b / 1e9:g}" for b in BUCKETS_NS] + ["+Inf"]
_VENUE_TYPES = {t.ToVenueNew: "D", t.ToVenueCancel: "F", t.ToVenueStatus: "H"}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class Metrics:
    """The counters the runtime does not keep itself, fed by a runtime listener and the middleware."""

    def __init__(self, svc: ApiService):
        self.svc = svc
        self.messages_out: dict[tuple[str, str], int] = {}
        self.rejects: dict[tuple[str, str], int] = {}  # (OrdRejReason code, name) -> ERs 8/8
        self.cancel_rejects: dict[tuple[str, str], int] = {}
        self.risk_events: dict[tuple[str, str], int] = {}
        self.requests: dict[tuple[str, str, int], int] = {}
        svc.runtime.listeners.append(self.observe)

    def observe(self, o: object) -> None:
        rt = self.svc.runtime
        if rt.links is None:
            return  # the journal's replay: sent by an earlier process, counted by it
        if isinstance(o, t.ToClient):
            msg = o.msg
            if isinstance(msg, Report):
                if o.session in rt.clients:  # a REST user's reports are JSON, not FIX
                    self._out(o.session, "8")
                for dc in rt.drop_copies:
                    self._out(dc, "8")
                if msg.exec_type is ExecType.REJECTED and msg.ord_rej_reason is not None:
                    _add(self.rejects, (msg.ord_rej_reason.value, msg.ord_rej_reason.name))
            elif isinstance(msg, CancelRejectReport):
                if o.session in rt.clients:
                    self._out(o.session, "9")
                _add(self.cancel_rejects, (msg.reason.value, msg.reason.name))
        elif isinstance(o, t.ToClientBusinessReject):
            self._out(o.session, "j")
        elif isinstance(o, t.ToClientMassCancelReport):
            self._out(o.session, "r")
        elif isinstance(o, t.RiskEventOut):
            _add(self.risk_events, (o.event.kind, o.event.rule))
        else:
            mt = _VENUE_TYPES.get(type(o))
            if mt is not None:
                self._out(o.venue, mt)  # type: ignore[attr-defined]

    def _out(self, who: str, msg_type: str) -> None:
        _add(self.messages_out, (who, msg_type))


def _add(d: dict[Any, int], key: Any) -> None:
    d[key] = d.get(key, 0) + 1


class RequestCounter:
    """REST requests per method, route template and status (the template, not the path: one series per
    route, not one per order id)."""

    def __init__(self, app: Asgi, counts: dict[tuple[str, str, int], int]):
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def counted(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                self._count(scope, int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, counted)
        except Exception:
            if not started:  # the server's error page answers it: a 500
                self._count(scope, 500)
            raise

    def _count(self, scope: Scope, status: int) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        _add(self.counts, (str(scope.get("method", "")), route, status))


# -- the exposition format --------------------------------------------------------------


def _esc(v: object) -> str:
    return str(v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def _labels(**kv: object) -> str:
    return "{" + ",".join(f'{k}="{_esc(v)}"' for k, v in kv.items()) + "}" if kv else ""


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_: str) -> None:
        self.lines.append(f"# HELP {name} {help_}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float | int, **labels: object) -> None:
        self.lines.append(f"{name}{_labels(**labels)} {_num(value)}")

    def histogram(self, name: str, h: Histogram, **labels: object) -> None:
        for le, c in zip(_LE, h.cumulative()):
            self.sample(f"{name}_bucket", c, **labels, le=le)
        self.sample(f"{name}_sum", h.sum_ns / 1e9, **labels)
        self.sample(f"{name}_count", h.count, **labels)


def _num(v: float | int) -> str:
    return str(v) if isinstance(v, int) else repr(float(v))


def render(svc: ApiService, m: Metrics) -> str:
    rt = svc.runtime
    oms = rt.oms
    out = _Out()
    out.family("oms_hop_latency_seconds", "histogram",
               "Time between two points of a message's way through the OMS runtime (perf counter).")
    for hop, h in rt.latency.hops().items():
        out.histogram("oms_hop_latency_seconds", h, hop=hop)

    out.family("oms_child_ack_latency_seconds", "summary", "Child order sent to the venue's acknowledgement.")
    figures = oms.venue_stats.figures(rt.clock.now_ns())
    for venue in figures:
        f = oms.venue_stats.of(venue)
        out.sample("oms_child_ack_latency_seconds_sum", f.ack_ns / 1e9, venue=venue)
        out.sample("oms_child_ack_latency_seconds_count", f.acked, venue=venue)
    out.family("oms_venue_fill_ratio", "gauge", "Quantity filled over quantity sent, of the children that ended.")
    for venue, fig in figures.items():
        if fig["fill_rate"] is not None:
            out.sample("oms_venue_fill_ratio", fig["fill_rate"], venue=venue)

    out.family("oms_fix_messages_total", "counter", "FIX application messages in and out, per session and MsgType.")
    for (who, mt), n in sorted(rt.latency.messages_in.items()):
        out.sample("oms_fix_messages_total", n, direction="in", session=who, msg_type=mt)
    for (who, mt), n in sorted(m.messages_out.items()):
        out.sample("oms_fix_messages_total", n, direction="out", session=who, msg_type=mt)

    out.family("oms_rest_requests_total", "counter", "REST requests per method, route and status.")
    for (method, route, status), n in sorted(m.requests.items()):
        out.sample("oms_rest_requests_total", n, method=method, route=route, status=status)

    out.family("oms_execution_rejects_total", "counter", "ExecutionReports 8/8 per OrdRejReason (103).")
    for (code, name), n in sorted(m.rejects.items()):
        out.sample("oms_execution_rejects_total", n, ord_rej_reason=code, reason=name.lower())
    out.family("oms_cancel_rejects_total", "counter", "OrderCancelRejects per CxlRejReason (102).")
    for (code, name), n in sorted(m.cancel_rejects.items()):
        out.sample("oms_cancel_rejects_total", n, cxl_rej_reason=code, reason=name.lower())
    out.family("oms_risk_events_total", "counter", "Risk events (rejects, kills, breaches) per kind and rule.")
    for (kind, rule), n in sorted(m.risk_events.items()):
        out.sample("oms_risk_events_total", n, kind=kind, rule=rule)

    out.family("oms_working_orders", "gauge", "Client orders working.")
    out.sample("oms_working_orders", oms.working())
    kills = oms.kill_switches()
    out.family("oms_kill_switches", "gauge", "Kill switches on (account \"*\": the global one).")
    out.sample("oms_kill_switches", len(kills))
    out.family("oms_kill_switch", "gauge", "1 for each account whose kill switch is on.")
    for account in sorted(kills):
        out.sample("oms_kill_switch", 1, account=account)
    out.family("oms_stream_subscribers", "gauge", "Clients of the REST event stream.")
    out.sample("oms_stream_subscribers", len(svc.hub.subscribers))
    out.family("oms_journal_last_seq", "gauge", "The journal's last sequence number.")
    out.sample("oms_journal_last_seq", rt.journal.last_seq)
    if rt.links is not None:
        out.family("oms_venue_up", "gauge", "1 while the venue link is logged on.")
        for venue in sorted(rt.links.initiators):
            out.sample("oms_venue_up", int(venue in rt.links.up), venue=venue)
    return "\n".join(out.lines) + "\n"


router = APIRouter(tags=["system"])


@router.get("/metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4"}})
async def metrics(request: Request) -> PlainTextResponse:
    """Prometheus metrics, no key needed (like /health): per-hop latency, message and request counts,
    rejects, working orders, kill switches, stream subscribers, the journal's last sequence number."""
    svc: ApiService = request.app.state.service
    m: Metrics | None = getattr(request.app.state, "metrics", None)
    if m is None:
        m = request.app.state.metrics = Metrics(svc)  # not installed: only the runtime's own figures
    return PlainTextResponse(render(svc, m), media_type=CONTENT_TYPE)
