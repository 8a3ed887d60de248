"""Venue trade corrections (ER G) and busts (ER H) in the OMS core (oms_corrections.py), and the risk
engine's reversals (risk.on_bust / on_correct / on_reopened)."""

from __future__ import annotations

from decimal import Decimal as D

from test_oms_core import cancels, make, new, news, reports

from oms_fix.domain import CancelOrder, ExecType, OrdStatus, Report
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command, encode_command
from oms_fix.engine.oms_types import ClientCancel, Journal, Out, VenueDown, VenueExec, VenueUp
from oms_fix.engine.risk import RiskEngine, RiskOrder
from oms_fix.engine.risk_limits import Limits, RiskConfig


def vx(child: str, exec_id: str, exec_type: str = "F", qty: int = 0, px: str | None = None, cum: int = 0,
       leaves: int = 0, status: str = "1", ref: str = "", venue: str = "ECN", avg: str | None = None) -> VenueExec:
    return VenueExec(venue=venue, child_id=child, exec_type=exec_type, ord_status=status, exec_id=exec_id,
                     last_qty=qty, last_px=D(px) if px is not None else None, cum_qty=cum, leaves_qty=leaves,
                     avg_px=D(avg) if avg is not None else None, exec_ref_id=ref)


def one(outs: list[Out]) -> Report:
    (r,) = reports(outs)
    return r


def ignored(outs: list[Out]) -> list[str]:
    return [o.body["why"] for o in outs if isinstance(o, Journal) and o.kind == "ignored"]


def working_order(qty: int = 400) -> tuple[Oms, list[Report]]:
    """A1 buys ``qty`` AAPL at 190.00: one child C1 at ECN; two fills, 100 @ 190.00 (E1) and 200 @ 189.99 (E2)."""
    oms = make()
    assert [(c.venue, c.child_id) for c in news(new(oms, "A1", qty, "190.00"))] == [("ECN", "C1")]
    f1 = one(oms.handle(vx("C1", "E1", qty=100, px="190.00", cum=100, leaves=qty - 100), 2))
    f2 = one(oms.handle(vx("C1", "E2", qty=200, px="189.99", cum=300, leaves=qty - 300), 3))
    return oms, [f1, f2]


def test_a_bust_takes_the_fill_off_child_and_parent_and_the_client_gets_er_h_naming_its_own_exec_id():
    oms, (f1, f2) = working_order()
    r = one(oms.handle(vx("C1", "E3", "H", cum=200, leaves=200, ref="E1"), 4))
    assert (r.exec_type, r.ord_status, r.exec_ref_id, r.cum_qty, r.leaves_qty, r.avg_px, r.last_qty) == (
        ExecType.TRADE_CANCEL, OrdStatus.PARTIALLY_FILLED, f1.exec_id, 200, 200, D("189.99"), 0)
    assert r.exec_id not in (f1.exec_id, f2.exec_id)
    (child,) = oms.children("O1")
    assert (child.cum, child.notional, child.live) == (200, D("379.98") * 100, True)
    risk = oms._risk
    assert risk.position("ACC001", "AAPL").position == 200
    assert risk.working("ACC001", "AAPL", "1") == 200, "the busted quantity is working again"
    assert risk._daily[("ACC001", "AAPL")] == [200, 1], "today's volume and trade count lose the busted fill"


def test_a_correction_restates_the_fill_and_avg_px_exactly():
    oms, (f1, _) = working_order()
    r = one(oms.handle(vx("C1", "E3", "G", qty=150, px="190.01", cum=350, leaves=50, ref="E1"), 4))
    assert (r.exec_type, r.ord_status, r.exec_ref_id, r.last_qty, r.last_px, r.cum_qty, r.leaves_qty) == (
        ExecType.TRADE_CORRECT, OrdStatus.PARTIALLY_FILLED, f1.exec_id, 150, D("190.01"), 350, 50)
    assert r.avg_px == (150 * D("190.01") + 200 * D("189.99")) / 350  # 189.998571..., never rounded
    assert oms._risk.position("ACC001", "AAPL").position == 350
    assert oms._risk._daily[("ACC001", "AAPL")] == [350, 2], "a correction is still one trade"
    # A correction of the correction names the venue's correction; the client's ExecRefID is the latest version.
    r2 = one(oms.handle(vx("C1", "E4", "G", qty=150, px="190.00", cum=350, leaves=50, ref="E3"), 5))
    assert (r2.exec_ref_id, r2.last_px) == (r.exec_id, D("190.00"))
    # A correction to nothing is a bust.
    r3 = one(oms.handle(vx("C1", "E5", "G", qty=0, cum=200, leaves=200, ref="E4"), 6))
    assert (r3.exec_type, r3.exec_ref_id, r3.cum_qty) == (ExecType.TRADE_CANCEL, r2.exec_id, 200)


def test_each_bust_reaches_the_client_once_and_a_bust_is_final():
    oms, (f1, _) = working_order()
    bust = vx("C1", "E3", "H", cum=200, leaves=200, ref="E1")
    assert len(reports(oms.handle(bust, 4))) == 1
    again = oms.handle(bust, 5)
    assert not reports(again) and ignored(again) == ["repeated ExecID E3"]
    twice = oms.handle(vx("C1", "E4", "H", cum=200, leaves=200, ref="E1"), 6)
    assert not reports(twice) and ignored(twice) == ["ExecID E4: ExecRefID E1 was busted already"]
    assert oms.order("O1").cum_qty == 200


def test_a_fill_busted_before_its_own_report_arrived_never_counts():
    """E3 was lost in an outage; the venue busts it (CumQty without it) before resending its ER F."""
    oms, _ = working_order()
    out = oms.handle(vx("C1", "E4", "H", cum=300, leaves=100, ref="E3"), 4)
    assert not reports(out) and oms.order("O1").cum_qty == 300
    late = oms.handle(vx("C1", "E3", qty=50, px="190.00", cum=350, leaves=50), 5)
    assert not reports(late) and ignored(late) == ["repeated ExecID E3"]
    assert oms.children("O1")[0].cum == 300


def test_a_correction_of_a_fill_never_seen_is_that_fill_at_its_corrected_terms():
    oms, _ = working_order()
    r = one(oms.handle(vx("C1", "E4", "G", qty=40, px="189.98", cum=340, leaves=60, ref="E3"), 4))
    assert (r.exec_type, r.last_qty, r.last_px, r.cum_qty) == (ExecType.TRADE, 40, D("189.98"), 340)
    late = oms.handle(vx("C1", "E3", qty=50, px="190.00", cum=350, leaves=50), 5)
    assert not reports(late), "the original's report, resent late, is the corrected trade: already counted"
    # The venue corrects it again: the ExecRefID names its correction, the client's names the fill it saw.
    r2 = one(oms.handle(vx("C1", "E5", "G", qty=30, px="189.98", cum=330, leaves=70, ref="E4"), 6))
    assert (r2.exec_type, r2.exec_ref_id, r2.cum_qty) == (ExecType.TRADE_CORRECT, r.exec_id, 330)


def test_a_bust_of_a_fill_known_only_from_a_cumqty_is_taken_from_the_reconciled_fill():
    oms, _ = working_order()
    oms.handle(VenueDown(venue="ECN"), 4)
    oms.handle(VenueUp(venue="ECN"), 5)
    # The status reply tells of 100 more (E3 and E4, 50 each, lost in the outage) at an AvgPx of 190.00 overall.
    status = one(oms.handle(vx("C1", "0", "I", cum=400, leaves=0, status="2",
                               avg=str((100 * D("190.00") + 200 * D("189.99") + 100 * D("190.01")) / 400)), 6))
    assert (status.exec_type, status.last_qty, status.cum_qty) == (ExecType.TRADE, 100, 400)
    r = one(oms.handle(vx("C1", "E5", "H", cum=350, leaves=50, ref="E4"), 7))
    assert (r.exec_type, r.exec_ref_id, r.last_qty, r.last_px, r.cum_qty, r.leaves_qty) == (
        ExecType.TRADE_CORRECT, status.exec_id, 50, D("190.01"), 350, 50)
    (child,) = oms.children("O1")
    assert (child.cum, child.taken, child.live) == (350, 50, True), "the venue reopened it for 50"
    # Later missed fills get fresh ids although CumQty 400 comes round again.
    again = one(oms.handle(vx("C1", "0", "I", cum=400, leaves=0, status="2", avg="190.00"), 8))
    assert (again.exec_type, again.last_qty, again.cum_qty) == (ExecType.TRADE, 50, 400)


def test_a_filled_day_order_reopened_by_a_bust_is_routed_again_when_its_venue_keeps_the_order_closed():
    oms, _ = working_order(300)
    assert oms.order("O1").ord_status is OrdStatus.FILLED
    assert oms._risk.working("ACC001", "AAPL", "1") == 0
    out = oms.handle(vx("C1", "E3", "H", cum=200, leaves=0, status="2", ref="E1"), 4)
    assert [(r.exec_type, r.ord_status, r.leaves_qty) for r in reports(out)] == [
        (ExecType.TRADE_CANCEL, OrdStatus.PARTIALLY_FILLED, 100)]
    assert [(c.venue, c.child_id, c.qty) for c in news(out)] == [("ECN", "C2", 100)]
    assert oms._risk.working("ACC001", "AAPL", "1") == 100, "working for risk again"


def test_an_ioc_order_reopened_by_a_bust_has_its_remainder_canceled():
    oms = make()
    (child,) = news(new(oms, "A1", 100, "190.01", tif=TIF.IMMEDIATE_OR_CANCEL))
    oms.handle(vx("C1", "E1", qty=100, px="190.01", cum=100, status="2", venue=child.venue), 2)
    out = oms.handle(vx("C1", "E2", "H", cum=0, status="2", ref="E1", venue=child.venue), 3)
    assert [(r.exec_type, r.ord_status, r.cum_qty, r.leaves_qty) for r in reports(out)] == [
        (ExecType.TRADE_CANCEL, OrdStatus.NEW, 0, 100), (ExecType.CANCELED, OrdStatus.CANCELED, 0, 0)]
    assert not news(out) and oms._risk.working("ACC001", "AAPL", "1") == 0


def test_a_child_its_venue_reopens_after_the_parent_was_canceled_is_canceled_again():
    oms, _ = working_order()
    oms.handle(ClientCancel(session="CLIENT1", cmd=CancelOrder(cl_ord_id="K1", orig_cl_ord_id="A1")), 4)
    assert [r.ord_status for r in reports(oms.handle(vx("C2", "E3", "4", cum=300, status="4"), 5))] == [
        OrdStatus.CANCELED]
    out = oms.handle(vx("C1", "E4", "H", cum=200, leaves=200, ref="E1"), 6)
    assert [(r.exec_type, r.ord_status, r.leaves_qty) for r in reports(out)] == [
        (ExecType.TRADE_CANCEL, OrdStatus.CANCELED, 0)]
    assert [(c.orig_child_id, c.qty) for c in cancels(out)] == [("C1", 400)]


def test_a_correction_that_fills_the_parent_cancels_its_other_children():
    oms = make()
    new(oms, "A1", 700, "190.02")  # EXCH C1 200, ECN C2 500
    f = one(oms.handle(vx("C2", "E1", qty=500, px="190.01", cum=500, status="2"), 2))
    out = oms.handle(vx("C2", "E2", "G", qty=700, px="190.01", cum=700, status="2", ref="E1"), 3)
    r = one(out)
    assert (r.exec_type, r.ord_status, r.exec_ref_id, r.cum_qty) == (ExecType.TRADE_CORRECT, OrdStatus.FILLED,
                                                                    f.exec_id, 700)
    assert [(c.orig_child_id, c.venue) for c in cancels(out)] == [("C1", "EXCH")]


def test_exec_ref_id_travels_through_the_journal_and_old_records_without_it_still_decode():
    cmd = vx("C1", "E3", "H", cum=200, ref="E1")
    assert decode_command(encode_command(cmd, 7)) == (cmd, 7)
    old = encode_command(cmd, 7)
    del old["cmd"]["exec_ref_id"]
    assert decode_command(old)[0].exec_ref_id == ""


# -- risk ----------------------------------------------------------------------------------------


def risk() -> RiskEngine:
    return RiskEngine(RiskConfig(defaults=Limits()), {"AAPL": D("100")})


def test_risk_a_bust_reverses_position_and_cash_exactly_and_gives_back_volume_and_leaves():
    r = risk()
    order = RiskOrder(order_id="O1", session="S", account="A", symbol="AAPL", side="1", qty=500, price=D("101"))
    r.on_accepted(order, 0)
    r.on_fill("A", "AAPL", "1", 100, D("100.10"), 1, order_id="O1")
    r.on_fill("A", "AAPL", "1", 200, D("100.40"), 2, order_id="O1")
    r.on_bust("A", "AAPL", "1", 100, D("100.10"), 3, order_id="O1")
    p = r.position("A", "AAPL")
    assert p.position == 200
    assert p.realised + p.unrealised == 200 * D("100") - 200 * D("100.40"), "as if only the 200 had traded"
    assert r.working("A", "AAPL", "1") == 300 and r._daily[("A", "AAPL")] == [200, 1]


def test_risk_a_correction_is_one_trade_at_its_new_terms():
    r = risk()
    r.on_fill("A", "AAPL", "2", 100, D("100.10"), 1)
    r.on_correct("A", "AAPL", "2", 100, D("100.10"), 80, D("100.20"), 2)
    p = r.position("A", "AAPL")
    assert p.position == -80 and p.realised + p.unrealised == -80 * D("100") + 80 * D("100.20")
    assert r._daily[("A", "AAPL")] == [80, 1]


def test_risk_a_reopened_order_works_again_and_a_short_bust_frees_its_locate():
    r = RiskEngine(RiskConfig(defaults=Limits(), locates={("A", "AAPL"): 100}), {"AAPL": D("100")})
    order = RiskOrder(order_id="O1", session="S", account="A", symbol="AAPL", side="5", qty=100, price=D("100"))
    r.on_accepted(order, 0)
    r.on_fill("A", "AAPL", "5", 100, D("100"), 1, order_id="O1")
    r.on_done("O1", 2)
    assert r.locate_available("A", "AAPL") == 0
    r.on_bust("A", "AAPL", "5", 40, D("100"), 3, order_id="O1")
    r.on_reopened(order, 40, 4)
    assert r.working("A", "AAPL", "5") == 40 and r.locate_available("A", "AAPL") == 0  # 40 free, 40 working
    assert r.position("A", "AAPL").position == -60
