"""OrderMassStatusRequest and DontKnowTrade in the OMS core (oms_status.py)."""

from __future__ import annotations

from decimal import Decimal as D

from test_oms_core import make, new, reports

from oms_fix.domain import ExecType, OrdRejReason, OrdStatus, Side
from oms_fix.engine.oms_journal import decode_command, encode_command
from oms_fix.engine.oms_types import (ClientDontKnow, ClientMassStatus, Journal, OpsEventOut, ToClientBusinessReject,
                                      VenueExec)


def book():
    """CLIENT1: A1 (AAPL buy, part-filled), A2 (MSFT sell), A3 (AAPL buy, filled: not working), A4 (AAPL
    sell, rejected); CLIENT2: B1 (AAPL buy)."""
    oms = make()
    new(oms, "A1", 200, "190.00")  # ECN C1
    oms.handle(VenueExec(venue="ECN", child_id="C1", exec_type="F", ord_status="1", exec_id="E1", last_qty=100,
                         last_px=D("190.00"), cum_qty=100, leaves_qty=100), 2)
    new(oms, "A2", 10, "410.00", side=Side.SELL, symbol="MSFT", now=3)
    new(oms, "A3", 100, "190.01", now=4)
    child = oms.children("O3")[0]
    oms.handle(VenueExec(venue=child.venue, child_id=child.child_id, exec_type="F", ord_status="2", exec_id="E2",
                         last_qty=100, last_px=D("190.01"), cum_qty=100), 5)
    new(oms, "A4", 150, "190.00", side=Side.SELL, now=6)  # not a lot multiple: rejected
    new(oms, "B1", 100, "190.00", session="CLIENT2", account="ACC002", now=7)
    return oms


def test_mass_status_reports_every_working_order_of_the_session_with_584_911_912():
    oms = book()
    got = reports(oms.handle(ClientMassStatus(session="CLIENT1", mass_status_req_id="M1"), 10))
    assert [(r.cl_ord_id, r.exec_type, r.ord_status, r.exec_id, r.cum_qty, r.leaves_qty) for r in got] == [
        ("A1", ExecType.ORDER_STATUS, OrdStatus.PARTIALLY_FILLED, "0", 100, 100),
        ("A2", ExecType.ORDER_STATUS, OrdStatus.NEW, "0", 0, 10)]
    assert [(r.mass_status_req_id, r.tot_num_reports, r.last_rpt_requested) for r in got] == [
        ("M1", 2, False), ("M1", 2, True)]


def test_mass_status_narrowed_by_symbol_side_and_account():
    oms = book()
    by_symbol = reports(oms.handle(ClientMassStatus(session="CLIENT1", mass_status_req_id="M2", symbol="MSFT"), 10))
    assert [r.cl_ord_id for r in by_symbol] == ["A2"] and by_symbol[0].last_rpt_requested is True
    by_side = reports(oms.handle(ClientMassStatus(session="CLIENT1", mass_status_req_id="M3", side=Side.BUY), 11))
    assert [r.cl_ord_id for r in by_side] == ["A1"]
    by_party = reports(oms.handle(ClientMassStatus(session="CLIENT2", mass_status_req_id="M4",
                                                   accounts=("ACC002", "X")), 12))
    assert [r.cl_ord_id for r in by_party] == ["B1"], "another session's orders are never reported"


def test_mass_status_matching_nothing_is_one_report_saying_so():
    oms = book()
    (r,) = reports(oms.handle(ClientMassStatus(session="CLIENT1", mass_status_req_id="M5", accounts=("ACC009",)), 10))
    assert (r.order_id, r.cl_ord_id, r.exec_id, r.exec_type, r.ord_status, r.ord_rej_reason, r.cum_qty,
            r.leaves_qty, r.symbol) == ("NONE", "", "0", ExecType.ORDER_STATUS, OrdStatus.REJECTED,
                                        OrdRejReason.UNKNOWN_ORDER, 0, 0, "[N/A]")
    assert (r.mass_status_req_id, r.tot_num_reports, r.last_rpt_requested) == ("M5", 0, True)
    (s,) = reports(make().handle(ClientMassStatus(session="NEW", mass_status_req_id="M6", symbol="TSLA",
                                                  side=Side.SELL), 1))
    assert (s.symbol, s.side, s.tot_num_reports) == ("TSLA", Side.SELL, 0)


def test_a_dk_of_a_known_execution_is_journaled_and_raised_with_no_message_back():
    oms = book()
    fill = oms.order("O1").executions.by_fill("ECN:E1")
    assert fill is not None
    out = oms.handle(ClientDontKnow(session="CLIENT1", order_id="O1", exec_id=fill.exec_id, reason="E",
                                    last_qty=100, last_px=D("190.00"), text="price beyond my limit"), 10)
    assert not reports(out) and not [o for o in out if isinstance(o, ToClientBusinessReject)]
    (record,) = [o for o in out if isinstance(o, Journal) and o.kind == "dont_know"]
    (ops,) = [o.event for o in out if isinstance(o, OpsEventOut)]
    assert (record.stream, record.body["order_id"], record.body["exec_id"], record.body["known"]) == (
        "O1", "O1", fill.exec_id, True)
    assert (ops.kind, ops.account, ops.known) == ("dont_know", "ACC001", True)
    assert "DKReason E, LastQty 100, LastPx 190.00: price beyond my limit" in ops.text
    assert "stands at 100 @ 190.00" in ops.text
    assert oms.order("O1").cum_qty == 100, "a DK changes no order"


def test_a_dk_naming_no_execution_of_the_sessions_order_gets_a_business_reject_unknown_id():
    oms = book()
    new_ack = reports(new(oms, "A5", 100, "190.00", now=9))[0]
    for order_id, exec_id, session in (("O1", new_ack.exec_id, "CLIENT1"),  # not a trade
                                       ("O9", "X1", "CLIENT1"),  # no such order
                                       ("O1", "O1-2", "CLIENT2")):  # another session's order
        out = oms.handle(ClientDontKnow(session=session, order_id=order_id, exec_id=exec_id, reason="D"), 10)
        (bmr,) = [o for o in out if isinstance(o, ToClientBusinessReject)]
        assert (bmr.session, bmr.ref_msg_type, bmr.ref_id, bmr.reason) == (session, "Q", exec_id, "1")
        (ops,) = [o.event for o in out if isinstance(o, OpsEventOut)]
        assert ops.known is False and [o for o in out if isinstance(o, Journal) and o.kind == "dont_know"]


def test_the_new_commands_survive_the_journal():
    for cmd in (ClientMassStatus(session="S", mass_status_req_id="M", accounts=("A", "B"), symbol="AAPL",
                                 side=Side.SELL_SHORT),
                ClientDontKnow(session="S", order_id="O1", exec_id="O1-2", reason="A", side=Side.BUY, last_qty=5,
                               last_px=D("1.5"), text="t")):
        assert decode_command(encode_command(cmd, 3)) == (cmd, 3)
