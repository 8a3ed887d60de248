"""Per-session logs a FIX engineer can read: messages (SOH shown as |) and events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TextIO

from ..fix.codec import printable
from ..fix.utctime import format_text

__all__ = ["SessionLog", "NullLog", "split_frames"]

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def split_frames(data: bytes) -> list[bytes]:
    """Cut concatenated messages apart by their BodyLength; leftovers stay whole."""
    out = []
    pos, n = 0, len(data)
    while pos < n:
        i = data.find(b"\x019=", pos, pos + 32)
        j = data.find(b"\x01", i + 3) if i >= 0 else -1
        if i < 0 or j < 0 or not data[i + 3 : j].isdigit():
            out.append(data[pos:])
            break
        end = j + 1 + int(data[i + 3 : j]) + 7
        out.append(data[pos:end])
        pos = end
    return out


class SessionLog:
    """Two append-only text files per session under `directory`.

    `<id>.messages.log`: one line per message, `<UTC time> IN|OUT <message>`.
    `<id>.events.log`: `<UTC time> <level> <text>`.
    Lines are buffered and written by `flush()`, which the connection calls
    once per batch of input.
    """

    def __init__(self, directory: Path, session_id: str, messages: bool = True):
        directory.mkdir(parents=True, exist_ok=True)
        name = _SAFE.sub("-", session_id).strip("-")
        self.messages_path = directory / f"{name}.messages.log"
        self.events_path = directory / f"{name}.events.log"
        self._messages: TextIO | None = open(self.messages_path, "a", encoding="latin-1") if messages else None
        self._events: TextIO = open(self.events_path, "a", encoding="utf-8")

    def incoming(self, data: bytes, now: int) -> None:
        if self._messages is not None:
            self._write_frames("IN ", data, now)

    def outgoing(self, data: bytes, now: int) -> None:
        if self._messages is not None:
            self._write_frames("OUT", data, now)

    def _write_frames(self, direction: str, data: bytes, now: int) -> None:
        ts = format_text(now, 6)
        assert self._messages is not None
        write = self._messages.write
        for frame in split_frames(data):
            write(f"{ts} {direction} {printable(frame)}\n")

    def event(self, level: str, text: str, now: int) -> None:
        self._events.write(f"{format_text(now, 6)} {level.upper():7s} {text}\n")

    def flush(self) -> None:
        if self._messages is not None:
            self._messages.flush()
        self._events.flush()

    def close(self) -> None:
        self.flush()
        if self._messages is not None:
            self._messages.close()
        self._events.close()


class NullLog:
    def incoming(self, data: bytes, now: int) -> None:
        pass

    def outgoing(self, data: bytes, now: int) -> None:
        pass

    def event(self, level: str, text: str, now: int) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
