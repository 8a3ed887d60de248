"""Market faults a tester makes a venue do through its control API, seen on the wire by a QuickFIX initiator
subscribed to market data (35=V; 35=W then 35=X), which validates every message against the FIX 4.4 dictionary.

Two venue processes: one hosting the background market's makers (no noise orders), where fair value, spreads
and sizes are the makers'; one with no background market, where only the test's own orders rest, so every
trade printed is the spike's and every book change the test's.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from oms_fix.commands import venue_ctl
from oms_fix.fix.message import Message
from oms_fix.fix.utctime import parse_ns
from tests.integration.venue_proc import VenueProc, venue_config
from tests.interop.test_venues_quickfix import er, order, s
from tests.interop.venue_client import VenueClient
from tests.polling import eventually

pytestmark = [pytest.mark.interop, pytest.mark.slow]

WAIT_S = 30.0  # generous: two venue processes and QuickFIX threads on a loaded two-core machine
MS = 1_000_000


class Book:
    """A subscriber's book for one MDReqID, rebuilt from the 35=W and 35=X it got (prices as sent)."""

    def __init__(self, client: VenueClient, req_id: str):
        self.bids: dict[Decimal, int] = {}
        self.asks: dict[Decimal, int] = {}
        self.trades: list[tuple[Decimal, int]] = []
        self.seen = 0  # messages of this subscription applied
        for m in client.messages():
            if m.get(262) == req_id.encode() and m.msg_type in (b"W", b"X"):
                self._apply(m)

    def _apply(self, m: Message) -> None:
        self.seen += 1
        start = 279 if m.msg_type == b"X" else 269
        entries: list[dict[int, bytes]] = []
        for tag, value in m.fields:
            if tag == start:
                entries.append({})
            if entries:
                entries[-1][tag] = value
        for e in entries:
            px, qty = Decimal(e[270].decode()), int(e.get(271, b"0"))
            if e[269] == b"2":
                self.trades.append((px, qty))
                continue
            side = self.bids if e[269] == b"0" else self.asks
            if e.get(279) == b"2":
                del side[px]
            else:
                side[px] = qty

    @property
    def spread(self) -> Decimal:
        return min(self.asks) - max(self.bids)

    @property
    def two_sided(self) -> bool:
        return bool(self.bids and self.asks)


def until(what: str, pred: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    eventually(pred, what, timeout_s)


@contextmanager
def armed(url: str, kind: str, params: dict, symbol: str) -> Iterator[httpx.Client]:
    """A market state armed on ``symbol`` through the control API at ``url`` while the block runs, disarmed
    at its end."""
    with httpx.Client(base_url=url, timeout=10) as api:
        r = api.post("/faults", json={"kind": kind, "params": params, "scope": {"symbol": symbol}})
        assert r.status_code == 201, r.text
        yield api
        assert api.delete(f"/faults/{r.json()['id']}").status_code == 200


def subscribed(client: VenueClient, req_id: str, symbol: str) -> Book:
    client.subscribe(req_id, [symbol])
    client.wait_for(lambda m: m.msg_type == b"W" and m.get(262) == req_id.encode(), WAIT_S, f"snapshot {req_id}")
    return Book(client, req_id)


def after(client: VenueClient, first: Message, pred: Callable[[Message], bool], what: str) -> Message:
    """The first message after ``first`` (in the order received) that ``pred`` accepts."""
    found: list[Message] = []

    def look() -> bool:
        msgs = client.messages()
        i = next(k for k, m in enumerate(msgs) if m is first)
        found[:] = [m for m in msgs[i + 1:] if pred(m)][:1]
        return bool(found)
    until(what, look)
    return found[0]


def sent_at(m: Message) -> int:
    t = parse_ns(m.get(52) or b"")
    assert t is not None
    return t


def start(tmp_path_factory: pytest.TempPathFactory, name: str, makers: bool) -> Iterator[tuple[VenueProc, Path]]:
    tmp = tmp_path_factory.mktemp(name)
    v = VenueProc(venue_config(tmp, makers=True) if makers else venue_config(tmp))
    assert v.url, v.output
    yield v, tmp
    v.stop()


@pytest.fixture(scope="module")
def makers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VenueProc, Path]]:
    yield from start(tmp_path_factory, "mkt_makers", makers=True)


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VenueProc, Path]]:
    yield from start(tmp_path_factory, "mkt_quiet", makers=False)


def client_of(venue: tuple[VenueProc, Path], name: str) -> VenueClient:
    v, tmp = venue
    return VenueClient(tmp / "clients" / name, v.fix_port, name, "EXCH")


def test_a_fair_value_step_moves_the_quoted_prices(makers: tuple[VenueProc, Path],
                                                   capsys: pytest.CaptureFixture[str]):
    client = client_of(makers, "QFV")
    try:
        client.subscribe("FV", ["AAPL"])
        until("the makers quote AAPL", lambda: Book(client, "FV").two_sided)
        b = Book(client, "FV")
        mid0 = (max(b.bids) + min(b.asks)) / 2
        # Through `oms-fix venue-ctl`, as a tester would.
        assert venue_ctl.main(["--url", makers[0].url, "EXCH", "fair_value", "AAPL", "200"]) == 0
        assert "fair_value AAPL: fair value +200 bps at once" in capsys.readouterr().out
        # 2% up: the makers re-quote around 193.8 at the walk's next one-second step.
        until(f"AAPL quoted 1.5% above {mid0}",
              lambda: (lambda bk: bk.two_sided and max(bk.bids) > mid0 * Decimal("1.015"))(Book(client, "FV")))
        assert not client.app.rejects
    finally:
        client.stop()


def test_widen_spread_widens_the_published_spread_until_disarmed(makers: tuple[VenueProc, Path]):
    client = client_of(makers, "QWS")
    try:
        client.subscribe("WS", ["MSFT"])
        until("the makers quote MSFT", lambda: Book(client, "WS").two_sided)
        # A maker's own quote is at most 2 * half spread (3) + 2 ticks wide, so the best bid and offer are too.
        assert Book(client, "WS").spread <= Decimal("0.08")
        with armed(makers[0].url, "widen_spread", {"ticks": 5}, "MSFT") as api:
            until("MSFT 10 ticks wider", lambda: Book(client, "WS").spread >= Decimal("0.11"))
            seen = Book(client, "WS").seen
            until("more quotes while it lasts", lambda: Book(client, "WS").seen >= seen + 3)
            assert Book(client, "WS").spread >= Decimal("0.11")
            [fired] = [f for f in api.get("/faults/fired").json() if f["kind"] == "widen_spread"]
            assert fired["symbol"] == "MSFT"
        until("MSFT as the makers mean it again", lambda: Book(client, "WS").spread <= Decimal("0.08"))
        assert not client.app.rejects
    finally:
        client.stop()


def test_thin_book_shrinks_the_published_sizes_until_disarmed(makers: tuple[VenueProc, Path]):
    client = client_of(makers, "QTB")
    try:
        client.subscribe("TB", ["GOOG"])
        until("the makers quote GOOG", lambda: Book(client, "TB").two_sided)

        def total() -> int:
            bk = Book(client, "TB")
            return sum(bk.bids.values()) + sum(bk.asks.values())
        full = total()  # nothing trades here: the makers' sizes stay as configured
        with armed(makers[0].url, "thin_book", {"ratio": 0.5}, "GOOG"):
            until(f"GOOG sizes at most half of {full}", lambda: total() <= full // 2)
            bk = Book(client, "TB")
            assert all(q >= 100 and q % 100 == 0 for q in [*bk.bids.values(), *bk.asks.values()]), "whole lots"
        until(f"GOOG back to {full}", lambda: total() == full)
        assert not client.app.rejects
    finally:
        client.stop()


def test_a_volume_spike_prints_trades_totalling_its_qty(quiet: tuple[VenueProc, Path]):
    client = client_of(quiet, "QVS")
    try:
        for cl, side, px in (("S1", "2", "190.00"), ("S2", "2", "190.01"), ("B1", "1", "189.99"),
                             ("B2", "1", "189.98")):
            client.send("D", order(cl, side, 500, px))
            client.wait_for(er(cl, "0"), WAIT_S, f"New for {cl}")
        subscribed(client, "VS", "AAPL")
        with httpx.Client(base_url=quiet[0].url, timeout=10) as api:
            r = api.post("/operations/volume_spike",
                         json={"params": {"symbol": "AAPL", "qty": 1000, "slices": 4, "over_s": 1}})
            assert r.status_code == 200, r.text
        until("1000 printed", lambda: sum(q for _, q in Book(client, "VS").trades) >= 1000)
        time.sleep(0.5)
        # Buy 200, sell 200, buy 200, sell 400: against the test's own orders, the only ones resting here.
        assert sorted(Book(client, "VS").trades) == sorted([(Decimal("190.00"), 200), (Decimal("189.99"), 200),
                                                           (Decimal("190.00"), 200), (Decimal("189.99"), 300),
                                                           (Decimal("189.98"), 100)])
        fills = [m for m in client.messages(b"8") if m.get(150) == b"F"]
        assert sum(int(s(m, 32)) for m in fills) == 1000, "the resting side's fills, as for any taker"
        assert not client.app.rejects
    finally:
        client.stop()


def test_a_stale_quote_stops_increments_then_catches_up(quiet: tuple[VenueProc, Path]):
    client = client_of(quiet, "QST")
    try:
        client.send("D", order("S", "2", 100, "410.00", symbol="MSFT"))
        client.wait_for(er("S", "0"), WAIT_S, "New for S")
        subscribed(client, "ST", "MSFT")
        with httpx.Client(base_url=quiet[0].url, timeout=10) as api:
            r = api.post("/faults", json={"kind": "stale_quote", "scope": {"symbol": "MSFT", "end_s": 3}})
            assert r.status_code == 201, r.text
            end_ns = r.json()["scope"]["end_ns"]
            client.send("D", order("B", "1", 60, "410.00", symbol="MSFT"))
            fill = client.wait_for(er("B", "F"), WAIT_S, "the fill: orders trade while the data is stale")
            catch_up = after(client, fill, lambda m: m.msg_type == b"X" and m.get(262) == b"ST", "the catch-up")
            assert sent_at(catch_up) // MS >= end_ns // MS, "nothing went out before the window ended"
            x = Book(client, "ST")
            assert x.asks == {Decimal("410.00"): 40} and x.trades == [(Decimal("410.00"), 60)], "late, not lost"
            # The catch-up is the true book: a fresh snapshot agrees.
            assert subscribed(client, "ST2", "MSFT").asks == Book(client, "ST").asks
            [f] = [f for f in api.get("/faults/fired").json() if f["id"] == r.json()["id"]]
            assert f["kind"] == "stale_quote"
        log = (quiet[1] / "state" / "EXCH" / "log" / "EXCH.faults.log").read_text()
        fid = r.json()["id"]
        assert f"fault {fid} stale_quote in effect on MSFT" in log
        assert f"fault {fid} stale_quote over on MSFT: its window ended" in log
        assert not client.app.rejects
    finally:
        client.stop()


def test_a_crossed_quote_publishes_a_bid_above_the_offer_then_removes_it(quiet: tuple[VenueProc, Path]):
    client = client_of(quiet, "QCQ")
    try:
        client.send("D", order("S", "2", 100, "175.00", symbol="TSLA"))
        client.send("D", order("B", "1", 100, "174.90", symbol="TSLA"))
        client.wait_for(er("B", "0"), WAIT_S, "New for B")
        subscribed(client, "CQ", "TSLA")
        with httpx.Client(base_url=quiet[0].url, timeout=10) as api:
            r = api.post("/faults", json={"kind": "crossed_quote", "params": {"ticks": 1},
                                          "scope": {"symbol": "TSLA", "end_s": 2}})
            assert r.status_code == 201, r.text
            end_ns = r.json()["scope"]["end_ns"]
        until("a bid above the offer", lambda: max(Book(client, "CQ").bids) > min(Book(client, "CQ").asks))
        assert Book(client, "CQ").bids == {Decimal("175.01"): 100, Decimal("174.90"): 100}
        until("the crossed bid gone", lambda: Decimal("175.01") not in Book(client, "CQ").bids)
        gone = [m for m in client.messages(b"X") if m.get(262) == b"CQ"][-1]
        assert sent_at(gone) // MS >= end_ns // MS
        assert Book(client, "CQ").bids == {Decimal("174.90"): 100} and Book(client, "CQ").spread > 0
        assert not client.app.rejects
    finally:
        client.stop()
