"""/reports and /orders/{id}/best-execution over a real runtime and journal: what each report says of the orders."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import orjson

from reports_rig import DAY, Rig, nos, rig, settle

from oms_fix.api.reports import Ctx, tca_of
from oms_fix.api.users import load_users
from oms_fix.domain import NewOrder, OrdType, Side
from oms_fix.engine.algos.base import AlgoSpec
from oms_fix.engine.oms_types import ClientNew, Kill
from oms_fix.marketdata.consolidated import ConsolidatedBook

NBBO = {"bid": "190", "bid_size": 100, "ask": "190.01", "ask_size": 500}  # test_oms_core.market_book's AAPL


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


async def filled(r: Rig) -> None:
    """A1 buys 200 AAPL at 190.01: it takes ECN's offer (300 shown at the best price) and fills there."""
    await r.fix(nos("A1", 200, "190.01"))
    assert [(v, mt) for v, mt, _ in r.links.sent] == [("ECN", b"D")]
    await r.venue("ECN", "C1", "E1", 200, "190.01", 200)


async def bob_order(r: Rig) -> None:
    order = NewOrder(cl_ord_id="B1", symbol="AAPL", side=Side.SELL, order_qty=100, ord_type=OrdType.LIMIT,
                     price=D("190.50"))
    r.rt.process(ClientNew(session="CLIENT2", account="ACC002", order=order, raw_side=Side.SELL))
    await settle()


def test_compliance_lists_the_nbbo_at_arrival_and_at_the_fill_and_the_venue_with_why(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await filled(r)
            got = (await r.get("/reports/compliance", date=DAY)).json()
            (order,) = got["orders"]
            assert order["order_id"] == "O1" and order["arrival"]["nbbo"] == NBBO
            (route,) = order["routes"]
            assert (route["venue"], route["quantity"], route["price"]) == ("ECN", 200, "190.01")
            assert route["why"] == "best price 190.01 on ECN, 300 shown; split by displayed size"
            (fill,) = order["fills"]
            assert (fill["venue"], fill["quantity"], fill["price"], fill["vs_nbbo"], fill["trade_through"]) == (
                "ECN", 200, "190.01", "at", False)
            assert fill["nbbo"] == NBBO and fill["why"] == route["why"]
            assert got["summary"] == {"fills": 1, "inside": 0, "at": 1, "outside": 0, "unknown": 0,
                                      "trade_throughs": 0}

            text = (await r.get("/reports/compliance", date=DAY, format="csv"))
            assert text.headers["content-type"].startswith("text/csv")
            (row,) = list(csv.DictReader(io.StringIO(text.text)))
            assert (row["order_id"], row["venue"], row["fill_price"], row["arrival_bid"], row["arrival_ask"],
                    row["fill_ask"], row["vs_nbbo"]) == ("O1", "ECN", "190.01", "190", "190.01", "190.01", "at")

            page = await r.get("/reports/compliance", date=DAY, format="html")
            assert page.headers["content-type"].startswith("text/html")
            assert page.text.startswith("<!DOCTYPE html>") and "<table>" in page.text and "O1" in page.text
            assert "http" not in page.text.split("<body>")[1], "standalone: no external assets"
    run(go())


def test_the_evidence_survives_a_restart_and_is_read_from_the_journal_not_the_book(tmp_path: Path) -> None:
    async def first() -> None:
        async with rig(tmp_path) as r:
            await filled(r)

    async def second() -> None:
        async with rig(tmp_path) as r:
            r.links.book = r.rt.oms._book = ConsolidatedBook()  # another market now: the evidence must not move
            order = (await r.get("/orders/O1/best-execution", who="alice")).json()
            assert order["arrival"]["nbbo"] == NBBO and order["fills"][0]["nbbo"] == NBBO
            assert order["fills"][0]["venue"] == "ECN" and order["routes"][0]["venue"] == "ECN"
            assert (await r.get("/orders/O1/best-execution", who="bob")).status_code == 404
            pieces = [(oid, b["at"]) for *_, body in r.rt.journal.query("evidence") for oid, b in orjson.loads(body)]
            assert pieces == [("O1", "arrival"), ("O1", "route"), ("O1", "fill")], \
                "journaled once each, not again at replay"
    run(first())
    run(second())


def test_a_pinned_order_says_so(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await r.fix(nos("P1", 100, "189.00", t100="EXCH"))
            order = (await r.get("/orders/O1/best-execution", who="alice")).json()
            assert order["routes"][0]["why"] == "ExDestination (100) pinned EXCH"
            await r.fix(nos("P2", 100, "189.00"))  # not marketable: it rests where the best bid is
            why = (await r.get("/orders/O2/best-execution", who="alice")).json()["routes"][0]["why"]
            assert why == ("not marketable at 189 (NBBO offer 190.01): rests on ECN, whose bid 190 (100 shown) "
                           "is the best on its side")
    run(go())


def test_daily_counts_orders_fills_volume_and_rejects_and_traders_see_only_their_accounts(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await filled(r)
            await r.fix(nos("A2", 150, "190.00"))  # not a lot of 100: rejected
            await bob_order(r)
            mine = (await r.get("/reports/daily", who="alice", date=DAY)).json()
            assert [o["order_id"] for o in mine["orders"]] == ["O1", "O2"]
            (group,) = mine["summary"]
            assert (group["account"], group["symbol"], group["side"], group["orders"], group["fills"],
                    group["volume"], group["notional"], group["rejected"]) == ("ACC001", "AAPL", "buy", 2, 1, 200,
                                                                               "38002", 1)
            (rej,) = mine["rejects"]
            assert rej["order_id"] == "O2" and rej["ord_rej_reason"] == "13" and "lot size 100" in rej["text"]
            everyone = (await r.get("/reports/daily", who="risk", date=DAY)).json()
            assert {g["account"] for g in everyone["summary"]} == {"ACC001", "ACC002"}
            assert everyone["totals"] == {"orders": 3, "fills": 1, "volume": 200, "rejected": 1}
            rows = list(csv.DictReader(io.StringIO((await r.get("/reports/daily", date=DAY, format="csv")).text)))
            assert [(x["order_id"], x["status"], x["filled_quantity"]) for x in rows] == [
                ("O1", "filled", "200"), ("O2", "rejected", "0"), ("O3", "new", "0")]
            other_day = (await r.get("/reports/daily", date="2025-11-24")).json()
            assert other_day["orders"] == [] and other_day["date"] == "2025-11-24"
            today = (await r.get("/reports/daily")).json()
            assert today["date"] == DAY and len(today["orders"]) == 3, "the default day is the OMS clock's"
    run(go())


def test_bad_date_unknown_report_and_unknown_format(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            bad = await r.get("/reports/daily", date="2025-13-01")
            assert bad.status_code == 400 and "date" in bad.json()["detail"] and bad.json()["rule"] == "date"
            assert (await r.get("/reports/daily", date="25-11-2025")).status_code == 400
            missing = await r.get("/reports/weekly")
            assert missing.status_code == 404 and "weekly" in missing.json()["detail"]
            fmt = await r.get("/reports/daily", format="xml")
            assert fmt.status_code == 422 and "format" in fmt.json()["detail"]
            assert (await r.get("/reports/daily", who=None)).status_code == 401
    run(go())


def test_risk_shows_positions_limits_kill_switches_and_the_days_risk_events(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await filled(r)
            r.rt.process(Kill(account="ACC002", reason="desk"))
            await settle()
            got = (await r.get("/reports/risk", date=DAY)).json()
            (pos,) = got["positions"]
            assert (pos["account"], pos["symbol"], pos["position"]) == ("ACC001", "AAPL", 200)
            assert got["kill_switches"] == {"ACC002": "desk"}
            assert [(e["kind"], e["account"]) for e in got["events"]] == [("kill", "ACC002")]
            assert all({"limit", "used", "max", "usage"} <= set(u) for u in got["limits"])
            alice = (await r.get("/reports/risk", who="alice", date=DAY)).json()
            assert alice["kill_switches"] == {} and alice["events"] == [], "another account's kill is not hers"
            rows = list(csv.DictReader(io.StringIO((await r.get("/reports/risk", format="csv", date=DAY)).text)))
            assert rows[0]["position"] == "200"
    run(go())


def test_performance_lists_algo_orders_with_tca_and_the_venues(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await filled(r)
            order = NewOrder(cl_ord_id="T1", symbol="AAPL", side=Side.BUY, order_qty=1000, ord_type=OrdType.LIMIT,
                             price=D("190.05"))
            r.rt.process(ClientNew(session="CLIENT1", account="ACC001", order=order, raw_side=Side.BUY,
                                   algo=AlgoSpec(strategy=1000)))
            await settle()
            got = (await r.get("/reports/performance", date=DAY)).json()
            (algo,) = got["algo_orders"]
            assert algo["order_id"] == "O2" and algo["algorithm"] and algo["quantity"] == 1000
            assert algo["tca"]["arrival_mid"] == "190.005" and algo["tca"]["evidence"] is True
            ecn = next(v for v in got["venues"] if v["venue"] == "ECN")
            assert ecn["filled_qty"] == 200 and ecn["fill_rate"] == 1.0
            body = orjson.loads((await r.get("/reports/performance", date=DAY, format="json")).content)
            assert body["report"] == "performance"
    run(go())


def test_the_tca_of_a_filled_order_is_against_its_arrival_mid(tmp_path: Path) -> None:
    async def go() -> None:
        async with rig(tmp_path) as r:
            await filled(r)
            risk = next(u for u in load_users().users if u.user_id == "risk")
            p = r.svc.order(risk, "O1")
            tca = tca_of(Ctx(r.svc, risk, r.app.state.evidence, date(2025, 11, 25), 0, 0, r.rt.clock.now_ns()), p)
            # Bought at 190.01 against an arrival mid of 190.005: 0.26 bps paid, all of it at the fill (impact).
            assert (tca["arrival_mid"], tca["shortfall_bps"], tca["impact_bps"], tca["timing_bps"],
                    tca["fill_rate"]) == ("190.005", "0.26", "0.26", "0.00", "1.0000")
    run(go())
