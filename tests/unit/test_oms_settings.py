"""Settings changed at run time in the OMS core (oms_operations.py): SetLimits, SetRouting, SetVenueRules and
SetAlgoDefaults bind what comes after them, bad ones change nothing, and a replay of the journal (through
the store and recovery, as a restart does) comes back with the same settings and state."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from test_oms_core import er, kinds, make, new, news, reports

from oms_fix.domain import NewOrder, OrdType, Side
from oms_fix.domain import TimeInForce as TIF
from oms_fix.engine import oms_operations as ops
from oms_fix.engine import oms_views
from oms_fix.engine.algos.base import AlgoSpec
from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import (ClientNew, Command, Journal, Mark, Out, RiskEventOut, SetAlgoDefaults,
                                      SetLimits, SetRouting, SetVenueRules, VenueRule)
from oms_fix.engine.risk_limits import Limits
from oms_fix.live.recovery import replay_journal, to_records
from oms_fix.store.journal import Journal as Store

S = 1_000_000_000


def limits(account: str = "ACC001", symbol: str = "", inherit: tuple[str, ...] = (), **values: object) -> SetLimits:
    return SetLimits(account=account, symbol=symbol, limits=Limits(**values),  # type: ignore[arg-type]
                     names=tuple(values), inherit=inherit, reason="test")


def ignored(outs: list[Out]) -> list[str]:
    return [o.body["why"] for o in outs if isinstance(o, Journal) and o.kind == "ignored"]


def algo_order(oms: Oms, cl: str, params: tuple[tuple[str, str], ...], now: int = S) -> list[Out]:
    order = NewOrder(cl_ord_id=cl, symbol="AAPL", side=Side.BUY, order_qty=1000, ord_type=OrdType.LIMIT,
                     price=D("190.00"), time_in_force=TIF.DAY)
    return oms.handle(ClientNew(session="CLIENT1", account="ACC001", order=order, raw_side=Side.BUY,
                                algo=AlgoSpec(strategy=1000, params=params)), now)


# -- SetLimits ------------------------------------------------------------------------------


def test_a_lower_max_order_qty_rejects_the_next_order_and_a_risk_event_says_who_set_it():
    oms = make(max_order_qty=1000)
    assert kinds(new(oms, "A1", 500)) == [("0", "0")]
    outs = oms.handle(limits(max_order_qty=300), 2)
    [event] = [o.event for o in outs if isinstance(o, RiskEventOut)]
    assert (event.kind, event.account) == ("limits", "ACC001")
    assert "max_order_qty=300" in event.text and "test" in event.text
    r = reports(new(oms, "A2", 500, now=3))
    assert (r[0].exec_type.value, r[0].text) == ("8", "order qty 500 exceeds max_order_qty 300 for ACC001 AAPL")
    # Only ACC001's limit changed.
    assert kinds(new(oms, "A3", 500, account="ACC002", session="CLIENT2", now=4)) == [("0", "0")]


def test_defaults_symbol_overrides_inherit_and_a_lifted_limit():
    oms = make(max_order_qty=1000)
    oms.handle(limits("*", max_order_qty=200), 1)
    assert reports(new(oms, "A1", 300, now=2))[0].exec_type.value == "8"
    oms.handle(limits(max_order_qty=None), 3)  # ACC001 has no limit now, whatever the defaults say
    assert kinds(new(oms, "A2", 5000, now=4)) == [("0", "0")]
    oms.handle(limits(symbol="MSFT", max_order_qty=10), 5)
    assert reports(new(oms, "M1", 20, "410.00", symbol="MSFT", now=6))[0].exec_type.value == "8"
    oms.handle(limits(inherit=("max_order_qty",)), 7)  # back to the defaults' 200
    assert reports(new(oms, "A3", 300, now=8))[0].exec_type.value == "8"
    cfg = ops.risk_engine(oms).config
    assert (cfg.account_limits("ACC001").max_order_qty, cfg.limits("ACC001", "MSFT").max_order_qty) == (200, 10)


def test_a_limit_below_a_position_raises_a_breach_at_once():
    oms = make(max_long=1000)
    new(oms, "A1", 500)
    oms.handle(er("ECN", "C1", "E1", qty=300, px="190.00", status="2", cum=300, avg="190.00"), 2)
    outs = oms.handle(limits(max_long=100), 3)
    assert [(o.event.kind, o.event.rule) for o in outs if isinstance(o, RiskEventOut)] == [
        ("limits", "limits"), ("breach", "max_long")]
    assert ("max_long", "ACC001", "AAPL") in ops.breaches(oms)


def test_bad_limits_change_nothing_and_are_journaled_as_ignored():
    oms = make(max_order_qty=1000)
    before = ops.risk_engine(oms).config
    for cmd in (SetLimits(account="ACC001", names=("max_banana",)), limits(symbol="AAPL", credit_limit=D(5)),
                limits("*", inherit=("max_long",))):
        outs = oms.handle(cmd, 1)
        assert ignored(outs) and not [o for o in outs if isinstance(o, RiskEventOut)]
    assert ops.risk_engine(oms).config == before


# -- routing and venues -------------------------------------------------------------------------


def test_a_disabled_venue_gets_nothing_and_comes_back_in_its_place_when_enabled():
    oms = make()
    assert [n.venue for n in news(new(oms, "A1", 500, "190.01"))] == ["EXCH", "ECN"]
    oms.handle(SetVenueRules(venue="EXCH", enabled=False), 2)
    assert [n.venue for n in news(new(oms, "A2", 100, "190.01", now=3))] == ["ECN"]
    r = reports(new(oms, "A3", 100, ex_destination="EXCH", now=4))
    assert r[0].exec_type.value == "8" and "EXCH is not a venue here" in (r[0].text or "")
    oms.handle(SetVenueRules(venue="EXCH", enabled=True), 5)
    assert [r.name for r in ops.venue_rules(oms)] == ["EXCH", "ECN", "DARK"]
    assert [n.venue for n in news(new(oms, "A4", 500, "190.01", now=6))] == ["EXCH", "ECN"]


def test_making_a_venue_dark_and_lowering_the_ping_size_sends_a_dark_ping_first():
    oms = make()
    assert [n.venue for n in news(new(oms, "A1", 200, "190.05"))] == ["ECN"]  # DARK is neither lit nor dark
    oms.handle(SetVenueRules(venue="DARK", dark=True, taker_fee=D("0.001")), 2)
    oms.handle(SetRouting(dark_ping_min_order=100), 3)
    [ping] = news(new(oms, "A2", 200, "190.05", now=4))
    assert (ping.venue, ping.tif, ping.min_qty) == ("DARK", "3", 100)
    oms.handle(SetRouting(dark_ping=False), 5)
    assert [n.venue for n in news(new(oms, "A3", 200, "190.05", now=6))] == ["ECN"]
    assert oms.routing.dark_ping_min_order == 100  # a field left out keeps its value
    dark = [r for r in ops.venue_rules(oms) if r.name == "DARK"]
    assert dark == [VenueRule(name="DARK", lit=False, dark=True, taker_fee=D("0.001"))]


def test_unknown_venue_and_bad_routing_values_change_nothing():
    oms = make()
    policy = oms.routing
    assert ignored(oms.handle(SetVenueRules(venue="NOPE", enabled=False), 1))
    assert ignored(oms.handle(SetRouting(dark_min_qty=0), 2))
    assert oms.routing == policy


# -- algo defaults --------------------------------------------------------------------------------


def test_algo_defaults_fill_the_keys_an_order_leaves_out_and_its_own_win():
    oms = make()
    oms.handle(SetAlgoDefaults(strategy=1000, params=(("duration_minutes", "30"), ("num_slices", "6"))), 1)
    algo_order(oms, "T1", (("num_slices", "3"),))
    st = oms_views.parent(oms, "O1").algo  # type: ignore[union-attr]
    assert st is not None and dict(st.spec.params) == {"num_slices": "3", "duration_minutes": "30"}
    oms.handle(SetAlgoDefaults(strategy=1000), 2)  # () clears them
    algo_order(oms, "T2", (), now=3)
    st = oms_views.parent(oms, "O2").algo  # type: ignore[union-attr]
    assert st is not None and st.spec.params == ()


def test_a_bad_default_rejects_the_order_naming_it_and_an_unknown_strategy_is_ignored():
    oms = make()
    assert ignored(oms.handle(SetAlgoDefaults(strategy=77, params=(("a", "1"),)), 1))
    oms.handle(SetAlgoDefaults(strategy=1000, params=(("wobble", "1"),)), 2)
    r = reports(algo_order(oms, "T1", (), now=3))
    assert r[0].exec_type.value == "8" and "wobble" in (r[0].text or "")


# -- journal and replay ---------------------------------------------------------------------------


SCRIPT: list[Command] = [
    limits(max_order_qty=400, credit_limit=D("2000000")),
    limits("*", max_long=100000),
    limits(symbol="MSFT", collar_pct=D("2.5")),
    SetVenueRules(venue="EXCH", enabled=False, taker_fee=D("0.0025")),
    SetRouting(internal_cross=False, dark_min_qty=50),
    SetAlgoDefaults(strategy=1000, params=(("duration_minutes", "15"),)),
    Mark(symbol="AAPL", price=D("190.00")),
]


def _run(oms: Oms, store: Store | None = None) -> None:
    def go(cmd: Command, now: int) -> None:
        outs = oms.handle(cmd, now)
        if store is not None:
            store.append(to_records(outs, now, batch_start=True))

    for i, cmd in enumerate(SCRIPT):
        go(cmd, i + 1)
    order = NewOrder(cl_ord_id="A1", symbol="AAPL", side=Side.BUY, order_qty=500, ord_type=OrdType.LIMIT,
                     price=D("190.01"), time_in_force=TIF.DAY)
    go(ClientNew(session="CLIENT1", account="ACC001", order=order, raw_side=Side.BUY), 20)  # over 400: rejected
    go(ClientNew(session="CLIENT1", account="ACC001", order=replace(order, cl_ord_id="A2", order_qty=300),
                 raw_side=Side.BUY), 21)
    go(limits(inherit=("max_order_qty",)), 22)
    go(SetVenueRules(venue="EXCH", enabled=True), 23)


def _state(oms: Oms) -> object:
    return (oms.snapshot(), ops.risk_engine(oms).config, oms.routing, ops.venue_rules(oms), oms._all_venues,
            oms._lit_venues, oms._dark_venues, oms.venue_stats._fees)


def test_every_setting_command_round_trips_through_its_journal_record():
    oms = make()
    for i, cmd in enumerate(SCRIPT):
        record = oms.handle(cmd, i)[0]
        assert isinstance(record, Journal) and record.kind == "command"
        assert decode_command(json.loads(json.dumps(record.body, default=str))) == (cmd, i)


def test_a_replay_of_the_journal_gives_the_same_limits_routing_venues_and_orders(tmp_path: Path):
    first = make()
    with Store.open(tmp_path / "oms.db") as store:
        _run(first, store)
    assert [first.order(o).ord_status.value for o in ("O1", "O2")] == ["8", "0"]  # type: ignore[union-attr]
    again = make()
    with Store.open(tmp_path / "oms.db", readonly=True) as store:
        got = replay_journal(again, store)  # compares each replayed record with the journal's
    assert got.commands == len(SCRIPT) + 4
    assert _state(again) == _state(first)
    assert ops.risk_engine(again).config.limits("ACC001", "MSFT").collar_pct == D("2.5")
    assert again.routing.algo_defaults == ((1000, (("duration_minutes", "15"),)),)
