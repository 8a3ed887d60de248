"""Logout: cases 12, 13a, 13b, 13c and D5 (our engine waits for the peer to close)."""

from oms_fix.fix.events import LoggedOut
from oms_fix.fix.session import Status
from tests.scenarios.transcript import Has, logged_on, nos


def test_12_we_log_out_and_wait_for_the_reply(role, feed):
    t = logged_on(role, feed)
    t.logout("end of day")
    t.expect("5", {34: 2, 58: "end of day"})
    t.expect_connected()  # do not close at once
    assert t.session.status is Status.LOGOUT_SENT
    # nothing new from the application after our Logout
    t.send_app("D", nos("LATE"))
    t.expect_nothing()
    # input is still handled, ResendRequests served
    t.recv("2", [(7, 1), (16, 0)])
    t.expect("4", {34: 1, 36: 3, 123: "Y"})
    t.expect_nothing()
    t.recv("5")
    t.expect_nothing()  # 13a: no second Logout
    t.expect_disconnect()
    assert t.next_in == 4


def test_12_no_logout_reply_within_10_s_disconnects_with_a_warning(role):
    t = logged_on(role)
    t.logout("bye")
    t.expect("5")
    t.advance(9.9)
    t.expect_connected()
    t.expect_nothing()  # no heartbeats or TestRequests while waiting
    t.advance(0.2)
    t.expect_disconnect()
    t.expect_nothing()
    assert t.noted("no Logout reply", "warning")
    assert any(isinstance(e, LoggedOut) for e in t.events)


def test_12_logout_with_heartbeats_due_sends_none_while_waiting(role):
    t = logged_on(role, heartbeat_s=2)
    t.logout("bye")
    t.expect("5")
    t.advance(9)
    t.expect_nothing()
    t.expect_connected()


def test_13a_logout_reply_disconnects_without_answering(role, feed):
    t = logged_on(role, feed)
    t.logout()
    t.expect("5")
    t.recv("5", [(58, "ok, bye")])
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 3


def test_13a_logout_reply_with_a_gap_is_recovered_before_closing(role):
    t = logged_on(role)
    t.logout()
    t.expect("5")
    t.recv("5", seq=4)
    t.expect("2", {7: 2, 16: 0})
    t.expect_connected()
    t.recv("4", [(123, "Y"), (36, 4)], seq=2, poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()
    t.expect_disconnect()
    assert t.next_in == 5


def test_13b_D5_unsolicited_logout_is_answered_and_the_peer_closes(role, feed):
    t = logged_on(role, feed)
    t.recv("5", [(58, "closing")])
    t.expect("5", {34: 2})
    t.expect_nothing()
    t.expect_connected()  # D5: the side that started the Logout closes
    assert t.next_in == 3 and t.session.status is Status.LOGOUT_ANSWERED
    assert any(isinstance(e, LoggedOut) for e in t.events)
    t.reconnect()  # the peer closes
    assert t.session.status is Status.DISCONNECTED


def test_13b_peer_that_does_not_close_within_10_s_is_disconnected(role):
    t = logged_on(role)
    t.recv("5")
    t.expect("5")
    t.advance(9.5)
    t.expect_connected()
    t.advance(1)
    t.expect_disconnect()
    assert t.noted("did not close", "error")


def test_13b_second_logout_from_the_peer_is_not_answered_again(role):
    t = logged_on(role)
    t.recv("5")
    t.expect("5")
    t.recv("5")
    t.expect_nothing()


def test_13b_resend_request_after_our_logout_reply_is_served(role):
    t = logged_on(role)
    t.recv("5")
    t.expect("5", {34: 2})
    t.recv("2", [(7, 2), (16, 0)])
    t.expect("4", {34: 2, 36: 3})
    t.expect_connected()


def test_13c_logout_above_expected_asks_for_the_gap_first(role, feed):
    t = logged_on(role, feed)
    t.recv("5", seq=4)
    t.expect("2", {7: 2, 16: 0})
    t.expect_nothing()  # not yet: give the resend time
    t.expect_connected()
    kind, body = ("D", nos("G2")) if role == "acceptor" else ("0", [])
    t.recv(kind, body, seq=2, poss_dup=True, orig_sending_time=t.now)
    t.expect_nothing()
    t.recv("0", seq=3, poss_dup=True, orig_sending_time=t.now)
    t.expect("5", {34: 3})  # now the reply; the peer closes
    t.expect_connected()
    assert t.next_in == 5


def test_13c_logout_with_a_gap_that_is_never_filled_is_answered_after_the_timeout(role):
    t = logged_on(role)
    t.recv("5", seq=4)
    t.expect("2", {7: 2, 16: 0})
    t.advance(9)
    t.expect_nothing()
    t.advance(2)
    t.expect("5", {58: Has("gap")})
    t.advance(11)
    t.expect_disconnect()
