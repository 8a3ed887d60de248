"""The FIX 4.4 session layer, sans-IO, for both the acceptor and the initiator.

Bytes go in with `receive_data(data, now)`; application messages and state
changes come out of `next_event()`; bytes to write come out of `send()` and
`data_to_send()`. Timers: ask `next_deadline()`, call `on_timer(now)`. `now` is
integer nanoseconds; the session never reads a clock or touches a socket.

Case ids in comments (2b, 10e, ...) are those of the FIX 4.4 Vol 2 appendix
"Session-level test cases and expected behaviors", restated in
shared/spec/fix44-session-tests.md.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from .codec import SOH, FixParser, Garbled, Message, Value, frame, parse_one, printable, to_bytes
from .config import SessionConfig, check_password
from .dictionary import Dictionary, Invalid, Reason, load_default
from .events import AppMessage, Disconnect, LoggedOn, LoggedOut, Note, SessionEvent
from .store import MessageStore
from .utctime import NS, format_ns, parse_ns

__all__ = ["Session", "Status", "ProtocolError"]


class Status(Enum):
    DISCONNECTED = "disconnected"
    AWAIT_LOGON = "await-logon"      # acceptor: connected, no Logon yet
    LOGON_SENT = "logon-sent"        # initiator: Logon out, no reply yet
    ACTIVE = "active"
    LOGOUT_SENT = "logout-sent"      # we started the Logout; waiting for the reply
    LOGOUT_ANSWERED = "logout-answered"  # peer started it; we replied; peer closes


# The state machine. Anything not listed here is a bug in this module.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DISCONNECTED: frozenset({Status.AWAIT_LOGON, Status.LOGON_SENT}),
    Status.AWAIT_LOGON: frozenset({Status.ACTIVE, Status.DISCONNECTED}),
    Status.LOGON_SENT: frozenset({Status.ACTIVE, Status.LOGOUT_SENT, Status.DISCONNECTED}),
    Status.ACTIVE: frozenset({Status.LOGOUT_SENT, Status.LOGOUT_ANSWERED, Status.DISCONNECTED, Status.ACTIVE}),
    Status.LOGOUT_SENT: frozenset({Status.DISCONNECTED}),
    Status.LOGOUT_ANSWERED: frozenset({Status.DISCONNECTED}),
}

_CONNECTED = frozenset({Status.AWAIT_LOGON, Status.LOGON_SENT, Status.ACTIVE, Status.LOGOUT_SENT, Status.LOGOUT_ANSWERED})
_LOGGED_ON = frozenset({Status.ACTIVE, Status.LOGOUT_SENT, Status.LOGOUT_ANSWERED})

# Admin messages are never resent, only gap-filled; Reject is the exception (8a).
_NOT_RESENT = frozenset({b"A", b"5", b"2", b"0", b"1", b"4"})
_HEADER_REBUILT = frozenset({8, 9, 35, 49, 56, 34, 43, 52, 122, 10})


class ProtocolError(Exception):
    """The local application misused the session (a bug on our side)."""


class Session:
    def __init__(self, config: SessionConfig, store: MessageStore, dictionary: Dictionary | None = None,
                 max_message_size: int = 1 << 20):
        self.config = config
        self.store = store
        self.dictionary = dictionary or load_default()
        self.status = Status.DISCONNECTED
        self.heartbeat_ns = config.heartbeat_s * NS
        self._parser = FixParser(max_message_size)
        self._events: deque[SessionEvent] = deque()
        self._out: list[bytes] = []
        self._pending: list[tuple[bytes, bytes]] = []
        self._queue: dict[int, Message] = {}
        self._acted: set[int] = set()
        self._resend_until = 0
        self._last_sent = 0
        self._last_recv = 0
        self._test_req_id: bytes | None = None
        self._test_req_sent = 0
        self._deadline_close: int | None = None
        self._close_reason = ""
        begin = config.begin_string.encode()
        self._begin = begin
        self._prefix_tail = b"\x0149=%s\x0156=%s\x0134=" % (config.sender_comp_id.encode(),
                                                            config.target_comp_id.encode())
        self._tolerance_ns = int(config.sending_time_tolerance_s * NS)

    # ------------------------------------------------------------------ state
    def _set_status(self, new: Status) -> None:
        if new not in TRANSITIONS[self.status]:
            raise ProtocolError(f"{self.config.session_id}: {self.status.value} -> {new.value} is not a transition")
        self.status = new

    @property
    def logged_on(self) -> bool:
        return self.status is Status.ACTIVE

    def _note(self, level: str, text: str) -> None:
        self._events.append(Note(level, text))

    def next_event(self) -> SessionEvent | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> bytes:
        if not self._out:
            return b""
        data = b"".join(self._out)
        self._out.clear()
        return data

    # ------------------------------------------------------------ connection
    def on_connect(self, now: int) -> None:
        """The transport is up. An initiator sends its Logon now (1B.b)."""
        self._parser = FixParser(self._parser.max_message_size)
        self._queue.clear()
        self._acted.clear()
        self._resend_until = 0
        self._test_req_id = None
        self._last_recv = now
        if self.config.role == "acceptor":
            self._set_status(Status.AWAIT_LOGON)
            self._deadline_close = now + int(self.config.logon_timeout_s * NS)
            self._close_reason = "no Logon within the logon timeout"
            return
        self._set_status(Status.LOGON_SENT)
        self.heartbeat_ns = self.config.heartbeat_s * NS
        reset = self.config.reset_on_logon
        if reset:
            self.store.reset(now)
        fields: list[tuple[int, Value]] = [(98, b"0"), (108, self.config.heartbeat_s)]
        if reset:
            fields.append((141, b"Y"))
        if self.config.username:
            fields.append((553, self.config.username))
        if self.config.password:
            fields.append((554, self.config.password))
        self._send_admin(b"A", fields, now)
        self._deadline_close = now + int(self.config.logon_timeout_s * NS)
        self._close_reason = "no Logon reply within the logon timeout"

    def on_disconnect(self, now: int, reason: str = "connection closed") -> None:
        """The transport is gone, whoever closed it."""
        if self.status is Status.DISCONNECTED:
            return
        was_on = self.status in _LOGGED_ON
        self.status = Status.DISCONNECTED
        self._deadline_close = None
        self._out.clear()
        self._note("info", f"disconnected: {reason}")
        if was_on:
            self._events.append(LoggedOut(reason))

    def _disconnect(self, reason: str, level: str = "error") -> None:
        self._note(level, f"disconnecting: {reason}")
        was_on = self.status in _LOGGED_ON
        self.status = Status.DISCONNECTED
        self._deadline_close = None
        if was_on:
            self._events.append(LoggedOut(reason))
        self._events.append(Disconnect(reason))

    def logout(self, now: int, text: str = "") -> None:
        """Start the Logout handshake (case 12)."""
        if self.status not in (Status.ACTIVE, Status.LOGON_SENT):
            return
        self._send_admin(b"5", [(58, text)] if text else [], now)
        self._set_status(Status.LOGOUT_SENT)
        self._deadline_close = now + int(self.config.logout_timeout_s * NS)
        self._close_reason = "no Logout reply within the logout timeout"

    def _logout_and_disconnect(self, text: str, now: int) -> None:
        self._send_admin(b"5", [(58, text)], now)
        self._disconnect(text)

    # ----------------------------------------------------------------- timers
    def next_deadline(self) -> int | None:
        if self.status is Status.DISCONNECTED:
            return None
        deadlines = []
        if self._deadline_close is not None:
            deadlines.append(self._deadline_close)
        if self.status in _LOGGED_ON and self.heartbeat_ns > 0:
            deadlines.append(self._last_sent + self.heartbeat_ns)
            grace = self.heartbeat_ns + int(self.heartbeat_ns * self.config.test_request_margin)
            if self._test_req_id is None:
                deadlines.append(self._last_recv + grace)
            else:
                deadlines.append(self._test_req_sent + grace)
        return min(deadlines) if deadlines else None

    def on_timer(self, now: int) -> None:
        if self.status is Status.DISCONNECTED:
            return
        if self._deadline_close is not None and now >= self._deadline_close:
            self._disconnect(self._close_reason, "warning")
            return
        if self.status not in _LOGGED_ON or self.heartbeat_ns <= 0:
            return
        grace = self.heartbeat_ns + int(self.heartbeat_ns * self.config.test_request_margin)
        if self._test_req_id is not None:
            if now >= self._test_req_sent + grace:
                # Case 6: a TestRequest went unanswered for another interval.
                self._logout_and_disconnect("TestRequest not answered: connection lost", now)
                return
        elif now >= self._last_recv + grace:
            self._test_req_id = b"TEST-%d" % now
            self._test_req_sent = now
            self._send_admin(b"1", [(112, self._test_req_id)], now)
        if now >= self._last_sent + self.heartbeat_ns:
            self._send_admin(b"0", [], now)  # 4a: no TestReqID on a timer heartbeat

    # ---------------------------------------------------------------- sending
    def send(self, msg_type: Value, body: bytes | list[tuple[int, Value]], now: int) -> bytes:
        """Send an application message; returns every byte to write, in order.

        While logged out the message is held and sent after the next Logon as a
        new message (16a, way (i)); SendingTime is the time it leaves (16).
        """
        mt = to_bytes(msg_type)
        data = body if isinstance(body, bytes) else b"".join(b"%d=%s\x01" % (t, to_bytes(v)) for t, v in body)
        if self.status is not Status.ACTIVE:
            if len(self._pending) >= self.config.max_pending:
                raise ProtocolError(f"{self.config.session_id}: more than {self.config.max_pending} messages held while logged out")
            self._pending.append((mt, data))
            return self.data_to_send()
        self._emit(mt, data, now, store=True)
        return self.data_to_send()

    def _send_admin(self, mt: bytes, fields: list[tuple[int, Value]], now: int, store: bool = False) -> None:
        body = b"".join(b"%d=%s\x01" % (t, to_bytes(v)) for t, v in fields)
        self._emit(mt, body, now, store)

    def _emit(self, mt: bytes, body: bytes, now: int, store: bool) -> int:
        seq = self.store.next_sender
        raw = frame(b"35=" + mt + self._prefix_tail + b"%d\x0152=%s\x01" % (seq, format_ns(now)) + body,
                    self._begin)
        if store:
            self.store.save_sent(seq, raw)
        self.store.set_next_sender(seq + 1)
        self._out.append(raw)
        self._last_sent = now
        return seq

    def business_reject(self, ref: Message, reason: int, text: str, now: int, ref_id: bytes | None = None) -> bytes:
        """BusinessMessageReject (35=j) for a message the application cannot take (2r, 14l, 14m)."""
        fields: list[tuple[int, Value]] = [(45, ref.get(34) or b"0"), (372, ref.msg_type or b"?")]
        if ref_id:
            fields.append((379, ref_id))
        fields += [(380, reason), (58, text)]
        return self.send(b"j", fields, now)

    def _reject(self, msg: Message, reason: int, tag: int | None, text: str, now: int) -> None:
        fields: list[tuple[int, Value]] = [(45, msg.get(34) or b"0")]
        if tag is not None:
            fields.append((371, tag))
        fields += [(372, msg.msg_type or b""), (373, reason), (58, text)]
        # X6: a third-party route comes back reversed; empty routing fields are not echoed.
        for a, b in ((115, 128), (116, 129), (144, 145), (128, 115), (129, 116), (145, 144)):
            v = msg.get(a)
            if v:
                fields.append((b, v))
        self._note("warning", f"rejecting seq {msg.get_str(34)} (373={reason}): {text}")
        # Reject is the one admin message that is resent, not gap-filled (8a).
        self._send_admin(b"3", fields, now, store=True)

    # -------------------------------------------------------------- receiving
    def receive_data(self, data: bytes, now: int) -> None:
        self._parser.feed(data)
        while self.status is not Status.DISCONNECTED:
            item = self._parser.next_message()
            if item is None:
                break
            if isinstance(item, Garbled):
                self._on_garbled(item, now)
            else:
                self._on_message(item, now)

    def _on_garbled(self, g: Garbled, now: int) -> None:
        # 2d/2m/3b/3c: drop and keep reading; gap recovery brings the message back.
        self._note("warning", str(g))
        if g.too_large:
            if self.status in _LOGGED_ON:
                self._logout_and_disconnect(g.reason, now)
            else:
                self._disconnect(g.reason)

    def _on_message(self, msg: Message, now: int) -> None:
        mt = msg.msg_type
        if self.status in (Status.AWAIT_LOGON, Status.LOGON_SENT) and mt != b"A":
            # 1S.e / 1B.e
            if self.status is Status.LOGON_SENT and mt == b"5":
                self._disconnect(f"Logon refused by the peer: {msg.get_str(58, '')}")
            elif self.status is Status.AWAIT_LOGON:
                self._disconnect(f"first message not a Logon (35={printable(mt or b'')})")
            else:
                self._logout_and_disconnect("first message not a Logon", now)
            return
        if msg.get(8) != self._begin:
            text = f"BeginString(8) {printable(msg.get(8) or b'')} is not {self.config.begin_string}"
            if self.status is Status.AWAIT_LOGON:
                self._disconnect(text)  # D9: do not reveal which versions we speak
            else:
                self._logout_and_disconnect(text, now)  # 2i
            return
        seq_raw = msg.get(34)
        if seq_raw is None or not seq_raw.isdigit():
            self._logout_and_disconnect("MsgSeqNum(34) missing" if seq_raw is None else "MsgSeqNum(34) not a number", now)
            return
        seq = int(seq_raw)
        self._last_recv = now
        if not self._check_comp_ids(msg, mt, now):
            return
        if not self._check_sending_time(msg, mt, now):
            return
        if mt == b"A" and msg.get(141) == b"Y" and self.status is not Status.LOGON_SENT:
            # X2 / 1S.a: a reset Logon restarts both directions at 1.
            self.store.reset(now)
            self._queue.clear()
        if mt == b"4" and msg.get(123) != b"Y":
            self._on_sequence_reset(msg, now)  # 11: Reset ignores MsgSeqNum
            return
        expected = self.store.next_target
        if seq < expected:
            self._on_too_low(msg, seq, expected, now)
        elif seq > expected:
            self._on_too_high(msg, seq, expected, now)
        else:
            self._in_sequence(msg, now)
            self._drain_queue(now)

    def _check_comp_ids(self, msg: Message, mt: bytes | None, now: int) -> bool:
        cfg = self.config
        for tag, want in ((49, cfg.target_comp_id), (56, cfg.sender_comp_id)):
            got = msg.get(tag)
            if got is None or got.decode("latin-1") != want:
                text = f"CompID problem: {tag}={printable(got or b'')}, expected {want}"
                if mt == b"A" and self.status is Status.AWAIT_LOGON:
                    self._disconnect(text)  # 1S.c: silence reveals nothing
                    return False
                self._reject(msg, Reason.COMPID_PROBLEM, tag, text, now)
                self._count(msg)
                self._logout_and_disconnect(text, now)  # 2k
                return False
        return True

    def _check_sending_time(self, msg: Message, mt: bytes | None, now: int) -> bool:
        raw = msg.get(52)
        if raw is None or not self.config.check_sending_time:
            return True  # a missing or unparseable 52 is for validation (14b/14f)
        sent = parse_ns(raw)
        if sent is None or abs(now - sent) <= self._tolerance_ns:
            return True
        text = f"SendingTime(52) {raw.decode('latin-1')} outside the {self.config.sending_time_tolerance_s:g}s tolerance"
        if self.status in (Status.AWAIT_LOGON, Status.LOGON_SENT):
            self._reject(msg, Reason.SENDING_TIME_ACCURACY, 52, text, now)  # 1S.d / 1B.d
            self._logout_and_disconnect(text, now)
            return False
        self._reject(msg, Reason.SENDING_TIME_ACCURACY, 52, text, now)  # 2o
        self._count(msg)
        self._logout_and_disconnect(text, now)
        return False

    def _count(self, msg: Message) -> None:
        seq = int(msg.get(34) or 0)
        if seq == self.store.next_target:
            self.store.set_next_target(seq + 1)

    def _on_too_low(self, msg: Message, seq: int, expected: int, now: int) -> None:
        if msg.get(43) == b"Y":
            # 2e / 10c: a duplicate of something already received or filled.
            self._note("info", f"dropped PossDup seq {seq} (expecting {expected})")
            return
        # 2c / 10d / X8 (and 1S.a: no Logon reply)
        self._logout_and_disconnect(f"MsgSeqNum too low, expecting {expected} but received {seq}", now)

    def _on_too_high(self, msg: Message, seq: int, expected: int, now: int) -> None:
        mt = msg.msg_type
        if mt == b"A":
            if not self._on_logon(msg, now):
                return
            self._acted.add(seq)  # 1S.a: reply first, then ask for the gap
        elif mt == b"2" and self.status in _LOGGED_ON and self.dictionary.validate(msg) is None:
            self._serve_resend(msg, now)  # case 20: serve the peer now, count later
            self._acted.add(seq)
            self._resend_until = 0  # ask again below: our gap still exists
        self._queue[seq] = msg
        if len(self._queue) > 100_000:
            self._logout_and_disconnect("too many messages held behind a sequence gap", now)
            return
        self._request_resend(expected, seq, now)

    def _request_resend(self, expected: int, seq: int, now: int) -> None:
        if self._resend_until >= seq - 1:
            return  # 2b: one request per gap; 16=0 already asked for everything
        self._resend_until = seq - 1
        self._note("warning", f"sequence gap: expected {expected}, received {seq}; asking for resend")
        # Vol 2 recommends EndSeqNo=0 ("infinity") over naming the last missing number.
        self._send_admin(b"2", [(7, expected), (16, 0)], now)

    def _drain_queue(self, now: int) -> None:
        queue = self._queue
        while queue and self.status is not Status.DISCONNECTED:
            nxt = self.store.next_target
            for s in [s for s in queue if s < nxt]:
                del queue[s]  # 10b / 11a: superseded by a gap fill or reset
                self._acted.discard(s)
            msg = queue.pop(nxt, None)
            if msg is None:
                break
            self._in_sequence(msg, now, acted=nxt in self._acted)
            self._acted.discard(nxt)
        if not queue and self.store.next_target > self._resend_until:
            self._resend_until = 0

    def _validate(self, msg: Message, now: int, count: bool = True) -> bool:
        if not self.config.validate:
            if self.dictionary.messages.get(msg.msg_type or b"") is None:
                bad: Invalid | None = Invalid(Reason.INVALID_MSGTYPE, 35, "MsgType(35) is not valid")
            else:
                bad = None
        else:
            bad = self.dictionary.validate(msg)
        if bad is None:
            return True
        self._reject(msg, bad.reason, bad.tag, bad.text, now)
        if count:
            self._count(msg)
        return False

    def _in_sequence(self, msg: Message, now: int, acted: bool = False) -> None:
        mt = msg.msg_type or b""
        seq = int(msg.get(34) or 0)
        if msg.get(43) == b"Y" and mt != b"4" and not self._poss_dup_ok(msg, now):
            self._count(msg)
            return
        if mt == b"A":
            if acted or self._on_logon(msg, now):
                self.store.set_next_target(seq + 1)
                self._flush_pending(now)
            return
        if mt == b"4":
            self._on_gap_fill(msg, seq, now)
            return
        if not self._validate(msg, now):
            return
        self.store.set_next_target(seq + 1)
        if mt == b"0":
            if self._test_req_id is not None and msg.get(112) == self._test_req_id:
                self._test_req_id = None
        elif mt == b"1":
            self._send_admin(b"0", [(112, msg.get(112) or b"")], now)  # 4b: echo 112 exactly
        elif mt == b"2":
            if not acted and msg.get(43) != b"Y":
                self._serve_resend(msg, now)
        elif mt == b"3":
            self._note("warning", f"peer rejected our seq {msg.get_str(45)}: 373={msg.get_str(373)} "
                                  f"371={msg.get_str(371)} {msg.get_str(58, '')}")
        elif mt == b"5":
            self._on_logout(msg, now)
        elif self.dictionary.is_admin(mt):
            self._note("warning", f"admin message 35={mt.decode()} ignored")
        else:
            self._events.append(AppMessage(msg))

    def _poss_dup_ok(self, msg: Message, now: int) -> bool:
        orig = msg.get(122)
        if orig is None:
            self._reject(msg, Reason.REQUIRED_TAG_MISSING, 122, "PossDupFlag=Y without OrigSendingTime(122)", now)  # 2g
            return False
        o, s = parse_ns(orig), parse_ns(msg.get(52) or b"")
        if o is None:
            self._reject(msg, Reason.INCORRECT_DATA_FORMAT, 122, "OrigSendingTime(122) is not a UTCTimestamp", now)
            return False
        if s is not None and o > s:
            self._reject(msg, Reason.SENDING_TIME_ACCURACY, 122, "OrigSendingTime(122) later than SendingTime(52)", now)  # 2f
            return False
        return True

    # ------------------------------------------------------------ admin flows
    def _on_logon(self, msg: Message, now: int) -> bool:
        """Handle a Logon (1S / 1B); False if the session was torn down."""
        cfg = self.config
        if self.status is Status.ACTIVE and msg.get(141) != b"Y":
            self._logout_and_disconnect("Logon received on an established session", now)
            return False
        bad = self.dictionary.validate(msg) if cfg.validate else None
        hb = msg.get(108)
        if bad is None and (hb is None or not hb.isdigit()):
            bad = Invalid(Reason.REQUIRED_TAG_MISSING if hb is None else Reason.INCORRECT_DATA_FORMAT, 108,
                          "HeartBtInt(108) missing" if hb is None else "HeartBtInt(108) must be a non-negative integer")
        if bad is None and msg.get(98) != b"0":
            bad = Invalid(Reason.VALUE_OUT_OF_RANGE, 98, "EncryptMethod(98) must be 0 (none)")  # 17b
        if bad is None and self.status is Status.LOGON_SENT and int(hb or 0) != cfg.heartbeat_s:
            bad = Invalid(Reason.VALUE_OUT_OF_RANGE, 108, f"HeartBtInt(108) {hb.decode() if hb else ''} is not the {cfg.heartbeat_s} we sent")
        if bad is not None:
            # 1S.d / 1B.d / D1 / X3: Reject, Logout, disconnect; the Logon is not counted.
            self._reject(msg, bad.reason, bad.tag, bad.text, now)
            self._logout_and_disconnect(f"Invalid Logon: {bad.text}", now)
            return False
        if cfg.role == "acceptor" and cfg.username is not None:
            user, pw = msg.get_str(553), msg.get_str(554)
            if user != cfg.username or cfg.password is None or pw is None or not check_password(cfg.password, pw):
                self._disconnect("Logon refused: bad Username/Password")  # 1S.c
                return False
        reset = msg.get(141) == b"Y"
        if cfg.role == "acceptor":
            self.heartbeat_ns = int(hb or 0) * NS
            reply: list[tuple[int, Value]] = [(98, b"0"), (108, hb or b"0")]
            if reset:
                reply.append((141, b"Y"))
            self._send_admin(b"A", reply, now)
        self._deadline_close = None
        self._set_status(Status.ACTIVE)
        self._note("info", f"logged on (HeartBtInt={int(hb or 0)}{', sequence reset' if reset else ''})")
        self._events.append(LoggedOn(reset))
        return True

    def _flush_pending(self, now: int) -> None:
        pending, self._pending = self._pending, []
        for mt, body in pending:
            self._emit(mt, body, now, store=True)

    def _on_logout(self, msg: Message, now: int) -> None:
        text = msg.get_str(58, "")
        if self.status is Status.LOGOUT_SENT:
            self._disconnect(f"Logout confirmed{': ' + text if text else ''}", "info")  # 13a
            return
        self._note("info", f"peer logged out{': ' + text if text else ''}")
        self._send_admin(b"5", [], now)
        was_on = self.status in _LOGGED_ON
        self._set_status(Status.LOGOUT_ANSWERED)
        if was_on:
            self._events.append(LoggedOut(text or "peer logged out"))
        # 13b: the peer that started the Logout closes; give it 10 s (D5).
        self._deadline_close = now + int(self.config.logout_timeout_s * NS)
        self._close_reason = "peer did not close after the Logout exchange"

    def _on_gap_fill(self, msg: Message, seq: int, now: int) -> None:
        new = msg.get(36)
        if new is None or not new.isdigit():
            self._reject(msg, Reason.REQUIRED_TAG_MISSING if new is None else Reason.INCORRECT_DATA_FORMAT, 36,
                         "NewSeqNo(36) missing or not a number", now)
            return
        n = int(new)
        if n <= seq:
            # 10e / D7: never lower the counter
            self._reject(msg, Reason.VALUE_OUT_OF_RANGE, 36,
                         f"SequenceReset-GapFill would lower the sequence number: NewSeqNo {n} <= MsgSeqNum {seq}", now)
            return
        self.store.set_next_target(n)  # 10b

    def _on_sequence_reset(self, msg: Message, now: int) -> None:
        new = msg.get(36)
        if new is None or not new.isdigit():
            self._reject(msg, Reason.REQUIRED_TAG_MISSING if new is None else Reason.INCORRECT_DATA_FORMAT, 36,
                         "NewSeqNo(36) missing or not a number", now)
            return
        n, expected = int(new), self.store.next_target
        if n > expected:
            self.store.set_next_target(n)  # 11a
            self._note("warning", f"SequenceReset-Reset: next inbound {expected} -> {n}")
            self._drain_queue(now)
        elif n == expected:
            self._note("warning", f"SequenceReset-Reset to {n} changes nothing")  # 11b
        else:
            self._reject(msg, Reason.VALUE_OUT_OF_RANGE, 36,
                         f"SequenceReset-Reset would lower the sequence number from {expected} to {n}", now)  # 11c

    def _serve_resend(self, msg: Message, now: int) -> None:
        begin = int(msg.get(7) or 0)
        end = int(msg.get(16) or 0)
        last = self.store.next_sender - 1
        if end == 0 or end > last:
            end = last  # 8c: 16=0 or beyond our last sent means "up to our last"
        if begin < 1 or begin > end:
            self._note("warning", f"ResendRequest {begin}..{msg.get_str(16)} names nothing we sent (last {last})")
            return
        self._note("info", f"resending {begin}..{end}")
        stored = dict(self.store.get_sent(begin, end))
        gap_start: int | None = None
        for seq in range(begin, end + 1):
            raw = stored.get(seq)
            mt = _msg_type_of(raw) if raw is not None else None
            if raw is None or mt in _NOT_RESENT:
                if gap_start is None:
                    gap_start = seq
                continue
            if gap_start is not None:
                self._gap_fill(gap_start, seq, now)
                gap_start = None
            self._resend_one(raw, now)
        if gap_start is not None:
            self._gap_fill(gap_start, end + 1, now)

    def _gap_fill(self, seq: int, new_seq: int, now: int) -> None:
        ts = format_ns(now)
        body = (b"35=4" + self._prefix_tail + b"%d\x0143=Y\x0152=%s\x01122=%s\x01123=Y\x0136=%d\x01"
                % (seq, ts, ts, new_seq))
        self._out.append(frame(body, self._begin))
        self._last_sent = now

    def _resend_one(self, raw: bytes, now: int) -> None:
        # 8b: same MsgSeqNum and body; PossDupFlag=Y, OrigSendingTime = the first 52, fresh 52.
        msg = parse_one(raw)
        orig = msg.get(52) or format_ns(now)
        rest = b"".join(b"%d=%s\x01" % (t, v) for t, v in msg.fields if t not in _HEADER_REBUILT)
        body = (b"35=" + (msg.msg_type or b"") + self._prefix_tail + (msg.get(34) or b"")
                + b"\x0143=Y\x0152=%s\x01122=%s\x01" % (format_ns(now), orig) + rest)
        self._out.append(frame(body, self._begin))
        self._last_sent = now


def _msg_type_of(raw: bytes) -> bytes:
    i = raw.find(b"\x0135=") + 4
    return raw[i : raw.index(SOH, i)]
