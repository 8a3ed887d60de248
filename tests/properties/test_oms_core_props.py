"""The OMS core under random client orders, venue fills, cancels, replaces, outages and kills.

A small venue model answers the core's child orders: fills never exceed a
child's quantity, some fills are reported twice, and fills while a venue is
down are reported late: their ER F is lost with the session and resent after
it is back (an ExecID the OMS never saw), while the venue's CumQty on a later
report (F, a status reply I, an end 4/C/8) may have told of them first.

Two cores get the same commands: the second as a restart replays them, from
the journal record alone and with no market data. Invariants after every step: a parent's
CumQty is the sum of its children's applied fills; each child's applied fills
are exactly the highest CumQty its venue reported (none lost, none counted
twice), at the fills' own prices when the OMS saw every ER F in order, else
to within a tick of the venue's AvgPx; LeavesQty = OrderQty - CumQty while
working; risk positions are the signed sum of the fills clients saw; both
cores give the same outputs. At the end every venue comes back, answers and
resends what it lost: the OMS then knows every venue fill, and both cores end
in the same state.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal as D

from hypothesis import event, example, given, settings, strategies as st

from oms_fix.domain import CancelOrder, ExecType, NewOrder, OrdType, Phase, ReplaceOrder, Report, Side
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import (ClientCancel, ClientNew, ClientReplace, Command, InstrumentRules, Kill, Out,
                                      Revive, ToClient, ToVenueCancel, ToVenueNew, ToVenueStatus, VenueDown,
                                      VenueExec, VenueRule, VenueUp)
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.marketdata.consolidated import ConsolidatedBook

VENUES = ("EXCH", "ECN")
ACCOUNTS = ("ACC001", "ACC002")
_SIGN = {"1": 1, "2": -1}


def make(book: ConsolidatedBook | None = None) -> Oms:
    if book is not None:
        return Oms({"AAPL": InstrumentRules(tick=D("0.01"), lot=10)}, _risk(), book,
                   [VenueRule(name="EXCH"), VenueRule(name="ECN")])
    book = ConsolidatedBook()
    book.snapshot("EXCH", "AAPL", [(D("99.99"), 300)], [(D("100.01"), 200)])
    book.snapshot("ECN", "AAPL", [(D("100.00"), 100)], [(D("100.01"), 300), (D("100.02"), 100)])
    return Oms({"AAPL": InstrumentRules(tick=D("0.01"), lot=10)}, _risk(), book,
               [VenueRule(name="EXCH"), VenueRule(name="ECN")])


def _risk() -> RiskEngine:
    return RiskEngine(RiskConfig(defaults=Limits(max_order_qty=2000)), {"AAPL": D("100.00")}, {"AAPL": D("0.01")})


@dataclass
class VenueChild:
    venue: str
    qty: int
    price: D | None
    cum: int = 0  # filled at the venue
    told: int = 0  # fills the venue reported to the OMS
    live: bool = True
    notional: D = D(0)
    cancel_ids: list[str] = field(default_factory=list)
    exact: bool = True  # every fill reached the OMS in its own ER F, in order: its prices are known exactly

    def avg_px(self) -> D | None:
        return (self.notional / self.cum).quantize(D("0.000001")) if self.cum else None


class Driver:
    """Turns abstract steps into commands, feeds both cores, answers like the venues would."""

    def __init__(self) -> None:
        self.a, self.b = make(), make(ConsolidatedBook())
        self.now = 0
        self.children: dict[str, VenueChild] = {}
        self.sent_fills: list[VenueExec] = []
        self.statuses: list[str] = []
        self.delayed: list[VenueExec] = []  # ER F sent while the venue's session was down
        self.down: set[str] = set()
        self.cl = 0
        self.parents: list[tuple[str, str]] = []  # (session, current ClOrdID)
        self.client_fills: dict[tuple[str, str], int] = {}
        self.exec_ids = 0

    def feed(self, cmd: Command) -> None:
        self.now += 1
        out_a = self.a.handle(cmd, self.now)
        # The second core is rebuilt as a restart would: from the journal record alone, with
        # no market data, so its routing must come from the record.
        record = json.loads(json.dumps(out_a[0].body))
        cmd_b, now_b = decode_command(record)
        assert out_a == self.b.replay(cmd_b, now_b, record), "deterministic"
        self.absorb(out_a)
        self.check()

    def absorb(self, outs: list[Out]) -> None:
        for o in outs:
            if isinstance(o, ToVenueNew):
                self.children[o.child_id] = VenueChild(o.venue, o.qty, o.price)
            elif isinstance(o, ToVenueCancel):
                self.children[o.orig_child_id].cancel_ids.append(o.child_id)
            elif isinstance(o, ToVenueStatus):
                self.statuses.append(o.child_id)
            elif isinstance(o, ToClient) and isinstance(o.msg, Report) and o.msg.exec_type is ExecType.TRADE:
                r = o.msg
                key = (r.account, r.symbol)
                self.client_fills[key] = self.client_fills.get(key, 0) + _SIGN[r.side.value] * r.last_qty

    def live(self, k: int, up: bool = True) -> str | None:
        """The k-th live child at a venue that is up; with ``up=False`` at one that is down if any."""
        ids = [c for c, v in self.children.items() if v.live and (v.venue in self.down) != up]
        if not ids and not up:
            ids = [c for c, v in self.children.items() if v.live]
        return ids[k % len(ids)] if ids else None

    def next_exec(self) -> str:
        self.exec_ids += 1
        return f"E{self.exec_ids}"

    # -- steps ------------------------------------------------------------------------

    def new(self, lots: int, ticks: int, side: str, ioc: bool, acct: int) -> None:
        self.cl += 1
        cl = f"N{self.cl}"
        order = NewOrder(cl_ord_id=cl, symbol="AAPL", side=Side(side), order_qty=lots * 10, ord_type=OrdType.LIMIT,
                         price=D("100.00") + D("0.01") * ticks,
                         time_in_force=TIF.IMMEDIATE_OR_CANCEL if ioc else TIF.DAY)
        self.parents.append((f"S{acct}", cl))
        self.feed(ClientNew(session=f"S{acct}", account=ACCOUNTS[acct], order=order))

    def fill(self, k: int, qty: int, ticks: int, hidden: bool) -> None:
        cid = self.live(k, up=not hidden)
        if cid is None:
            return
        c = self.children[cid]
        q = min(qty, c.qty - c.cum)
        if q <= 0:
            return
        px = (c.price or D("100.00")) - D("0.01") * ticks
        c.cum += q
        c.notional += q * px
        if c.cum == c.qty:
            c.live = False
        er = VenueExec(venue=c.venue, child_id=cid, exec_type="F", ord_status="2" if c.cum == c.qty else "1",
                       exec_id=self.next_exec(), last_qty=q, last_px=px, cum_qty=c.cum, leaves_qty=c.qty - c.cum,
                       avg_px=c.avg_px())
        if hidden and c.venue in self.down:
            self.delayed.append(er)  # lost with the session: resent after it is back, maybe after a status reply
            c.exact = False  # the OMS may learn of it from a CumQty first, priced to the venue's AvgPx
            return
        self.deliver(er)

    def deliver(self, er: VenueExec) -> None:
        c = self.children[er.child_id]
        if er.cum_qty - c.told > er.last_qty:
            event("an ER F's CumQty reveals fills the OMS missed")
        elif er.cum_qty - c.told < er.last_qty:
            event("a late ER F whose fill a CumQty already told")
        c.told = max(c.told, er.cum_qty)
        self.sent_fills.append(er)
        self.feed(er)

    def late(self, k: int) -> None:
        """The venue resends a report lost in an outage (an ExecID the OMS never saw)."""
        ready = [i for i, er in enumerate(self.delayed) if er.venue not in self.down]
        if ready:
            self.deliver(self.delayed.pop(ready[k % len(ready)]))

    def resend(self, k: int) -> None:
        if self.sent_fills:
            self.feed(self.sent_fills[k % len(self.sent_fills)])

    def end_child(self, k: int, exec_type: str) -> None:
        """The venue ends a child: confirms a cancel the OMS asked for, or cancels/expires it on its own."""
        cid = self.live(k)
        if cid is None:
            return
        c = self.children[cid]
        c.live = False
        if c.cum > c.told:
            event(f"an ER {exec_type}'s CumQty reveals fills the OMS missed")
        c.told = c.cum  # its CumQty counts fills the OMS may not have heard of yet
        via = c.cancel_ids[-1] if c.cancel_ids and exec_type == "4" else cid
        self.feed(VenueExec(venue=c.venue, child_id=via, exec_type=exec_type, ord_status=exec_type,
                            exec_id=self.next_exec(), cum_qty=c.cum, avg_px=c.avg_px()))

    def status_reply(self) -> None:
        while self.statuses:
            cid = self.statuses.pop(0)
            c = self.children[cid]
            if c.venue in self.down:
                continue
            if c.cum > c.told:
                event("an ER I reveals fills the OMS missed")
            c.told = c.cum
            self.feed(VenueExec(venue=c.venue, child_id=cid, exec_type="I", ord_status="1" if c.live else "4",
                                exec_id="0", cum_qty=c.cum, leaves_qty=c.qty - c.cum if c.live else 0,
                                avg_px=c.avg_px()))

    def cancel(self, k: int) -> None:
        if self.parents:
            session, orig = self.parents[k % len(self.parents)]
            self.cl += 1
            self.feed(ClientCancel(session=session, cmd=CancelOrder(cl_ord_id=f"N{self.cl}", orig_cl_ord_id=orig)))

    def replace(self, k: int, lots: int, ticks: int) -> None:
        if self.parents:
            i = k % len(self.parents)
            session, orig = self.parents[i]
            self.cl += 1
            cl = f"N{self.cl}"
            self.feed(ClientReplace(session=session, cmd=ReplaceOrder(
                cl_ord_id=cl, orig_cl_ord_id=orig, order_qty=lots * 10, price=D("100.00") + D("0.01") * ticks)))
            order = self.a._sessions[session].get(cl)
            if order is not None and order.cl_ord_id == cl:
                self.parents[i] = (session, cl)

    def outage(self, venue: str) -> None:
        if venue in self.down:
            self.down.discard(venue)
            self.feed(VenueUp(venue=venue))
        else:
            self.down.add(venue)
            self.feed(VenueDown(venue=venue))

    def blip(self, k: int, fills: list[tuple[int, int, int]]) -> None:
        """The venue of the k-th live child drops, fills there while it is down, and comes back: the
        reports after (F, I, an end, the lost F resent) must account for those fills exactly once."""
        cid = self.live(k, up=True)
        if cid is None:
            return
        venue = self.children[cid].venue
        self.outage(venue)
        for j, qty, ticks in fills:
            self.fill(j, qty, ticks, hidden=True)
        self.outage(venue)

    def drain(self) -> None:
        """Every venue comes back, answers every status request, and resends every lost report: then the
        OMS must know each child's fills exactly as its venue does (none lost, none counted twice)."""
        for venue in sorted(self.down):
            self.outage(venue)
        self.status_reply()
        while self.delayed:
            self.late(0)
        for cid, c in self.a._children.items():
            assert c.cum == self.children[cid].cum, f"{cid}: a venue fill was lost"

    # -- invariants --------------------------------------------------------------------

    def check(self) -> None:
        oms = self.a
        for pid, parent in oms._parents.items():
            o = parent.order
            kids = oms.children(pid)
            assert o.cum_qty == sum(c.cum for c in kids), pid
            if o.phase is Phase.OPEN:
                assert o.leaves_qty == o.order_qty - o.cum_qty
        for cid, c in oms._children.items():
            v = self.children[cid]
            assert c.cum == v.told, f"{cid}: every venue fill applied exactly once"
            if v.told == v.cum:  # the OMS knows all its fills: at their prices, or at the venue's AvgPx
                assert abs(c.notional - v.notional) <= (D(0) if v.exact else D("0.01") * v.cum), cid
        for (account, symbol), qty in self.client_fills.items():
            assert oms._risk.position(account, symbol).position == qty


_NEW = st.tuples(st.just("new"), st.integers(1, 30), st.integers(-3, 3), st.sampled_from(["1", "2"]), st.booleans(),
              st.integers(0, 1))
_FILL = st.tuples(st.just("fill"), st.integers(0, 50), st.one_of(st.integers(1, 40), st.integers(1, 300)),
                  st.integers(0, 2), st.booleans())
# Each kind of step with its weight (st.one_of would pick the kinds alike). Fills, outages and new orders
# dominate: the flows that lose or double count fills need a child working at a venue that goes down, fills
# there while it is down, and reports (F, I, an end, a resent lost F) after it comes back.
_KINDS: list[tuple[int, st.SearchStrategy[tuple]]] = [
    (3, _NEW),
    (5, _FILL),
    (2, st.tuples(st.just("outage"), st.sampled_from(VENUES))),
    (2, st.tuples(st.just("blip"), st.integers(0, 50),
                  st.lists(st.tuples(st.integers(0, 50), st.integers(1, 40), st.integers(0, 2)), max_size=3))),
    (1, st.tuples(st.just("resend"), st.integers(0, 50))),
    (2, st.tuples(st.just("end"), st.integers(0, 50), st.sampled_from(["4", "4", "C", "8"]))),
    (1, st.tuples(st.just("cancel"), st.integers(0, 50))),
    (1, st.tuples(st.just("replace"), st.integers(0, 50), st.integers(1, 30), st.integers(-3, 3))),
    (2, st.tuples(st.just("status"))),
    (2, st.tuples(st.just("late"), st.integers(0, 50))),
    (1, st.tuples(st.just("kill"), st.sampled_from([None, "ACC001"]), st.booleans())),
]
STEP = st.sampled_from([s for w, s in _KINDS for _ in range(w)]).flatmap(lambda s: s)
STEPS = st.lists(STEP, min_size=20, max_size=50)

# Run time. By default 150 examples of 20-50 steps (about 35 on average): 3-5 s on a 2-core machine, over
# half of it drawing the steps (it was 200 examples of 10-60 steps, with outage flows in under 1% of them).
# Now a CumQty revealing missed fills shows in ~45% of the examples on an ER I, ~30% on an ER F, ~20% on an
# end, and a resent lost F already counted in ~70% (--hypothesis-show-statistics lists them); the core's
# earlier bugs there fail within the first second. Shrinking a failure can take a minute more.
# OMS_CORE_PROPS_EXAMPLES=3000 (say, ~45 s) runs deeper.
EXAMPLES = int(os.environ.get("OMS_CORE_PROPS_EXAMPLES", "150"))

# Once a failure: a fill applied by its LastQty while its CumQty said one more was missed in the outage.
_LOST_IN_OUTAGE = [("outage", "ECN"), ("new", 1, 0, "1", False, 0), ("fill", 0, 1, 0, False),
                   ("fill", 0, 1, 0, False), ("fill", 0, 1, 0, False), ("outage", "EXCH"), ("fill", 0, 1, 0, False),
                   ("fill", 0, 1, 0, True), ("outage", "EXCH"), ("fill", 0, 1, 0, False)]


@settings(max_examples=EXAMPLES, deadline=None)
@example(_LOST_IN_OUTAGE)
@example([*_LOST_IN_OUTAGE[:-1], ("status",), ("late", 0), ("fill", 0, 1, 0, False)])  # the lost F after an ER I
@given(STEPS)
def test_random_flows_keep_the_invariants_and_are_deterministic(steps: list[tuple]) -> None:
    d = Driver()
    for step in steps:
        match step:
            case ("new", lots, ticks, side, ioc, acct):
                d.new(lots, ticks, side, ioc, acct)
            case ("fill", k, qty, ticks, hidden):
                d.fill(k, qty, ticks, hidden)
            case ("resend", k):
                d.resend(k)
            case ("end", k, exec_type):
                d.end_child(k, exec_type)
            case ("cancel", k):
                d.cancel(k)
            case ("replace", k, lots, ticks):
                d.replace(k, lots, ticks)
            case ("outage", venue):
                d.outage(venue)
            case ("blip", k, fills):
                d.blip(k, fills)
            case ("late", k):
                d.late(k)
            case ("status",):
                d.status_reply()
            case ("kill", account, revive):
                d.feed(Revive(account=account, reason="again") if revive else Kill(account=account, reason="p"))
    d.drain()
    assert d.a.snapshot() == d.b.snapshot()
