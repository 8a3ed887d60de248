"""The OMS core under random venue trade corrections (ER G) and busts (ER H), mixed with fills, outages,
status replies, cancels and venue ends (oms_corrections.py).

A venue model keeps each child's executions. While a venue is down its fills
are not reported (lost for good); on its return the OMS asks for status and
the reply's CumQty tells of them, so the OMS holds them only inside fills it
priced from a CumQty. Busts and corrections pick any live execution of a
child at a venue that is up: one the OMS saw in its own ER F, or one it only
knows from a CumQty.

Invariants after every step: no CumQty is negative; a parent's CumQty is the
sum of its children's and LeavesQty = OrderQty - CumQty while it is open;
each child's CumQty is the one its venue last reported; risk positions are the
signed sum of what the client was told (F adds, G restates, H removes); a bust
or correction of an execution the OMS saw in its own ER F reaches the client
exactly once, as ER H / G naming the ExecID the client was given; a repeated
report reaches it never. Two cores fed the same commands give the same outputs
and states, and every command survives its journal record.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal as D

from hypothesis import event, given, settings, strategies as st

from oms_fix.domain import CancelOrder, ExecType, NewOrder, OrdType, Phase, Report, Side
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import (ClientCancel, ClientNew, Command, InstrumentRules, Out, ToClient, ToVenueCancel,
                                      ToVenueNew, ToVenueStatus, VenueDown, VenueExec, VenueRule, VenueUp)
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.marketdata.consolidated import ConsolidatedBook

VENUES = ("EXCH", "ECN")
_SIGN = {"1": 1, "2": -1}


def make() -> Oms:
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("99.99"), 300)], [(D("100.01"), 200)])
    book.snapshot("ECN", "AAPL", [(D("100.00"), 100)], [(D("100.01"), 300), (D("100.02"), 100)])
    risk = RiskEngine(RiskConfig(defaults=Limits(max_order_qty=2000)), {"AAPL": D("100.00")}, {"AAPL": D("0.01")})
    return Oms({"AAPL": InstrumentRules(tick=D("0.01"), lot=10)}, risk, book, [VenueRule(name=v) for v in VENUES])


@dataclass
class VenueChild:
    venue: str
    qty: int
    price: D | None
    execs: dict[str, tuple[int, D]] = field(default_factory=dict)  # live ExecID (latest version) -> qty, px
    ended: str = ""  # "4" / "C": canceled or expired at the venue
    told: int = 0  # the CumQty of the last report the OMS got
    cancel_ids: list[str] = field(default_factory=list)

    @property
    def cum(self) -> int:
        return sum(q for q, _ in self.execs.values())

    def status(self) -> tuple[str, int]:
        if self.ended:
            return self.ended, 0
        return ("2", 0) if self.cum >= self.qty else ("1" if self.cum else "0", self.qty - self.cum)

    @property
    def live(self) -> bool:
        return not self.ended and self.cum < self.qty


class Driver:
    def __init__(self) -> None:
        self.a, self.b = make(), make()
        self.now = 0
        self.children: dict[str, VenueChild] = {}
        self.down: set[str] = set()
        self.statuses: list[str] = []
        self.parents: list[str] = []  # ClOrdIDs
        self.n = 0
        self.seen_by_oms: dict[str, str] = {}  # venue ExecID the OMS applied on its own -> the client's ExecID
        self.client_qty: dict[str, list[int]] = {}  # any client ExecID of an execution -> [its qty] (shared)
        self.position = 0
        self.last: VenueExec | None = None

    def next_id(self) -> str:
        self.n += 1
        return f"V{self.n}"

    def feed(self, cmd: Command) -> list[Report]:
        self.now += 1
        out = self.a.handle(cmd, self.now)
        assert out == self.b.handle(cmd, self.now), "deterministic"
        record = json.loads(json.dumps(out[0].body))  # type: ignore[union-attr]
        assert decode_command(record) == (cmd, self.now), "the journal record gives the command back"
        got = self.absorb(out)
        self.check()
        return got

    def absorb(self, outs: list[Out]) -> list[Report]:
        got = []
        for o in outs:
            if isinstance(o, ToVenueNew):
                self.children[o.child_id] = VenueChild(o.venue, o.qty, o.price)
            elif isinstance(o, ToVenueCancel):
                self.children[o.orig_child_id].cancel_ids.append(o.child_id)
            elif isinstance(o, ToVenueStatus):
                self.statuses.append(o.child_id)
            elif isinstance(o, ToClient) and isinstance(o.msg, Report):
                r = o.msg
                got.append(r)
                sign = _SIGN[r.side.value]
                if r.exec_type is ExecType.TRADE:
                    self.client_qty[r.exec_id] = [r.last_qty]
                    self.position += sign * r.last_qty
                elif r.exec_type in (ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL):
                    assert r.exec_ref_id is not None
                    rec = self.client_qty[r.exec_ref_id]
                    self.position += sign * (r.last_qty - rec[0])
                    rec[0] = r.last_qty
                    self.client_qty[r.exec_id] = rec
        return got

    def report(self, cid: str, exec_type: str, exec_id: str, last_qty: int = 0, px: D | None = None,
               ref: str = "", via: str | None = None) -> list[Report]:
        c = self.children[cid]
        status, leaves = c.status()
        c.told = c.cum
        self.last = VenueExec(venue=c.venue, child_id=via or cid, exec_type=exec_type, ord_status=status,
                              exec_id=exec_id, last_qty=last_qty, last_px=px, cum_qty=c.cum, leaves_qty=leaves,
                              exec_ref_id=ref)
        return self.feed(self.last)

    def pick(self, k: int, want) -> str | None:
        ids = [cid for cid, c in self.children.items() if c.venue not in self.down and want(c)]
        return ids[k % len(ids)] if ids else None

    # -- steps ---------------------------------------------------------------------------

    def new(self, lots: int, ticks: int, side: str, ioc: bool) -> None:
        cl = f"N{len(self.parents) + 1}"
        self.parents.append(cl)
        self.feed(ClientNew(session="S", account="ACC001", order=NewOrder(
            cl_ord_id=cl, symbol="AAPL", side=Side(side), order_qty=lots * 10, ord_type=OrdType.LIMIT,
            price=D("100.00") + D("0.01") * ticks, time_in_force=TIF.IMMEDIATE_OR_CANCEL if ioc else TIF.DAY)))

    def fill(self, k: int, qty: int, ticks: int) -> None:
        live = [cid for cid, c in self.children.items() if c.live]
        if not live:
            return
        cid = live[k % len(live)]
        c = self.children[cid]
        q = min(qty, c.qty - c.cum)
        px = (c.price or D("100.00")) - D("0.01") * ticks
        exec_id = self.next_id()
        c.execs[exec_id] = (q, px)
        if c.venue in self.down:
            event("a fill the OMS only learns of from a CumQty")
            return
        got = self.report(cid, "F", exec_id, q, px)
        trades = [r for r in got if r.exec_type is ExecType.TRADE]
        self.seen_by_oms[exec_id] = trades[-1].exec_id

    def change(self, k: int, j: int, qty: int, ticks: int) -> None:
        """The venue busts (qty 0) or corrects an execution of a child at a venue that is up."""
        cid = self.pick(k, lambda c: bool(c.execs))
        if cid is None:
            return
        c = self.children[cid]
        ref = list(c.execs)[j % len(c.execs)]
        old, px = c.execs.pop(ref)
        exec_id = self.next_id()
        new_px = px + D("0.01") * ticks
        if qty:
            c.execs[exec_id] = (qty, new_px)
        known = self.seen_by_oms.pop(ref, None)
        event(f"{'a correction' if qty else 'a bust'} of an execution the OMS {'saw' if known else 'did not see'}")
        got = self.report(cid, "G" if qty else "H", exec_id, qty, new_px if qty else None, ref=ref)
        if known is None and any(r.exec_type in (ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL) for r in got):
            event("a bust or correction taken from a fill priced from a CumQty")
        if known is not None:
            mine = [r for r in got if r.exec_ref_id == known]
            assert [(r.exec_type, r.last_qty) for r in mine] == [
                (ExecType.TRADE_CORRECT if qty else ExecType.TRADE_CANCEL, qty)], "told once, naming its ExecID"
            if qty:
                self.seen_by_oms[exec_id] = mine[0].exec_id

    def repeat(self) -> None:
        if self.last is not None and self.last.exec_type != "I" and self.last.venue not in self.down:
            assert not self.feed(self.last), "a repeated report tells the client nothing"

    def end(self, k: int, exec_type: str) -> None:
        cid = self.pick(k, lambda c: not c.ended and c.cum < c.qty)
        if cid is None:
            return
        c = self.children[cid]
        c.ended = exec_type
        self.report(cid, exec_type, self.next_id(), via=c.cancel_ids[-1] if c.cancel_ids and exec_type == "4" else None)

    def cancel(self, k: int) -> None:
        if self.parents:
            self.n += 1
            self.feed(ClientCancel(session="S", cmd=CancelOrder(cl_ord_id=f"K{self.n}",
                                                                orig_cl_ord_id=self.parents[k % len(self.parents)])))

    def outage(self, venue: str) -> None:
        if venue in self.down:
            self.down.discard(venue)
            self.feed(VenueUp(venue=venue))
        else:
            self.down.add(venue)
            self.feed(VenueDown(venue=venue))

    def blip(self, k: int, fills: list[tuple[int, int]]) -> None:
        """The venue of a live child drops, fills it unreported, comes back and answers the status request."""
        cid = self.pick(k, lambda c: c.live)
        if cid is None:
            return
        venue = self.children[cid].venue
        self.outage(venue)
        for qty, ticks in fills:
            self.fill(list(self.children).index(cid), qty, ticks)
        self.outage(venue)
        self.status_reply()

    def status_reply(self) -> None:
        while self.statuses:
            cid = self.statuses.pop(0)
            c = self.children[cid]
            if c.venue not in self.down:
                self.report(cid, "I", "0")

    # -- invariants ------------------------------------------------------------------------

    def check(self) -> None:
        oms = self.a
        for pid, parent in oms._parents.items():
            o = parent.order
            kids = oms.children(pid)
            assert o.cum_qty >= 0 and all(c.cum >= 0 for c in kids)
            assert o.cum_qty == sum(c.cum for c in kids), pid
            if o.phase is Phase.OPEN:
                assert o.leaves_qty == o.order_qty - o.cum_qty
        for cid, c in oms._children.items():
            assert c.cum == self.children[cid].told, f"{cid}: the venue's last CumQty"
        assert oms._risk.position("ACC001", "AAPL").position == self.position


STEP = st.one_of(
    st.tuples(st.just("new"), st.integers(1, 30), st.integers(-3, 3), st.sampled_from(["1", "2"]), st.booleans()),
    st.tuples(st.just("fill"), st.integers(0, 50), st.integers(1, 200), st.integers(0, 2)),
    st.tuples(st.just("fill"), st.integers(0, 50), st.integers(1, 200), st.integers(0, 2)),
    st.tuples(st.just("change"), st.integers(0, 50), st.integers(0, 50), st.just(0), st.integers(-2, 2)),
    st.tuples(st.just("change"), st.integers(0, 50), st.integers(0, 50), st.integers(1, 200), st.integers(-2, 2)),
    st.tuples(st.just("repeat")),
    st.tuples(st.just("end"), st.integers(0, 50), st.sampled_from(["4", "C"])),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("outage"), st.sampled_from(VENUES)),
    st.tuples(st.just("status")),
    *[st.tuples(st.just("blip"), st.integers(0, 50), st.lists(st.tuples(st.integers(1, 100), st.integers(0, 2)),
                                                               min_size=1, max_size=3))] * 2,
)
EXAMPLES = int(os.environ.get("OMS_CORRECTIONS_PROPS_EXAMPLES", "150"))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(STEP, min_size=10, max_size=50))
def test_random_busts_and_corrections_keep_the_invariants(steps: list[tuple]) -> None:
    d = Driver()
    for step in steps:
        match step:
            case ("new", lots, ticks, side, ioc):
                d.new(lots, ticks, side, ioc)
            case ("fill", k, qty, ticks):
                d.fill(k, qty, ticks)
            case ("change", k, j, qty, ticks):
                d.change(k, j, qty, ticks)
            case ("repeat",):
                d.repeat()
            case ("end", k, exec_type):
                d.end(k, exec_type)
            case ("cancel", k):
                d.cancel(k)
            case ("outage", venue):
                d.outage(venue)
            case ("status",):
                d.status_reply()
            case ("blip", k, fills):
                d.blip(k, fills)
    for venue in sorted(d.down):
        d.outage(venue)
    d.status_reply()
    for cid, c in d.a._children.items():
        assert c.cum == d.children[cid].cum, f"{cid}: once every venue answered, the OMS has its CumQty"
    assert d.a.snapshot() == d.b.snapshot()
