"""A sans-IO Session driven over one asyncio transport.

The loop is the one every runtime shares: bytes in, session events out to the
application, bytes the session produced out to the socket, after the store has
made them durable.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Protocol

from ..fix.codec import Message, Value
from ..fix.events import AppMessage, Disconnect, LoggedOn, LoggedOut, Note
from ..fix.session import Session, Status
from .clock import Clock
from .msglog import NullLog, SessionLog

__all__ = ["Application", "SessionConnection", "NullApplication", "WireFaults"]

# A peer that stops reading while we keep writing is cut off past this.
WRITE_BUFFER_LIMIT = 32 << 20


class Application(Protocol):
    """What the runtime calls; QuickFIX's callbacks, minus admin-message hooks."""

    def on_logon(self, conn: "SessionConnection") -> None: ...
    def on_logout(self, conn: "SessionConnection", reason: str) -> None: ...
    def on_message(self, conn: "SessionConnection", msg: Message) -> None: ...


class WireFaults(Protocol):
    """A simulated venue's session faults (sim_venues/session_faults.py); every other runtime leaves it None."""

    def before_send(self, conn: "SessionConnection", now: int) -> None: ...
    def on_wire(self, conn: "SessionConnection", data: bytes, now: int) -> bytes: ...


class NullApplication:
    def on_logon(self, conn: "SessionConnection") -> None:
        pass

    def on_logout(self, conn: "SessionConnection", reason: str) -> None:
        pass

    def on_message(self, conn: "SessionConnection", msg: Message) -> None:
        pass


class SessionConnection:
    """One session bound to one live transport (or to none, between connections)."""

    def __init__(self, session: Session, app: Application, clock: Clock, log: SessionLog | NullLog,
                 loop: asyncio.AbstractEventLoop, on_logon: Callable[[], None] | None = None):
        self.session = session
        self.app = app
        self.clock = clock
        self.log = log
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.closed = loop.create_future()
        self._on_logon = on_logon  # for the runtime (an initiator's wait_logged_on), before the app
        # While input is being processed, writes are gathered and leave in one
        # syscall at the end of the batch, after one store flush.
        self._corked: list[bytes] | None = None
        # Called before the store is flushed: the application's own durable record of what it
        # received (the OMS journal) must be on disk before the store says it was received.
        self.before_store_flush: Callable[[], None] | None = None
        # Set only by a simulated venue told to misbehave: told before the session makes a message
        # (application or timer), and given the bytes just before they reach the socket.
        self.wire: WireFaults | None = None

    @property
    def session_id(self) -> str:
        return self.session.config.session_id

    @property
    def connected(self) -> bool:
        return self.transport is not None

    # --------------------------------------------------------------- transport
    def attach(self, transport: asyncio.Transport, initial: bytes = b"") -> None:
        self.transport = transport
        if self.closed.done():
            self.closed = self.loop.create_future()
        now = self.clock.now_ns()
        peer = transport.get_extra_info("peername")
        self.log.event("info", f"connected {peer}", now)
        self.session.on_connect(now)
        if initial:
            self.log.incoming(initial, now)
            self.session.receive_data(initial, now)
        self._pump(now)

    def data_received(self, data: bytes) -> None:
        now = self.clock.now_ns()
        self.log.incoming(data, now)
        self._corked = []
        try:
            self.session.receive_data(data, now)
            self._pump(now)
        finally:
            corked, self._corked = self._corked, None
            if corked:
                self._write(b"".join(corked), now)

    def connection_lost(self, exc: Exception | None) -> None:
        now = self.clock.now_ns()
        self.transport = None
        self._cancel_timer()
        self.session.on_disconnect(now, str(exc) if exc else "connection closed")
        self._pump(now)
        if self.before_store_flush is not None:
            self.before_store_flush()
        self.session.store.flush()
        self.log.flush()
        if not self.closed.done():
            self.closed.set_result(None)

    # ------------------------------------------------------------ application
    def send(self, msg_type: Value, body: bytes | list[tuple[int, Value]]) -> None:
        """Send an application message now, or hold it until the next Logon."""
        now = self.clock.now_ns()
        if self.wire is not None:
            self.wire.before_send(self, now)
        data = self.session.send(msg_type, body, now)
        corked = self._corked
        if corked is not None and data:
            corked.append(data)  # `_write`'s first step, inlined: inside a batch, the usual case
        else:
            self._write(data, now)

    def batch(self) -> "_Batch":
        """Send several messages with one store flush and one socket write."""
        return _Batch(self)

    def business_reject(self, ref: Message, reason: int, text: str, ref_id: bytes | None = None) -> None:
        now = self.clock.now_ns()
        self._write(self.session.business_reject(ref, reason, text, now, ref_id), now)

    def logout(self, text: str = "") -> None:
        now = self.clock.now_ns()
        self.session.logout(now, text)
        self._pump(now)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # -------------------------------------------------------------- internals
    def _write(self, data: bytes, now: int) -> None:
        if not data:
            return
        if self._corked is not None:
            self._corked.append(data)
            return
        # Durable first: nothing reaches the peer that a restart would forget.
        if self.before_store_flush is not None:
            self.before_store_flush()
        self.session.store.flush()
        t = self.transport
        if t is None:
            # Stored, so a ResendRequest after the next Logon brings it back.
            self.log.event("warning", f"connection gone: {len(data)} bytes stored but not sent", now)
            return
        if self.wire is not None:
            data = self.wire.on_wire(self, data, now)
        self.log.outgoing(data, now)
        t.write(data)
        if t.get_write_buffer_size() > WRITE_BUFFER_LIMIT:
            self.log.event("error", "peer is not reading; closing the connection", now)
            t.abort()

    def _pump(self, now: int) -> None:
        session = self.session
        app = self.app
        self._write(session.data_to_send(), now)
        while (ev := session.next_event()) is not None:
            if type(ev) is AppMessage:
                app.on_message(self, ev.message)
                continue
            match ev:
                case Note(level=level, text=text):
                    self.log.event(level, text, now)
                case LoggedOn():
                    self.log.event("info", "logon complete", now)
                    if self._on_logon is not None:
                        self._on_logon()
                    app.on_logon(self)
                case LoggedOut(reason=reason):
                    app.on_logout(self, reason)
                case Disconnect():
                    self._write(session.data_to_send(), now)
                    self._uncork(now)
                    if self.transport is not None:
                        self.transport.close()
            self._write(session.data_to_send(), now)
        self.log.flush()
        self._schedule(now)

    def _uncork(self, now: int) -> None:
        corked = self._corked
        if corked:
            self._corked = None
            self._write(b"".join(corked), now)
            self._corked = []

    def _schedule(self, now: int) -> None:
        """Keep one ticking timer while connected.

        Session deadlines move with every message; chasing them would cost a
        deadline computation and a timer per message. Instead the session's
        timers are checked on a tick, as QuickFIX checks its own once a second:
        a deadline is met within one tick (at most 1 s, a fifth of HeartBtInt
        when that is shorter).
        """
        if self.session.status is Status.DISCONNECTED or self.transport is None:
            self._cancel_timer()
            return
        if self._timer is None:
            self._timer = self.loop.call_later(self._tick_s(), self._on_timer)

    def _tick_s(self) -> float:
        hb = self.session.heartbeat_ns / 1e9
        return min(1.0, max(0.05, hb / 5)) if hb > 0 else 1.0

    def _on_timer(self) -> None:
        self._timer = None
        now = self.clock.now_ns()
        due = self.session.next_deadline()
        if due is not None and now >= due:
            if self.wire is not None:
                self.wire.before_send(self, now)
            self.session.on_timer(now)
        self._pump(now)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None


class _Batch:
    """`SessionConnection.batch()`: a plain context manager, since one is entered per
    message the application handles and a generator-based one costs several times more."""

    __slots__ = ("_conn", "_outer")

    def __init__(self, conn: SessionConnection):
        self._conn = conn
        self._outer = False

    def __enter__(self) -> None:
        conn = self._conn
        # Already inside a batch (e.g. called from on_message): the outer one writes.
        self._outer = conn._corked is None
        if self._outer:
            conn._corked = []

    def __exit__(self, *exc: object) -> None:
        if self._outer:
            conn = self._conn
            corked, conn._corked = conn._corked, None
            if corked:
                conn._write(b"".join(corked), conn.clock.now_ns())
