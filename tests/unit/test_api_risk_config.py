"""/risk/limits, /risk/metrics and /config/* over a real OMS runtime and journal (api_runtime_harness.py):
roles, 422s naming the field, audit events, changes that bind the next order, and a restart that replays them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson

from api_runtime_harness import KEYS, System, run, up

from oms_fix.api.app import BASE


async def put(system: System, user: str, path: str, body: Any, **kw: Any) -> httpx.Response:
    return await system.http.put(BASE + path, headers={"X-API-Key": KEYS[user]}, json=body, **kw)


def audits(system: System, action: str) -> list[dict[str, Any]]:
    return [b for b in (orjson.loads(r[4]) for r in system.runtime.journal.query("audit")) if b["action"] == action]


async def filled_aapl(system: System, qty: int = 200) -> None:
    """ACC001 (alice) buys ``qty`` AAPL at EXCH, filled at 190.01."""
    up(system, "EXCH", "ECN")
    system.quote("EXCH", "AAPL", [("189.99", 300), ("189.98", 500)], [("190.01", 1000)])
    r = await system.post("alice", "/orders", {"symbol": "AAPL", "side": "buy", "quantity": qty,
                                               "order_type": "limit", "price": "190.01"})
    assert r.status_code == 201, r.text
    ((venue, child),) = system.new_children()
    await system.venue_report(venue, child[11], "0", "0", "X0")
    await system.venue_report(venue, child[11], "F", "2", "X1", qty=qty, px="190.01", cum=qty, avg="190.01")


# -- limits ---------------------------------------------------------------------------------------


def test_limits_show_risk_yaml_and_each_caller_sees_only_its_accounts(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        body = (await system.get("risk", "/risk/limits")).json()
        assert body["defaults"]["max_order_qty"] == 10000 and body["defaults"]["credit_limit"] == "10000000"
        acc1 = body["accounts"]["ACC001"]
        assert (acc1["limits"]["max_order_qty"], acc1["limits"]["collar_pct"]) == (25000, "5")
        assert acc1["overrides"]["max_order_qty"] == 25000 and "collar_pct" not in acc1["overrides"]
        assert acc1["symbols"]["TSLA"]["limits"]["max_order_qty"] == 5000
        assert body["accounts"]["ACC002"]["restricted"] == ["GOOG"]
        assert sorted(body["accounts"]) == ["ACC001", "ACC002", "ACC003", "ACC004"]
        assert list((await system.get("alice", "/risk/limits")).json()["accounts"]) == ["ACC001"]
        assert list((await system.get("viewer", "/risk/limits")).json()["accounts"]) == ["ACC001", "ACC002"]

    run(tmp_path, test)


def test_only_the_risk_role_changes_limits_and_bad_values_are_422s_naming_the_field(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        for user in ("alice", "admin", "viewer"):
            r = await put(system, user, "/risk/limits/ACC001", {"max_order_qty": 100})
            assert r.status_code == 403 and r.json()["rule"] == "roles", r.text
        # The role is checked first: a bad body from someone who may not change limits is still a 403.
        assert (await put(system, "alice", "/risk/limits/ACC001", {"max_order_qty": -1})).status_code == 403
        assert [a["status"] for a in audits(system, "risk.limits")] == [403] * 4
        for bad, field in (({"max_order_qty": -1}, "max_order_qty"), ({"max_order_qty": "5"}, "max_order_qty"),
                           ({"collar_pct": 100}, "collar_pct"), ({"credit_limit": "lots"}, "credit_limit"),
                           ({"max_banana": 1}, "max_banana"), ({"inherit": ["max_banana"]}, "inherit"),
                           ({"max_order_value": "1e30"}, "max_order_value"), ({}, "body")):
            r = await put(system, "risk", "/risk/limits/ACC001", bad)
            assert r.status_code == 422 and field in r.json()["detail"], (bad, r.text)
        r = await put(system, "risk", "/risk/limits/ACC001", {"credit_limit": "5"}, params={"symbol": "AAPL"})
        assert r.status_code == 422 and "credit_limit" in r.json()["detail"]
        r = await put(system, "risk", "/risk/limits/ACC001", {"max_order_qty": 5}, params={"symbol": "NOPE"})
        assert r.status_code == 422 and "symbol" in r.json()["detail"]
        assert (await system.get("risk", "/risk/limits")).json()["accounts"]["ACC001"]["limits"]["max_order_qty"] \
            == 25000

    run(tmp_path, test)


def test_a_new_limit_binds_the_next_order_is_audited_and_survives_a_restart(tmp_path: Path) -> None:
    async def first(system: System) -> None:
        up(system, "EXCH", "ECN")
        r = await put(system, "risk", "/risk/limits/ACC001", {"max_order_qty": 150, "max_long": None})
        assert r.status_code == 200, r.text
        assert (r.json()["limits"]["max_order_qty"], r.json()["limits"]["max_long"]) == (150, None)
        r = await put(system, "risk", "/risk/limits/*", {"collar_pct": "7.5"})
        assert r.status_code == 200 and r.json()["limits"]["collar_pct"] == "7.5"
        r = await put(system, "risk", "/risk/limits/ACC001", {"max_order_qty": 20}, params={"symbol": "MSFT"})
        assert r.status_code == 200 and r.json()["symbol"] == "MSFT"
        r = await system.post("alice", "/orders", {"symbol": "AAPL", "side": "buy", "quantity": 200,
                                                   "order_type": "limit", "price": "190.00"})
        assert r.status_code == 422 and "exceeds max_order_qty 150" in r.json()["detail"], r.text
        [ok] = audits(system, "risk.limits")[:1]
        assert (ok["status"], ok["user"], ok["account_id"], ok["changes"]) == (
            200, "risk", "ACC001", {"max_order_qty": 150, "max_long": None})
        events = (await system.get("risk", "/audit", params={"kind": "risk"})).json()["events"]
        assert any(e["body"]["kind"] == "limits" and "set by risk" in e["body"]["text"] for e in events)

    async def restarted(system: System) -> None:
        body = (await system.get("risk", "/risk/limits")).json()
        acc1 = body["accounts"]["ACC001"]
        assert (acc1["limits"]["max_order_qty"], acc1["limits"]["max_long"], acc1["limits"]["collar_pct"]) == (
            150, None, "7.5")
        assert acc1["symbols"]["MSFT"]["limits"]["max_order_qty"] == 20
        assert body["defaults"]["collar_pct"] == "7.5"
        r = await put(system, "risk", "/risk/limits/ACC001", {"inherit": ["max_order_qty"]})
        assert r.status_code == 200 and r.json()["limits"]["max_order_qty"] == 10000

    run(tmp_path, first)
    run(tmp_path, restarted)


# -- metrics ----------------------------------------------------------------------------------------


def test_metrics_figure_each_account_and_a_trader_sees_only_its_own(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        await filled_aapl(system, 200)
        system.trade("EXCH", "AAPL", "190.01", 800)
        body = (await system.get("risk", "/risk/metrics", params={"shock_pct": "10"})).json()
        acc = {a["account"]: a for a in body["accounts"]}["ACC001"]
        pos = acc["position_risk"]
        [aapl] = pos["positions"]
        mark = Decimal(aapl["mark"])
        assert aapl["position"] == 200 and Decimal(aapl["market_value"]) == 200 * mark
        assert Decimal(pos["gross_exposure"]) == Decimal(pos["net_exposure"]) == 200 * mark
        assert Decimal(pos["total_pnl"]) == Decimal(pos["realised_pnl"]) + Decimal(pos["unrealised_pnl"])
        assert Decimal(acc["market_risk"]["each_position_against"]) == 20 * mark  # 10% of 200 x mark
        credit = acc["credit"]
        assert (credit["credit_limit"], Decimal(credit["used"])) == ("50000000", 200 * mark)
        assert Decimal(credit["left"]) == Decimal(50_000_000) - 200 * mark
        [liq] = acc["liquidity"]
        # A long closes into the bids: 800 shown; the tape saw 800 shares (the fill came from a venue report).
        assert (liq["close_against"], liq["displayed_qty"], liq["position_to_displayed"]) == ("bids", 800, 0.25)
        assert (liq["volume"], liq["position_to_volume"]) == (800, 0.25)
        ops = acc["operational"]
        assert (ops["working_orders"], ops["rejected_orders"], ops["kill_switch"]) == (0, 0, None)
        assert set(body["venues_down"]) == {"DARK", "CROSS", "MM"}
        mine = (await system.get("alice", "/risk/metrics")).json()
        assert [a["account"] for a in mine["accounts"]] == ["ACC001"]
        assert mine["accounts"][0]["market_risk"]["shock_pct"] == "5"
        assert (await system.get("bob", "/risk/metrics", params={"shock_pct": "0"})).status_code == 422

    run(tmp_path, test)


# -- config ----------------------------------------------------------------------------------------


def test_venue_rules_are_read_by_all_changed_by_an_admin_and_a_disabled_venue_gets_nothing(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        up(system, "EXCH", "ECN")
        venues = (await system.get("viewer", "/config/venues")).json()["venues"]
        assert [(v["name"], v["lit"], v["dark"], v["enabled"], v["connected"]) for v in venues][:3] == [
            ("EXCH", True, False, True, True), ("ECN", True, False, True, True), ("DARK", False, True, True, False)]
        change = {"venues": [{"name": "EXCH", "enabled": False}]}
        for user in ("alice", "risk", "viewer"):
            assert (await put(system, user, "/config/venues", change)).status_code == 403
        assert (await put(system, "risk", "/config/venues", {"venues": "all"})).status_code == 403
        for bad, field in (({"venues": [{"name": "NOPE", "enabled": False}]}, "venues.0.name"),
                           ({"venues": [{"name": "EXCH", "taker_fee": "abc"}]}, "venues.0.taker_fee"),
                           ({"venues": [{"name": "EXCH", "enabled": "no"}]}, "venues.0.enabled"),
                           ({"venues": [{"name": "EXCH"}]}, "venues.0"), ({"venues": []}, "venues")):
            r = await put(system, "admin", "/config/venues", bad)
            assert r.status_code == 422 and field in r.json()["detail"], (bad, r.text)
        r = await put(system, "admin", "/config/venues", {"venues": [{"name": "EXCH", "enabled": False},
                                                                     {"name": "ECN", "taker_fee": "0.0025"}]})
        assert r.status_code == 200, r.text
        got = {v["name"]: v for v in r.json()["venues"]}
        assert (got["EXCH"]["enabled"], got["ECN"]["taker_fee"]) == (False, "0.0025")
        system.quote("EXCH", "AAPL", [("189.99", 300)], [("190.01", 200)])
        system.quote("ECN", "AAPL", [("189.99", 300)], [("190.02", 200)])
        r = await system.post("alice", "/orders", {"symbol": "AAPL", "side": "buy", "quantity": 100,
                                                   "order_type": "limit", "price": "190.02"})
        assert r.status_code == 201
        assert [venue for venue, _ in system.new_children()] == ["ECN"]  # EXCH shows the better price
        # The schema refuses before the route runs; the route audits what it refuses itself.
        assert [a["status"] for a in audits(system, "config.venues")] == [403] * 4 + [422] * 2 + [200]

    run(tmp_path, test)


def test_routing_and_algorithm_defaults_change_and_come_back_after_a_restart(tmp_path: Path) -> None:
    async def first(system: System) -> None:
        assert (await system.get("alice", "/config/routing")).json() == {
            "dark_ping": True, "dark_ping_min_order": 1000, "dark_min_qty": 100, "internal_cross": True}
        assert (await put(system, "risk", "/config/routing", {"dark_ping": False})).status_code == 403
        assert (await put(system, "viewer", "/config/algorithms", {"algorithms": {}})).status_code == 403
        for bad, field in (({"dark_min_qty": 0}, "dark_min_qty"), ({"dark_ping": "yes"}, "dark_ping"),
                           ({"nope": 1}, "nope"), ({}, "body"), ({"dark_ping": None}, "body")):
            r = await put(system, "admin", "/config/routing", bad)
            assert r.status_code == 422 and field in r.json()["detail"], (bad, r.text)
        r = await put(system, "admin", "/config/routing", {"dark_ping_min_order": 5000, "internal_cross": False})
        assert r.status_code == 200 and r.json()["dark_ping_min_order"] == 5000
        for bad, field in (({"twap": {"wobble": 1}}, "algorithms.twap"),
                           ({"twap": {"duration_minutes": "ten"}}, "duration_minutes"),
                           ({"nope": {}}, "algorithms.nope"), ({"twap": {"num_slices": "1;x=2"}}, "num_slices"),
                           ({"twap": {}, "1000": {}}, "named twice")):
            r = await put(system, "admin", "/config/algorithms", {"algorithms": bad})
            assert r.status_code == 422 and field in r.json()["detail"], (bad, r.text)
        r = await put(system, "admin", "/config/algorithms",
                      {"algorithms": {"twap": {"duration_minutes": 30, "num_slices": "6"}, "pov": {}}})
        assert r.status_code == 200, r.text
        twap = [a for a in r.json()["algorithms"] if a["name"] == "twap"]
        assert twap == [{"name": "twap", "strategy": 1000, "defaults": {"duration_minutes": "30", "num_slices": "6"}}]
        assert [a["status"] for a in audits(system, "config.algorithms")][-1] == 200

    async def restarted(system: System) -> None:
        routing = (await system.get("viewer", "/config/routing")).json()
        assert (routing["dark_ping_min_order"], routing["internal_cross"]) == (5000, False)
        algos = {a["name"]: a["defaults"] for a in (await system.get("viewer", "/config/algorithms")).json()
                 ["algorithms"]}
        assert algos["twap"] == {"duration_minutes": "30", "num_slices": "6"} and algos["pov"] == {}

    run(tmp_path, first)
    run(tmp_path, restarted)
