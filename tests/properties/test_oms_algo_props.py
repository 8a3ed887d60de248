"""Algo parents never over-fill, whatever the algo asks and whatever the venues and the client do.

A random algo (its decisions drawn by hypothesis: placements of any size, some
far above what is left, at any price or none, to the router, a named venue or
one that does not exist; cancels of its children; its end) works parents
while venues fill, cancel and reject children in random order and the client
cancels and replaces the parent. After every step, for every algo parent:

    CumQty + what its live children could still fill <= OrderQty

(a child with a cancel on its way counts: it can fill before the cancel
lands), CumQty is the sum of its children's fills, every child's price is
within the parent's limit, and nothing is placed while a cancel or replace
of the parent is being worked. The random algo's TargetStrategyPerformance is
its parent's AvgPx, so every parent report's 850 must equal the report's own
AvgPx: the figure is asked for with what is being reported in it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any, Iterator

from hypothesis import given, settings, strategies as st

from oms_fix.domain import CancelOrder, NewOrder, OrdType, Phase, ReplaceOrder, Side
from oms_fix.domain.reports import Report
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine import oms_algo
from oms_fix.engine.algos.base import AlgoSpec, Decision, Market, Place, Progress
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_types import (AlgoTick, ClientCancel, ClientNew, ClientReplace, InstrumentRules, Kill, Out,
                                      ToAlgoTimer, ToClient, ToVenueCancel, ToVenueNew, VenueExec, VenueRule)
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.marketdata.consolidated import ConsolidatedBook

RANDOM = 9999
MARKET = Market(bid=D("99.99"), bid_size=300, ask=D("100.01"), ask_size=200, volume=1000)


@dataclass
class RandomAlgo:
    """Plays back drawn decisions, one per call, cancelling children by their index in Progress."""

    plan: list[tuple[list[Place], list[int], bool]]
    name: str = "RANDOM"
    calls: list[Progress] = field(default_factory=list)

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.calls.append(parent)
        if not self.plan:
            return Decision(wake_at=now + 1_000)
        places, cancel_idx, finished = self.plan.pop(0)
        ids = [parent.children[i % len(parent.children)].child_id for i in cancel_idx] if parent.children else []
        return Decision(place=tuple(places), cancel=tuple(ids), finished=finished, wake_at=now + 1_000)

    def performance(self, parent: Progress, market: Market) -> D | None:
        return parent.avg_px if parent.filled else None

    def target(self, now: int) -> int | None:
        return None

    def stats(self) -> dict[str, Any]:
        return {}


@contextmanager
def random_algos(plans: list[list[tuple[list[Place], list[int], bool]]]) -> Iterator[None]:
    real = oms_algo.build
    queue = list(plans)

    def build(spec: AlgoSpec, order: Any) -> Any:
        if spec.strategy == RANDOM:
            return RandomAlgo(queue.pop(0) if queue else [])
        return real(spec, order)

    oms_algo.build = build  # type: ignore[assignment]
    try:
        yield
    finally:
        oms_algo.build = real  # type: ignore[assignment]


places = st.lists(st.builds(
    Place, qty=st.integers(1, 3000), price=st.one_of(st.none(), st.sampled_from([D("99.90"), D("100.00"),
                                                                                 D("100.01"), D("100.20")])),
    venue=st.sampled_from([None, None, "EXCH", "ECN", "NOWHERE"]), ioc=st.booleans()), max_size=3)
decision = st.tuples(places, st.lists(st.integers(0, 5), max_size=2), st.sampled_from([False] * 7 + [True]))
plan = st.lists(decision, min_size=3, max_size=12)
tick = st.tuples(st.just("tick"), st.integers(0, 2), st.just(0))
fill = st.tuples(st.just("fill"), st.integers(0, 30), st.integers(1, 100))
ops = st.lists(st.one_of(
    tick, tick, tick, fill, fill, fill,
    st.tuples(st.just("venue_cancel"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("reject"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("ack_cancels"), st.just(0), st.just(0)),
    st.tuples(st.just("cancel"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("replace"), st.integers(0, 2), st.integers(1, 30)),
    st.tuples(st.just("kill"), st.just(0), st.just(0)),
), max_size=80)


def make() -> Oms:
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("99.99"), 300)], [(D("100.01"), 200)])
    book.snapshot("ECN", "AAPL", [(D("100.00"), 100)], [(D("100.01"), 300)])
    risk = RiskEngine(RiskConfig(defaults=Limits(max_order_qty=5000)), {"AAPL": D("100.00")}, {"AAPL": D("0.01")})
    return Oms({"AAPL": InstrumentRules(tick=D("0.01"), lot=10)}, risk, book,
               [VenueRule(name="EXCH"), VenueRule(name="ECN")])


@dataclass
class VenueChild:
    venue: str
    child_id: str
    qty: int
    cum: int = 0
    done: bool = False
    cancel_ids: list[str] = field(default_factory=list)
    seq: int = 0


@settings(max_examples=200, deadline=None)
@given(plans=st.lists(plan, min_size=3, max_size=3), ops=ops,
       limits=st.lists(st.sampled_from([None, D("100.00"), D("99.95")]), min_size=3, max_size=3),
       sides=st.lists(st.sampled_from([Side.BUY, Side.SELL]), min_size=3, max_size=3))
def test_algo_parents_never_over_fill(plans: list[Any], ops: list[tuple[str, int, int]], limits: list[D | None],
                                      sides: list[Side]) -> None:
    with random_algos(plans):
        oms = make()
        now = 1
        children: list[VenueChild] = []
        timers: dict[str, int] = {}
        current = {i: f"P{i}" for i in range(3)}  # each parent's ClOrdID now
        seq = [0]

        def feed(cmd: Any) -> list[Out]:
            nonlocal now
            now += 10
            outs = oms.handle(cmd, now)
            for o in outs:
                if isinstance(o, ToVenueNew):
                    assert o.qty > 0
                    children.append(VenueChild(o.venue, o.child_id, o.qty))
                    parent_id = oms._children[o.child_id].parent_id
                    p = oms._parents[parent_id]
                    assert p.request is None and p.ending is None, "placed while the parent was ending"
                    lim = p.order.price
                    if lim is not None:
                        assert o.price is not None
                        assert o.price <= lim if p.order.side is Side.BUY else o.price >= lim
                elif isinstance(o, ToVenueCancel):
                    for c in children:
                        if c.child_id == o.orig_child_id:
                            c.cancel_ids.append(o.child_id)
                elif isinstance(o, ToAlgoTimer):
                    timers[o.order_id] = o.at
                elif isinstance(o, ToClient) and isinstance(o.msg, Report):
                    assert o.msg.target_strategy_performance == (o.msg.avg_px if o.msg.cum_qty else None)
            check(oms)
            return outs

        def exec_(c: VenueChild, exec_type: str, status: str, last: int = 0) -> None:
            seq[0] += 1
            feed(VenueExec(venue=c.venue, child_id=c.child_id, exec_type=exec_type, ord_status=status,
                           exec_id=f"X{seq[0]}", last_qty=last, last_px=D("100.00") if last else None,
                           cum_qty=c.cum, leaves_qty=0 if c.done else c.qty - c.cum, avg_px=D("100.00")))

        for i in range(3):
            order = NewOrder(cl_ord_id=f"P{i}", symbol="AAPL", side=sides[i], order_qty=1000,
                             ord_type=OrdType.MARKET if limits[i] is None else OrdType.LIMIT, price=limits[i],
                             time_in_force=TIF.DAY)
            feed(ClientNew(session="C", account="A", order=order, algo=AlgoSpec(strategy=RANDOM)))
        for op, a, b in ops:
            live = [c for c in children if not c.done]
            if op == "tick":
                oid = sorted(timers)[a % len(timers)] if timers else None
                if oid is not None:
                    feed(AlgoTick(order_id=oid, market=MARKET))
            elif op == "fill" and live:
                c = live[a % len(live)]
                q = max(1, (c.qty - c.cum) * b // 100)
                c.cum += q
                c.done = c.cum >= c.qty
                exec_(c, "F", "2" if c.done else "1", q)
            elif op in ("venue_cancel", "reject") and live:
                c = live[a % len(live)]
                c.done = True
                exec_(c, "4" if op == "venue_cancel" else "8", "4" if op == "venue_cancel" else "8")
            elif op == "ack_cancels":
                for c in live:
                    if c.cancel_ids:
                        c.done = True
                        exec_(c, "4", "4")
            elif op == "cancel":
                feed(ClientCancel(session="C", cmd=CancelOrder(cl_ord_id=f"X{now}", orig_cl_ord_id=current[a])))
            elif op == "replace":
                new_id = f"R{now}"
                feed(ClientReplace(session="C", cmd=ReplaceOrder(
                    cl_ord_id=new_id, orig_cl_ord_id=current[a], order_qty=b * 100, ord_type=OrdType.MARKET,
                    price=None)))
                current[a] = new_id
            elif op == "kill":
                feed(Kill(account=None, reason="test"))


def check(oms: Oms) -> None:
    for p in oms._parents.values():
        if p.algo is None:
            continue
        o = p.order
        kids = [oms._children[c] for c in (*p.retired, *p.children)]
        assert o.cum_qty == sum(c.cum for c in kids)
        open_qty = sum(c.qty - c.cum for c in kids if c.live)
        assert o.cum_qty + open_qty <= o.order_qty, (o.order_id, o.cum_qty, open_qty, o.order_qty)
        if o.phase not in (Phase.OPEN, Phase.OVERNIGHT):
            assert not any(c.live and not c.cancel_sent for c in kids) or o.leaves_qty == 0
