"""QuickFIX initiators trade at every simulated venue started by `oms-fix venues`.

One `oms-fix venues` process tree (five venue processes) for the module, on
free ports, with the background market switched off so that the only orders
are the test's; QuickFIX validates every message the venues send against the
FIX 4.4 dictionary.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from oms_fix.fix.message import Message
from tests.integration.venue_proc import CLI, CONTINUOUS, REPO, ChildProc, venue_pid
from tests.interop.peers import free_port
from tests.interop.venue_client import VenueClient

pytestmark = [pytest.mark.interop, pytest.mark.slow]

NOW = "20261125-10:00:00.000"


class Venues(ChildProc):
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.ports = {name: free_port() for name in ("EXCH", "ECN", "DARK", "CROSS", "MM")}
        config = {
            "seed": 7, "state_dir": str(tmp / "state"), "instruments": str(REPO / "config" / "instruments.yaml"),
            "tick_ms": 20,
            "venues": {
                "EXCH": {"kind": "exchange", "port": self.ports["EXCH"], "day": CONTINUOUS},
                "ECN": {"kind": "ecn", "port": self.ports["ECN"],
                        "fees": {"maker_per_share": "-0.0020", "taker_per_share": "0.0030"}},
                "DARK": {"kind": "dark", "port": self.ports["DARK"]},
                "CROSS": {"kind": "cross", "port": self.ports["CROSS"], "cross_every_s": 2},
                "MM": {"kind": "mm", "port": self.ports["MM"], "mm_half_spread_ticks": 3, "mm_size": 300},
            },
        }
        self.cfg = tmp / "venues.yaml"
        self.cfg.write_text(yaml.safe_dump(config))
        super().__init__(CLI + ["venues", "--config", str(self.cfg)])
        if self.wait_line(lambda line: line.startswith("Ctrl-C to stop"), 60) is None:
            self.proc.kill()
            raise AssertionError("oms-fix venues did not come up:\n" + self.stop())

    def client(self, venue: str, sender: str) -> VenueClient:
        return VenueClient(self.tmp / "clients" / f"{sender}-{venue}", self.ports[venue], sender, venue)


@pytest.fixture(scope="module")
def venues(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venues]:
    v = Venues(tmp_path_factory.mktemp("venues"))
    yield v
    v.stop()


def order(cl: str, side: str, qty: int, price: str | None, symbol: str = "AAPL", **extra: str) -> list[tuple[int, str]]:
    fields = [(11, cl), (55, symbol), (54, side), (60, NOW), (38, str(qty)), (40, "2" if price else "1")]
    if price:
        fields.append((44, price))
    return fields + [(int(k[1:]), v) for k, v in extra.items()]


def er(cl: str, exec_type: str):
    return lambda m: m.msg_type == b"8" and m.get(11) == cl.encode() and m.get(150) == exec_type.encode()


def s(m: Message, tag: int) -> str:
    return (m.get(tag) or b"").decode()


@pytest.mark.parametrize("venue", ["EXCH", "ECN"])
def test_lit_venue_crosses_two_sessions_and_publishes_the_trade(venues: Venues, venue: str):
    seller, buyer = venues.client(venue, f"S{venue}"), venues.client(venue, f"B{venue}")
    try:
        buyer.subscribe("md1", ["MSFT"], depth=5)
        snap = buyer.wait_for(lambda m: m.msg_type == b"W", what="snapshot")
        assert s(snap, 55) == "MSFT"
        seller.send("D", order("S1", "2", 100, "410.00", "MSFT"))
        seller.wait_for(er("S1", "0"), what="New for S1")
        buyer.wait_for(lambda m: m.msg_type == b"X" and b"269=1\x01" in m.raw and b"270=410.00\x01" in m.raw,
                       what="the offer in an increment")
        buyer.send("D", order("B1", "1", 60, "410.05", "MSFT"))
        fill = buyer.wait_for(er("B1", "F"), what="Trade for B1")
        # The taker trades at the resting order's price, not its own limit.
        assert (s(fill, 32), s(fill, 31), s(fill, 39), s(fill, 14), s(fill, 151), s(fill, 30)) == \
            ("60", "410.00", "2", "60", "0", venue)
        assert s(fill, 851) == "2"
        maker = seller.wait_for(er("S1", "F"), what="Trade for S1")
        assert (s(maker, 32), s(maker, 39), s(maker, 14), s(maker, 151), s(maker, 851)) == ("60", "1", "60", "40", "1")
        assert s(maker, 17) != s(fill, 17)
        if venue == "ECN":
            assert (s(fill, 12), s(fill, 13)) == ("0.1800", "3")
            assert s(maker, 12) == "-0.1200"
        buyer.wait_for(lambda m: m.msg_type == b"X" and b"269=2\x01" in m.raw and b"271=60\x01" in m.raw,
                       what="the trade in an increment")
        buyer.wait_for(lambda m: m.msg_type == b"X" and b"279=1\x01269=1\x0155=MSFT\x01270=410.00\x01271=40\x01" in m.raw,
                       what="the offer reduced to 40")
        assert not buyer.app.rejects and not seller.app.rejects
    finally:
        seller.stop()
        buyer.stop()


def test_cancel_of_an_unknown_order_and_an_unsupported_message(venues: Venues):
    c = venues.client("EXCH", "ODD1")
    try:
        c.send("F", [(41, "NOPE"), (11, "X9"), (55, "AAPL"), (54, "1"), (60, NOW)])
        rej = c.wait_for(lambda m: m.msg_type == b"9", what="OrderCancelReject")
        assert (s(rej, 37), s(rej, 39), s(rej, 102), s(rej, 434)) == ("NONE", "8", "1", "1")
        c.send("c", [(320, "SD1"), (321, "3")])  # SecurityDefinitionRequest: valid FIX, not offered here
        bmr = c.wait_for(lambda m: m.msg_type == b"j", what="BusinessMessageReject")
        assert s(bmr, 380) == "3"
        c.send("D", order("Z1", "1", 10, "190.00", "ZZZZ"))
        bad = c.wait_for(er("Z1", "8"), what="reject of an unknown symbol")
        assert (s(bad, 39), s(bad, 103)) == ("8", "1")
        c.subscribe("bad", ["ZZZZ"])
        y = c.wait_for(lambda m: m.msg_type == b"Y", what="MarketDataRequestReject")
        assert s(y, 281) == "0"
    finally:
        c.stop()


def test_dark_pool_crosses_at_the_lit_midpoint(venues: Venues):
    lit = venues.client("EXCH", "LITQ")
    seller, buyer = venues.client("DARK", "DSELL"), venues.client("DARK", "DBUY")
    try:
        lit.send("D", order("L1", "1", 100, "149.90", "GOOG"))
        lit.send("D", order("L2", "2", 100, "150.10", "GOOG"))
        lit.wait_for(er("L2", "0"))
        seller.send("D", order("D1", "2", 500, "149.00", "GOOG", t110="200"))
        seller.wait_for(er("D1", "0"))
        buyer.send("D", order("D2", "1", 300, "151.00", "GOOG"))
        fill = buyer.wait_for(er("D2", "F"), timeout_s=15, what="dark fill")
        assert (s(fill, 32), s(fill, 31), s(fill, 30)) == ("300", "150.000", "DARK")
        maker = seller.wait_for(er("D1", "F"))
        assert (s(maker, 32), s(maker, 151)) == ("300", "200")
    finally:
        for c in (lit, seller, buyer):
            c.stop()


def test_crossing_network_crosses_on_its_schedule(venues: Venues):
    lit = venues.client("EXCH", "LITC")
    seller, buyer = venues.client("CROSS", "CSELL"), venues.client("CROSS", "CBUY")
    try:
        lit.send("D", order("M1", "1", 100, "179.90", "AMZN"))
        lit.send("D", order("M2", "2", 100, "180.00", "AMZN"))
        lit.wait_for(er("M2", "0"))
        seller.send("D", order("C1", "2", 1000, None, "AMZN", t110="500"))
        buyer.send("D", order("C2", "1", 1000, None, "AMZN", t110="500"))
        fill = buyer.wait_for(er("C2", "F"), timeout_s=15, what="cross fill")
        assert (s(fill, 32), s(fill, 31), s(fill, 39)) == ("1000", "179.950", "2")
        seller.wait_for(er("C1", "F"))
    finally:
        for c in (lit, seller, buyer):
            c.stop()


def test_market_maker_fills_against_its_quote(venues: Venues):
    c = venues.client("MM", "MMCL")
    try:
        c.subscribe("mm1", ["TSLA"], depth=1, types="01")
        snap = c.wait_for(lambda m: m.msg_type in (b"W", b"X") and b"269=1\x01" in m.raw, what="the MM's offer")
        c.send("D", order("T1", "1", 100, None, "TSLA"))
        fill = c.wait_for(er("T1", "F"), what="fill against the quote")
        assert (s(fill, 32), s(fill, 39), s(fill, 30)) == ("100", "2", "MM")
        assert snap is not None
    finally:
        c.stop()


def test_a_killed_venue_is_restarted_with_new_order_and_exec_ids(venues: Venues):
    c = venues.client("ECN", "RST1")
    c.send("D", order("R1", "1", 10, "100.00", "AMZN"))
    before = c.wait_for(er("R1", "0"), what="New before the kill")
    c.stop()
    os.kill(venue_pid(venues.cfg, "ECN"), signal.SIGKILL)
    assert venues.wait_line(lambda line: "[ECN] exited with code -9; restarting" in line), venues.output
    c = venues.client("ECN", "RST2")
    try:
        c.send("D", order("R1", "1", 10, "100.00", "AMZN"))
        after = c.wait_for(er("R1", "0"), timeout_s=30, what="New after the restart")
        assert s(after, 37) != s(before, 37) and s(after, 17) != s(before, 17)
    finally:
        c.stop()


def test_ctrl_c_stops_every_venue_cleanly(venues: Venues):
    out = venues.stop()
    assert venues.returncode == 0, out
    assert "venues stopped" in out
    for name in venues.ports:
        assert f"[{name}] {name}: stopped" in out, out
