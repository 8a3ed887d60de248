"""The OMS against its venues misbehaving through their control API (issue 7), as a QuickFIX client sees it.

One `oms-fix up` for the module (the OMS and its EXCH and ECN venue
processes, each venue's control API on a free port) and QuickFIX clients.
Each test arms a fault or runs an operation at a venue, scoped to the OMS's
own venue session (SenderCompID "OMS") and, where the kind allows, to a
symbol of its own, so that the tests do not disturb each other:

* AMZN  an unsolicited venue cancel (armed at start, ``faults:`` in venues.yaml)
* MSFT  a venue bust of a child's fill
* AAPL  a skipped MsgSeqNum on the OMS's EXCH session, then trading on
* GOOG  the OMS's EXCH connection dropped while a child rests there
* TSLA  venue rejects: pinned (no reroute), unpinned (rerouted to the other venue, which rejects it too),
        and one whose reroute fills
* GOOG  a venue correction of a child's fill (after the drop test's order is done)
* AAPL  a venue refusing the OMS's cancel

What the OMS says to and hears from a venue is read from its venue-side FIX
message logs (fault_system.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.interop.fault_system import FaultSystem, child_ids, shown
from tests.interop.oms_up import VENUES
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.interop, pytest.mark.slow]

UNSOLICITED_TEXT = "venue canceled it (test)"
# Armed at start at both venues (conftest.py's ``fs`` reads START_FAULTS): a resting AMZN child of the OMS is
# canceled by whichever venue it rests at.
START_FAULTS = [{"kind": "cancel_unsolicited", "params": {"after_ms": 300, "text": UNSOLICITED_TEXT},
                 "scope": {"session": "OMS", "symbol": "AMZN"}}]


# ------------------------------------------------------------------ 1. unsolicited cancel


def test_an_unsolicited_venue_cancel_cancels_the_client_order_with_the_venues_text(fs: FaultSystem,
                                                                                   c: OmsClient) -> None:
    # 175.00 is inside the collar around 180.00 and below the offers: it rests, and the venue cancels it.
    c.new_order("UC1", "AMZN", "1", 100, "175.00")
    reports = c.wait_done("UC1", timeout_s=10)
    text = shown(reports)
    assert [s(m, 150) for m in reports] == ["0", "4"], text
    canceled = reports[-1]
    assert (s(canceled, 39), s(canceled, 14), s(canceled, 151), s(canceled, 38)) == ("4", "0", "0", "100"), text
    # ExecRestatementReason 8 (market option) and the venue's Text, as oms.py's _natural_end says.
    assert s(canceled, 378) == "8", text
    assert s(canceled, 58) == UNSOLICITED_TEXT, text
    # On the venue side: the venue's ER 4 for the OMS's child, unasked (the OMS sent no cancel).
    [venue] = [v for v in VENUES if child_ids(fs, v, "AMZN")]
    [child] = child_ids(fs, venue, "AMZN")
    _, ven = fs.wait_venue(venue, lambda d, f: d == "IN" and f.get(35) == "8" and f.get(11) == child
                           and f.get(150) == "4", "the venue's unsolicited cancel")
    assert ven.get(58) == UNSOLICITED_TEXT
    assert not [f for d, _, f in fs.venue_lines(venue) if d == "OUT" and f.get(35) == "F"]


# ------------------------------------------------------------------ 2. bust


def test_a_venue_bust_of_a_childs_fill_is_an_exectype_h_to_the_client(fs: FaultSystem, c: OmsClient) -> None:
    # Pinned to EXCH, so that each venue fill is one client fill, in the same order. IOC: after the bust the
    # OMS does not route the reopened quantity again, it cancels it (R11), so the figures stay put.
    c.new_order("BU1", "MSFT", "1", 100, "415.00", t59="3", t100="EXCH")
    reports = c.wait_done("BU1")
    text = shown(reports)
    fills = [m for m in reports if s(m, 150) == "F"]
    assert fills and s(reports[-1], 39) == "2" and s(reports[-1], 14) == "100", text
    # The venue's ExecIDs of the child's fills, from the OMS's EXCH message log.
    [child] = child_ids(fs, "EXCH", "MSFT")
    venue_fills = [f for d, _, f in fs.venue_lines("EXCH")
                   if d == "IN" and f.get(35) == "8" and f.get(11) == child and f.get(150) == "F"]
    assert len(venue_fills) == len(fills), (venue_fills, text)
    vf, mine = venue_fills[-1], fills[-1]
    assert (s(mine, 32), s(mine, 31)) == (vf[32], vf[31]), (vf, text)
    done = fs.post("EXCH", "/operations/bust", {"params": {"exec_id": vf[17]}})
    assert done["exec_ref_id"] == vf[17], done

    bust = c.wait_report("BU1", "H")
    after = c.wait_report("BU1", "4")  # the IOC's reopened quantity canceled
    text = shown(c.reports("BU1"))
    # ExecRefID is the client's own ExecID of the busted fill; a new ExecID; CumQty down by the fill.
    assert s(bust, 19) == s(mine, 17), text
    assert s(bust, 17) not in {s(m, 17) for m in reports}, text
    left = 100 - int(vf[32])
    assert (s(bust, 14), s(bust, 151), s(bust, 38)) == (str(left), str(100 - left), "100"), text
    assert s(bust, 39) == ("0" if left == 0 else "1"), text
    assert (s(after, 39), s(after, 14), s(after, 151)) == ("4", str(left), "0"), text
    assert [s(m, 150) for m in c.reports("BU1")][len(reports):] == ["H", "4"], text
    # The venue's ER H reached the OMS with ExecRefID its fill.
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "8" and f.get(150) == "H" and f.get(19) == vf[17],
                  "the venue's ER H")


# ------------------------------------------------------------------ 3. skip_seqnum


def test_a_skipped_venue_seqnum_gets_a_resend_request_and_trading_goes_on(fs: FaultSystem, c: OmsClient) -> None:
    start = len(fs.venue_lines("EXCH"))
    armed = fs.post("EXCH", "/faults", {"kind": "skip_seqnum", "params": {"count": 3}, "scope": {"session": "OMS"}})
    # The next message EXCH sends the OMS (market data flows all the time) jumps three numbers.
    i, rr = fs.wait_venue("EXCH", lambda d, f: d == "OUT" and f.get(35) == "2", "ResendRequest (35=2)",
                          after=start)
    _, fill = fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "4" and f.get(123) == "Y",
                            "SequenceReset-GapFill", after=i)
    assert int(fill[36]) - int(rr[7]) == 3, (rr, fill)
    fired = [f for f in fs.fired("EXCH") if f["id"] == armed["id"]]
    assert fired and fired[0]["session"] == "OMS", fired
    # Trading goes on through EXCH: an order pinned there fills.
    c.new_order("SQ1", "AAPL", "1", 100, "195.00", t100="EXCH")
    reports = c.wait_done("SQ1")
    assert s(reports[-1], 39) == "2" and s(reports[-1], 14) == "100", shown(reports)
    assert child_ids(fs, "EXCH", "AAPL")
    # No Logout, no Reject on the OMS's EXCH session.
    after = fs.venue_lines("EXCH")[start:]
    assert not [raw for d, raw, f in after if f.get(35) in ("3", "5")], [raw for d, raw, f in after
                                                                      if f.get(35) in ("3", "5")]


# ------------------------------------------------------------------ 4. drop_connection


def test_a_dropped_venue_connection_is_reconnected_and_the_open_child_reconciled(fs: FaultSystem,
                                                                                 c: OmsClient) -> None:
    # Rests at EXCH (pinned; 145.00 is inside the collar around 150.00 and below the offers).
    c.new_order("DR1", "GOOG", "1", 100, "145.00", t100="EXCH")
    new = c.wait_report("DR1", "0")
    [child] = child_ids(fs, "EXCH", "GOOG")
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "8" and f.get(11) == child
                  and f.get(150) == "0", "the venue's ack of the child")
    start = len(fs.venue_lines("EXCH"))
    done = fs.post("EXCH", "/operations/drop_connection", {"params": {"session": "OMS"}})
    assert done["sessions"] == ["OMS"], done
    i, _ = fs.wait_venue("EXCH", lambda d, f: d == "OUT" and f.get(35) == "A", "a new Logon", after=start,
                         timeout_s=15)
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "A", "the venue's Logon answer", after=i)
    _, status = fs.wait_venue("EXCH", lambda d, f: d == "OUT" and f.get(35) == "H" and f.get(11) == child,
                              f"OrderStatusRequest (35=H) for {child}", after=i)
    _, answer = fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "8" and f.get(150) == "I"
                              and f.get(11) == child, f"the venue's ER I for {child}", after=i)
    # The client heard nothing of it: its order still works, and its cancel goes through.
    assert [s(m, 150) for m in c.reports("DR1")] == ["0"], shown(c.reports("DR1"))
    assert (status[55], status[54]) == ("GOOG", "1"), status
    # The venue still has it working: the OMS keeps it, and sends no second child.
    assert (answer[39], answer[151], answer[14]) == ("0", "100", "0"), answer
    assert child_ids(fs, "EXCH", "GOOG") == [child] and not child_ids(fs, "ECN", "GOOG")
    c.cancel("DR2", "DR1", "GOOG", "1", 100)
    reports = c.wait_done("DR2", timeout_s=10)
    assert (s(reports[-1], 150), s(reports[-1], 39), s(reports[-1], 37)) == ("4", "4", s(new, 37)), \
        shown(c.reports("DR1") + c.reports("DR2"))


# ------------------------------------------------------------------ 5. venue reject


def test_a_venue_reject_of_a_pinned_order_rejects_the_client_order_with_its_text(fs: FaultSystem,
                                                                                 c: OmsClient) -> None:
    fs.post("EXCH", "/faults", {"kind": "reject", "params": {"reason": 2, "text": "EXCH busy (test)"},
                                "scope": {"session": "OMS", "symbol": "TSLA", "count": 1}})
    c.new_order("RJ1", "TSLA", "1", 100, "170.00", t100="EXCH")
    reports = c.wait_done("RJ1")
    text = shown(reports)
    # Pinned by ExDestination: nowhere else to go, so the parent is rejected (nothing filled) with the Text.
    assert [s(m, 150) for m in reports] == ["0", "8"], text
    rej = reports[-1]
    assert (s(rej, 39), s(rej, 14), s(rej, 151)) == ("8", "0", "0"), text
    assert s(rej, 58) == "EXCH busy (test)", text
    assert len(child_ids(fs, "EXCH", "TSLA")) == 1 and not child_ids(fs, "ECN", "TSLA")


def test_a_venue_reject_of_an_unpinned_child_is_rerouted_to_the_other_venue(fs: FaultSystem, c: OmsClient) -> None:
    # A reject at each venue, once: wherever the child goes first, it is rejected; its reroute goes to the
    # other venue (the OMS avoids the one that rejected), which rejects it too; then the parent is rejected.
    for v in VENUES:
        fs.post(v, "/faults", {"kind": "reject", "params": {"reason": 2, "text": f"{v} says no (test)"},
                               "scope": {"session": "OMS", "symbol": "TSLA", "count": 1}})
    before = {v: len(child_ids(fs, v, "TSLA")) for v in VENUES}
    c.new_order("RJ2", "TSLA", "2", 100, "180.00")
    reports = c.wait_done("RJ2")
    text = shown(reports)
    assert [s(m, 150) for m in reports] == ["0", "8"], text
    sent = {v: child_ids(fs, v, "TSLA")[before[v]:] for v in VENUES}
    assert [len(sent[v]) for v in VENUES] == [1, 1], sent
    # Every child ended rejected and nothing filled: the parent is rejected (oms.py _natural_end), 103=99
    # (the OMS's own decision), with every venue's Text, each named, in the order the OMS routed to them.
    first, second = sorted(VENUES, key=lambda v: seq(sent[v][0]))
    assert s(reports[-1], 58) == f"{first}: {first} says no (test); {second}: {second} says no (test)", text
    assert (s(reports[-1], 39), s(reports[-1], 14), s(reports[-1], 103)) == ("8", "0", "99"), text


def test_a_reroute_that_succeeds_shows_the_client_no_reject(fs: FaultSystem, c: OmsClient) -> None:
    # 1000 at 180.00 sweeps the offers (a few hundred a level at each venue): EXCH gets a child, and most
    # likely ECN too. EXCH rejects its own; its quantity goes to ECN at once and fills there or rests. The
    # client is told of fills, never of the reject, whose Text is no longer the order's story.
    fs.post("EXCH", "/faults", {"kind": "reject", "params": {"reason": 2, "text": "EXCH busy again (test)"},
                                "scope": {"session": "OMS", "symbol": "TSLA", "count": 1}})
    start = {v: len(fs.venue_lines(v)) for v in VENUES}
    c.new_order("RR1", "TSLA", "1", 1000, "180.00")
    _, rej = fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(55) == "TSLA" and f.get(150) == "8",
                           "EXCH's reject of the child", after=start["EXCH"])
    # The OMS numbers its children in the order it sends them: the reroute is the ECN child after EXCH's.
    _, rerouted = fs.wait_venue("ECN", lambda d, f: d == "OUT" and f.get(35) == "D" and seq(f[11]) > seq(rej[11]),
                                "the child rerouted to ECN", after=start["ECN"])
    assert rerouted[38] == rej[38], (rej, rerouted)
    c.wait_report("RR1", "F")
    # The order ends first (what rests is canceled), so that nothing can fill between the two counts below.
    c.cancel("RR2", "RR1", "TSLA", "1", 1000)
    final = c.wait_for(lambda m: m.msg_type == b"8" and s(m, 11) in ("RR1", "RR2") and s(m, 39) in ("2", "4"),
                       what="RR1 filled, or canceled by RR2")
    ecn = [f[11] for d, _, f in fs.venue_lines("ECN")[start["ECN"]:] if d == "OUT" and f.get(35) == "D"]
    assert [f[11] for d, _, f in fs.venue_lines("EXCH")[start["EXCH"]:] if d == "OUT" and f.get(35) == "D"] == \
        [rej[11]], "EXCH, which rejected a child of this order, gets none of it again"
    reports = c.reports("RR1") + c.reports("RR2")
    text = shown(reports)
    assert "8" not in {s(m, 150) for m in reports} and not any(s(m, 58) for m in c.reports("RR1")), text
    filled = sum(int(f[32]) for d, _, f in fs.venue_lines("ECN")[start["ECN"]:]
                 if d == "IN" and f.get(150) == "F" and f.get(11) in ecn)
    assert filled and s(final, 14) == str(filled), text


def seq(child_id: str) -> int:
    """The number of an OMS child id ("<run>-C<n>")."""
    return int(child_id.rsplit("C", 1)[1])


# ------------------------------------------------------------------ 6. correction


def test_a_venue_correction_of_a_childs_fill_restates_the_client_order_and_the_position(fs: FaultSystem,
                                                                                        c: OmsClient) -> None:
    # Pinned to EXCH, IOC, as the bust above: after the correction the reopened quantity is canceled (R11).
    c.new_order("CO1", "GOOG", "1", 100, "152.00", t59="3", t100="EXCH")
    reports = c.wait_done("CO1")
    text = shown(reports)
    fills = [m for m in reports if s(m, 150) == "F"]
    assert s(reports[-1], 39) == "2" and s(reports[-1], 14) == "100", text
    child = child_ids(fs, "EXCH", "GOOG")[-1]  # the drop test's GOOG child came before
    vf = [f for d, _, f in fs.venue_lines("EXCH")
          if d == "IN" and f.get(35) == "8" and f.get(11) == child and f.get(150) == "F"][-1]
    before = position(fs, "GOOG")
    assert before["position"] == 100, before
    # The last fill becomes half its quantity, 0.50 cheaper.
    qty, px = int(vf[32]) // 2, Decimal(vf[31]) - Decimal("0.50")
    done = fs.post("EXCH", "/operations/correct", {"params": {"exec_id": vf[17], "qty": qty, "price": str(px)}})
    assert done["exec_ref_id"] == vf[17], done

    corrected = c.wait_report("CO1", "G")
    c.wait_report("CO1", "4")
    text = shown(c.reports("CO1"))
    # J.1 / R15: ExecRefID is the client's ExecID of the corrected fill; LastQty/LastPx are the new terms;
    # CumQty, LeavesQty and AvgPx describe the order after the correction; OrdStatus recomputed.
    cum = 100 - int(vf[32]) + qty
    notional = sum(int(s(m, 32)) * Decimal(s(m, 31)) for m in fills[:-1]) + qty * px
    assert (s(corrected, 19), s(corrected, 32), Decimal(s(corrected, 31))) == (s(fills[-1], 17), str(qty), px), text
    assert (s(corrected, 14), s(corrected, 151), s(corrected, 39)) == (str(cum), str(100 - cum), "1"), text
    assert abs(Decimal(s(corrected, 6)) - notional / cum) < Decimal("0.0001"), text
    assert [s(m, 150) for m in c.reports("CO1")][len(reports):] == ["G", "4"], text
    # The OMS's own figures follow: the order over REST, and the account's position.
    order = fs.oms_get(f"/orders/{s(corrected, 37)}")
    assert (order["filled_quantity"], order["status"]) == (cum, "canceled"), order
    assert abs(Decimal(order["avg_price"]) - notional / cum) < Decimal("0.0001"), order
    after = position(fs, "GOOG")
    assert after["position"] == cum, after
    assert abs(Decimal(after["avg_cost"]) - notional / cum) < Decimal("0.01"), after


def position(fs: FaultSystem, symbol: str) -> dict:
    """ACC001's position in ``symbol`` as GET /risk/metrics gives it (position 0 when it has none)."""
    [acc] = [a for a in fs.oms_get("/risk/metrics")["accounts"] if a["account"] == "ACC001"]
    return next((p for p in acc["position_risk"]["positions"] if p["symbol"] == symbol), {"position": 0})


# ------------------------------------------------------------------ 7. reject_cancel


def test_a_venue_refusing_a_cancel_is_a_cancel_reject_to_the_client_and_the_order_works_on(
        fs: FaultSystem, c: OmsClient) -> None:
    fs.post("EXCH", "/faults", {"kind": "reject_cancel", "params": {"reason": 2, "text": "EXCH will not (test)"},
                                "scope": {"session": "OMS", "symbol": "AAPL", "count": 1}})
    c.new_order("RC1", "AAPL", "1", 100, "185.00", t100="EXCH")  # rests: the offers are near 190.00
    new = c.wait_report("RC1", "0")
    child = child_ids(fs, "EXCH", "AAPL")[-1]
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(11) == child and f.get(150) == "0", "the child's ack")
    start = len(fs.venue_lines("EXCH"))
    c.cancel("RC2", "RC1", "AAPL", "1", 100)
    rej = c.wait_for(lambda m: m.msg_type == b"9" and s(m, 11) == "RC2", what="OrderCancelReject for RC2")
    # B.1.a step 5-alt: rejected after Pending Cancel, the order falls back to New; R19 for the fields.
    assert [s(m, 150) for m in c.reports("RC1") + c.reports("RC2")] == ["0", "6"], shown(c.messages())
    assert (s(rej, 41), s(rej, 37), s(rej, 39), s(rej, 434), s(rej, 102), s(rej, 58)) == (
        "RC1", s(new, 37), "0", "1", "2", "EXCH will not (test)"), shown([rej])
    # On the venue side: the OMS's one cancel, the venue's 35=9, the OMS's status request and its answer.
    lines = fs.venue_lines("EXCH")[start:]
    said = [(d, f.get(35), f.get(150)) for d, _, f in lines
            if f.get(35) in ("F", "9", "H", "8") and child in (f.get(11), f.get(41))]
    assert said == [("OUT", "F", None), ("IN", "9", None), ("OUT", "H", None), ("IN", "8", "I")], said
    # The order works on: a later cancel goes through.
    c.cancel("RC3", "RC1", "AAPL", "1", 100)
    done = c.wait_done("RC3")
    assert (s(done[-1], 150), s(done[-1], 39), s(done[-1], 41)) == ("4", "4", "RC1"), shown(done)
