"""Our FixInitiator (CLIENT1 -> OMS, FileStore) inside an asyncio loop of the test process."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from oms_fix.bench.echo_app import nos_body
from oms_fix.fix.codec import Message
from oms_fix.fix.config import SessionConfig
from oms_fix.fix.filestore import FileStore
from oms_fix.fix.session import Session
from oms_fix.live.connection import SessionConnection
from oms_fix.live.initiator import FixInitiator
from tests.interop.peers import tail_lines

__all__ = ["OurInitiator", "poll"]

TRANSACT_TIME = b"20240102-14:30:00.000"


async def poll(cond: Callable[[], bool], timeout_s: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g}s waiting for {what()}")
        await asyncio.sleep(0.01)


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logons = 0
        self.logouts: list[str] = []

    def on_logon(self, conn: SessionConnection) -> None:
        self.logons += 1

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.logouts.append(reason)

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        self.messages.append(msg)


class OurInitiator:
    """One session on a FileStore under `work_dir`; each `start()` opens the store afresh."""

    def __init__(self, work_dir: Path, port: int, heartbeat_s: int = 30):
        self.state_dir = work_dir / "state"
        self.log_dir = work_dir / "log"
        self.port = port
        self.config = SessionConfig(sender_comp_id="CLIENT1", target_comp_id="OMS", role="initiator",
                                    heartbeat_s=heartbeat_s, reset_on_logon=False)
        self.app = _Collector()
        self.initiator: FixInitiator | None = None
        self.session: Session | None = None

    def start(self) -> "OurInitiator":
        self.app = _Collector()
        self.session = Session(self.config, FileStore(self.state_dir, self.config.session_id))
        # No reconnect: the tests decide when the next connection happens.
        self.initiator = FixInitiator(self.session, self.app, "127.0.0.1", self.port, log_dir=self.log_dir,
                                      reconnect=False)
        self.initiator.start()
        return self

    async def wait_logged_on(self, timeout_s: float = 10.0) -> None:
        assert self.initiator is not None
        try:
            await self.initiator.wait_logged_on(timeout_s)
        except asyncio.TimeoutError:
            raise AssertionError(f"our initiator did not log on within {timeout_s:g}s\n{self.event_log()}") from None

    async def stop(self) -> None:
        if self.initiator is not None:
            await self.initiator.stop()
            self.initiator = None

    @property
    def conn(self) -> SessionConnection:
        assert self.initiator is not None and self.initiator.conn is not None
        return self.initiator.conn

    def send_orders(self, ids: list[str]) -> None:
        conn = self.conn
        for cl in ids:
            conn.send(b"D", nos_body(cl.encode(), TRANSACT_TIME))

    def exec_reports(self) -> list[Message]:
        return [m for m in self.app.messages if m.msg_type == b"8"]

    def cl_ord_ids(self) -> Counter[str]:
        return Counter(m.get_str(11) for m in self.exec_reports())

    async def wait_exec_reports(self, ids: set[str], timeout_s: float) -> None:
        def missing() -> str:
            gone = sorted(ids - set(self.cl_ord_ids()))
            return f"ExecutionReports for {len(gone)} orders (first {gone[:5]})\n{self.event_log()}"

        await poll(lambda: ids <= set(self.cl_ord_ids()), timeout_s, missing)

    def event_log(self, lines: int = 25) -> str:
        path = next(self.log_dir.glob("*.events.log"), None)
        if path is None:
            return "(no event log of ours)"
        return f"--- our {path.name}\n" + "\n".join(tail_lines(path, lines))
