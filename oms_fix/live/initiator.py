"""An asyncio FIX initiator: connect, log on, reconnect with backoff."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Callable

from ..fix.session import Session, Status
from .clock import Clock, LiveClock
from .connection import Application, SessionConnection
from .msglog import NullLog, SessionLog

__all__ = ["FixInitiator"]


class _InitiatorProtocol(asyncio.Protocol):
    def __init__(self, conn: SessionConnection):
        self.conn = conn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.conn.attach(transport)  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        self.conn.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.connection_lost(exc)


class FixInitiator:
    """Keeps one session connected to host:port until `stop()`.

    Reconnects after any disconnect, waiting `backoff_s` doubled per failed
    attempt up to `max_backoff_s`; a connection that reached Logon resets it.
    """

    def __init__(self, session: Session, app: Application, host: str, port: int, clock: Clock | None = None,
                 log_dir: Path | None = None, message_log: bool = True, backoff_s: float = 0.5,
                 max_backoff_s: float = 30.0, reconnect: bool = True, on_note: Callable[[str], None] | None = None,
                 tls: ssl.SSLContext | None = None):
        self.session = session
        self.tls = tls  # FIX over TLS when set: the context that checks the acceptor's certificate
        self.app = app
        self.host = host
        self.port = port
        self.clock = clock or LiveClock()
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.reconnect = reconnect
        self._on_note = on_note
        sid = session.config.session_id
        self.log = SessionLog(log_dir, sid, message_log) if log_dir else NullLog()
        self.conn: SessionConnection | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._logged_on = asyncio.Event()

    def note(self, text: str) -> None:
        self.log.event("info", text, self.clock.now_ns())
        if self._on_note is not None:
            self._on_note(text)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.conn = SessionConnection(self.session, self.app, self.clock, self.log, loop,
                                      on_logon=self._logged_on.set)
        self._task = loop.create_task(self._run())

    async def wait_logged_on(self, timeout_s: float | None = None) -> None:
        await asyncio.wait_for(self._logged_on.wait(), timeout_s)

    async def _run(self) -> None:
        assert self.conn is not None
        loop = asyncio.get_running_loop()
        delay = self.backoff_s
        while not self._stopping:
            self._logged_on.clear()
            schedule = self.session.config.schedule
            now = self.clock.now_ns()
            if schedule is not None and not schedule.contains(now):
                start = schedule.next_start(now)
                self.note(f"outside the session schedule; connecting at the next window in {(start - now) / 1e9:.0f}s")
                await asyncio.sleep((start - now) / 1e9)
                continue
            try:
                await loop.create_connection(lambda: _InitiatorProtocol(self.conn), self.host, self.port,  # type: ignore[arg-type]
                                             ssl=self.tls)
            except OSError as e:
                self.note(f"connect to {self.host}:{self.port} failed: {e}; retrying in {delay:g}s")
            else:
                await self.conn.closed
                if self.session.store.next_target > 1 and self._logged_on.is_set():
                    delay = self.backoff_s
            if self._stopping or not self.reconnect:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    async def stop(self, timeout_s: float = 2.0) -> None:
        """Log out (case 12), wait for the reply up to `timeout_s`, close."""
        self._stopping = True
        conn = self.conn
        if conn is not None and conn.connected:
            if self.session.status is Status.ACTIVE:
                conn.logout("initiator shutting down")
                try:
                    await asyncio.wait_for(asyncio.shield(conn.closed), timeout_s)
                except asyncio.TimeoutError:
                    pass
            conn.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.session.store.flush()
        self.session.store.close()
        self.log.close()
