"""Stream framing: bytes in any chunking -> Message or Garbled, never an exception.

The parser verifies BeginString, BodyLength and CheckSum (FIX 4.4 Vol 2,
"Message format"; session test cases 2m, 2t, 3b-3e) and turns what it cannot
frame into a `Garbled` value, skipping to the next "8=FIX".
"""

from __future__ import annotations

import re
from typing import Iterator
from zlib import adler32

from .message import SOH, Garbled, Message, split_message

__all__ = ["FixParser", "parse_one", "sum8"]

_BEGIN_RE = re.compile(rb"8=FIXT?\.\d\.\d\x01")
# The whole usual head in one match: 8=FIX.x.y SOH 9=<digits> SOH 35=
_HEAD_RE = re.compile(rb"8=FIXT?\.\d\.\d\x019=(\d{1,9})\x0135=")
# "<SOH>10=ddd<SOH>" -> what the byte sum of a sound message, trailer included,
# is mod 256: the body sums to ddd, and the trailer adds its own bytes less the
# SOH that the checksum already counts. Any other 8-byte ending is absent here,
# so one lookup checks 10's place, its three digits, the SOH around it and its value.
_TRAILER_SUM = {b"\x0110=%03d\x01" % c: (c + sum(b"10=%03d\x01" % c)) & 255 for c in range(256)}
# Above this many missing bytes, chunks are collected and joined once, rather
# than re-copying the buffer on every feed.
_COLLECT_ABOVE = 1 << 16


def sum8(data: bytes) -> int:
    """The byte sum of `data` mod 256, computed in C.

    Adler-32's low half is 1 + the byte sum mod 65521; over at most 256 bytes
    the sum stays below 65521, so it is exact. The high halves of several
    chunks only add above bit 16 and do not touch the low byte.
    """
    n = len(data)
    if n <= 256:
        return (adler32(data) - 1) & 0xFF
    if n <= 512:
        return (adler32(data[:256]) + adler32(data[256:]) - 2) & 0xFF
    view = memoryview(data)
    return (sum(adler32(view[i : i + 256]) for i in range(0, n, 256)) - ((n + 255) >> 8)) & 0xFF


class FixParser:
    """Stream parser: feed bytes in any chunking, take whole messages out.

    `next_message()` returns a Message, a Garbled (bytes skipped, with why), or
    None when it needs more bytes. A garbled frame is skipped to the next
    "8=FIX"; a BodyLength above `max_message_size` is reported as too large at
    once, without waiting for its bytes.
    """

    __slots__ = ("_buf", "_pos", "max_message_size", "_parts", "_have", "_want")

    def __init__(self, max_message_size: int = 1 << 20):
        self._buf = b""
        self._pos = 0
        self.max_message_size = max_message_size
        self._parts: list[bytes] | None = None
        self._have = 0
        self._want = 0

    def feed(self, data: bytes) -> None:
        parts = self._parts
        if parts is not None:
            parts.append(data)
            self._have += len(data)
            if self._have >= self._want:
                self._buf = b"".join(parts)
                self._pos = 0
                self._parts = None
            return
        if self._pos >= len(self._buf):
            self._buf = data if type(data) is bytes else bytes(data)
            self._pos = 0
        elif self._pos:
            self._buf = self._buf[self._pos :] + data
            self._pos = 0
        else:
            self._buf += data

    @property
    def buffered(self) -> int:
        if self._parts is not None:
            return self._have
        return len(self._buf) - self._pos

    def __iter__(self) -> Iterator[Message | Garbled]:
        while (item := self.next_message()) is not None:
            yield item

    def next_message(self) -> Message | Garbled | None:
        buf, pos = self._buf, self._pos
        m = _HEAD_RE.match(buf, pos)
        if m is not None:
            end = m.end() + int(m[1]) + 4  # body starts 3 bytes before m.end(); 10=ddd<SOH> is 7
            if end - pos <= self.max_message_size:
                if end <= len(buf):
                    raw = buf[pos:end]
                    n = end - pos  # sum8, inlined for the usual sizes: this is the hot path
                    total = (adler32(raw) - 1 if n <= 256 else adler32(raw[:256]) + adler32(raw[256:]) - 2
                             if n <= 512 else sum8(raw))
                    if total & 0xFF == _TRAILER_SUM.get(raw[-8:]):
                        self._pos = end
                        return split_message(raw)
                else:
                    if end - len(buf) > _COLLECT_ABOVE:
                        self._collect(end - pos)
                    return None
        return self._next_checked()

    def _collect(self, want: int) -> None:
        self._parts = [self._buf[self._pos :]]
        self._have = len(self._buf) - self._pos
        self._want = want
        self._buf = b""
        self._pos = 0

    def _next_checked(self) -> Message | Garbled | None:
        """Field by field, to wait for more bytes or to say what is wrong."""
        buf, pos = self._buf, self._pos
        n = len(buf)
        if pos >= n:
            return None
        if not buf.startswith(b"8=FIX", pos):
            if n - pos < 5 and b"8=FIX".startswith(buf[pos:]):
                return None
            return self._skip_garbage(pos + 1, "bytes before BeginString")
        m = _BEGIN_RE.match(buf, pos)
        if m is None:
            if n - pos < 16 and SOH not in buf[pos:]:
                return None
            return self._skip_garbage(pos + 1, "BeginString(8) malformed")
        i = m.end()
        if n - i < 3:
            return None
        if not buf.startswith(b"9=", i):
            return self._skip_garbage(pos + 1, "BodyLength(9) is not the second field")
        soh = buf.find(SOH, i + 2, i + 12)
        if soh < 0:
            if n - i < 12:
                return None
            return self._skip_garbage(pos + 1, "BodyLength(9) unterminated")
        digits = buf[i + 2 : soh]
        if not digits.isdigit():
            return self._skip_garbage(pos + 1, "BodyLength(9) is not a number")
        body_start = soh + 1
        end = body_start + int(digits)
        if end + 7 - pos > self.max_message_size:
            return self._skip_garbage(pos + 1, f"BodyLength {int(digits)} above the maximum", too_large=True)
        if n < end + 7:
            if n - body_start >= 3 and not buf.startswith(b"35=", body_start):
                return self._skip_garbage(pos + 1, "MsgType(35) is not the third field")
            return None
        if not buf.startswith(b"35=", body_start):
            return self._skip_garbage(pos + 1, "MsgType(35) is not the third field")
        if not (buf.startswith(b"10=", end) and buf[end + 6] == 0x01 and buf[end + 3 : end + 6].isdigit()):
            return self._skip_garbage(pos + 1, "CheckSum(10) not where BodyLength says")
        if buf[end - 1] != 0x01:
            return self._skip_garbage(pos + 1, "BodyLength(9) does not end at a field boundary")
        raw = buf[pos : end + 7]
        if int(raw[-4:-1]) != sum8(raw[:-7]):
            return self._skip_garbage(pos + 1, "CheckSum(10) wrong")
        self._pos = end + 7
        return split_message(raw)

    def _skip_garbage(self, start: int, reason: str, too_large: bool = False) -> Garbled:
        buf = self._buf
        nxt = buf.find(b"8=FIX", start)
        if nxt < 0:
            nxt = len(buf)
            # Keep a tail that may be the start of the next "8=FIX".
            for k in range(max(start, len(buf) - 4), len(buf)):
                if b"8=FIX".startswith(buf[k:]):
                    nxt = k
                    break
        skipped = buf[self._pos : nxt]
        self._pos = nxt
        return Garbled(reason, skipped, too_large)


def parse_one(data: bytes) -> Message:
    """Parse exactly one whole message; raises ValueError naming the fault."""
    p = FixParser(max_message_size=len(data) + 1)
    p.feed(data)
    item = p.next_message()
    if not isinstance(item, Message):
        raise ValueError(str(item) if item is not None else "incomplete message")
    if p.buffered:
        raise ValueError("trailing bytes after the message")
    return item
