"""Algo parents in the OMS core (oms_algo.py): acceptance, ticks, the limits the core enforces on an algo,
its end, the client's cancel and replace, venue rejects, TargetStrategyPerformance and replay.

A scripted algo (each call returns the next decision it was given) shows what
the core does with any decision; the real algos have their own tests.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any, Iterator

from test_oms_core import cancels, er, kinds, make, news, reports

from oms_fix.domain import CancelOrder, NewOrder, OrdType, ReplaceOrder, Side
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine import oms_algo
from oms_fix.engine.algos.base import AlgoSpec, Decision, Market, Place, Progress
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import (AlgoTick, ClientCancel, ClientNew, ClientReplace, Journal, Out, ToAlgoTimer,
                                      VenueExec)

SCRIPTED = 9998
S = 1_000_000_000
MARKET = Market(bid=D("189.99"), bid_size=300, ask=D("190.01"), ask_size=200, volume=5000)


@dataclass
class Scripted:
    decisions: list[Decision]
    name: str = "SCRIPTED"
    seen: list[tuple[int, Progress, Market]] = field(default_factory=list)
    asked: list[Progress] = field(default_factory=list)

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.seen.append((now, parent, market))
        return self.decisions.pop(0) if self.decisions else Decision()

    def performance(self, parent: Progress, market: Market) -> D | None:
        """The parent's AvgPx as the core hands it over, so a report's 850 shows which fills it counted."""
        self.asked.append(parent)
        return parent.avg_px if parent.filled else None

    def target(self, now: int) -> int | None:
        return 100

    def stats(self) -> dict[str, Any]:
        return {"calls": len(self.seen)}


@contextmanager
def scripted(*algos: Scripted) -> Iterator[list[Scripted]]:
    real = oms_algo.build
    queue = list(algos)

    def build(spec: AlgoSpec, order: Any) -> Any:
        return queue.pop(0) if spec.strategy == SCRIPTED else real(spec, order)

    oms_algo.build = build  # type: ignore[assignment]
    try:
        yield list(algos)
    finally:
        oms_algo.build = real  # type: ignore[assignment]


def algo_new(oms: Oms, cl: str = "A1", qty: int = 1000, price: str | None = "190.00", *, side: Side = Side.BUY,
             spec: AlgoSpec | None = None, now: int = S) -> list[Out]:
    order = NewOrder(cl_ord_id=cl, symbol="AAPL", side=side, order_qty=qty,
                     ord_type=OrdType.LIMIT if price else OrdType.MARKET, price=D(price) if price else None,
                     time_in_force=TIF.DAY)
    return oms.handle(ClientNew(session="CLIENT1", account="ACC001", order=order, raw_side=side,
                                algo=spec or AlgoSpec(strategy=SCRIPTED)), now)


def tick(oms: Oms, now: int, market: Market = MARKET, order_id: str = "O1") -> list[Out]:
    return oms.handle(AlgoTick(order_id=order_id, market=market), now)


def started(decisions: list[Decision]) -> tuple[Oms, Scripted]:
    """An algo order (O1: buy 1,000 AAPL at 190.00) accepted and ticked once at S, its algo playing
    ``decisions``."""
    algo = Scripted(decisions)
    with scripted(algo):
        oms = make()
        algo_new(oms)
    tick(oms, S)
    return oms, algo


def timers(outs: list[Out]) -> list[ToAlgoTimer]:
    return [o for o in outs if isinstance(o, ToAlgoTimer)]


def test_an_algo_order_is_accepted_and_asks_for_its_first_tick_at_its_effective_time() -> None:
    with scripted(Scripted([])):
        oms = make()
        outs = algo_new(oms, spec=AlgoSpec(strategy=SCRIPTED, start=5 * S))
    assert kinds(outs) == [("0", "0")]
    assert news(outs) == []
    assert timers(outs) == [ToAlgoTimer(order_id="O1", at=5 * S)]


def test_unknown_strategy_and_bad_parameters_are_rejected_with_a_text_naming_them() -> None:
    oms = make()
    r = reports(algo_new(oms, "A1", spec=AlgoSpec(strategy=77)))
    assert (r[0].exec_type.value, r[0].ord_rej_reason.value) == ("8", "99")
    assert "TargetStrategy (847) 77 is not an algo here" in (r[0].text or "")
    r = reports(algo_new(oms, "A2", spec=AlgoSpec(strategy=1000, params=(("duration_minutes", "ten"),))))
    assert r[0].exec_type.value == "8" and "duration_minutes" in (r[0].text or "")
    r = reports(algo_new(oms, "A3", spec=AlgoSpec(strategy=1000, params=(("wobble", "1"),))))
    assert r[0].exec_type.value == "8" and "wobble" in (r[0].text or "")


def test_placements_are_cut_to_what_is_unplaced_and_priced_within_the_limit() -> None:
    algo = Scripted([Decision(place=(Place(qty=700, price=D("190.50")), Place(qty=700, price=D("189.00"))),
                              wake_at=2 * S)])
    with scripted(algo):
        oms = make()
        algo_new(oms, qty=1000, price="190.00")
        outs = tick(oms, S)
    sent = news(outs)
    assert sum(n.qty for n in sent) == 1000  # 700 + the 300 left, not 1,400
    assert all(n.price is not None and n.price <= D("190.00") for n in sent)
    assert [n.price for n in sent][-1] == D("189.00")
    assert timers(outs) == [ToAlgoTimer(order_id="O1", at=2 * S)]
    assert algo.seen[0][1].unplaced == 1000


def test_the_algo_sees_market_volume_without_the_oms_own_fills() -> None:
    oms, algo = started([Decision(place=(Place(qty=100, price=D("190.01"), venue="EXCH"),), wake_at=2 * S)])
    oms.handle(er("EXCH", "C1", "E1", qty=100, px="190.01", status="2", cum=100, avg="190.01"), S + 10)
    tick(oms, 2 * S, Market(bid=D("189.99"), ask=D("190.01"), volume=5300))
    assert algo.seen[-1][2].volume == 5200


def test_a_finished_algo_cancels_what_works_and_the_rest_expires_with_a_text() -> None:
    algo = Scripted([Decision(place=(Place(qty=400, price=D("189.99"), venue="EXCH"),), wake_at=2 * S),
                     Decision(finished=True)])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        tick(oms, S)
        oms.handle(er("EXCH", "C1", "E1", qty=100, px="189.99", status="1", cum=100, avg="189.99"), S + 10)
        outs = tick(oms, 2 * S)
        assert [c.orig_child_id for c in cancels(outs)] == ["C1"]
        assert kinds(outs) == []
        outs = oms.handle(er("EXCH", "C2", "E2", exec_type="4", status="4", cum=100, avg="189.99"), 2 * S + 10)
    r = reports(outs)
    assert [(x.exec_type.value, x.ord_status.value) for x in r] == [("C", "C")]
    assert r[0].cum_qty == 100 and r[0].leaves_qty == 0
    assert r[0].text == "SCRIPTED finished with 900 unfilled"


def test_nothing_is_placed_while_the_client_cancel_is_worked_and_the_cancel_completes() -> None:
    algo = Scripted([Decision(place=(Place(qty=500, price=D("189.99"), venue="EXCH"),), wake_at=2 * S),
                     Decision(place=(Place(qty=500, price=D("189.99")),), wake_at=3 * S)])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        tick(oms, S)
        outs = oms.handle(ClientCancel(session="CLIENT1", cmd=CancelOrder(cl_ord_id="X1", orig_cl_ord_id="A1")),
                          S + 5)
        assert kinds(outs) == [("6", "6")] and len(cancels(outs)) == 1
        assert news(tick(oms, 2 * S)) == []
        outs = oms.handle(er("EXCH", "C2", "E1", exec_type="4", status="4"), 2 * S + 5)
    assert kinds(outs) == [("4", "4")]
    assert news(outs) == [] and len(algo.seen) == 1


def test_a_replace_re_plans_the_algo_with_the_new_quantity() -> None:
    algo = Scripted([Decision(place=(Place(qty=500, price=D("189.99"), venue="EXCH"),), wake_at=2 * S),
                     Decision(place=(Place(qty=2000, price=D("189.99"), venue="EXCH"),), wake_at=3 * S)])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        tick(oms, S)
        oms.handle(ClientReplace(session="CLIENT1", cmd=ReplaceOrder(
            cl_ord_id="A2", orig_cl_ord_id="A1", order_qty=600, ord_type=OrdType.LIMIT, price=D("190.00"))),
            S + 5)
        outs = oms.handle(er("EXCH", "C2", "E1", exec_type="4", status="4"), S + 10)
    assert kinds(outs) == [("5", "0")]
    assert algo.seen[-1][1].qty == 600
    assert [n.qty for n in news(outs)] == [600]


def test_three_children_rejected_in_a_row_end_the_parent() -> None:
    place = Decision(place=(Place(qty=100, price=D("189.99"), venue="EXCH"),), wake_at=10 * S)
    oms, _ = started([place, place, place, place])
    oms.handle(er("EXCH", "C1", "E1", exec_type="8", status="8", text="halted"), S + 1)
    oms.handle(er("EXCH", "C2", "E2", exec_type="8", status="8", text="halted"), S + 2)
    outs = oms.handle(er("EXCH", "C3", "E3", exec_type="8", status="8", text="halted"), S + 3)
    r = reports(outs)
    assert [(x.exec_type.value, x.ord_status.value) for x in r] == [("8", "8")]
    assert r[0].text == "halted"


def test_a_fill_report_carries_the_performance_with_that_fill_in_it() -> None:
    algo = Scripted([Decision(place=(Place(qty=300, price=D("190.00"), venue="EXCH"),), wake_at=2 * S)])
    with scripted(algo):
        oms = make()
        accepted = reports(algo_new(oms))
        tick(oms, S)
        first = reports(oms.handle(er("EXCH", "C1", "E1", qty=100, px="190.00", cum=100, avg="190.00"), S + 10))
        assert len(algo.seen) == 1  # the algo's only tick was before the fill: the figure was asked as reported
        last = reports(oms.handle(er("EXCH", "C1", "E2", qty=200, px="189.99", status="2", cum=300,
                                     avg="189.9933333"), S + 20))
    assert accepted and all(r.target_strategy_performance is None for r in accepted)  # nothing filled yet
    assert [r.exec_type.value for r in first + last] == ["F", "F"]
    assert first[0].target_strategy_performance == first[0].avg_px == D("190.00")
    assert last[0].target_strategy_performance == last[0].avg_px == (D("190.00") + 2 * D("189.99")) / 3


def test_cancel_and_expire_reports_carry_the_performance_too() -> None:
    oms, _ = started([Decision(place=(Place(qty=500, price=D("189.99"), venue="EXCH"),), wake_at=2 * S)])
    oms.handle(er("EXCH", "C1", "E1", qty=100, px="189.99", cum=100, avg="189.99"), S + 5)
    pending = reports(oms.handle(ClientCancel(session="CLIENT1",
                                              cmd=CancelOrder(cl_ord_id="X1", orig_cl_ord_id="A1")), S + 6))
    done = reports(oms.handle(er("EXCH", "C2", "E2", exec_type="4", status="4", cum=100, avg="189.99"), S + 7))
    assert [(r.exec_type.value, r.target_strategy_performance) for r in pending + done] == [
        ("6", D("189.99")), ("4", D("189.99"))]
    algo = Scripted([Decision(place=(Place(qty=400, price=D("189.99"), venue="EXCH"),), wake_at=2 * S),
                     Decision(finished=True)])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        tick(oms, S)
        oms.handle(er("EXCH", "C1", "E1", qty=100, px="189.99", cum=100, avg="189.99"), S + 10)
        tick(oms, 2 * S)
        expired = reports(oms.handle(er("EXCH", "C2", "E2", exec_type="4", status="4", cum=100, avg="189.99"),
                                     2 * S + 10))
    assert [(r.exec_type.value, r.target_strategy_performance) for r in expired] == [("C", D("189.99"))]


def test_algo_info_gives_the_performance_as_the_reports_do() -> None:
    algo = Scripted([Decision(place=(Place(qty=300, price=D("190.00"), venue="EXCH"),), wake_at=2 * S)])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        assert oms.algo_info("O1")["performance"] is None  # type: ignore[index]
        tick(oms, S)
        oms.handle(er("EXCH", "C1", "E1", qty=100, px="190.00", cum=100, avg="190.00"), S + 10)
        assert oms.algo_info("O1")["performance"] == "190.00"  # type: ignore[index]


def test_a_replay_from_the_journal_gives_the_same_outputs() -> None:
    def run() -> tuple[Oms, list[list[Out]]]:
        algo = Scripted([Decision(place=(Place(qty=300, price=None),), wake_at=2 * S),
                         Decision(place=(Place(qty=300, price=None),), finished=True)])
        with scripted(algo):
            oms = make()
            out = [algo_new(oms), tick(oms, S),
                   oms.handle(er("EXCH", "C1", "E1", qty=200, px="190.00", status="1", cum=200, avg="190.00"),
                              S + 5),
                   tick(oms, 2 * S, Market(bid=D("189.98"), ask=D("190.02"), volume=9000, stale="stale: x"))]
        return oms, out

    first, outs = run()
    records = [o.body for batch in outs for o in batch if isinstance(o, Journal) and o.kind == "command"]
    algo = Scripted([Decision(place=(Place(qty=300, price=None),), wake_at=2 * S),
                     Decision(place=(Place(qty=300, price=None),), finished=True)])
    with scripted(algo):
        second = make()
        again = [second.replay(*decode_command(r), r) for r in records]
    assert [[o for o in b if not isinstance(o, Journal)] for b in again] == \
        [[o for o in b if not isinstance(o, Journal)] for b in outs]
    assert second.snapshot() == first.snapshot()
    assert algo.seen[-1][2].stale == "stale: x"


def test_a_venue_exec_for_an_algo_child_is_applied_like_any_other() -> None:
    oms, _ = started([Decision(place=(Place(qty=100, price=D("190.01"), venue="ECN"),), wake_at=2 * S)])
    outs = oms.handle(VenueExec(venue="ECN", child_id="C1", exec_type="F", ord_status="2", exec_id="E1",
                                last_qty=100, last_px=D("190.01"), cum_qty=100, avg_px=D("190.01")), S + 1)
    assert kinds(outs) == [("F", "1")]
    info = oms.algo_info("O1", 2 * S)
    # called at the tick, then again when its child ended (filled)
    assert info is not None and (info["name"], info["target"], info["stats"]) == ("SCRIPTED", 100, {"calls": 2})


def test_a_tick_that_comes_before_its_instant_still_gets_the_next_timer_armed():
    # The runtime's one timer per order fired (early): asking for the same instant again must arm it again.
    algo = Scripted([Decision(wake_at=2 * S), Decision(wake_at=2 * S)])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        assert timers(tick(oms, S)) == [ToAlgoTimer(order_id="O1", at=2 * S)]
        assert timers(tick(oms, 2 * S - 1000)) == [ToAlgoTimer(order_id="O1", at=2 * S)]


def test_an_algo_that_asks_for_more_than_fifty_children_a_second_waits_for_the_second_to_pass():
    many = Decision(place=tuple(Place(qty=1, price=D("189.99"), venue="EXCH") for _ in range(30)), wake_at=S + 10)
    algo = Scripted([many, many, many])
    with scripted(algo):
        oms = make()
        algo_new(oms)
        first = tick(oms, S)
        second = tick(oms, S + 10)
        assert len(news(first)) == 30 and len(news(second)) == 20
        assert timers(second) == [ToAlgoTimer(order_id="O1", at=2 * S)]
        assert len(news(tick(oms, 2 * S))) == 30
