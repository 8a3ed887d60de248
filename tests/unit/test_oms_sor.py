"""The smart router's policies in the OMS core: the dark-first ping and internal crossing at the mid.

The book of test_oms_core.py: AAPL bid 190.00 (ECN) / 189.99 (EXCH), ask 190.01 on both, so the mid is
190.005. DARK is the dark pool here.
"""

from __future__ import annotations

from decimal import Decimal as D

from test_oms_algo import SCRIPTED, Scripted, scripted
from test_oms_core import INSTRUMENTS, er, kinds, market_book, new, news, reports

from oms_fix.engine.algos.base import AlgoSpec, Decision
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import ClientNew, Journal, Out, RoutingPolicy, VenueRule
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.domain import NewOrder, OrdType, Side

VENUES = [VenueRule(name="EXCH"), VenueRule(name="ECN"), VenueRule(name="DARK", lit=False, dark=True)]


def make(policy: RoutingPolicy | None = None) -> Oms:
    risk = RiskEngine(RiskConfig(defaults=Limits(max_order_qty=50_000, max_order_value=D("100000000"))),
                      {"AAPL": D("190.00"), "MSFT": D("410.00")}, {"AAPL": D("0.01"), "MSFT": D("0.01")})
    return Oms(INSTRUMENTS, risk, market_book(), VENUES, routing=policy)


def test_a_large_marketable_order_pings_the_dark_pool_first_at_the_mid_with_min_qty():
    oms = make()
    (ping,) = news(new(oms, "A1", 2000, "190.05"))
    assert (ping.venue, ping.qty, ping.tif, ping.min_qty, ping.price) == ("DARK", 2000, "3", 100, D("190.01"))


def test_what_the_ping_leaves_sweeps_the_lit_venues_once():
    oms = make()
    new(oms, "A1", 2000, "190.05")
    oms.handle(er("DARK", "C1", "D1", qty=500, px="190.005", status="1", cum=500, avg="190.005"), 2)
    out = oms.handle(er("DARK", "C1", "D2", exec_type="4", status="4", cum=500, avg="190.005"), 3)
    sent = news(out)
    assert sent and {n.venue for n in sent} <= {"EXCH", "ECN"} and sum(n.qty for n in sent) == 1500
    assert all(n.tif == "0" for n in sent) and not kinds(out)


def test_a_rejected_ping_sweeps_the_lit_venues_and_the_parent_lives_on():
    oms = make()
    new(oms, "A1", 2000, "190.05")
    out = oms.handle(er("DARK", "C1", "D1", exec_type="8", status="8", text="no midpoint"), 2)
    assert sum(n.qty for n in news(out)) == 2000 and not kinds(out)


def test_a_dark_pool_that_halted_the_symbol_is_not_pinged():
    oms = make()
    oms._book.security_status[("DARK", "AAPL")] = "2"  # SecurityStatus 326=2 from DARK
    sent = news(new(oms, "A1", 2000, "190.05"))
    assert sent and {n.venue for n in sent} <= {"EXCH", "ECN"} and sum(n.qty for n in sent) == 2000


def test_the_ping_is_priced_off_the_venues_still_trading():
    oms = make()
    oms._book.security_status[("ECN", "AAPL")] = "2"  # ECN's 190.00 bid stands frozen: EXCH's 189.99 counts
    (ping,) = news(new(oms, "A1", 2000, "190.05"))
    assert (ping.venue, ping.price) == ("DARK", D("190.00"))  # the mid of 189.99 / 190.01, not of 190.00 / 190.01


def test_small_passive_and_pinned_orders_do_not_ping():
    oms = make()
    assert {n.venue for n in news(new(oms, "A1", 500, "190.05"))} <= {"EXCH", "ECN"}
    assert {n.venue for n in news(new(oms, "A2", 2000, "189.90", now=2))} <= {"EXCH", "ECN"}
    assert [n.venue for n in news(new(oms, "A3", 2000, "190.05", ex_destination="ECN", now=3))] == ["ECN"]
    off = make(RoutingPolicy(dark_ping=False))
    assert {n.venue for n in news(new(off, "A1", 2000, "190.05"))} <= {"EXCH", "ECN"}


def resting_seller(oms: Oms, qty: int = 1000, account: str = "ACC002") -> list[Out]:
    """An algo sell order of another client that has placed nothing yet."""
    order = NewOrder(cl_ord_id="S1", symbol="AAPL", side=Side.SELL, order_qty=qty, ord_type=OrdType.MARKET)
    outs = oms.handle(ClientNew(session="CLIENT2", account=account, order=order, raw_side=Side.SELL,
                                algo=AlgoSpec(strategy=SCRIPTED)), 1)
    assert kinds(outs) == [("0", "0")]
    return outs


def test_an_arriving_order_crosses_an_opposing_algo_order_at_the_mid_before_going_out():
    with scripted(Scripted([Decision()] * 5)):
        oms = make()
        resting_seller(oms, qty=1000)
        out = new(oms, "B1", 300, "190.05", account="ACC001", now=5)
    r = reports(out)
    assert [(x.order_id, x.exec_type.value, x.last_qty, x.last_px) for x in r if x.exec_type.value == "F"] == [
        ("O2", "F", 300, D("190.005")), ("O1", "F", 300, D("190.005"))]
    assert news(out) == []
    assert oms.order("O2").cum_qty == 300 and oms.order("O1").leaves_qty == 700  # type: ignore[union-attr]


def test_only_what_the_algo_has_not_placed_crosses_and_the_rest_is_routed():
    with scripted(Scripted([Decision()] * 5)):
        oms = make()
        resting_seller(oms, qty=200)
        out = new(oms, "B1", 500, "190.05", account="ACC001", now=5)
    assert oms.order("O2").cum_qty == 200  # type: ignore[union-attr]
    assert sum(n.qty for n in news(out)) == 300


def test_no_cross_within_one_account_or_outside_a_limit():
    with scripted(Scripted([Decision()] * 5), Scripted([Decision()] * 5)):
        oms = make()
        resting_seller(oms, account="ACC001")
        out = new(oms, "B1", 300, "190.05", account="ACC001", now=5)
        assert news(out) and oms.order("O2").cum_qty == 0  # type: ignore[union-attr]
        oms2 = make()
        resting_seller(oms2)
        out = new(oms2, "B1", 300, "190.00", account="ACC001", now=5)  # 190.00 < the mid
    assert oms2.order("O2").cum_qty == 0  # type: ignore[union-attr]


def test_a_replay_takes_the_recorded_cross_and_ping():
    def run() -> tuple[Oms, list[list[Out]]]:
        with scripted(Scripted([Decision()] * 5)):
            oms = make()
            outs = [resting_seller(oms, 300)]
            outs.append(new(oms, "B1", 2000, "190.05", account="ACC001", now=5))
        return oms, outs

    first, outs = run()
    assert any(n.venue == "DARK" for n in news(outs[1]))
    records = [o.body for batch in outs for o in batch if isinstance(o, Journal) and o.kind == "command"]
    with scripted(Scripted([Decision()] * 5)):
        second = make()
        second._book = type(second._book)()  # no market data: the decisions come from the records
        again = [second.replay(*decode_command(r), r) for r in records]
    strip = lambda b: [o for o in b if not isinstance(o, Journal)]  # noqa: E731
    assert [strip(b) for b in again] == [strip(b) for b in outs]
    assert second.snapshot() == first.snapshot()


def test_a_dark_pool_that_never_fills_is_pinged_only_now_and_then():
    oms = make()
    pinged = []
    for i in range(30):
        n = i * 10 + 1
        sent = news(new(oms, f"A{i}", 2000, "190.05", now=n))
        pinged.append(sent[0].venue == "DARK")
        if sent[0].venue == "DARK":
            oms.handle(er("DARK", sent[0].child_id, f"D{i}", exec_type="4", status="4"), n + 1)
    assert all(pinged[:10]) and 1 <= sum(pinged[10:]) <= 3
