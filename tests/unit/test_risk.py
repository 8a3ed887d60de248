"""The risk engine: one test per rule (the rejection, and the boundary that passes), overrides, lifecycle, kill switch."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from oms_fix.engine.risk import RULES, RiskDecision, RiskEngine, RiskOrder
from oms_fix.engine.risk_limits import Limits, RiskConfig, Throttle
from sim_venues.instruments import load_instruments

SEC = 1_000_000_000
INSTRUMENTS = load_instruments()
REFS = {s: i.reference_price for s, i in INSTRUMENTS.items()}   # AAPL 190.00, MSFT 410.00, ...
TICKS = {s: i.tick_size for s, i in INSTRUMENTS.items()}


def engine(**limits: object) -> RiskEngine:
    return RiskEngine(RiskConfig(defaults=Limits(**limits)), REFS, TICKS)  # type: ignore[arg-type]


_ids = iter(range(1, 1_000_000))


def order(qty: int = 100, price: str | None = "190.00", side: str = "1", symbol: str = "AAPL",
          account: str = "ACC001", session: str = "CLIENT1", ord_type: str | None = None) -> RiskOrder:
    return RiskOrder(order_id=f"O{next(_ids)}", session=session, account=account, symbol=symbol, side=side, qty=qty,
                     price=D(price) if price is not None else None, ord_type=ord_type or ("2" if price else "1"))


def rejected(d: RiskDecision, rule: str, *words: str) -> bool:
    assert not d.accepted and d.rule == rule, d
    for w in words:
        assert w in d.text, (w, d.text)
    return True


def place(eng: RiskEngine, o: RiskOrder, now: int = 0) -> RiskOrder:
    d = eng.check_new(o, now)
    assert d.accepted, d
    eng.on_accepted(o, now)
    return o


# -- one test per rule ---------------------------------------------------------

def test_max_order_qty() -> None:
    eng = engine(max_order_qty=10000)
    assert eng.check_new(order(qty=10000), 0).accepted
    d = eng.check_new(order(qty=50000), 0)
    assert rejected(d, "max_order_qty")
    assert d.text == "order qty 50000 exceeds max_order_qty 10000 for ACC001 AAPL"


def test_max_order_value_limit_and_market() -> None:
    eng = engine(max_order_value=D("19000"))
    assert eng.check_new(order(qty=100, price="190.00"), 0).accepted           # 19000 exactly
    assert rejected(eng.check_new(order(qty=100, price="190.01"), 0), "max_order_value",
                    "order value 19001.00 (100 @ 190.01) exceeds max_order_value 19000 for ACC001 AAPL")
    # A market order is valued at the collar's upper bound: 190.00 + 5% = 199.50.
    eng = engine(max_order_value=D("19950"), collar_pct=D("5"))
    assert eng.check_new(order(qty=100, price=None), 0).accepted
    assert rejected(eng.check_new(order(qty=101, price=None), 0), "max_order_value", "@ 199.50")
    # Without a collar, at the reference price.
    eng = engine(max_order_value=D("19000"))
    assert eng.check_new(order(qty=100, price=None), 0).accepted
    assert rejected(eng.check_new(order(qty=101, price=None), 0), "max_order_value", "@ 190.00")


def test_price_collar_pct_both_sides_bounds_included() -> None:
    eng = engine(collar_pct=D("5"))                     # 190.00 +/- 9.50
    for px in ("180.50", "199.50", "190.00"):
        assert eng.check_new(order(price=px), 0).accepted
        assert eng.check_new(order(price=px, side="2"), 0).accepted
    assert rejected(eng.check_new(order(price="199.51"), 0), "price_collar",
                    "price 199.51 is outside the collar 180.50..199.50 around reference 190.00 for ACC001 AAPL")
    assert rejected(eng.check_new(order(price="180.49", side="2"), 0), "price_collar")
    assert rejected(eng.check_new(order(price="1900.00"), 0), "price_collar")  # the fat finger
    assert eng.check_new(order(price=None), 0).accepted                        # market orders have no price


def test_price_collar_ticks_and_the_wider_band() -> None:
    eng = engine(collar_ticks=10)                       # 190.00 +/- 0.10
    assert eng.check_new(order(price="190.10"), 0).accepted
    assert rejected(eng.check_new(order(price="190.11"), 0), "price_collar")
    eng = engine(collar_ticks=2000, collar_pct=D("5"))  # 20.00 wider than 9.50
    assert eng.check_new(order(price="210.00"), 0).accepted
    assert rejected(eng.check_new(order(price="210.01"), 0), "price_collar")
    # collar_ticks with no tick size known fails closed.
    eng = RiskEngine(RiskConfig(defaults=Limits(collar_ticks=5)), REFS)
    assert rejected(eng.check_new(order(), 0), "no_reference_price", "no tick size for AAPL")


def test_collar_follows_the_mark() -> None:
    eng = engine(collar_pct=D("5"))
    eng.mark("AAPL", D("200.00"), 0)
    assert eng.check_new(order(price="210.00"), 0).accepted
    assert rejected(eng.check_new(order(price="189.99"), 0), "price_collar", "around reference 200.00")


def test_max_long_counts_working_buys() -> None:
    eng = engine(max_long=1000)
    place(eng, order(qty=600))
    assert eng.check_new(order(qty=400), 0).accepted
    assert rejected(eng.check_new(order(qty=401), 0), "max_long",
                    "position 0 + working buys 600 + order 401 = 1001 exceeds max_long 1000 for ACC001 AAPL")
    assert eng.check_new(order(qty=5000, side="2"), 0).accepted    # sells do not count towards long


def test_max_long_counts_the_position() -> None:
    eng = engine(max_long=1000)
    o = place(eng, order(qty=700))
    eng.on_fill("ACC001", "AAPL", "1", 700, D("190"), 1, order_id=o.order_id)
    eng.on_done(o, 1)
    assert eng.check_new(order(qty=300), 2).accepted
    assert rejected(eng.check_new(order(qty=301), 2), "max_long", "position 700 + working buys 0")


def test_max_short_counts_working_sells_of_every_kind() -> None:
    eng = RiskEngine(RiskConfig(defaults=Limits(max_short=1000), locates={("ACC001", "AAPL"): 10000}), REFS, TICKS)
    place(eng, order(qty=300, side="2"))
    place(eng, order(qty=300, side="5"))
    place(eng, order(qty=300, side="6"))
    assert eng.check_new(order(qty=100, side="2"), 0).accepted
    assert rejected(eng.check_new(order(qty=101, side="2"), 0), "max_short",
                    "position 0 - working sells 900 - order 101 = -1001 exceeds max_short 1000")
    assert eng.check_new(order(qty=5000, side="1"), 0).accepted


def test_long_position_may_be_sold_to_flat_with_max_short_zero() -> None:
    eng = engine(max_short=0)
    eng.on_fill("ACC001", "AAPL", "1", 500, D("190"), 0)
    assert eng.check_new(order(qty=500, side="2"), 0).accepted
    assert rejected(eng.check_new(order(qty=501, side="2"), 0), "max_short")


def test_max_daily_volume() -> None:
    eng = engine(max_daily_volume=1000)
    eng.on_fill("ACC001", "AAPL", "1", 400, D("190"), 0)
    place(eng, order(qty=300, side="2"))
    assert eng.check_new(order(qty=300), 0).accepted
    assert rejected(eng.check_new(order(qty=301), 0), "max_daily_volume",
                    "daily volume 400 filled + 300 working + order 301 = 1001 exceeds max_daily_volume 1000")
    assert eng.check_new(order(qty=301, symbol="MSFT", price="410.00"), 0).accepted   # per symbol


def test_max_daily_trades() -> None:
    eng = engine(max_daily_trades=3)
    for _ in range(2):
        eng.on_fill("ACC001", "AAPL", "1", 1, D("190"), 0)
    assert eng.check_new(order(), 0).accepted
    eng.on_fill("ACC001", "AAPL", "1", 1, D("190"), 0)
    assert rejected(eng.check_new(order(), 0), "max_daily_trades",
                    "3 trades today reach max_daily_trades 3 for ACC001 AAPL")


def test_credit_limit_gross_notional_of_positions_and_working_orders() -> None:
    eng = engine(credit_limit=D("100000"))
    eng.on_fill("ACC001", "AAPL", "2", 100, D("190"), 0)        # short 100 at mark 190.00: 19000 gross
    place(eng, order(qty=100, symbol="MSFT", price="410.00"))   # 41000 working
    assert eng.exposure("ACC001") == D("60000")
    assert eng.check_new(order(qty=200, price="200.00"), 0).accepted      # 60000 + 40000 = the limit
    assert rejected(eng.check_new(order(qty=200, price="200.01"), 0), "credit_limit",
                    "gross notional 60000.00 + order 40002.00 = 100002.00 exceeds credit_limit 100000 for ACC001")
    assert eng.check_new(order(qty=200, price="200.01", account="ACC002"), 0).accepted  # per account


def test_throttle_sliding_window_on_a_virtual_clock() -> None:
    eng = RiskEngine(RiskConfig(throttle=Throttle(max_orders=3, window_ns=SEC)), REFS, TICKS)
    for t in (0, 100, 200):
        assert eng.check_new(order(), t).accepted
    assert rejected(eng.check_new(order(), 999_999_999), "throttle",
                    "3 orders in the last 1000 ms reach throttle 3 for session CLIENT1")
    assert eng.check_new(order(session="CLIENT2"), 500).accepted    # per session
    assert eng.check_new(order(), SEC).accepted                     # the order at 0 left the window
    assert rejected(eng.check_new(order(), SEC + 99), "throttle")
    assert eng.check_new(order(), SEC + 100).accepted
    # Rejected orders take no slot: after a burst of rejections the window still frees up on time.
    for t in range(SEC + 101, SEC + 200):
        assert not eng.check_new(order(), t).accepted
    assert eng.check_new(order(), SEC + 200).accepted


def test_throttle_session_override_and_exemption() -> None:
    cfg = RiskConfig(throttle=Throttle(max_orders=1), session_throttles={"FAST": Throttle(max_orders=3), "FREE": None})
    eng = RiskEngine(cfg, REFS, TICKS)
    assert [eng.check_new(order(session="FAST"), 0).accepted for _ in range(4)] == [True, True, True, False]
    assert all(eng.check_new(order(session="FREE"), 0).accepted for _ in range(100))
    assert [eng.check_new(order(session="X"), 0).accepted for _ in range(2)] == [True, False]


def test_restricted_symbols_global_and_per_account() -> None:
    cfg = RiskConfig(restricted=frozenset({"TSLA"}), account_restricted={"ACC002": frozenset({"GOOG"})})
    eng = RiskEngine(cfg, REFS, TICKS)
    assert rejected(eng.check_new(order(symbol="TSLA", price="175.00"), 0), "restricted_symbol", "TSLA is restricted")
    assert rejected(eng.check_new(order(symbol="GOOG", price="150.00", account="ACC002"), 0), "restricted_symbol",
                    "GOOG is restricted for ACC002")
    assert eng.check_new(order(symbol="GOOG", price="150.00", account="ACC001"), 0).accepted


def test_short_sale_needs_a_locate_and_uses_it_up() -> None:
    eng = RiskEngine(RiskConfig(locates={("ACC001", "AAPL"): 1000}), REFS, TICKS)
    assert rejected(eng.check_new(order(side="5", symbol="MSFT", price="410.00"), 0), "short_sale_locate",
                    "short sale of 100 MSFT needs a locate: 0 of 0 located shares left for ACC001")
    assert eng.check_new(order(qty=1000, side="5"), 0).accepted
    assert rejected(eng.check_new(order(qty=1001, side="5"), 0), "short_sale_locate", "1000 of 1000")
    o = place(eng, order(qty=600, side="5"))                      # a working short sale reserves its shares
    assert eng.locate_available("ACC001", "AAPL") == 400
    eng.on_fill("ACC001", "AAPL", "5", 600, D("190"), 1, order_id=o.order_id)
    eng.on_done(o, 1)
    assert eng.locate_available("ACC001", "AAPL") == 400          # filled: used
    assert rejected(eng.check_new(order(qty=401, side="5"), 2), "short_sale_locate", "400 of 1000")
    assert eng.check_new(order(qty=401, side="2"), 2).accepted    # plain sells and exempt shorts need none
    assert eng.check_new(order(qty=401, side="6"), 2).accepted
    o = place(eng, order(qty=400, side="5"))
    eng.on_cancel(o.order_id, 3)                                  # cancelled: released
    assert eng.locate_available("ACC001", "AAPL") == 400
    eng.set_locate("ACC001", "AAPL", 5000)
    assert eng.locate_available("ACC001", "AAPL") == 4400
    eng.start_day("2024-06-04")                                   # locates are for one day
    assert eng.locate_available("ACC001", "AAPL") == 5000


def test_invalid_orders_and_unknown_symbols() -> None:
    eng = engine()
    assert rejected(eng.check_new(order(qty=0), 0), "invalid_order", "qty 0")
    assert rejected(eng.check_new(order(price="-1"), 0), "invalid_order", "price -1")
    assert rejected(eng.check_new(order(side="X"), 0), "invalid_order")
    assert rejected(eng.check_new(order(symbol="NOPE"), 0), "no_reference_price", "for ACC001 NOPE")
    eng.mark("NOPE", D("5.00"), 0)
    assert eng.check_new(order(symbol="NOPE", price="5.00"), 0).accepted


def test_every_rule_is_listed_and_every_rejection_is_an_event() -> None:
    eng = engine(max_order_qty=10)
    eng.drain_events()
    eng.check_new(order(qty=11, account="ACC003"), 7)
    eng.check_new(order(qty=10), 8)
    [ev] = eng.drain_events()
    assert (ev.time, ev.kind, ev.rule, ev.account, ev.symbol) == (7, "reject", "max_order_qty", "ACC003", "AAPL")
    assert ev.text == "order qty 11 exceeds max_order_qty 10 for ACC003 AAPL" and ev.rule in RULES
    assert eng.drain_events() == []


# -- overrides ------------------------------------------------------------------

def test_account_and_symbol_overrides() -> None:
    cfg = RiskConfig(defaults=Limits(max_order_qty=1000, max_long=5000),
                     accounts={"ACC001": {"max_order_qty": 2000}, "ACC004": {"max_long": None}},
                     symbols={("ACC001", "TSLA"): {"max_order_qty": 50}})
    eng = RiskEngine(cfg, REFS, TICKS)
    assert eng.check_new(order(qty=2000), 0).accepted                                   # account
    assert rejected(eng.check_new(order(qty=2001), 0), "max_order_qty", "max_order_qty 2000")
    assert rejected(eng.check_new(order(qty=51, symbol="TSLA", price="175.00"), 0), "max_order_qty",
                    "max_order_qty 50 for ACC001 TSLA")                                 # (account, symbol)
    assert eng.check_new(order(qty=50, symbol="TSLA", price="175.00"), 0).accepted
    assert rejected(eng.check_new(order(qty=1001, account="ACC002"), 0), "max_order_qty", "1000")  # defaults
    assert rejected(eng.check_new(order(qty=1001, symbol="TSLA", price="175.00", account="ACC002"), 0),
                    "max_order_qty")
    eng.on_fill("ACC004", "AAPL", "1", 100000, D("190"), 0)                             # null lifts a limit
    assert eng.check_new(order(qty=1000, account="ACC004"), 0).accepted


def test_config_rejects_unknown_limits_and_symbol_credit() -> None:
    with pytest.raises(ValueError, match="unknown limit"):
        RiskConfig(accounts={"A": {"max_qty": 1}})
    with pytest.raises(ValueError, match="credit_limit applies to a whole account"):
        RiskConfig(symbols={("A", "AAPL"): {"credit_limit": D(1)}})


# -- kill switch ---------------------------------------------------------------

def test_kill_switch_per_account() -> None:
    eng = engine()
    place(eng, order(account="ACC001"))
    assert eng.kill("ACC001", "runaway algo", 5) == ["ACC001"]
    assert rejected(eng.check_new(order(account="ACC001"), 6), "kill_switch",
                    "kill switch is on for ACC001 (runaway algo)")
    assert eng.check_new(order(account="ACC002"), 6).accepted
    eng.revive("ACC001", "fixed", 7)
    assert eng.check_new(order(account="ACC001"), 8).accepted
    kinds = [(e.kind, e.account, e.time) for e in eng.drain_events()]
    assert kinds == [("kill", "ACC001", 5), ("reject", "ACC001", 6), ("revive", "ACC001", 7)]


def test_global_kill_switch() -> None:
    cfg = RiskConfig(accounts={"ACC001": {}, "ACC002": {}})
    eng = RiskEngine(cfg, REFS, TICKS)
    place(eng, order(account="ACC009"))
    assert eng.kill(None, "market halt", 1) == ["ACC001", "ACC002", "ACC009"]
    assert rejected(eng.check_new(order(account="ACC003"), 2), "kill_switch", "global kill switch is on (market halt)")
    eng.kill("ACC002", "desk", 3)
    eng.revive(None, "resumed", 4)
    assert eng.check_new(order(account="ACC001"), 5).accepted
    assert rejected(eng.check_new(order(account="ACC002"), 5), "kill_switch")   # its own kill stays
    assert not eng.is_killed("ACC001") and eng.is_killed("ACC002")


def test_kill_switch_blocks_replaces_but_not_fills_or_cancels() -> None:
    eng = engine()
    o = place(eng, order(qty=100))
    eng.kill("ACC001", "stop", 1)
    assert rejected(eng.check_replace(o.order_id, order(qty=50), 2), "kill_switch")
    eng.on_fill("ACC001", "AAPL", "1", 10, D("190"), 3, order_id=o.order_id)
    eng.on_cancel(o, 4)
    assert eng.working("ACC001", "AAPL", "1") == 0 and eng.position("ACC001", "AAPL").position == 10
