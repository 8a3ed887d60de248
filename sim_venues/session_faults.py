"""Session faults of issue 7: a venue misbehaving on the FIX session of one of its clients.

The faults are armed in the venue's ``FaultPlan`` (faults.py: kinds, params,
scope) and made to happen here, through two hooks of the live layer that are
None everywhere else: ``SessionConnection.wire`` (told before the session
makes a message, handed the bytes before they reach the socket) and
``FixAcceptor.logon_gate``. The hook is set on a venue's connections only
while a session fault is armed or still at work, so a venue with nothing
armed sends exactly what it always did. The session layer itself is not
touched: every fault is what a peer could do to the wire, and the client's
recovery is served by the ordinary session code (resend.py).

A fault at point ``"send"`` fires when the venue is about to send a logged-on
session a message (an application message, or a Heartbeat or TestRequest of
its timer); resent copies (43=Y) are never faulted, so recovery works.

====================  ======================================================================
kind                  what one firing does
====================  ======================================================================
skip_seqnum           the venue's next MsgSeqNum jumps by ``count``: the client sees a gap
                      and sends a ResendRequest; the skipped numbers were never stored, so
                      resend.py answers them with one SequenceReset-GapFill (FIX 4.4 Vol 2,
                      "Resend Request": a number with nothing to resend is gap-filled)
resend_possdup        the last ``count`` application messages go out again before the next
                      one, as a resend would send them: same MsgSeqNum, 43=Y, OrigSendingTime
                      (122) their first SendingTime; the client ignores them (their numbers
                      are below what it expects and PossDupFlag is set: Vol 2 case 2e)
stale_sending_time    the next message's SendingTime is ``seconds`` in the past; the client
                      rejects it (373=10) and logs out (Vol 2 case 2o)
stop_heartbeats       for ``seconds``, no Heartbeat leaves the venue for that session: none
                      on its timer and none answering a TestRequest; the client sends a
                      TestRequest, then disconnects (Vol 2 case 6). The numbers the dropped
                      Heartbeats took are gap-filled if asked for, as any admin message's
garbled               the next ``count`` messages go out with a wrong CheckSum (or BodyLength,
                      ``how``); the client drops them (Vol 2 case 2d) and asks for the gap
                      once a good message arrives
refuse_logon          the session's Logon (and the next ``count`` - 1) is answered with a
                      Logout carrying ``text``, and the connection is closed
drop_connection       (immediate) the session's TCP connection, or every one, is closed
                      without a Logout
====================  ======================================================================

Every firing is recorded in the plan and told to the venue's event log, and
so is what it did on the wire (which messages were garbled, how many
Heartbeats were held back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from oms_fix.fix.codec import frame
from oms_fix.fix.resend import resend_range
from oms_fix.fix.utctime import NS, format_ns, parse_ns
from oms_fix.live.msglog import split_frames

from .faults import Armed, FaultError, check_params

if TYPE_CHECKING:
    from oms_fix.fix.session import Session
    from oms_fix.live.connection import SessionConnection

    from .gateway import VenueGateway

__all__ = ["SessionFaults"]

_SEND_KINDS = ("skip_seqnum", "resend_possdup", "stale_sending_time", "garbled", "stop_heartbeats")
_ADMIN = frozenset({b"0", b"1", b"2", b"3", b"4", b"5", b"A"})
_SCAN = 1000  # how far back resend_possdup looks for application messages among admin ones


@dataclass
class _Work:
    """What fired faults still have to do to one session's outbound messages."""

    resend: list[bytes] = field(default_factory=list)  # copies to go out before the next bytes
    stale: dict[int, tuple[int, Armed]] = field(default_factory=dict)  # MsgSeqNum -> (ns back, fault)
    garble: dict[int, tuple[str, Armed]] = field(default_factory=dict)  # MsgSeqNum -> (how, fault)
    quiet_until: int = 0
    quiet: Armed | None = None
    dropped: int = 0  # Heartbeats held back in the current quiet spell

    def __bool__(self) -> bool:
        return bool(self.resend or self.stale or self.garble or self.quiet)


class SessionFaults:
    def __init__(self, gw: VenueGateway):
        self.gw = gw
        self._work: dict[str, _Work] = {}  # by the client's SenderCompID
        self._refusals: dict[str, tuple[int, Armed]] = {}  # Logons still to refuse after a firing

    # -- the hook on the venue's connections --------------------------------------------------------------------

    def sync(self) -> None:
        """Set the hook on every session while it may have something to do, clear it otherwise."""
        want = self.gw.faults.armed_at("send") or any(self._work.values())
        for conn in self.gw.conns.values():
            conn.wire = self if want else None

    def forget(self, owner: str) -> None:
        """The session logged out: what was aimed at its numbers can no longer happen."""
        work = self._work.pop(owner, None)
        if work is not None and work.quiet is not None:
            self._quiet_over(owner, work)

    def tick(self, now: int) -> None:
        for owner, work in self._work.items():
            if work.quiet is not None and now >= work.quiet_until:
                self._quiet_over(owner, work)
        self.sync()

    def _quiet_over(self, owner: str, work: _Work) -> None:
        a = work.quiet
        assert a is not None
        self.gw.event(f"fault {a.fault_id} {a.kind} over on {owner}: {work.dropped} Heartbeat(s) held back")
        work.quiet, work.dropped = None, 0

    def before_send(self, conn: SessionConnection, now: int) -> None:
        session = conn.session
        plan = self.gw.faults
        if not session.logged_on or not plan.armed_at("send"):
            return
        owner = session.config.target_comp_id
        work = self._work.setdefault(owner, _Work())
        for kind in _SEND_KINDS:
            if kind == "stop_heartbeats" and work.quiet is not None:
                continue  # one quiet spell at a time
            a = plan.match("send", kinds=(kind,), symbol="", session=owner, now=now)
            if a is not None:
                self._fire(a, session, owner, work, now)

    def _fire(self, a: Armed, session: Session, owner: str, work: _Work, now: int) -> None:
        store = session.store
        nxt = store.next_sender
        p = a.params
        if a.kind == "skip_seqnum":
            store.set_next_sender(nxt + p["count"])
            what = f"MsgSeqNum {nxt}..{nxt + p['count'] - 1} skipped: the next message goes out as {nxt + p['count']}"
        elif a.kind == "resend_possdup":
            work.resend = self._copies(session, p["count"], now)
            what = (f"{len(work.resend)} application message(s) resent with PossDupFlag=Y"
                    + ("" if work.resend else ": none sent yet"))
        elif a.kind == "stale_sending_time":
            work.stale[nxt] = (int(p["seconds"] * NS), a)
            what = f"MsgSeqNum {nxt} to carry a SendingTime {p['seconds']:g} s in the past"
        elif a.kind == "garbled":
            for seq in range(nxt, nxt + p["count"]):
                work.garble[seq] = (p["how"], a)
            what = f"MsgSeqNum {nxt}..{nxt + p['count'] - 1} to go out with a broken {p['how']}"
        else:
            work.quiet, work.quiet_until, work.dropped = a, now + int(p["seconds"] * NS), 0
            what = f"no Heartbeats for {p['seconds']:g} s"
        self.gw.faults.note(a, what)
        self.gw.event(f"fault {a.fault_id} {a.kind} fired on {owner}: {what}")

    def _copies(self, session: Session, count: int, now: int) -> list[bytes]:
        store, cfg = session.store, session.config
        last = store.next_sender - 1
        app = [seq for seq, raw in store.get_sent(max(1, last - _SCAN), last) if _field(raw, b"35") not in _ADMIN]
        header = b"\x0149=%s\x0156=%s\x0134=" % (cfg.sender_comp_id.encode(), cfg.target_comp_id.encode())
        out: list[bytes] = []
        for seq in app[-count:]:
            out += resend_range(store, seq, seq, header, cfg.begin_string.encode(), now)
        return out

    def on_wire(self, conn: SessionConnection, data: bytes, now: int) -> bytes:
        owner = conn.session.config.target_comp_id
        work = self._work.get(owner)
        if not work:
            return data
        out, work.resend = work.resend, []
        if not (work.stale or work.garble or work.quiet):
            return b"".join(out) + data
        for raw in split_frames(data):
            if _field(raw, b"43") == b"Y":
                out.append(raw)  # a resend: recovery is never faulted
                continue
            changed = self._one(owner, work, raw, now)
            if changed is not None:
                out.append(changed)
        return b"".join(out)

    def _one(self, owner: str, work: _Work, raw: bytes, now: int) -> bytes | None:
        seq = int(_field(raw, b"34") or 0)
        if work.quiet is not None and _field(raw, b"35") == b"0":
            if now < work.quiet_until:
                work.dropped += 1
                return None
        stale = work.stale.pop(seq, None)
        if stale is not None:
            back, a = stale
            sent = parse_ns(_field(raw, b"52") or b"")
            if sent is not None:
                old = format_ns(sent - back)
                raw = _reframe(raw, b"52", old)
                self.gw.event(f"fault {a.fault_id} {a.kind} on {owner}: MsgSeqNum {seq} sent with SendingTime "
                              f"{old.decode()}")
        garble = work.garble.pop(seq, None)
        if garble is not None:
            how, a = garble
            raw = _garble(raw, how)
            self.gw.event(f"fault {a.fault_id} {a.kind} on {owner}: MsgSeqNum {seq} "
                          f"(35={(_field(raw, b'35') or b'').decode()}) sent with a broken {how}")
        return raw

    # -- Logon and the immediate drop ---------------------------------------------------------------------------

    def logon_gate(self, session: Session, now: int) -> str | None:
        """The Logout Text for a Logon the venue refuses (refuse_logon), or None to take it."""
        owner = session.config.target_comp_id
        left = self._refusals.pop(owner, None)
        if left is not None:
            n, earlier = left
            if n > 1:
                self._refusals[owner] = (n - 1, earlier)
            self.gw.event(f"fault {earlier.fault_id} {earlier.kind} on {owner}: Logon refused ({n - 1} more to refuse)")
            return str(earlier.params["text"])
        plan = self.gw.faults
        if not plan.armed_at("logon"):
            return None
        a = plan.match("logon", symbol="", session=owner, now=now)
        if a is None:
            return None
        count = a.params["count"]
        if count > 1:
            self._refusals[owner] = (count - 1, a)
        what = f"Logon answered with Logout {a.params['text']!r} and the connection closed"
        what += f" ({count - 1} more Logon(s) to refuse)" if count > 1 else ""
        plan.note(a, what)
        self.gw.event(f"fault {a.fault_id} {a.kind} fired on {owner}: {what}")
        return str(a.params["text"])

    def drop(self, params: Mapping[str, Any] | None, now: int) -> dict[str, Any]:
        """drop_connection: close the TCP connection without a Logout, as a network failure would."""
        p = check_params("drop_connection", params)
        target = p["session"]
        conns = {o: c for o, c in self.gw.conns.items() if c.connected and target in (None, o)}
        if target is not None and not conns:
            raise FaultError(f"drop_connection: params.session: {target!r} is not connected here")
        for conn in conns.values():
            conn.close()
        what = f"connection of {', '.join(sorted(conns)) or 'no session'} closed without a Logout"
        fid = self.gw.faults.record("drop_connection", p, now, session=target or "", what=what)
        self.gw.event(f"fault {fid} drop_connection fired: {what}")
        return {"id": fid, "kind": "drop_connection", "sessions": sorted(conns), "what": what}


def _field(raw: bytes, tag: bytes) -> bytes | None:
    i = raw.find(b"\x01" + tag + b"=")
    if i < 0:
        return None
    i += len(tag) + 2
    return raw[i : raw.find(b"\x01", i)]


def _body(raw: bytes) -> tuple[bytes, bytes]:
    """(BeginString, body from 35= up to 10=) of one framed message."""
    begin = raw[2 : raw.index(b"\x01")]
    start = raw.index(b"\x01", raw.index(b"\x019=") + 1) + 1
    return begin, raw[start : raw.rindex(b"10=")]


def _reframe(raw: bytes, tag: bytes, value: bytes) -> bytes:
    begin, body = _body(raw)
    i = body.index(b"\x01" + tag + b"=") + len(tag) + 2
    return frame(body[:i] + value + body[body.index(b"\x01", i):], begin)


def _garble(raw: bytes, how: str) -> bytes:
    if how == "checksum":
        i = raw.rindex(b"10=") + 3
        return raw[:i] + b"%03d" % ((int(raw[i : i + 3]) + 1) % 256) + raw[i + 3:]
    # One short: the CheckSum field starts where the body should still run (Vol 2 case 2d, 3c).
    i = raw.index(b"\x019=") + 3
    j = raw.index(b"\x01", i)
    return raw[:i] + b"%d" % (int(raw[i:j]) - 1) + raw[j:]
