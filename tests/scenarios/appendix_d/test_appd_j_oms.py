"""Appendix D group J (trade corrections and busts) through the OMS core, with the sell side's executions
coming from a scripted venue: the venue sends ER F / G / H about the child order, and the client must get
the spec's SS rows, ExecRefID naming the ExecID *the client* was told (oms_corrections.py).

The order is pinned to one venue (ExDestination), so the child is the whole order and the venue's own
rows mirror the spec's. Letters name executions on both sides: ``d.letters`` binds a letter to the
client-facing ExecID (harness.Expect), ``d.venue_ids`` to the venue's.

Where the OMS differs from the spec's rows (each noted at its step): it acknowledges a cancel at once (no
step without a report), and renews a GT order on a new day without a Restated report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from oms_fix.domain import CancelOrder, NewOrder, OrdType, Report, Side, TimeInForce
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_types import (ClientCancel, ClientNew, Command, InstrumentRules, NewDay, ToClient,
                                      ToVenueCancel, ToVenueNew, VenueExec, VenueRule)
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.marketdata.consolidated import ConsolidatedBook
from tests.scenarios.appendix_d.harness import Expect, er

D = Decimal
VENUE = "EXCH"


@dataclass
class VenueOrder:
    qty: int
    cum: int = 0
    ended: str = ""  # "4" canceled, "3" done for day
    execs: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # live venue ExecID -> (qty, px)

    def status(self) -> tuple[str, int]:
        if self.ended:
            return self.ended, 0
        return ("2" if self.cum >= self.qty else "1" if self.cum else "0"), max(0, self.qty - self.cum)


class Run:
    """The OMS core and one scripted venue on a virtual clock."""

    def __init__(self) -> None:
        risk = RiskEngine(RiskConfig(defaults=Limits()), {"AAPL": D("110")}, {"AAPL": D("0.01")})
        self.oms = Oms({"AAPL": InstrumentRules(tick=D("0.01"), lot=100)}, risk, ConsolidatedBook(),
                       [VenueRule(name=VENUE)])
        self.now = 1_000_000_000
        self.letters: dict[str, str] = {}  # spec letter -> client-facing ExecID (harness.Expect binds it)
        self.venue_ids: dict[str, str] = {}  # spec letter -> the venue's ExecID
        self.orders: dict[str, VenueOrder] = {}  # child id -> the venue's view
        self.cancels: dict[str, str] = {}  # cancel ClOrdID -> child id
        self.child = ""  # the newest child
        self._n = 0

    def feed(self, cmd: Command) -> list[Report]:
        self.now += 1_000_000
        outs = self.oms.handle(cmd, self.now)
        for o in outs:
            if isinstance(o, ToVenueNew):
                self.orders[o.child_id] = VenueOrder(o.qty)
                self.child = o.child_id
            elif isinstance(o, ToVenueCancel):
                self.cancels[o.child_id] = o.orig_child_id
        return [o.msg for o in outs if isinstance(o, ToClient) and isinstance(o.msg, Report)]

    def venue_report(self, child: str, exec_type: str, letter: str, last_qty: int = 0, px: Decimal | None = None,
                     ref: str = "", via: str | None = None) -> list[Report]:
        v = self.orders[child]
        self._n += 1
        self.venue_ids[letter] = exec_id = f"V{self._n}"
        status, leaves = v.status()
        return self.feed(VenueExec(venue=VENUE, child_id=via or child, exec_type=exec_type, ord_status=status,
                                   exec_id=exec_id, last_qty=last_qty, last_px=px, cum_qty=v.cum, leaves_qty=leaves,
                                   avg_px=sum((q * p for q, p in v.execs.values()), D(0)) / v.cum if v.cum else None,
                                   exec_ref_id=self.venue_ids.get(ref, "")))


Action = Callable[[Run], Sequence[Report]]


def new(cl: str, qty: int, tif: TimeInForce = TimeInForce.DAY) -> Action:
    order = NewOrder(cl_ord_id=cl, symbol="AAPL", side=Side.BUY, order_qty=qty, ord_type=OrdType.LIMIT,
                     price=D("150"), time_in_force=tif)
    return lambda r: r.feed(ClientNew(session="CLIENT1", account="ACC001", order=order, ex_destination=VENUE))


def fill(letter: str, qty: int, px: Decimal, child: int = -1) -> Action:
    def act(r: Run) -> Sequence[Report]:
        cid = list(r.orders)[child]
        v = r.orders[cid]
        v.cum += qty
        report = r.venue_report(cid, "F", letter, qty, px)
        v.execs[r.venue_ids[letter]] = (qty, px)
        return report
    return act


def _find(r: Run, ref: str) -> tuple[str, VenueOrder]:
    return next((c, v) for c, v in r.orders.items() if r.venue_ids[ref] in v.execs)


def bust(letter: str, ref: str) -> Action:
    def act(r: Run) -> Sequence[Report]:
        cid, v = _find(r, ref)
        qty, _ = v.execs.pop(r.venue_ids[ref])
        v.cum -= qty
        return r.venue_report(cid, "H", letter, ref=ref)
    return act


def correct(letter: str, ref: str, qty: int, px: Decimal) -> Action:
    def act(r: Run) -> Sequence[Report]:
        cid, v = _find(r, ref)
        old, _ = v.execs.pop(r.venue_ids[ref])
        v.cum += qty - old
        report = r.venue_report(cid, "G", letter, qty, px, ref=ref)
        v.execs[r.venue_ids[letter]] = (qty, px)
        return report
    return act


def cancel(cl: str, orig: str) -> Action:
    return lambda r: r.feed(ClientCancel(session="CLIENT1", cmd=CancelOrder(cl_ord_id=cl, orig_cl_ord_id=orig)))


def venue_ends(exec_type: str) -> Action:
    """The venue ends the newest child: "4" confirms the OMS's cancel, "3" is its end of day."""
    def act(r: Run) -> Sequence[Report]:
        v = r.orders[r.child]
        v.ended = exec_type
        via = next((c for c, o in r.cancels.items() if o == r.child), None) if exec_type == "4" else None
        return r.venue_report(r.child, exec_type, f"end{r.child}", via=via)
    return act


def new_day(day: str) -> Action:
    return lambda r: r.feed(NewDay(day=day))


Step = tuple[str, Action, Sequence[Expect]]


def run(steps: Sequence[Step], name: str) -> Run:
    r = Run()
    for label, action, expected in steps:
        where = f"{name} step {label}"
        outs = list(action(r))
        assert len(outs) == len(expected), f"{where}: sent {outs}, expected {len(expected)} message(s)"
        for out, want in zip(outs, expected):
            want.check(out, r, where)  # type: ignore[arg-type]  # Run has the `letters` Expect uses
    return r


# Steps 9-12 (a replace raising OrderQty on the filled order, then a correction under the new ClOrdID) are the
# domain's (test_appd_h_to_l.py): the OMS refuses to re-open a filled order by a replace (risk no longer
# tracks it), so they cannot be driven through it.
J_1_a = [
    ("1-2", new("X", 10000), [er("X", None, 10000, 0, 10000, 0, "0", "0", avg_px=0, exec="B")]),
    ("3", fill("C", 1000, D(100)), [er("X", None, 10000, 1000, 9000, 1000, "F", "1", avg_px=100, last_px=100,
                                       exec="C")]),
    ("4", fill("D", 9000, D(110)), [er("X", None, 10000, 10000, 0, 9000, "F", "2", avg_px=109, last_px=110,
                                       exec="D")]),
    ("5", bust("E", "C"), [er("X", None, 10000, 9000, 1000, 0, "H", "1", avg_px=110, last_px=0, exec="E",
                              ref="C")]),
    ("6", correct("F", "D", 9000, D(100)), [er("X", None, 10000, 9000, 1000, 9000, "G", "1", avg_px=100,
                                               last_px=100, exec="F", ref="D")]),
    ("7", fill("G", 1000, D(120)), [er("X", None, 10000, 10000, 0, 1000, "F", "2", avg_px=102, last_px=120,
                                       exec="G")]),
    ("8", correct("H", "F", 9000, D(120)), [er("X", None, 10000, 10000, 0, 9000, "G", "2", avg_px=120,
                                               last_px=120, exec="H", ref="F")]),
]

J_1_b = [
    ("1-2", new("X", 10000), [er("X", None, 10000, 0, 10000, 0, "0", "0", exec="A")]),
    ("3", fill("B", 5000, D(50)), [er("X", None, 10000, 5000, 5000, 5000, "F", "1", last_px=50, exec="B")]),
    ("4-5", cancel("Y", "X"), [er("Y", "X", 10000, 5000, 5000, 0, "6", "6", exec="C")]),
    ("6", venue_ends("4"), [er("Y", "X", 10000, 5000, 0, 0, "4", "4", exec="D")]),
    ("7", bust("E", "B"), [er("X", None, 10000, 0, 0, 0, "H", "4", exec="E", ref="B")]),
    ("8", fill("F", 4000, D(51)), [er("X", None, 10000, 4000, 0, 4000, "F", "4", last_px=51, exec="F")]),
]

J_1_c = [
    ("1-2", new("X", 10000, TimeInForce.GOOD_TILL_CANCEL), [er("X", None, 10000, 0, 10000, 0, "0", "0", exec="A")]),
    ("3", fill("B", 2000, D(50)), [er("X", None, 10000, 2000, 8000, 2000, "F", "1", exec="B")]),
    ("4", venue_ends("3"), [er("X", None, 10000, 2000, 8000, 0, "3", "3", exec="C")]),  # GT keeps its leaves
    ("5", new_day("D2"), []),  # renewed silently; its leaves go to the venue again as a new child
    ("6", fill("E", 1000, D(50)), [er("X", None, 10000, 3000, 7000, 1000, "F", "1", doq=8000, dcq=1000, exec="E")]),
    ("7", correct("F", "B", 1500, D(50)), [er("X", None, 10000, 2500, 7500, 1500, "G", "1", doq=8500, dcq=1000,
                                              exec="F", ref="B")]),
    ("8", correct("G", "E", 500, D(50)), [er("X", None, 10000, 2000, 8000, 500, "G", "1", doq=8500, dcq=500,
                                             exec="G", ref="E")]),
]

J_1_d = [
    ("1-2", new("X", 10000), [er("X", None, 10000, 0, 10000, 0, "0", "0", exec="A")]),
    ("3", fill("B", 5000, D(50)), [er("X", None, 10000, 5000, 5000, 5000, "F", "1", last_px=50, exec="B")]),
    ("4", venue_ends("3"), [er("X", None, 10000, 5000, 0, 0, "3", "3", exec="C")]),
    ("5", correct("D", "B", 4000, D(50)), [er("X", None, 10000, 4000, 0, 4000, "G", "3", last_px=50, exec="D",
                                              ref="B")]),
    ("6", bust("E", "D"), [er("X", None, 10000, 0, 0, 0, "H", "3", exec="E", ref="D")]),
]

SCENARIOS = {"J.1.a": J_1_a, "J.1.b": J_1_b, "J.1.c": J_1_c, "J.1.d": J_1_d}


@pytest.mark.parametrize("name", SCENARIOS)
def test_appendix_d_j_through_the_oms(name: str) -> None:
    run(SCENARIOS[name], name)


def test_j_1_a_the_bust_reopens_the_child_at_its_venue_and_risk_counts_the_leaves_again() -> None:
    r = run(J_1_a[:5], "J.1.a")
    (child,) = r.oms.children("O1")
    assert (child.done, child.cum) == (False, 9000), "the venue reopened it: it works the 1000 again"
    assert r.oms._risk.working("ACC001", "AAPL", "1") == 1000
    assert r.oms._risk.position("ACC001", "AAPL").position == 9000


def test_j_1_c_the_correction_of_yesterdays_fill_routes_the_leaves_no_child_covers() -> None:
    r = run(J_1_c[:6], "J.1.c")
    kids = r.oms.children("O1")
    assert [(c.qty, c.cum, c.live) for c in kids] == [(10000, 1500, False), (8000, 1000, True), (500, 0, True)]
    assert r.oms._risk.position("ACC001", "AAPL").position == 2500
    J_1_c[6][1](r)  # today's fill 1000 -> 500: the venue's child works 500 more itself, nothing new is routed
    assert [(c.qty, c.cum, c.live) for c in r.oms.children("O1")] == [
        (10000, 1500, False), (8000, 500, True), (500, 0, True)]
    assert r.oms._risk.working("ACC001", "AAPL", "1") == 8000
