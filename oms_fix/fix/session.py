"""The FIX 4.4 session layer, sans-IO, for both the acceptor and the initiator.

Bytes go in with `receive_data(data, now)`; application messages and state
changes come out of `next_event()`; bytes to write come out of `send()` and
`data_to_send()`. Timers: ask `next_deadline()`, call `on_timer(now)`. `now` is
integer nanoseconds; the session never reads a clock or touches a socket.

Case ids in comments (2b, 10e, ...) are those of the FIX 4.4 Vol 2 appendix
"Session-level test cases and expected behaviors", restated in
shared/spec/fix44-session-tests.md. Stateless checks on one message are in
checks.py; answering a ResendRequest is in resend.py; the Logon, Logout and
SequenceReset flows are in admin_flows.py; the state table is in status.py.
"""

from __future__ import annotations

from collections import deque

from .checks import comp_id_problem, poss_dup_problem, route_back, sending_time_problem
from .codec import FixParser, Garbled, Message, Value, framed, printable, to_bytes
from .config import SessionConfig
from .dictionary import Dictionary, Invalid, Reason, load_default
from .events import AppMessage, Disconnect, LoggedOut, Note, SessionEvent
from .admin_flows import AdminFlows
from .status import LOGGED_ON, TRANSITIONS, ProtocolError, Status
from .store import MessageStore
from .utctime import NS, format_ns, parse_ns

__all__ = ["Session", "Status", "ProtocolError", "TRANSITIONS"]


# The session-level (admin) MsgTypes of FIX 4.4.
_SESSION_TYPES = frozenset({b"0", b"1", b"2", b"3", b"4", b"5", b"A"})
# What the fast path reads of every message, in one call.
_FAST_TAGS = (35, 43, 8, 34, 49, 56, 52)
# Admin messages that make us act; a resent copy (43=Y) is counted only (§1.4).
_ACTED_ON = frozenset({b"1", b"2", b"5"})
_ACTIVE = Status.ACTIVE
_DISCONNECTED = Status.DISCONNECTED


class Session(AdminFlows):
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
        self._queue: dict[int, Message] = {}   # held above a gap (2b), by MsgSeqNum
        self._acted: set[int] = set()          # held, but already acted on (1S.a Logon, case 20)
        self._resend_until = 0                 # our ResendRequest covers up to here; 0 = none out
        self._resend_asked = 0
        self._use_789 = False
        self._last_sent = 0
        self._last_recv = 0
        self._test_req_id: bytes | None = None
        self._test_req_sent = 0
        self._deadline_close: int | None = None
        self._close_reason = ""
        self._close_level = "warning"
        self._logout_reply_due: int | None = None  # 13c: a held Logout waits this long for its gap
        self._window_end: int | None = None
        self._begin = config.begin_string.encode()
        self._begin_prefix = b"8=%s\x019=" % self._begin
        self._prefix_tail = b"\x0149=%s\x0156=%s\x0134=" % (config.sender_comp_id.encode(),
                                                            config.target_comp_id.encode())
        self._tolerance_ns = int(config.sending_time_tolerance_s * NS)
        self._check_time = config.check_sending_time
        self._validate_all = config.validate
        self._peer_id = config.target_comp_id.encode()
        self._our_id = config.sender_comp_id.encode()

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
        self._forget_gaps()
        self._use_789 = False
        self._test_req_id = None
        self._logout_reply_due = None
        self._last_recv = now
        self._enter_window(now)
        if self.config.role == "acceptor":
            self._set_status(Status.AWAIT_LOGON)
            self._close_at(now + int(self.config.logon_timeout_s * NS), "no Logon within the logon timeout")
            return
        self._set_status(Status.LOGON_SENT)
        self.heartbeat_ns = self.config.heartbeat_s * NS
        reset = self.config.reset_on_logon
        if reset:
            self.store.reset(now)
        fields: list[tuple[int, Value]] = [(98, b"0"), (108, self.config.heartbeat_s)]
        if reset:
            fields.append((141, b"Y"))
        if self.config.next_expected_msg_seq_num:
            fields.append((789, self.store.next_target))  # X9
        if self.config.username:
            fields.append((553, self.config.username))
        if self.config.password:
            fields.append((554, self.config.password))
        self._send_admin(b"A", fields, now)
        self._close_at(now + int(self.config.logon_timeout_s * NS), "no Logon reply within the logon timeout")

    def _enter_window(self, now: int) -> None:
        """A connection in a new schedule window starts a new FIX session at 1."""
        self._window_end = None
        schedule = self.config.schedule
        if schedule is None:
            return
        begin = schedule.window_start(now)
        if begin is None:
            return
        self._window_end = schedule.window_end(now)
        if self.store.creation_ns < begin:
            self._note("info", "new session window: sequence numbers start again at 1")
            self.store.reset(now)

    def outside_schedule(self, now: int) -> bool:
        schedule = self.config.schedule
        return schedule is not None and not schedule.contains(now)

    def on_disconnect(self, now: int, reason: str = "connection closed") -> None:
        """The transport is gone, whoever closed it."""
        if self.status is not Status.DISCONNECTED:
            self._out.clear()
            self._disconnect(reason, "info", ours=False)

    def _disconnect(self, reason: str, level: str = "error", ours: bool = True) -> None:
        self._note(level, f"{'disconnecting' if ours else 'disconnected'}: {reason}")
        # After answering a Logout (13b) the application has its LoggedOut already.
        was_on = self.status in (Status.ACTIVE, Status.LOGOUT_SENT)
        self._set_status(Status.DISCONNECTED)
        self._deadline_close = self._logout_reply_due = None
        if was_on:
            self._events.append(LoggedOut(reason))
        if ours:
            self._events.append(Disconnect(reason))

    def _close_at(self, deadline: int, reason: str, level: str = "warning") -> None:
        self._deadline_close, self._close_reason, self._close_level = deadline, reason, level

    def logout(self, now: int, text: str = "") -> None:
        """Start the Logout handshake (case 12)."""
        if self.status not in (Status.ACTIVE, Status.LOGON_SENT):
            return
        self._send_admin(b"5", [(58, text)] if text else [], now)
        self._set_status(Status.LOGOUT_SENT)
        self._logout_reply_due = None
        self._close_at(now + int(self.config.logout_timeout_s * NS), "no Logout reply within the logout timeout")

    def _logout_and_disconnect(self, text: str, now: int) -> None:
        self._send_admin(b"5", [(58, text)], now)
        self._disconnect(text)

    # ----------------------------------------------------------------- timers
    def _grace(self) -> int:
        # Case 6: HeartBtInt plus a margin (the appendix suggests 20 %).
        return self.heartbeat_ns + int(self.heartbeat_ns * self.config.test_request_margin)

    def _link_lost(self) -> bool:
        """A TestRequest is out and nothing at all has arrived since it left."""
        return self._test_req_id is not None and self._last_recv <= self._test_req_sent

    def _silence_deadline(self) -> int:
        # Any inbound message restarts the receive timer (6), answered TestRequest or not.
        return (self._test_req_sent if self._link_lost() else self._last_recv) + self._grace()

    def next_deadline(self) -> int | None:
        if self.status is Status.DISCONNECTED:
            return None
        deadlines = [d for d in (self._deadline_close, self._logout_reply_due) if d is not None]
        # Heartbeats and TestRequests run only while ACTIVE: not before the
        # Logon, and not while a Logout is being exchanged (12, 13b).
        if self.status is Status.ACTIVE and self.heartbeat_ns > 0:
            deadlines += [self._last_sent + self.heartbeat_ns, self._silence_deadline()]
        if self.status is Status.ACTIVE and self._window_end is not None:
            deadlines.append(self._window_end)
        return min(deadlines) if deadlines else None

    def on_timer(self, now: int) -> None:
        if self.status is Status.DISCONNECTED:
            return
        if self._deadline_close is not None and now >= self._deadline_close:
            self._disconnect(self._close_reason, self._close_level)
            return
        if self._logout_reply_due is not None and now >= self._logout_reply_due:
            self._answer_logout("Logout received with a sequence gap that was not filled", now)  # 13c
            return
        if self.status is Status.ACTIVE and self._window_end is not None and now >= self._window_end:
            self.logout(now, "end of the session schedule")  # case 12: end of day
            return
        if self.status is not Status.ACTIVE or self.heartbeat_ns <= 0:
            return
        if now >= self._silence_deadline():
            if self._link_lost():
                # Case 6: the TestRequest went unanswered for another interval.
                self._logout_and_disconnect("TestRequest not answered: connection lost", now)
                return
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
        Once some are held, later ones queue behind them until the Logon
        counts (it may sit above a gap: 1B.c).
        """
        mt = msg_type if type(msg_type) is bytes else to_bytes(msg_type)
        # `type() is` rather than isinstance: this runs once per message sent.
        data = body if type(body) is bytes else b"".join(b"%d=%s\x01" % (t, to_bytes(v)) for t, v in body)  # type: ignore[misc]
        if self.status is not Status.ACTIVE or self._pending:
            if len(self._pending) >= self.config.max_pending:
                raise ProtocolError(f"{self.config.session_id}: more than {self.config.max_pending} messages held while logged out")
            self._pending.append((mt, data))
            return self.data_to_send()
        self._emit(mt, data, now, store=True)
        out = self._out
        return out.pop() if len(out) == 1 else self.data_to_send()

    def _send_admin(self, mt: bytes, fields: list[tuple[int, Value]], now: int, store: bool = False) -> None:
        body = b"".join(b"%d=%s\x01" % (t, to_bytes(v)) for t, v in fields)
        self._emit(mt, body, now, store)

    def _emit(self, mt: bytes, body: bytes, now: int, store: bool) -> int:
        # `body` follows 52 directly, so header fields at its start stay in the header.
        store_ = self.store
        seq = store_.next_sender
        head = b"35=%s%s%d\x0152=%s\x01" % (mt, self._prefix_tail, seq, format_ns(now))
        raw = framed(b"%s%d\x01%s%s" % (self._begin_prefix, len(head) + len(body), head, body))
        if store:
            store_.save_sent(seq, raw)
        store_.set_next_sender(seq + 1)
        self._out.append(raw)
        self._last_sent = now
        return seq

    def business_reject(self, ref: Message, reason: int, text: str, now: int, ref_id: bytes | None = None) -> bytes:
        """BusinessMessageReject (35=j) for a message the application cannot take (2r, 14l, 14m)."""
        fields = route_back(ref) + [(45, ref.get(34) or b"0"), (372, ref.msg_type or b"?")]
        if ref_id:
            fields.append((379, ref_id))
        fields += [(380, reason), (58, text)]
        return self.send(b"j", fields, now)

    def _reject(self, msg: Message, reason: int, tag: int | None, text: str, now: int) -> None:
        fields = route_back(msg) + [(45, msg.get(34) or b"0")]
        if tag is not None:
            fields.append((371, tag))
        fields += [(372, msg.msg_type or b""), (373, reason), (58, text)]
        self._note("warning", f"rejecting seq {msg.get_str(34)} (373={reason}): {text}")
        # Reject is the one admin message that is resent, not gap-filled (8a).
        self._send_admin(b"3", fields, now, store=True)

    # -------------------------------------------------------------- receiving
    def receive_data(self, data: bytes, now: int) -> None:
        parser = self._parser
        parser.feed(data)
        next_message = parser.next_message
        while self.status is not _DISCONNECTED:
            item = next_message()
            if item is None:
                break
            if isinstance(item, Garbled):
                self._on_garbled(item, now)
            # The common case first: logged on, no gap being filled, the next message.
            elif not (self.status is _ACTIVE and not self._queue and not self._resend_until
                      and self._on_next_app_message(item, now)):
                self._on_message(item, now)

    def _on_garbled(self, g: Garbled, now: int) -> None:
        # 2d/2m/3b/3c: drop and keep reading; gap recovery brings the message back.
        self._note("warning", str(g))
        if g.too_large:
            if self.status in LOGGED_ON:
                self._logout_and_disconnect(g.reason, now)
            else:
                self._disconnect(g.reason)

    def _on_message(self, msg: Message, now: int) -> None:
        """Any message the fast path (`_on_next_app_message`) leaves, in full."""
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
            # X4 / D4: a peer software bug, not a line error
            self._logout_and_disconnect("MsgSeqNum(34) missing" if seq_raw is None else "MsgSeqNum(34) not a number", now)
            return
        seq = int(seq_raw)
        self._last_recv = now
        if not self._check_header(msg, mt, now):
            return
        if mt == b"A" and self.status is Status.AWAIT_LOGON and self.outside_schedule(now):
            self._disconnect("Logon outside the session schedule")  # like 1S.c: refused in silence
            return
        if mt == b"A" and msg.get(141) == b"Y" and self.status in (Status.AWAIT_LOGON, Status.ACTIVE):
            # X2 / 1S.a: a reset Logon restarts both directions at 1, but only
            # once it is known to be acceptable: a bad one must not cost us our numbers.
            if not self._logon_acceptable(msg, now):
                return
            self.store.reset(now)
            self._forget_gaps()
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

    def _on_next_app_message(self, msg: Message, now: int) -> bool:
        """The common case, decided in one pass: the next application message,
        not a retransmission, from our peer, on time. It makes the same checks
        as the general path in the same order; False leaves the message to it."""
        mt, poss_dup, begin, seq, sender, target, sending_time = msg.pick(_FAST_TAGS)
        store = self.store
        expected = store.next_target
        if (mt in _SESSION_TYPES or poss_dup is not None or begin != self._begin
                or seq != b"%d" % expected
                or sender != self._peer_id or target != self._our_id):
            return False
        if self._check_time:
            sent = parse_ns(sending_time or b"")
            if sent is None or abs(now - sent) > self._tolerance_ns:
                return False
        self._last_recv = now
        if self._validate_all:
            bad = self.dictionary.validate(msg)  # 2q, 14a-14k
            if bad is not None:
                self._refuse(msg, bad, now)
                return True
        elif not self._validate(msg, now):
            return True
        store.set_next_target(expected + 1)
        self._events.append(AppMessage(msg))
        return True

    def _check_header(self, msg: Message, mt: bytes | None, now: int) -> bool:
        """CompIDs (2k, 1S.c) and SendingTime (2o, 1S.d, 1B.d); False if the session ends."""
        logon = mt == b"A" and self.status is Status.AWAIT_LOGON
        bad = comp_id_problem(msg, self.config, strict=logon)
        if bad is not None and logon:
            self._disconnect(bad.text)  # 1S.c: silence reveals nothing
            return False
        if bad is None and self._check_time:
            bad = sending_time_problem(msg, now, self._tolerance_ns)
        if bad is None:
            return True
        self._reject(msg, bad.reason, bad.tag, bad.text, now)  # D8: 371 always named
        self._count(msg)
        self._logout_and_disconnect(bad.text, now)
        return False

    def _count(self, msg: Message) -> None:
        # §1.5: a rejected message at the expected number counts, except a
        # Logon (1S.d / 1B.d leave the counter) and a SequenceReset.
        if msg.msg_type in (b"A", b"4"):
            return
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
        if seq in self._queue:
            self._note("info", f"dropped a second copy of held seq {seq}")
            return
        mt = msg.msg_type
        if mt == b"A":
            if not self._on_logon(msg, now):
                return
            self._acted.add(seq)  # 1S.a: reply first, then ask for the gap
            if self._use_789:
                self._queue[seq] = msg  # X9: the peer resends from our 789; no ResendRequest
                return
        elif (mt == b"2" and self.status in LOGGED_ON and msg.get(43) != b"Y"
              and self.dictionary.validate(msg) is None):
            self._serve_resend(msg, now)  # case 20: serve the peer now, count later
            self._acted.add(seq)
            self._resend_until = 0  # then ask again: the peer may have lost our request
        elif mt == b"5" and self.status is Status.ACTIVE and self._logout_reply_due is None:
            # 13c: ask for the gap first, give the resend time, then answer.
            self._logout_reply_due = now + int(self.config.logout_timeout_s * NS)
        self._queue[seq] = msg
        if len(self._queue) > 100_000:
            self._logout_and_disconnect("too many messages held behind a sequence gap", now)
            return
        self._request_resend(expected, seq, now)

    def _request_resend(self, expected: int, seq: int, now: int) -> None:
        retry = self.heartbeat_ns or 30 * NS
        if self._resend_until and expected <= self._resend_until and now - self._resend_asked < retry:
            return  # 2b: one request per gap; 16=0 already asked for everything
        # Our choice: a request that brought nothing for a heartbeat interval
        # (its answer was lost) is asked again, once per interval at most.
        self._resend_until, self._resend_asked = seq - 1, now
        self._note("warning", f"sequence gap: expected {expected}, received {seq}; asking for resend")
        # Vol 2 recommends EndSeqNo=0 ("infinity") over naming the last missing number.
        self._send_admin(b"2", [(7, expected), (16, 0)], now)

    def _forget_gaps(self) -> None:
        self._queue.clear()
        self._acted.clear()
        self._resend_until = 0

    def _drain_queue(self, now: int) -> None:
        queue = self._queue
        while queue and self.status is not Status.DISCONNECTED:
            nxt = self.store.next_target
            for s in [s for s in queue if s < nxt]:
                held = queue.pop(s)  # 10b / 11a: superseded by a gap fill or reset
                if s in self._acted and held.msg_type == b"A":
                    self._flush_pending(now)  # X9: the peer filled over its own Logon
                self._acted.discard(s)
            msg = queue.pop(nxt, None)
            if msg is None:
                break
            self._in_sequence(msg, now, acted=nxt in self._acted)
            self._acted.discard(nxt)
        if self._resend_until and self.store.next_target > self._resend_until:
            self._resend_until = 0  # the request is answered

    def _validate(self, msg: Message, now: int) -> bool:
        bad: Invalid | None = None
        if self._validate_all:
            bad = self.dictionary.validate(msg)  # 2q, 14a-14k
        elif msg.msg_type not in self.dictionary.messages:
            bad = Invalid(Reason.INVALID_MSGTYPE, 35, "MsgType(35) is not valid")  # 2q even so
        if bad is None:
            return True
        self._refuse(msg, bad, now)
        return False

    def _refuse(self, msg: Message, bad: Invalid, now: int) -> None:
        self._reject(msg, bad.reason, bad.tag, bad.text, now)
        self._count(msg)

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
        if mt in _ACTED_ON and (acted or msg.get(43) == b"Y"):
            return  # served already (20), or a retransmission: counted only (§1.4)
        if mt == b"0":
            if self._test_req_id is not None and msg.get(112) == self._test_req_id:
                self._test_req_id = None
        elif mt == b"1":
            self._send_admin(b"0", [(112, msg.get(112) or b"")], now)  # 4b: echo 112 exactly
        elif mt == b"2":
            self._serve_resend(msg, now)
        elif mt == b"3":
            self._note("warning", f"peer rejected our seq {msg.get_str(45)}: 373={msg.get_str(373)} "
                                  f"371={msg.get_str(371)} {msg.get_str(58, '')}")  # 7
        elif mt == b"5":
            self._on_logout(msg, now)
        elif self.dictionary.is_admin(mt):
            self._note("warning", f"admin message 35={mt.decode()} ignored")
        else:
            self._events.append(AppMessage(msg))

    def _poss_dup_ok(self, msg: Message, now: int) -> bool:
        bad = poss_dup_problem(msg)  # 2f / 2g
        if bad is not None:
            self._reject(msg, bad.reason, bad.tag, bad.text, now)
        return bad is None
