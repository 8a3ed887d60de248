"""FIX 4.4 for the requests beside orders (oms_fix/fix/translate_requests.py), and the mass status fields of
an ExecutionReport (translate.er_body)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_translate import DICT, as_message, msg

from oms_fix.domain.enums import ExecType, OrdRejReason, OrdStatus, Side
from oms_fix.domain.reports import Report
from oms_fix.engine.oms_types import ClientDontKnow, ClientMassStatus, ToClientBusinessReject, VenueExec
from oms_fix.fix.message import Message
from oms_fix.fix.translate import er_body
from oms_fix.fix.translate_requests import (Refused, business_reject_body, dont_know_from_fix, mass_status_from_fix,
                                            venue_exec_from_fix)


def af(*parties: str, **tags: str) -> Message:
    """An OrderMassStatusRequest with a Parties group (PartyRole 24: customer account)."""
    fields = [(int(k[1:]), v.encode()) for k, v in tags.items()] + [(453, str(len(parties)).encode())]
    for p in parties:
        fields += [(448, p.encode()), (447, b"D"), (452, b"24")]
    return as_message("AF", b"".join(b"%d=%s\x01" % (t, v) for t, v in fields))


def test_mass_status_types_1_7_and_8_become_the_core_command():
    assert mass_status_from_fix(msg("AF", t584="M1", t585="7"), "CLIENT1") == ClientMassStatus(
        session="CLIENT1", mass_status_req_id="M1")
    assert mass_status_from_fix(msg("AF", t584="M2", t585="1", t55="AAPL", t54="2"), "C") == ClientMassStatus(
        session="C", mass_status_req_id="M2", symbol="AAPL", side=Side.SELL)
    by_party = af("ACC002", "ACC003", t584="M3", t585="8")
    assert DICT.validate(by_party) is None
    assert mass_status_from_fix(by_party, "C") == ClientMassStatus(session="C", mass_status_req_id="M3",
                                                                   accounts=("ACC002", "ACC003"))
    assert mass_status_from_fix(msg("AF", t584="M4", t585="8", t1="ACC001"), "C") == ClientMassStatus(
        session="C", mass_status_req_id="M4", accounts=("ACC001",))


@pytest.mark.parametrize(("tags", "reason", "words"), [
    ({"t584": "M1", "t585": "3"}, 0, "MassStatusReqType (585) 3 is not supported here: 1 (security), 7"),
    ({"t584": "M1", "t585": "1"}, 5, "Symbol (55) is required for MassStatusReqType (585) 1"),
    ({"t584": "M1", "t585": "8"}, 5, "PartyID (448) or Account (1) is required"),
    ({"t584": "M1", "t585": "7", "t54": "Z"}, 0, "Side (54) Z is not a side"),
])
def test_mass_status_requests_the_oms_cannot_answer_are_refused(tags, reason, words):
    got = mass_status_from_fix(msg("AF", **tags), "C")
    assert isinstance(got, Refused) and got.reason == reason and words in got.text and got.ref_id == b"M1"


def test_dont_know_trade_becomes_the_core_command():
    dk = msg("Q", t37="O1", t17="O1-3", t127="D", t55="AAPL", t54="1", t38="100", t32="100", t31="190.01",
             t58="not mine")
    assert DICT.validate(dk) is None
    assert dont_know_from_fix(dk, "CLIENT1") == ClientDontKnow(
        session="CLIENT1", order_id="O1", exec_id="O1-3", reason="D", symbol="AAPL", side=Side.BUY, last_qty=100,
        last_px=D("190.01"), text="not mine")
    refused = dont_know_from_fix(msg("Q", t17="E1", t127="D"), "C")
    assert isinstance(refused, Refused) and refused.reason == 5 and "OrderID (37)" in refused.text


def test_a_venue_execution_report_carries_exec_ref_id():
    er = msg("8", t37="V1", t11="C1", t17="X9", t19="X2", t150="G", t39="1", t55="AAPL", t54="1", t32="50",
             t31="190.01", t14="150", t151="50", t6="190.005")
    assert venue_exec_from_fix("EXCH", er) == VenueExec(
        venue="EXCH", child_id="C1", exec_type="G", ord_status="1", exec_id="X9", last_qty=50, last_px=D("190.01"),
        cum_qty=150, leaves_qty=50, avg_px=D("190.005"), exec_ref_id="X2")


def test_mass_status_reports_carry_584_911_912_and_the_empty_answer_no_clordid():
    r = Report(order_id="O1", exec_id="0", exec_type=ExecType.ORDER_STATUS, ord_status=OrdStatus.NEW,
               cl_ord_id="A1", symbol="AAPL", order_qty=100, leaves_qty=100, mass_status_req_id="M1",
               tot_num_reports=2, last_rpt_requested=False)
    m = as_message("8", er_body(r))
    assert DICT.validate(m) is None
    assert (m.get(584), m.get(911), m.get(912)) == (b"M1", b"2", b"N")
    none = Report(order_id="NONE", exec_id="0", exec_type=ExecType.ORDER_STATUS, ord_status=OrdStatus.REJECTED,
                  cl_ord_id="", symbol="[N/A]", ord_rej_reason=OrdRejReason.UNKNOWN_ORDER, mass_status_req_id="M2",
                  tot_num_reports=0, last_rpt_requested=True)
    m = as_message("8", er_body(none))
    assert DICT.validate(m) is None
    assert (m.get(11), m.get(37), m.get(39), m.get(103), m.get(911), m.get(912)) == (
        None, b"NONE", b"8", b"5", b"0", b"Y")
    plain = as_message("8", er_body(Report(order_id="O1", exec_id="E1", exec_type=ExecType.NEW,
                                           ord_status=OrdStatus.NEW, cl_ord_id="A1", symbol="AAPL")))
    assert (plain.get(584), plain.get(911), plain.get(912)) == (None, None, None)


def test_business_reject_body_is_valid_fix_44():
    body = business_reject_body(ToClientBusinessReject(session="C", ref_msg_type="Q", ref_id="X1", reason="1",
                                                        text="ExecID 'X1' is not an execution of order O1"))
    m = as_message("j", b"45=7\x01" + body)
    assert DICT.validate(m) is None
    assert (m.get(372), m.get(379), m.get(380)) == (b"Q", b"X1", b"1")
