"""An asyncio FIX acceptor: many sessions on one port.

Until its first message arrives a connection belongs to no session; the
Logon's CompIDs pick one from the registry. A peer that never logs on, sends
junk, or announces an oversized message is cut off without touching others.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Callable

from ..fix.codec import FixParser, Garbled, encode
from ..fix.registry import Refusal, SessionRegistry
from ..fix.session import Session, Status
from ..fix.utctime import format_ns
from .clock import Clock, LiveClock
from .connection import Application, SessionConnection
from .msglog import NullLog, SessionLog

__all__ = ["FixAcceptor"]


class _AcceptorProtocol(asyncio.Protocol):
    def __init__(self, acceptor: "FixAcceptor"):
        self.acceptor = acceptor
        self.transport: asyncio.Transport | None = None
        self.conn: SessionConnection | None = None
        self._buf = b""
        self._parser = FixParser(acceptor.max_message_size)
        self._logon_timer: asyncio.TimerHandle | None = None
        self._garbled = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.acceptor._protocols.add(self)
        self._logon_timer = asyncio.get_running_loop().call_later(self.acceptor.logon_timeout_s, self._no_logon)

    def _no_logon(self) -> None:
        if self.conn is None and self.transport is not None:
            self.acceptor.note(f"{self._peer()}: no Logon within {self.acceptor.logon_timeout_s:g}s; closing")
            self.transport.close()

    def _peer(self) -> str:
        return str(self.transport.get_extra_info("peername")) if self.transport else "?"

    def data_received(self, data: bytes) -> None:
        if self.conn is not None:
            self.conn.data_received(data)
            return
        self._buf += data
        parser = self._parser
        parser.feed(data)
        while True:
            item = parser.next_message()
            if item is None:
                # What the parser still holds is a suffix of all bytes fed; the
                # rest was skipped as garbage and need not be kept.
                self._buf = self._buf[len(self._buf) - parser.buffered:] if parser.buffered else b""
                return
            if isinstance(item, Garbled):
                # 1S.d': a garbled Logon is dropped; a good one may follow, but
                # a stream of junk is not a client.
                self._garbled += 1
                if self._garbled <= 3:
                    self.acceptor.note(f"{self._peer()}: before Logon, {item}")
                if item.too_large or self._garbled > 20:
                    self.acceptor.note(f"{self._peer()}: closing: {'message too large' if item.too_large else 'junk before Logon'}")
                    assert self.transport is not None
                    self.transport.close()
                    return
                continue
            keep = len(item.raw) + parser.buffered
            self._buf = self._buf[len(self._buf) - keep:]
            self._route(item.get_str(49) or "", item.get_str(56) or "")
            return

    def _route(self, peer_id: str, our_id: str) -> None:
        assert self.transport is not None
        acc = self.acceptor
        found = acc.registry.resolve(our_id, peer_id, acc.in_use)
        if isinstance(found, Refusal):
            acc.note(f"{self._peer()}: refused: {found.reason}")
            if not found.silent:
                self._refuse(our_id, peer_id, found.reason)
            self.transport.close()
            return
        refused = acc.logon_gate(found, acc.clock.now_ns()) if acc.logon_gate is not None else None
        if refused is not None:
            acc.note(f"{self._peer()}: Logon of {found.config.session_id} refused: {refused}")
            self._refuse(our_id, peer_id, refused)
            self.transport.close()
            return
        if self._logon_timer is not None:
            self._logon_timer.cancel()
        self.conn = acc.connection_for(found)
        buf, self._buf = self._buf, b""
        self.conn.attach(self.transport, buf)

    def _refuse(self, our_id: str, peer_id: str, text: str) -> None:
        # Before any session is bound, so no sequence number of a real session is used.
        assert self.transport is not None
        self.transport.write(encode([(35, b"5"), (49, our_id), (56, peer_id), (34, 1),
                                     (52, format_ns(self.acceptor.clock.now_ns())), (58, text)]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._logon_timer is not None:
            self._logon_timer.cancel()
        self.acceptor._protocols.discard(self)
        if self.conn is not None:
            self.conn.connection_lost(exc)


class FixAcceptor:
    def __init__(self, registry: SessionRegistry, app: Application, host: str = "127.0.0.1", port: int = 0,
                 clock: Clock | None = None, log_dir: Path | None = None, message_log: bool = True,
                 logon_timeout_s: float = 10.0, max_message_size: int = 1 << 20,
                 on_note: Callable[[str], None] | None = None, tls: ssl.SSLContext | None = None):
        self.registry = registry
        self.tls = tls  # FIX over TLS when set (the server's certificate and key loaded)
        self.app = app
        self.host = host
        self.port = port
        self.clock = clock or LiveClock()
        self.log_dir = log_dir
        self.message_log = message_log
        self.logon_timeout_s = logon_timeout_s
        self.max_message_size = max_message_size
        self._on_note = on_note
        # A simulated venue's refuse_logon fault: the Logout's Text for a Logon it refuses, None to take it.
        self.logon_gate: Callable[[Session, int], str | None] | None = None
        self._log: SessionLog | None = None
        self.connections: dict[str, SessionConnection] = {}
        self._protocols: set[_AcceptorProtocol] = set()
        self._server: asyncio.base_events.Server | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def note(self, text: str) -> None:
        """A line for the acceptor's own event log: connections that never
        became a session (refused, junk, no Logon) have no session log."""
        if self._log is not None:
            self._log.event("info", text, self.clock.now_ns())
            self._log.flush()
        if self._on_note is not None:
            self._on_note(text)

    def in_use(self, session: Session) -> bool:
        conn = self.connections.get(session.config.session_id)
        return conn is not None and conn.connected and session.status is not Status.DISCONNECTED

    def connection_for(self, session: Session) -> SessionConnection:
        sid = session.config.session_id
        conn = self.connections.get(sid)
        if conn is None:
            log = SessionLog(self.log_dir, sid, self.message_log) if self.log_dir else NullLog()
            assert self.loop is not None, "start() the acceptor first"
            conn = SessionConnection(session, self.app, self.clock, log, self.loop)
            self.connections[sid] = conn
        return conn

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(lambda: _AcceptorProtocol(self), self.host, self.port,
                                                     ssl=self.tls)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        if self.log_dir is not None:
            self._log = SessionLog(self.log_dir, f"acceptor-{self.host}-{self.port}", messages=False)

    async def stop(self, timeout_s: float = 2.0) -> None:
        """Log every session out, wait briefly for the replies, close, flush."""
        if self._server is not None:
            self._server.close()
        live = [c for c in self.connections.values() if c.connected]
        for c in live:
            if c.session.status is Status.ACTIVE:
                c.logout("acceptor shutting down")
            else:
                c.close()
        if live:
            await asyncio.wait([c.closed for c in live], timeout=timeout_s)
        for c in live:
            c.close()
        for p in list(self._protocols):
            if p.transport is not None:
                p.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
        for c in self.connections.values():
            c.log.close()
        if self._log is not None:
            self._log.close()
        self.registry.close()

    def describe(self) -> str:
        return f"{self.host}:{self.port}{' (TLS)' if self.tls is not None else ''}"

