"""SetLimits under random interleavings with orders: each order is checked against the limits in force when
it arrived, and a replay of the journaled commands ends with the same limits and the same orders."""

from __future__ import annotations

import json
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from oms_fix.domain import NewOrder, OrdType, Report, Side
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine import oms_operations as ops
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import ClientNew, InstrumentRules, Journal, Out, SetLimits, ToClient, VenueRule
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.marketdata.consolidated import ConsolidatedBook

ACCOUNTS = st.sampled_from(["ACC001", "ACC002", "*"])
STEPS = st.lists(st.one_of(
    st.tuples(st.just("limit"), ACCOUNTS, st.none() | st.integers(0, 2000)),
    st.tuples(st.just("inherit"), st.sampled_from(["ACC001", "ACC002"]), st.none()),
    st.tuples(st.just("order"), st.sampled_from(["ACC001", "ACC002"]), st.integers(1, 2000)),
), max_size=25)




def make() -> Oms:
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("189.99"), 5000)], [(D("190.01"), 5000)])
    risk = RiskEngine(RiskConfig(defaults=Limits(max_order_qty=1000)), {"AAPL": D("190.00")}, {"AAPL": D("0.01")})
    return Oms({"AAPL": InstrumentRules(tick=D("0.01"))}, risk, book, [VenueRule(name="EXCH")])


def accepted(oms: Oms, cl: str, qty: int, account: str, now: int) -> tuple[bool, list[Out]]:
    order = NewOrder(cl_ord_id=cl, symbol="AAPL", side=Side.BUY, order_qty=qty, ord_type=OrdType.LIMIT,
                     price=D("190.00"), time_in_force=TIF.DAY)
    outs = oms.handle(ClientNew(session=f"S{account}", account=account, order=order), now)
    [first, *_] = [o.msg for o in outs if isinstance(o, ToClient) and isinstance(o.msg, Report)]
    return first.exec_type.value == "0", outs


@given(STEPS)
@settings(max_examples=150, deadline=None)
def test_each_order_meets_the_max_order_qty_in_force_and_a_replay_agrees(steps: list[tuple[str, str, int | None]]):
    oms = make()
    defaults: int | None = 1000
    own: dict[str, int | None] = {}  # accounts with a figure of their own
    records = []
    for i, (what, account, value) in enumerate(steps, start=1):
        if what == "order":
            assert value is not None
            # No other limit is set: only max_order_qty decides.
            ok, outs = accepted(oms, f"C{i}", value, account, i)
            limit = own[account] if account in own else defaults
            assert ok == (limit is None or value <= limit), (account, value, limit)
        else:
            if what == "limit":
                cmd = SetLimits(account=account, limits=Limits(max_order_qty=value), names=("max_order_qty",))
                if account == "*":
                    defaults = value
                else:
                    own[account] = value
            else:
                cmd = SetLimits(account=account, inherit=("max_order_qty",))
                own.pop(account, None)
            outs = oms.handle(cmd, i)
        records += [o.body for o in outs if isinstance(o, Journal) and o.kind == "command"]
    again = make()
    for body in records:
        body = json.loads(json.dumps(body, default=str))
        cmd, now = decode_command(body)
        again.replay(cmd, now, body)
    assert again.snapshot() == oms.snapshot()
    assert ops.risk_engine(again).config == ops.risk_engine(oms).config
    assert ops.risk_engine(oms).config.defaults.max_order_qty == defaults
