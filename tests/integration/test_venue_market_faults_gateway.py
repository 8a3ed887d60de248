"""Market faults through a venue gateway: stale and crossed market data over loopback (our initiator), and the
shipped market_stress scenario run on a clock the test turns.

The QuickFIX tests in tests/interop show every market fault to an independent engine across processes; here
the venue runs in this process with no background market, so the book holds only the test's orders.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from oms_fix.fix.message import Message
from sim_venues.control import VenueControl
from sim_venues.daycycle import DayCycle
from sim_venues.faults import Scope
from sim_venues.flow import BackgroundMarket
from sim_venues.gateway import VenueGateway
from sim_venues.instruments import load_instruments
from sim_venues.orders import Side
from sim_venues.venues import Venue, VenueSpec
from tests.integration.test_venue_gateway import Recorder, Rig, er, nos, run, send, wait_for

REPO = Path(__file__).resolve().parents[2]
MD = [(262, "M1"), (263, "1"), (264, "0"), (265, "1"), (267, "3"), (269, "0"), (269, "1"), (269, "2"), (146, "1"),
      (55, "AAPL")]


def entries(m: Message) -> list[tuple[str, str, str, str]]:
    """(MDUpdateAction, MDEntryType, MDEntryPx, MDEntrySize) of each entry of a 35=X."""
    out: list[list[str]] = []
    for tag, value in m.fields:
        if tag == 279:
            out.append([value.decode(), "", "", ""])
        elif out and tag in (269, 270, 271):
            out[-1][(269, 270, 271).index(tag) + 1] = value.decode()
    return [(a, t, p, q) for a, t, p, q in out]


def increments(rec: Recorder) -> list[Message]:
    return [m for m in rec.got if m.msg_type == b"X"]


def test_stale_market_data_stops_then_catches_up_with_the_trades_held_back():
    async def go() -> None:
        async with Rig() as rig:
            events: list[str] = []
            rig.gateway.on_event = events.append
            seller, srec = await rig.resting_offer()
            buyer, brec = await rig.client("B1")
            watcher, wrec = await rig.client("W1")
            send(watcher, b"V", MD)
            await wait_for(wrec, lambda m: m.msg_type == b"W", "the snapshot")
            fid = rig.gateway.arm("stale_quote", {}, Scope(symbol="AAPL"))
            send(buyer, b"D", nos("B", "1", 60, "190.00"))
            await wait_for(brec, er("B", "F"), "the buyer's fill: orders still trade")
            rig.gateway.tick()
            await asyncio.sleep(0.2)
            assert increments(wrec) == [], "nothing published while stale"
            assert rig.gateway.disarm(fid)
            x = await wait_for(wrec, lambda m: m.msg_type == b"X", "the catch-up")
            assert entries(x) == [("1", "1", "190.00", "40"), ("0", "2", "190.00", "60")], "the book, then the trade"
            assert any(e.startswith(f"fault {fid} stale_quote in effect on AAPL") for e in events)
            assert events[-1] == f"fault {fid} stale_quote over on AAPL: disarmed"
            assert [f["kind"] for f in rig.gateway.faults.fired()] == ["stale_quote"]
    run(go)


def test_a_crossed_quote_is_published_then_deleted_and_the_book_is_not_touched():
    async def go() -> None:
        async with Rig() as rig:
            seller, srec = await rig.client("S1")
            watcher, wrec = await rig.client("W1")
            send(seller, b"D", nos("S", "2", 100, "190.00"))
            send(seller, b"D", nos("B", "1", 100, "189.90"))
            await wait_for(srec, er("B", "0"), "New")
            send(watcher, b"V", MD)
            await wait_for(wrec, lambda m: m.msg_type == b"W", "the snapshot")
            fid = rig.gateway.arm("crossed_quote", {"ticks": 2}, Scope(symbol="AAPL"))
            x = await wait_for(wrec, lambda m: m.msg_type == b"X", "the crossed bid")
            assert entries(x) == [("0", "0", "190.02", "100")], "a bid 2 ticks above the 190.00 offer"
            assert rig.venue.engines["AAPL"].levels(Side.BUY, 2) == [(18990, 100)], "only what is sent is crossed"
            rig.gateway.disarm(fid)
            await wait_for(wrec, lambda m: m.msg_type == b"X" and entries(m)[0][0] == "2", "its deletion")
            assert entries(increments(wrec)[-1]) == [("2", "0", "190.02", "")]
    run(go)


class TurnedClock:
    def __init__(self, now: int) -> None:
        self.now = now

    def now_ns(self) -> int:
        return self.now


def test_the_shipped_market_stress_scenario_does_every_action():
    start = 1_800_000_000 * 1_000_000_000
    instruments = load_instruments(REPO / "config" / "instruments.yaml")
    day = DayCycle(0, 3600, 5, 5)
    flow = BackgroundMarket(instruments, 5, start, *day.trading_window(start), day_length_ns=day.length_ns)
    venue = Venue(VenueSpec(name="EXCH", kind="exchange", port=0, day=day, makers=True), instruments, start, flow,
                  (0.0, 0.0), (0.0, 1.0))
    clock = TurnedClock(start)
    events: list[str] = []
    gateway = VenueGateway(venue, clock, on_event=events.append)
    control = VenueControl("EXCH", "exchange", gateway, venue.engines)
    clock.now += 5 * 10**9  # the makers are quoting
    gateway.tick()
    control.load((REPO / "config" / "scenarios" / "venue" / "market_stress.yaml").read_text(), "market_stress.yaml",
                 clock.now)
    for _ in range(70 * 20):
        clock.now += 50_000_000
        control.tick(clock.now)
        gateway.tick()
    status = control.status(clock.now)
    assert sorted(f["kind"] for f in status["fired"]) == sorted(
        ["widen_spread", "thin_book", "fair_value", "volume_spike", "stale_quote", "crossed_quote", "fair_value"])
    assert status["armed"] == [] and status["unfired"] == [] and status["scheduled"] == []
    [done] = [e for e in events if "volume_spike done" in e]
    assert "12 order(s)" in done and gateway.trades > 0
    assert not any("not carried out" in e for e in events)
