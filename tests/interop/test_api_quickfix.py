"""The REST API of a real `oms-fix up`, with QuickFIX clients and a QuickFIX drop copy on the same OMS.

An order entered over REST and one entered over FIX are the same order to the
OMS: each is seen on the other side (the REST order on the drop copy, the FIX
order in GET /orders with the very ExecIDs its FIX client got), a REST cancel
of a FIX order reaches the FIX client and the venue, and a risk reject reads
the same on both.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Iterator

import httpx
import pytest

from tests.interop.oms_up import System
from tests.interop.qf_client import s

pytestmark = [pytest.mark.interop, pytest.mark.slow]

ALICE, BOB, RISK, VIEWER = "local-alice-key", "local-bob-key", "local-risk-key", "local-viewer-key"


@pytest.fixture(scope="module")
def api(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.up.api, timeout=10) as c:
        yield c


def call(api: httpx.Client, method: str, path: str, key: str | None, **kw: Any) -> httpx.Response:
    headers = {**kw.pop("headers", {}), **({"X-API-Key": key} if key else {})}
    return api.request(method, path, headers=headers, **kw)


def wait_order(api: httpx.Client, order_id: str, key: str, statuses: set[str], timeout_s: float = 10) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        got = call(api, "GET", f"/orders/{order_id}", key).json()
        if got.get("status") in statuses or time.monotonic() > deadline:
            assert got.get("status") in statuses, got
            return got
        time.sleep(0.05)


def test_a_rest_order_fills_and_every_report_reaches_the_drop_copy(system: System, api: httpx.Client) -> None:
    r = call(api, "POST", "/orders", ALICE, json={"symbol": "MSFT", "side": "buy", "quantity": 200,
                                                   "order_type": "market", "client_order_id": "rest-mkt-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["client_order_id"], order["account_id"], order["source"], order["user_id"]) == \
        ("rest-mkt-1", "ACC001", "rest", "alice")
    done = wait_order(api, order["order_id"], ALICE, {"filled"})
    assert done["filled_quantity"] == 200 and done["leaves_quantity"] == 0
    assert sum(v["filled_quantity"] for v in done["venues"]) == 200
    reports = call(api, "GET", f"/orders/{order['order_id']}/execution-reports", ALICE).json()["reports"]
    exec_ids = [x["exec_id"] for x in reports]
    assert reports[0]["exec_type"] == "new" and reports[-1]["status"] == "filled"
    # The drop copy got each of them, as the FIX clients' copies (797=Y), with the same ExecIDs.
    system.dc.wait_for(lambda m: s(m, 17) == exec_ids[-1], what=f"the copy of {exec_ids[-1]}")
    copies = [m for m in system.dc.reports("rest-mkt-1")]
    assert [s(m, 17) for m in copies] == exec_ids
    assert all(s(m, 797) == "Y" and s(m, 1) == "ACC001" for m in copies)
    fills = call(api, "GET", f"/orders/{order['order_id']}/fills", ALICE).json()["fills"]
    assert sum(f["quantity"] for f in fills) == 200
    assert [f["exec_id"] for f in fills] == [s(m, 17) for m in copies if s(m, 150) == "F"]
    # Bob trades for another account: the order does not exist for him.
    assert call(api, "GET", f"/orders/{order['order_id']}", BOB).status_code == 404
    assert order["order_id"] not in {o["order_id"] for o in call(api, "GET", "/orders", BOB).json()["orders"]}


def test_a_fix_order_is_seen_over_rest_and_a_rest_cancel_reaches_the_fix_client_and_the_venue(
        system: System, api: httpx.Client) -> None:
    c1 = system.c1
    c1.new_order("fix-rest-1", "AAPL", "1", 100, "181.00")  # far below the market: it rests
    new = c1.wait_report("fix-rest-1", "0")
    oid = s(new, 37)
    seen = call(api, "GET", f"/orders/{oid}", ALICE).json()
    assert (seen["source"], seen["session"], seen["client_order_id"], seen["status"]) == \
        ("fix", "CLIENT1", "fix-rest-1", "new")
    assert call(api, "GET", f"/orders/{oid}", VIEWER).status_code == 200
    assert call(api, "DELETE", f"/orders/{oid}", VIEWER).status_code == 403  # viewers change nothing
    assert call(api, "DELETE", f"/orders/{oid}", BOB).status_code == 404
    r = call(api, "DELETE", f"/orders/{oid}", ALICE)
    assert r.status_code == 202, r.text
    c1.wait_for(lambda m: s(m, 37) == oid and s(m, 150) == "4", what=f"the Canceled report of {oid}")
    done = wait_order(api, oid, ALICE, {"canceled"})
    assert done["leaves_quantity"] == 0
    fix_reports = c1.reports()
    mine = [m for m in fix_reports if s(m, 37) == oid]
    assert [s(m, 150) for m in mine] == ["0", "6", "4"], [bytes(m.raw) for m in mine]
    assert s(mine[-1], 41) == "fix-rest-1"  # the FIX client's own ClOrdID is the one canceled
    # The venue got the cancel of the child order.
    assert "|35=F|" in system.up.venue_log().replace("\x01", "|")
    rest_ids = [x["exec_id"] for x in call(api, "GET", f"/orders/{oid}/execution-reports", ALICE).json()["reports"]]
    assert rest_ids == [s(m, 17) for m in mine]
    assert call(api, "DELETE", f"/orders/{oid}", ALICE).status_code == 409  # too late now


def test_a_risk_reject_reads_the_same_over_rest_and_fix(system: System, api: httpx.Client) -> None:
    r = call(api, "POST", "/orders", ALICE, json={"symbol": "AAPL", "side": "buy", "quantity": 100,
                                                   "order_type": "limit", "price": "100.00"})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "rejected" and body["rule"] == "OrdRejReason (103) 3"
    system.c1.new_order("fix-collar-1", "AAPL", "1", 100, "100.00")
    rej = system.c1.wait_report("fix-collar-1", "8")
    assert s(rej, 58) == body["detail"]


def test_no_key_a_wrong_key_and_a_missing_order(api: httpx.Client) -> None:
    r = call(api, "GET", "/orders", None)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert call(api, "GET", "/orders", "not-a-key").status_code == 401
    assert call(api, "GET", "/orders/NOPE", ALICE).json() == {"status": 404, "error": "not_found",
                                                              "detail": "no order NOPE", "rule": None}
    bad = call(api, "POST", "/orders", ALICE, json={"symbol": "AAPL", "side": "up", "quantity": 1})
    assert bad.status_code == 422 and "side" in bad.json()["detail"]
    assert call(api, "POST", "/orders", ALICE, content=b"{not json",
                headers={"content-type": "application/json"}).status_code == 400


def test_a_repeated_client_order_id_is_a_conflict(api: httpx.Client) -> None:
    order = {"symbol": "AAPL", "side": "sell", "quantity": 100, "order_type": "limit", "price": "199.00",
             "client_order_id": "rest-dup-1"}
    first = call(api, "POST", "/orders", ALICE, json=order)
    assert first.status_code == 201, first.text
    again = call(api, "POST", "/orders", ALICE, json=order)
    assert again.status_code == 409 and again.json()["order_id"] == first.json()["order_id"]
    assert call(api, "DELETE", f"/orders/{first.json()['order_id']}", ALICE).status_code == 202


def test_the_rate_limit_answers_429_with_retry_after(api: httpx.Client) -> None:
    codes = [call(api, "GET", "/health", VIEWER).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    got = [call(api, "GET", "/orders?limit=1", VIEWER) for _ in range(60)]
    limited = [r for r in got if r.status_code == 429]
    assert limited, "60 requests at once stayed under a limit of 20 a second with bursts of 40"
    assert int(limited[0].headers["Retry-After"]) >= 1 and limited[0].json()["rule"] == "rate_limit_per_s"
    time.sleep(1.5)
    assert call(api, "GET", "/orders?limit=1", VIEWER).status_code == 200


def test_the_kill_switch_over_rest_is_the_risk_roles_and_reaches_fix(system: System, api: httpx.Client) -> None:
    r = call(api, "POST", "/risk/kill-switch", ALICE, json={"account_id": "ACC002", "action": "kill"})
    assert r.status_code == 403
    r = call(api, "POST", "/risk/kill-switch", RISK, json={"account_id": "ACC002", "reason": "api test"})
    assert r.status_code == 200, r.text
    assert "ACC002" in r.json()["kill_switches"]
    try:
        system.c2.new_order("fix-killed-1", "MSFT", "1", 100)
        rej = system.c2.wait_report("fix-killed-1", "8")
        assert "kill" in s(rej, 58)
    finally:
        r = call(api, "POST", "/risk/kill-switch", RISK, json={"account_id": "ACC002", "action": "revive"})
        assert r.status_code == 200 and "ACC002" not in r.json()["kill_switches"]
    audit = call(api, "GET", "/audit?kind=api", RISK).json()["events"]
    actions = [(e["body"]["user"], e["body"]["action"], e["body"]["status"]) for e in audit]
    assert ("alice", "risk.kill", 403) in actions and ("risk", "risk.kill", 200) in actions
    assert ("risk", "risk.revive", 200) in actions
    # Alice reads only her own calls.
    mine = call(api, "GET", "/audit?kind=api", ALICE).json()["events"]
    assert mine and {e["body"]["user"] for e in mine} == {"alice"}


def test_the_stream_sends_an_order_as_it_changes_only_to_those_who_may_see_it(
        system: System, api: httpx.Client) -> None:
    events: dict[str, list[tuple[str, dict]]] = {"alice": [], "bob": []}
    stop = threading.Event()

    def listen(who: str, key: str) -> None:
        with httpx.Client(base_url=system.up.api, timeout=None) as c:
            try:
                with c.stream("GET", f"/stream?api_key={key}") as resp:
                    kind = ""
                    for line in resp.iter_lines():
                        if stop.is_set():
                            return
                        if line.startswith("event: "):
                            kind = line[7:]
                        elif line.startswith("data: "):
                            events[who].append((kind, json.loads(line[6:])))
            except httpx.RemoteProtocolError:
                return  # a stream still open when the module's OMS stops

    threads = [threading.Thread(target=listen, args=a, daemon=True) for a in (("alice", ALICE), ("bob", BOB))]
    for t in threads:
        t.start()
    time.sleep(0.5)
    system.c1.new_order("fix-stream-1", "MSFT", "1", 100)
    oid = s(system.c1.wait_report("fix-stream-1", "0"), 37)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(k == "fill" and d["order_id"] == oid for k, d in events["alice"]):
        time.sleep(0.05)
    stop.set()
    assert any(k == "order" and d["order_id"] == oid for k, d in events["alice"]), events["alice"][-5:]
    assert any(k == "fill" and d["order_id"] == oid for k, d in events["alice"])
    assert not any(d.get("order_id") == oid for _, d in events["bob"])
