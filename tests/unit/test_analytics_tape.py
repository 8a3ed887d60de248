"""The tape's interval queries against brute force, and the mid path's as-of lookups."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oms_fix.analytics import MidPath, Tape

D = Decimal
prints_st = st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 20_000).map(lambda c: D(c) / 100),
                               st.integers(1, 5000)), max_size=60)


def test_an_interval_is_closed_at_both_ends() -> None:
    tape = Tape([(10, D("10.00"), 100), (20, D("10.10"), 300), (30, D("10.20"), 100)])
    assert tape.volume(10, 20) == 400 and tape.volume(11, 19) == 0 and tape.volume(0, 100) == 500
    assert tape.vwap(10, 20) == (D("1000") + D("3030")) / 400 == D("10.075")
    assert tape.vwap(11, 19) is None and tape.notional(30, 30) == D("1020.00")
    assert tape.span == (10, 30) and len(tape) == 3
    assert Tape([]).span == (0, -1) and Tape([]).volume(*Tape([]).span) == 0


@settings(max_examples=200, deadline=None)
@given(prints_st, st.integers(-5, 1005), st.integers(-5, 1005))
def test_interval_vwap_and_volume_are_the_sums_over_the_prints_inside(prints: list[tuple[int, Decimal, int]],
                                                                      a: int, b: int) -> None:
    t0, t1 = min(a, b), max(a, b)
    tape = Tape(prints)  # in any order
    inside = [(p, q) for t, p, q in prints if t0 <= t <= t1]
    qty = sum(q for _, q in inside)
    assert tape.volume(t0, t1) == qty
    assert tape.notional(t0, t1) == sum((p * q for p, q in inside), D(0))
    assert tape.vwap(t0, t1) == (sum((p * q for p, q in inside), D(0)) / qty if qty else None)


def test_the_mid_is_the_last_seen_at_or_before_the_time() -> None:
    path = MidPath([(10, D("1.0")), (20, None), (30, D("1.2"))])
    assert path.at(9) is None and path.at(10) == D("1.0") and path.at(29) == D("1.0") and path.at(30) == D("1.2")
    assert path.after(10, 20) == D("1.2") and path.after(10, 21) is None and path.last_time == 30
    assert MidPath([]).after(0, 0) is None
