"""The runtime's side of OrderMassStatusRequest (AF) and DontKnowTrade (Q): oms_app.on_message and _send,
over a stand-in connection."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from test_oms_core import make
from test_translate import as_message, msg

from oms_fix.fix.message import Message
from oms_fix.live.oms_app import OmsRuntime
from oms_fix.store.journal import Journal


class Clock:
    def __init__(self) -> None:
        self._t = itertools.count(1_764_064_800_000_000_000, 1_000_000)

    def now_ns(self) -> int:
        return next(self._t)


class Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def event(self, level: str, text: str, now: int) -> None:
        self.events.append((level, text))


class Conn:
    """What OmsRuntime uses of a SessionConnection."""

    def __init__(self, clock: Clock) -> None:
        self.session = SimpleNamespace(config=SimpleNamespace(target_comp_id="CLIENT1", account="ACC001"))
        self.clock, self.log, self.connected = clock, Log(), True
        self.sent: list[Message] = []
        self.rejects: list[tuple[bytes | None, int, str, bytes | None]] = []

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield

    def send(self, msg_type: bytes, body: bytes) -> None:
        self.sent.append(as_message(msg_type.decode(), body))

    def business_reject(self, ref: Message, reason: int, text: str, ref_id: bytes | None = None) -> None:
        self.rejects.append((ref.msg_type, reason, text, ref_id))


def run(tmp_path: Path, *msgs: Message) -> Conn:
    async def go() -> Conn:
        with Journal.open(tmp_path / "oms.db", sync="normal") as journal:
            clock = Clock()
            rt = OmsRuntime(make(), journal, clock)  # type: ignore[arg-type]
            conn = Conn(clock)
            for m in msgs:
                rt.on_message(conn, m)  # type: ignore[arg-type]
                await asyncio.sleep(0)  # the group commit flushes
            return conn
    return asyncio.run(go())


NOS = msg("D", t11="A1", t55="AAPL", t54="1", t60="20261125-10:00:00", t38="200", t40="2", t44="190.00")


def test_mass_status_is_answered_with_status_reports_not_a_business_reject(tmp_path: Path) -> None:
    conn = run(tmp_path, NOS, msg("AF", t584="M1", t585="7"), msg("AF", t584="M2", t585="1", t55="MSFT"))
    assert not conn.rejects
    ack, one, none = conn.sent
    assert (one.msg_type, one.get(150), one.get(11), one.get(584), one.get(911), one.get(912)) == (
        b"8", b"I", b"A1", b"M1", b"1", b"Y")
    assert (none.get(37), none.get(39), none.get(584), none.get(911), none.get(912), none.get(11)) == (
        b"NONE", b"8", b"M2", b"0", b"Y", None)


def test_an_unsupported_mass_status_type_gets_a_business_reject(tmp_path: Path) -> None:
    conn = run(tmp_path, msg("AF", t584="M1", t585="4"))
    ((ref_type, reason, text, ref_id),) = conn.rejects
    assert (ref_type, reason, ref_id) == (b"AF", 0, b"M1") and "not supported" in text and not conn.sent


def test_a_dk_is_logged_for_operations_and_an_unknown_one_also_gets_a_business_reject(tmp_path: Path) -> None:
    conn = run(tmp_path, NOS, msg("Q", t37="O1", t17="O1-9", t127="D", t55="AAPL", t54="1", t38="200"))
    assert not conn.rejects
    ack, bmr = conn.sent
    assert (bmr.msg_type, bmr.get(372), bmr.get(379), bmr.get(380)) == (b"j", b"Q", b"O1-9", b"1")
    ((level, text),) = conn.log.events
    assert level == "warning" and text.startswith("DontKnowTrade from CLIENT1 for order O1 ExecID O1-9")


def test_an_unreadable_order_is_refused_journaled_copied_to_the_drop_copy_and_replays(tmp_path: Path) -> None:
    from oms_fix.live.recovery import replay_journal

    async def go() -> tuple[Conn, Conn]:
        with Journal.open(tmp_path / "oms.db", sync="normal") as journal:
            clock = Clock()
            rt = OmsRuntime(make(), journal, clock)  # type: ignore[arg-type]
            conn, dc = Conn(clock), Conn(clock)
            rt.drop_copies["DROPCOPY"] = dc  # type: ignore[assignment]
            rt.on_message(conn, msg("D", t11="B1", t55="AAPL", t54="1", t60="20261125-10:00:00", t38="100",  # type: ignore[arg-type]
                                    t40="2", t44="abc"))
            await asyncio.sleep(0)
            return conn, dc

    conn, dc = asyncio.run(go())
    (er,) = conn.sent
    assert (er.get(37), er.get(11), er.get(150), er.get(39)) == (b"NONE", b"B1", b"8", b"8")
    assert b"Price (44)" in (er.get(58) or b"")
    (copy,) = dc.sent
    assert (copy.get(17), copy.get(797)) == (er.get(17), b"Y")
    with Journal.open(tmp_path / "oms.db") as journal:
        kinds = [e[2] for e in journal.replay()]
        assert kinds == ["refused"]
        assert replay_journal(make(), journal).events == 1
