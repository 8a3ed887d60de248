"""The fault plan (sim_venues/faults.py): arming, matching by scope, counting, reporting what never fired."""

from __future__ import annotations

import pytest

from sim_venues.faults import IMMEDIATE, KINDS, FaultError, FaultPlan, Scope, check_params

MS = 1_000_000
T0 = 1_800_000_000 * 1_000_000_000


def plan() -> FaultPlan:
    return FaultPlan(7, symbols=("AAPL", "MSFT"))


def new(p: FaultPlan, now: int = T0, symbol: str = "AAPL", session: str = "C1", cl: str = "1"):
    return p.match("new", symbol=symbol, session=session, now=now, cl_ord_id=cl)


def test_ids_and_defaults():
    p = plan()
    assert p.arm("reject", {}, Scope(), T0) == "F1"
    assert p.arm("reject_cancel", {"text": "no"}, Scope(), T0) == "F2"
    [a, b] = p.armed(T0)
    assert a["params"] == {"reason": 0, "text": "simulated fault: order rejected"}
    assert b["params"] == {"reason": 0, "text": "no"}
    assert (a["fired"], a["left"]) == (0, None)


@pytest.mark.parametrize("kind, params, names", [
    ("reject", {"reason": 12}, "params.reason"),
    ("reject", {"reason": "3"}, "params.reason"),
    ("reject", {"why": 1}, "params.why"),
    ("no_fill", {"ratio": 0.5}, "params.ratio"),
    ("partial_fill", {}, "params.ratio"),
    ("partial_fill", {"ratio": 1.0}, "params.ratio"),
    ("partial_fill", {"slices": [100, 0]}, "params.slices"),
    ("worse_price", {}, "params.ticks"),
    ("worse_price", {"ticks": 0}, "params.ticks"),
    ("delay_ack", {}, "params.ms"),
    ("delay_ack", {"dist": "uniform", "low_ms": 5, "high_ms": 1}, "params.high_ms"),
    ("delay_fills", {"dist": "normal"}, "params.dist"),
    ("delay_fills", {"dist": "exponential", "mean_ms": 0}, "params.mean_ms"),
    ("cancel_unsolicited", {"after_ms": -1}, "params.after_ms"),
    ("cancel_unsolicited", {"reason": 11}, "params.reason"),
    ("reject_cancel", {"reason": 7}, "params.reason"),
    ("bust", {}, "kind: bust"),
    ("explode", {}, "kind: 'explode'"),
])
def test_bad_params_are_named(kind, params, names):
    with pytest.raises(FaultError, match=names.replace("(", r"\(")):
        plan().arm(kind, params, Scope(), T0)


@pytest.mark.parametrize("scope, names", [
    (Scope(symbol="IBM"), "scope.symbol"), (Scope(count=0), "scope.count"),
    (Scope(probability=1.5), "scope.probability"), (Scope(start_ns=5, end_ns=5), "scope.end_ns")])
def test_bad_scope_is_named(scope, names):
    with pytest.raises(FaultError, match=names):
        plan().arm("no_fill", {}, scope, T0)


def test_immediate_operations_are_checked_not_armed():
    assert set(IMMEDIATE) == {"bust", "correct", "halt", "resume", "drop_connection", "fair_value", "volume_spike"}
    assert check_params("correct", {"exec_id": "E1", "price": "190.01"}) == \
        {"exec_id": "E1", "qty": None, "price": "190.01"}
    with pytest.raises(FaultError, match="params.qty"):
        check_params("correct", {"exec_id": "E1"})
    with pytest.raises(FaultError, match="params.exec_id"):
        check_params("bust", {})
    with pytest.raises(FaultError, match="params.symbol"):
        check_params("halt", {})


def test_each_kind_fires_at_its_point_only():
    for kind, spec in KINDS.items():
        if spec.point is None or spec.point == "market":  # market states are asked by window: market_faults.py
            continue
        params = {"partial_fill": {"ratio": 0.5}, "worse_price": {"ticks": 1}, "delay_ack": {"ms": 5},
                  "delay_fills": {"ms": 5}}.get(kind, {})
        p = plan()
        p.arm(kind, params, Scope(), T0)
        for point in ("new", "cancel", "fill"):
            got = p.match(point, symbol="AAPL", session="C1", now=T0)
            assert (got is not None) == (point == spec.point), (kind, point)


def test_count_symbol_session_and_window():
    p = plan()
    p.arm("reject", {}, Scope(symbol="AAPL", session="C1", count=2, start_ns=T0 + 10, end_ns=T0 + 20), T0)
    assert new(p, T0 + 5) is None  # before the window
    assert new(p, T0 + 10, symbol="MSFT") is None
    assert new(p, T0 + 10, session="C2") is None
    a = new(p, T0 + 10, cl="X")
    assert a is not None and (a.fault_id, a.kind) == ("F1", "reject")
    assert new(p, T0 + 11) is not None
    assert new(p, T0 + 12) is None  # count spent
    assert not p
    assert [(f["id"], f["cl_ord_id"], f["time_ns"]) for f in p.fired()] == [("F1", "X", T0 + 10), ("F1", "1", T0 + 11)]
    assert p.armed(T0 + 12) == [] and p.unfired(T0 + 30) == []


def test_first_armed_wins_and_kinds_narrow():
    p = plan()
    p.arm("no_fill", {}, Scope(count=1), T0)
    p.arm("delay_ack", {"ms": 3}, Scope(count=1), T0)
    assert p.match("new", symbol="AAPL", session="C1", now=T0, kinds=("delay_ack",)).delay_ns == 3 * MS
    assert p.match("new", symbol="AAPL", session="C1", now=T0).kind == "no_fill"


def test_unfired_names_why_and_fired_ones_are_not_listed():
    p = plan()
    p.arm("reject", {}, Scope(end_ns=T0 + 100), T0)
    p.arm("no_fill", {}, Scope(), T0)
    p.arm("worse_price", {"ticks": 1}, Scope(probability=0.0), T0)
    p.arm("no_fill", {}, Scope(count=1), T0)
    assert new(p).fault_id == "F1"
    assert p.disarm("F2", T0) and not p.disarm("F2", T0) and not p.disarm("F9", T0)
    assert [(f["id"], f["why"]) for f in p.unfired(T0 + 200)] == [
        ("F2", "disarmed before it fired"), ("F3", "probability 0: it can never fire")]
    assert [f["id"] for f in p.armed(T0 + 200)] == ["F4"]
    assert [f["id"] for f in p.pending(T0 + 200)] == ["F4"]


def test_window_end_is_reported_once_by_expire():
    p = plan()
    p.arm("reject", {}, Scope(end_ns=T0 + 100), T0)
    assert p.expire(T0 + 50) == []
    assert [f["id"] for f in p.expire(T0 + 100)] == ["F1"] and p.expire(T0 + 200) == []
    assert p.unfired(T0 + 100)[0]["why"] == "its window ended before anything matched"
    assert not p


def test_delays_are_drawn_from_the_seed():
    def draws(seed: int) -> list[int]:
        p = FaultPlan(seed)
        p.arm("delay_fills", {"dist": "uniform", "low_ms": 1, "high_ms": 9}, Scope(), T0)
        p.arm("delay_ack", {"dist": "exponential", "mean_ms": 4}, Scope(probability=0.5), T0)
        out = []
        for i in range(20):
            for point in ("fill", "new"):
                a = p.match(point, symbol="AAPL", session="C1", now=T0 + i)
                out.append(-1 if a is None else a.delay_ns)
        return out
    a = draws(3)
    assert a == draws(3) and a != draws(4)
    assert all(MS <= d <= 9 * MS for d in a[0::2])
    assert -1 in a[1::2] and any(d >= 0 for d in a[1::2])


def test_note_and_record():
    p = plan()
    p.arm("partial_fill", {"slices": [10, 20]}, Scope(), T0)
    a = new(p)
    p.note(a, "filled 30 of 100")
    fid = p.record("bust", {"exec_id": "E1"}, T0 + 1, session="C1", symbol="AAPL", what="busted E1")
    assert fid == "F2"
    assert [(f["id"], f["point"], f["what"]) for f in p.fired()] == [
        ("F1", "new", "filled 30 of 100"), ("F2", "immediate", "busted E1")]


def test_venues_yaml_faults_are_checked_at_load(tmp_path):
    from sim_venues.config import VenuesConfigError, load_venues_config

    def load(faults):
        import yaml
        p = tmp_path / "venues.yaml"
        p.write_text(yaml.safe_dump({"venues": {"EXCH": {"kind": "exchange", "port": 0, "faults": faults}}}))
        return load_venues_config(p)

    cfg = load([{"kind": "no_fill", "scope": {"session": "C1", "start_s": 5, "end_s": 10}}])
    f = cfg.venues["EXCH"].faults[0]
    assert f.scope.scope(T0) == Scope(session="C1", start_ns=T0 + 5_000_000_000, end_ns=T0 + 10_000_000_000)
    with pytest.raises(VenuesConfigError, match="venues.EXCH.faults.0.*params.ticks"):
        load([{"kind": "worse_price"}])
    with pytest.raises(VenuesConfigError, match="immediate operation"):
        load([{"kind": "halt", "params": {"symbol": "AAPL"}}])


def test_a_configured_halt_lifts_only_its_own_halt_never_a_testers():
    from sim_venues.instruments import load_instruments
    from sim_venues.venues import Halt, Venue, VenueSpec

    s = 1_000_000_000
    spec = VenueSpec(name="EXCH", kind="ecn", port=0, halts=(Halt("TSLA", 20, 5), Halt("MSFT", 20, 5)))
    v = Venue(spec, load_instruments(), T0)
    v.advance(T0 + 21 * s)
    assert v.halted == {"TSLA", "MSFT"}
    v.resume("MSFT", T0 + 22 * s)  # a tester resumes it early: the configured halt does not halt it again
    v.advance(T0 + 23 * s)
    assert v.halted == {"TSLA"}
    v.halt("MSFT", T0 + 24 * s)  # and halts it again inside the window: the window's end leaves it halted
    v.advance(T0 + 26 * s)
    assert v.halted == {"MSFT"}
    v.resume("MSFT", T0 + 27 * s)
    v.advance(T0 + 28 * s)
    assert v.halted == set()
    v.halt("TSLA", T0 + 30 * s)  # the control API's halt, after the configured one is over
    v.advance(T0 + 31 * s)
    v.advance(T0 + 40 * s)
    assert v.halted == {"TSLA"}, "still halted until the tester resumes it"
