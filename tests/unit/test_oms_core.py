"""The OMS core, driven by commands over a hand-filled consolidated book: new orders, fills, rejects.

Two lit venues (EXCH, ECN) and a dark one (DARK). Helpers here are shared by
test_oms_core_flows.py (cancel, replace, venue outages, kill, mass cancel).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from oms_fix.domain import CancelRejectReport, ExecType, NewOrder, OrdRejReason, OrdStatus, OrdType, Report, Side
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_types import (ClientNew, ClientStatus, InstrumentRules, Journal, Out, RiskEventOut, ToClient,
                                      ToVenueCancel, ToVenueNew, VenueDown, VenueExec, VenueRule)
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.marketdata.consolidated import ConsolidatedBook

INSTRUMENTS = {"AAPL": InstrumentRules(tick=D("0.01"), lot=100), "MSFT": InstrumentRules(tick=D("0.01"), lot=1)}
VENUES = [VenueRule(name="EXCH", lit=True), VenueRule(name="ECN", lit=True), VenueRule(name="DARK", lit=False)]


def market_book() -> ConsolidatedBook:
    b = ConsolidatedBook()
    b.snapshot("EXCH", "AAPL", [(D("189.99"), 300), (D("189.98"), 500)], [(D("190.01"), 200), (D("190.03"), 400)])
    b.snapshot("ECN", "AAPL", [(D("190.00"), 100)], [(D("190.01"), 300), (D("190.02"), 100)])
    b.snapshot("EXCH", "MSFT", [(D("409.99"), 1000)], [(D("410.01"), 1000)])
    return b


def make(**limits: object) -> Oms:
    risk = RiskEngine(RiskConfig(defaults=Limits(**limits)),  # type: ignore[arg-type]
                      {"AAPL": D("190.00"), "MSFT": D("410.00")}, {"AAPL": D("0.01"), "MSFT": D("0.01")})
    return Oms(INSTRUMENTS, risk, market_book(), VENUES)


def new(oms: Oms, cl: str, qty: int, price: str | None = "190.00", *, side: Side = Side.BUY, tif: TIF = TIF.DAY,
        symbol: str = "AAPL", session: str = "CLIENT1", account: str = "ACC001", now: int = 1,
        ex_destination: str | None = None, expire_time: int | None = None) -> list[Out]:
    order = NewOrder(cl_ord_id=cl, symbol=symbol, side=side, order_qty=qty,
                     ord_type=OrdType.LIMIT if price is not None else OrdType.MARKET,
                     price=D(price) if price is not None else None, time_in_force=tif)
    return oms.handle(ClientNew(session=session, account=account, order=order, ex_destination=ex_destination,
                                raw_side=side, expire_time=expire_time), now)


def er(venue: str, child: str, exec_id: str, exec_type: str = "F", qty: int = 0, px: str | None = None,
       status: str = "1", cum: int = 0, avg: str | None = None, text: str = "") -> VenueExec:
    return VenueExec(venue=venue, child_id=child, exec_type=exec_type, ord_status=status, exec_id=exec_id,
                     last_qty=qty, last_px=D(px) if px is not None else None, cum_qty=cum,
                     avg_px=D(avg) if avg is not None else None, text=text)


def reports(outs: list[Out]) -> list[Report]:
    return [o.msg for o in outs if isinstance(o, ToClient) and isinstance(o.msg, Report)]


def cancel_rejects(outs: list[Out]) -> list[CancelRejectReport]:
    return [o.msg for o in outs if isinstance(o, ToClient) and isinstance(o.msg, CancelRejectReport)]


def kinds(outs: list[Out]) -> list[tuple[str, str]]:
    return [(r.exec_type.value, r.ord_status.value) for r in reports(outs)]


def news(outs: list[Out]) -> list[ToVenueNew]:
    return [o for o in outs if isinstance(o, ToVenueNew)]


def cancels(outs: list[Out]) -> list[ToVenueCancel]:
    return [o for o in outs if isinstance(o, ToVenueCancel)]


# -- tests -------------------------------------------------------------------------------


def test_a_limit_order_is_routed_and_filled_in_two_partial_fills():
    oms = make()
    out = new(oms, "A1", 200, "190.00")
    assert kinds(out) == [("0", "0")]
    (child,) = news(out)
    # Not marketable (best offer 190.01): it joins the best bid, ECN at 190.00.
    assert (child.venue, child.child_id, child.qty, child.price, child.side, child.ord_type, child.tif) == (
        "ECN", "C1", 200, D("190.00"), "1", "2", "0")
    first = reports(oms.handle(er("ECN", "C1", "E1", qty=100, px="190.00"), 2))
    second = reports(oms.handle(er("ECN", "C1", "E2", qty=100, px="189.98", status="2"), 3))
    assert [(r.exec_type, r.ord_status, r.last_qty, r.last_px, r.cum_qty, r.leaves_qty, r.avg_px)
            for r in first + second] == [
        (ExecType.TRADE, OrdStatus.PARTIALLY_FILLED, 100, D("190.00"), 100, 100, D("190.00")),
        (ExecType.TRADE, OrdStatus.FILLED, 100, D("189.98"), 200, 0, D("189.99"))]
    assert oms._risk.position("ACC001", "AAPL").position == 200
    assert oms._risk.working("ACC001", "AAPL", "1") == 0, "a filled parent releases its risk"


def test_a_marketable_order_is_split_across_venues_by_displayed_size():
    oms = make()
    out = new(oms, "A1", 700, "190.02")
    assert [(c.venue, c.child_id, c.qty, c.price) for c in news(out)] == [
        ("EXCH", "C1", 200, D("190.02")), ("ECN", "C2", 500, D("190.02"))]
    assert isinstance(out[0], Journal) and out[0].kind == "command", "journal records come first"
    first_send = next(i for i, o in enumerate(out) if not isinstance(o, Journal))
    assert all(not isinstance(o, Journal) for o in out[first_send:])


def test_a_market_order_goes_out_unpriced_and_dark_is_only_reached_by_ex_destination():
    oms = make()
    assert [(c.venue, c.qty, c.price, c.ord_type) for c in news(new(oms, "M1", 100, None))] == [
        ("ECN", 100, None, "1")]  # ECN shows the most at the best offer
    assert [c.venue for c in news(new(oms, "D1", 100, "190.00", ex_destination="DARK"))] == ["DARK"]


@pytest.mark.parametrize(("kw", "reason", "words"), [
    ({"symbol": "ZZZZ"}, OrdRejReason.UNKNOWN_SYMBOL, "Symbol (55) 'ZZZZ' is not a known symbol"),
    ({"qty": 150}, OrdRejReason.INCORRECT_QUANTITY, "not a positive multiple of the lot size 100"),
    ({"price": "190.005"}, OrdRejReason.OTHER, "not on the tick size 0.01"),
    ({"tif": TIF.GOOD_TILL_DATE}, OrdRejReason.OTHER, "ExpireTime (126) or ExpireDate (432) is required"),
    ({"tif": TIF.AT_THE_OPENING}, OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "TimeInForce (59) 2"),
    ({"ex_destination": "NYSE"}, OrdRejReason.OTHER, "ExDestination (100) NYSE is not a venue here"),
])
def test_business_rules_reject_before_risk_naming_the_rule(kw, reason, words):
    oms = make()
    args = {"qty": 100, "price": "190.00", **kw}
    out = new(oms, "A1", args.pop("qty"), args.pop("price"), **args)
    (r,) = reports(out)
    assert (r.exec_type, r.ord_status, r.ord_rej_reason) == (ExecType.REJECTED, OrdStatus.REJECTED, reason)
    assert r.text is not None and words in r.text
    assert not news(out) and not [o for o in out if isinstance(o, RiskEventOut)], "risk never saw it"


def test_a_limit_order_without_a_price_is_rejected():
    oms = make()
    order = NewOrder(cl_ord_id="A1", symbol="AAPL", side=Side.BUY, order_qty=100, ord_type=OrdType.LIMIT)
    (r,) = reports(oms.handle(ClientNew(session="CLIENT1", account="ACC001", order=order), 1))
    assert r.ord_status is OrdStatus.REJECTED and r.text == "Price (44) is required for OrdType 2 (limit)"


def test_gtd_with_expire_time_is_routed_with_it():
    oms = make()
    out = new(oms, "G1", 100, tif=TIF.GOOD_TILL_DATE, expire_time=10**18)
    assert kinds(out) == [("0", "0")] and news(out)[0].expire_time == 10**18 and news(out)[0].tif == "6"


def test_risk_rejects_with_ord_rej_reason_3_and_the_rule_text():
    oms = make(max_order_qty=100)
    out = new(oms, "A1", 200)
    (r,) = reports(out)
    assert (r.ord_status, r.ord_rej_reason) == (OrdStatus.REJECTED, OrdRejReason.ORDER_EXCEEDS_LIMIT)
    assert r.text is not None and "exceeds max_order_qty 100" in r.text
    (ev,) = [o.event for o in out if isinstance(o, RiskEventOut)]
    assert (ev.kind, ev.rule, ev.order_id) == ("reject", "max_order_qty", "O1")
    assert not news(out)


def test_routing_refused_rejects_the_parent_before_it_is_accepted():
    oms = make()
    for v in ("EXCH", "ECN", "DARK"):
        oms.handle(VenueDown(venue=v), 1)
    out = new(oms, "A1", 100)
    assert kinds(out) == [("8", "8")]
    (r,) = reports(out)
    assert (r.ord_rej_reason, r.text) == (OrdRejReason.EXCHANGE_CLOSED, "no venue is connected")
    assert oms._risk.working("ACC001", "AAPL", "1") == 0
    (r2,) = reports(new(oms, "A2", 100, ex_destination="DARK"))
    assert r2.text == "ExDestination (100) DARK is not connected"


def test_a_repeated_venue_report_is_ignored():
    oms = make()
    new(oms, "A1", 200)
    assert len(reports(oms.handle(er("ECN", "C1", "E1", qty=100, px="190.00"), 2))) == 1
    again = oms.handle(er("ECN", "C1", "E1", qty=100, px="190.00"), 3)
    assert reports(again) == [] and any(isinstance(o, Journal) and o.kind == "ignored" for o in again)
    order = oms.order("O1")
    assert order is not None and order.cum_qty == 100
    assert oms._risk.position("ACC001", "AAPL").position == 100


def test_ioc_parent_whose_children_end_is_canceled_with_its_cum_qty():
    oms = make()
    out = new(oms, "I1", 700, "190.02", tif=TIF.IMMEDIATE_OR_CANCEL)
    assert [(c.venue, c.tif) for c in news(out)] == [("EXCH", "3"), ("ECN", "3")]
    oms.handle(er("EXCH", "C1", "X1", qty=200, px="190.01", status="2", cum=200), 2)
    oms.handle(er("ECN", "C2", "N1", qty=300, px="190.01", cum=300), 3)
    last = oms.handle(er("ECN", "C2", "N2", exec_type="4", status="4", cum=300), 4)
    (r,) = reports(last)
    assert (r.exec_type, r.ord_status, r.cum_qty, r.leaves_qty, r.avg_px) == (
        ExecType.CANCELED, OrdStatus.CANCELED, 500, 0, D("190.01"))
    assert r.exec_restatement_reason is None, "R11: an IOC kill carries no restatement reason"


def test_fok_parent_is_never_split():
    oms = make()
    out = new(oms, "F1", 700, "190.02", tif=TIF.FILL_OR_KILL)
    assert [(c.venue, c.qty, c.tif) for c in news(out)] == [("ECN", 700, "4")]
    (r,) = reports(oms.handle(er("ECN", "C1", "N1", exec_type="4", status="4"), 2))
    assert (r.exec_type, r.cum_qty) == (ExecType.CANCELED, 0)


def test_a_venue_reject_sends_the_child_quantity_to_the_venues_that_have_not_rejected():
    oms = make()
    sent = {n.child_id: (n.venue, n.qty) for n in news(new(oms, "A1", 700, "190.02"))}
    out = oms.handle(er("EXCH", "C1", "X1", exec_type="8", status="8", text="price band"), 2)
    assert [(n.venue, n.qty) for n in news(out)] == [("ECN", sent["C1"][1])]
    assert not reports(out) and not cancels(out)


def test_a_parent_every_venue_rejects_is_rejected_and_its_siblings_canceled():
    oms = make()
    new(oms, "A1", 700, "190.02")
    (again,) = news(oms.handle(er("EXCH", "C1", "X1", exec_type="8", status="8", text="price band"), 2))
    out = oms.handle(er("ECN", again.child_id, "N1", exec_type="8", status="8", text="price band"), 3)
    assert [(c.orig_child_id, c.venue) for c in cancels(out)] == [("C2", "ECN")] and not reports(out)
    (r,) = reports(oms.handle(er("ECN", cancels(out)[0].child_id, "N2", exec_type="4", status="4"), 4))
    assert (r.exec_type, r.ord_status, r.text) == (ExecType.REJECTED, OrdStatus.REJECTED, "price band")


def test_a_rerouted_childs_end_speaks_for_the_parent_not_the_reject_it_took_over_from():
    oms = make()
    new(oms, "A1", 200)  # rests at ECN as C1
    (again,) = news(oms.handle(er("ECN", "C1", "X1", exec_type="8", status="8", text="ECN says no"), 2))
    (r,) = reports(oms.handle(er(again.venue, again.child_id, "N1", exec_type="4", status="4", text="halted"), 3))
    assert (r.exec_type, r.ord_status, r.text) == (ExecType.CANCELED, OrdStatus.CANCELED, "halted")


def test_a_parent_its_venues_rejected_one_after_the_other_is_rejected_with_each_venues_text():
    oms = make()
    new(oms, "A1", 200)
    (again,) = news(oms.handle(er("ECN", "C1", "X1", exec_type="8", status="8", text="ECN says no"), 2))
    (r,) = reports(oms.handle(er(again.venue, again.child_id, "N1", exec_type="8", status="8", text="closed"), 3))
    assert (r.exec_type, r.ord_rej_reason, r.text) == (ExecType.REJECTED, OrdRejReason.OTHER,
                                                       "ECN: ECN says no; EXCH: closed")


def test_status_and_duplicate_cl_ord_id():
    oms = make()
    new(oms, "A1", 100)
    (r,) = reports(oms.handle(ClientStatus(session="CLIENT1", cl_ord_id="A1"), 2))
    assert (r.exec_type, r.ord_status, r.leaves_qty) == (ExecType.ORDER_STATUS, OrdStatus.NEW, 100)
    (dup,) = reports(new(oms, "A1", 100, now=3))
    assert (dup.exec_type, dup.ord_rej_reason, dup.order_id) == (ExecType.REJECTED, OrdRejReason.DUPLICATE_ORDER, "O1")
    (unknown,) = reports(oms.handle(ClientStatus(session="CLIENT9", cl_ord_id="Q"), 4))
    assert unknown.ord_rej_reason is OrdRejReason.UNKNOWN_ORDER
