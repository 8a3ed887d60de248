"""FIX tag=value encoding, and the codec's public face: bytes <-> Message.

Parsing lives in `parser.py` (framing) and `message.py` (fields); both are
re-exported here so that `from oms_fix.fix.codec import ...` is the one import.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Iterable, Sequence
from zlib import adler32

from .message import DATA_LENGTH_TAGS, SOH, Garbled, Message, Value, printable
from .parser import FixParser, parse_one, sum8

__all__ = [
    "wire",
    "SOH",
    "Value",
    "Message",
    "Garbled",
    "FixParser",
    "parse_one",
    "encode",
    "encode_raw",
    "encode_fields",
    "frame",
    "framed",
    "checksum",
    "printable",
    "to_bytes",
    "DATA_LENGTH_TAGS",
]

# "<SOH>tag=" for the tags the fast encoders take: 8, 9, 10 and 35 are missing,
# so a KeyError sends a message that carries them (beyond a leading 35) to the
# general encoder, which drops 8/9/10 and moves the last 35 to the front.
_STR_PREFIX = {t: "\x01%d=" % t for t in range(10000) if t not in (8, 9, 10, 35)}
_ANY_STR_PREFIX = {t: "\x01%d=" % t for t in range(10000)}
_TRAILER = [b"10=%03d\x01" % c for c in range(256)]


def to_bytes(value: Value) -> bytes:
    t = type(value)
    if t is bytes:
        return value  # type: ignore[return-value]
    if t is str:
        return value.encode("latin-1")  # type: ignore[union-attr]
    if isinstance(value, bool):
        return b"Y" if value else b"N"
    if isinstance(value, Enum) and not isinstance(value, (str, int)):
        return to_bytes(value.value)
    if isinstance(value, str):
        return str.encode(value, "latin-1")  # a str enum's value, not its name
    if isinstance(value, int):
        return b"%d" % value  # an int enum's value, not its name
    if isinstance(value, Decimal):
        return format(value, "f").encode()
    if isinstance(value, float):
        text = repr(value)
        # FIX has no exponent notation: 1e+20 is written out.
        return (format(Decimal(text), "f") if "e" in text else text).encode()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("latin-1")


def checksum(data: bytes) -> bytes:
    return b"%03d" % sum8(data)


def encode(fields: Iterable[tuple[int, Value]], begin_string: bytes = b"FIX.4.4") -> bytes:
    """Encode fields as a message: 8, 9, 35 first, 10 last, both computed.

    Any 8, 9 or 10 in `fields` is ignored; 35 moves to the front (the last one
    wins, as in simplefix); the other fields keep their order.
    """
    try:
        # The usual case: 35 first, every value a str. A list comprehension of
        # dict lookups and str concatenations (bytecodes 3.11 specialises) beats
        # per-field formatting and type dispatch. Anything else raises here.
        head = fields[0]  # type: ignore[index]
        if head[0] == 35:
            prefix = _STR_PREFIX
            text = "35=" + head[1] + "".join([prefix[t] + v for t, v in fields[1:]]) + "\x01"  # type: ignore[index]
            msg = b"8=%s\x019=%d\x01%s" % (begin_string, len(text), text.encode("latin-1"))
            n = len(msg)  # framed, inlined: this is the hot path
            if n <= 256:
                return msg + _TRAILER[(adler32(msg) - 1) & 0xFF]
            if n <= 512:
                return msg + _TRAILER[(adler32(msg[:256]) + adler32(msg[256:]) - 2) & 0xFF]
            return msg + _TRAILER[sum8(msg)]
    except (TypeError, KeyError, IndexError, UnicodeEncodeError):
        pass
    if not isinstance(fields, (list, tuple)):
        fields = list(fields)
    body = _mixed_body(fields)
    if body is None:
        body = _general_body(fields)
    return frame(body, begin_string)


def framed(msg: bytes) -> bytes:
    """`msg` (8=, 9= and the body, ending with SOH) with its CheckSum(10) appended.

    sum8 is inlined for the usual sizes: the session frames every message it sends.
    """
    n = len(msg)
    if n <= 256:
        return msg + _TRAILER[(adler32(msg) - 1) & 0xFF]
    if n <= 512:
        return msg + _TRAILER[(adler32(msg[:256]) + adler32(msg[256:]) - 2) & 0xFF]
    return msg + _TRAILER[sum8(msg)]


def _mixed_body(fields: Sequence[tuple[int, Value]]) -> bytes | None:
    """The body when 35 leads and no 8/9/10/35 follows; None otherwise.

    Built as text, like the all-str path: str values as they are, bytes and
    int inline, anything else (bool, Decimal, enums and other subclasses, by
    exact type) through to_bytes, which writes an enum's value, not its name.
    """
    try:
        head = fields[0]
        if head[0] != 35:
            return None
        prefix, mt = _STR_PREFIX, head[1]
        return ("35=" + (mt if type(mt) is str else _text(mt)) + "".join([
            prefix[t] + (v if (k := type(v)) is str else v.decode("latin-1") if k is bytes  # type: ignore[union-attr, operator]
                         else "%d" % v if k is int else _text(v))  # type: ignore[str-format]
            for t, v in fields[1:]]) + "\x01").encode("latin-1")
    except (KeyError, IndexError, TypeError):
        return None


def _text(value: Value) -> str:
    return to_bytes(value).decode("latin-1")


def encode_fields(fields: Iterable[tuple[int, Value]]) -> bytes:
    """`tag=value<SOH>` for each field, in order: nothing added, moved or dropped.

    For callers that build their own header (the session) and frame the body.
    """
    if not isinstance(fields, (list, tuple)):
        fields = list(fields)
    if not fields:
        return b""
    try:
        return ("".join([_ANY_STR_PREFIX[t] + v for t, v in fields])[1:] + "\x01").encode("latin-1")  # type: ignore[operator]
    except (TypeError, KeyError, UnicodeEncodeError):
        pass
    return b"".join([b"%d=" % t + (v if (k := type(v)) is bytes else v.encode("latin-1") if k is str  # type: ignore[union-attr, operator]
                                   else b"%d" % v if k is int else to_bytes(v)) + SOH for t, v in fields])  # type: ignore[str-format]


def _general_body(fields: Iterable[tuple[int, Value]]) -> bytes:
    msg_type = None
    parts = []
    for tag, value in fields:
        if tag == 35:
            msg_type = to_bytes(value)
        elif tag not in (8, 9, 10):
            parts.append(b"%d=%s\x01" % (tag, to_bytes(value)))
    if msg_type is None:
        raise ValueError("MsgType(35) is required")
    return b"35=" + msg_type + SOH + b"".join(parts)


def frame(body: bytes, begin_string: bytes = b"FIX.4.4") -> bytes:
    """Wrap a body that starts at 35= (and ends with SOH) with 8, 9 and 10."""
    return framed(b"8=%s\x019=%d\x01%s" % (begin_string, len(body), body))


def encode_raw(fields: Iterable[tuple[int | bytes | str, Value | None]], body_length: int | None = None,
               check_sum: bytes | None = None) -> bytes:
    """Encode exactly the fields given, in the order given, for tests.

    No field is added, moved or dropped, except that 9 and 10 are computed
    when absent: 9 right after a leading 8 (or first), 10 last. A 9 or 10 whose
    value is None is computed in its place, so `10` can sit before other
    fields. BodyLength counts from after 9 up to the first 10 (or the end);
    `body_length` and `check_sum` override the computed values, so that a test
    can break one thing at a time.
    """
    items = [(t if isinstance(t, bytes) else b"%d" % t if isinstance(t, int) else to_bytes(t),
              None if v is None else to_bytes(v)) for t, v in fields]
    tags = [t for t, _ in items]
    if b"9" not in tags:
        items.insert(1 if tags[:1] == [b"8"] else 0, (b"9", None))
    if b"10" not in tags:
        items.append((b"10", None))
    parts = [b"" if v is None else t + b"=" + v + SOH for t, v in items]
    i9 = next(i for i, (t, _) in enumerate(items) if t == b"9")
    i10 = next(i for i, (t, _) in enumerate(items) if t == b"10")
    if items[i9][1] is None:
        length = sum(map(len, parts[i9 + 1 : i10])) if body_length is None else body_length
        parts[i9] = b"9=%d\x01" % length
    if items[i10][1] is None:
        cs = checksum(b"".join(parts[:i10])) if check_sum is None else check_sum
        parts[i10] = b"10=" + cs + SOH
    return b"".join(parts)


def wire(fields: list[tuple[int, str | bytes]]) -> bytes:
    """An application body's fields as bytes for ``Session.send``: cheaper than its generic per-field path."""
    prefix = _ANY_STR_PREFIX
    try:
        # "<SOH>tag=" from a table and one concatenation per field; the first SOH is dropped.
        text = "".join([prefix[t] + v if type(v) is str else prefix[t] + v.decode("latin-1")  # type: ignore[union-attr]
                        for t, v in fields])
    except KeyError:  # a tag beyond the table
        text = "".join([f"\x01{t}={v}" if type(v) is str else f"\x01{t}={v.decode('latin-1')}"  # type: ignore[union-attr]
                        for t, v in fields])
    return text[1:].encode("latin-1") + SOH if text else b""
