"""The uncross rule, one tie-break at a time, and the allocation of the volume."""

from __future__ import annotations

from sim_venues.auction import Uncross, allocate, uncross


def test_nothing_crosses() -> None:
    assert uncross([(99, 10)], [(100, 10)]) is None
    assert uncross([], [(100, 10)]) is None
    assert uncross([(100, 5)], []) is None


def test_maximum_volume_wins() -> None:
    # at 100: 15 vs 10 -> 10; at 101: 5 vs 20 -> 5
    assert uncross([(100, 10), (101, 5)], [(100, 10), (101, 10)]) == Uncross(100, 10, 5)


def test_minimum_imbalance_breaks_a_volume_tie() -> None:
    # at 100 and 101 the volume is 10; at 100 the surplus is 10 (buy), at 101 it is 0
    assert uncross([(101, 10), (100, 10)], [(100, 10)], reference=100) == Uncross(101, 10, 0)
    got = uncross([(100, 10), (102, 10)], [(100, 10), (101, 10)])
    # at 100: d 20 s 10 -> 10 imb 10; 101: d 10 s 20 -> 10 imb -10; 102: d 10 s 20 -> 10 imb -10
    # between 100 and 101 there is no tick; so 100, 101, 102 tie on volume and |imbalance|: lower price
    assert got == Uncross(100, 10, 10)
    got = uncross([(100, 10), (103, 10)], [(100, 10), (101, 5)])
    # 100: d 20 s 10 -> 10 (imb 10); 101: d 10 s 15 -> 10 (imb -5); 102,103 the same as 101 -> 101 by |imb|
    assert got == Uncross(101, 10, -5)


def test_reference_breaks_a_volume_and_imbalance_tie() -> None:
    bids, asks = [(105, 10)], [(100, 10)]
    assert uncross(bids, asks) == Uncross(100, 10, 0)  # no reference: the lower price
    assert uncross(bids, asks, reference=103) == Uncross(103, 10, 0)  # inside the range: the reference itself
    assert uncross(bids, asks, reference=90) == Uncross(100, 10, 0)
    assert uncross(bids, asks, reference=200) == Uncross(105, 10, 0)


def test_market_orders_add_to_demand_and_supply() -> None:
    assert uncross([], [(100, 10)], market_buy_qty=4) == Uncross(100, 4, -6)
    assert uncross([(100, 3)], [], market_sell_qty=5) == Uncross(100, 3, -2)
    assert uncross([], [], market_buy_qty=4, market_sell_qty=3, reference=50) == Uncross(50, 3, 1)
    assert uncross([], [], market_buy_qty=4, market_sell_qty=3) is None


def test_levels_at_the_same_price_are_summed() -> None:
    assert uncross([(100, 3), (100, 4)], [(100, 7)]) == Uncross(100, 7, 0)


def test_allocate_pairs_in_priority_order_up_to_the_volume() -> None:
    pairs = allocate([("b1", 5), ("b2", 5)], [("s1", 3), ("s2", 10)], 8)
    assert pairs == [("b1", "s1", 3), ("b1", "s2", 2), ("b2", "s2", 3)]
    assert allocate([("b", 5)], [], 5) == [] and allocate([("b", 5)], [("s", 5)], 0) == []
