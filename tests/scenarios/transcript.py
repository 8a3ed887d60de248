"""Transcript drivers for the FIX session: one Session against a scripted peer,
and two real Sessions joined in memory. Both run on a virtual clock.

A `Transcript` sends what the counterparty would send (its own MsgSeqNum
counter, SendingTime from the virtual clock) and checks, message by message,
what the session under test writes back. Every outbound message is parsed,
validated against the data dictionary, and its MsgSeqNum and SendingTime are
checked, so a test only has to name the fields it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from oms_fix.fix.codec import FixParser, Garbled, Message, encode, encode_raw, printable, to_bytes
from oms_fix.fix.config import SessionConfig
from oms_fix.fix.dictionary import load_default
from oms_fix.fix.events import AppMessage, Disconnect, LoggedOn, LoggedOut, Note
from oms_fix.fix.session import Session, Status
from oms_fix.fix.store import MemoryStore
from oms_fix.fix.utctime import NS, format_ns

__all__ = ["Has", "ABSENT", "Transcript", "acceptor", "initiator", "logged_on", "Pair", "T0", "FEEDS", "nos"]

T0 = 1_709_283_600 * NS  # 2024-03-01 09:00:00 UTC
FEEDS = ("whole", "bytewise", "trailing")
_PREFIX = b"8=FIX.4.4\x019="  # held back in "trailing" mode: the start of the next message
DICT = load_default()


@dataclass(frozen=True)
class Has:
    """Expect a field whose value contains this text (for Text(58))."""

    text: str


ABSENT = object()  # expect the tag not to be there at all


def nos(cl_ord_id: str, side: str = "1", qty: str = "100") -> list[tuple[int, object]]:
    """A NewOrderSingle body: the application message the tests trade in."""
    return [(11, cl_ord_id), (55, "AAPL"), (54, side), (60, "20240301-09:00:00.000"), (38, qty), (40, "1")]


def check_fields(m: Message, fields: Mapping[int, object]) -> None:
    for tag, want in fields.items():
        got = m.get(tag)
        if want is ABSENT:
            assert got is None, f"{tag} should be absent in {printable(m.raw)}"
        elif isinstance(want, Has):
            assert got is not None and want.text.lower() in got.decode("latin-1").lower(), \
                f"{tag}={got!r} does not contain {want.text!r} in {printable(m.raw)}"
        else:
            assert got == to_bytes(want), f"{tag}={got!r}, expected {want!r} in {printable(m.raw)}"


class Outbound:
    """What one session wrote: parsed, validated, its numbering checked."""

    def __init__(self, who: str):
        self.who = who
        self._parser = FixParser()
        self.messages: list[Message] = []
        self.last_new_seq = 0

    def take(self, data: bytes, now: int) -> list[Message]:
        self._parser.feed(data)
        out = []
        for item in self._parser:
            assert not isinstance(item, Garbled), f"{self.who} wrote garbage: {item}"
            bad = DICT.validate(item)
            assert bad is None, f"{self.who} wrote an invalid message ({bad}): {printable(item.raw)}"
            assert item.get(52) == format_ns(now), f"{self.who}: SendingTime is not the time of writing"
            seq = int(item.get(34) or 0)
            if item.get(43) != b"Y":
                # A new message takes the next number; a reset Logon restarts at 1.
                if not (item.msg_type == b"A" and item.get(141) == b"Y" and seq == 1):
                    assert seq == self.last_new_seq + 1 or self.last_new_seq == 0, \
                        f"{self.who}: new message numbered {seq} after {self.last_new_seq}: {printable(item.raw)}"
                self.last_new_seq = seq
            else:
                assert item.get(122) is not None, f"{self.who}: PossDup without OrigSendingTime"
            out.append(item)
        self.messages += out
        return out


class Transcript:
    """One Session under test and a scripted counterparty."""

    def __init__(self, config: SessionConfig, feed: str = "whole", store: MemoryStore | None = None):
        assert feed in FEEDS
        self.config = config
        self.feed = feed
        self.now = T0
        self.store = store or MemoryStore(T0)
        self.session = Session(config, self.store)
        self.peer_seq = 1
        self.out = Outbound("session")
        self.unread: list[Message] = []
        self.events: list[object] = []
        self.notes: list[Note] = []
        self._held_prefix = False

    # ------------------------------------------------------------- clock
    def advance(self, seconds: float) -> None:
        """Move the clock, firing every timer that falls due on the way."""
        target = self.now + int(seconds * NS)
        for _ in range(10_000):
            d = self.session.next_deadline()
            if d is None or d > target:
                break
            self.now = max(self.now, d)
            self.session.on_timer(self.now)
            self._collect()
        else:
            raise AssertionError("timers never settle")
        self.now = target

    # ----------------------------------------------------------- the peer
    def build(self, msg_type: str, fields: Iterable[tuple[int, object]] = (), *, seq: int | None = None,
              sender: str | None = None, target: str | None = None, sending_time: int | bytes | None = None,
              poss_dup: bool = False, orig_sending_time: int | bytes | None = None,
              header: Iterable[tuple[int, object]] = (), begin: bytes = b"FIX.4.4") -> bytes:
        """A message from the peer; uses and advances the peer's counter unless `seq` is given."""
        if seq is None:
            seq = self.peer_seq
            self.peer_seq += 1
        return encode(self.header_fields(msg_type, seq=seq, sender=sender, target=target,
                                         sending_time=sending_time, poss_dup=poss_dup,
                                         orig_sending_time=orig_sending_time, header=header)
                      + list(fields), begin)

    def header_fields(self, msg_type: str, *, seq: int | None, sender: str | None = None, target: str | None = None,
                      sending_time: int | bytes | None = None, poss_dup: bool = False,
                      orig_sending_time: int | bytes | None = None,
                      header: Iterable[tuple[int, object]] = ()) -> list[tuple[int, object]]:
        st = self.now if sending_time is None else sending_time
        st_b = format_ns(st) if isinstance(st, int) else st
        h: list[tuple[int, object]] = [(35, msg_type), (49, sender or self.config.target_comp_id),
                                       (56, target or self.config.sender_comp_id)]
        if seq is not None:
            h.append((34, seq))
        if poss_dup:
            h.append((43, "Y"))
        h.append((52, st_b))
        if orig_sending_time is not None:
            h.append((122, format_ns(orig_sending_time) if isinstance(orig_sending_time, int) else orig_sending_time))
        return h + list(header)

    def raw(self, fields: Iterable[tuple[int | bytes, object]], **kw) -> bytes:
        """encode_raw with 8=FIX.4.4 put first, for deliberately broken messages."""
        return encode_raw([(8, "FIX.4.4"), *fields], **kw)

    def recv(self, msg_type: str, fields: Iterable[tuple[int, object]] = (), **kw) -> list[Message]:
        """The peer sends a message; returns what the session wrote back."""
        return self.recv_bytes(self.build(msg_type, fields, **kw))

    def recv_bytes(self, data: bytes) -> list[Message]:
        s = self.session
        if self.feed == "bytewise":
            for i in range(len(data)):
                s.receive_data(data[i : i + 1], self.now)
        elif self.feed == "trailing":
            # Each chunk carries the first bytes of the next message with it.
            if self._held_prefix and data.startswith(_PREFIX):
                data = data[len(_PREFIX):]
            elif self._held_prefix:
                data = b"\x01" + data  # close the dangling prefix so it is dropped as garbage
            s.receive_data(data + _PREFIX, self.now)
            self._held_prefix = True
        else:
            s.receive_data(data, self.now)
        return self._collect()

    # ------------------------------------------------------------ the app
    def send_app(self, msg_type: str, fields: Iterable[tuple[int, object]] | bytes) -> list[Message]:
        body = fields if isinstance(fields, bytes) else list(fields)
        return self._take(self.session.send(msg_type, body, self.now))

    def business_reject(self, ref: Message, reason: int, text: str, ref_id: bytes | None = None) -> list[Message]:
        return self._take(self.session.business_reject(ref, reason, text, self.now, ref_id))

    def logout(self, text: str = "") -> list[Message]:
        self.session.logout(self.now, text)
        return self._collect()

    def _collect(self) -> list[Message]:
        return self._take(self.session.data_to_send())

    def _take(self, data: bytes) -> list[Message]:
        got = self.out.take(data, self.now)
        self.unread += got
        while (ev := self.session.next_event()) is not None:
            if isinstance(ev, Note):
                self.notes.append(ev)
            else:
                self.events.append(ev)
        return got

    # -------------------------------------------------------- expectations
    def expect(self, msg_type: str, fields: Mapping[int, object] | None = None) -> Message:
        """The next message the session wrote is `msg_type` with these fields."""
        assert self.unread, f"expected 35={msg_type}, but the session wrote nothing more"
        m = self.unread.pop(0)
        assert m.msg_type == msg_type.encode(), f"expected 35={msg_type}, got {printable(m.raw)}"
        check_fields(m, fields or {})
        return m

    def expect_nothing(self) -> None:
        assert not self.unread, "unexpected output: " + "; ".join(printable(m.raw) for m in self.unread)

    def delivered(self) -> list[Message]:
        """Application messages handed to the app since the last call."""
        got = [e.message for e in self.events if isinstance(e, AppMessage)]
        self.events = [e for e in self.events if not isinstance(e, AppMessage)]
        return got

    @property
    def disconnected(self) -> bool:
        return any(isinstance(e, Disconnect) for e in self.events)

    def expect_disconnect(self) -> None:
        assert self.disconnected, f"no Disconnect; status {self.session.status.value}"
        assert self.session.status is Status.DISCONNECTED

    def expect_connected(self) -> None:
        assert not self.disconnected, f"unexpected Disconnect: {self.events}"
        assert self.session.status is not Status.DISCONNECTED

    def noted(self, text: str, level: str | None = None) -> bool:
        return any(text.lower() in n.text.lower() and (level is None or n.level == level) for n in self.notes)

    @property
    def next_in(self) -> int:
        return self.store.next_target

    @property
    def next_out(self) -> int:
        return self.store.next_sender

    # ----------------------------------------------------------- set-ups
    def connect(self) -> "Transcript":
        self.events.clear()
        self._held_prefix = False
        self.session.on_connect(self.now)
        self._collect()
        return self

    def logon(self, heartbeat: int | None = None, **kw) -> "Transcript":
        """Connect and complete a clean Logon exchange in either role."""
        heartbeat = self.config.heartbeat_s if heartbeat is None else heartbeat
        self.connect()
        if self.config.role == "initiator":
            self.expect("A", {98: 0, 108: self.config.heartbeat_s})
            self.recv("A", [(98, 0), (108, self.config.heartbeat_s)], **kw)
            self.expect_nothing()
        else:
            self.recv("A", [(98, 0), (108, heartbeat)], **kw)
            self.expect("A", {98: 0, 108: heartbeat})
        assert self.session.logged_on
        self.events.clear()
        return self

    def reconnect(self) -> "Transcript":
        self.session.on_disconnect(self.now)
        self._collect()
        self.events.clear()
        self.unread.clear()
        self._held_prefix = False
        return self


def acceptor(feed: str = "whole", **overrides) -> Transcript:
    cfg = SessionConfig(sender_comp_id="OMS", target_comp_id="CLIENT1", role="acceptor", heartbeat_s=30)
    return Transcript(replace(cfg, **overrides), feed)


def initiator(feed: str = "whole", **overrides) -> Transcript:
    cfg = SessionConfig(sender_comp_id="OMS", target_comp_id="EXCH", role="initiator", heartbeat_s=30)
    return Transcript(replace(cfg, **overrides), feed)


def logged_on(role: str, feed: str = "whole", **overrides) -> Transcript:
    return (acceptor if role == "acceptor" else initiator)(feed, **overrides).logon()


# --------------------------------------------------------------------------
# Two real sessions joined in memory


class Side:
    def __init__(self, name: str, config: SessionConfig):
        self.name = name
        self.config = config
        self.store = MemoryStore(T0)
        self.session = Session(config, self.store)
        self.out = Outbound(name)
        self.wire: list[bytes] = []  # messages written, not yet read by the other side
        self.delivered: list[Message] = []
        self.events: list[object] = []
        self.notes: list[Note] = []
        self.closing = False

    @property
    def up(self) -> bool:
        return self.session.status is not Status.DISCONNECTED

    def take(self, data: bytes, now: int) -> None:
        self.wire += [m.raw for m in self.out.take(data, now)]
        while (ev := self.session.next_event()) is not None:
            if isinstance(ev, AppMessage):
                self.delivered.append(ev.message)
            elif isinstance(ev, Note):
                self.notes.append(ev)
            else:
                self.events.append(ev)
                if isinstance(ev, Disconnect):
                    self.closing = True

    def logged_on_count(self) -> int:
        return sum(isinstance(e, LoggedOn) for e in self.events)

    def logged_out_count(self) -> int:
        return sum(isinstance(e, LoggedOut) for e in self.events)


class Pair:
    """Our initiator and our acceptor on one virtual wire."""

    def __init__(self, heartbeat_s: int = 30, initiator: Mapping[str, object] | None = None,
                 acceptor: Mapping[str, object] | None = None):
        self.now = T0
        ini = SessionConfig(sender_comp_id="OMS", target_comp_id="EXCH", role="initiator", heartbeat_s=heartbeat_s)
        acc = SessionConfig(sender_comp_id="EXCH", target_comp_id="OMS", role="acceptor", heartbeat_s=heartbeat_s)
        self.ini = Side("initiator", replace(ini, **(initiator or {})))
        self.acc = Side("acceptor", replace(acc, **(acceptor or {})))
        self.connected = False

    def other(self, side: Side) -> Side:
        return self.acc if side is self.ini else self.ini

    def connect(self, pump: bool = True) -> "Pair":
        self.connected = True
        for side in (self.acc, self.ini):
            side.closing = False
            side.wire.clear()
            side.session.on_connect(self.now)
            side.take(side.session.data_to_send(), self.now)
        if pump:
            self.pump()
        return self

    def disconnect(self) -> None:
        """The TCP connection breaks: what is on the wire is lost."""
        self.connected = False
        for side in (self.ini, self.acc):
            side.wire.clear()
            side.session.on_disconnect(self.now)
            side.take(b"", self.now)

    def send(self, side: Side, msg_type: str, fields: Iterable[tuple[int, object]]) -> None:
        side.take(side.session.send(msg_type, list(fields), self.now), self.now)

    def logout(self, side: Side, text: str = "") -> None:
        side.session.logout(self.now, text)
        side.take(side.session.data_to_send(), self.now)

    def deliver_one(self, src: Side) -> bool:
        """Hand the oldest message on src's wire to the other side."""
        if not src.wire:
            return False
        dst = self.other(src)
        raw = src.wire.pop(0)
        if dst.up and not dst.closing:
            dst.session.receive_data(raw, self.now)
            dst.take(dst.session.data_to_send(), self.now)
        self._settle()
        return True

    def _settle(self) -> None:
        # A side that asked to close has written its last bytes: once they are
        # read, the connection is gone for both.
        if not self.connected:
            return
        for side in (self.ini, self.acc):
            if side.closing and not side.wire:
                self.disconnect()
                return

    def pump(self, limit: int = 100_000) -> None:
        for _ in range(limit):
            if not (self.deliver_one(self.ini) or self.deliver_one(self.acc)):
                self._settle()
                return
        raise AssertionError("the two sessions never go quiet")

    def deadline(self) -> int | None:
        ds = [d for d in (self.ini.session.next_deadline(), self.acc.session.next_deadline()) if d is not None]
        return min(ds) if ds else None

    def advance(self, seconds: float, pump: bool = True) -> None:
        """Move the clock, firing timers on both sides and pumping bytes after each."""
        target = self.now + int(seconds * NS)
        for _ in range(100_000):
            d = self.deadline()
            if d is None or d > target:
                break
            self.now = max(self.now, d)
            for side in (self.ini, self.acc):
                side.session.on_timer(self.now)
                side.take(side.session.data_to_send(), self.now)
            if pump:
                self.pump()
            else:
                self._settle()
        else:
            raise AssertionError("timers never settle")
        self.now = target

    @property
    def logged_on(self) -> bool:
        return self.ini.session.logged_on and self.acc.session.logged_on

    def in_step(self) -> bool:
        """Each side expects exactly the next number the other will send."""
        return (self.ini.store.next_target == self.acc.store.next_sender
                and self.acc.store.next_target == self.ini.store.next_sender)
