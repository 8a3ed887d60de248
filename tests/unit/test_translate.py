"""The OMS's FIX <-> domain translation (oms_fix/fix/translate.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from oms_fix.domain.enums import (CxlRejReason, CxlRejResponseTo, ExecType, OrdRejReason, OrdStatus, OrdType, Side,
                                  TimeInForce)
from oms_fix.domain.reports import CancelRejectReport, Report
from oms_fix.fix.codec import encode
from oms_fix.fix.dictionary import load_default
from oms_fix.fix.message import Message, split_message
from oms_fix.fix.translate import (Malformed, NewOrderTerms, cancel_from_fix, cancel_reject_body, er_body,
                                   new_order_from_fix, replace_from_fix)

DICT = load_default()
HEADER = [(49, "OMS"), (56, "CLIENT1"), (34, "2"), (52, "20261125-10:00:00.000")]


def msg(mt: str, **tags: str) -> Message:
    fields = [(35, mt)] + HEADER + [(int(k[1:]), v) for k, v in tags.items()]
    m = split_message(encode(fields))
    assert isinstance(m, Message)
    return m


def nos(**extra: str) -> Message:
    base = dict(t11="C1", t1="ACC001", t55="AAPL", t54="1", t60="20261125-10:00:00", t38="200", t40="2", t44="190.25")
    base.update(extra)
    return msg("D", **{k: v for k, v in base.items() if v})


def test_new_order_single_becomes_a_domain_command():
    out = new_order_from_fix(nos(t59="6", t126="20261126-20:00:00", t100="ECN"))
    assert isinstance(out, NewOrderTerms)
    o = out.order
    assert (o.cl_ord_id, o.account, o.symbol, o.side, o.order_qty, o.ord_type, o.price, o.time_in_force) == \
        ("C1", "ACC001", "AAPL", Side.BUY, 200, OrdType.LIMIT, D("190.25"), TimeInForce.GOOD_TILL_DATE)
    assert out.ex_destination == "ECN" and out.expire_ns is not None and not o.poss_resend


@pytest.mark.parametrize("extra, reason, words", [
    ({"t54": "8"}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "Side (54) 8"),
    ({"t40": "9"}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "OrdType (40) 9"),
    ({"t59": "5"}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "TimeInForce (59) 5"),
    ({"t38": "12.5"}, OrdRejReason.INCORRECT_QUANTITY, "positive whole number"),
    ({"t38": "-1"}, OrdRejReason.INCORRECT_QUANTITY, "positive whole number"),
    ({"t44": "abc"}, OrdRejReason.OTHER, "Price (44) 'abc' is not a number"),
    ({"t126": "tomorrow"}, OrdRejReason.OTHER, "ExpireTime (126)"),
])
def test_unreadable_fields_are_named(extra, reason, words):
    out = new_order_from_fix(nos(**extra))
    assert isinstance(out, Malformed) and out.reason is reason and words in out.text


def test_cancel_and_replace():
    c = cancel_from_fix(msg("F", t41="C1", t11="C2", t55="AAPL", t54="1", t60="20261125-10:00:00"))
    assert (c.cl_ord_id, c.orig_cl_ord_id, c.order_qty) == ("C2", "C1", 0)
    r = replace_from_fix(msg("G", t41="C2", t11="C3", t55="AAPL", t54="1", t60="20261125-10:00:00", t38="300",
                             t40="2", t44="190.30"))
    assert not isinstance(r, Malformed)
    assert (r.cl_ord_id, r.orig_cl_ord_id, r.order_qty, r.price, r.ord_type, r.time_in_force) == \
        ("C3", "C2", 300, D("190.30"), OrdType.LIMIT, None)


def as_message(mt: str, body: bytes) -> Message:
    m = split_message(encode([(35, mt)] + HEADER + [(int(t), v) for t, _, v in (f.partition(b"=") for f in
                                                                               body.split(b"\x01") if f)]))
    assert isinstance(m, Message)
    return m


def test_execution_report_is_valid_fix_44_and_carries_the_figures():
    r = Report(order_id="O1", exec_id="E9", exec_type=ExecType.TRADE, ord_status=OrdStatus.PARTIALLY_FILLED,
               cl_ord_id="C1", account="ACC001", symbol="AAPL", side=Side.BUY, price=D("190.25"), order_qty=200,
               cum_qty=150, leaves_qty=50, avg_px=D("190.2166666666666666666666667"), last_qty=50,
               last_px=D("190.2"), transact_time=1_764_064_800_000_000_000)
    m = as_message("8", er_body(r, copy=True))
    assert DICT.validate(m) is None
    got = {t: m.get(t) for t in (150, 39, 38, 14, 151, 32, 31, 44, 797)}
    assert got == {150: b"F", 39: b"1", 38: b"200", 14: b"150", 151: b"50", 32: b"50", 31: b"190.20", 44: b"190.25",
                   797: b"Y"}
    # The order keeps the exact average; the wire carries it rounded half-even to 8 places.
    assert m.get(6) == b"190.21666667"


def test_cancel_reject_is_valid_fix_44():
    r = CancelRejectReport(order_id="NONE", cl_ord_id="C5", orig_cl_ord_id="X", ord_status=OrdStatus.REJECTED,
                           response_to=CxlRejResponseTo.ORDER_CANCEL_REQUEST, reason=CxlRejReason.UNKNOWN_ORDER,
                           text="unknown order")
    m = as_message("9", cancel_reject_body(r))
    assert DICT.validate(m) is None
    assert (m.get(37), m.get(39), m.get(102), m.get(434)) == (b"NONE", b"8", b"1", b"1")
