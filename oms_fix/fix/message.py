"""One FIX message as read from the wire, and the tokenizer that splits it.

A framed message is split once, when it is parsed: a token that is not
`tag=value` makes the whole message garbled there and then (FIX 4.4 Vol 2,
case 3c), so a `Message` never turns out malformed later. The usual message
(no data field, no '=' inside a value, tags 0..9999) is split by a few
C-level bytes operations; anything else takes a field-by-field walk that
gives the same fields. What depends only on the sequence of tags (their
ints, where each tag's first value is) is worked out once per `Shape`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Callable, Iterable, Iterator, Union

__all__ = ["SOH", "Value", "DATA_LENGTH_TAGS", "Message", "Garbled", "Shape", "printable", "split_message"]

SOH = b"\x01"
Value = Union[bytes, str, int, Decimal, bool]

# Length field -> the data field it measures (FIX 4.4: a data field's value may
# hold SOH, so it is read by its preceding length, never by scanning).
DATA_LENGTH_TAGS: dict[int, int] = {
    90: 91, 95: 96, 212: 213, 348: 349, 350: 351, 352: 353, 354: 355,
    356: 357, 358: 359, 360: 361, 362: 363, 364: 365, 445: 446, 618: 619,
    621: 622, 93: 89,
}


# The tags the fast split takes: canonical 0..9999 and not a data length, so a
# KeyError from this table is what sends a message down the careful walk.
_fast_tag = {b"%d" % i: i for i in range(10000) if i not in DATA_LENGTH_TAGS}.__getitem__
_NOT_SEPARATOR = bytes(b for b in range(256) if b not in (0x01, 0x3D))
_TAG_RE = re.compile(rb"-?[0-9]{1,18}\Z")
_MAX_SHAPES = 4096  # distinct tag sequences remembered; a real peer sends a few dozen
_new = object.__new__


class Malformed(ValueError):
    """The bytes between 8= and 10= do not split into tag=value fields."""


class Shape:
    """What all messages with one sequence of tags share, worked out once.

    `key` is the tags' wire bytes joined by SOH; `tags` the ints; `index` maps
    a tag to the position of its first value in a message's `flat` list.
    Messages of one type from one peer mostly share a shape, so a parse costs
    one split and one dict lookup, and the dictionary caches its checks per
    shape too.
    """

    __slots__ = ("key", "tags", "index", "pickers")

    def __init__(self, key: bytes, tags: tuple[int, ...]):
        self.key = key
        self.tags = tags
        self.pickers: dict[tuple[int, ...], Callable[[list[bytes | None]], tuple[bytes | None, ...]]] = {}
        index: dict[int, int] = {}
        for i in range(len(tags) - 1, -1, -1):  # from the end: the first occurrence wins
            index[tags[i]] = 2 * i + 1
        self.index = index


# Shapes of fast-split messages only: a shape reached by the careful walk (data
# fields, unusual tags) must never vouch for a fast split.
_SHAPES: dict[bytes, Shape] = {}


class Message:
    """One FIX message: its raw bytes and its fields (tag as int, value bytes).

    Fields keep wire order and duplicates; `get` answers the first occurrence.
    """

    __slots__ = ("raw", "_flat", "_index", "shape")

    raw: bytes
    # tag bytes, value, tag bytes, value, ..., None: a missing tag's index is -1.
    _flat: list[bytes | None]
    _index: dict[int, int]
    shape: Shape

    def __init__(self, raw: bytes, fields: list[tuple[int, bytes]]):
        flat: list[bytes | None] = []
        for tag, value in fields:
            flat.append(b"%d" % tag)
            flat.append(value)
        flat.append(None)
        shape = Shape(b"\x01".join(flat[0:-1:2]) + SOH, tuple(t for t, _ in fields))  # type: ignore[arg-type]
        self.raw = raw
        self._flat = flat
        self._index = shape.index
        self.shape = shape

    @classmethod
    def build(cls, fields: Iterable[tuple[int, Value]], begin_string: bytes = b"FIX.4.4") -> "Message":
        from .codec import encode
        from .parser import parse_one

        return parse_one(encode(fields, begin_string))

    @property
    def fields(self) -> list[tuple[int, bytes]]:
        return list(zip(self.shape.tags, self._flat[1::2]))  # type: ignore[arg-type]

    @property
    def flat(self) -> list[bytes | None]:
        """Tag bytes, value, tag bytes, value, ..., None; the value of field i is at
        2*i + 1. For index-based readers (the dictionary's plans); do not modify."""
        return self._flat

    @property
    def msg_type(self) -> bytes | None:
        return self._flat[self._index.get(35, -1)]

    def get(self, tag: int, default: bytes | None = None) -> bytes | None:
        v = self._flat[self._index.get(tag, -1)]
        return default if v is None else v

    def pick(self, tags: tuple[int, ...]) -> tuple[bytes | None, ...]:
        """The first value of each of `tags` (None where absent), in one C call
        once this shape has been asked for these tags: for hot readers."""
        picker = self.shape.pickers.get(tags)
        if picker is None:
            index = self._index
            # -1 reads the None that ends `flat`: an absent tag.
            picker = itemgetter(*(index.get(t, -1) for t in tags))
            if len(tags) == 1:
                one = picker
                picker = lambda flat: (one(flat),)  # noqa: E731
            self.shape.pickers[tags] = picker
        return picker(self._flat)

    def get_str(self, tag: int, default: str | None = None) -> str | None:
        v = self._flat[self._index.get(tag, -1)]
        return default if v is None else v.decode("latin-1")

    def get_int(self, tag: int, default: int | None = None) -> int | None:
        v = self._flat[self._index.get(tag, -1)]
        if v is None:
            return default
        try:
            return int(v)
        except ValueError:
            return default

    def __contains__(self, tag: int) -> bool:
        return tag in self._index

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


def split_message(raw: bytes) -> Message | Garbled:
    """A framed message (8= ... 10=xxx SOH) as a Message, or Garbled if a token is malformed."""
    # Each field holds exactly one '=' when the separators alternate; only then
    # can one replace+split give tag, value, tag, value, ...
    seps = raw.translate(None, _NOT_SEPARATOR)
    # n non-overlapping "=<SOH>" in 2n bytes cover them all: the alternation.
    if seps.count(b"=\x01") << 1 == len(seps):
        flat: list[bytes | None] = raw.replace(b"=", SOH).split(SOH)  # type: ignore[assignment]
        key = b"\x01".join(flat[0::2])  # type: ignore[arg-type]
        shape = _SHAPES.get(key)
        if shape is None:
            shape = _fast_shape(key, flat)
        if shape is not None:
            flat[-1] = None
            msg = _new(Message)
            msg.raw = raw
            msg._flat = flat
            msg._index = shape.index
            msg.shape = shape
            return msg
    try:
        return Message(raw, _split_careful(raw))
    except Malformed as e:
        return Garbled(str(e), raw)


def _fast_shape(key: bytes, flat: list[bytes | None]) -> Shape | None:
    try:
        tags = tuple(map(_fast_tag, flat[0:-1:2]))  # type: ignore[arg-type]
    except KeyError:
        return None  # an unusual tag or a data length: the careful walk decides
    if len(_SHAPES) >= _MAX_SHAPES:
        _SHAPES.clear()  # a peer inventing shapes costs us a rebuild, never memory
    shape = _SHAPES[key] = Shape(key, tags)
    return shape


def _split_careful(raw: bytes) -> list[tuple[int, bytes]]:
    """Field by field; a data field is read by the length field just before it."""
    out: list[tuple[int, bytes]] = []
    pos, end = 0, len(raw)
    data_tag: int | None = None
    data_len = 0
    while pos < end:
        eq = raw.find(b"=", pos)
        soh = raw.find(SOH, pos)
        if eq < 0 or soh < eq:
            raise Malformed(f"field without '=': {raw[pos:pos + 40]!r}")
        if _TAG_RE.match(raw, pos, eq) is None:
            raise Malformed(f"tag is not a number: {raw[pos:eq][:20]!r}")
        tag = int(raw[pos:eq])
        if tag == data_tag:
            stop = eq + 1 + data_len
            if stop >= end or raw[stop] != 0x01:
                raise Malformed(f"data field {tag} does not match its length {data_len}")
        else:
            stop = soh
        value = raw[eq + 1 : stop]
        out.append((tag, value))
        # FIX 4.4 Vol 2 case 15: a length field sits right before its data field.
        nxt = DATA_LENGTH_TAGS.get(tag)
        if nxt is not None and value.isdigit() and len(value) < 10:
            data_tag, data_len = nxt, int(value)
        else:
            data_tag = None
        pos = stop + 1
    return out
