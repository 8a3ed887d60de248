"""A venue and its background market under a virtual clock: repeatable from the seed, with real impact."""

from __future__ import annotations

from sim_venues.daycycle import DayCycle
from sim_venues.flow import NOISE_ADV_SHARE, STANDARD_SESSION_S, BackgroundMarket, Quote
from sim_venues.instruments import load_instruments
from sim_venues.orders import ExecType, OrderRequest, OrdType, Phase, Side, TimeInForce, Trade
from sim_venues.venues import Venue, VenueSpec

S = 1_000_000_000
T0 = 1_800_000_000 * S
DAY = DayCycle(pre_open_s=10, continuous_s=200, closing_auction_s=10, closed_s=10)


def venue(seed: int) -> Venue:
    instruments = load_instruments()
    flow = BackgroundMarket(instruments, seed, T0, *DAY.trading_window(T0), day_length_ns=DAY.length_ns)
    spec = VenueSpec(name="EXCH", kind="exchange", port=0, day=DAY, flow_share=1.0, makers=True)
    return Venue(spec, instruments, T0, flow, (0.0, 1.0), (0.0, 1.0))


def run(v: Venue, until_s: float, step_ms: int = 50) -> list[tuple[str, Trade]]:
    trades: list[tuple[str, Trade]] = []
    t = T0
    while t < T0 + until_s * S:
        t += step_ms * 1_000_000
        v.advance(t)
        for symbol, eng in v.engines.items():
            trades += [(symbol, tr) for tr in eng.drain_trades()]
    return trades


def test_the_same_seed_gives_the_same_market_and_another_seed_does_not():
    a, b, c = run(venue(5), 60), run(venue(5), 60), run(venue(6), 60)
    assert len(a) > 50, "the background market trades"
    assert a == b
    assert a != c


def test_the_day_goes_through_every_phase_with_auction_prints():
    v = venue(9)
    phases = []
    trades = []
    t = T0
    while t < T0 + 245 * S:
        t += 100_000_000
        v.advance(t)
        if not phases or phases[-1] is not v.phase:
            phases.append(v.phase)
        for eng in v.engines.values():
            trades += eng.drain_trades()
    assert phases == [Phase.PRE_OPEN, Phase.CONTINUOUS, Phase.CLOSING_AUCTION, Phase.CLOSED, Phase.PRE_OPEN,
                      Phase.CONTINUOUS]
    assert any(tr.aggressor is None for tr in trades), "an uncross printed"
    assert any(tr.aggressor is not None for tr in trades), "continuous trading printed"


def test_an_aggressive_order_moves_the_price_and_the_liquidity_is_gone():
    v = venue(11)
    run(v, 40)
    eng = v.engines["AAPL"]
    asks = eng.levels(Side.SELL, 3)
    assert len(asks) == 3
    qty = sum(q for _, q in asks)
    reports = v.submit(OrderRequest("TAKER", "BIG", "AAPL", Side.BUY, qty, OrdType.MARKET, tif=TimeInForce.IOC),
                       T0 + 40 * S + 1)
    fills = [r for r in reports if r.exec_type is ExecType.TRADE and r.order.request.owner == "TAKER"]
    assert sum(r.last_qty for r in fills) == qty
    assert {r.last_px for r in fills} == {p for p, _ in asks}
    after = eng.levels(Side.SELL, 1)
    assert not after or after[0][0] > asks[-1][0], "the swept levels are gone"


def test_a_configured_halt_stops_one_symbol_and_resumes_it_with_an_uncross():
    from sim_venues.venues import Halt

    instruments = load_instruments()
    spec = VenueSpec(name="EXCH", kind="exchange", port=0, day=DAY, halts=(Halt("TSLA", 20, 5),))
    v = Venue(spec, instruments, T0)
    v.advance(T0 + 15 * S)
    v.submit(OrderRequest("A", "S1", "TSLA", Side.SELL, 100, price=25000), T0 + 15 * S)
    v.advance(T0 + 21 * S)
    assert "TSLA" in v.halted and (("TSLA", Phase.HALTED) in v.status_changes)
    # In the halt orders are taken but nothing trades, even when they cross.
    reports = v.submit(OrderRequest("B", "B1", "TSLA", Side.BUY, 60, price=25010), T0 + 22 * S)
    assert [r.exec_type for r in reports] == [ExecType.NEW]
    other = v.submit(OrderRequest("B", "B2", "AAPL", Side.BUY, 10, price=18000), T0 + 22 * S)
    assert other[0].exec_type is ExecType.NEW and v.engines["AAPL"].levels(Side.BUY, 1) == [(18000, 10)]
    reports = v.advance(T0 + 26 * S)
    assert "TSLA" not in v.halted and ("TSLA", Phase.CONTINUOUS) in v.status_changes
    trades = [r for r in reports if r.exec_type is ExecType.TRADE]
    assert {(r.order.cl_ord_id, r.last_qty, r.last_px) for r in trades} == {("S1", 60, 25000), ("B1", 60, 25000)}


def quoting_venue() -> Venue:
    spec = VenueSpec(name="ECN", kind="ecn", port=0, makers=True)
    return Venue(spec, load_instruments(), T0, maker_slot=(0.0, 1.0))


def quote(v: Venue, bid: int, ask: int, qty: int = 200, at: int = T0) -> list:
    q = Quote(time_ns=at, participant="MM1", symbol="AAPL", bid_px=bid, bid_qty=qty, ask_px=ask, ask_qty=qty)
    return v._apply_flow([q], at)


def test_a_maker_requotes_only_the_levels_that_moved_and_keeps_its_place_at_the_others():
    v = quoting_venue()
    first = quote(v, 18000, 18010)
    assert [(r.exec_type, r.order.price) for r in first] == \
        [(ExecType.NEW, p) for p in (18000, 17999, 17998, 17997, 17996, 18010, 18011, 18012, 18013, 18014)]
    v.submit(OrderRequest("C", "B1", "AAPL", Side.BUY, 100, price=18000), T0 + 1)  # queues behind the maker
    moved = quote(v, 18001, 18011, at=T0 + 2)
    assert [(r.exec_type, r.order.price) for r in moved] == [
        (ExecType.CANCELED, 17996), (ExecType.CANCELED, 18010), (ExecType.NEW, 18001), (ExecType.NEW, 18015)]
    assert v.engines["AAPL"].levels(Side.BUY, 5) == [(18001, 200), (18000, 300), (17999, 200), (17998, 200),
                                                     (17997, 200)]
    sweep = v.submit(OrderRequest("T", "S1", "AAPL", Side.SELL, 400, price=18000, tif=TimeInForce.IOC), T0 + 3)
    hit = [(r.order.request.owner, r.last_px) for r in sweep
           if r.exec_type is ExecType.TRADE and r.order.request.owner != "T"]
    assert hit == [("~flow:MM1", 18001), ("~flow:MM1", 18000)], "the unmoved level kept its priority over B1"


def test_a_filled_level_is_refilled_and_a_zero_quote_withdraws_the_ladder():
    v = quoting_venue()
    quote(v, 18000, 18010)
    v.submit(OrderRequest("T", "B1", "AAPL", Side.BUY, 50, price=18010, tif=TimeInForce.IOC), T0 + 1)
    refill = quote(v, 18000, 18010, at=T0 + 2)  # same terms after a fill: only the touched level is redone
    assert [(r.exec_type, r.order.price, r.order.leaves_qty) for r in refill] == [
        (ExecType.CANCELED, 18010, 0), (ExecType.NEW, 18010, 200)]
    assert quote(v, 18000, 18010, at=T0 + 3) == []
    gone = quote(v, 18000, 18010, qty=0, at=T0 + 4)
    assert [r.exec_type for r in gone] == [ExecType.CANCELED] * 10
    assert v.engines["AAPL"].levels(Side.BUY, 5) == [] and v.engines["AAPL"].levels(Side.SELL, 5) == []


def two_quotes(v: Venue, mid: int, at: int, stamps: tuple[int, int]) -> list:
    """MM2 and MM3 both re-quote around ``mid``, MM3's quote a tick higher; ``stamps`` offsets each from ``at``."""
    qs = [Quote(time_ns=at + d, participant=name, symbol="AAPL", bid_px=mid - 2 + k, bid_qty=200, ask_px=mid + 2 + k,
                ask_qty=200) for k, (name, d) in enumerate(zip(("MM2", "MM3"), stamps))]
    return v._apply_flow(qs, at + max(stamps))


def test_makers_requoting_at_one_instant_never_trade_with_each_others_old_quotes():
    v = quoting_venue()
    two_quotes(v, 18000, T0, (0, 0))
    # Fair value jumped 10 ticks: MM2's new bid is through MM3's whole old ask ladder (18003..18007), but MM3
    # is moving at the same instant; its old ladder leaves before any new level enters.
    moved = two_quotes(v, 18010, T0 + S, (0, 0))
    assert not [r for r in moved if r.exec_type is ExecType.TRADE]
    eng = v.engines["AAPL"]
    assert eng.levels(Side.BUY, 2) == [(18009, 200), (18008, 400)]
    assert eng.levels(Side.SELL, 2) == [(18012, 200), (18013, 400)]
    # A quote left standing at an earlier instant is still there to be picked off.
    later = two_quotes(v, 18020, T0 + 2 * S, (0, 1))
    assert {(r.order.request.owner, r.contra_owner) for r in later if r.exec_type is ExecType.TRADE} == {
        ("~flow:MM2", "~flow:MM3"), ("~flow:MM3", "~flow:MM2")}


def test_a_days_volume_is_about_the_noise_flows_share_of_adv_along_the_u():
    """All the makers at one venue, the whole flow: each symbol trades about its noise flow (2% of ADV over a
    6.5-hour day, here a 30-minute one), the makers mostly with the noise rather than with each other, and more
    at the open and close than at midday. Makers that ate each other's stale ladders at every fair-value step
    traded up to 40 times that, flat through the day."""
    day = DayCycle(pre_open_s=10, continuous_s=1800, closing_auction_s=10, closed_s=10)
    instruments = load_instruments()
    open_ns, close_ns = day.trading_window(T0)
    fifths = [0] * 5
    for seed in (1, 2, 3):
        flow = BackgroundMarket(instruments, seed, T0, open_ns, close_ns, day_length_ns=day.length_ns)
        spec = VenueSpec(name="EXCH", kind="exchange", port=0, day=day, flow_share=1.0, makers=True)
        v = Venue(spec, instruments, T0, flow, (0.0, 1.0), (0.0, 1.0))
        volume = dict.fromkeys(instruments, 0)
        among_makers = dict.fromkeys(instruments, 0)
        t = T0
        while t < close_ns:
            t += 50_000_000
            for r in v.advance(t):
                if r.exec_type is ExecType.TRADE and r.order.request.owner.startswith("~flow:MM") \
                        and (r.contra_owner or "").startswith("~flow:MM"):
                    among_makers[r.order.request.symbol] += r.last_qty  # both sides' reports: twice the volume
            for symbol, eng in v.engines.items():
                for tr in eng.drain_trades():
                    volume[symbol] += tr.qty
                    fifths[min(4, 5 * (tr.time_ns - open_ns) // (close_ns - open_ns))] += tr.qty
        for symbol, inst in instruments.items():
            noise = NOISE_ADV_SHARE * inst.adv_shares * (close_ns - open_ns) / S / STANDARD_SESSION_S
            assert 0.4 < volume[symbol] / noise < 1.5, (seed, symbol, volume[symbol], noise)
            assert among_makers[symbol] / 2 < volume[symbol] / 3, (seed, symbol, among_makers[symbol])
    assert min(fifths[0], fifths[4]) > 1.5 * fifths[2], fifths
