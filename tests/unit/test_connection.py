"""SessionConnection's batching: one socket write per batch, nested or not, error or not."""

from __future__ import annotations

import asyncio

import pytest

from oms_fix.fix.codec import FixParser, Message
from oms_fix.fix.config import SessionConfig
from oms_fix.fix.session import Session
from oms_fix.fix.store import MemoryStore
from oms_fix.live.connection import NullApplication, SessionConnection
from oms_fix.live.msglog import NullLog

T0 = 1_764_064_800_000_000_000
ER = b"37=O1\x0117=E1\x01150=0\x0139=0\x0155=AAPL\x0154=1\x01151=100\x0114=0\x016=0\x01"


class _Clock:
    def now_ns(self) -> int:
        return T0


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def get_write_buffer_size(self) -> int:
        return 0


def _logged_on_acceptor() -> Session:
    ini = Session(SessionConfig(sender_comp_id="C", target_comp_id="OMS", role="initiator"), MemoryStore())
    acc = Session(SessionConfig(sender_comp_id="OMS", target_comp_id="C", role="acceptor"), MemoryStore())
    ini.on_connect(T0)
    acc.on_connect(T0)
    acc.receive_data(ini.data_to_send(), T0)
    ini.receive_data(acc.data_to_send(), T0)
    assert acc.logged_on and ini.logged_on
    return acc


def _messages(writes: list[bytes]) -> list[list[bytes]]:
    out = []
    for data in writes:
        p = FixParser()
        p.feed(data)
        msgs = list(p)
        assert all(isinstance(m, Message) for m in msgs)
        out.append([m.get(34) for m in msgs])  # type: ignore[union-attr]
    return out


@pytest.fixture
def conn():
    loop = asyncio.new_event_loop()
    c = SessionConnection(_logged_on_acceptor(), NullApplication(), _Clock(), NullLog(), loop)
    c.transport = _Transport()  # type: ignore[assignment]
    yield c
    loop.close()


def test_send_outside_a_batch_writes_at_once(conn):
    conn.send(b"8", ER)
    conn.send(b"8", ER)
    assert _messages(conn.transport.writes) == [[b"2"], [b"3"]]


def test_a_batch_writes_once_at_its_end_and_a_nested_one_adds_to_it(conn):
    with conn.batch():
        conn.send(b"8", ER)
        with conn.batch():
            conn.send(b"8", ER)
        assert conn.transport.writes == []  # the inner batch left the writing to the outer one
        conn.send(b"8", ER)
    assert _messages(conn.transport.writes) == [[b"2", b"3", b"4"]]


def test_a_batch_left_by_an_exception_still_writes_what_it_holds(conn):
    with pytest.raises(RuntimeError):
        with conn.batch():
            conn.send(b"8", ER)
            raise RuntimeError("application bug")
    assert _messages(conn.transport.writes) == [[b"2"]]
    conn.send(b"8", ER)  # and the connection is no longer corked
    assert _messages(conn.transport.writes) == [[b"2"], [b"3"]]
