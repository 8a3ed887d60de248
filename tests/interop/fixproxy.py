"""A loopback TCP proxy that sees FIX frames, so a test can lose or delay chosen ones.

It sits between two real engines. Each direction is cut into whole frames by
BeginString/BodyLength (its own few lines, so the proxy does not lean on the
codec under test), every frame is recorded, and a frame matching a rule is
dropped once or held back until released. The proxy never changes a byte of
what it forwards.

Directions: "c2s" is initiator -> acceptor, "s2c" acceptor -> initiator.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

__all__ = ["FrameProxy", "Frame", "fields_of", "show"]

Predicate = Callable[[dict[int, bytes]], bool]
_SESSION_TYPES = frozenset({b"A", b"0", b"1", b"2", b"3", b"4", b"5"})


def fields_of(frame: bytes) -> dict[int, bytes]:
    """Tag -> value, the first occurrence winning (enough for header and ids)."""
    out: dict[int, bytes] = {}
    for part in frame.split(b"\x01"):
        tag, sep, value = part.partition(b"=")
        if sep and tag.isdigit():
            out.setdefault(int(tag), value)
    return out


def show(frame: bytes) -> str:
    return frame.replace(b"\x01", b"|").decode("latin-1")


@dataclass
class Frame:
    conn: int          # which accepted connection, counting from 0
    direction: str     # "c2s" or "s2c"
    raw: bytes
    dropped: bool = False
    at: float = field(default_factory=time.monotonic)

    @cached_property
    def f(self) -> dict[int, bytes]:
        return fields_of(self.raw)

    @property
    def msg_type(self) -> bytes:
        return self.f.get(35, b"")

    @property
    def seq(self) -> int:
        return int(self.f.get(34, b"0"))

    def __str__(self) -> str:
        mark = " DROPPED" if self.dropped else ""
        return f"#{self.conn} {self.direction}{mark} {show(self.raw)}"


class _Rule:
    def __init__(self, direction: str, match: Predicate):
        self.direction = direction
        self.match = match
        self.frames: list[Frame] = []


def _cut(buf: bytearray) -> bytes | None:
    """One whole frame off the front of `buf`, or None if it is not all here yet."""
    if not buf.startswith(b"8="):
        if b"\x018=" not in buf and len(buf) < 64:
            return None
        raise AssertionError(f"proxy lost FIX framing: {bytes(buf[:80])!r}")
    i = buf.find(b"\x019=")
    j = buf.find(b"\x01", i + 3) if i >= 0 else -1
    if j < 0:
        return None
    end = j + 1 + int(buf[i + 3 : j]) + 7  # body, then "10=nnn\x01"
    if len(buf) < end:
        return None
    out = bytes(buf[:end])
    del buf[:end]
    return out


class FrameProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1"):
        self.host = host
        # Changed by a test when the upstream process restarts on another port.
        self.target_port = target_port
        self.frames: list[Frame] = []
        # (conn, direction) in the order each side's end of the stream came:
        # "c2s" means the initiator closed (or half-closed) first.
        self.closes: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        # One per direction, so a blocked send one way never stalls the other way.
        self._send_lock = {"c2s": threading.Lock(), "s2c": threading.Lock()}
        self._rules: list[_Rule] = []
        self._holding: dict[str, bool] = {"c2s": False, "s2c": False}
        self._held: dict[str, list[tuple[socket.socket, Frame]]] = {"c2s": [], "s2c": []}
        self._socks: list[socket.socket] = []
        self._conns = 0
        self._closed = False
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="fix-proxy-accept", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------- rules
    def drop_once(self, direction: str, match: Predicate) -> _Rule:
        """Drop the first frame in `direction` for which `match(fields)` is true."""
        rule = _Rule(direction, match)
        with self._lock:
            self._rules.append(rule)
        return rule

    def hold(self, direction: str) -> None:
        """Keep frames in `direction` back, in order, until `release`."""
        with self._send_lock[direction]:
            self._holding[direction] = True

    def held(self, direction: str) -> list[Frame]:
        with self._send_lock[direction]:
            return [fr for _, fr in self._held[direction]]

    def release(self, direction: str) -> None:
        with self._send_lock[direction]:
            self._holding[direction] = False
            held, self._held[direction] = self._held[direction], []
            for sock, fr in held:
                try:
                    sock.sendall(fr.raw)
                except OSError:
                    pass

    # ------------------------------------------------------------- queries
    def seen(self, direction: str | None = None, msg_type: bytes | None = None, conn: int | None = None,
             dropped: bool | None = False) -> list[Frame]:
        with self._lock:
            frames = list(self.frames)
        return [fr for fr in frames
                if (direction is None or fr.direction == direction)
                and (conn is None or fr.conn == conn)
                and (dropped is None or fr.dropped == dropped)
                and (msg_type is None or fr.msg_type == msg_type)]

    @property
    def connections(self) -> int:
        return self._conns

    def first_to_close(self, conn: int) -> str | None:
        with self._lock:
            return next((d for n, d in self.closes if n == conn), None)

    def story(self, admin: int = 40, last: int = 6) -> str:
        """Session-level frames (admin types, and anything lost), then the last few of all:
        what a reader of a failed run needs, without a thousand orders in between."""
        with self._lock:
            frames = list(self.frames)
        picked = [fr for fr in frames if fr.dropped or fr.msg_type in _SESSION_TYPES]
        head = "\n".join(str(fr) for fr in picked[-admin:])
        tail = "\n".join(str(fr) for fr in frames[-last:])
        return f"session-level frames and losses (last {admin}):\n{head}\n... last {last} frames:\n{tail}"

    def wait_for(self, cond: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:g}s waiting for {what}\n{self.story()}")
            time.sleep(0.01)

    # ------------------------------------------------------------ plumbing
    def close(self) -> None:
        self._closed = True
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                down, _ = self._listener.accept()
            except OSError:
                return
            try:
                up = socket.create_connection((self.host, self.target_port), timeout=2)
                up.settimeout(None)
            except OSError:
                down.close()  # upstream is not listening: the initiator sees a refused connection
                continue
            for s in (down, up):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                n = self._conns
                self._conns += 1
                self._socks += [down, up]
            done = [0]  # pumps of this connection that have finished
            for src, dst, direction in ((down, up, "c2s"), (up, down, "s2c")):
                threading.Thread(target=self._pump, args=(n, src, dst, direction, done),
                                 name=f"fix-proxy-{n}-{direction}", daemon=True).start()

    def _pump(self, n: int, src: socket.socket, dst: socket.socket, direction: str,
              done: list[int]) -> None:
        buf = bytearray()
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    with self._lock:
                        self.closes.append((n, direction))
                    break
                buf += data
                while (raw := _cut(buf)) is not None:
                    self._forward(n, dst, direction, raw)
        except OSError:
            with self._lock:
                self.closes.append((n, direction))  # reset rather than closed: still this side's end
        finally:
            # Half-close onwards so each engine sees the other's close as it happened.
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            # The second pump of a connection to finish closes both sockets.
            with self._lock:
                done[0] += 1
                last = done[0] == 2
                if last:
                    self._socks = [s for s in self._socks if s is not src and s is not dst]
            if last:
                src.close()
                dst.close()

    def _forward(self, n: int, dst: socket.socket, direction: str, raw: bytes) -> None:
        fr = Frame(n, direction, raw)
        with self._lock:
            self.frames.append(fr)
            for rule in self._rules:
                if rule.direction == direction and not rule.frames and rule.match(fr.f):
                    fr.dropped = True
                    rule.frames.append(fr)
                    return
        with self._send_lock[direction]:
            if self._holding[direction]:
                self._held[direction].append((dst, fr))
                return
            # Sent under the lock so a concurrent release cannot reorder frames.
            dst.sendall(raw)
