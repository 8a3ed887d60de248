"""A crash between the journal commit and the send: after the restart the client gets the report, once.

In-process and deterministic where the kill -9 test is random: the OMS runtime,
its client acceptor with durable stores and a client initiator with its own
store run over loopback in one event loop. A runtime whose flush commits the
journal and then "dies" (drops what it was about to send) stands for a process
killed at exactly that instant; the restart opens the same journal and stores,
as `oms-fix up` does.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from pathlib import Path

from oms_fix.engine.oms import Oms
from oms_fix.engine.oms_types import InstrumentRules, VenueRule
from oms_fix.engine.risk import RiskEngine
from oms_fix.engine.risk_limits import Limits, RiskConfig
from oms_fix.fix.config import SessionConfig
from oms_fix.fix.message import Message
from oms_fix.fix.registry import SessionRegistry
from oms_fix.fix.session import Session
from oms_fix.live.acceptor import FixAcceptor
from oms_fix.live.clock import LiveClock
from oms_fix.live.connection import SessionConnection
from oms_fix.live.initiator import FixInitiator
from oms_fix.live.oms_app import OmsRuntime
from oms_fix.live.stores import file_store_factory
from oms_fix.marketdata.consolidated import ConsolidatedBook
from oms_fix.store.journal import Journal


class DiesAfterCommit(OmsRuntime):
    """Journals, then dies before a byte of what it journaled is sent."""

    def flush(self) -> None:
        self._flush_due = False
        self.commit()
        self._outbox = []


class DiesBeforeCommit(OmsRuntime):
    """Dies with the order read but nothing of it journaled or sent."""

    def commit(self) -> None:
        self._records = []

    def flush(self) -> None:
        self._flush_due = False
        self.commit()
        self._outbox = []


class Client:
    def __init__(self) -> None:
        self.reports: list[tuple[str, str, str, str]] = []  # (ClOrdID, ExecID, ExecType, PossDupFlag)
        self.logons = 0

    def on_logon(self, conn: SessionConnection) -> None:
        self.logons += 1

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        if msg.msg_type == b"8":
            self.reports.append(tuple((msg.get(t) or b"").decode() for t in (11, 17, 150, 43)))  # type: ignore[arg-type]


def _oms() -> Oms:
    risk = RiskEngine(RiskConfig(defaults=Limits()), {"AAPL": D("190.00")}, {"AAPL": D("0.01")})
    # No venue link runs here, so every order is refused ("no venue is connected"): the refusal is
    # the report the crash must not lose.
    return Oms({"AAPL": InstrumentRules(tick=D("0.01"), lot=100)}, risk, ConsolidatedBook(), [VenueRule(name="ECN")])


async def _run_oms(state: Path, runtime_cls: type[OmsRuntime], prefix: str) -> tuple[FixAcceptor, OmsRuntime]:
    journal = Journal.open(state / "oms.db", sync="normal")
    runtime = runtime_cls(_oms(), journal, LiveClock())
    runtime.recover()
    runtime.begin(prefix, ["ECN"])
    registry = SessionRegistry(file_store_factory(state / "store"))
    registry.add(SessionConfig(sender_comp_id="OMS", target_comp_id="CLIENT1", role="acceptor", account="ACC001"))
    acc = FixAcceptor(registry, runtime, "127.0.0.1", 0)
    await acc.start()
    runtime.adopt(acc)
    return acc, runtime


async def _crash(acc: FixAcceptor, runtime: OmsRuntime) -> None:
    """A killed process: what it had not handed to the kernel (its stores' buffers) is lost, and it
    never runs another line (no disconnect handling, no flush)."""
    for session in acc.registry.sessions.values():
        store = session.store
        store._buf.clear()  # type: ignore[attr-defined]
        store._pend_seq = -1  # type: ignore[attr-defined]
        store._target_written = store.next_target  # type: ignore[attr-defined]
    for conn in acc.connections.values():
        conn.connection_lost = lambda exc: None  # type: ignore[method-assign]
        conn._cancel_timer()
        if conn.transport is not None:
            conn.transport.abort()
    if acc._server is not None:
        acc._server.close()
    await asyncio.sleep(0.05)
    for session in acc.registry.sessions.values():
        store = session.store
        store._buf.clear()  # type: ignore[attr-defined]
        store._target_written = store.next_target  # type: ignore[attr-defined]
        store.close()  # releases the lock, as the kernel does for a dead process; writes nothing more
    runtime.journal.close()


async def _scenario(tmp: Path, first: type[OmsRuntime]) -> list[tuple[str, str, str, str]]:
    acc, runtime = await _run_oms(tmp / "oms", first, "R1-")
    client = Client()
    cfg = SessionConfig(sender_comp_id="CLIENT1", target_comp_id="OMS", role="initiator", heartbeat_s=30)
    store = file_store_factory(tmp / "client")(cfg)
    ini = FixInitiator(Session(cfg, store), client, "127.0.0.1", acc.port, backoff_s=0.05, max_backoff_s=0.1)
    ini.start()
    await ini.wait_logged_on(10)
    assert ini.conn is not None
    ini.conn.send(b"D", [(11, "A1"), (55, "AAPL"), (54, "1"), (38, "100"), (40, "2"), (44, "190.00"), (59, "0"),
                         (60, "20260101-00:00:00")])
    await asyncio.sleep(0.3)
    await _crash(acc, runtime)
    acc, runtime = await _run_oms(tmp / "oms", OmsRuntime, "R2-")
    ini.port = acc.port  # the restarted acceptor listens on a new port
    for _ in range(200):
        if client.logons == 2:
            break
        await asyncio.sleep(0.05)
    assert client.logons == 2, "the client did not log on again"
    await asyncio.sleep(0.5)
    await ini.stop()
    await acc.stop()
    runtime.flush()
    runtime.journal.close()
    return client.reports


def test_a_report_journaled_but_never_sent_reaches_the_client_after_the_restart(tmp_path: Path) -> None:
    reports = asyncio.run(_scenario(tmp_path, DiesAfterCommit))
    # The reject the first run journaled (its ExecID, not a second decision) arrives after the Logon.
    # The store had not recorded A1 as received either, so the client also resends it (PossDupFlag):
    # a known ClOrdID resent is answered with its status (ExecType I), never a second order.
    assert [(cl, exec_id, et) for cl, exec_id, et, _ in reports if et != "I"] == [("A1", "R1-O1-1", "8")], reports
    assert [(cl, et) for cl, _, et, _ in reports if et == "I"] == [("A1", "I")], reports


def test_a_report_sent_before_the_crash_is_not_sent_again(tmp_path: Path) -> None:
    reports = asyncio.run(_scenario(tmp_path, OmsRuntime))
    assert [(cl, et) for cl, _, et, _ in reports] == [("A1", "8")], reports


def test_an_order_read_but_never_journaled_is_resent_by_the_client_and_answered_once(tmp_path: Path) -> None:
    # The store never recorded A1 as received (that waits for the journal), so after the restart the
    # OMS asks for it again (ResendRequest) and the client resends it with PossDupFlag=Y.
    reports = asyncio.run(_scenario(tmp_path, DiesBeforeCommit))
    assert [(cl, et) for cl, _, et, _ in reports] == [("A1", "8")], reports
