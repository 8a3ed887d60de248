"""Session faults (sim_venues/session_faults.py) as transcripts: a venue's SessionConnection, the faults
hooked on it, and our own initiator Session as the client, joined in memory. What the client does with
what the venue sent is what FIX 4.4 Vol 2 says it should (the interop test shows QuickFIX doing the same)."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

from oms_fix.fix.codec import FixParser, Garbled, Message
from oms_fix.fix.config import SessionConfig
from oms_fix.fix.events import AppMessage, Disconnect
from oms_fix.fix.session import Session
from oms_fix.fix.store import MemoryStore
from oms_fix.live.connection import NullApplication, SessionConnection
from oms_fix.live.msglog import NullLog
from sim_venues.faults import FaultError, FaultPlan, Scope
from sim_venues.session_faults import SessionFaults

NS = 1_000_000_000
T0 = 1_800_000_000 * NS
ER = b"37=O1\x0117=E1\x01150=0\x0139=0\x0155=AAPL\x0154=1\x01151=100\x0114=0\x016=0\x01"


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def now_ns(self) -> int:
        return self.now


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> None:
        return None

    def close(self) -> None:
        self.closed = True


class _Gateway:
    """What SessionFaults needs of a VenueGateway."""

    def __init__(self) -> None:
        self.faults = FaultPlan(3)
        self.conns: dict[str, SessionConnection] = {}
        self.events: list[str] = []

    def event(self, text: str) -> None:
        self.events.append(text)


class Pair:
    """The venue V's connection and a client C (our initiator Session), logged on, HeartBtInt 1 s."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.clock = _Clock()
        self.gw = _Gateway()
        self.sx = SessionFaults(self.gw)  # type: ignore[arg-type]
        venue = Session(SessionConfig(sender_comp_id="V", target_comp_id="C", role="acceptor", heartbeat_s=1),
                        MemoryStore())
        self.client = Session(SessionConfig(sender_comp_id="C", target_comp_id="V", role="initiator",
                                            heartbeat_s=1), MemoryStore())
        self.conn = SessionConnection(venue, NullApplication(), self.clock, NullLog(), loop)
        self.transport = _Transport()
        self.conn.attach(self.transport)  # type: ignore[arg-type]
        self.gw.conns["C"] = self.conn
        self.client.on_connect(T0)
        self.conn.data_received(self.client.data_to_send())
        self.to_client()
        assert venue.logged_on and self.client.logged_on

    def arm(self, kind: str, params: dict | None = None, **scope: object) -> str:
        fid = self.gw.faults.arm(kind, params, Scope(**scope), self.clock.now)  # type: ignore[arg-type]
        self.sx.sync()
        return fid

    def wire(self) -> list[Message | Garbled]:
        """What the venue wrote since the last call, message by message."""
        data, self.transport.writes = b"".join(self.transport.writes), []
        p = FixParser()
        p.feed(data)
        return list(p)

    def to_client(self) -> list[Message | Garbled]:
        """Deliver what the venue wrote; what the client answered goes back to the venue."""
        msgs = self.wire()
        data = b"".join(m.data if isinstance(m, Garbled) else m.raw for m in msgs)
        self.client.receive_data(data, self.clock.now)
        return msgs

    def back(self) -> list[Message]:
        data = self.client.data_to_send()
        p = FixParser()
        p.feed(data)
        self.conn.data_received(data)
        return [m for m in p if isinstance(m, Message)]

    def client_events(self) -> list[object]:
        out = []
        while (ev := self.client.next_event()) is not None:
            out.append(ev)
        return out


@pytest.fixture
def pair() -> Iterator[Pair]:
    loop = asyncio.new_event_loop()
    yield Pair(loop)
    loop.close()


def t(m: Message | Garbled, tag: int) -> bytes | None:
    assert isinstance(m, Message), m
    return m.get(tag)


def test_nothing_armed_no_hook(pair: Pair):
    assert pair.conn.wire is None
    pair.conn.send(b"8", ER)
    [m] = pair.to_client()
    assert t(m, 34) == b"2"


def test_skip_seqnum_the_client_asks_and_the_skipped_numbers_are_gap_filled(pair: Pair):
    pair.arm("skip_seqnum", {"count": 3}, session="C")
    pair.conn.send(b"8", ER)
    [er] = pair.to_client()
    assert t(er, 34) == b"5"  # 2, 3, 4 never sent
    [rr] = pair.back()
    assert (rr.msg_type, rr.get(7), rr.get(16)) == (b"2", b"2", b"0")
    gap, again = pair.to_client()
    # FIX 4.4 Vol 2: numbers with nothing to resend become one SequenceReset-GapFill, then the resend.
    assert (t(gap, 35), t(gap, 34), t(gap, 123), t(gap, 36), t(gap, 43)) == (b"4", b"2", b"Y", b"5", b"Y")
    assert (t(again, 35), t(again, 34), t(again, 43)) == (b"8", b"5", b"Y")
    assert pair.client.store.next_target == 6
    assert [type(e) for e in pair.client_events() if isinstance(e, AppMessage)] == [AppMessage]
    assert "fault F1 skip_seqnum fired on C: MsgSeqNum 2..4 skipped" in pair.gw.events[0]
    pair.conn.send(b"8", ER)
    assert t(pair.to_client()[0], 34) == b"6"  # count 1 by default: spent
    assert pair.conn.wire is not None
    pair.sx.tick(pair.clock.now)
    assert pair.conn.wire is None  # nothing armed or at work: the hook is gone


def test_resend_possdup_copies_are_ignored_by_the_client(pair: Pair):
    pair.conn.send(b"8", ER)
    pair.conn.send(b"8", ER)
    pair.to_client()
    pair.client_events()
    pair.arm("resend_possdup", {"count": 2}, session="C")
    pair.conn.send(b"8", ER)
    a, b, new = pair.to_client()
    assert [(t(m, 34), t(m, 43)) for m in (a, b, new)] == [(b"2", b"Y"), (b"3", b"Y"), (b"4", None)]
    assert t(a, 122) is not None
    apps = [e for e in pair.client_events() if isinstance(e, AppMessage)]
    assert len(apps) == 1  # Vol 2 2e: a PossDup below the expected number is dropped
    assert pair.client.logged_on


def test_stale_sending_time_is_rejected_and_the_client_logs_out(pair: Pair):
    pair.arm("stale_sending_time", {"seconds": 600}, session="C")
    pair.conn.send(b"8", ER)
    [er] = pair.to_client()
    assert t(er, 52) == b"20270115-07:50:00.000"  # 600 s before T0
    rej, logout = pair.back()
    assert (rej.msg_type, rej.get(373), rej.get(371), logout.msg_type) == (b"3", b"10", b"52", b"5")
    assert any(isinstance(e, Disconnect) for e in pair.client_events())


def test_garbled_is_dropped_then_the_gap_is_asked_for(pair: Pair):
    pair.arm("garbled", {"count": 2}, session="C")
    pair.conn.send(b"8", ER)
    pair.conn.send(b"8", ER)
    pair.conn.send(b"8", ER)
    g1, g2, good = pair.to_client()
    assert isinstance(g1, Garbled) and isinstance(g2, Garbled)
    assert t(good, 34) == b"4"
    [rr] = pair.back()
    assert (rr.msg_type, rr.get(7)) == (b"2", b"2")
    again = pair.to_client()
    assert [(t(m, 34), t(m, 43)) for m in again] == [(b"2", b"Y"), (b"3", b"Y"), (b"4", b"Y")]  # resends intact
    assert pair.client.store.next_target == 5


def test_garbled_body_length(pair: Pair):
    pair.arm("garbled", {"how": "body_length"}, session="C")
    pair.conn.send(b"8", ER)
    [g] = pair.wire()
    assert isinstance(g, Garbled)


def test_stop_heartbeats_the_client_test_requests_then_disconnects(pair: Pair):
    pair.arm("stop_heartbeats", {"seconds": 10}, session="C")
    clock, client = pair.clock, pair.client
    sent: list[Message] = []
    for _ in range(40):  # 4 s in 100 ms steps, both timers running
        clock.now += NS // 10
        pair.conn._on_timer()
        assert not [m for m in pair.to_client() if t(m, 35) == b"0"]
        client.on_timer(clock.now)
        sent += pair.back()
        if any(isinstance(e, Disconnect) for e in pair.client_events()):
            break
    else:
        pytest.fail("the client never gave up")
    # Vol 2 case 6: a TestRequest after HeartBtInt + 20 % of silence, then the Logout when it is not answered.
    assert [m.msg_type for m in sent if m.msg_type in (b"1", b"5")] == [b"1", b"5"]
    assert pair.gw.events[0].startswith("fault F1 stop_heartbeats fired on C")
    pair.sx.forget("C")
    assert "Heartbeat(s) held back" in pair.gw.events[-1]


def test_refuse_logon_count(pair: Pair):
    pair.arm("refuse_logon", {"count": 2, "text": "closed for tests"}, session="C")
    session = pair.conn.session
    assert pair.sx.logon_gate(session, T0) == "closed for tests"
    assert pair.sx.logon_gate(session, T0) == "closed for tests"
    assert pair.sx.logon_gate(session, T0) is None
    assert len(pair.gw.faults.fired()) == 1  # one firing that refused two Logons


def test_drop_connection(pair: Pair):
    out = pair.sx.drop({"session": "C"}, T0)
    assert pair.transport.closed and out["sessions"] == ["C"]
    with pytest.raises(FaultError, match="params.session"):
        pair.sx.drop({"session": "NOBODY"}, T0)


def test_scope_rules_for_session_faults():
    p = FaultPlan(1, symbols=("AAPL",))
    with pytest.raises(FaultError, match="scope.symbol: skip_seqnum is a session fault"):
        p.arm("skip_seqnum", {}, Scope(symbol="AAPL"), T0)
    p.arm("garbled", {}, Scope(session="C"), T0)
    p.arm("stale_sending_time", {}, Scope(end_ns=T0 + NS), T0)
    once, window = p.armed(T0)
    assert (once["scope"]["count"], window["scope"]["count"]) == (1, None)  # once unless a window says more
    with pytest.raises(FaultError, match="params.how"):
        p.arm("garbled", {"how": "both"}, Scope(), T0)
    with pytest.raises(FaultError, match="params.seconds"):
        p.arm("stop_heartbeats", {"seconds": 0}, Scope(), T0)
