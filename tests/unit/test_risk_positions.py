"""The risk engine's state over an order's life: working quantity, replaces, P&L, breaches, day reset, snapshots."""

from __future__ import annotations

import json
from decimal import Decimal as D

from oms_fix.engine.risk import RiskEngine, RiskOrder
from oms_fix.engine.risk_limits import Limits, RiskConfig, Throttle
from oms_fix.engine.risk_pnl import Position

REFS = {"AAPL": D("190.00"), "MSFT": D("410.00"), "XYZ": D("10.00")}
TICKS = {s: D("0.01") for s in REFS}
SEC = 1_000_000_000


def order(oid: str, qty: int = 100, price: str | None = "190.00", side: str = "1", symbol: str = "AAPL",
          account: str = "ACC001") -> RiskOrder:
    return RiskOrder(order_id=oid, session="CLIENT1", account=account, symbol=symbol, side=side, qty=qty,
                     price=D(price) if price is not None else None, ord_type="2" if price else "1")


def test_pnl_buy_sell_mark() -> None:
    eng = RiskEngine(RiskConfig(), REFS, TICKS)
    eng.on_fill("ACC001", "XYZ", "1", 100, D("10"), 0)
    eng.on_fill("ACC001", "XYZ", "2", 50, D("12"), 1)
    eng.mark("XYZ", D("11"), 2)
    p = eng.position("ACC001", "XYZ")
    assert (p.position, p.avg_cost, p.realised, p.unrealised, p.mark) == (50, D("10"), D("100"), D("50"), D("11"))
    eng.on_fill("ACC001", "XYZ", "5", 80, D("9"), 3)          # through flat to short 30 at 9
    p = eng.position("ACC001", "XYZ")
    assert (p.position, p.avg_cost, p.realised, p.unrealised) == (-30, D("9"), D("50"), D("-60"))
    eng.on_fill("ACC001", "XYZ", "1", 30, D("8.50"), 4)       # cover
    p = eng.position("ACC001", "XYZ")
    assert (p.position, p.avg_cost, p.realised, p.unrealised) == (0, None, D("65.00"), D("0"))


def test_pnl_is_first_in_first_out_and_exact() -> None:
    p = Position()
    p.fill(100, D("10"))
    p.fill(100, D("12"))
    p.fill(-100, D("13"))                      # closes the lot at 10
    assert (p.qty, p.realised, p.cost, p.avg_cost) == (100, D("300"), D("1200"), D("12"))
    p = Position()
    for _ in range(3):
        p.fill(1, D("0.10"))
    p.fill(-2, D("0.20"))
    assert p.realised == D("0.20") and p.unrealised(D("0.30")) == D("0.20")   # never 0.1999...
    assert Position.from_json(json.loads(json.dumps(p.to_json()))).to_json() == p.to_json()


def test_working_quantity_through_fills_and_done() -> None:
    eng = RiskEngine(RiskConfig(), REFS, TICKS)
    o = order("A", qty=500)
    eng.on_accepted(o, 0)
    assert eng.working("ACC001", "AAPL", "1") == 500 and eng.exposure("ACC001") == D("95000.00")
    eng.on_fill("ACC001", "AAPL", "1", 200, D("189.50"), 1, order_id="A")
    assert eng.working("ACC001", "AAPL", "1") == 300
    assert eng.exposure("ACC001") == D("57000.00") + 200 * D("190.00")
    eng.on_fill("ACC001", "AAPL", "1", 400, D("189.50"), 2, order_id="A")    # an overfill: working stops at 0
    assert eng.working("ACC001", "AAPL", "1") == 0 and eng.position("ACC001", "AAPL").position == 600
    eng.on_done(o, 3)
    eng.on_done(o, 3)                                                       # idempotent
    assert eng.working("ACC001", "AAPL", "1") == 0 and eng.exposure("ACC001") == 600 * D("190.00")


def test_replace_is_checked_without_the_order_it_replaces() -> None:
    eng = RiskEngine(RiskConfig(defaults=Limits(max_long=1000, credit_limit=D("190000"))), REFS, TICKS)
    eng.on_accepted(order("A", qty=800), 0)
    eng.on_fill("ACC001", "AAPL", "1", 300, D("190.00"), 1, order_id="A")
    # 300 filled, 500 working; a new total of 1000 leaves 700 working: 300 + 700 = the limit.
    assert eng.check_replace("A", order("B", qty=1000), 2).accepted
    assert eng.check_replace("A", order("B", qty=1001), 2).rule == "max_long"
    assert eng.check_replace("A", order("B", qty=300), 2).rule == "invalid_order"
    assert eng.check_replace("A", order("B", side="2"), 2).rule == "invalid_order"
    assert eng.check_replace("NOPE", order("B"), 2).rule == "unknown_order"
    eng.on_replaced("A", order("B", qty=1000), 3)
    assert eng.working("ACC001", "AAPL", "1") == 700
    assert eng.state()["orders"] == [{"order_id": "B", "session": "CLIENT1", "account": "ACC001", "symbol": "AAPL",
                                      "side": "1", "qty": 1000, "leaves": 700, "value_px": "190.00"}]
    eng.on_fill("ACC001", "AAPL", "1", 700, D("190.00"), 4, order_id="B")
    eng.on_done("B", 5)
    assert eng.position("ACC001", "AAPL").position == 1000 and eng.working("ACC001", "AAPL", "1") == 0


def test_breaches_in_real_time_are_events_once() -> None:
    eng = RiskEngine(RiskConfig(defaults=Limits(max_long=100, credit_limit=D("20000"))), REFS, TICKS)
    eng.on_fill("ACC001", "AAPL", "1", 100, D("190.00"), 1)   # fills from outside the checks
    assert eng.drain_events() == []
    eng.mark("AAPL", D("200.01"), 2)                          # 20001 > 20000
    eng.mark("AAPL", D("201.00"), 3)                          # still over: no second event
    eng.on_fill("ACC001", "AAPL", "1", 1, D("201.00"), 4)     # over max_long
    eng.mark("AAPL", D("150.00"), 5)                          # credit back within
    events = [(e.time, e.kind, e.rule) for e in eng.drain_events()]
    assert events == [(2, "breach", "credit_limit"), (4, "breach", "max_long"), (5, "breach_cleared", "credit_limit")]


def test_start_day_resets_daily_counts_only() -> None:
    eng = RiskEngine(RiskConfig(defaults=Limits(max_daily_trades=1, max_daily_volume=100)), REFS, TICKS)
    eng.on_accepted(order("A", qty=50), 0)
    eng.on_fill("ACC001", "AAPL", "1", 50, D("190"), 1, order_id="A")
    assert eng.check_new(order("B", qty=1), 2).rule == "max_daily_trades"
    eng.start_day("2024-06-04")
    assert eng.check_new(order("B", qty=100), 3).accepted
    assert eng.position("ACC001", "AAPL").position == 50 and eng.state()["day"] == "2024-06-04"


def test_state_round_trips_through_json() -> None:
    cfg = RiskConfig(defaults=Limits(max_long=1000), locates={("ACC001", "AAPL"): 500},
                     throttle=Throttle(max_orders=2))
    eng = RiskEngine(cfg, REFS, TICKS)
    eng.start_day("2024-06-03")
    for oid, side, qty in (("A", "1", 300), ("S", "5", 200)):
        assert eng.check_new(order(oid, qty=qty, side=side), 10).accepted
        eng.on_accepted(order(oid, qty=qty, side=side), 10)
    eng.on_fill("ACC001", "AAPL", "1", 100, D("189.99"), 11, order_id="A")
    eng.on_fill("ACC001", "AAPL", "5", 50, D("190.01"), 12, order_id="S")
    eng.on_fill("ACC001", "MSFT", "1", 2000, D("410"), 12)
    eng.mark("AAPL", D("191.00"), 13)
    eng.kill("ACC002", "test", 14)
    eng.drain_events()
    snap = json.loads(json.dumps(eng.state()))
    back = RiskEngine.restore(cfg, snap)
    assert back.state() == eng.state()
    for e in (eng, back):                              # both behave the same from here
        assert e.check_new(order("C", qty=1), 15).rule == "throttle"
        assert e.check_new(order("C", qty=801), SEC + 10).rule == "max_long"
        assert e.check_new(order("C", qty=1, side="5"), SEC + 10).accepted is True
        assert e.check_new(order("C", qty=1, account="ACC002"), SEC + 10).rule == "kill_switch"
        assert e.locate_available("ACC001", "AAPL") == 300
        assert e.positions() == eng.positions()
        assert [(x.rule, x.kind) for x in e.drain_events()] == [("throttle", "reject"), ("max_long", "reject"),
                                                                ("kill_switch", "reject")]

