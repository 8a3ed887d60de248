"""``Venue.next_due``: a venue advanced only when it has something to do trades exactly as one advanced at
every tick (the in-process simulation skips idle ticks on the strength of it)."""

from __future__ import annotations

from sim_venues.config import load_venues_config
from sim_venues.daycycle import DayCycle
from sim_venues.instruments import load_instruments
from sim_venues.orders import Report, Trade
from sim_venues.serve import build_venue
from sim_venues.venues import Halt, Venue, VenueSpec
from sim_venues.flow import BackgroundMarket

S = 1_000_000_000
T0 = 1_800_000_000 * S
TICK = 50_000_000
DAY = DayCycle(pre_open_s=10, continuous_s=120, closing_auction_s=10, closed_s=10)


def exchange(seed: int) -> Venue:
    instruments = load_instruments()
    flow = BackgroundMarket(instruments, seed, T0, *DAY.trading_window(T0), day_length_ns=DAY.length_ns)
    spec = VenueSpec(name="EXCH", kind="exchange", port=0, day=DAY, flow_share=1.0, makers=True,
                     halts=(Halt("TSLA", 40, 7),))
    return Venue(spec, instruments, T0, flow, (0.0, 1.0), (0.0, 1.0))


def record(v: Venue, reports: list[Report], out: list[tuple[str, str, int, int]]) -> None:
    out += [(r.order.request.symbol, r.exec_type.value, r.last_qty, r.last_px) for r in reports]


def every_tick(v: Venue, until_s: int) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, Trade]]]:
    reports: list[tuple[str, str, int, int]] = []
    t = T0
    while t <= T0 + until_s * S:
        record(v, v.advance(t), reports)
        t += TICK
    return reports, [(s, tr) for s, e in v.engines.items() for tr in e.drain_trades()]


def when_due(v: Venue, until_s: int) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, Trade]], int]:
    reports: list[tuple[str, str, int, int]] = []
    t, ticks = T0, 0
    while t <= T0 + until_s * S:
        record(v, v.advance(t), reports)
        ticks += 1
        due = v.next_due(t)
        assert due is not None and due > t
        t = T0 + -(-(due - T0) // TICK) * TICK  # the first tick at or after it
    return reports, [(s, tr) for s, e in v.engines.items() for tr in e.drain_trades()], ticks


def test_an_exchange_through_its_phases_and_a_halt_is_the_same_ticked_only_when_due() -> None:
    full = every_tick(exchange(3), 170)
    reports, trades, ticks = when_due(exchange(3), 170)
    assert len(full[1]) > 50 and any(tr.aggressor is None for _, tr in trades), "it traded, auctions too"
    assert (reports, trades) == full
    assert ticks < 170 * S // TICK // 2


def test_every_kind_of_the_shipped_config_is_the_same_ticked_only_when_due() -> None:
    cfg = load_venues_config()
    instruments = {s: i for s, i in load_instruments().items() if s in ("AAPL", "TSLA")}
    for name in cfg.venues:
        a, b = build_venue(cfg, name, instruments, T0, 5), build_venue(cfg, name, instruments, T0, 5)
        full = every_tick(a, 400)  # CROSS crosses every 180 s
        reports, trades, _ = when_due(b, 400)
        assert (reports, trades) == full, name
