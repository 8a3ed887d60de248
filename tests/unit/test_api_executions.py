"""/executions over a real OMS runtime (api_runtime_harness.py): an algo execution is an algo order entered
as POST /orders enters one, ticked by the live algo timers, its slices filled and canceled by venue reports."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from api_runtime_harness import System, run, up

TWAP = {"parent_order_id": "PARENT-7", "symbol": "AAPL", "side": "buy", "quantity": 400, "algorithm": "twap",
        "strategy": "passive", "parameters": {"duration_minutes": 10, "num_slices": 2}, "price": "190.05"}


async def _market(system: System) -> None:
    up(system, "EXCH", "ECN", "DARK", "CROSS", "MM")
    system.quote("EXCH", "AAPL", [("189.99", 300)], [("190.01", 200)])
    system.quote("ECN", "AAPL", [("189.98", 100)], [("190.02", 300)])
    await asyncio.sleep(0.01)


async def _started(system: System, body: dict[str, Any] = TWAP) -> dict[str, Any]:
    r = await system.post("alice", "/executions", body)
    assert r.status_code == 201, r.text
    await asyncio.sleep(0.05)  # the algo's first tick, at once: its start is now
    return r.json()


def test_an_execution_is_an_algo_order_with_its_id_and_the_callers_id_as_clordid(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await _market(system)
        ex = await _started(system)
        eid = ex["execution_id"]
        assert ex["order_id"] == eid and ex["parent_order_id"] == "PARENT-7"
        assert (ex["algorithm"], ex["strategy_code"], ex["state"], ex["quantity"], ex["price"]) == (
            "TWAP", 1000, "working", 400, "190.05")
        assert ex["parameters"] == {"duration_minutes": "10", "num_slices": "2", "strategy": "passive"}
        # The same order through /orders, entered as a FIX client's would be: ClOrdID (11) is the caller's id.
        order = (await system.get("alice", f"/orders/{eid}")).json()
        assert (order["client_order_id"], order["order_type"], order["source"]) == ("PARENT-7", "twap", "rest")
        got = (await system.get("alice", f"/executions/{eid}")).json()
        sched = got["schedule"]
        assert sched["slice_count"] == 2 and [s["target_quantity"] for s in sched["slices"]] == [200, 400]
        assert sched["next_tick_at"] is not None and got["ticks"] >= 1
        p = got["progress"]
        assert (p["filled_quantity"], p["working_quantity"], p["leaves_quantity"]) == (0, 200, 400)
        assert 0 <= p["target_quantity"] <= 200 and p["ahead_of_target"] == -p["target_quantity"]
        # The first slice went out: 200 of 400, passive, at the bid.
        ((venue, child),) = system.new_children()
        assert (child[38], child[44], child[54]) == ("200", "189.99", "1")
        slices = (await system.get("alice", f"/executions/{eid}/slices")).json()
        assert slices["count"] == 1 and slices["working"] == 1
        s = slices["slices"][0]
        assert (s["child_id"], s["venue"], s["quantity"], s["price"], s["filled_quantity"], s["done"]) == (
            child[11], venue, 200, "189.99", 0, False)
        assert s["placed_at"] is not None and s["ended_by"] is None

    run(tmp_path, test)


def test_metrics_are_the_live_tca_against_the_arrival_mid_and_the_market_since(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await _market(system)
        ex = await _started(system)
        eid = ex["execution_id"]
        ((venue, child),) = system.new_children()
        await system.venue_report(venue, child[11], "0", "0", "V0")
        await system.venue_report(venue, child[11], "F", "2", "V1", qty=200, px="189.99", cum=200, avg="189.99")
        system.trade(venue, "AAPL", "189.99", 200)  # our print on the tape
        system.trade("ECN", "AAPL", "190.00", 300)  # and others'
        system.quote("EXCH", "AAPL", [("190.09", 300)], [("190.11", 200)])  # the market moved up 10 cents
        system.quote("ECN", "AAPL", [("190.08", 100)], [("190.12", 300)])
        m = (await system.get("alice", f"/executions/{eid}/metrics")).json()
        assert (m["algorithm"], m["filled_quantity"], m["avg_price"], m["fill_rate"]) == ("TWAP", 200, "189.99", 0.5)
        # Arrival mid 190.00 (the API saw it as it entered the order); bought 1 cent better.
        assert (m["arrival_mid"], m["arrival_source"], m["current_mid"]) == ("190", "api", "190.1")
        assert m["shortfall_bps"] == -0.53 and m["mid_move_bps"] == 5.26
        assert m["opportunity_bps"] == 2.63  # the unfilled half marked at the new mid
        assert (m["market_volume"], m["participation"]) == (500, 0.4)
        assert m["venues"] == [{"venue": venue, "slices": 1, "filled_quantity": 200, "avg_price": "189.99"}]
        assert m["performance"] == "189.9900"  # TWAP's 850: the average fill price
        assert m["market_vwap"] is None and "market_vwap" in m["unavailable"]
        assert m["schedule_deviation"]["shares"] == 200 - m["schedule_deviation"]["target_quantity"]
        assert m["algo_stats"]["filled"] == 200

    run(tmp_path, test)


def test_visibility_is_the_orders_and_only_algo_orders_are_executions(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await _market(system)
        eid = (await _started(system))["execution_id"]
        for path in (f"/executions/{eid}", f"/executions/{eid}/slices", f"/executions/{eid}/metrics"):
            r = await system.get("bob", path)
            assert r.status_code == 404 and r.json()["detail"] == f"no order {eid}", path
            assert (await system.get("viewer", path)).status_code == 200
            assert (await system.get("risk", path)).status_code == 200
        assert [e["execution_id"] for e in (await system.get("viewer", "/executions")).json()["executions"]] == [eid]
        assert (await system.get("bob", "/executions")).json()["count"] == 0
        plain = await system.post("alice", "/orders", {"symbol": "AAPL", "side": "buy", "quantity": 100,
                                                      "price": "189.00"})
        r = await system.get("alice", f"/executions/{plain.json()['order_id']}")
        assert r.status_code == 404 and "not an algo execution" in r.json()["detail"]
        assert (await system.get("alice", "/executions/nope")).status_code == 404
        assert (await system.delete("bob", f"/executions/{eid}")).status_code == 404
        r = await system.delete("viewer", f"/executions/{eid}")
        assert r.status_code == 403 and r.json()["rule"] == "roles"

    run(tmp_path, test)


def test_delete_stops_it_by_canceling_its_slices(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await _market(system)
        eid = (await _started(system))["execution_id"]
        ((venue, child),) = system.new_children()
        await system.venue_report(venue, child[11], "0", "0", "V0")
        r = await system.delete("alice", f"/executions/{eid}")
        assert r.status_code == 202 and r.json()["state"] == "stopping"
        (cancel,) = [f for v, mt, f in system.sent if mt == b"F"]
        assert (cancel[41], cancel[38]) == (child[11], "200")
        await system.venue_report(venue, cancel[11], "4", "4", "V1")
        got = (await system.get("alice", f"/executions/{eid}")).json()
        assert (got["state"], got["status"]) == ("canceled", "canceled")
        s = (await system.get("alice", f"/executions/{eid}/slices")).json()["slices"][0]
        assert (s["done"], s["ended_by"]) == (True, "canceled")
        r = await system.delete("alice", f"/executions/{eid}")
        assert r.status_code == 409  # too late: nothing to stop
        audit = (await system.get("alice", "/audit", params={"kind": "api"})).json()["events"]
        assert [(e["body"]["action"], e["body"]["status"]) for e in audit] == [
            ("execution.start", 201), ("execution.stop", 202), ("execution.stop", 409)]

    run(tmp_path, test)


def test_refusals_read_like_the_reject(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await _market(system)
        await _started(system)
        r = await system.post("alice", "/executions", TWAP)
        assert r.status_code == 409 and "PARENT-7" in r.json()["detail"]
        pov = {**TWAP, "parent_order_id": "P-8", "algorithm": "pov", "parameters": {}}
        r = await system.post("alice", "/executions", pov)
        assert r.status_code == 422 and "participation_rate" in r.json()["detail"]
        r = await system.post("alice", "/executions", {**TWAP, "parent_order_id": "P-9", "symbol": "NOPE"})
        assert r.status_code == 422 and r.json()["error"] == "rejected"
        r = await system.post("alice", "/executions", {**TWAP, "algorithm": "magic"})
        assert r.status_code == 422 and "algorithm" in r.json()["detail"]
        r = await system.post("alice", "/executions", {**TWAP, "parent_order_id": "P-10", "account_id": "ACC002"})
        assert r.status_code == 403
        r = await system.post("viewer", "/executions", {**TWAP, "parent_order_id": "P-11", "account_id": "ACC001"})
        assert r.status_code == 403 and r.json()["rule"] == "roles"

    run(tmp_path, test)


def test_a_later_start_is_scheduled_with_its_window(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await _market(system)
        start = datetime.fromtimestamp(system.clock.now_ns() / 1e9 + 600, timezone.utc).replace(microsecond=0)
        end = start + timedelta(minutes=30)
        body = {**TWAP, "start_time": start.isoformat(), "end_time": end.isoformat(), "parameters": {}}
        ex = await _started(system, body)
        assert (ex["state"], ex["progress"]["target_quantity"], ex["ticks"]) == ("scheduled", 0, 0)
        sched = ex["schedule"]
        iso = "%Y-%m-%dT%H:%M:%S.000Z"
        assert (sched["start_time"], sched["end_time"]) == (start.strftime(iso), end.strftime(iso))
        assert sched["next_tick_at"] == start.strftime(iso)
        assert sched["slices"][-1] == {"ends_at": end.strftime(iso), "target_quantity": 400}
        assert system.new_children() == []

    run(tmp_path, test)
