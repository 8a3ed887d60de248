"""Heartbeat, TestRequest, Reject, ResendRequest: cases 4b, 5, 7, 8a-8c, 20, X5.

Timer-driven halves of 4 and 6 are in test_session_timers.py.
"""

import pytest

from oms_fix.fix.codec import Message
from tests.scenarios.transcript import Transcript, logged_on, nos

REBUILT = {8, 9, 10, 34, 43, 52, 122}


def app(role: str, ident: str) -> tuple[str, list[tuple[int, object]]]:
    """An application message the session under test sends itself."""
    if role == "acceptor":
        return "8", [(37, ident), (17, "E" + ident), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)]
    return "D", nos(ident)


def history(role: str, feed: str = "whole") -> tuple[Transcript, dict[int, Message]]:
    """A session whose outbound numbers 1-9 are:
    1 Logon, 2 Heartbeat, 3 app, 4 app, 5 Heartbeat, 6 Heartbeat, 7 app, 8 Reject, 9 Heartbeat."""
    t = logged_on(role, feed)
    sent = {1: t.out.messages[0]}
    t.recv("1", [(112, "a")])
    t.advance(1)
    t.send_app(*app(role, "N3"))
    t.send_app(*app(role, "N4"))
    t.advance(1)
    t.recv("1", [(112, "b")])
    t.recv("1", [(112, "c")])
    t.send_app(*app(role, "N7"))
    t.recv("0", [(5000, "bad")])
    t.recv("1", [(112, "d")])
    sent.update({int(m.get(34)): m for m in t.out.messages})
    k = app(role, "")[0].encode()
    assert [sent[i].msg_type for i in range(1, 10)] == [b"A", b"0", k, k, b"0", b"0", k, b"3", b"0"]
    assert t.next_out == 10
    t.unread.clear()
    t.advance(2)
    return t, sent


def expect_resend(t: Transcript, original: Message) -> None:
    m = t.expect(original.msg_type.decode(), {34: original.get(34), 43: "Y", 122: original.get(52)})
    assert m.get(52) != original.get(52)  # a fresh SendingTime
    assert [f for f in m.fields if f[0] not in REBUILT] == [f for f in original.fields if f[0] not in REBUILT]


def expect_gap_fill(t: Transcript, seq: int, new_seq: int) -> None:
    m = t.expect("4", {34: seq, 43: "Y", 123: "Y", 36: new_seq})
    assert m.get(122) is not None


# ------------------------------------------------------------- 4b, 5, 7


def test_4b_test_request_is_answered_with_its_id(role, feed):
    t = logged_on(role, feed)
    t.recv("1", [(112, "20240301-09:00:00 id=42|x")])
    t.expect("0", {112: "20240301-09:00:00 id=42|x"})
    t.expect_nothing()
    assert t.next_in == 3


def test_5_heartbeat_is_not_answered(role, feed):
    t = logged_on(role, feed)
    t.recv("0")
    t.recv("0", [(112, "unknown id")])
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 4


def test_7_reject_is_logged_not_answered(role, feed):
    t = logged_on(role, feed)
    t.send_app(*app(role, "X"))
    t.unread.clear()
    t.recv("3", [(45, 2), (371, 11), (372, "D"), (373, 1), (58, "no ClOrdID")])
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 3 and t.next_out == 3
    assert t.noted("peer rejected our seq 2")


# ---------------------------------------------------------- 8: resending


def test_8a_range_of_admin_messages_is_one_gap_fill(role, feed):
    t, sent = history(role, feed)
    t.recv("2", [(7, 5), (16, 6)])
    expect_gap_fill(t, 5, 7)
    t.expect_nothing()
    assert t.next_out == 10 and t.next_in == t.peer_seq


def test_8b_range_of_application_messages_is_resent_as_it_was(role, feed):
    t, sent = history(role, feed)
    t.recv("2", [(7, 3), (16, 4)])
    expect_resend(t, sent[3])
    expect_resend(t, sent[4])
    t.expect_nothing()
    assert t.next_out == 10


@pytest.mark.parametrize("end", [0, 9, 50])
def test_8c_mixed_range_interleaves_resends_and_gap_fills(role, feed, end):
    t, sent = history(role, feed)
    t.recv("2", [(7, 1), (16, end)])
    expect_gap_fill(t, 1, 3)       # Logon, Heartbeat
    expect_resend(t, sent[3])
    expect_resend(t, sent[4])
    expect_gap_fill(t, 5, 7)       # two Heartbeats collapse into one fill
    expect_resend(t, sent[7])
    expect_resend(t, sent[8])      # a Reject is resent, not filled
    expect_gap_fill(t, 9, 10)      # stop at our last sent number
    t.expect_nothing()
    assert t.next_out == 10


def test_8c_range_starting_inside_a_run_of_admin_messages(role):
    t, sent = history(role)
    t.recv("2", [(7, 6), (16, 7)])
    expect_gap_fill(t, 6, 7)
    expect_resend(t, sent[7])
    t.expect_nothing()


def test_8_poss_dup_resend_request_is_not_served_again(role):
    t, sent = history(role)
    t.recv("2", [(7, 3), (16, 3)], poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()
    assert t.next_in == t.peer_seq


def test_8_resend_request_for_nothing_we_sent_is_harmless(role):
    t, _ = history(role)
    t.recv("2", [(7, 20), (16, 0)])
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == t.peer_seq


def test_8_resent_application_message_has_the_same_body_and_routing():
    t = logged_on("initiator")
    body = nos("R1") + [(58, "with text")]
    t.send_app("D", [(115, "ONBEHALF")] + body)  # a header field leads the body: it stays in the header
    [orig] = t.unread
    t.unread.clear()
    t.advance(5)
    t.recv("2", [(7, 2), (16, 2)])
    m = t.expect("D", {34: 2, 43: "Y", 115: "ONBEHALF", 58: "with text", 122: orig.get(52)})
    assert m.get(52) != orig.get(52)


# ---------------------------------------------------------------- 20


def test_20_resend_request_while_ours_is_outstanding_is_served_first(role, feed):
    t, sent = history(role, feed)
    peer_next = t.peer_seq
    t.peer_seq = peer_next + 2
    t.recv("0")  # a gap of two: we ask
    t.expect("2", {7: peer_next, 16: 0})
    t.recv("2", [(7, 7), (16, 0)])  # the peer asks too, itself above our gap
    expect_resend(t, sent[7])
    expect_resend(t, sent[8])
    expect_gap_fill(t, 9, 11)
    t.expect("2", {7: peer_next, 16: 0})  # our gap still exists: ask again
    t.expect_nothing()
    # the peer fills our gap; its held ResendRequest is counted, not served twice
    t.recv("4", [(123, "Y"), (36, peer_next + 2)], seq=peer_next, poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()
    assert t.next_in == peer_next + 4 == t.peer_seq


def test_20_poss_dup_resend_request_above_the_gap_is_not_served(role):
    t, sent = history(role)
    peer_next = t.peer_seq
    t.recv("2", [(7, 3), (16, 3)], seq=peer_next + 1, poss_dup=True, orig_sending_time=t.now)
    t.expect("2", {7: peer_next, 16: 0})
    t.expect_nothing()


def test_20_duplicate_of_a_held_resend_request_is_served_once(role):
    t, sent = history(role)
    peer_next = t.peer_seq
    t.recv("2", [(7, 3), (16, 3)], seq=peer_next + 1)
    expect_resend(t, sent[3])
    t.expect("2", {7: peer_next})
    t.recv("2", [(7, 3), (16, 3)], seq=peer_next + 1)
    t.expect_nothing()


# ---------------------------------------------------------------- X5


def test_X5_held_message_that_fails_validation_is_rejected_in_turn(role, feed):
    t = logged_on(role, feed)
    kind = "D" if role == "acceptor" else "8"
    good = nos("G4") if kind == "D" else app("acceptor", "G4")[1]
    bad = nos("B3")[1:] if kind == "D" else app("acceptor", "B3")[1][1:]  # no ClOrdID / OrderID
    t.recv(kind, bad, seq=3)
    t.expect("2", {7: 2, 16: 0})
    t.recv(kind, good, seq=4)
    t.expect_nothing()
    t.recv("0", seq=2, poss_dup=True, orig_sending_time=t.now)  # resent in place of 2
    t.expect("3", {45: 3, 373: 1, 371: 11 if kind == "D" else 37})
    t.expect_nothing()
    assert [m.get(34) for m in t.delivered()] == [b"4"]
    assert t.next_in == 5
    t.expect_connected()


def test_X5_resent_message_with_invalid_field_is_rejected_and_draining_goes_on(role):
    t = logged_on(role)
    t.recv("0", seq=4)
    t.expect("2", {7: 2, 16: 0})
    t.recv("1", [(112, "")], seq=2, poss_dup=True, orig_sending_time=t.now)  # empty 112 (14d)
    t.expect("3", {45: 2, 373: 4, 371: 112})
    t.recv("1", [(112, "ok")], seq=3, poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()  # a resent (PossDup) TestRequest is counted, not answered (§1.4)
    assert t.next_in == 5
