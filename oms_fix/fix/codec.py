"""FIX tag=value framing and fields: bytes <-> Message, no session rules.

The stream parser accepts any chunking, verifies BeginString, BodyLength and
CheckSum (FIX 4.4 Vol 2, "Message format"), and turns what it cannot frame
into a `Garbled` value rather than an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter, methodcaller
from typing import Iterable, Iterator, Union
from zlib import adler32

__all__ = [
    "SOH",
    "Message",
    "Garbled",
    "FixParser",
    "encode",
    "encode_raw",
    "checksum",
    "to_bytes",
    "DATA_LENGTH_TAGS",
]

SOH = b"\x01"

# Length field -> the data field it measures (FIX 4.4: a data field's value may
# hold SOH, so it is read by its preceding length, never by scanning).
DATA_LENGTH_TAGS: dict[int, int] = {
    90: 91, 95: 96, 212: 213, 348: 349, 350: 351, 352: 353, 354: 355,
    356: 357, 358: 359, 360: 361, 362: 363, 364: 365, 445: 446, 618: 619,
    621: 622, 93: 89,
}
_DATA_LENGTH_RE = re.compile(
    rb"\x01(?:" + b"|".join(str(t).encode() for t in DATA_LENGTH_TAGS) + rb")="
)
_BEGIN_RE = re.compile(rb"8=FIXT?\.\d\.\d\x01")
_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)

Value = Union[bytes, str, int, Decimal, bool]


def to_bytes(value: Value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return b"Y" if value else b"N"
    if isinstance(value, str):
        return value.encode("latin-1")
    if isinstance(value, Decimal):
        return format(value, "f").encode()
    return str(value).encode()


def checksum(data: bytes) -> bytes:
    return b"%03d" % (_byte_sum(data) & 0xFF)


class Message:
    """One FIX message: its raw bytes and its fields (tag as int, value bytes).

    Fields keep wire order and duplicates; `get` answers the first occurrence.
    """

    __slots__ = ("raw", "fields", "_map")

    def __init__(self, raw: bytes, fields: list[tuple[int, bytes]]):
        self.raw = raw
        self.fields = fields
        self._map: dict[int, bytes] | None = None

    @classmethod
    def build(cls, fields: Iterable[tuple[int, Value]], begin_string: bytes = b"FIX.4.4") -> "Message":
        return parse_one(encode(fields, begin_string))

    @property
    def msg_type(self) -> bytes | None:
        return self.get(35)

    def get(self, tag: int, default: bytes | None = None) -> bytes | None:
        m = self._map
        if m is None:
            m = self._map = {}
            for t, v in reversed(self.fields):
                m[t] = v
        return m.get(tag, default)

    def get_str(self, tag: int, default: str | None = None) -> str | None:
        v = self.get(tag)
        return default if v is None else v.decode("latin-1")

    def get_int(self, tag: int, default: int | None = None) -> int | None:
        v = self.get(tag)
        if v is None:
            return default
        try:
            return int(v)
        except ValueError:
            return default

    def __contains__(self, tag: int) -> bool:
        return self.get(tag) is not None

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return iter(self.fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"Message({printable(self.raw)!r})"


def printable(raw: bytes) -> str:
    return raw.replace(SOH, b"|").decode("latin-1")


@dataclass(frozen=True, slots=True)
class Garbled:
    """Bytes that could not be framed as a message; the parser skipped them."""

    reason: str
    data: bytes
    too_large: bool = False

    def __str__(self) -> str:
        snippet = printable(self.data[:120])
        return f"garbled ({self.reason}): {snippet}"


class _FieldSplitError(ValueError):
    pass


_partition_eq = methodcaller("partition", b"=")
_TAG_INT: dict[bytes, int] = {b"%d" % i: i for i in range(10000)}


def _split_fields(raw: bytes) -> list[tuple[int, bytes]]:
    """Split a framed message into (tag, value); data fields read by length."""
    if _DATA_LENGTH_RE.search(raw) is not None:
        return _split_with_data(raw)
    tokens = raw.split(SOH)
    tokens.pop()
    parts = list(map(_partition_eq, tokens))
    tags = list(map(_first, parts))
    if not all(map(_second, parts)) or not b"".join(tags).lstrip(b"-").isdigit() or not all(tags):
        raise _FieldSplitError(_first_bad_token(parts))
    ints = list(map(_TAG_INT.get, tags))
    if None in ints:
        ints = [int(t) for t in tags]
    return list(zip(ints, map(_third, parts)))


def _first_bad_token(parts: list[tuple[bytes, bytes, bytes]]) -> str:
    for tag, eq, value in parts:
        if not eq:
            return f"field without '=': {tag[:40]!r}"
        if not tag or not tag.lstrip(b"-").isdigit():
            return f"tag is not a number: {tag[:20]!r}"
    return "malformed field"


def _split_with_data(raw: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos, end = 0, len(raw)
    data_len: dict[int, int] = {}
    while pos < end:
        eq = raw.find(b"=", pos)
        if eq < 0:
            raise _FieldSplitError("trailing bytes without '='")
        try:
            tag = int(raw[pos:eq])
        except ValueError:
            raise _FieldSplitError(f"tag is not a number: {raw[pos:eq][:20]!r}") from None
        if tag in data_len:
            stop = eq + 1 + data_len.pop(tag)
            if stop >= end or raw[stop : stop + 1] != SOH:
                raise _FieldSplitError(f"data field {tag} does not match its length")
        else:
            stop = raw.find(SOH, eq + 1)
            if stop < 0:
                raise _FieldSplitError("field not terminated by SOH")
            if SOH in raw[pos:eq]:
                raise _FieldSplitError("field without '='")
        value = raw[eq + 1 : stop]
        out.append((tag, value))
        data_tag = DATA_LENGTH_TAGS.get(tag)
        if data_tag is not None and value.isdigit():
            data_len[data_tag] = int(value)
        pos = stop + 1
    return out


def _byte_sum(data: bytes) -> int:
    # Adler-32's low half is 1 + the byte sum mod 65521; over at most 256 bytes
    # the sum stays below 65521, so it is exact and computed in C.
    if len(data) <= 256:
        return (adler32(data) & 0xFFFF) - 1
    return sum((adler32(data[i : i + 256]) & 0xFFFF) - 1 for i in range(0, len(data), 256))


class FixParser:
    """Stream parser: feed bytes in any chunking, take whole messages out.

    `next_message()` returns a Message, a Garbled (bytes skipped, with why), or
    None when it needs more bytes. A garbled frame is skipped to the next
    "8=FIX"; a BodyLength above `max_message_size` is reported as too large.
    """

    __slots__ = ("_buf", "_pos", "max_message_size")

    def __init__(self, max_message_size: int = 1 << 20):
        self._buf = b""
        self._pos = 0
        self.max_message_size = max_message_size

    def feed(self, data: bytes) -> None:
        if self._pos:
            self._buf = self._buf[self._pos :] + data
            self._pos = 0
        else:
            self._buf += data

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def __iter__(self) -> Iterator[Message | Garbled]:
        while (item := self.next_message()) is not None:
            yield item

    def next_message(self) -> Message | Garbled | None:
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
            return self._skip_garbage(pos + 1, "BeginString malformed")
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
            return None
        if not buf.startswith(b"35=", body_start):
            return self._skip_garbage(pos + 1, "MsgType(35) is not the third field")
        if not (buf.startswith(b"10=", end) and buf[end + 6] == 1 and buf[end + 3 : end + 6].isdigit()):
            return self._skip_garbage(pos + 1, "CheckSum(10) not where BodyLength says")
        raw = buf[pos : end + 7]
        if int(raw[-4:-1]) != _byte_sum(raw[: end - pos]) & 0xFF:
            return self._skip_garbage(pos + 1, "CheckSum(10) wrong")
        self._pos = end + 7
        try:
            return Message(raw, _split_fields(raw))
        except _FieldSplitError as e:
            return Garbled(str(e), raw)

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


def encode(fields: Iterable[tuple[int, Value]], begin_string: bytes = b"FIX.4.4") -> bytes:
    """Encode fields as a message: 8, 9, 35 first, 10 last, both computed.

    Any 8, 9 or 10 in `fields` is ignored; 35 moves to the front; the other
    fields keep their order.
    """
    msg_type = None
    parts = []
    for tag, value in fields:
        if tag == 35:
            msg_type = to_bytes(value)
        elif tag not in (8, 9, 10):
            parts.append(b"%d=%s\x01" % (tag, to_bytes(value)))
    if msg_type is None:
        raise ValueError("MsgType(35) is required")
    return frame(b"35=" + msg_type + SOH + b"".join(parts), begin_string)


def frame(body: bytes, begin_string: bytes = b"FIX.4.4") -> bytes:
    """Wrap a body that starts at 35= with 8, 9 and 10."""
    head = b"8=%s\x019=%d\x01" % (begin_string, len(body))
    msg = head + body
    return msg + b"10=" + checksum(msg) + SOH


def encode_raw(fields: Iterable[tuple[int | bytes, Value]], body_length: int | None = None,
               check_sum: bytes | None = None) -> bytes:
    """Encode exactly the fields given, in the order given, for tests.

    No field is added, moved or dropped. If `fields` holds no 9 or 10, they are
    computed (and may be overridden by `body_length` / `check_sum`) so that a
    test can break one thing at a time.
    """
    items = [(to_bytes(t) if not isinstance(t, int) else b"%d" % t, to_bytes(v)) for t, v in fields]
    tags = [t for t, _ in items]
    out = b"".join(t + b"=" + v + SOH for t, v in items if t not in (b"9", b"10"))
    if b"9" in tags:
        head_parts = [t + b"=" + v + SOH for t, v in items if t != b"10"]
        msg = b"".join(head_parts)
    else:
        first = items[0] if items and items[0][0] == b"8" else None
        rest = out[len(first[0]) + len(first[1]) + 2 :] if first else out
        length = len(rest) if body_length is None else body_length
        msg = (b"8=" + first[1] + SOH if first else b"") + b"9=%d\x01" % length + rest
    tail = [v for t, v in items if t == b"10"]
    cs = tail[0] if tail else (check_sum if check_sum is not None else checksum(msg))
    return msg + b"10=" + cs + SOH
