"""A NewOrderSingle's algo fields (oms_fix/fix/translate_algo.py via new_order_from_fix), and 850 on the ER."""

from __future__ import annotations

from decimal import Decimal as D

from test_translate import DICT, as_message, nos

from oms_fix.domain.enums import ExecType, OrdRejReason, OrdStatus, Side
from oms_fix.domain.reports import Report
from oms_fix.engine.algos.base import AlgoSpec
from oms_fix.fix.translate import Malformed, NewOrderTerms, er_body, new_order_from_fix


def terms(**extra: str) -> NewOrderTerms:
    t = new_order_from_fix(nos(**extra))
    assert isinstance(t, NewOrderTerms)
    return t


def refused(**extra: str) -> Malformed:
    t = new_order_from_fix(nos(**extra))
    assert isinstance(t, Malformed)
    return t


def test_a_plain_order_is_no_algo_order():
    assert terms().algo is None


def test_target_strategy_with_its_parameters_rate_and_times():
    t = terms(t847="1000", t848="duration_minutes=60; num_slices=12;strategy=passive", t849="0.1",
              t168="20261125-14:30:00", t126="20261125-15:30:00", t59="6")
    assert t.algo == AlgoSpec(strategy=1000, params=(("duration_minutes", "60"), ("num_slices", "12"),
                                                     ("strategy", "passive")),
                              participation_rate=D("0.1"), start=1_795_617_000_000_000_000,
                              end=1_795_620_600_000_000_000)


def test_max_floor_alone_makes_an_iceberg_and_a_pegged_order_the_peg_algo():
    assert terms(t111="200").algo == AlgoSpec(strategy=1001, max_floor=200)
    t = terms(t40="P", t18="M", t211="-0.01", t44="")
    assert t.algo == AlgoSpec(strategy=1002, peg="M", peg_offset=D("-0.01"))
    assert terms(t40="P", t18="R", t110="100").algo == AlgoSpec(strategy=1002, peg="R", min_qty=100)


def test_unreadable_algo_fields_are_refused_naming_the_tag():
    assert refused(t847="twap").text == "TargetStrategy (847) 'twap' is not a number"
    assert refused(t847="1000", t848="duration_minutes").text == \
        "TargetStrategyParameters (848): 'duration_minutes' is not key=value"
    assert refused(t847="1000", t848="a=1;a=2").text == "TargetStrategyParameters (848): a is given twice"
    assert refused(t847="2", t849="1.5").text == "ParticipationRate (849) 1.5 is not a fraction in (0, 1]"
    assert refused(t111="0").text == "MaxFloor (111) 0 is not a positive whole number"
    assert refused(t111="12.5").text == "MaxFloor (111) 12.5 is not a positive whole number"
    r = refused(t40="P", t18="G")
    assert r.reason is OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC and "ExecInst (18)" in r.text
    assert "EffectiveTime (168)" in refused(t847="1000", t168="soon").text


def test_the_execution_report_carries_target_strategy_performance():
    r = Report(order_id="O1", exec_id="E1", exec_type=ExecType.TRADE, ord_status=OrdStatus.FILLED, cl_ord_id="C1",
               symbol="AAPL", side=Side.BUY, price=D("190.25"), order_qty=100, cum_qty=100, avg_px=D("190.2"),
               last_qty=100, last_px=D("190.2"), transact_time=1_764_064_800_000_000_000,
               target_strategy_performance=D("-1.234567891"))
    m = as_message("8", er_body(r))
    assert m.get(850) == b"-1.23456789"
    assert DICT.validate(m) is None
