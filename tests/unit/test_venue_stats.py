"""``VenueStats``: what the OMS learns of each venue from its own children (fill and reject rates, ack
latency, availability across down and up), the rank the router breaks ties with, and ``figures()``."""

from __future__ import annotations

import json

import pytest

from decimal import Decimal

from oms_fix.engine.venue_stats import VenueStats

S = 1_000_000_000
T0 = 1_800_000_000 * S
MS = 1_000_000


def child(st: VenueStats, venue: str, qty: int, filled: int, ended_by: str, now: int) -> None:
    """One child's life: sent, acknowledged after 2 ms, ``filled`` of it in one fill, then ended."""
    st.sent(venue, qty, now)
    if ended_by != "8":
        st.acked(venue, 2 * MS, now + 2 * MS)
    if filled:
        st.filled(venue, filled, now + 3 * MS)
    st.ended(venue, qty, filled, ended_by, now + 4 * MS)


def test_a_venue_with_no_history() -> None:
    st = VenueStats(["EXCH", "ECN"])
    assert st.rank() == {"EXCH": 0.5, "ECN": 0.5}
    assert st.figures(T0) == {v: {"children": 0, "qty": 0, "fills": 0, "filled_qty": 0, "fill_rate": None,
                                  "rejects": 0, "reject_rate": 0.0, "unsolicited_cancels": 0,
                                  "ack_latency_us": None, "slippage_bps": None, "markout_1m_bps": None,
                                  "availability": None, "down": False}
                              for v in ("ECN", "EXCH")}


def test_fill_rate_is_quantity_filled_over_quantity_of_children_that_ended() -> None:
    st = VenueStats(["EXCH"])
    child(st, "EXCH", 300, 300, "F", T0)
    child(st, "EXCH", 500, 200, "4", T0 + S)  # canceled after a partial fill
    st.sent("EXCH", 1000, T0 + 2 * S)  # still working: not in the rate yet
    st.filled("EXCH", 400, T0 + 2 * S)
    f = st.figures(T0 + 3 * S)["EXCH"]
    assert (f["children"], f["qty"], f["fills"], f["filled_qty"]) == (3, 1800, 3, 900)
    assert f["fill_rate"] == round(500 / 800, 4)
    st.ended("EXCH", 1000, 400, "4", T0 + 3 * S)
    assert st.figures(T0 + 3 * S)["EXCH"]["fill_rate"] == round(900 / 1800, 4)


def test_reject_rate_is_rejected_children_over_children_sent() -> None:
    st = VenueStats(["ECN"])
    child(st, "ECN", 100, 0, "8", T0)
    child(st, "ECN", 100, 100, "F", T0)
    child(st, "ECN", 100, 100, "F", T0)
    f = st.figures(T0 + S)["ECN"]
    assert (f["rejects"], f["reject_rate"]) == (1, round(1 / 3, 4))
    assert f["fill_rate"] == round(200 / 300, 4)  # a rejected child counts as sent and unfilled
    assert f["ack_latency_us"] == 2000.0  # rejected children were never acknowledged


def test_ack_latency_is_the_mean_in_microseconds() -> None:
    st = VenueStats(["EXCH"])
    st.acked("EXCH", 1 * MS, T0)
    st.acked("EXCH", 2 * MS + 150, T0)
    st.acked("EXCH", -5 * MS, T0)  # a clock step backwards counts as no latency, not a negative one
    assert st.figures(T0)["EXCH"]["ack_latency_us"] == round((3 * MS + 150) / 3 / 1000, 1)


def test_unsolicited_cancels_are_counted() -> None:
    st = VenueStats(["EXCH"])
    st.unsolicited_cancel("EXCH", T0)
    st.unsolicited_cancel("EXCH", T0 + S)
    assert st.figures(T0 + S)["EXCH"]["unsolicited_cancels"] == 2


def test_availability_is_the_share_of_time_up_since_first_seen() -> None:
    st = VenueStats(["EXCH"])
    st.up("EXCH", T0)  # first seen
    assert st.figures(T0)["EXCH"]["availability"] is None  # no time has passed
    assert st.figures(T0 + 10 * S)["EXCH"]["availability"] == 1.0
    st.down("EXCH", T0 + 10 * S)
    st.down("EXCH", T0 + 12 * S)  # a second down while down does not restart the outage
    f = st.figures(T0 + 15 * S)["EXCH"]
    assert f["down"] and f["availability"] == round(10 / 15, 4)  # the outage so far counts
    st.up("EXCH", T0 + 20 * S)
    st.up("EXCH", T0 + 25 * S)  # up while up changes nothing
    f = st.figures(T0 + 40 * S)["EXCH"]
    assert not f["down"] and f["availability"] == 0.75
    st.down("EXCH", T0 + 40 * S)
    st.up("EXCH", T0 + 50 * S)
    assert st.figures(T0 + 50 * S)["EXCH"]["availability"] == round(30 / 50, 4)


def test_a_venue_first_seen_down_is_unavailable_until_up() -> None:
    st = VenueStats(["ECN"])
    st.down("ECN", T0)
    assert st.figures(T0 + 5 * S)["ECN"]["availability"] == 0.0
    st.up("ECN", T0 + 5 * S)
    assert st.figures(T0 + 10 * S)["ECN"]["availability"] == 0.5


def test_rank_orders_by_fill_rate_and_penalises_rejects() -> None:
    st = VenueStats(["GOOD", "HALF", "NEW", "REJECTS"])
    child(st, "GOOD", 100, 100, "F", T0)
    child(st, "HALF", 200, 100, "4", T0)
    child(st, "REJECTS", 100, 100, "F", T0)
    child(st, "REJECTS", 100, 0, "8", T0)
    rank = st.rank()
    ack = 0.02  # each child here was acknowledged in 2 ms: a millisecond weighs 1%
    assert rank == pytest.approx({"GOOD": 1.0 - ack, "HALF": 0.5 - ack, "NEW": 0.5, "REJECTS": 0.5 - 2 * 0.5 - ack})
    assert sorted(rank, key=lambda v: -rank[v])[0] == "GOOD" and min(rank, key=rank.__getitem__) == "REJECTS"


def test_a_venue_not_named_at_the_start_is_tracked_when_seen() -> None:
    st = VenueStats(["EXCH"])
    child(st, "DARK", 100, 100, "F", T0)
    assert list(st.figures(T0 + S)) == ["DARK", "EXCH"]
    assert st.rank()["DARK"] == pytest.approx(1.0 - 0.02)  # filled, acknowledged in 2 ms


def test_figures_are_json_data_rounded() -> None:
    st = VenueStats(["EXCH"])
    st.up("EXCH", T0)
    child(st, "EXCH", 300, 100, "4", T0)
    st.acked("EXCH", 1_234_567, T0)
    figures = st.figures(T0 + 3 * S)
    assert json.loads(json.dumps(figures)) == figures
    f = figures["EXCH"]
    assert f["fill_rate"] == 0.3333 and f["ack_latency_us"] == round((2 * MS + 1_234_567) / 2 / 1000, 1)
    assert set(f) == {"children", "qty", "fills", "filled_qty", "fill_rate", "rejects", "reject_rate",
                      "unsolicited_cancels", "ack_latency_us", "slippage_bps", "markout_1m_bps", "availability",
                      "down"}


def test_rank_prefers_the_cheaper_and_the_quicker_of_venues_with_no_other_history():
    stats = VenueStats(["EXCH", "ECN"], {"EXCH": Decimal("0.0010"), "ECN": Decimal("0.0030")})
    rank = stats.rank()
    assert rank["EXCH"] > rank["ECN"]
    stats.acked("EXCH", 9_000_000, 1)  # 9 ms
    stats.acked("ECN", 100_000, 1)
    assert stats.rank()["EXCH"] - rank["EXCH"] == pytest.approx(-0.09)


def test_slippage_against_the_last_mark_and_markout_against_a_mark_a_minute_later():
    st = VenueStats(["EXCH"])
    st.mark("AAPL", 100.0, T0)
    st.filled("EXCH", 100, T0 + S, "AAPL", 1, 100.02)  # a buy 2 bps over the mid
    st.filled("EXCH", 300, T0 + S, "AAPL", -1, 99.99)  # a sell 1 bp under it
    f = st.figures(T0 + S)["EXCH"]
    assert f["slippage_bps"] == pytest.approx((2.0 * 100 + 1.0 * 300) / 400, abs=0.01)
    assert f["markout_1m_bps"] is None
    st.mark("AAPL", 100.10, T0 + 30 * S)  # too soon
    assert st.figures(T0 + 30 * S)["EXCH"]["markout_1m_bps"] is None
    st.mark("AAPL", 100.10, T0 + 61 * S)  # the mid rose 10 cents: good for the buy, bad for the sell
    buy = (100.02 - 100.10) / 100.02 * 10_000
    sell = -(99.99 - 100.10) / 99.99 * 10_000
    assert st.figures(T0 + 61 * S)["EXCH"]["markout_1m_bps"] == pytest.approx((buy * 100 + sell * 300) / 400, abs=0.01)
