"""/metrics over a real runtime: the text parses as Prometheus 0.0.4 and its counters follow the orders."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from reports_rig import DAY, Rig, nos, rig

from oms_fix.api.app import BASE

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample line as (name, labels) -> value; comment lines must be HELP or TYPE."""
    out: Samples = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            kind, name, rest = line[2:].split(" ", 2)
            assert kind in ("HELP", "TYPE"), line
            if kind == "TYPE":
                assert rest in ("counter", "gauge", "histogram", "summary"), line
                types[name] = rest
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(_LABEL.findall(m.group(2) or ""))
        key = (m.group(1), labels)
        assert key not in out, f"sample twice: {line}"
        out[key] = float(m.group(3))
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in types or base in types, f"{m.group(1)} has no TYPE line"
    return out


def value(s: Samples, name: str, **labels: str) -> float:
    return s.get((name, frozenset(labels.items())), 0.0)


async def scrape(r: Rig) -> Samples:
    got = await r.http.get(BASE + "/metrics")  # no key: like /health
    assert got.status_code == 200 and got.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(got.text)


def test_counters_grow_with_orders_and_the_hops_are_timed(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            before = await scrape(r)
            assert value(before, "oms_fix_messages_total", direction="in", session="CLIENT1", msg_type="D") == 0
            await r.fix(nos("A1", 200, "190.01"))
            await r.venue("ECN", "C1", "E1", 200, "190.01", 200)
            await r.fix(nos("A2", 150, "190.00"))  # rejected: not a lot of 100
            s = await scrape(r)
            assert value(s, "oms_fix_messages_total", direction="in", session="CLIENT1", msg_type="D") == 2
            assert value(s, "oms_fix_messages_total", direction="in", session="ECN", msg_type="8") == 1
            # ER New and Trade for A1, Rejected for A2
            assert value(s, "oms_fix_messages_total", direction="out", session="CLIENT1", msg_type="8") == 3
            assert value(s, "oms_fix_messages_total", direction="out", session="ECN", msg_type="D") == 1
            assert value(s, "oms_execution_rejects_total", ord_rej_reason="13", reason="incorrect_quantity") == 1
            assert value(s, "oms_journal_last_seq") == r.rt.journal.last_seq > 0
            assert value(s, "oms_working_orders") == 0 and value(s, "oms_kill_switches") == 0
            for hop, n in (("in_to_core", 2), ("venue_to_client", 1)):
                count = value(s, "oms_hop_latency_seconds_count", hop=hop)
                assert count == n, hop
                assert value(s, "oms_hop_latency_seconds_bucket", hop=hop, le="+Inf") == count
                assert value(s, "oms_hop_latency_seconds_sum", hop=hop) > 0
            assert value(s, "oms_hop_latency_seconds_count", hop="core_to_journal") >= 3
            assert value(s, "oms_hop_latency_seconds_count", hop="journal_to_sent") >= 3
            buckets = sorted((float(dict(k[1])["le"]), v) for k, v in s.items()
                             if k[0] == "oms_hop_latency_seconds_bucket" and dict(k[1])["hop"] == "in_to_core")
            assert [v for _, v in buckets] == sorted(v for _, v in buckets), "buckets are cumulative"
    asyncio.run(go())


def test_rest_requests_are_counted_per_route_template_and_status(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await r.get("/reports/daily", date=DAY)
            await r.get("/reports/daily", date="nope")
            await r.get("/orders/O9/best-execution", who="alice")
            s = await scrape(r)
            route = "/reports/{name}"  # the template as the router holds it, below BASE
            assert value(s, "oms_rest_requests_total", method="GET", route=route, status="200") == 1
            assert value(s, "oms_rest_requests_total", method="GET", route=route, status="400") == 1
            assert value(s, "oms_rest_requests_total", method="GET", route="/orders/{order_id}/best-execution",
                         status="404") == 1
            assert value(s, "oms_rest_requests_total", method="GET", route="/metrics", status="200") == 0
            again = await scrape(r)
            assert value(again, "oms_rest_requests_total", method="GET", route="/metrics", status="200") == 1
    asyncio.run(go())


def test_kill_switches_and_cancel_rejects_show(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            from oms_fix.engine.oms_types import Kill
            from test_translate import msg
            r.rt.process(Kill(account="ACC002", reason="desk"))
            await r.fix(msg("F", t11="X2", t41="NOPE", t55="AAPL", t54="1", t60="20251125-10:00:00", t38="100"))
            s = await scrape(r)
            assert value(s, "oms_kill_switches") == 1 and value(s, "oms_kill_switch", account="ACC002") == 1
            assert value(s, "oms_risk_events_total", kind="kill", rule="kill_switch") == 1
            assert value(s, "oms_cancel_rejects_total", cxl_rej_reason="1", reason="unknown_order") == 1
            assert value(s, "oms_fix_messages_total", direction="out", session="CLIENT1", msg_type="9") == 1
    asyncio.run(go())


def test_label_values_are_escaped() -> None:
    from oms_fix.api.metrics import _labels
    assert _labels(a='say "hi"\\\n') == '{a="say \\"hi\\"\\\\\\n"}'
    assert parse('# TYPE x counter\nx{a="say \\"hi\\""} 1\n') == {("x", frozenset({("a", 'say \\"hi\\"')})): 1.0}
