"""What is left to check of a message whose tags are already known sound.

The dictionary walks a message field by field once per shape (sequence of
tags) and MsgType. A message of the same shape is then valid exactly when its
values are: none empty, each in format and enum, and each NumInGroup equal to
the entries present (which the shape fixes). A Plan checks that with one
regular expression per value format over all the values of that format
joined by SOH, one `all(map(...))` for the enums and one tuple comparison for
the counts, instead of a Python call per field; a shape that keeps coming back
then gets one pattern for all its values in order.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import contains, itemgetter
from typing import TYPE_CHECKING, Callable, NamedTuple

from .formats import FORMAT_SOURCES, batch_check, value_check

if TYPE_CHECKING:
    from .dictionary import FieldDef
    from .message import Message

__all__ = ["Plan", "ValueKind", "value_kind"]


class ValueKind(NamedTuple):
    """How a Plan checks one field's value."""

    batch: bytes | None  # the format (FORMAT_SOURCES value) the value must have
    enums: frozenset[bytes] | None
    num_in_group: bool  # it must equal the entries the shape holds
    other: Callable[[bytes], int | None] | None  # a check of its own (MULTIPLEVALUESTRING)


def value_kind(f: "FieldDef", check: Callable[[bytes], int | None]) -> ValueKind:
    if f.type == "NUMINGROUP":
        return ValueKind(None, None, True, None)
    if f.type == "MULTIPLEVALUESTRING" and f.enums:
        return ValueKind(None, None, False, check)
    # Keyed by the format, not the type: QTY and PRICE, or LENGTH and SEQNUM,
    # share one match per message.
    batch = FORMAT_SOURCES.get(f.type)
    fmt = value_check(f.type)
    if f.enums and fmt is not None and all(map(fmt, f.enums)):
        batch = None  # membership in the enum implies the format
    return ValueKind(batch, f.enums, False, None)


def _getter(indices: list[int]) -> Callable[[list[bytes | None]], tuple[bytes, ...] | list[bytes]]:
    # itemgetter of one index returns the item itself, of a slice a list.
    if len(indices) == 1:
        return itemgetter(slice(indices[0], indices[0] + 1))
    return itemgetter(*indices)


def _whole_match(kinds: dict[int, ValueKind], tags: tuple[int, ...], canonical: list[bytes | None]):  # type: ignore[no-untyped-def]
    """One pattern for all checked values of the shape joined by SOH, or None
    where a field needs both a format and an enum (then batches decide)."""
    parts: list[bytes] = []
    at_list: list[int] = []
    for i, tag in enumerate(tags):
        at = 2 * i + 1
        kind = kinds[tag]
        if kind.num_in_group or tag == 35:
            # A count as the shape's entries count it; the MsgType the plan is kept under,
            # rather than the whole enum of message types.
            parts.append(re.escape(canonical[at]))  # type: ignore[arg-type, type-var]
        elif kind.enums is not None:
            if kind.batch is not None:
                return None
            parts.append(b"(?:" + b"|".join(re.escape(v) for v in sorted(kind.enums, key=len, reverse=True)) + b")")
        elif kind.batch is not None:
            parts.append(b"(?:" + kind.batch + b")")
        else:
            continue
        at_list.append(at)
    if not at_list:
        return None
    return re.compile(b"\x01".join(parts) + rb"\Z").match, _getter(at_list)


@lru_cache(maxsize=None)
def _batch(source: bytes):  # type: ignore[no-untyped-def]
    return batch_check(source).match


@lru_cache(maxsize=None)
def _never_empty(kind: ValueKind) -> bool:
    """Whether a Plan's own check of a value of this kind already fails an empty one."""
    if kind.num_in_group:
        return True  # equal to a count, written as digits
    if kind.other is not None:
        return False
    if kind.enums is not None and b"" in kind.enums:
        return False
    if kind.batch is not None:
        return re.fullmatch(kind.batch, b"") is None
    return kind.enums is not None


# Compiling a shape's one pattern costs milliseconds (thousands of bytes of source for a
# market data message of many entries), which only a shape that keeps coming back repays;
# shapes of market data come and go by the thousand. So a Plan checks by format at first,
# with patterns shared by all shapes, and compiles its own after this many messages.
_WHOLE_AFTER = 256


class Plan:
    __slots__ = ("_batches", "_enum_sets", "_enum_values", "_counts", "_count_values", "_others", "_whole",
                 "_unchecked", "_until_whole", "_whole_source")

    def __init__(self, kinds: dict[int, ValueKind], msg: "Message"):
        """The checks for messages shaped like `msg`, which passed the full walk."""
        flat = msg.flat
        batches: dict[bytes, list[int]] = {}
        enum_at: list[int] = []
        enum_sets: list[frozenset[bytes]] = []
        count_at: list[int] = []
        others: list[tuple[int, Callable[[bytes], int | None]]] = []
        unchecked: list[int] = []
        for i, tag in enumerate(msg.shape.tags):
            at = 2 * i + 1  # where the value sits in msg.flat
            kind = kinds[tag]
            if not _never_empty(kind):
                unchecked.append(at)
            if kind.num_in_group:
                count_at.append(at)
            if kind.other is not None:
                others.append((at, kind.other))
            if kind.enums is not None:
                enum_at.append(at)
                enum_sets.append(kind.enums)
            if kind.batch is not None:
                batches.setdefault(kind.batch, []).append(at)
        self._batches = tuple((_batch(t), _getter(at)) for t, at in batches.items())
        self._enum_sets = tuple(enum_sets)
        self._enum_values = _getter(enum_at) if enum_at else None
        self._count_values = _getter(count_at) if count_at else None
        # Written the canonical way, as the shape's entries count them.
        canonical = list(flat)
        for at in count_at:
            canonical[at] = b"%d" % int(flat[at])  # type: ignore[arg-type]
        self._counts = self._count_values(canonical) if self._count_values is not None else None
        self._others = tuple(others)
        self._whole = None
        self._until_whole = _WHOLE_AFTER
        self._whole_source: tuple[dict[int, ValueKind], tuple[int, ...], list[bytes | None]] | None = \
            (kinds, msg.shape.tags, canonical)
        # The values no check above sees as empty: text, data and the like.
        self._unchecked = _getter(unchecked) if unchecked else None

    def passes(self, msg: "Message") -> bool:
        """True: every value is sound, so the message is valid. False: ask the walk."""
        flat = msg.flat
        if self._unchecked is not None and b"" in self._unchecked(flat):
            return False  # an empty value: the walk names it (14d)
        if self._whole is not None:
            # Every format, enum and count of the shape in one pattern, in order.
            match, values = self._whole
            if match(b"\x01".join(values(flat))) is None:
                return False
            for at, check in self._others:
                if check(flat[at]) is not None:  # type: ignore[arg-type]
                    return False
            return True
        if self._until_whole:
            self._until_whole -= 1
            if not self._until_whole and self._whole_source is not None:
                self._whole = _whole_match(*self._whole_source)  # from the next message on
                self._whole_source = None
        for match, values in self._batches:
            if match(b"\x01".join(values(flat))) is None:
                return False
        if self._enum_values is not None and not all(map(contains, self._enum_sets, self._enum_values(flat))):
            return False
        if self._count_values is not None and self._count_values(flat) != self._counts:
            return False
        for at, check in self._others:
            if check(flat[at]) is not None:  # type: ignore[arg-type]
                return False
        return True
