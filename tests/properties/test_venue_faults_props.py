"""The fault plan is repeatable from its seed and never fires outside its scope."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim_venues.faults import FaultPlan, Scope

T0 = 1_800_000_000 * 1_000_000_000
SYMBOLS = ("AAPL", "MSFT")
SESSIONS = ("C1", "C2")

scopes = st.builds(
    Scope,
    symbol=st.sampled_from((None, *SYMBOLS)),
    session=st.sampled_from((None, *SESSIONS)),
    count=st.one_of(st.none(), st.integers(1, 5)),
    start_ns=st.one_of(st.none(), st.integers(T0, T0 + 50)),
    end_ns=st.one_of(st.none(), st.integers(T0 + 51, T0 + 120)),
    probability=st.sampled_from((1.0, 0.5, 0.1, 0.0)),
)
faults = st.tuples(st.sampled_from(("reject", "no_fill", "delay_ack", "worse_price", "reject_cancel")), scopes)
calls = st.lists(st.tuples(st.sampled_from(("new", "cancel", "fill")), st.sampled_from(SYMBOLS),
                           st.sampled_from(SESSIONS), st.integers(0, 150)), max_size=60)
PARAMS = {"delay_ack": {"dist": "uniform", "low_ms": 0, "high_ms": 10}, "worse_price": {"ticks": 2}}


def run(seed: int, armed: list[tuple[str, Scope]], script: list[tuple[str, str, str, int]]):
    p = FaultPlan(seed, SYMBOLS)
    for kind, scope in armed:
        p.arm(kind, PARAMS.get(kind, {}), scope, T0)
    got = []
    for i, (point, symbol, session, dt) in enumerate(sorted(script, key=lambda c: c[3])):
        a = p.match(point, symbol=symbol, session=session, now=T0 + dt, cl_ord_id=str(i))
        got.append(None if a is None else (a.fault_id, a.delay_ns))
    return p, got


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.lists(faults, max_size=4), calls)
def test_same_seed_same_calls_same_firings(seed, armed, script):
    p1, got1 = run(seed, armed, script)
    p2, got2 = run(seed, armed, script)
    assert got1 == got2 and p1.fired() == p2.fired()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.lists(faults, min_size=1, max_size=4), calls)
def test_fires_only_in_scope_and_at_most_count(seed, armed, script):
    p, _ = run(seed, armed, script)
    by_id = {f"F{i + 1}": (kind, scope) for i, (kind, scope) in enumerate(armed)}
    point_of = {"reject": "new", "no_fill": "new", "delay_ack": "new", "worse_price": "fill", "reject_cancel": "cancel"}
    fired: dict[str, int] = {}
    for f in p.fired():
        kind, s = by_id[f["id"]]
        fired[f["id"]] = fired.get(f["id"], 0) + 1
        assert f["point"] == point_of[kind]
        assert s.symbol in (None, f["symbol"]) and s.session in (None, f["session"])
        assert s.start_ns is None or f["time_ns"] >= s.start_ns
        assert s.end_ns is None or f["time_ns"] < s.end_ns
        assert s.probability > 0
    for fid, n in fired.items():
        count = by_id[fid][1].count
        assert count is None or n <= count


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 6), st.integers(0, 12))
def test_count_n_fires_exactly_n_times_when_enough_match(seed, n, extra):
    p = FaultPlan(seed)
    p.arm("reject", {}, Scope(symbol="AAPL", count=n), T0)
    hits = [p.match("new", symbol=sym, session="C1", now=T0 + i) is not None
            for i, sym in enumerate(["MSFT", "AAPL"] * (n + extra))]
    assert sum(hits) == n
    assert not any(hits[0::2])  # never for another symbol
    assert p.armed(T0 + 1000) == [] and p.unfired(T0 + 1000) == []
