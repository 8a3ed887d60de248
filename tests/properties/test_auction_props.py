"""The uncross against a brute-force search over every eligible price, and allocate's accounting."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from sim_venues.auction import Uncross, allocate, uncross

LEVELS = st.lists(st.tuples(st.integers(90, 110), st.integers(0, 12)), max_size=8)
MKT = st.integers(0, 15)
REF = st.none() | st.integers(80, 120)


def brute(bids: list[tuple[int, int]], asks: list[tuple[int, int]], mb: int, ms: int, ref: int | None) -> Uncross | None:
    limits = [p for p, q in bids + asks if q > 0]
    if limits:
        prices = list(range(min(limits), max(limits) + 1))
    else:
        prices = [ref] if ref is not None and ref > 0 else []
    best = None
    for p in prices:
        d = mb + sum(q for bp, q in bids if bp >= p and q > 0)
        s = ms + sum(q for ap, q in asks if ap <= p and q > 0)
        v = min(d, s)
        if v <= 0:
            continue
        key = (-v, abs(d - s), abs(p - ref) if ref is not None else 0, p)
        if best is None or key < best[0]:
            best = (key, Uncross(p, v, d - s))
    return None if best is None else best[1]


@settings(max_examples=400, deadline=None)
@given(LEVELS, LEVELS, MKT, MKT, REF)
def test_uncross_matches_brute_force(bids: list[tuple[int, int]], asks: list[tuple[int, int]], mb: int, ms: int,
                                     ref: int | None) -> None:
    assert uncross(bids, asks, mb, ms, ref) == brute(bids, asks, mb, ms, ref)


@settings(max_examples=200, deadline=None)
@given(LEVELS, LEVELS, MKT, MKT, REF)
def test_no_price_anywhere_executes_more(bids: list[tuple[int, int]], asks: list[tuple[int, int]], mb: int, ms: int,
                                         ref: int | None) -> None:
    """Prices outside the eligible range never beat it on volume (the range restriction loses nothing)."""
    got = uncross(bids, asks, mb, ms, ref)
    has_limits = any(q > 0 for _, q in bids + asks)
    for p in range(1, 130):
        d = mb + sum(q for bp, q in bids if bp >= p)
        s = ms + sum(q for ap, q in asks if ap <= p)
        if got is not None:
            assert min(d, s) <= got.volume
        elif has_limits:
            assert min(d, s) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 9), max_size=6), st.lists(st.integers(1, 9), max_size=6), st.integers(0, 60))
def test_allocate_fills_in_order_and_never_overfills(buys: list[int], sells: list[int], volume: int) -> None:
    b = list(enumerate(buys))
    s = list(enumerate(sells))
    pairs = allocate(b, s, volume)
    assert sum(q for _, _, q in pairs) == min(volume, sum(buys), sum(sells))
    for i, qty in b:
        assert sum(q for x, _, q in pairs if x == i) <= qty
    for j, qty in s:
        assert sum(q for _, y, q in pairs if y == j) <= qty
    # priority: a buyer gets nothing while an earlier one still has quantity left
    got = [sum(q for x, _, q in pairs if x == i) for i, _ in b]
    for i in range(1, len(got)):
        if got[i]:
            assert got[i - 1] == buys[i - 1]
