"""The midpoint engine under random command sequences, dark pool and crossing network.

After every command: quantity is conserved (buys fill what sells fill, and the
tape prints the same), OrderQty = CumQty + LeavesQty on every open order and in
every report's figures, each execution is at the mid of that moment, no
execution is smaller than either side's MinQty or through either limit, and a
continuous pool (or a network just after its cross) leaves no matchable pair.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sim_venues.midpoint import MidpointEngine
from sim_venues.orders import (
    CancelReject,
    ExecType,
    Order,
    OrderRequest,
    OrdStatus,
    OrdType,
    Phase,
    Report,
    Side,
    TimeInForce,
)

T0 = 1_700_000_000_000_000_000
SIDES = st.sampled_from([Side.BUY, Side.SELL])
PRICES = st.none() | st.integers(97, 103)
TIFS = st.sampled_from([TimeInForce.DAY, TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])
OWNERS = st.sampled_from(["A", "B"])


def feasible(b: Order, s: Order, mid2: int) -> bool:
    if b.price is not None and 2 * b.price < mid2 or s.price is not None and 2 * s.price > mid2:
        return False
    q = min(b.leaves_qty, s.leaves_qty)
    return q > 0 and q >= (b.request.min_qty or 0) and q >= (s.request.min_qty or 0)


class MidpointMachine(RuleBasedStateMachine):
    continuous = True

    def __init__(self) -> None:
        super().__init__()
        self.eng = MidpointEngine("XYZ", venue="V", continuous=self.continuous)
        self.now = T0
        self.n = 0
        self.known: list[tuple[str, str]] = []  # (owner, ClOrdID) ever sent, rejected or not
        self.cum: dict[str, int] = {}  # order_id -> sum of its TRADE last_qty
        self.notional: dict[str, int] = {}
        self.orders: dict[str, Order] = {}
        self.bought = self.sold = self.printed = 0
        self.just_crossed = False

    def _cl(self, owner: str) -> str:
        self.n += 1
        cl = f"c{self.n}"
        self.known.append((owner, cl))
        return cl

    def _step(self) -> None:
        self.now += 1_000

    def _check(self, reports: list[Report]) -> None:
        mid = self.eng.mid
        for r in reports:
            o = r.order
            self.orders[o.order_id] = o
            if r.exec_type is ExecType.TRADE:
                assert mid is not None and r.last_px == mid
                assert r.last_qty > 0 and r.last_qty >= (o.request.min_qty or 0)
                if o.price is not None:
                    assert 2 * o.price >= mid if o.request.side is Side.BUY else 2 * o.price <= mid
                self.cum[o.order_id] = self.cum.get(o.order_id, 0) + r.last_qty
                self.notional[o.order_id] = self.notional.get(o.order_id, 0) + r.last_qty * r.last_px
                if o.request.side is Side.BUY:
                    self.bought += r.last_qty
                else:
                    self.sold += r.last_qty
            x = r.extra
            cum, leaves, qty = int(x["cum_qty"]), int(x["leaves_qty"]), int(x["order_qty"])
            assert cum == self.cum.get(o.order_id, 0) and int(x["avg_px_num"]) == self.notional.get(o.order_id, 0)
            if x["ord_status"] in (OrdStatus.NEW.value, OrdStatus.PARTIALLY_FILLED.value):
                assert qty == cum + leaves and leaves > 0
            else:
                assert leaves == 0 and cum <= qty
            if x["ord_status"] == OrdStatus.FILLED.value:
                assert cum == qty
        self.printed += sum(t.qty for t in self.eng.drain_trades())

    @rule(owner=OWNERS, side=SIDES, qty=st.integers(1, 12), price=PRICES, min_qty=st.none() | st.integers(1, 6),
          tif=TIFS, peg=st.booleans())
    def submit(self, owner: str, side: Side, qty: int, price: int | None, min_qty: int | None, tif: TimeInForce,
               peg: bool) -> None:
        self._step()
        ord_type = OrdType.PEGGED if peg else OrdType.MARKET if price is None else OrdType.LIMIT
        req = OrderRequest(owner=owner, cl_ord_id=self._cl(owner), symbol="XYZ", side=side, qty=qty, price=price,
                           ord_type=ord_type, exec_inst="M" if peg else "", tif=tif,
                           min_qty=min(min_qty, qty) if min_qty else None)
        self._check(self.eng.submit(req, self.now))
        self.just_crossed = False

    @rule(bid=st.none() | st.integers(96, 103), spread=st.integers(-1, 4))
    def set_reference(self, bid: int | None, spread: int) -> None:
        self._step()
        self._check(self.eng.set_reference(bid, None if bid is None else bid + spread, self.now))
        self.just_crossed = False

    @rule(i=st.integers(0, 200), reuse=st.booleans())
    def cancel(self, i: int, reuse: bool) -> None:
        if not self.known:
            return
        self._step()
        owner, orig = self.known[i % len(self.known)]
        cl = orig if reuse else self._cl(owner)
        out = self.eng.cancel(owner, cl, orig, self.now)
        if isinstance(out, list):
            self._check(out)

    @rule(i=st.integers(0, 200), qty=st.integers(1, 12), price=PRICES, min_qty=st.none() | st.integers(1, 6))
    def replace(self, i: int, qty: int, price: int | None, min_qty: int | None) -> None:
        if not self.known:
            return
        self._step()
        owner, orig = self.known[i % len(self.known)]
        order = self.eng.find(owner, orig)
        side = order.request.side if order is not None else Side.BUY
        tif = order.request.tif if order is not None else TimeInForce.DAY
        req = OrderRequest(owner=owner, cl_ord_id=self._cl(owner), symbol="XYZ", side=side, qty=qty, price=price,
                           ord_type=OrdType.MARKET if price is None else OrdType.LIMIT, tif=tif,
                           min_qty=min(min_qty, qty) if min_qty else None)
        out = self.eng.replace(orig, req, self.now)
        if isinstance(out, CancelReject):
            assert self.eng.find(owner, req.cl_ord_id) is None
        else:
            self._check(out)
            self.just_crossed = False

    @rule(halt=st.booleans())
    def set_phase(self, halt: bool) -> None:
        self._step()
        self._check(self.eng.set_phase(Phase.HALTED if halt else Phase.CONTINUOUS, self.now))
        self.just_crossed = False

    @precondition(lambda self: not self.continuous)
    @rule()
    def cross(self) -> None:
        self._step()
        self._check(self.eng.cross(self.now))
        assert not any(o.request.tif in (TimeInForce.IOC, TimeInForce.FOK) for o in self.eng.open_orders())
        self.just_crossed = True

    @invariant()
    def quantity_is_conserved(self) -> None:
        assert self.bought == self.sold == self.printed

    @invariant()
    def figures_add_up(self) -> None:
        for oid, o in self.orders.items():
            assert o.cum_qty == self.cum.get(oid, 0) and o.notional == self.notional.get(oid, 0)
            if o.status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
                assert o.request.qty == o.cum_qty + o.leaves_qty and o.leaves_qty > 0
            else:
                assert o.leaves_qty == 0
        assert all(not o.done for o in self.eng.open_orders())

    @invariant()
    def nothing_matchable_is_left(self) -> None:
        mid = self.eng.mid
        if mid is None or self.eng.phase is not Phase.CONTINUOUS or not (self.continuous or self.just_crossed):
            return
        opened = self.eng.open_orders()
        buys = [o for o in opened if o.request.side is Side.BUY]
        sells = [o for o in opened if o.request.side is Side.SELL]
        assert not any(feasible(b, s, mid) for b in buys for s in sells)


class CrossingMachine(MidpointMachine):
    continuous = False


_SETTINGS = settings(max_examples=150, stateful_step_count=40, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])
TestDarkPool = MidpointMachine.TestCase
TestDarkPool.settings = _SETTINGS
TestCrossingNetwork = CrossingMachine.TestCase
TestCrossingNetwork.settings = _SETTINGS
