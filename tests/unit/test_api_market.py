"""/market-data, /order-book and /venues over a real OMS runtime (api_runtime_harness.py): the consolidated
book fed as the venue links feed it, orders entered through the API and filled by venue reports."""

from __future__ import annotations

from pathlib import Path

from api_runtime_harness import S, System, run, up


def _aapl(system: System) -> None:
    system.quote("EXCH", "AAPL", [("189.99", 300), ("189.98", 500)], [("190.01", 200), ("190.03", 400)])
    system.quote("ECN", "AAPL", [("189.99", 100), ("189.97", 700)], [("190.01", 300), ("190.02", 100)])


def test_market_data_is_the_nbbo_with_its_venues_the_last_trade_and_the_volume(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        _aapl(system)
        system.trade("EXCH", "AAPL", "190.01", 100)
        system.trade("ECN", "AAPL", "190.00", 50)
        r = await system.get("viewer", "/market-data/AAPL")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "open" and body["status_detail"] is None
        q = body["quote"]
        assert (q["bid"], q["bid_size"], q["ask"], q["ask_size"]) == ("189.99", 400, "190.01", 500)
        # At each side the venues at the best price, larger size first.
        assert q["bid_venues"] == [{"venue": "EXCH", "size": 300}, {"venue": "ECN", "size": 100}]
        assert q["ask_venues"] == [{"venue": "ECN", "size": 300}, {"venue": "EXCH", "size": 200}]
        assert (q["mid"], q["spread"], q["spread_bps"], q["crossed"]) == ("190", "0.02", 1.05, False)
        last = body["last_trade"]
        assert (last["price"], last["size"], last["venue"]) == ("190", 50, "ECN")
        assert body["volume"] == 150
        assert [(v["venue"], v["bid"], v["ask"]) for v in body["venues"]] == [
            ("ECN", "189.99", "190.01"), ("EXCH", "189.99", "190.01")]
        dq = body["data_quality"]
        assert dq["silence_s"] < 5 and dq["stale_after_s"] == 30 and dq["silent_venues"] == []

    run(tmp_path, test)


def test_market_status_says_what_the_oms_can_tell_no_data_one_sided_stale(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        r = await system.get("alice", "/market-data/MSFT")
        body = r.json()
        assert r.status_code == 200 and body["status"] == "no_data"
        assert body["quote"]["bid"] is None and body["last_trade"] is None and body["volume"] == 0
        system.quote("EXCH", "MSFT", [("409.99", 100)], [])
        assert (await system.get("alice", "/market-data/MSFT")).json()["status"] == "one_sided"
        _aapl(system)
        system.clock.offset = 45 * S  # 45 s with nothing from any venue
        body = (await system.get("alice", "/market-data/AAPL")).json()
        assert body["status"] == "stale" and "45" in body["status_detail"]
        assert body["data_quality"]["silent_venues"] == ["ECN", "EXCH"]

    run(tmp_path, test)


def test_an_unknown_symbol_is_a_404_naming_it_and_odd_symbols_are_never_a_500(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        r = await system.get("alice", "/market-data/NOPE")
        assert r.status_code == 404
        assert r.json()["error"] == "not_found" and "no instrument NOPE" in r.json()["detail"]
        assert "AAPL" in r.json()["detail"]
        for odd in ("aapl", "%00", "A%2FB", "%F0%9F%92%A5", "A" * 64, "..%2F..%2Fetc"):
            for path in (f"/market-data/{odd}", f"/order-book/{odd}"):
                r = await system.get("risk", path)
                assert r.status_code in (404, 422), (path, r.status_code, r.text)
                assert r.json()["status"] == r.status_code
        assert (await system.get("admin", "/market-data/" + "A" * 65)).status_code == 422
        assert (await system.http.get("/api/v1/order-management/market-data/AAPL")).status_code == 401

    run(tmp_path, test)


def test_the_order_book_lists_each_venue_at_each_level_best_first(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        _aapl(system)
        body = (await system.get("bob", "/order-book/AAPL", params={"depth": 2})).json()
        assert body["depth"] == 2
        assert [(b["level"], b["price"], b["size"], b["venue"], b["level_size"]) for b in body["bids"]] == [
            (1, "189.99", 300, "EXCH", 400), (1, "189.99", 100, "ECN", 400), (2, "189.98", 500, "EXCH", 500)]
        assert [(a["level"], a["price"], a["size"], a["venue"]) for a in body["asks"]] == [
            (1, "190.01", 300, "ECN"), (1, "190.01", 200, "EXCH"), (2, "190.02", 100, "ECN")]
        full = (await system.get("bob", "/order-book/AAPL")).json()
        assert full["depth"] == 10 and len(full["bids"]) == 4 and len(full["asks"]) == 4
        empty = (await system.get("bob", "/order-book/GOOG")).json()
        assert empty["bids"] == [] and empty["asks"] == []
        for bad in ("-1", "0", "101", "x"):
            r = await system.get("bob", "/order-book/AAPL", params={"depth": bad})
            assert r.status_code == 422 and r.json()["error"] == "invalid" and "depth" in r.json()["detail"]

    run(tmp_path, test)


def test_venues_show_their_terms_and_which_links_are_up(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        up(system, "EXCH", "DARK")
        body = (await system.get("viewer", "/venues")).json()
        by = {v["venue"]: v for v in body["venues"]}
        assert body["count"] == 5 and list(by) == ["EXCH", "ECN", "DARK", "CROSS", "MM"]
        assert (by["EXCH"]["lit"], by["EXCH"]["dark"], by["EXCH"]["taker_fee"]) == (True, False, "0.001")
        assert (by["DARK"]["lit"], by["DARK"]["dark"], by["ECN"]["taker_fee"]) == (False, True, "0.003")
        assert (by["ECN"]["host"], by["ECN"]["port"]) == ("127.0.0.1", 9882)
        assert [n for n, v in by.items() if v["up"]] == ["EXCH", "DARK"]
        assert [n for n, v in by.items() if v["routable"]] == ["EXCH", "DARK"]
        # A venue an admin disabled stays listed, with its rules, and is not routed to.
        r = await system.http.put("/api/v1/order-management/config/venues", headers={"X-API-Key": "local-admin-key"},
                                  json={"venues": [{"name": "DARK", "enabled": False, "taker_fee": "0.0020"}]})
        assert r.status_code == 200, r.text
        dark = {v["venue"]: v for v in (await system.get("viewer", "/venues")).json()["venues"]}["DARK"]
        assert (dark["enabled"], dark["taker_fee"], dark["up"], dark["routable"]) == (False, "0.002", True, False)

    run(tmp_path, test)


def test_venue_metrics_are_what_the_oms_child_orders_met_there(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        up(system, "EXCH", "ECN", "DARK", "CROSS", "MM")
        _aapl(system)
        r = await system.post("alice", "/orders", {"symbol": "AAPL", "side": "buy", "quantity": 200,
                                                  "order_type": "limit", "price": "190.01"})
        assert r.status_code == 201, r.text
        ((venue, child),) = system.new_children()
        # Both show 190.01 and either fills it whole: the cheaper taker fee wins.
        assert (venue, child[38], child[44]) == ("EXCH", "200", "190.01")
        await system.venue_report("EXCH", child[11], "0", "0", "X0")
        await system.venue_report("EXCH", child[11], "F", "2", "X1", qty=200, px="190.01", cum=200, avg="190.01")
        assert (await system.get("alice", f"/orders/{r.json()['order_id']}")).json()["status"] == "filled"
        m = (await system.get("alice", "/venues/EXCH/metrics")).json()
        assert (m["venue"], m["lit"], m["children"], m["qty"], m["fills"], m["filled_qty"]) == (
            "EXCH", True, 1, 200, 1, 200)
        assert m["fill_rate"] == 1.0 and m["rejects"] == 0 and m["ack_latency_us"] >= 0
        assert m["availability"] is not None and m["down"] is False
        assert m["fees"] == {"taker_fee": "0.001", "max_taker_fees": "0.2", "commission": None}
        assert m["caller_fills"] == {"filled_qty": 200, "notional": "38002", "avg_price": "190.01"}
        # Bob sees the venue's figures but none of Alice's fills as his.
        bob = (await system.get("bob", "/venues/EXCH/metrics")).json()
        assert bob["filled_qty"] == 200 and bob["caller_fills"]["filled_qty"] == 0
        ecn = (await system.get("bob", "/venues/ECN/metrics")).json()
        assert ecn["children"] == 0 and ecn["fill_rate"] is None
        r = await system.get("bob", "/venues/NASDAQ/metrics")
        assert r.status_code == 404 and "no venue NASDAQ" in r.json()["detail"] and "EXCH" in r.json()["detail"]

    run(tmp_path, test)


def _status(system: System, venue: str, fields: list[tuple[int, str]]) -> None:
    """SecurityStatus (35=f) or TradingSessionStatus (35=h) as the venue's link gets it."""
    from oms_fix.fix.message import Message

    system.links.initiators[venue].app.on_message(None, Message.build(fields))  # type: ignore[arg-type]


def test_a_halt_the_venues_announce_shows_per_venue_and_halts_the_symbol_when_all_say_so(tmp_path: Path) -> None:
    async def test(system: System) -> None:
        _aapl(system)
        _status(system, "EXCH", [(35, "f"), (55, "AAPL"), (336, "EXCH"), (326, "2")])
        body = (await system.get("alice", "/market-data/AAPL")).json()
        assert body["status"] == "open"
        assert [(v["venue"], v["halted"]) for v in body["venues"]] == [("ECN", False), ("EXCH", True)]
        for venue in ("ECN", "DARK", "CROSS", "MM"):
            _status(system, venue, [(35, "h"), (336, venue), (340, "1")])
        body = (await system.get("alice", "/market-data/AAPL")).json()
        assert body["status"] == "halted" and "EXCH" in body["status_detail"]
        assert (await system.get("alice", "/market-data/MSFT")).json()["status"] == "no_data"  # EXCH halted AAPL only
        _status(system, "EXCH", [(35, "f"), (55, "AAPL"), (336, "EXCH"), (326, "17")])
        assert (await system.get("alice", "/market-data/AAPL")).json()["status"] == "open"

    run(tmp_path, test)
