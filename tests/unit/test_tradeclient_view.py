"""What the client prints for each incoming message, and its order view after a run of reports."""

from __future__ import annotations

from oms_fix.fix.message import Message
from oms_fix.tradeclient.orders import OrderView
from oms_fix.tradeclient.render import render


def msg(mt: str, *fields: tuple[int, str]) -> Message:
    return Message.build([(35, mt), (49, "EXCH"), (56, "ME"), (34, "7"), (52, "20240102-14:30:00.000"), *fields])


def er(cl: str, exec_type: str, status: str, qty: str, cum: str, leaves: str, avg: str, *extra: tuple[int, str],
       orig: str | None = None, price: str | None = "190.00", exec_id: str = "EXCH-R1-E7") -> Message:
    """An ExecutionReport with the venue's field order."""
    fields = [(37, "EXCH-R1-O1"), (11, cl)] + ([(41, orig)] if orig else []) + [
        (17, exec_id), (150, exec_type), (39, status), (1, "ACC001"), (55, "AAPL"), (54, "1"), (38, qty),
        (40, "2" if price else "1")] + ([(44, price)] if price else []) + [(59, "0")] + list(extra) + [
        (151, leaves), (14, cum), (6, avg), (60, "20240102-14:30:00.000")]
    return msg("8", *fields)


def test_new() -> None:
    assert render(er("C3", "0", "0", "100", "0", "100", "0")) == \
        "ER  C3 AAPL BUY 100 @190.00  ExecType=0 New  OrdStatus=0 New  Cum 0 Leaves 100 Avg 0  [EXCH-R1-E7]"


def test_trade() -> None:
    line = render(er("C3", "F", "1", "100", "40", "60", "190.00", (32, "40"), (31, "190.00"), (30, "EXCH"),
                     (851, "1"), (12, "0.04"), (13, "3")))
    assert line == ("ER  C3 AAPL BUY 100 @190.00  ExecType=F Trade  OrdStatus=1 PartiallyFilled  "
                    "Last 40 @190.00 EXCH liq=1 comm=0.04  Cum 40 Leaves 60 Avg 190.00  [EXCH-R1-E7]")


def test_canceled_names_the_order_it_cancels() -> None:
    assert render(er("C5", "4", "4", "100", "40", "0", "190.00", orig="C3")) == \
        ("ER  C5 (orig C3) AAPL BUY 100 @190.00  ExecType=4 Canceled  OrdStatus=4 Canceled  "
         "Cum 40 Leaves 0 Avg 190.00  [EXCH-R1-E7]")


def test_replaced() -> None:
    assert render(er("C4", "5", "0", "200", "0", "200", "0", orig="C3", price="189.50")) == \
        ("ER  C4 (orig C3) AAPL BUY 200 @189.50  ExecType=5 Replaced  OrdStatus=0 New  "
         "Cum 0 Leaves 200 Avg 0  [EXCH-R1-E7]")


def test_rejected_shows_reason_and_text() -> None:
    m = msg("8", (37, "NONE"), (11, "C9"), (17, "E9"), (150, "8"), (39, "8"), (55, "ZZZ"), (54, "2"), (38, "5"),
            (40, "1"), (151, "0"), (14, "0"), (6, "0"), (103, "1"), (58, "unknown symbol 'ZZZ' at EXCH"))
    assert render(m) == ("ER  C9 ZZZ SELL 5 MKT  ExecType=8 Rejected  OrdStatus=8 Rejected  Cum 0 Leaves 0 Avg 0  "
                         "OrdRejReason=1 unknown symbol  Text=unknown symbol 'ZZZ' at EXCH  [E9]")


def test_cancel_reject() -> None:
    m = msg("9", (37, "NONE"), (11, "C4"), (41, "C3"), (39, "8"), (434, "1"), (102, "1"), (58, "unknown order"))
    assert render(m) == ("CXL-REJ C4 orig C3 (cancel): CxlRejReason=1 unknown order  OrdStatus=8 Rejected  "
                         "OrderID=NONE  Text=unknown order")


def test_business_reject() -> None:
    m = msg("j", (45, "2"), (372, "D"), (379, "C1"), (380, "4"), (58, "not built yet"))
    assert render(m) == ("BMR RefMsgType=D RefSeqNum=2 RefID=C1  BusinessRejectReason=4 application not available  "
                         "Text=not built yet")


def test_market_data_lines() -> None:
    snap = msg("W", (262, "MD-1"), (55, "AAPL"), (268, "3"), (269, "0"), (270, "189.99"), (271, "300"),
               (269, "0"), (270, "189.98"), (271, "100"), (269, "1"), (270, "190.01"), (271, "200"))
    assert render(snap) == "MD  AAPL snapshot (MD-1): bids 300@189.99 100@189.98  offers 200@190.01"
    inc = msg("X", (262, "MD-1"), (268, "3"), (279, "0"), (269, "0"), (55, "AAPL"), (270, "190.00"), (271, "100"),
              (279, "2"), (269, "1"), (55, "AAPL"), (270, "190.01"), (279, "0"), (269, "2"), (55, "AAPL"),
              (270, "190.01"), (271, "200"))
    assert render(inc) == "MD  (MD-1) AAPL new bid 100@190.00; AAPL delete offer @190.01; AAPL trade 200@190.01"
    assert render(msg("Y", (262, "MD-2"), (281, "0"), (58, "unknown symbol FOO"))) == \
        "MD-REJ MD-2: MDReqRejReason=0 unknown symbol  Text=unknown symbol FOO"


def test_status_and_other_messages() -> None:
    assert render(msg("r", (11, "C7"), (37, "MC-1"), (530, "7"), (531, "7"), (533, "2"))) == \
        "MASS-CXL C7: MassCancelResponse=7 all orders  TotalAffectedOrders=2"
    assert render(msg("h", (336, "EXCH"), (625, "3"), (325, "Y"), (340, "2"))) == \
        "SESSION EXCH TradSesStatus=2 Open  phase 3"
    assert render(msg("f", (55, "TSLA"), (336, "EXCH"), (625, "H"), (325, "Y"), (326, "2"))) == \
        "STATUS TSLA at EXCH: SecurityTradingStatus=2 Halted"
    assert render(msg("B", (148, "Hello"), (33, "0"))) == "35=B 148=Hello|33=0"


def test_orders_view_after_a_sequence_of_reports() -> None:
    view = OrderView()
    view.new_sent("C1", [(11, "C1"), (1, "ACC001"), (55, "AAPL"), (54, "1"), (38, "100"), (40, "2"), (44, "190")])
    view.new_sent("C2", [(11, "C2"), (55, "AAPL"), (54, "1"), (38, "50"), (40, "2"), (44, "189")])
    assert view.rows["C1"].status == "A" and view.rows["C1"].leaves_qty == 100
    view.on_execution_report(er("C1", "0", "0", "100", "0", "100", "0"))
    view.on_execution_report(er("C1", "F", "1", "100", "40", "60", "190.00", (32, "40"), (31, "190.00")))
    view.on_execution_report(er("C1", "F", "1", "100", "70", "30", "189.99", (32, "30"), (31, "189.98")))
    view.request_sent("C3", view.rows["C1"])  # replace C1 -> C3: still C1 until the venue says Replaced
    assert view.rows["C1"].cl_ord_id == "C1"
    view.on_execution_report(er("C3", "5", "1", "120", "70", "50", "189.99", orig="C1", price="189.95"))
    view.request_sent("C4", view.rows["C1"])
    view.on_execution_report(er("C4", "4", "4", "70", "70", "0", "189.99", orig="C3", price="189.95"))
    view.on_execution_report(er("C2", "8", "8", "50", "0", "0", "0", (103, "99"), (58, "post-only would cross"),
                                price="189.00"))
    row = view.find("C4")
    assert row is view.find("C1") is view.find("C3")
    assert row is not None
    assert (row.cl_ord_id, row.qty, row.price, row.cum_qty, row.leaves_qty, row.avg_px, row.status) == \
        ("C4", 70, "189.95", 70, 0, "189.99", "4")
    assert view.table() == [
        "ClOrdID  SYMBOL  SIDE      QTY     PRICE     CUM  LEAVES       AVG  STATUS",
        "C4       AAPL    BUY        70    189.95      70       0    189.99  Canceled (first C1)",
        "C2       AAPL    BUY        50    189.00       0       0         0  Rejected",
    ]


def test_cancel_reject_keeps_the_order() -> None:
    view = OrderView()
    view.new_sent("C1", [(11, "C1"), (55, "AAPL"), (54, "1"), (38, "100"), (40, "2"), (44, "190")])
    view.on_execution_report(er("C1", "F", "2", "100", "100", "0", "190.00", (32, "100"), (31, "190.00")))
    view.request_sent("C2", view.rows["C1"])
    row = view.on_cancel_reject(msg("9", (37, "EXCH-R1-O1"), (11, "C2"), (41, "C1"), (39, "2"), (434, "1"),
                                    (102, "0"), (58, "too late to cancel")))
    assert row is view.rows["C1"]
    assert (row.cl_ord_id, row.status, row.text) == ("C1", "2", "too late to cancel")


def test_reports_for_orders_the_client_did_not_send_appear_in_the_view() -> None:
    view = OrderView()
    view.on_execution_report(er("OLD-7", "F", "2", "100", "100", "0", "190.00", (32, "100"), (31, "190.00")))
    assert view.find("OLD-7") is not None and view.rows["OLD-7"].symbol == "AAPL"
    unknown = msg("8", (37, "NONE"), (11, "NOPE"), (17, "E1"), (150, "I"), (39, "8"), (55, "AAPL"), (54, "1"),
                  (38, "0"), (151, "0"), (14, "0"), (6, "0"), (103, "5"), (58, "unknown order"))
    assert view.on_execution_report(unknown) is None
    assert not view.known("NOPE")
    assert OrderView().table() == ["no orders yet"]
