"""Session-level checks on one inbound message that need no session state.

Each answers the problem as an `Invalid` (SessionRejectReason, RefTagID,
text) for the session to reject, or None. Case ids are those of
shared/spec/fix44-session-tests.md.
"""

from __future__ import annotations

import re

from .codec import Message, Value, printable
from .config import SessionConfig
from .dictionary import Dictionary, Invalid, Reason
from .utctime import parse_ns

__all__ = ["comp_id_problem", "sending_time_problem", "logon_problem", "poss_dup_problem", "new_seq_no",
           "route_back"]

_INT = re.compile(rb"-?\d+\Z")
# X6 / 18a: replies go back along the reversed third-party route.
_REVERSED_ROUTE = ((115, 128), (116, 129), (144, 145), (128, 115), (129, 116), (145, 144))


def comp_id_problem(msg: Message, cfg: SessionConfig, strict: bool) -> Invalid | None:
    """2k: 49 must be the peer and 56 us. A missing or empty one is left to
    validation (14b / 14d) unless `strict` (a first Logon: 1S.c)."""
    for tag, want in ((49, cfg.target_comp_id), (56, cfg.sender_comp_id)):
        got = msg.get(tag)
        if got is not None and got.decode("latin-1") == want:
            continue
        if not got and not strict:
            continue  # missing or empty: for validation
        return Invalid(Reason.COMPID_PROBLEM, tag, f"CompID problem: {tag}={printable(got or b'')}, expected {want}")
    return None


def sending_time_problem(msg: Message, now: int, tolerance_ns: int) -> Invalid | None:
    """2o: SendingTime off our clock by more than the tolerance, either way.

    A missing or unparseable 52 is left to validation (14b / 14f)."""
    raw = msg.get(52)
    sent = None if raw is None else parse_ns(raw)
    if raw is None or sent is None or abs(now - sent) <= tolerance_ns:
        return None
    return Invalid(Reason.SENDING_TIME_ACCURACY, 52,
                   f"SendingTime(52) {raw.decode('latin-1')} outside the {tolerance_ns / 1e9:g}s tolerance")


def logon_problem(msg: Message, cfg: SessionConfig, dictionary: Dictionary, is_reply: bool) -> Invalid | None:
    """What makes a Logon invalid (1S.d, 1B.d, D1, X3, 17b); `is_reply`: it answers ours."""
    hb, em = msg.get(108), msg.get(98)
    if hb is None:
        return Invalid(Reason.REQUIRED_TAG_MISSING, 108, "HeartBtInt(108) missing")  # D1
    if em is None:
        return Invalid(Reason.REQUIRED_TAG_MISSING, 98, "EncryptMethod(98) missing")
    if _INT.match(hb) and int(hb) < 0:
        return Invalid(Reason.VALUE_OUT_OF_RANGE, 108, f"HeartBtInt must not be negative (108={hb.decode()})")  # X3
    bad = dictionary.validate(msg) if cfg.validate else None
    if bad is not None:
        return bad
    if not _INT.match(hb):
        return Invalid(Reason.INCORRECT_DATA_FORMAT, 108, "HeartBtInt(108) is not an integer")
    if em != b"0":
        # 17b: we support no encryption; the 2020 text gives 373=7.
        return Invalid(Reason.DECRYPTION_PROBLEM, 98, f"EncryptMethod(98)={em.decode('latin-1')} not supported, only 0")
    if is_reply and int(hb) != cfg.heartbeat_s:
        # 1B.c: the acceptor echoes the interval we chose.
        return Invalid(Reason.VALUE_OUT_OF_RANGE, 108, f"HeartBtInt(108) {hb.decode()} is not the {cfg.heartbeat_s} we sent")
    n789 = msg.get(789)
    if cfg.next_expected_msg_seq_num and n789 is not None and not n789.isdigit():
        return Invalid(Reason.INCORRECT_DATA_FORMAT, 789, "NextExpectedMsgSeqNum(789) is not a number")
    return None


def poss_dup_problem(msg: Message) -> Invalid | None:
    """2f / 2g (D2 / D3): a retransmission must carry an OrigSendingTime no later than its SendingTime."""
    orig = msg.get(122)
    if orig is None:
        return Invalid(Reason.REQUIRED_TAG_MISSING, 122, "PossDupFlag=Y without OrigSendingTime(122)")
    o, s = parse_ns(orig), parse_ns(msg.get(52) or b"")
    if o is None:
        return Invalid(Reason.INCORRECT_DATA_FORMAT, 122, "OrigSendingTime(122) is not a UTCTimestamp")
    if s is not None and o > s:
        # Equal is fine: a resend within the same millisecond.
        return Invalid(Reason.SENDING_TIME_ACCURACY, 122, "OrigSendingTime(122) later than SendingTime(52)")
    return None


def new_seq_no(msg: Message) -> int | Invalid:
    """A SequenceReset's NewSeqNo(36), or why there is none to apply."""
    new = msg.get(36)
    if new is None:
        return Invalid(Reason.REQUIRED_TAG_MISSING, 36, "NewSeqNo(36) missing")
    if not new.isdigit():
        return Invalid(Reason.INCORRECT_DATA_FORMAT, 36, "NewSeqNo(36) is not a number")
    return int(new)


def route_back(msg: Message) -> list[tuple[int, Value]]:
    """X6: the message's third-party route reversed, for the header of our reply.

    Empty routing fields are not echoed: they draw 373=4 themselves.
    """
    return [(b, v) for a, b in _REVERSED_ROUTE if (v := msg.get(a))]
