"""FIX 4.4 <-> venue engine values (sim_venues/fix_translate.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms_fix.fix.message import Message
from sim_venues.fix_translate import Pricing, Refusal, cancel_reject_body, er_body, parse_order, reject_body
from sim_venues.orders import (CancelReject, CxlRejReason, ExecType, Liquidity, Order, OrderRequest, OrdRejReason,
                               OrdStatus, OrdType, Report, Side, TimeInForce)

AAPL = Pricing("AAPL", "0.01")


def nos(**tags: str) -> Message:
    fields = {11: "C1", 55: "AAPL", 54: "1", 38: "100", 40: "2", 44: "190.25", 60: "20261125-10:00:00.000"}
    fields.update({int(k[1:]): v for k, v in tags.items()})
    return Message.build([(35, "D")] + [(t, v) for t, v in fields.items() if v is not None])


def test_limit_order_becomes_a_request_in_ticks():
    req = parse_order(nos(t1="ACC001", t59="1", t18="6"), "CLIENT1", AAPL)
    assert isinstance(req, OrderRequest)
    assert (req.owner, req.cl_ord_id, req.side, req.qty, req.price, req.tif, req.exec_inst, req.account) == \
        ("CLIENT1", "C1", Side.BUY, 100, 19025, TimeInForce.GTC, "6", "ACC001")


@pytest.mark.parametrize("tags, reason, words", [
    ({"t44": "190.255"}, OrdRejReason.OTHER, "not a multiple of the tick 0.01"),
    ({"t44": None}, OrdRejReason.OTHER, "Price (44) is required"),
    ({"t40": "1"}, OrdRejReason.OTHER, "not allowed on a market order"),
    ({"t40": "3", "t44": None}, OrdRejReason.OTHER, "StopPx (99) is required"),
    ({"t38": "10.5"}, OrdRejReason.INCORRECT_QUANTITY, "whole number"),
    ({"t38": "0"}, OrdRejReason.INCORRECT_QUANTITY, "must be positive"),
    ({"t40": "Z"}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "OrdType (40) Z"),
    ({"t59": "5"}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "TimeInForce (59) 5"),
    ({"t54": "3"}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "Side (54) 3"),
    ({"t59": "6"}, OrdRejReason.OTHER, "needs ExpireTime (126)"),
])
def test_bad_orders_are_refused_naming_the_field(tags, reason, words):
    out = parse_order(nos(**tags), "CLIENT1", AAPL)
    assert isinstance(out, Refusal)
    assert out.reason is reason and words in out.text


def test_max_floor_zero_is_hidden_and_sell_short_keeps_its_side_code():
    req = parse_order(nos(t111="0", t54="5", t110="200", t38="300"), "C", AAPL)
    assert isinstance(req, OrderRequest)
    assert req.hidden and req.max_floor is None and req.side is Side.SELL and req.fix_side == "5"
    assert req.min_qty == 200


def test_gtd_expire_date_runs_through_that_day():
    req = parse_order(nos(t59="6", t432="20261126"), "C", AAPL)
    assert isinstance(req, OrderRequest) and req.expire_ns is not None
    assert req.expire_ns % (86_400 * 10**9) == 0


def _fields(body):
    return {t: (v.decode() if isinstance(v, bytes) else v) for t, v in body}


def test_trade_report_carries_last_fill_cum_leaves_avg_and_fees():
    req = OrderRequest("C", "X1", "AAPL", Side.BUY, 300, OrdType.LIMIT, price=19025)
    order = Order("ECN-1", req, status=OrdStatus.PARTIALLY_FILLED, cum_qty=200, notional=100 * 19020 + 100 * 19025,
                  price=19025)
    r = Report(ExecType.TRADE, order, "X1", last_qty=100, last_px=19025, liquidity=Liquidity.REMOVED)
    f = _fields(er_body(r, AAPL, "ECN", "ECN-E9", b"20261125-10:00:00.000", commission=Decimal("0.3000")))
    assert (f[150], f[39], f[38], f[14], f[151], f[32], f[31], f[6], f[30], f[851], f[12], f[13]) == \
        ("F", "1", "300", "200", "100", "100", "190.25", "190.225", "ECN", "2", "0.3000", "3")


def test_midpoint_prices_are_half_ticks():
    assert AAPL.fmt(38051, 2) == "190.255"
    assert AAPL.fmt(38050, 2) == "190.250"


def test_unknown_order_cancel_reject_is_order_id_none_status_rejected():
    f = _fields(cancel_reject_body(CancelReject("C2", "NOPE", CxlRejReason.UNKNOWN_ORDER, "unknown order")))
    assert (f[37], f[39], f[434], f[102], f[41]) == ("NONE", "8", "1", "1", "NOPE")


def test_rejecting_an_unknown_symbol_echoes_the_order():
    f = _fields(reject_body(nos(t55="ZZZZ"), Refusal(OrdRejReason.UNKNOWN_SYMBOL, "unknown symbol"), "E1", b"T"))
    assert (f[150], f[39], f[103], f[55], f[11]) == ("8", "8", "1", "ZZZZ", "C1")
