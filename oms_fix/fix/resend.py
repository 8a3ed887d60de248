"""Answering a ResendRequest (FIX 4.4 Vol 2 case 8): resends and gap fills.

Pure functions over the message store; the session decides when to call them
and writes what they return.
"""

from __future__ import annotations

from .codec import SOH, frame, parse_one
from .store import MessageStore
from .utctime import format_ns

__all__ = ["resend_range", "gap_fill"]

# Admin messages are never resent, only gap-filled; Reject is the exception (8a).
_NOT_RESENT = frozenset({b"A", b"5", b"2", b"0", b"1", b"4"})
_HEADER_REBUILT = frozenset({8, 9, 35, 49, 56, 34, 43, 52, 122, 10})


def resend_range(store: MessageStore, begin: int, end: int, header: bytes, begin_string: bytes,
                 now: int) -> list[bytes]:
    """Messages begin..end again, in order, without spending a new number.

    `header` is the session's "|49=..|56=..|34=" run. Stored application
    messages and Rejects are resent (8b); each run of admin or unknown numbers
    becomes one GapFill (8a, 8c). A range that names nothing we sent gives [].
    """
    last = store.next_sender - 1
    if end == 0 or end > last:
        end = last  # 8c: 16=0 (FIX 4.2+: "infinity"), or beyond our last sent, means up to our last
    if begin < 1 or begin > end:
        return []
    out: list[bytes] = []
    stored = dict(store.get_sent(begin, end))
    gap_start: int | None = None
    for seq in range(begin, end + 1):
        raw = stored.get(seq)
        if raw is None or _msg_type_of(raw) in _NOT_RESENT:
            if gap_start is None:
                gap_start = seq
            continue
        if gap_start is not None:
            out.append(gap_fill(gap_start, seq, header, begin_string, now))
            gap_start = None
        out.append(_resend_one(raw, header, begin_string, now))
    if gap_start is not None:
        out.append(gap_fill(gap_start, end + 1, header, begin_string, now))
    return out


def gap_fill(seq: int, new_seq: int, header: bytes, begin_string: bytes, now: int) -> bytes:
    # 8a: 34 = the first skipped number, 43=Y, 122 set (we always send it, see
    # D2/D3), 36 = the number after the run.
    ts = format_ns(now)
    return frame(b"35=4" + header + b"%d\x0143=Y\x0152=%s\x01122=%s\x01123=Y\x0136=%d\x01"
                 % (seq, ts, ts, new_seq), begin_string)


def _resend_one(raw: bytes, header: bytes, begin_string: bytes, now: int) -> bytes:
    # 8b: same MsgSeqNum and body; PossDupFlag=Y, OrigSendingTime = the first 52, fresh 52.
    msg = parse_one(raw)
    orig = msg.get(52) or format_ns(now)
    rest = b"".join(b"%d=%s\x01" % (t, v) for t, v in msg.fields if t not in _HEADER_REBUILT)
    return frame(b"35=" + (msg.msg_type or b"") + header + (msg.get(34) or b"")
                 + b"\x0143=Y\x0152=%s\x01122=%s\x01" % (format_ns(now), orig) + rest, begin_string)


def _msg_type_of(raw: bytes) -> bytes:
    i = raw.find(b"\x0135=") + 4
    return raw[i : raw.index(SOH, i)]
