"""QuickFIX initiators trade through the OMS run as `oms-fix up`, real processes over loopback.

One `oms-fix up` for the module (the OMS and its EXCH and ECN venue
processes, with the seeded background market: makers quoting a five-level
ladder, noise traders) on free ports, in a temporary state dir. QuickFIX
validates every message the OMS sends against the FIX 4.4 dictionary; each
test also checks it sent no session Reject. The restart tests run a second
OMS (`oms-fix up --no-venues`, SenderCompID OMSR) against the same venues, so
that its child order keeps resting at the venue while the OMS restarts.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator

import pytest

from oms_fix.fix.message import Message
from tests.interop.oms_up import CLI, System, UpProcess
from tests.interop.peers import REPO
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.interop, pytest.mark.slow]

def dec(m: Message, tag: int) -> Decimal:
    return Decimal(s(m, tag))


def order_ids(reports: list[Message]) -> set[str]:
    return {s(m, 37) for m in reports}


def assert_filled(reports: list[Message], qty: int, side: str, limit: Decimal | None = None) -> None:
    """New, then fills adding up to ``qty`` (FIX 4.4 Appendix D): CumQty, LeavesQty and AvgPx after each."""
    shown = "\n".join(bytes(m.raw).decode("latin-1").replace("\x01", "|") for m in reports)
    new, fills = reports[0], reports[1:]
    assert (s(new, 150), s(new, 39), s(new, 38), s(new, 14), s(new, 151), s(new, 6)) == \
        ("0", "0", str(qty), "0", str(qty), "0"), shown
    assert fills and all(s(m, 150) == "F" for m in fills), shown
    assert len(order_ids(reports)) == 1 and s(new, 37) not in ("", "NONE"), shown
    assert len({s(m, 17) for m in reports}) == len(reports), "ExecIDs repeat:\n" + shown
    cum, notional = 0, Decimal(0)
    for m in fills:
        last_qty, last_px = int(s(m, 32)), dec(m, 31)
        assert last_qty > 0 and last_px > 0, shown
        if limit is not None:
            # Never through the limit: a buy pays at most it, a sell gets at least it.
            assert (last_px <= limit) if side == "1" else (last_px >= limit), shown
        cum += last_qty
        notional += last_qty * last_px
        assert (int(s(m, 14)), int(s(m, 151)), s(m, 38)) == (cum, qty - cum, str(qty)), shown
        assert abs(dec(m, 6) - notional / cum) < Decimal("0.00001"), shown
        assert s(m, 39) == ("2" if cum == qty else "1"), shown
        assert (s(m, 55), s(m, 54), s(m, 1)) == (s(new, 55), side, "ACC001"), shown
    assert cum == qty and s(fills[-1], 39) == "2" and s(fills[-1], 151) == "0", shown


# ----------------------------------------------------------------- fills


def test_market_order_fills_against_the_background_market(system: System, no_rejects: None) -> None:
    c = system.c1
    c.new_order("MKT1", "AAPL", "1", 300)
    reports = c.wait_done("MKT1")
    assert_filled(reports, 300, "1")
    assert s(reports[0], 40) == "1" and not reports[0].get(44)
    # The makers quote around 190.00 (instruments.yaml); the walk moves cents in a minute.
    assert all(Decimal("185") < dec(m, 31) < Decimal("195") for m in reports[1:])


def test_marketable_limit_order_sweeps_and_its_reports_reach_the_drop_copy(system: System, no_rejects: None) -> None:
    c = system.c1
    # 1000 is more than the best level of either venue shows (makers quote 400-900 a level): several fills.
    c.new_order("LMT1", "MSFT", "2", 1000, "405.00")
    reports = c.wait_done("LMT1")
    assert_filled(reports, 1000, "2", limit=Decimal("405.00"))
    assert all((s(m, 40), s(m, 44)) == ("2", "405.00") for m in reports)
    # Every ExecutionReport the client got is copied to the drop copy session, CopyMsgIndicator 797=Y.
    ids = [s(m, 17) for m in reports]
    system.dc.wait_for(lambda m: s(m, 17) == ids[-1], what="the copy of the last fill")
    copies = {s(m, 17): m for m in system.dc.reports("LMT1")}
    assert sorted(copies) == sorted(ids)
    for m in reports:
        copy = copies[s(m, 17)]
        assert s(copy, 797) == "Y"
        assert [(s(copy, t), t) for t in (37, 150, 39, 14, 151, 6, 32, 31)] == \
            [(s(m, t), t) for t in (37, 150, 39, 14, 151, 6, 32, 31)]


# --------------------------------------------------------- replace, cancel


def test_resting_limit_order_is_replaced_then_canceled(system: System, no_rejects: None) -> None:
    c = system.c1
    # 185.00 is inside the 5% collar around 190.00 and far below the offers: it rests.
    c.new_order("RST1", "AAPL", "1", 200, "185.00")
    new = c.wait_report("RST1", "0")
    oid = s(new, 37)
    assert (s(new, 39), s(new, 38), s(new, 44), s(new, 151), s(new, 14), s(new, 6)) == \
        ("0", "200", "185.00", "200", "0", "0")

    c.replace("RST2", "RST1", "AAPL", "1", 300, "185.50")
    pending = c.wait_report("RST2", "E")
    assert (s(pending, 39), s(pending, 41), s(pending, 37)) == ("E", "RST1", oid)
    # Until the venue side confirms, the order keeps its current terms: Pending Replace shows them.
    assert (s(pending, 38), s(pending, 151), s(pending, 14)) == ("200", "200", "0")
    replaced = c.wait_report("RST2", "5")
    assert (s(replaced, 39), s(replaced, 41), s(replaced, 37)) == ("0", "RST1", oid)
    assert (s(replaced, 38), s(replaced, 44), s(replaced, 151), s(replaced, 14)) == ("300", "185.50", "300", "0")

    c.status("RST2", "AAPL", "1")
    st = c.wait_report("RST2", "I")
    assert (s(st, 39), s(st, 37), s(st, 38), s(st, 151), s(st, 14)) == ("0", oid, "300", "300", "0")

    c.cancel("RST3", "RST2", "AAPL", "1", 300)
    pend = c.wait_report("RST3", "6")
    assert (s(pend, 39), s(pend, 41), s(pend, 37), s(pend, 151)) == ("6", "RST2", oid, "300")
    done = c.wait_report("RST3", "4")
    assert (s(done, 39), s(done, 41), s(done, 37), s(done, 151), s(done, 14), s(done, 38)) == \
        ("4", "RST2", oid, "0", "0", "300")
    assert [s(m, 150) for m in c.reports("RST1") + c.reports("RST2") + c.reports("RST3")] == \
        ["0", "E", "5", "I", "6", "4"]

    # A canceled order cannot be canceled again: OrderCancelReject, too late (CxlRejReason 0), OrdStatus 4.
    c.cancel("RST4", "RST2", "AAPL", "1", 300)
    rej = c.wait_for(lambda m: m.msg_type == b"9" and s(m, 11) == "RST4", what="OrderCancelReject for RST4")
    assert (s(rej, 37), s(rej, 41), s(rej, 39), s(rej, 434), s(rej, 102)) == (oid, "RST2", "4", "1", "0")


def test_replace_to_a_marketable_price_fills_at_the_new_quantity(system: System, no_rejects: None) -> None:
    c = system.c1
    c.new_order("RPF1", "AAPL", "1", 100, "185.00")
    oid = s(c.wait_report("RPF1", "0"), 37)
    c.replace("RPF2", "RPF1", "AAPL", "1", 200, "195.00")
    c.wait_report("RPF2", "5")
    reports = c.wait_done("RPF2")
    fills = [m for m in reports if s(m, 150) == "F"]
    assert sum(int(s(m, 32)) for m in fills) == 200
    last = reports[-1]
    assert (s(last, 39), s(last, 14), s(last, 151), s(last, 38), s(last, 37)) == ("2", "200", "0", "200", oid)
    assert all(dec(m, 31) <= Decimal("195.00") for m in fills)


# ---------------------------------------------------------------- rejects


@pytest.mark.parametrize("sender, symbol, qty, price, reason, text", [
    # ACC001's max_order_qty is 25000 (config/risk.yaml); checked before the order's value.
    ("CLIENT1", "AAPL", 30000, "190.00", "3", "order qty 30000 exceeds max_order_qty 25000 for ACC001 AAPL"),
    # collar_pct 5 around AAPL's reference 190.00: 180.50..199.50.
    ("CLIENT1", "AAPL", 100, "150.00", "3", "price 150.00 is outside the collar"),
    # ACC001's TSLA override: max_order_qty 5000.
    ("CLIENT1", "TSLA", 6000, "175.00", "3", "order qty 6000 exceeds max_order_qty 5000 for ACC001 TSLA"),
    # ACC002 (CLIENT2's account) may not trade GOOG.
    ("CLIENT2", "GOOG", 100, "150.00", "3", "GOOG is restricted for ACC002"),
    # Business rules come before risk: a known symbol, quantities in lots.
    ("CLIENT1", "ZZZZ", 100, "10.00", "1", "Symbol (55) 'ZZZZ' is not a known symbol"),
    ("CLIENT1", "AAPL", 150, "190.00", "13", "OrderQty (38) 150 is not a positive multiple of the lot size 100"),
], ids=["max_order_qty", "price_collar", "symbol_override", "restricted_symbol", "unknown_symbol", "lot_size"])
def test_an_order_breaking_a_rule_is_rejected_naming_it(system: System, no_rejects: None, sender: str, symbol: str,
                                                        qty: int, price: str, reason: str, text: str) -> None:
    c = system.c1 if sender == "CLIENT1" else system.c2
    cl = f"REJ-{symbol}-{qty}-{price}"
    c.new_order(cl, symbol, "1", qty, price)
    rej = c.wait_report(cl, "8")
    assert (s(rej, 39), s(rej, 103), s(rej, 55), s(rej, 38), s(rej, 151), s(rej, 14), s(rej, 6)) == \
        ("8", reason, symbol, str(qty), "0", "0", "0")
    assert text in s(rej, 58), s(rej, 58)
    time.sleep(0.2)
    assert [s(m, 150) for m in c.reports(cl)] == ["8"], "nothing follows a reject"


def test_a_session_cannot_trade_for_another_account(system: System, no_rejects: None) -> None:
    c = system.c2  # CLIENT2 trades for ACC002, for which GOOG is restricted
    c.new_order("ACCT1", "GOOG", "1", 100, "150.00", t1="ACC001")
    rej = c.wait_report("ACCT1", "8")
    assert (s(rej, 39), s(rej, 103)) == ("8", "99")
    assert "Account (1) ACC001 is not this session's account (ACC002)" in s(rej, 58), s(rej, 58)


# ----------------------------------------------------------- unknown orders


def test_cancel_replace_and_status_of_an_unknown_order(system: System, no_rejects: None) -> None:
    c3 = system.client("CLIENT3").start()  # a session that never sent an order: the OMS has no book for it
    try:
        for c in (system.c1, c3):
            c.cancel(f"{c.sender}-X1", "NOSUCH", "AAPL", "1", 100)
            rej = c.wait_for(lambda m: m.msg_type == b"9" and s(m, 11) == f"{c.sender}-X1",
                             what="OrderCancelReject to F")
            # FIX 4.4 Appendix D, B.1.f / R10: OrderID NONE, OrdStatus 8, CxlRejReason 1 unknown order.
            assert (s(rej, 37), s(rej, 41), s(rej, 39), s(rej, 434), s(rej, 102)) == ("NONE", "NOSUCH", "8", "1", "1")
            c.replace(f"{c.sender}-X2", "NOSUCH", "AAPL", "1", 100, "185.00")
            rej = c.wait_for(lambda m: m.msg_type == b"9" and s(m, 11) == f"{c.sender}-X2",
                             what="OrderCancelReject to G")
            assert (s(rej, 37), s(rej, 41), s(rej, 39), s(rej, 434), s(rej, 102)) == ("NONE", "NOSUCH", "8", "2", "1")
            c.status("NOSUCH", "AAPL", "1")
            st = c.wait_report("NOSUCH", "I")
            # R14: ExecType I, OrdStatus 8, OrdRejReason 5 unknown order.
            assert (s(st, 37), s(st, 39), s(st, 103), s(st, 151), s(st, 14)) == ("NONE", "8", "5", "0", "0")
        assert not c3.rejects, c3.rejects
    finally:
        c3.stop()


# ------------------------------------------------------------ kill switch


def _kill(system: System, *args: str) -> str:
    out = subprocess.run(CLI + ["kill", "--state-dir", str(system.up.state), *args], capture_output=True, text=True,
                         timeout=30, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_positions_are_marked_to_market_from_the_venues_data(system: System, no_rejects: None) -> None:
    import json

    from oms_fix.store.journal import Journal

    c = system.c1
    c.new_order("MK1", "MSFT", "1", 100, None)
    assert s(c.wait_done("MK1")[-1], 39) == "2"
    deadline = time.monotonic() + 10
    marks: list[dict] = []
    while not marks and time.monotonic() < deadline:  # marks go out once a second where the mid moved
        time.sleep(0.2)
        with Journal.open(system.up.state / "oms.db", readonly=True) as j:
            records = [json.loads(e[4]) for e in j.replay() if e[2] == "command"]
        marks = [r["cmd"] for r in records if r["cmd"]["type"] == "Mark" and r["cmd"]["symbol"] == "MSFT"]
    assert marks, "no mark for MSFT journaled"
    status = json.loads(_kill(system, "--status"))
    [msft] = [p for p in status["positions"] if p["account"] == "ACC001" and p["symbol"] == "MSFT"]
    assert msft["position"] != 0 and msft["mark"] is not None
    assert Decimal(msft["mark"]) != Decimal("410.00") or Decimal(marks[-1]["price"]) == Decimal("410.00")
    exact = (Decimal(msft["mark"]) - Decimal(msft["avg_cost"])) * msft["position"]
    assert abs(Decimal(msft["unrealised"]) - exact) < Decimal("0.01"), (msft, exact)  # P&L is kept to the cent
    # The router's live venue figures and the market data's quality are in the status too.
    traded = [v for v in status["venues"].values() if v["children"]]
    assert traded and all(v["availability"] is not None and v["ack_latency_us"] for v in traded), status["venues"]
    assert set(status["market_data"]) <= {"AAPL", "MSFT", "GOOG", "AMZN", "TSLA"}


def test_kill_switch_cancels_working_orders_and_refuses_new_ones(system: System, no_rejects: None) -> None:
    c3 = system.client("CLIENT3").start()  # ACC003 alone is killed: the other tests' accounts trade on
    try:
        c3.new_order("KS1", "AAPL", "1", 100, "185.00")
        oid = s(c3.wait_report("KS1", "0"), 37)
        said = _kill(system, "--account", "ACC003", "--reason", "desk limit")
        assert "kill switch ON for ACC003 (desk limit): 1 working orders being canceled" in said, said
        done = c3.wait_report("KS1", "4")
        assert (s(done, 39), s(done, 37), s(done, 151), s(done, 14)) == ("4", oid, "0", "0")
        assert "kill switch: desk limit" in s(done, 58), s(done, 58)
        c3.new_order("KS2", "AAPL", "1", 100, "185.00")
        rej = c3.wait_report("KS2", "8")
        assert s(rej, 39) == "8" and "kill switch" in s(rej, 58), s(rej, 58)
        # Other accounts are not affected.
        system.c1.new_order("KS3", "AAPL", "1", 100, "185.00")
        assert s(system.c1.wait_report("KS3", "0"), 39) == "0"
        system.c1.cancel("KS4", "KS3", "AAPL", "1", 100)
        system.c1.wait_report("KS4", "4")
        said = _kill(system, "--account", "ACC003", "--revive", "--reason", "cleared")
        assert "kill switch OFF for ACC003 (cleared)" in said, said
        c3.new_order("KS5", "AAPL", "1", 100, "185.00")
        assert s(c3.wait_report("KS5", "0"), 39) == "0"
        c3.cancel("KS6", "KS5", "AAPL", "1", 100)
        c3.wait_report("KS6", "4")
        assert not c3.rejects, c3.rejects
    finally:
        c3.stop()


# ---------------------------------------------------------------- restart


@dataclass
class Restarted:
    client: OmsClient
    first: UpProcess
    second: UpProcess
    first_out: str
    order_id: str


@pytest.fixture(scope="module")
def restarted(system: System) -> Iterator[Restarted]:
    """An OMS (OMSR, its own state dir) with one resting order, stopped by SIGTERM and started again;
    the QuickFIX client stays up throughout and logs on again by itself."""
    tmp, ports, args = system.second_oms("restart")
    first = UpProcess(args, tmp / "state", "OMSR")
    client = OmsClient(tmp / "client", ports["clients"], "CLIENT1", "OMSR")
    second = None
    try:
        client.start()
        client.new_order("RS1", "AAPL", "1", 100, "184.00")
        oid = s(client.wait_report("RS1", "0"), 37)
        deadline = time.monotonic() + 10
        while "|35=8|" not in first.venue_log() or "|150=0|" not in first.venue_log():
            assert time.monotonic() < deadline, "the child order never reached a venue"
            time.sleep(0.05)
        rc, first_out = first.stop()
        assert rc == 0, first_out
        deadline = time.monotonic() + 10
        while client.app.logged_on.is_set():
            assert time.monotonic() < deadline, "QuickFIX still logged on to a stopped OMS"
            time.sleep(0.02)
        second = UpProcess(args, tmp / "state", "OMSR")
        client.wait_logons(2, timeout_s=20)
        yield Restarted(client, first, second, first_out, oid)
    finally:
        client.stop()
        first.stop()
        if second is not None:
            rc, out = second.stop()
            assert rc == 0, out


def test_restart_continues_the_sequence_numbers(restarted: Restarted) -> None:
    c = restarted.client
    got = c.admin_in("A")
    assert len(got) == 2 and c.app.logons == 2
    # The OMS logged the client out on SIGTERM; its next Logon carries the next number of its store.
    logouts = c.admin_in("5")
    assert logouts and s(logouts[0], 58) == "acceptor shutting down"
    assert int(s(got[1], 34)) == int(s(logouts[0], 34)) + 1
    # The client's Logon after the restart continues its own numbers, and neither side asked for a reset.
    sent = c.admin_out("A")
    assert int(s(sent[-1], 34)) > int(s(c.admin_out("5")[0], 34))
    assert all(s(m, 141) != "Y" for m in got + sent)
    # QuickFIX generates a Logon right after the Logout exchange, while disconnected: it never reaches the
    # wire but uses a number, so the OMS may see a gap. If so it must ask for it and take the gap fill.
    gap = c.admin_in("2")
    assert len(gap) <= 1
    if gap:
        assert int(s(gap[0], 7)) == int(s(c.admin_out("5")[0], 34)) + 1 and s(gap[0], 16) == "0"
        assert [s(m, 123) for m in c.admin_out("4")] == ["Y"]
    # The session works after the restart, and OrderIDs are never reused across runs.
    c.new_order("RS2", "AAPL", "1", 100, "184.00")
    new = c.wait_report("RS2", "0")
    assert s(new, 39) == "0" and s(new, 37) not in (restarted.order_id, "", "NONE")
    c.cancel("RS3", "RS2", "AAPL", "1", 100)
    assert s(c.wait_report("RS3", "4"), 39) == "4"
    assert not c.rejects, c.rejects


def test_restart_keeps_the_resting_order(restarted: Restarted) -> None:
    c = restarted.client
    c.status("RS1", "AAPL", "1")
    st = c.wait_report("RS1", "I")
    assert (s(st, 39), s(st, 37), s(st, 38), s(st, 44), s(st, 151), s(st, 14)) == \
        ("0", restarted.order_id, "100", "184.00", "100", "0")
    c.cancel("RS4", "RS1", "AAPL", "1", 100)
    pend = c.wait_report("RS4", "6")
    assert (s(pend, 39), s(pend, 37)) == ("6", restarted.order_id)
    done = c.wait_report("RS4", "4")
    assert (s(done, 39), s(done, 37), s(done, 151), s(done, 14)) == ("4", restarted.order_id, "0", "0")
