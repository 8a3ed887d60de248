"""A venue refuses to cancel a child (oms_cancel_reject.py): the client's request is rejected with the venue's
reason once a status reply shows the child still working, and the order works on."""

from __future__ import annotations

from decimal import Decimal as D

from test_oms_core import cancel_rejects, cancels, er, kinds, make, new, news, reports

from oms_fix.domain import CancelOrder, CxlRejReason, CxlRejResponseTo, OrdStatus, ReplaceOrder
from oms_fix.engine.oms_types import (ClientCancel, ClientMassCancel, ClientReplace, Kill, ToVenueStatus,
                                      VenueCancelReject)


def cancel(cl: str, orig: str) -> ClientCancel:
    return ClientCancel(session="CLIENT1", cmd=CancelOrder(cl_ord_id=cl, orig_cl_ord_id=orig))


def statuses(outs: list) -> list[tuple[str, str]]:
    return [(o.venue, o.child_id) for o in outs if isinstance(o, ToVenueStatus)]


def test_a_refused_cancel_is_rejected_to_the_client_with_the_venues_reason_and_a_later_one_works():
    oms = make()
    new(oms, "A1", 200)  # rests at ECN as C1
    out = oms.handle(cancel("K1", "A1"), 2)
    assert kinds(out) == [("6", "6")] and [c.orig_child_id for c in cancels(out)] == ["C1"]
    out = oms.handle(VenueCancelReject(venue="ECN", child_id="C2", reason="2", text="not now (venue)"), 3)
    assert not reports(out) and not cancel_rejects(out), "nothing to the client before the status reply"
    assert statuses(out) == [("ECN", "C1")]
    out = oms.handle(er("ECN", "C1", "S1", exec_type="I", status="0"), 4)
    (rej,) = cancel_rejects(out)
    # B.1.a step 5-alt: rejected after pending, the status falls back to New (R19: ClOrdID the request's).
    assert (rej.cl_ord_id, rej.orig_cl_ord_id, rej.reason, rej.text, rej.ord_status, rej.response_to) == (
        "K1", "A1", CxlRejReason.BROKER_OPTION, "not now (venue)", OrdStatus.NEW, CxlRejResponseTo.ORDER_CANCEL_REQUEST)
    assert not cancels(out) and not news(out), "the OMS does not ask the venue again by itself"
    out = oms.handle(cancel("K2", "A1"), 5)
    assert kinds(out) == [("6", "6")] and [c.orig_child_id for c in cancels(out)] == ["C1"]
    (done,) = reports(oms.handle(er("ECN", "C3", "X1", exec_type="4", status="4"), 6))
    assert (done.cl_ord_id, done.ord_status, done.leaves_qty) == ("K2", OrdStatus.CANCELED, 0)


def test_a_venue_reason_about_the_omss_own_message_reaches_the_client_as_other():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(cancel("K1", "A1"), 2)
    oms.handle(VenueCancelReject(venue="ECN", child_id="C2", reason="6", text="duplicate ClOrdID"), 3)
    (rej,) = cancel_rejects(oms.handle(er("ECN", "C1", "S1", exec_type="I", status="0"), 4))
    assert (rej.reason, rej.text) == (CxlRejReason.OTHER, "duplicate ClOrdID")


def test_a_refusal_of_a_child_that_filled_meanwhile_is_too_late_as_before():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(cancel("K1", "A1"), 2)
    oms.handle(VenueCancelReject(venue="ECN", child_id="C2", reason="0", text="too late"), 3)
    out = oms.handle(er("ECN", "C1", "S1", exec_type="I", status="2", cum=200, avg="190.00"), 4)
    assert kinds(out) == [("F", "6")]
    (rej,) = cancel_rejects(out)
    assert (rej.reason, rej.ord_status) == (CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.FILLED)


def test_a_refused_replace_keeps_the_old_terms():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(ClientReplace(session="CLIENT1", cmd=ReplaceOrder(cl_ord_id="R1", orig_cl_ord_id="A1", order_qty=300,
                                                                  price=D("189.99"))), 2)
    oms.handle(VenueCancelReject(venue="ECN", child_id="C2", reason="2", text="locked"), 3)
    (rej,) = cancel_rejects(oms.handle(er("ECN", "C1", "S1", exec_type="I", status="0"), 4))
    assert (rej.cl_ord_id, rej.response_to, rej.ord_status, rej.text) == (
        "R1", CxlRejResponseTo.ORDER_CANCEL_REPLACE_REQUEST, OrdStatus.NEW, "locked")
    o = oms.order("O1")
    assert o is not None and (o.cl_ord_id, o.order_qty, o.price) == ("A1", 200, D("190.00"))


def test_what_the_requests_other_cancels_took_off_the_venues_is_routed_again():
    oms = make()
    new(oms, "A1", 700, "190.02")  # EXCH C1 200, ECN C2 500
    out = oms.handle(cancel("K1", "A1"), 2)
    assert [(c.venue, c.orig_child_id, c.child_id) for c in cancels(out)] == [("EXCH", "C1", "C3"), ("ECN", "C2", "C4")]
    assert not reports(oms.handle(er("EXCH", "C3", "X1", exec_type="4", status="4"), 3))
    oms.handle(VenueCancelReject(venue="ECN", child_id="C4", reason="2", text="not now"), 4)
    out = oms.handle(er("ECN", "C2", "S1", exec_type="I", status="0"), 5)
    assert len(cancel_rejects(out)) == 1
    assert sum(c.qty for c in news(out)) == 200, "EXCH's 200 works again"


def test_a_sibling_whose_cancel_lands_after_the_refusal_has_its_quantity_routed_again_then():
    oms = make()
    new(oms, "A1", 700, "190.02")
    oms.handle(cancel("K1", "A1"), 2)
    oms.handle(VenueCancelReject(venue="ECN", child_id="C4", reason="2", text="not now"), 3)
    out = oms.handle(er("ECN", "C2", "S1", exec_type="I", status="0"), 4)
    assert len(cancel_rejects(out)) == 1 and not news(out), "C1 may still fill: it is not covered twice"
    out = oms.handle(er("EXCH", "C3", "X1", exec_type="4", status="4"), 5)
    assert not reports(out) and sum(c.qty for c in news(out)) == 200
    assert oms.order("O1").ord_status is OrdStatus.NEW  # type: ignore[union-attr]


def test_an_unsolicited_end_asks_the_venue_again_instead():
    oms = make()
    new(oms, "A1", 200)
    oms.handle(ClientMassCancel(session="CLIENT1", cl_ord_id="M1", account="", symbol=None), 2)
    oms.handle(VenueCancelReject(venue="ECN", child_id="C2", reason="2", text="not now"), 3)
    out = oms.handle(er("ECN", "C1", "S1", exec_type="I", status="0"), 4)
    assert not cancel_rejects(out) and [c.orig_child_id for c in cancels(out)] == ["C1"]


def test_a_kill_while_a_refused_client_cancel_waits_cancels_again_and_sends_nothing_new():
    oms = make()
    new(oms, "A1", 700, "190.02")  # EXCH C1 200, ECN C2 500
    oms.handle(cancel("K1", "A1"), 2)  # C3 cancels C1, C4 cancels C2
    oms.handle(Kill(account=None, reason="desk halt"), 3)
    assert not reports(oms.handle(er("EXCH", "C3", "X1", exec_type="4", status="4"), 4))
    oms.handle(VenueCancelReject(venue="ECN", child_id="C4", reason="2", text="not now"), 5)
    out = oms.handle(er("ECN", "C2", "S1", exec_type="I", status="0"), 6)
    # The kill overrides the client's request: no reject to the client, no quantity worked again, the
    # child that is still working is asked to cancel again.
    assert not cancel_rejects(out) and not news(out)
    assert [c.orig_child_id for c in cancels(out)] == ["C2"]
    (done,) = reports(oms.handle(er("ECN", [c.child_id for c in cancels(out)][0], "S2", exec_type="4",
                                    status="4"), 7))
    assert done.ord_status is OrdStatus.CANCELED and done.leaves_qty == 0
