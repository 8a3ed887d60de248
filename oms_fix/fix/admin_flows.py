"""The admin-message flows of a Session: Logon, Logout, SequenceReset, resends.

A mixin of `Session` (session.py), split out to keep each file one screenful
of concepts; it uses the session's state and its sending methods. Case ids are
those of shared/spec/fix44-session-tests.md.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from .checks import logon_problem, new_seq_no
from .codec import Message, Value
from .config import check_password
from .dictionary import Invalid, Reason
from .events import LoggedOn, LoggedOut
from .resend import resend_range
from .status import LOGGING_OUT, Status
from .utctime import NS

if TYPE_CHECKING:
    from .config import SessionConfig
    from .dictionary import Dictionary
    from .events import SessionEvent
    from .store import MessageStore

__all__ = ["AdminFlows"]


class AdminFlows:
    if TYPE_CHECKING:
        # What the flows use of the Session they are mixed into (session.py).
        config: SessionConfig
        store: MessageStore
        dictionary: Dictionary
        status: Status
        heartbeat_ns: int
        _events: deque[SessionEvent]
        _out: list[bytes]
        _pending: list[tuple[bytes, bytes]]
        _use_789: bool
        _deadline_close: int | None
        _logout_reply_due: int | None
        _last_sent: int
        _prefix_tail: bytes
        _begin: bytes

        def _note(self, level: str, text: str) -> None: ...
        def _set_status(self, new: Status) -> None: ...
        def _reject(self, msg: Message, reason: int, tag: int | None, text: str, now: int) -> None: ...
        def _send_admin(self, mt: bytes, fields: list[tuple[int, Value]], now: int, store: bool = False) -> None: ...
        def _emit(self, mt: bytes, body: bytes, now: int, store: bool) -> int: ...
        def _disconnect(self, reason: str, level: str = "error", ours: bool = True) -> None: ...
        def _logout_and_disconnect(self, text: str, now: int) -> None: ...
        def _close_at(self, deadline: int, reason: str, level: str = "warning") -> None: ...
        def _drain_queue(self, now: int) -> None: ...

    def _logon_acceptable(self, msg: Message, now: int) -> bool:
        """Check a Logon; refuse it as the case requires. False if refused."""
        bad = logon_problem(msg, self.config, self.dictionary, is_reply=self.status is Status.LOGON_SENT)
        if bad is not None:
            # 1S.d / 1B.d / D1 / X3: Reject, Logout, disconnect; the Logon is not counted.
            self._reject(msg, bad.reason, bad.tag, bad.text, now)
            self._logout_and_disconnect(f"Invalid Logon: {bad.text}", now)
            return False
        cfg = self.config
        if cfg.role == "acceptor" and cfg.username is not None:
            user, pw = msg.get_str(553), msg.get_str(554)
            if user != cfg.username or cfg.password is None or pw is None or not check_password(cfg.password, pw):
                self._disconnect("Logon refused: bad Username/Password")  # 1S.c
                return False
        return True

    def _on_logon(self, msg: Message, now: int) -> bool:
        """Handle a Logon (1S / 1B / X2 / X9); False if the session was torn down."""
        cfg = self.config
        reset = msg.get(141) == b"Y"
        if self.status in LOGGING_OUT:
            return True  # a Logon reply that crossed our Logout: counted, not acted on
        if self.status is Status.ACTIVE and not reset:
            self._logout_and_disconnect("Logon received on an established session", now)
            return False
        if not self._logon_acceptable(msg, now):
            return False
        n789 = msg.get(789)
        self._use_789 = cfg.next_expected_msg_seq_num and n789 is not None
        next_out = self.store.next_sender
        if self._use_789 and int(n789 or 0) > next_out:
            # X9: the peer expects a number we never sent.
            self._logout_and_disconnect(f"NextExpectedMsgSeqNum(789) {int(n789 or 0)} is above our next "
                                        f"MsgSeqNum {next_out}", now)
            return False
        hb = int(msg.get(108) or 0)
        # The acceptor answers a Logon; either side answers a reset Logon mid-session (X2).
        if cfg.role == "acceptor" or self.status is Status.ACTIVE:
            self.heartbeat_ns = hb * NS
            reply: list[tuple[int, Value]] = [(98, b"0"), (108, hb)]
            if reset:
                reply.append((141, b"Y"))
            if self._use_789:
                seq, nxt = int(msg.get(34) or 0), self.store.next_target
                reply.append((789, seq + 1 if seq == nxt else nxt))
            self._send_admin(b"A", reply, now)
        self._deadline_close = None
        self._set_status(Status.ACTIVE)
        self._note("info", f"logged on (HeartBtInt={hb}{', sequence reset' if reset else ''})")
        self._events.append(LoggedOn(reset))
        if self._use_789 and int(n789 or 0) < next_out:
            # X9: resend from the peer's 789 up to and including our own Logon.
            self._resend(int(n789 or 0), self.store.next_sender - 1, now)
        return True

    def _flush_pending(self, now: int) -> None:
        if self.status is not Status.ACTIVE:
            return
        pending, self._pending = self._pending, []
        for mt, body in pending:
            self._emit(mt, body, now, store=True)

    def _on_logout(self, msg: Message, now: int) -> None:
        text = msg.get_str(58, "")
        if self.status is Status.LOGOUT_SENT:
            self._disconnect(f"Logout confirmed: {text}", "info")  # 13a
        elif self.status is Status.LOGOUT_ANSWERED:
            self._note("info", "peer repeated its Logout")  # answered once already
        else:
            self._note("info", f"peer logged out: {text}")
            self._answer_logout("", now)

    def _answer_logout(self, text: str, now: int) -> None:
        self._send_admin(b"5", [(58, text)] if text else [], now)
        self._logout_reply_due = None
        self._set_status(Status.LOGOUT_ANSWERED)
        self._events.append(LoggedOut(text or "peer logged out"))
        # 13b / D5: the peer that started the Logout closes; give it 10 s.
        self._close_at(now + int(self.config.logout_timeout_s * NS), "peer did not close after the Logout exchange",
                       "error")

    def _new_seq_no(self, msg: Message, now: int) -> int | None:
        n = new_seq_no(msg)
        if isinstance(n, Invalid):
            self._reject(msg, n.reason, n.tag, n.text, now)  # a rejected SequenceReset is not counted
            return None
        return n

    def _on_gap_fill(self, msg: Message, seq: int, now: int) -> None:
        n = self._new_seq_no(msg, now)
        if n is None:
            return
        if n <= seq:
            # 10e / D7: never lower the counter
            self._reject(msg, Reason.VALUE_OUT_OF_RANGE, 36,
                         f"SequenceReset-GapFill would lower the sequence number: NewSeqNo {n} <= MsgSeqNum {seq}", now)
            return
        self.store.set_next_target(n)  # 10b

    def _on_sequence_reset(self, msg: Message, now: int) -> None:
        n, expected = self._new_seq_no(msg, now), self.store.next_target
        if n is None:
            return
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
        self._resend(int(msg.get(7) or 0), int(msg.get(16) or 0), now)

    def _resend(self, begin: int, end: int, now: int) -> None:
        out = resend_range(self.store, begin, end, self._prefix_tail, self._begin, now)
        self._note("info" if out else "warning", f"ResendRequest {begin}..{end}: {len(out)} messages "
                                                 f"(our last sent is {self.store.next_sender - 1})")
        self._out += out
        self._last_sent = now if out else self._last_sent
