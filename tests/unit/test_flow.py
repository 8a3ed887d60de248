"""The background market: determinism (rerun, reseed, restep), the intraday U, the walk's volatility, skew."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import pytest

from sim_venues.flow import (
    NOISE,
    NOISE_ADV_SHARE,
    Action,
    BackgroundMarket,
    Cancel,
    Place,
    Quote,
    cumulative_volume,
    volume_profile,
)
from sim_venues.instruments import Instrument
from sim_venues.orders import Side

NS = 1_000_000_000
OPEN = 1_700_000_000 * NS
DAY = int(6.5 * 3600 * NS)
CLOSE = OPEN + DAY


def inst(symbol: str = "AAPL", px: str = "190.00", vol: float = 0.25, adv: int = 55_000_000) -> Instrument:
    return Instrument(symbol=symbol, tick_size=Decimal("0.01"), reference_price=Decimal(px), annual_volatility=vol,
                      adv_shares=adv, lot_size=100)


INSTRUMENTS = {i.symbol: i for i in (inst(), inst("TSLA", "175.00", 0.55, 95_000_000))}


def market(seed: int = 7, close: int = OPEN + 600 * NS, rate_scale: float = 1.0) -> BackgroundMarket:
    return BackgroundMarket(INSTRUMENTS, seed, OPEN - 60 * NS, OPEN, close, rate_scale)


def run(m: BackgroundMarket, until: int, step: int) -> list[Action]:
    out: list[Action] = []
    t = m.now
    while t < until:
        t = min(until, t + step)
        out += m.advance(t)
    return out


# -- determinism -----------------------------------------------------------------

def test_same_seed_same_actions_different_seed_different() -> None:
    a = market(7).advance(OPEN + 600 * NS)
    b = market(7).advance(OPEN + 600 * NS)
    c = market(8).advance(OPEN + 600 * NS)
    assert a == b and a != c
    kinds = {type(x) for x in a}
    assert kinds == {Quote, Place, Cancel}


def test_fine_and_coarse_stepping_give_the_same_actions() -> None:
    end = OPEN + 600 * NS
    coarse = market(rate_scale=3).advance(end)
    fine = run(market(rate_scale=3), end, 7_777_777)  # ~8 ms steps, not aligned with anything
    irregular = run(market(rate_scale=3), end, 61 * NS + 3)
    assert fine == coarse == irregular
    assert [x.time_ns for x in coarse] == sorted(x.time_ns for x in coarse)
    assert all(OPEN <= x.time_ns < end for x in coarse)


def test_fair_value_is_the_same_whatever_the_stepping() -> None:
    a, b = market(), market()
    b.advance(OPEN + 300 * NS)
    b.advance(OPEN + 300 * NS)  # the same time twice is allowed and does nothing
    a.advance(OPEN + 300 * NS - 1)
    a.advance(OPEN + 300 * NS)
    assert a.fair_value("AAPL") == b.fair_value("AAPL")
    with pytest.raises(ValueError, match="backwards"):
        a.advance(OPEN)


def test_golden_numbers() -> None:
    acts = market(7).advance(OPEN + 120 * NS)
    places = [x for x in acts if isinstance(x, Place)]
    assert (len(acts), len(places)) == GOLDEN_COUNTS
    assert places[0] == GOLDEN_FIRST_PLACE


def test_a_symbol_added_does_not_change_another() -> None:
    alone = BackgroundMarket([inst()], 7, OPEN, OPEN, OPEN + 600 * NS).advance(OPEN + 600 * NS)
    both = market(7).advance(OPEN + 600 * NS)
    assert alone == [x for x in both if x.symbol == "AAPL"]


# -- the session and the flow's shape --------------------------------------------

def test_volume_profile_is_a_u_with_mean_one() -> None:
    n = 100_000
    assert abs(sum(volume_profile((i + 0.5) / n) for i in range(n)) / n - 1.0) < 1e-6
    assert volume_profile(0.0) == volume_profile(1.0) == 2.0 and volume_profile(0.5) == 0.5
    assert volume_profile(-0.1) == volume_profile(1.1) == 0.0
    assert cumulative_volume(0.0) == 0.0 and abs(cumulative_volume(1.0) - 1.0) < 1e-12
    assert abs(cumulative_volume(0.5) - 0.5) < 1e-12 and cumulative_volume(0.1) > 0.15


def test_more_arrivals_near_the_open_and_close_than_midday() -> None:
    m = BackgroundMarket([inst()], 11, OPEN, OPEN, CLOSE)
    times = [(x.time_ns - OPEN) / DAY for x in m.advance(CLOSE) if isinstance(x, Place)]
    first = sum(t < 0.1 for t in times)
    last = sum(t >= 0.9 for t in times)
    middle = sum(0.45 <= t < 0.55 for t in times)
    assert first > 2 * middle and last > 2 * middle
    expected = len(times) * cumulative_volume(0.1)
    assert abs(first - expected) < 5 * math.sqrt(expected)
    assert m.advance(CLOSE + 3600 * NS) == []  # nothing from the close on


def test_noise_trades_about_its_share_of_adv() -> None:
    m = BackgroundMarket([inst()], 12, OPEN, OPEN, CLOSE, rate_scale=0.5)
    shares = sum(x.qty for x in m.advance(CLOSE) if isinstance(x, Place))
    assert 0.9 < shares / (NOISE_ADV_SHARE * 55_000_000 * 0.5) < 1.1


def test_noise_orders_are_lots_mostly_limits_and_limits_get_cancelled() -> None:
    acts = market(3, rate_scale=5).advance(OPEN + 600 * NS)
    places = [x for x in acts if isinstance(x, Place) and x.symbol == "AAPL"]
    cancels = {x.order_key for x in acts if isinstance(x, Cancel)}
    assert len(places) > 200 and all(x.qty % 100 == 0 and x.qty > 0 and x.participant == NOISE for x in places)
    limits = [x for x in places if x.price_ticks is not None]
    assert 0.6 < len(limits) / len(places) < 0.8
    assert cancels <= {x.order_key for x in acts if isinstance(x, Place) and x.price_ticks is not None}
    assert len(cancels) > 0.6 * len([x for x in acts if isinstance(x, Place) and x.price_ticks is not None])
    assert len({x.order_key for x in places}) == len(places)


def test_the_walks_realised_volatility_is_close_to_the_configured_one() -> None:
    m = BackgroundMarket([inst(vol=0.40)], 5, OPEN, OPEN, CLOSE, rate_scale=0)
    fv = [m.fair_value("AAPL")]
    for k in range(1, DAY // NS + 1):
        m.advance(OPEN + k * NS)
        fv.append(m.fair_value("AAPL"))
    returns = [math.log(b / a) for a, b in zip(fv, fv[1:])]
    realised = statistics.pstdev(returns) * math.sqrt(252 * 6.5 * 3600)
    assert abs(realised - 0.40) < 0.04


# -- makers ------------------------------------------------------------------------

def first_quote(acts: list[Action], who: str) -> Quote:
    return next(x for x in acts if isinstance(x, Quote) and x.participant == who and x.symbol == "AAPL")


def test_a_long_maker_quotes_a_lower_mid_and_a_smaller_bid() -> None:
    flat, long = market(), market()
    assert flat.makers("AAPL")[0] == "MM1"
    long.on_fill("MM1", "AAPL", Side.BUY, 800)
    assert long.inventory("MM1", "AAPL") == 800
    f = first_quote(flat.advance(OPEN + NS), "MM1")
    q = first_quote(long.advance(OPEN + NS), "MM1")
    assert q.bid_px + q.ask_px < f.bid_px + f.ask_px
    assert q.bid_qty < f.bid_qty and q.ask_qty == f.ask_qty
    assert f.ask_px > f.bid_px and q.ask_px > q.bid_px


def test_a_fill_makes_the_maker_requote_at_its_next_turn_not_at_once() -> None:
    m = market(rate_scale=0)
    m.advance(OPEN + 10 * NS)
    m.on_fill("MM2", "AAPL", Side.SELL, 300)
    assert m.inventory("MM2", "AAPL") == -300
    assert m.advance(m.now) == []
    q = first_quote(m.advance(OPEN + 20 * NS), "MM2")
    assert q.ask_qty < q.bid_qty  # short: it sells less


def test_unknown_symbol_or_maker_is_a_value_error() -> None:
    m = market()
    m.on_fill(NOISE, "AAPL", Side.BUY, 100)  # noise traders keep no inventory
    with pytest.raises(ValueError, match="MM9"):
        m.on_fill("MM9", "AAPL", Side.BUY, 100)
    with pytest.raises(ValueError, match="IBM"):
        m.fair_value("IBM")


# Seed 7, two minutes: change these only for a deliberate change of the model.
GOLDEN_COUNTS = (665, 115)
GOLDEN_FIRST_PLACE = Place(time_ns=1700000001967391328, participant=NOISE, symbol="TSLA", side=Side.SELL, qty=300,
                           price_ticks=None, order_key="TSLA-N1")


# -- repeating days ------------------------------------------------------------------
# A shortened venue day: 60 s pre-open, 300 s continuous, 60 s closing auction, 120 s closed.

START = OPEN - 60 * NS
SESSION = 300 * NS
DAY_LEN = (60 + 300 + 60 + 120) * NS


def day_open(k: int) -> int:
    return OPEN + k * DAY_LEN


def day_close(k: int) -> int:
    return OPEN + k * DAY_LEN + SESSION


def days_market(seed: int = 7, start: int = START, rate_scale: float = 1.0) -> BackgroundMarket:
    return BackgroundMarket(INSTRUMENTS, seed, start, OPEN, OPEN + SESSION, rate_scale, day_length_ns=DAY_LEN)


THREE_DAYS = START + 3 * DAY_LEN


def is_withdrawal(x: Action) -> bool:
    return isinstance(x, Quote) and x.bid_qty == 0 and x.ask_qty == 0


def test_every_day_has_a_session_and_only_withdrawals_and_cancels_while_closed() -> None:
    acts = days_market().advance(THREE_DAYS)
    assert [x.time_ns for x in acts] == sorted(x.time_ns for x in acts)
    assert all(x.time_ns >= OPEN for x in acts)
    for k in range(3):
        today = [x for x in acts if day_open(k) <= x.time_ns < day_close(k)]
        assert sum(isinstance(x, Place) for x in today) > 50
        assert sum(isinstance(x, Quote) for x in today) > 50
        assert not any(is_withdrawal(x) for x in today)
        closed = [x for x in acts if day_close(k) <= x.time_ns < day_open(k + 1)]
        assert all(isinstance(x, Cancel) or (is_withdrawal(x) and x.time_ns == day_close(k)) for x in closed)
        # every maker that quoted today withdraws exactly once, at the close, ahead of everything else then
        quoted = {(x.participant, x.symbol) for x in today if isinstance(x, Quote)}
        gone = [(x.participant, x.symbol) for x in closed if is_withdrawal(x)]
        assert sorted(gone) == sorted(quoted) and len(quoted) >= 4
        at_close = [x for x in acts if x.time_ns == day_close(k)]
        assert all(is_withdrawal(x) for x in at_close[:len(gone)])
        assert any(isinstance(x, Cancel) for x in closed)  # orders still resting at the close
    # every limit order of days 1 and 2 got its cancel, some of them after the close
    limits = {x.order_key for x in acts if isinstance(x, Place) and x.price_ticks is not None
              and x.time_ns < day_close(1)}
    assert limits <= {x.order_key for x in acts if isinstance(x, Cancel)}


def test_day_one_is_what_the_single_session_market_does() -> None:
    single = market(7, close=OPEN + SESSION).advance(THREE_DAYS)
    repeating = [x for x in days_market(7).advance(THREE_DAYS) if x.time_ns < day_close(0)]
    assert repeating == single[:len(repeating)]
    assert all(isinstance(x, Cancel) for x in single[len(repeating):])  # only the cancels before the close


def test_the_u_shape_is_over_each_days_session() -> None:
    acts = days_market(11, rate_scale=4).advance(THREE_DAYS)
    fractions = [((x.time_ns - OPEN) % DAY_LEN) / SESSION for x in acts
                 if isinstance(x, Place) and x.time_ns >= day_open(1)]
    assert all(0 <= f < 1 for f in fractions)
    first = sum(f < 0.1 for f in fractions)
    last = sum(f >= 0.9 for f in fractions)
    middle = sum(0.45 <= f < 0.55 for f in fractions)
    assert first > 2 * middle and last > 2 * middle


def test_fine_and_coarse_stepping_agree_across_day_boundaries() -> None:
    coarse_m = days_market(rate_scale=2)
    coarse = coarse_m.advance(THREE_DAYS)
    fine_m = days_market(rate_scale=2)
    fine = run(fine_m, THREE_DAYS, 7_777_777_777)  # ~7.8 s steps, not aligned with anything
    aligned = run(days_market(rate_scale=2), THREE_DAYS, 60 * NS)  # lands exactly on every open and close
    assert coarse == fine == aligned
    assert coarse_m.fair_value("TSLA") == fine_m.fair_value("TSLA")
    assert any(x.time_ns >= day_open(2) for x in coarse)


def test_fair_value_carries_over_the_night_and_steps_only_in_session() -> None:
    m = days_market(3, rate_scale=0)
    ref = INSTRUMENTS["TSLA"].reference_ticks
    m.advance(day_close(0))
    at_close = m.fair_value("TSLA")
    assert at_close != ref
    for t in (day_close(0) + 1, day_close(0) + 200 * NS, day_open(1), day_open(1) + NS - 1):
        m.advance(t)
        assert m.fair_value("TSLA") == at_close  # stands still while closed: no jump, no overnight gap
    m.advance(day_open(1) + NS)
    first_step = m.fair_value("TSLA")
    assert first_step != at_close and abs(math.log(first_step / at_close)) < 0.002  # one ordinary second's step
    # it steps once a second of session every day
    changes = 0
    prev = m.fair_value("TSLA")
    for t in range(day_open(1) + NS, day_open(2) + 2 * NS, NS):
        m.advance(t)
        changes += m.fair_value("TSLA") != prev
        prev = m.fair_value("TSLA")
    assert changes == SESSION // NS - 1 + 1  # the rest of day 2's session, then day 3's first second


def test_makers_requote_around_yesterdays_close_not_the_reference() -> None:
    m = days_market(3)
    m.advance(day_close(0))
    fv = m.fair_value("TSLA")
    m.on_fill("MM1", "TSLA", Side.BUY, 200)  # inventory carries over the night
    acts = m.advance(day_open(1) + NS // 2)
    quotes = [x for x in acts if isinstance(x, Quote) and x.symbol == "TSLA" and x.time_ns >= day_open(1)]
    assert {x.participant for x in quotes} == set(m.makers("TSLA"))
    assert all(x.bid_qty > 0 and x.ask_qty > 0 and x.bid_px < fv < x.ask_px + 1 for x in quotes)
    assert m.inventory("MM1", "TSLA") == 200


def test_same_seed_same_three_days_different_seed_different() -> None:
    a = days_market(7).advance(THREE_DAYS)
    b = days_market(7).advance(THREE_DAYS)
    c = days_market(8).advance(THREE_DAYS)
    assert a == b and a != c


def test_starting_while_closed_waits_for_the_next_open() -> None:
    late = days_market(7, start=day_close(0) + 30 * NS)
    acts = late.advance(THREE_DAYS)
    assert acts and min(x.time_ns for x in acts) >= day_open(1)
    assert late.fair_value("AAPL") != INSTRUMENTS["AAPL"].reference_ticks


def test_a_day_shorter_than_the_session_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="day_length_ns"):
        BackgroundMarket(INSTRUMENTS, 7, OPEN, OPEN, OPEN + SESSION, day_length_ns=SESSION - 1)
    back_to_back = BackgroundMarket(INSTRUMENTS, 7, OPEN, OPEN, OPEN + SESSION, day_length_ns=SESSION)
    acts = back_to_back.advance(OPEN + 3 * SESSION)
    assert sum(is_withdrawal(x) for x in acts) >= 8 and any(x.time_ns > OPEN + 2 * SESSION for x in acts)


# -- one source, several venues' shares ------------------------------------------------

def test_shares_of_one_source_see_what_their_own_market_would() -> None:
    from sim_venues.flow import FlowSource, in_slot, slot_hash

    args = (INSTRUMENTS, 7, OPEN - 60 * NS, OPEN, OPEN + 900 * NS, 3.0)
    alone = BackgroundMarket(*args, day_length_ns=1200 * NS)
    source = FlowSource(*args, day_length_ns=1200 * NS)
    slots = [((0.0, 0.6), (0.0, 0.5)), ((0.6, 1.0), (0.5, 1.0)), ((0.0, 0.0), (0.0, 0.0))]
    views = [BackgroundMarket.share(source, orders, makers) for orders, makers in slots]
    everything = run(alone, OPEN + 2500 * NS, 7 * NS // 10)
    got: list[list[Action]] = [[] for _ in views]
    t, end = OPEN - 60 * NS, OPEN + 2500 * NS
    while t < end:  # the views step at their own pace, as venues skipping idle ticks do
        t = min(end, t + NS // 3)
        for i, v in enumerate(views):
            due = v.next_due()
            if i == 0 or (due is not None and due <= t):
                got[i] += v.advance(t)
    for i, v in enumerate(views):
        got[i] += v.advance(end)
        assert v.fair_value("TSLA") == alone.fair_value("TSLA")
    for (orders, makers), seen in zip(slots, got):
        want = [a for a in everything
                if (isinstance(a, Quote) and in_slot(slot_hash(a.participant), makers))
                or (not isinstance(a, Quote) and in_slot(slot_hash(a.order_key), orders))]
        assert seen == want
    assert all({type(a) for a in seen} == {Quote, Place, Cancel} for seen in got[:2])
    assert got[2] == [] and views[2].next_due() is not None  # no share of the orders: still the fair value's steps


# -- the scenario's moves of fair value ------------------------------------------------

def moved(seed: int = 7, **move: float) -> tuple[BackgroundMarket, BackgroundMarket]:
    """The same market twice, the second with one move of AAPL's fair value (``FlowSource.move``'s arguments)."""
    plain, with_move = market(seed, close=CLOSE), market(seed, close=CLOSE)
    with_move.source.move("AAPL", int(move["at_ns"]), move["bps"], int(move.get("over_ns", 0)))
    return plain, with_move


def ratio(a: BackgroundMarket, b: BackgroundMarket, t: int, symbol: str = "AAPL") -> float:
    a.advance(t)
    b.advance(t)
    return b.fair_value(symbol) / a.fair_value(symbol)


def test_a_trend_shifts_fair_value_by_its_bps_evenly_over_its_time_on_top_of_the_walk() -> None:
    plain, trend = moved(at_ns=OPEN + 100 * NS, bps=250.0, over_ns=600 * NS)
    assert ratio(plain, trend, OPEN + 100 * NS) == 1.0  # nothing before it starts
    assert ratio(plain, trend, OPEN + 400 * NS) == pytest.approx(1.025 ** 0.5, rel=1e-12)  # half-way: half of it
    assert ratio(plain, trend, OPEN + 700 * NS) == pytest.approx(1.025, rel=1e-12)
    assert ratio(plain, trend, OPEN + 3000 * NS) == pytest.approx(1.025, rel=1e-12)  # then only the walk
    assert ratio(plain, trend, OPEN + 3000 * NS, "TSLA") == 1.0  # another symbol's walk is untouched


def test_a_step_jumps_at_the_first_step_of_the_walk_at_or_after_it() -> None:
    plain, step = moved(at_ns=OPEN + 90 * NS + NS // 2, bps=-120.0)
    assert ratio(plain, step, OPEN + 90 * NS) == 1.0
    assert ratio(plain, step, OPEN + 91 * NS) == pytest.approx(0.988, rel=1e-12)
    assert ratio(plain, step, OPEN + 600 * NS) == pytest.approx(0.988, rel=1e-12)


def test_moves_draw_nothing_and_makers_follow_them() -> None:
    plain, trend = moved(at_ns=OPEN, bps=400.0, over_ns=300 * NS)
    a, b = plain.advance(OPEN + 600 * NS), trend.advance(OPEN + 600 * NS)
    # The same orders at the same instants (only prices differ): every draw is as without the move.
    assert [(type(x), x.time_ns, getattr(x, "qty", 0)) for x in a if not isinstance(x, Quote)] == \
        [(type(x), x.time_ns, getattr(x, "qty", 0)) for x in b if not isinstance(x, Quote)]
    last = {x.participant: x for x in b if isinstance(x, Quote) and x.symbol == "AAPL"}
    fv = trend.fair_value("AAPL")
    assert fv > 19_000 * 1.03 and all(abs((q.bid_px + q.ask_px) / 2 - fv) < 20 for q in last.values())
    assert len([x for x in b if isinstance(x, Quote)]) > len([x for x in a if isinstance(x, Quote)])


def test_a_move_keeps_fair_value_positive_and_never_rewrites_steps_already_taken() -> None:
    m = market()
    with pytest.raises(ValueError, match="no background market"):
        m.source.move("MSFT", OPEN, 10.0)
    with pytest.raises(ValueError, match="positive"):
        m.source.move("AAPL", OPEN + 1, -10_000.0)
    late, on_time = market(), market()
    late.advance(OPEN + 30 * NS)
    on_time.advance(OPEN + 30 * NS)
    before = late.fair_value("AAPL")
    late.source.move("AAPL", OPEN, 500.0)  # asked for in the past: lands at the next step, not before
    on_time.source.move("AAPL", OPEN + 30 * NS + 1, 500.0)
    assert late.fair_value("AAPL") == before
    late.advance(OPEN + 60 * NS)
    on_time.advance(OPEN + 60 * NS)
    plain = market()
    plain.advance(OPEN + 60 * NS)
    assert late.fair_value("AAPL") == on_time.fair_value("AAPL")
    assert late.fair_value("AAPL") / plain.fair_value("AAPL") == pytest.approx(1.05, rel=1e-12)
