"""The risk engine under random orders, fills, replaces, cancels and marks, against a plain ledger.

After every step: each position is the sum of its signed fills; working quantity
is never negative and equals the leaves of the orders still open; realised plus
unrealised P&L equals the cash-flow identity ``position x mark - sum(signed qty x px)``
exactly; exposure is the gross notional; a snapshot restores to the same state.
"""

from __future__ import annotations

import json
from decimal import Decimal as D

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from oms_fix.engine.risk import RiskEngine, RiskOrder
from oms_fix.engine.risk_limits import Limits, RiskConfig, Throttle

ACCOUNTS = st.sampled_from(["ACC001", "ACC002"])
SYMBOLS = st.sampled_from(["AAPL", "XYZ"])
SIDES = st.sampled_from(["1", "2", "5", "6"])
QTYS = st.integers(1, 300)
PRICES = st.integers(900, 1100).map(lambda c: D(c) / 100)        # 9.00 .. 11.00
SIGN = {"1": 1, "2": -1, "5": -1, "6": -1}
CONFIG = RiskConfig(defaults=Limits(max_order_qty=250, collar_pct=D("8"), max_long=600, max_short=400,
                                    credit_limit=D("9000")),
                    locates={("ACC001", "AAPL"): 500}, throttle=Throttle(max_orders=5, window_ns=1000))


class RiskMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.eng = RiskEngine(CONFIG, {"AAPL": D("10.00"), "XYZ": D("10.00")}, {"AAPL": D("0.01"), "XYZ": D("0.01")})
        self.now = 0
        self.n = 0
        self.open: dict[str, list[object]] = {}          # order_id -> [account, symbol, side, leaves]
        self.fills: dict[tuple[str, str], list[tuple[int, D]]] = {}

    @rule(account=ACCOUNTS, symbol=SYMBOLS, side=SIDES, qty=QTYS, px=st.none() | PRICES, dt=st.integers(0, 400))
    def new(self, account: str, symbol: str, side: str, qty: int, px: D | None, dt: int) -> None:
        self.now += dt
        self.n += 1
        o = RiskOrder(order_id=f"O{self.n}", session=account, account=account, symbol=symbol, side=side, qty=qty,
                      price=px, ord_type="2" if px is not None else "1")
        if self.eng.check_new(o, self.now).accepted:
            self.eng.on_accepted(o, self.now)
            self.open[o.order_id] = [account, symbol, side, qty]

    @precondition(lambda self: bool(self.open))
    @rule(data=st.data(), px=PRICES, part=st.floats(0.01, 1.5))
    def fill(self, data: st.DataObject, px: D, part: float) -> None:
        oid = data.draw(st.sampled_from(sorted(self.open)))
        account, symbol, side, leaves = self.open[oid]
        assert isinstance(leaves, int) and isinstance(account, str) and isinstance(symbol, str)
        qty = max(1, int(leaves * part))                  # sometimes more than the leaves
        self.eng.on_fill(account, symbol, str(side), qty, px, self.now, order_id=oid)
        self.open[oid][3] = max(0, leaves - qty)
        self.fills.setdefault((account, symbol), []).append((SIGN[str(side)] * qty, px))

    @rule(account=ACCOUNTS, symbol=SYMBOLS, side=SIDES, qty=QTYS, px=PRICES)
    def outside_fill(self, account: str, symbol: str, side: str, qty: int, px: D) -> None:
        self.eng.on_fill(account, symbol, side, qty, px, self.now)
        self.fills.setdefault((account, symbol), []).append((SIGN[side] * qty, px))

    @precondition(lambda self: bool(self.open))
    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        oid = data.draw(st.sampled_from(sorted(self.open)))
        self.eng.on_done(oid, self.now)
        del self.open[oid]

    @precondition(lambda self: bool(self.open))
    @rule(data=st.data(), qty=QTYS)
    def replace(self, data: st.DataObject, qty: int) -> None:
        oid = data.draw(st.sampled_from(sorted(self.open)))
        account, symbol, side, _ = self.open[oid]
        self.n += 1
        new = RiskOrder(order_id=f"O{self.n}", session=str(account), account=str(account), symbol=str(symbol),
                        side=str(side), qty=qty, price=D("10.00"))
        if self.eng.check_replace(oid, new, self.now).accepted:
            filled = self.eng.state()["orders"]
            w = next(o for o in filled if o["order_id"] == oid)
            self.eng.on_replaced(oid, new, self.now)
            del self.open[oid]
            self.open[new.order_id] = [account, symbol, side, qty - (w["qty"] - w["leaves"])]

    @rule(symbol=SYMBOLS, px=PRICES)
    def mark(self, symbol: str, px: D) -> None:
        self.eng.mark(symbol, px, self.now)

    @rule()
    def new_day(self) -> None:
        self.eng.start_day(f"d{self.now}")

    @rule()
    def snapshot(self) -> None:
        state = self.eng.state()
        back = RiskEngine.restore(CONFIG, json.loads(json.dumps(state)))
        assert back.state() == state
        self.eng = back

    @invariant()
    def positions_are_the_fills(self) -> None:
        for (account, symbol), fills in self.fills.items():
            p = self.eng.position(account, symbol)
            assert p.position == sum(q for q, _ in fills)
            assert p.mark is not None
            cash = sum((-q * px for q, px in fills), D(0))
            assert p.realised + p.unrealised == cash + p.position * p.mark

    @invariant()
    def working_is_the_open_leaves(self) -> None:
        for account in ("ACC001", "ACC002"):
            for symbol in ("AAPL", "XYZ"):
                for side in SIGN:
                    w = self.eng.working(account, symbol, side)
                    assert w >= 0
                    assert w == sum(int(str(o[3])) for o in self.open.values() if o[:3] == [account, symbol, side])
            gross = sum((abs(p.position) * (p.mark or 0) for p in self.eng.positions() if p.account == account), D(0))
            leaves = sum((o["leaves"] * D(o["value_px"]) for o in self.eng.state()["orders"]
                          if o["account"] == account), D(0))
            assert self.eng.exposure(account) == gross + leaves
        assert self.eng.locate_available("ACC001", "AAPL") <= 500

    @invariant()
    def events_name_a_rule(self) -> None:
        for e in self.eng.drain_events():
            assert e.rule and e.text and e.time <= self.now


TestRisk = RiskMachine.TestCase
TestRisk.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
