"""The OMS core's longer flows: cancel, replace, venue outages and reconciliation, kill switch, mass cancel,
and replaying the journal."""

from __future__ import annotations

import json
from decimal import Decimal as D

from test_oms_core import cancel_rejects, cancels, er, kinds, make, new, news, reports

from oms_fix.domain import CancelOrder, CxlRejReason, ExecRestatementReason, ExecType, OrdRejReason, OrdStatus
from oms_fix.domain import ReplaceOrder
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import (ClientCancel, ClientMassCancel, ClientReplace, Journal, Kill, NewDay, Revive,
                                      ToClientMassCancelReport, ToVenueStatus, VenueCancelReject, VenueDown, VenueUp)


def cancel(cl: str, orig: str, session: str = "CLIENT1") -> ClientCancel:
    return ClientCancel(session=session, cmd=CancelOrder(cl_ord_id=cl, orig_cl_ord_id=orig))


def test_cancel_waits_for_every_child_then_confirms():
    oms = make()
    new(oms, "A1", 700, "190.02")
    out = oms.handle(cancel("K1", "A1"), 2)
    assert kinds(out) == [("6", "6")]
    sent = cancels(out)
    assert [(c.orig_child_id, c.venue, c.child_id) for c in sent] == [("C1", "EXCH", "C3"), ("C2", "ECN", "C4")]
    # A fill races the cancel at EXCH; the cancels are confirmed under the cancels' ClOrdIDs.
    fill = reports(oms.handle(er("EXCH", "C1", "X1", qty=100, px="190.01"), 3))
    assert [(r.exec_type, r.ord_status, r.cum_qty) for r in fill] == [(ExecType.TRADE, OrdStatus.PENDING_CANCEL, 100)]
    assert reports(oms.handle(er("EXCH", "C3", "X2", exec_type="4", status="4", cum=100), 4)) == []
    (done,) = reports(oms.handle(er("ECN", "C4", "N1", exec_type="4", status="4"), 5))
    assert (done.exec_type, done.ord_status, done.cl_ord_id, done.orig_cl_ord_id, done.cum_qty, done.leaves_qty) == (
        ExecType.CANCELED, OrdStatus.CANCELED, "K1", "A1", 100, 0)
    assert oms._risk.working("ACC001", "AAPL", "1") == 0


def test_cancel_too_late_when_the_children_filled_meanwhile():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(cancel("K1", "A1"), 2)
    out = oms.handle(er("ECN", "C1", "N1", qty=200, px="190.00", status="2", cum=200), 3)
    assert kinds(out) == [("F", "6")], "B.1.c: filled while the cancel pends shows 6"
    (rej,) = cancel_rejects(out)
    assert (rej.reason, rej.ord_status, rej.cl_ord_id) == (CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.FILLED, "K1")
    # The venue's own cancel reject for the filled child changes nothing.
    assert reports(oms.handle(VenueCancelReject(venue="ECN", child_id="C2", reason="0"), 4)) == []


def test_a_second_request_while_one_pends_is_refused():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(cancel("K1", "A1"), 2)
    (rej,) = cancel_rejects(oms.handle(cancel("K2", "A1"), 3))
    assert rej.reason is CxlRejReason.ALREADY_PENDING


def test_replace_cancels_the_children_then_routes_the_new_leaves_at_the_new_terms():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(er("ECN", "C1", "N1", qty=50, px="190.00"), 2)
    out = oms.handle(ClientReplace(session="CLIENT1", cmd=ReplaceOrder(cl_ord_id="R1", orig_cl_ord_id="A1",
                                                                       order_qty=300, price=D("189.99"))), 3)
    assert kinds(out) == [("E", "E")] and [c.orig_child_id for c in cancels(out)] == ["C1"]
    out = oms.handle(er("ECN", "C2", "N2", exec_type="4", status="4", cum=50), 4)
    (r,) = reports(out)
    assert (r.exec_type, r.ord_status, r.cl_ord_id, r.orig_cl_ord_id, r.order_qty, r.cum_qty, r.leaves_qty,
            r.price) == (ExecType.REPLACED, OrdStatus.PARTIALLY_FILLED, "R1", "A1", 300, 50, 250, D("189.99"))
    (child,) = news(out)
    assert (child.qty, child.price, child.child_id) == (250, D("189.99"), "C3")
    assert oms._risk.working("ACC001", "AAPL", "1") == 250


def test_replace_failing_the_rules_or_risk_is_a_cancel_reject_naming_them():
    oms = make(max_order_qty=500)
    new(oms, "A1", 200)
    bad_tick = oms.handle(ClientReplace(session="CLIENT1", cmd=ReplaceOrder(
        cl_ord_id="R1", orig_cl_ord_id="A1", order_qty=200, price=D("190.001"))), 2)
    (r1,) = cancel_rejects(bad_tick)
    assert r1.text is not None and "tick" in r1.text and not cancels(bad_tick)
    (r2,) = cancel_rejects(oms.handle(ClientReplace(session="CLIENT1", cmd=ReplaceOrder(
        cl_ord_id="R2", orig_cl_ord_id="A1", order_qty=600, price=D("190.00"))), 3))
    assert r2.text is not None and "max_order_qty" in r2.text


def test_venue_down_then_up_reconciles_a_missed_fill():
    oms = make()
    new(oms, "A1", 300)
    oms.handle(er("ECN", "C1", "N1", qty=100, px="190.00"), 2)
    oms.handle(VenueDown(venue="ECN"), 3)
    assert oms.children("O1")[0].uncertain
    routed = news(new(oms, "A2", 100, now=4))
    assert [c.venue for c in routed] == ["EXCH"], "nothing is routed to a venue that is down"
    up = oms.handle(VenueUp(venue="ECN"), 5)
    assert [(s.venue, s.child_id) for s in up if isinstance(s, ToVenueStatus)] == [("ECN", "C1")]
    # The venue filled 150 more at 189.99 while we were away: AvgPx 189.994 over 250.
    (r,) = reports(oms.handle(er("ECN", "C1", "0", exec_type="I", status="1", cum=250, avg="189.994"), 6))
    assert (r.exec_type, r.last_qty, r.last_px, r.cum_qty, r.leaves_qty) == (ExecType.TRADE, 150, D("189.99"), 250, 50)
    assert oms._risk.position("ACC001", "AAPL").position == 250
    assert not oms.children("O1")[0].uncertain


def outage_with_a_lost_fill(oms):
    """C1 (ECN, 300) fills 100 at 190.00; ECN drops, fills 100 more at 189.99 (ER N2 lost), comes back."""
    new(oms, "A1", 300)
    oms.handle(er("ECN", "C1", "N1", qty=100, px="190.00", cum=100, avg="190.00"), 2)
    oms.handle(VenueDown(venue="ECN"), 3)
    oms.handle(VenueUp(venue="ECN"), 4)
    return er("ECN", "C1", "N2", qty=100, px="189.99", cum=200, avg="189.995")


def test_a_fill_whose_cum_qty_covers_a_fill_lost_in_an_outage_applies_both_once():
    oms = make()
    lost = outage_with_a_lost_fill(oms)
    # Before the status reply, ECN fills 50 at 189.98: CumQty 250 says 100 more than the OMS knew.
    out = reports(oms.handle(er("ECN", "C1", "N3", qty=50, px="189.98", cum=250, avg="189.992"), 5))
    assert [(r.last_qty, r.last_px, r.cum_qty, r.leaves_qty) for r in out] == [
        (100, D("189.99"), 200, 100), (50, D("189.98"), 250, 50)], "the missed fill first, priced to the AvgPx"
    assert reports(oms.handle(er("ECN", "C1", "0", exec_type="I", status="1", cum=250, avg="189.992"), 6)) == []
    resent = oms.handle(lost, 7)
    assert reports(resent) == [], "a lost report resent later was already counted by a CumQty"
    assert any(j.kind == "ignored" and "already applied" in j.body["why"] for j in resent if isinstance(j, Journal))
    order = oms.order("O1")
    assert order is not None and (order.cum_qty, order.avg_px) == (250, D("189.992"))
    assert oms._risk.position("ACC001", "AAPL").position == 250


def test_a_lost_fill_resent_after_the_status_reply_is_not_counted_twice():
    oms = make()
    lost = outage_with_a_lost_fill(oms)
    (r,) = reports(oms.handle(er("ECN", "C1", "0", exec_type="I", status="1", cum=200, avg="189.995"), 5))
    assert (r.last_qty, r.last_px, r.cum_qty) == (100, D("189.99"), 200)
    assert reports(oms.handle(lost, 6)) == []
    # The next fill counts once, by its LastQty (it agrees with the CumQty).
    (r,) = reports(oms.handle(er("ECN", "C1", "N3", qty=100, px="190.00", status="2", cum=300, avg="189.996667"), 7))
    assert (r.exec_type, r.ord_status, r.last_qty, r.cum_qty, r.leaves_qty) == (
        ExecType.TRADE, OrdStatus.FILLED, 100, 300, 0)
    assert oms.children("O1")[0].done and oms._risk.position("ACC001", "AAPL").position == 300


def test_an_end_whose_cum_qty_covers_a_lost_fill_applies_it_before_the_parent_ends():
    oms = make()
    outage_with_a_lost_fill(oms)
    out = reports(oms.handle(er("ECN", "C1", "N3", exec_type="C", status="C", cum=200, avg="189.995"), 5))
    assert [(r.exec_type, r.last_qty, r.last_px, r.cum_qty) for r in out] == [
        (ExecType.TRADE, 100, D("189.99"), 200), (ExecType.EXPIRED, 0, D(0), 200)]
    assert reports(oms.handle(er("ECN", "C1", "0", exec_type="I", status="C", cum=200, avg="189.995"), 6)) == []
    assert oms._risk.position("ACC001", "AAPL").position == 200


def test_a_child_the_venue_no_longer_knows_keeps_its_fills_and_its_rest_is_routed_again():
    oms = make()
    new(oms, "A1", 300)
    oms.handle(er("ECN", "C1", "N1", qty=100, px="190.00"), 2)
    oms.handle(VenueDown(venue="ECN"), 3)
    oms.handle(VenueUp(venue="ECN"), 4)
    out = oms.handle(er("ECN", "C1", "0", exec_type="I", status="8", text="unknown order"), 5)
    assert not reports(out) and oms.order("O1").cum_qty == 100  # type: ignore[union-attr]
    assert [(n.venue, n.qty) for n in news(out)] == [("ECN", 200)]  # the same venue: a lost order is no reject


def test_a_lost_child_of_a_pinned_order_ends_it_as_canceled_with_its_fills():
    oms = make()
    new(oms, "A1", 300, ex_destination="ECN")
    oms.handle(er("ECN", "C1", "N1", qty=100, px="190.00"), 2)
    oms.handle(VenueDown(venue="ECN"), 3)
    oms.handle(VenueUp(venue="ECN"), 4)
    (r,) = reports(oms.handle(er("ECN", "C1", "0", exec_type="I", status="8", text="unknown order"), 5))
    assert (r.exec_type, r.ord_status, r.cum_qty, r.leaves_qty, r.text, r.exec_restatement_reason) == (
        ExecType.CANCELED, OrdStatus.CANCELED, 100, 0, "unknown order", ExecRestatementReason.MARKET_OPTION)


def test_a_cancel_while_the_venue_is_down_goes_out_after_the_status_reply():
    oms = make()
    new(oms, "A1", 300)
    oms.handle(VenueDown(venue="ECN"), 2)
    assert cancels(oms.handle(cancel("K1", "A1"), 3)) == []
    oms.handle(VenueUp(venue="ECN"), 4)
    out = oms.handle(er("ECN", "C1", "0", exec_type="I", status="0"), 5)
    (c,) = cancels(out)
    (r,) = reports(oms.handle(er("ECN", c.child_id, "N9", exec_type="4", status="4"), 6))
    assert (r.exec_type, r.cl_ord_id) == (ExecType.CANCELED, "K1")


def test_kill_switch_cancels_working_orders_and_blocks_new_ones():
    oms = make()
    new(oms, "A1", 100, account="ACC001")
    new(oms, "A2", 100, price="189.99", account="ACC001")
    new(oms, "B1", 100, session="CLIENT2", account="ACC002")
    out = oms.handle(Kill(account="ACC001", reason="desk halt"), 2)
    assert sorted(c.orig_child_id for c in cancels(out)) == ["C1", "C2"]
    ended = []
    for c in cancels(out):
        ended += reports(oms.handle(er(c.venue, c.child_id, f"K{c.child_id}", exec_type="4", status="4"), 3))
    assert [(r.cl_ord_id, r.exec_type, r.text, r.exec_restatement_reason) for r in ended] == [
        ("A1", ExecType.CANCELED, "kill switch: desk halt", ExecRestatementReason.BROKER_OPTION),
        ("A2", ExecType.CANCELED, "kill switch: desk halt", ExecRestatementReason.BROKER_OPTION)]
    (rej,) = reports(new(oms, "A3", 100, now=4))
    assert rej.ord_rej_reason is OrdRejReason.ORDER_EXCEEDS_LIMIT and rej.text is not None and "kill switch" in rej.text
    assert kinds(new(oms, "B2", 100, session="CLIENT2", account="ACC002", now=5)) == [("0", "0")]
    oms.handle(Revive(account="ACC001", reason="ok"), 6)
    assert kinds(new(oms, "A4", 100, now=7)) == [("0", "0")]


def test_mass_cancel_takes_the_sessions_working_orders_of_a_symbol():
    oms = make()
    new(oms, "A1", 100)
    new(oms, "A2", 200, price="189.98")
    new(oms, "M1", 10, price="409.00", symbol="MSFT")
    out = oms.handle(ClientMassCancel(session="CLIENT1", cl_ord_id="MC1", symbol="AAPL"), 2)
    (rep,) = [o for o in out if isinstance(o, ToClientMassCancelReport)]
    assert (rep.total_affected, rep.order_ids) == (2, ("O1", "O2"))
    assert [c.orig_child_id for c in cancels(out)] == ["C1", "C2"]
    ended = reports(oms.handle(er("ECN", cancels(out)[0].child_id, "N1", exec_type="4", status="4"), 3))
    assert [(r.cl_ord_id, r.text) for r in ended] == [("A1", "mass cancel")]


def test_replaying_the_journaled_commands_rebuilds_the_same_state_and_outputs():
    oms = make()
    outputs = [new(oms, "A1", 700, "190.02"), new(oms, "A2", 300)]
    for cmd, now in [(er("EXCH", "C1", "X1", qty=200, px="190.01", status="2", cum=200), 2),
                     (cancel("K1", "A2"), 3), (VenueDown(venue="ECN"), 4), (Kill(account=None, reason="eod"), 5),
                     (VenueUp(venue="ECN"), 6), (er("ECN", "C2", "0", exec_type="I", status="1", cum=0), 7)]:
        outputs.append(oms.handle(cmd, now))
    journal = [json.loads(json.dumps(o.body)) for outs in outputs for o in outs
               if isinstance(o, Journal) and o.kind == "command"]
    assert len(journal) == len(outputs), "one command record per handle call"
    replay = make()
    replayed = [replay.handle(*decode_command(body)) for body in journal]
    assert replayed == outputs
    assert replay.snapshot() == oms.snapshot()
    json.dumps(oms.snapshot())


def test_children_expired_or_done_for_day_end_the_parent_alike_and_a_gt_parent_returns_next_day():
    oms = make()
    new(oms, "D1", 100)
    (r,) = reports(oms.handle(er("ECN", "C1", "N1", exec_type="C", status="C"), 2))
    assert (r.exec_type, r.ord_status) == (ExecType.EXPIRED, OrdStatus.EXPIRED)
    new(oms, "G1", 100, tif=TIF.GOOD_TILL_CANCEL, now=3)
    (dfd,) = reports(oms.handle(er("ECN", "C2", "N2", exec_type="3", status="3"), 4))
    assert (dfd.exec_type, dfd.ord_status, dfd.leaves_qty) == (ExecType.DONE_FOR_DAY, OrdStatus.DONE_FOR_DAY, 100)
    assert oms._risk.working("ACC001", "AAPL", "1") == 100, "a GT order's leaves still count for risk"
    out = oms.handle(NewDay(day="2024-06-04"), 5)
    assert [(c.child_id, c.qty, c.tif) for c in news(out)] == [("C3", 100, "1")]
