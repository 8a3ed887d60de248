"""The trading day rolls in the OMS core: day orders end Done for Day, GT orders carry on (A.1.b, H.1.a)."""

from __future__ import annotations

from test_oms_core import cancels, er, make, new, reports

from oms_fix.domain import ExecType, OrdStatus
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine.oms_types import NewDay


def test_a_working_day_order_is_done_for_day_at_the_roll_once_its_children_are_canceled():
    oms = make()
    oms.handle(NewDay(day="2026-01-05"), 0)
    new(oms, "D1", 200, "190.00")  # rests at a venue as C1
    oms.handle(er("ECN", "C1", "E1", qty=100, px="190.00", status="1", cum=100, avg="190.00"), 2)
    outs = oms.handle(NewDay(day="2026-01-06"), 3)
    [cxl] = cancels(outs)
    assert cxl.orig_child_id == "C1"
    assert reports(outs) == [], "nothing is reported until the venue confirms"
    done = reports(oms.handle(er("ECN", cxl.child_id, "E2", exec_type="4", status="4", cum=100, avg="190.00"), 4))
    assert [(r.exec_type, r.ord_status, r.cum_qty, r.leaves_qty) for r in done] == [
        (ExecType.DONE_FOR_DAY, OrdStatus.DONE_FOR_DAY, 100, 0)]
    assert oms.working() == 0 and oms.day == "2026-01-06"


def test_the_first_day_and_the_same_day_again_end_nothing_and_gt_orders_carry_on():
    oms = make()
    new(oms, "D1", 100, "190.00")
    new(oms, "G1", 100, "190.00", tif=TIF.GOOD_TILL_CANCEL, now=2)
    assert cancels(oms.handle(NewDay(day="2026-01-05"), 3)) == []  # the first day the core hears of
    assert cancels(oms.handle(NewDay(day="2026-01-05"), 4)) == []  # a restart on the same day
    outs = oms.handle(NewDay(day="2026-01-06"), 5)
    assert [c.orig_child_id for c in cancels(outs)] == ["C1"], "only the day order's child is canceled"
    assert oms.working() == 2  # D1 until its venue confirms, G1 for good
