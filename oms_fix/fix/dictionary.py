"""The FIX data dictionary (QuickFIX XML layout) and message validation.

Validation answers the first rule a message breaks as a SessionRejectReason
(373) and the tag at fault (371), the checks of FIX 4.4 Vol 2 test case 14.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .codec import Message
from .formats import value_check
from .plan import Plan, value_kind

__all__ = ["Dictionary", "FieldDef", "GroupDef", "MessageDef", "Invalid", "Reason", "load_default"]

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "spec" / "FIX44.xml"


class Reason:
    """SessionRejectReason (373) values, FIX 4.4."""

    INVALID_TAG = 0
    REQUIRED_TAG_MISSING = 1
    TAG_NOT_DEFINED_FOR_MSGTYPE = 2
    UNDEFINED_TAG = 3
    TAG_WITHOUT_VALUE = 4
    VALUE_OUT_OF_RANGE = 5
    INCORRECT_DATA_FORMAT = 6
    DECRYPTION_PROBLEM = 7
    SIGNATURE_PROBLEM = 8
    COMPID_PROBLEM = 9
    SENDING_TIME_ACCURACY = 10
    INVALID_MSGTYPE = 11
    XML_VALIDATION = 12
    TAG_APPEARS_TWICE = 13
    TAG_OUT_OF_ORDER = 14
    GROUP_FIELDS_OUT_OF_ORDER = 15
    INCORRECT_NUMINGROUP = 16
    NON_DATA_VALUE_HAS_SOH = 17
    OTHER = 99


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: int
    tag: int | None
    text: str


@dataclass(slots=True)
class FieldDef:
    tag: int
    name: str
    type: str
    enums: frozenset[bytes] | None = None


@dataclass(slots=True)
class GroupDef:
    count_tag: int
    delim: int
    order: dict[int, int]
    required: frozenset[int]
    groups: dict[int, "GroupDef"]


@dataclass(slots=True)
class MessageDef:
    msg_type: bytes
    name: str
    admin: bool
    tags: frozenset[int]
    required: frozenset[int]
    groups: dict[int, GroupDef] = field(default_factory=dict)


_MAX_PLANS = 4096


class Dictionary:
    """Fields, messages, header and trailer of one FIX version."""

    def __init__(self, begin_string: bytes, fields: dict[int, FieldDef], messages: dict[bytes, MessageDef],
                 header: MessageDef, trailer: MessageDef):
        self.begin_string = begin_string
        self.fields = fields
        self.by_name = {f.name: f for f in fields.values()}
        self.messages = messages
        self.header = header
        self.trailer = trailer
        self._checks: dict[int, Callable[[bytes], int | None]] = {t: _make_check(f) for t, f in fields.items()}
        self._kinds = {t: value_kind(f, self._checks[t]) for t, f in fields.items()}
        # (shape key, MsgType) -> what is left to check of a message with those tags.
        self._plans: dict[tuple[bytes, bytes], Plan] = {}
        self._seen: set[tuple[bytes, bytes]] = set()

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> "Dictionary":
        return _load(Path(path))

    def tag(self, name: str) -> int:
        return self.by_name[name].tag

    def is_admin(self, msg_type: bytes) -> bool:
        m = self.messages.get(msg_type)
        return m is not None and m.admin

    def validate(self, msg: Message) -> Invalid | None:
        """The first rule `msg` breaks (FIX 4.4 Vol 2 case 14), or None.

        Whether the tags are known, allowed, in order, unrepeated, present when
        required and grouped right depends only on the sequence of tags (the
        message's shape) and the MsgType. Once one message of a shape passes
        the full walk, the next ones only need their values checked: a cached
        Plan does that in a few C-level calls. Anything a Plan does not pass
        goes through the full walk, which names the first problem.
        """
        key = (msg.shape.key, msg.msg_type or b"")
        plan = self._plans.get(key)
        if plan is not None and plan.passes(msg):
            return None
        bad = self._validate_walk(msg)
        if bad is None and plan is None:
            # Compiling a Plan costs a few ms; the walk tens of us. Market data increments come in
            # endless shapes (a group entry count, a delete without a size), so a shape earns its
            # Plan on its second sighting: a one-off pays only the walk.
            if key not in self._seen:
                if len(self._seen) >= _MAX_PLANS:
                    self._seen.clear()
                self._seen.add(key)
                return bad
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()  # a peer inventing shapes costs us walks, never memory
            self._plans[key] = Plan(self._kinds, msg)
        return bad

    def _validate_walk(self, msg: Message) -> Invalid | None:
        """The reference: field by field, the first rule broken in wire order."""
        msg_type = msg.msg_type or b""
        mdef = self.messages.get(msg_type)
        if mdef is None:
            return Invalid(Reason.INVALID_MSGTYPE, 35, f"MsgType(35)={msg_type.decode('latin-1')} is not valid")
        header, known, trailer_tags = self.header, self.fields, self.trailer.tags
        fields = msg.fields
        seen: set[int] = set()
        section = 0  # 0 header, 1 body, 2 trailer
        i, n = 0, len(fields)
        while i < n:
            tag, value = fields[i]
            if tag not in known:
                return Invalid(Reason.INVALID_TAG, tag, f"Tag {tag} is not defined")
            if tag in header.tags:
                if section:
                    return Invalid(Reason.TAG_OUT_OF_ORDER, tag, f"Header tag {tag} after the body")
                groups = header.groups
            elif tag in trailer_tags:
                section = 2
                groups = None
            else:
                if section == 2:
                    return Invalid(Reason.TAG_OUT_OF_ORDER, tag, f"Body tag {tag} after the trailer")
                section = 1
                if tag not in mdef.tags:
                    return Invalid(Reason.TAG_NOT_DEFINED_FOR_MSGTYPE, tag,
                                   f"Tag {tag} is not allowed in MsgType {msg_type.decode('latin-1')}")
                groups = mdef.groups
            if tag in seen:
                return Invalid(Reason.TAG_APPEARS_TWICE, tag, f"Tag {tag} appears more than once")
            seen.add(tag)
            bad = self._check_value(tag, value)
            if bad is not None:
                return bad
            if groups and tag in groups:
                # NUMINGROUP values passed _check_value: at most 18 digits.
                i, bad = self._walk_group(groups[tag], int(value), fields, i + 1)
                if bad is not None:
                    return bad
                continue
            i += 1
        for required in (header.required, mdef.required):
            missing = required - seen
            if missing:
                tag = min(missing)
                return Invalid(Reason.REQUIRED_TAG_MISSING, tag, f"Required tag {tag} missing")
        return None

    def _check_value(self, tag: int, value: bytes) -> Invalid | None:
        if not value:
            return Invalid(Reason.TAG_WITHOUT_VALUE, tag, f"Tag {tag} has no value")
        code = self._checks[tag](value)
        if code is None:
            return None
        what = "format" if code == Reason.INCORRECT_DATA_FORMAT else "value"
        return Invalid(code, tag, f"Incorrect {what} for tag {tag}: {value[:40].decode('latin-1')}")

    def _walk_group(self, g: GroupDef, count: int, fields: list[tuple[int, bytes]], i: int) -> tuple[int, Invalid | None]:
        """Read `count` entries of group `g` from fields[i:]; return the index after them."""
        n = len(fields)
        entries = 0
        while i < n:
            tag, value = fields[i]
            if tag == g.delim:
                entries += 1
                entry_seen: set[int] = set()
                last = -1
                while i < n:
                    tag, value = fields[i]
                    pos = g.order.get(tag)
                    if pos is None or (tag == g.delim and entry_seen):
                        break
                    if pos <= last:
                        # A member again, or an earlier one, inside one entry: the
                        # entry is out of order or lost its delimiter (14j, D10).
                        return i, Invalid(Reason.GROUP_FIELDS_OUT_OF_ORDER, tag,
                                          f"Tag {tag} out of order in group {g.count_tag}")
                    entry_seen.add(tag)
                    last = pos
                    bad = self._check_value(tag, value)
                    if bad is not None:
                        return i, bad
                    if tag in g.groups:
                        i, bad = self._walk_group(g.groups[tag], int(value), fields, i + 1)
                        if bad is not None:
                            return i, bad
                        continue
                    i += 1
                missing = g.required - entry_seen
                if missing:
                    tag = min(missing)
                    return i, Invalid(Reason.REQUIRED_TAG_MISSING, tag, f"Required tag {tag} missing in group {g.count_tag}")
            elif tag in g.order:
                return i, Invalid(Reason.GROUP_FIELDS_OUT_OF_ORDER, tag,
                                  f"Group {g.count_tag} entry does not start with its delimiter {g.delim}")
            else:
                break
        if entries != count:
            return i, Invalid(Reason.INCORRECT_NUMINGROUP, g.count_tag,
                              f"NumInGroup {g.count_tag}={count} but {entries} entries")
        return i, None


def _make_check(f: FieldDef) -> Callable[[bytes], int | None]:
    fmt = value_check(f.type)
    enums = f.enums
    if f.type == "MULTIPLEVALUESTRING" and enums:
        return lambda v: None if all(x in enums for x in v.split(b" ")) else Reason.VALUE_OUT_OF_RANGE
    if fmt is not None and enums:
        return lambda v: (Reason.INCORRECT_DATA_FORMAT if not fmt(v)
                          else None if v in enums else Reason.VALUE_OUT_OF_RANGE)
    if enums:
        return lambda v: None if v in enums else Reason.VALUE_OUT_OF_RANGE
    if fmt is not None:
        return lambda v: None if fmt(v) else Reason.INCORRECT_DATA_FORMAT
    return lambda v: None


def _children(root: ET.Element, name: str) -> list[ET.Element]:
    node = root.find(name)
    return list(node) if node is not None else []


def _load(path: Path) -> Dictionary:
    root = ET.parse(path).getroot()
    begin = f"{root.get('type', 'FIX')}.{root.get('major')}.{root.get('minor')}".encode()
    fields: dict[int, FieldDef] = {}
    by_name: dict[str, int] = {}
    for f in _children(root, "fields"):
        tag = int(f.get("number", "0"))
        values = [v.get("enum", "").encode() for v in f.findall("value")]
        fields[tag] = FieldDef(tag, f.get("name", ""), f.get("type", "STRING"), frozenset(values) if values else None)
        by_name[f.get("name", "")] = tag
    components = {c.get("name"): c for c in _children(root, "components")}

    def walk(node: ET.Element) -> tuple[list[int], set[int], dict[int, GroupDef]]:
        order: list[int] = []
        required: set[int] = set()
        groups: dict[int, GroupDef] = {}
        for child in node:
            req = child.get("required") == "Y"
            if child.tag == "component":
                sub_order, sub_req, sub_groups = walk(components[child.get("name")])
                order += sub_order
                groups.update(sub_groups)
                if req:
                    required |= sub_req
                continue
            tag = by_name[child.get("name", "")]
            order.append(tag)
            if req:
                required.add(tag)
            if child.tag == "group":
                g_order, g_req, g_groups = walk(child)
                groups[tag] = GroupDef(tag, g_order[0], {t: k for k, t in enumerate(g_order)}, frozenset(g_req), g_groups)
        return order, required, groups

    def section(node: ET.Element | None, msg_type: bytes, name: str, admin: bool) -> MessageDef:
        order, required, groups = walk(node) if node is not None else ([], set(), {})
        return MessageDef(msg_type, name, admin, frozenset(order), frozenset(required), groups)

    messages = {}
    for m in _children(root, "messages"):
        mt = m.get("msgtype", "").encode()
        messages[mt] = section(m, mt, m.get("name", ""), m.get("msgcat") == "admin")
    header = section(root.find("header"), b"", "header", True)
    trailer = section(root.find("trailer"), b"", "trailer", True)
    return Dictionary(begin, fields, messages, header, trailer)


@lru_cache(maxsize=None)
def load_default() -> Dictionary:
    return Dictionary.load(DEFAULT_PATH)
