"""What both order-flow tests check about gaps and restarts, read off the proxy's frames.

In both tests the initiator sends NewOrderSingle (c2s) and the acceptor answers
each with an ExecutionReport (s2c); the proxy loses one ER on its way to the
initiator and one NOS on its way to the acceptor, both in mid-burst so that
hundreds of messages pile up behind each gap.
"""

from __future__ import annotations

import time
from collections import Counter

from tests.interop.fixproxy import Frame, FrameProxy

__all__ = ["order_ids", "settle", "lose_one_each_way", "check_resent_both_ways",
           "check_continued", "check_no_recovery", "last_seqs"]

def order_ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{i:06d}" for i in range(1, n + 1)]


def settle(proxy: FrameProxy, quiet_s: float = 0.3, timeout_s: float = 10.0) -> None:
    """Wait until nothing has crossed the proxy for `quiet_s`: every resend is over."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = len(proxy.frames)
        time.sleep(quiet_s)
        if len(proxy.frames) == n:
            return


def lose_one_each_way(proxy: FrameProxy, er_of: str, nos: str):
    """Lose the first ER for ClOrdID `er_of` (s2c) and the first NOS `nos` (c2s)."""
    lost_er = proxy.drop_once("s2c", lambda f: f.get(35) == b"8" and f.get(11) == er_of.encode())
    lost_nos = proxy.drop_once("c2s", lambda f: f.get(35) == b"D" and f.get(11) == nos.encode())
    return lost_er, lost_nos


def _resent(proxy: FrameProxy, direction: str, msg_type: bytes, cl_ord_id: str) -> list[dict[int, bytes]]:
    return [fr.f for fr in proxy.seen(direction, msg_type)
            if fr.f.get(11) == cl_ord_id.encode() and fr.f.get(43) == b"Y"]


def check_resent_both_ways(proxy: FrameProxy, lost_er, lost_nos, n: int, why: str) -> None:
    assert len(lost_er.frames) == 1 and len(lost_nos.frames) == 1, "the proxy did not drop both frames" + why
    for lost, direction, asker, msg_type in ((lost_er, "s2c", "c2s", b"8"), (lost_nos, "c2s", "s2c", b"D")):
        seq, cl = lost.frames[0].seq, lost.frames[0].f[11].decode()
        asks = [int(fr.f[7]) for fr in proxy.seen(asker, b"2")]
        # 2b: one ResendRequest per gap, not one per message that arrived behind it;
        # case 20: asked once more after serving a ResendRequest of the peer's.
        served = len(proxy.seen(direction, b"2"))
        assert seq in asks and set(asks) == {seq} and len(asks) <= 1 + served, (
            f"expected one ResendRequest {asker} with BeginSeqNo(7)={seq} (one more per request served), "
            f"saw {len(asks)}: {asks[:5]}" + why)
        again = _resent(proxy, direction, msg_type, cl)
        assert again, f"{cl} was never resent {direction}" + why
        # 8b: same MsgSeqNum, PossDupFlag=Y, OrigSendingTime present and not after SendingTime.
        f = again[0]
        assert int(f[34]) == seq and 122 in f and f[122] <= f[52], f"resent {cl} has a bad header: {f}" + why
    # The acceptor's application answered every order once; a PossDup copy of
    # an order it already had was dropped by its session, not answered again.
    firsts = Counter(fr.f.get(11) for fr in proxy.seen("s2c", b"8", dropped=None) if fr.f.get(43) != b"Y")
    extra = {k: v for k, v in firsts.items() if v != 1}
    assert len(firsts) == n and not extra, f"the acceptor answered {len(firsts)} orders, twice: {extra}" + why
    assert not proxy.seen(msg_type=b"3"), "a session Reject crossed the proxy" + why
    assert not proxy.seen(msg_type=b"5"), "someone logged out during the run" + why


def last_seqs(proxy: FrameProxy, conn: int) -> tuple[int, int]:
    """The highest MsgSeqNum each way on connection `conn` (a lost frame used its number too)."""
    return (max(fr.seq for fr in proxy.seen("c2s", conn=conn, dropped=None)),
            max(fr.seq for fr in proxy.seen("s2c", conn=conn, dropped=None)))


def check_continued(after: list[Frame], last: tuple[int, int], why: str) -> None:
    """The first frames of the new connection are Logons numbered right after `last` (c2s, s2c)."""
    first = {}
    for fr in after:
        first.setdefault(fr.direction, fr)
    assert set(first) == {"c2s", "s2c"}, "no Logon exchange after the restart" + why
    c2s, s2c = first["c2s"], first["s2c"]
    assert c2s.msg_type == b"A" and s2c.msg_type == b"A", why
    assert 141 not in c2s.f and 141 not in s2c.f, "a Logon asked for a sequence reset (141)" + why
    assert (c2s.seq, s2c.seq) == (last[0] + 1, last[1] + 1), (
        f"sequence numbers did not continue from the stores: initiator {last[0]} -> {c2s.seq}, "
        f"acceptor {last[1]} -> {s2c.seq}" + why)


def check_no_recovery(proxy: FrameProxy, conn: int, why: str, allow: frozenset[bytes] = frozenset()) -> None:
    """Nothing was missing after a restart: no ResendRequest, no SequenceReset, no Reject."""
    for mt, what in ((b"2", "ResendRequest"), (b"4", "SequenceReset"), (b"3", "Reject")):
        if mt in allow:
            continue
        assert not proxy.seen(msg_type=mt, conn=conn), f"a {what} after the restart: a store lost something" + why
