"""A venue's FIX gateway over real loopback sockets: our initiator against the venue acceptor.

The venue runs in this process (no background market), so each test sees only
its own orders; the QuickFIX tests in tests/interop do the same across
processes with an independent engine.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Callable

import pytest

from oms_fix.fix.config import SessionConfig
from oms_fix.fix.message import Message
from oms_fix.fix.session import Session
from oms_fix.fix.store import MemoryStore
from oms_fix.live.acceptor import FixAcceptor
from oms_fix.live.clock import LiveClock
from oms_fix.live.connection import SessionConnection
from oms_fix.live.initiator import FixInitiator
from sim_venues.daycycle import DayCycle
from sim_venues.gateway import VenueGateway
from sim_venues.instruments import load_instruments
from sim_venues.serve import venue_registry
from sim_venues.venues import Venue, VenueSpec

T = "20261125-10:00:00.000"


class Recorder:
    def __init__(self) -> None:
        self.got: list[Message] = []

    def on_logon(self, conn: SessionConnection) -> None:
        pass

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        self.got.append(msg)


class Rig:
    def __init__(self, kind: str = "exchange", **spec: object):
        self.kind = kind
        self.spec = spec
        self.clients: list[FixInitiator] = []

    async def __aenter__(self) -> "Rig":
        instruments = load_instruments(Path(__file__).resolve().parents[2] / "config" / "instruments.yaml")
        day = DayCycle(0, 3600, 5, 5) if self.kind == "exchange" else None
        self.venue = Venue(VenueSpec(name="EXCH", kind=self.kind, port=0, day=day, **self.spec),  # type: ignore[arg-type]
                           instruments, time.time_ns())
        self.gateway = VenueGateway(self.venue, LiveClock())
        registry = venue_registry(self.venue.spec, lambda cfg: MemoryStore())
        self.acceptor = FixAcceptor(registry, self.gateway, "127.0.0.1", 0)
        await self.acceptor.start()
        return self

    async def client(self, name: str, logon: bool = True) -> tuple[FixInitiator, Recorder]:
        rec = Recorder()
        cfg = SessionConfig(sender_comp_id=name, target_comp_id="EXCH", role="initiator")
        ini = FixInitiator(Session(cfg, MemoryStore()), rec, "127.0.0.1", self.acceptor.port, reconnect=False)
        ini.start()
        if logon:
            await ini.wait_logged_on(10)
        self.clients.append(ini)
        return ini, rec

    async def resting_offer(self) -> tuple[FixInitiator, Recorder]:
        """Client S1, whose sell order S (100 AAPL at 190.00) the venue has acknowledged: resting on the book."""
        seller, srec = await self.client("S1")
        send(seller, b"D", nos("S", "2", 100, "190.00"))
        await wait_for(srec, er("S", "0"), "New")
        return seller, srec

    async def __aexit__(self, *exc: object) -> None:
        for c in self.clients:
            await c.stop()
        await self.acceptor.stop()


def send(ini: FixInitiator, mt: bytes, fields: list[tuple[int, str]]) -> None:
    assert ini.conn is not None
    ini.conn.send(mt, fields)  # type: ignore[arg-type]


async def wait_for(rec: Recorder, pred: Callable[[Message], bool], what: str, timeout_s: float = 5.0) -> Message:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for m in rec.got:
            if pred(m):
                return m
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {what}; got " + "\n".join(m.raw.decode("latin-1").replace("\x01", "|") for m in rec.got))


def er(cl: str, exec_type: str) -> Callable[[Message], bool]:
    return lambda m: m.msg_type == b"8" and m.get(11) == cl.encode() and m.get(150) == exec_type.encode()


def s(m: Message, tag: int) -> str:
    return (m.get(tag) or b"").decode()


def nos(cl: str, side: str, qty: int, price: str | None, symbol: str = "AAPL", **extra: str) -> list[tuple[int, str]]:
    f = [(11, cl), (55, symbol), (54, side), (60, T), (38, str(qty)), (40, "2" if price else "1")]
    if price:
        f.append((44, price))
    return f + [(int(k[1:]), v) for k, v in extra.items()]


def run(coro_fn: Callable[[], object]) -> None:
    asyncio.run(asyncio.wait_for(coro_fn(), 30))  # type: ignore[arg-type]


def test_new_replace_status_cancel_round_trip():
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("C1")
            send(ini, b"D", nos("A1", "1", 100, "189.00", t1="ACC001"))
            new = await wait_for(rec, er("A1", "0"), "New")
            assert (s(new, 39), s(new, 38), s(new, 151), s(new, 14), s(new, 44), s(new, 1)) == \
                ("0", "100", "100", "0", "189.00", "ACC001")
            send(ini, b"G", nos("A2", "1", 150, "189.01") + [(41, "A1")])
            rep = await wait_for(rec, er("A2", "5"), "Replaced")
            assert (s(rep, 41), s(rep, 38), s(rep, 44), s(rep, 37)) == ("A1", "150", "189.01", s(new, 37))
            send(ini, b"H", [(11, "A1"), (55, "AAPL"), (54, "1")])
            st = await wait_for(rec, lambda m: m.get(150) == b"I", "status")
            # R14: asked by the old ClOrdID, answered under the current one with 41 naming the one asked.
            assert (s(st, 11), s(st, 41), s(st, 39)) == ("A2", "A1", "0")
            send(ini, b"F", [(41, "A2"), (11, "A3"), (55, "AAPL"), (54, "1"), (60, T)])
            cx = await wait_for(rec, er("A3", "4"), "Canceled")
            assert (s(cx, 41), s(cx, 39), s(cx, 151)) == ("A2", "4", "0")
            send(ini, b"F", [(41, "A3"), (11, "A4"), (55, "AAPL"), (54, "1"), (60, T)])
            late = await wait_for(rec, lambda m: m.msg_type == b"9", "cancel reject")
            assert (s(late, 102), s(late, 39), s(late, 37)) == ("0", "4", s(new, 37))
    run(go)


def test_duplicate_clordid_and_possresend():
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("C2")
            send(ini, b"D", nos("D1", "2", 10, "191.00"))
            await wait_for(rec, er("D1", "0"), "New")
            send(ini, b"D", nos("D1", "2", 10, "191.00"))
            dup = await wait_for(rec, er("D1", "8"), "duplicate reject")
            assert (s(dup, 103), s(dup, 39)) == ("6", "0")  # R13: the existing order's status
            # PossResend (97) is a header field: at the start of the body it stays in the header.
            send(ini, b"D", [(97, "Y")] + nos("D1", "2", 10, "191.00"))
            st = await wait_for(rec, er("D1", "I"), "status for a PossResend duplicate")
            assert s(st, 39) == "0"
    run(go)


def test_mass_cancel_reports_then_cancels_each():
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("C3")
            for i in range(3):
                send(ini, b"D", nos(f"M{i}", "1", 10, f"18{i}.00"))
            send(ini, b"D", nos("MX", "1", 10, "400.00", "MSFT"))
            await wait_for(rec, er("MX", "0"), "New")
            send(ini, b"q", [(11, "MC1"), (530, "1"), (55, "AAPL"), (60, T)])
            r = await wait_for(rec, lambda m: m.msg_type == b"r", "mass cancel report")
            assert (s(r, 531), s(r, 533)) == ("1", "3")
            for i in range(3):
                await wait_for(rec, er(f"M{i}", "4"), f"Canceled M{i}")
            assert not any(er("MX", "4")(m) for m in rec.got)
            send(ini, b"q", [(11, "MC2"), (530, "3"), (60, T)])
            bad = await wait_for(rec, lambda m: m.msg_type == b"r" and m.get(11) == b"MC2", "refused mass cancel")
            assert (s(bad, 531), s(bad, 532)) == ("0", "0")
    run(go)


def test_market_data_unsubscribe_and_bad_requests():
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("C4")
            md = [(262, "R1"), (263, "1"), (264, "2"), (267, "2"), (269, "0"), (269, "1"), (146, "1"), (55, "AAPL")]
            send(ini, b"V", md)
            await wait_for(rec, lambda m: m.msg_type == b"W", "snapshot")
            send(ini, b"V", md)
            dup = await wait_for(rec, lambda m: m.msg_type == b"Y", "duplicate MDReqID reject")
            assert s(dup, 281) == "1"
            send(ini, b"D", nos("P1", "1", 100, "189.50"))
            x = await wait_for(rec, lambda m: m.msg_type == b"X", "increment")
            assert (s(x, 279), s(x, 269), s(x, 270), s(x, 271)) == ("0", "0", "189.50", "100")
            send(ini, b"V", [(262, "R1"), (263, "2"), (264, "0"), (267, "1"), (269, "0"), (146, "1"), (55, "AAPL")])
            await asyncio.sleep(0.2)
            n = len([m for m in rec.got if m.msg_type == b"X"])
            send(ini, b"D", nos("P2", "1", 100, "189.60"))
            await wait_for(rec, er("P2", "0"), "New")
            await asyncio.sleep(0.2)
            assert len([m for m in rec.got if m.msg_type == b"X"]) == n, "no increments after unsubscribing"
            send(ini, b"V", [(262, "R2"), (263, "1"), (264, "0"), (267, "1"), (269, "9"), (146, "1"), (55, "AAPL")])
            bad = await wait_for(rec, lambda m: m.msg_type == b"Y" and m.get(262) == b"R2", "bad entry type")
            assert s(bad, 281) == "7"
    run(go)


def test_trading_session_status_on_logon():
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("C5")
            h = await wait_for(rec, lambda m: m.msg_type == b"h", "TradingSessionStatus")
            assert (s(h, 336), s(h, 340)) == ("EXCH", "2")
    run(go)


@pytest.mark.parametrize("fields, words", [
    ([(44, "190.001")], "not a multiple of the tick"),
    ([(40, "3")], "StopPx (99) is required"),
])
def test_bad_order_is_rejected_with_a_text_naming_the_rule(fields: list[tuple[int, str]], words: str):
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("C6")
            body = dict(nos("B1", "1", 10, "190.00"))
            body.update(dict(fields))
            send(ini, b"D", list(body.items()))
            rej = await wait_for(rec, er("B1", "8"), "reject")
            assert s(rej, 39) == "8" and words in s(rej, 58)
    run(go)


def test_accept_restricts_who_may_log_on():
    async def go() -> None:
        async with Rig(accept=("OMS", "TEST*")) as rig:
            await rig.client("TEST7")
            ini, _ = await rig.client("STRANGER", logon=False)
            with pytest.raises(asyncio.TimeoutError):
                await ini.wait_logged_on(1.5)
            assert ini.session.status.name != "ACTIVE"
    run(go)
