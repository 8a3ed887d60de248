"""The engine driven by hypothesis: random orders of every type, cancels, replaces, references and phases.

After every step the invariants of the issue hold: OrderQty = CumQty + LeavesQty
while an order lives, CumQty never falls (and rises by LastQty on a trade),
every trade is a pair of reports with the same quantity and price on opposite
sides, nothing follows a terminal report (except the replace that re-opens a
filled order, R8), traded quantity is conserved and matches the prints, and
in CONTINUOUS the book (displayed and hidden) is never crossed.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sim_venues.matching import Engine
from sim_venues.orders import (
    CancelReject,
    ExecType as ET,
    Liquidity,
    OrderRequest,
    OrdType,
    Phase,
    Report,
    Side,
    TimeInForce as TIF,
)

BUY, SELL = Side.BUY, Side.SELL
TERMINAL = {"2", "3", "4", "8", "C"}
OWNERS = st.sampled_from(["A", "B"])
PRICES = st.integers(96, 104)
QTYS = st.integers(1, 12)


@st.composite
def requests(draw: st.DrawFn) -> OrderRequest:
    kind = draw(st.sampled_from(list(OrdType)))
    tif = draw(st.sampled_from(list(TIF)))
    qty = draw(QTYS)
    price = draw(PRICES) if kind in (OrdType.LIMIT, OrdType.STOP_LIMIT) else None
    if kind is OrdType.PEGGED and draw(st.booleans()):
        price = draw(PRICES)  # a cap
    return OrderRequest(
        owner=draw(OWNERS),
        cl_ord_id="",
        symbol="XYZ",
        side=draw(st.sampled_from([BUY, SELL])),
        qty=qty,
        ord_type=kind,
        price=price,
        stop_px=draw(PRICES) if kind in (OrdType.STOP, OrdType.STOP_LIMIT) else None,
        tif=tif,
        expire_ns=draw(st.integers(1, 40)) if tif is TIF.GTD else None,  # made absolute in the rule
        max_floor=draw(st.none() | st.integers(0, qty)),
        hidden=draw(st.booleans()) and draw(st.booleans()),
        min_qty=draw(st.none() | st.integers(1, qty)) if draw(st.booleans()) else None,
        exec_inst=(draw(st.sampled_from("RPM")) if kind is OrdType.PEGGED else "") + ("6" if draw(st.integers(0, 5)) == 0 else ""),
        peg_offset=draw(st.integers(-1, 1)) if kind is OrdType.PEGGED else 0,
    )


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.e = Engine("XYZ", venue="V", auctions=True, tick_reference=100)
        self.now = 0
        self.n = 0
        self.known: list[tuple[str, str]] = []  # (owner, ClOrdID) ever accepted or requested
        self.cum: dict[str, int] = {}  # OrderID -> CumQty in its last report
        self.terminal: dict[str, str] = {}  # OrderID -> the terminal OrdStatus it reached
        self.bought = self.sold = 0

    def tick(self, dt: int = 1) -> int:
        self.now += dt
        return self.now

    def new_id(self) -> str:
        self.n += 1
        return f"c{self.n}"

    # -- the checks every report stream must pass ---------------------------------

    def check(self, reports: list[Report]) -> None:
        i = 0
        while i < len(reports):
            r = reports[i]
            self.check_one(r)
            if r.exec_type is ET.TRADE:
                assert i + 1 < len(reports), "a trade report without its contra"
                c = reports[i + 1]
                assert c.exec_type is ET.TRADE
                self.check_one(c)
                assert (c.last_qty, c.last_px) == (r.last_qty, r.last_px) and r.last_qty > 0
                assert r.order.request.side != c.order.request.side
                assert {r.liquidity, c.liquidity} in ({Liquidity.REMOVED, Liquidity.ADDED}, {Liquidity.AUCTION})
                assert c.contra_owner == r.order.request.owner and r.contra_owner == c.order.request.owner
                for x in (r, c):
                    if x.order.request.side == BUY:
                        self.bought += x.last_qty
                    else:
                        self.sold += x.last_qty
                i += 1
            i += 1

    def check_one(self, r: Report) -> None:
        x = r.extra
        oid = r.order.order_id
        cum, leaves, qty, status = int(x["cum_qty"]), int(x["leaves_qty"]), int(x["order_qty"]), x["ord_status"]
        assert 0 <= cum <= qty
        if status not in TERMINAL:
            assert qty == cum + leaves, (r.exec_type, x)
        else:
            assert leaves == 0
        prev = self.cum.get(oid, 0)
        if r.exec_type is ET.TRADE:
            assert cum == prev + r.last_qty
        else:
            assert cum == prev, (r.exec_type, prev, x)
        if oid in self.terminal:
            # R8 / C.1.c: only a replace of a filled order may follow a terminal report
            assert r.exec_type is ET.REPLACED and self.terminal[oid] == "2", (r.exec_type, self.terminal[oid])
            if status not in TERMINAL:
                del self.terminal[oid]
        if status in TERMINAL:
            self.terminal[oid] = status
        self.cum[oid] = cum

    # -- rules -------------------------------------------------------------------

    @rule(req=requests(), reuse=st.integers(0, 9))
    def submit(self, req: OrderRequest, reuse: int) -> None:
        now = self.tick()
        if reuse == 0 and self.known:
            req.owner, req.cl_ord_id = self.known[self.n % len(self.known)]
        else:
            req.cl_ord_id = self.new_id()
        if req.expire_ns is not None:
            req.expire_ns += now
        out = self.e.submit(req, now)
        self.known.append((req.owner, req.cl_ord_id))
        self.check(out)

    @rule(owner=OWNERS, side=st.sampled_from([BUY, SELL]), qty=QTYS, price=PRICES, floor=st.none() | st.integers(1, 4))
    def submit_limit(self, owner: str, side: Side, qty: int, price: int, floor: int | None) -> None:
        """Plain (and iceberg) limit orders, so that the book fills up and trades often."""
        req = OrderRequest(owner, self.new_id(), "XYZ", side, qty, price=price,
                           max_floor=floor if floor is not None and floor <= qty else None)
        self.known.append((owner, req.cl_ord_id))
        self.check(self.e.submit(req, self.tick()))

    @rule(pick=st.integers(0, 10_000))
    def cancel(self, pick: int) -> None:
        if not self.known:
            return
        owner, clid = self.known[pick % len(self.known)]
        new = self.new_id()
        out = self.e.cancel(owner, new, clid, self.tick())
        if isinstance(out, CancelReject):
            return
        self.known.append((owner, new))
        assert [r.exec_type for r in out] == [ET.CANCELED]
        self.check(out)

    @rule(pick=st.integers(0, 10_000), qty=QTYS, price=PRICES, move=st.booleans())
    def replace(self, pick: int, qty: int, price: int, move: bool) -> None:
        if not self.known:
            return
        owner, clid = self.known[pick % len(self.known)]
        order = self.e.find(owner, clid)
        if order is None:
            return
        req = order.request
        new = OrderRequest(owner, self.new_id(), req.symbol, req.side, qty, req.ord_type,
                           price if move and req.price is not None else req.price, req.stop_px, req.tif,
                           req.expire_ns, req.max_floor, req.hidden, req.min_qty, req.exec_inst, req.peg_offset)
        if new.max_floor is not None and new.max_floor > qty:
            new.max_floor = qty
        if new.min_qty is not None and new.min_qty > qty:
            new.min_qty = qty
        out = self.e.replace(clid, new, self.tick())
        if isinstance(out, CancelReject):
            return
        self.known.append((owner, new.cl_ord_id))
        assert out[0].exec_type is ET.REPLACED
        self.check(out)

    @rule(bid=PRICES, spread=st.integers(1, 3), gone=st.integers(0, 6))
    def reference(self, bid: int, spread: int, gone: int) -> None:
        out = self.e.set_reference(None if gone == 1 else bid, None if gone == 2 else bid + spread, self.tick())
        self.check(out)

    @rule(phase=st.sampled_from([Phase.PRE_OPEN, Phase.CLOSING_AUCTION, Phase.HALTED] * 2
                                + [Phase.OPENING_AUCTION, Phase.CLOSED] + [Phase.CONTINUOUS] * 5))
    def phase(self, phase: Phase) -> None:
        self.check(self.e.set_phase(phase, self.tick()))

    @rule(
        call=st.sampled_from([Phase.PRE_OPEN, Phase.CLOSING_AUCTION, Phase.HALTED]),
        orders=st.lists(st.tuples(OWNERS, st.sampled_from([BUY, SELL]), QTYS, st.none() | PRICES,
                                  st.sampled_from([TIF.DAY, TIF.GTC, TIF.AT_THE_OPENING, TIF.AT_THE_CLOSE])),
                        min_size=2, max_size=8),
        end=st.sampled_from([Phase.CONTINUOUS, Phase.CONTINUOUS, Phase.CLOSED]),
    )
    def auction(self, call: Phase, orders: list[tuple[str, Side, int, int | None, TIF]], end: Phase) -> None:
        """A whole call: collect a batch of orders, then uncross."""
        self.check(self.e.set_phase(call, self.tick()))
        for owner, side, qty, price, tif in orders:
            kind = OrdType.MARKET if price is None else OrdType.LIMIT
            req = OrderRequest(owner, self.new_id(), "XYZ", side, qty, kind, price, tif=tif)
            self.known.append((owner, req.cl_ord_id))
            self.check(self.e.submit(req, self.tick()))
        self.check(self.e.set_phase(end, self.tick()))

    @rule(dt=st.integers(1, 30))
    def time_passes(self, dt: int) -> None:
        self.check(self.e.on_time(self.tick(dt)))

    @rule(owner=OWNERS, side=st.none() | st.sampled_from([BUY, SELL]))
    def mass_cancel(self, owner: str, side: Side | None) -> None:
        out = self.e.mass_cancel(owner, side, self.tick())
        assert all(r.exec_type is ET.CANCELED for r in out)
        self.check(out)

    # -- invariants ----------------------------------------------------------------

    @invariant()
    def traded_quantity_is_conserved_and_printed(self) -> None:
        assert self.bought == self.sold
        printed = getattr(self, "printed", 0) + sum(t.qty for t in self.e.drain_trades())
        self.printed = printed
        assert printed == self.bought

    @invariant()
    def continuous_book_is_never_crossed(self) -> None:
        if self.e.phase is not Phase.CONTINUOUS:
            return
        bids, asks = self.e.levels(BUY, 1), self.e.levels(SELL, 1)
        if bids and asks:
            assert bids[0][0] < asks[0][0]
        lit, dark = self.e._book.lit, self.e._book.dark  # the hidden book may not cross either
        best_bid = max((p for p in (lit.best_bid(), dark.best_bid()) if p is not None), default=None)
        best_ask = min((p for p in (lit.best_ask(), dark.best_ask()) if p is not None), default=None)
        if best_bid is not None and best_ask is not None:
            assert best_bid < best_ask

    @invariant()
    def live_orders_add_up(self) -> None:
        for owner, clid in self.known:
            o = self.e.find(owner, clid)
            if o is not None and not o.done:
                assert o.request.qty == o.cum_qty + o.leaves_qty and o.cum_qty < o.request.qty


EngineMachine.TestCase.settings = settings(
    max_examples=120, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestEngineMachine = EngineMachine.TestCase
