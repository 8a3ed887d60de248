"""Logon and session start: 1S (we accept), 1B (we initiate), X2, X3, X7, X8, D1, D9, 17a/17b.

1S.b (a second connection for a session already logged on) and an unknown
CompID on a fresh connection are decided by the acceptor's session registry
before any Session sees a byte; they are tested with the transport, not here.
1B.a (when to open the transport) belongs to the initiator transport too.
"""

import pytest

from oms_fix.fix.events import LoggedOn
from oms_fix.fix.session import Status
from tests.scenarios.transcript import ABSENT, Has, Transcript, acceptor, initiator, logged_on, nos

LOGON = [(98, 0), (108, 30)]


# ---------------------------------------------------------------- 1S: acceptor


def test_1Sa_valid_logon_is_answered(feed):
    t = acceptor(feed).connect()
    t.expect_nothing()  # the acceptor waits for the Logon
    t.recv("A", LOGON)
    t.expect("A", {34: 1, 98: 0, 108: 30, 141: ABSENT, 49: "OMS", 56: "CLIENT1"})
    t.expect_nothing()
    assert t.session.logged_on and LoggedOn(False) in t.events
    assert t.next_in == 2 and t.next_out == 2


def test_1Sa_logon_echoes_the_peers_heartbeat_interval():
    t = acceptor(heartbeat_s=60).connect()
    t.recv("A", [(98, 0), (108, 5)])
    t.expect("A", {108: 5})
    assert t.session.heartbeat_ns == 5 * 10**9


def test_1Sa_reset_logon_is_answered_with_141_and_seq_1():
    t = acceptor()
    t.store.next_sender, t.store.next_target = 40, 30
    t.connect()
    t.peer_seq = 1
    t.recv("A", LOGON + [(141, "Y")])
    t.expect("A", {34: 1, 141: "Y", 98: 0, 108: 30})
    assert t.next_in == 2 and t.next_out == 2
    assert LoggedOn(True) in t.events


def test_1Sa_logon_above_expected_replies_first_then_asks_for_the_gap(feed):
    t = acceptor(feed)
    t.store.next_target = 5
    t.connect()
    t.peer_seq = 9
    t.recv("A", LOGON)
    t.expect("A", {34: 1})
    t.expect("2", {34: 2, 7: 5, 16: 0})
    t.expect_nothing()
    assert t.next_in == 5  # held: the Logon counts once the gap is filled
    t.recv("4", [(123, "Y"), (36, 9)], seq=5, poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()  # no second Logon reply when the held Logon is counted
    assert t.next_in == 10 and t.session.logged_on


def test_1Sa_logon_below_expected_is_too_low_and_gets_no_logon_reply(feed):
    t = acceptor(feed)
    t.store.next_target = 5
    t.connect()
    t.peer_seq = 3
    t.recv("A", LOGON)
    t.expect("5", {58: "MsgSeqNum too low, expecting 5 but received 3"})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 5 and not any(isinstance(e, LoggedOn) for e in t.events)


@pytest.mark.parametrize("sender, target", [("STRANGER", "OMS"), ("CLIENT1", "NOTUS")])
def test_1Sc_logon_from_unknown_identity_is_silently_dropped(sender, target):
    t = acceptor().connect()
    t.recv("A", LOGON, sender=sender, target=target)
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 1 and t.next_out == 1


@pytest.mark.parametrize("user, password", [("alice", "wrong"), ("bob", "s3cret"), (None, None)])
def test_1Sc_bad_credentials_are_silently_dropped(user, password):
    t = acceptor(username="alice", password="s3cret").connect()
    creds = [(553, user), (554, password)] if user else []
    t.recv("A", LOGON + creds)
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 1 and t.next_out == 1


def test_1Sc_good_credentials_log_on():
    t = acceptor(username="alice", password="s3cret").connect()
    t.recv("A", LOGON + [(553, "alice"), (554, "s3cret")])
    t.expect("A", {553: ABSENT, 554: ABSENT})  # the acceptor never echoes credentials
    assert t.session.logged_on


@pytest.mark.parametrize(
    "case, body, reason, ref_tag, text",
    [
        ("D1 108 missing", [(98, 0)], 1, 108, "HeartBtInt(108) missing"),
        ("98 missing", [(108, 30)], 1, 98, "EncryptMethod(98)"),
        ("X3 108 negative", [(98, 0), (108, -5)], 5, 108, "HeartBtInt must not be negative"),
        ("108 not a number", [(98, 0), (108, "abc")], 6, 108, "108"),
        ("17b 98 unsupported", [(98, 2), (108, 30)], 7, 98, "EncryptMethod(98)"),
        ("98 out of the enum", [(98, 9), (108, 30)], 5, 98, "98"),
        ("141 bad value", [(98, 0), (108, 30), (141, "X")], 6, 141, "141"),  # BOOLEAN: a format error
    ],
)
def test_1Sd_invalid_logon_is_rejected_logged_out_and_dropped(case, body, reason, ref_tag, text, feed):
    t = acceptor(feed).connect()
    t.recv("A", body)
    t.expect("3", {45: 1, 372: "A", 373: reason, 371: ref_tag})
    t.expect("5", {58: Has(text)})
    t.expect_nothing()
    t.expect_disconnect()
    assert not t.session.logged_on and t.next_in == 1
    assert not any(isinstance(e, LoggedOn) for e in t.events)


@pytest.mark.parametrize("offset_s", [-121, 121, -3600])
def test_1Sd_logon_sending_time_out_of_tolerance(offset_s):
    t = acceptor().connect()
    t.recv("A", LOGON, sending_time=t.now + offset_s * 10**9)
    t.expect("3", {45: 1, 373: 10, 371: 52})
    t.expect("5", {58: Has("SendingTime")})
    t.expect_disconnect()
    assert t.next_in == 1


def test_1Sd_D9_logon_with_another_begin_string_is_silently_dropped():
    t = acceptor().connect()
    t.recv("A", LOGON, begin=b"FIX.4.2")
    t.expect_nothing()  # D9: do not reveal which versions we speak
    t.expect_disconnect()
    assert t.next_in == 1


@pytest.mark.parametrize("damage", ["checksum", "body_length"])
def test_1Sd_prime_garbled_logon_is_dropped_and_the_same_seq_still_logs_on(damage, feed):
    t = acceptor(feed).connect()
    fields = t.header_fields("A", seq=1) + LOGON
    bad = t.raw(fields, check_sum=b"000") if damage == "checksum" else t.raw(fields, body_length=10)
    t.recv_bytes(bad)
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 1
    t.recv("A", LOGON, seq=1)
    t.expect("A", {34: 1})
    assert t.session.logged_on and t.next_in == 2


@pytest.mark.parametrize("first", [("1", [(112, "hello")]), ("0", []), ("D", nos("C1")), ("5", [])])
def test_1Se_first_message_not_a_logon_disconnects(first, feed):
    t = acceptor(feed).connect()
    t.recv(*first)
    t.expect_nothing()  # no Heartbeat for the TestRequest, nothing at all
    t.expect_disconnect()
    assert t.next_in == 1 and t.delivered() == []
    assert t.noted("first message not a Logon")


def test_17a_logon_with_encrypt_method_none_is_echoed():
    t = acceptor().connect()
    t.recv("A", LOGON)
    t.expect("A", {98: 0})


# 17c-17j (signature, SecureData) need a non-zero EncryptMethod, which 17b
# refuses at logon, so they cannot arise on our sessions.


# -------------------------------------------------------------- 1B: initiator


def test_1Bb_initiator_sends_its_logon_first(feed):
    t = initiator(feed, heartbeat_s=20)
    t.store.next_sender, t.store.next_target = 7, 4
    t.connect()
    t.expect("A", {34: 7, 98: 0, 108: 20, 141: ABSENT, 49: "OMS", 56: "EXCH", 553: ABSENT})
    t.expect_nothing()


def test_1Bb_initiator_reset_logon_starts_at_1():
    t = initiator(reset_on_logon=True)
    t.store.next_sender, t.store.next_target = 7, 4
    t.connect()
    t.expect("A", {34: 1, 141: "Y"})
    assert t.next_in == 1 and t.next_out == 2


def test_1Bb_initiator_sends_credentials():
    t = initiator(username="oms", password="pw").connect()
    t.expect("A", {553: "oms", 554: "pw"})


def test_1Bb_16a_nothing_application_goes_out_before_the_logon_reply():
    t = initiator().connect()
    t.expect("A")
    assert t.send_app("D", nos("EARLY")) == []  # held, not sent (16a way (i))
    t.advance(1)
    t.recv("A", LOGON)
    t.expect("D", {34: 2, 11: "EARLY", 43: ABSENT})  # numbered after the Logon, stamped now


def test_1Bc_valid_logon_reply_logs_on(feed):
    t = initiator(feed).connect()
    t.expect("A")
    t.recv("A", LOGON)
    t.expect_nothing()
    assert t.session.logged_on and t.next_in == 2 and LoggedOn(False) in t.events


def test_1Bc_logon_reply_above_expected_asks_for_the_gap_before_sending_the_queue(feed):
    t = initiator(feed).connect()
    t.expect("A")
    t.send_app("D", nos("QUEUED"))
    t.peer_seq = 4
    t.recv("A", LOGON)
    t.expect("2", {34: 2, 7: 1, 16: 0})
    t.expect_nothing()  # 1B.c: the queue waits until recovery is done
    assert t.session.logged_on and t.next_in == 1
    t.recv("4", [(123, "Y"), (36, 4)], seq=1, poss_dup=True, orig_sending_time=t.now)
    t.expect("D", {34: 3, 11: "QUEUED"})
    assert t.next_in == 5


@pytest.mark.parametrize(
    "case, kw, body, reason, ref_tag",
    [
        ("108 missing", {}, [(98, 0)], 1, 108),
        ("108 not ours", {}, [(98, 0), (108, 45)], 5, 108),
        ("98 unsupported", {}, [(98, 1), (108, 30)], 7, 98),
        ("wrong SenderCompID", {"sender": "OTHER"}, LOGON, 9, 49),
        ("wrong TargetCompID", {"target": "NOTUS"}, LOGON, 9, 56),
        ("SendingTime", {"sending_time": "late"}, LOGON, 10, 52),
    ],
)
def test_1Bd_invalid_logon_reply_is_rejected_and_logged_out(case, kw, body, reason, ref_tag):
    t = initiator().connect()
    t.expect("A")
    if kw.get("sending_time") == "late":
        kw = {"sending_time": t.now - 600 * 10**9}
    t.recv("A", body, **kw)
    t.expect("3", {45: 1, 372: "A", 373: reason, 371: ref_tag})
    t.expect("5", {58: Has("")})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 1 and not any(isinstance(e, LoggedOn) for e in t.events)


def test_1Bd_logon_reply_with_another_begin_string_is_logged_out():
    t = initiator().connect()
    t.expect("A")
    t.recv("A", LOGON, begin=b"FIX.4.2")
    t.expect("5", {58: Has("BeginString")})
    t.expect_disconnect()
    assert t.next_in == 1


def test_1Bd_logon_reply_too_low_is_logged_out():
    t = initiator()
    t.store.next_target = 6
    t.connect()
    t.expect("A")
    t.recv("A", LOGON, seq=2)
    t.expect("5", {58: "MsgSeqNum too low, expecting 6 but received 2"})
    t.expect_disconnect()
    assert t.next_in == 6 and not t.session.logged_on


@pytest.mark.parametrize("first", [("0", []), ("1", [(112, "X")]), ("8", [(37, "O1")])])
def test_1Be_first_reply_not_a_logon_is_logged_out(first, feed):
    t = initiator(feed).connect()
    t.expect("A")
    t.recv(*first)
    t.expect("5", {58: Has("first message not a Logon")})
    t.expect_nothing()  # no Heartbeat for a TestRequest
    t.expect_disconnect()
    assert t.next_in == 1 and t.delivered() == []


def test_1Be_logout_instead_of_logon_reply_disconnects():
    t = initiator().connect()
    t.expect("A")
    t.recv("5", [(58, "not today")])
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 1


# ---------------------------------------------------------------- extras


def test_X2_acceptor_reset_logon_mid_session(feed):
    t = logged_on("acceptor", feed)
    for i in range(3):
        t.send_app("8", [(37, f"O{i}"), (17, f"E{i}"), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)])
        t.recv("0")
    t.unread.clear()
    assert t.next_in == 5 and t.next_out == 5
    t.peer_seq = 1
    t.recv("A", LOGON + [(141, "Y")])
    t.expect("A", {34: 1, 141: "Y"})
    t.expect_nothing()
    assert t.next_in == 2 and t.next_out == 2 and t.session.logged_on
    t.recv("0")
    assert t.next_in == 3


def test_X2_initiator_answers_a_reset_logon_mid_session(feed):
    t = logged_on("initiator", feed)
    t.recv("0")
    t.send_app("D", nos("C1"))
    t.unread.clear()
    t.peer_seq = 1
    t.recv("A", LOGON + [(141, "Y")])
    t.expect("A", {34: 1, 141: "Y", 108: 30})
    t.expect_nothing()
    assert t.next_in == 2 and t.next_out == 2 and t.session.logged_on


def test_X2_invalid_reset_logon_does_not_reset_the_counters():
    t = logged_on("acceptor")
    t.recv("0")
    t.recv("0")
    t.recv("A", [(98, 0), (141, "Y")], seq=1)  # no HeartBtInt
    t.expect("3", {373: 1, 371: 108})
    t.expect("5")
    t.expect_disconnect()
    assert t.next_in == 4 and t.next_out > 2


def test_logon_on_an_established_session_without_reset_is_refused():
    t = logged_on("acceptor")
    t.recv("A", LOGON)
    t.expect("5", {58: Has("Logon")})
    t.expect_nothing()  # never a second Logon reply (1S.a)
    t.expect_disconnect()


def test_X7_a_fresh_session_on_the_same_store_carries_the_numbers_on():
    # X7 proper (a second connection while the first is live) is the registry's;
    # here the first connection logs out and the next connection gets a fresh
    # Session object over the same store.
    t = logged_on("acceptor")
    t.recv("0")
    t.recv("5")
    t.expect("5")
    t.reconnect()
    t2 = Transcript(t.config, store=t.store)
    t2.peer_seq = t.peer_seq
    t2.connect()
    t2.recv("A", LOGON)
    t2.expect("A", {34: 3})
    assert t2.next_in == 5 and t2.session.logged_on


def test_X8_reconnect_with_too_low_seq_is_logged_out(feed):
    t = logged_on("acceptor", feed)
    t.recv("0")
    t.recv("5")
    t.expect("5")
    t.reconnect()
    assert t.next_in == 4
    t.connect()
    t.recv("A", LOGON, seq=1)
    t.expect("5", {58: "MsgSeqNum too low, expecting 4 but received 1"})
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 4


def test_X8_initiator_reconnects_with_numbers_kept():
    t = logged_on("initiator")
    t.send_app("D", nos("C1"))
    t.recv("0")
    t.unread.clear()
    t.reconnect()
    t.connect()
    t.expect("A", {34: 3, 141: ABSENT})
    t.recv("A", LOGON)
    assert t.session.logged_on and t.next_in == 4


def test_16a_acceptor_holds_application_messages_until_the_logon():
    t = acceptor().connect()
    assert t.session.status is Status.AWAIT_LOGON and not t.session.logged_on
    t.send_app("8", [(37, "O1"), (17, "E1"), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)])
    t.expect_nothing()
    t.advance(2)
    t.recv("A", LOGON)
    t.expect("A", {34: 1})
    t.expect("8", {34: 2, 37: "O1"})  # after the Logon reply, stamped when sent (16b)


# ----------------------------------------------- X9: NextExpectedMsgSeqNum(789)


def acceptor_with_history(**overrides) -> Transcript:
    """An acceptor (789 agreed) that sent 1 Logon, 2-4 orders' reports, 5 Heartbeat, then lost the line."""
    t = acceptor(next_expected_msg_seq_num=True, **overrides).logon()
    for i in (2, 3, 4):
        t.send_app("8", [(37, f"O{i}"), (17, f"E{i}"), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)])
    t.recv("1", [(112, "x")])
    t.reconnect()
    t.out.last_new_seq = 5
    assert t.next_out == 6 and t.next_in == 3
    return t


def test_X9_789_equal_to_our_next_number_carries_on():
    t = acceptor_with_history().connect()
    t.recv("A", LOGON + [(789, 6)])
    t.expect("A", {34: 6, 789: 4})
    t.expect_nothing()
    assert t.session.logged_on and t.next_in == 4


def test_X9_789_below_our_next_number_is_resent_up_to_our_logon():
    t = acceptor_with_history().connect()
    t.advance(1)
    t.recv("A", LOGON + [(789, 3)])
    t.expect("A", {34: 6, 789: 4})
    t.expect("8", {34: 3, 43: "Y", 37: "O3"})
    t.expect("8", {34: 4, 43: "Y", 37: "O4"})
    t.expect("4", {34: 5, 43: "Y", 123: "Y", 36: 7})  # the Heartbeat and our Logon reply
    t.expect_nothing()
    t.send_app("8", [(37, "O7"), (17, "E7"), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)])
    t.expect("8", {34: 7, 43: ABSENT})


def test_X9_789_above_our_next_number_logs_out():
    t = acceptor_with_history().connect()
    t.recv("A", LOGON + [(789, 9)])
    t.expect("5", {58: Has("NextExpectedMsgSeqNum(789)")})
    t.expect_nothing()  # no Logon reply
    t.expect_disconnect()
    assert t.next_in == 3


def test_X9_logon_above_expected_with_789_sends_no_resend_request():
    t = acceptor_with_history().connect()
    t.peer_seq = 6  # the peer's 3-5 are lost
    t.recv("A", LOGON + [(789, 6)])
    t.expect("A", {34: 6, 789: 3})  # the peer resends from our 789
    t.expect_nothing()
    assert t.session.logged_on and t.next_in == 3
    t.recv("D", nos("C3"), seq=3, poss_dup=True, orig_sending_time=t.now)
    t.recv("4", [(123, "Y"), (36, 7)], seq=4, poss_dup=True, orig_sending_time=t.now)  # over its own Logon
    t.expect_nothing()
    assert [m.get(11) for m in t.delivered()] == [b"C3"]
    assert t.next_in == 7


def test_X9_789_is_ignored_unless_agreed():
    t = acceptor()
    t.store.next_sender = 6
    t.connect()
    t.peer_seq = 3
    t.recv("A", LOGON + [(789, 2)])
    t.expect("A", {34: 6, 789: ABSENT})
    t.expect("2", {7: 1, 16: 0})  # ordinary recovery for the Logon's own 34
    t.expect_nothing()


def test_X9_initiator_sends_789_and_honours_the_reply():
    t = initiator(next_expected_msg_seq_num=True)
    t.store.next_target = 4
    t.connect()
    t.expect("A", {34: 1, 789: 4})
    t.peer_seq = 4
    t.recv("A", LOGON + [(789, 1)])  # the peer did not count our Logon: fill it
    t.expect("4", {34: 1, 36: 2, 43: "Y"})
    t.expect_nothing()
    assert t.session.logged_on and t.next_in == 5


def test_1B_logout_while_waiting_for_the_logon_reply():
    t = initiator().connect()
    t.expect("A")
    t.logout("changed my mind")
    t.expect("5", {34: 2})
    t.recv("A", LOGON)  # the reply crosses our Logout
    t.expect_nothing()
    t.recv("5")
    t.expect_disconnect()
    assert t.next_in == 3


def test_1B_logon_reply_above_expected_crossing_our_logout():
    t = initiator().connect()
    t.expect("A")
    t.logout("bye")
    t.expect("5")
    t.recv("A", LOGON, seq=3)
    t.expect("2", {7: 1, 16: 0})  # the gap is still recovered before we go
    t.recv("5", seq=4)
    t.recv("4", [(123, "Y"), (36, 3)], seq=1, poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 5


def test_16b_messages_sent_while_the_logon_is_held_keep_their_order():
    t = acceptor()
    t.store.next_target = 2
    t.connect()
    t.send_app("8", [(37, "P1"), (17, "E1"), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)])
    t.peer_seq = 4
    t.recv("A", LOGON)
    t.expect("A")
    t.expect("2", {7: 2})
    t.send_app("8", [(37, "P2"), (17, "E2"), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)])
    t.expect_nothing()  # not ahead of P1, which waits for the Logon to count
    t.recv("4", [(123, "Y"), (36, 4)], seq=2, poss_dup=True, orig_sending_time=t.now)
    t.expect("8", {37: "P1"})
    t.expect("8", {37: "P2"})
