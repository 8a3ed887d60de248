"""Timers on the virtual clock: 4a heartbeats, 6 TestRequest, logon and logout timeouts.

`advance()` fires `on_timer` at each `next_deadline()` on the way, as the
live runtime does.
"""

from oms_fix.fix.session import Status
from tests.scenarios.transcript import ABSENT, Has, acceptor, initiator, logged_on, nos

HB = 10


def test_4a_heartbeat_after_heart_bt_int_of_silence(role):
    t = logged_on(role, heartbeat_s=HB)
    t.advance(HB - 0.001)
    t.expect_nothing()
    t.recv("0")  # inbound traffic does not delay our heartbeat
    t.advance(0.002)
    t.expect("0", {34: 2, 112: ABSENT})
    t.expect_nothing()


def test_4a_every_outbound_message_restarts_the_send_timer(role):
    t = logged_on(role, heartbeat_s=HB)
    kind, body = ("8", [(37, "O"), (17, "E"), (150, "0"), (39, "0"), (54, "1"), (151, 1), (14, 0), (6, 0)]) \
        if role == "acceptor" else ("D", nos("C1"))
    t.advance(6)
    t.send_app(kind, body)
    t.advance(6)
    t.recv("1", [(112, "x")])  # our Heartbeat reply is outbound traffic too
    t.unread.clear()
    t.advance(HB - 0.001)
    t.expect_nothing()
    t.advance(0.002)
    t.expect("0", {112: ABSENT})


def test_4a_6_no_heartbeats_or_test_requests_when_heart_bt_int_is_0():
    t = acceptor().connect()
    t.recv("A", [(98, 0), (108, 0)])
    t.expect("A", {108: 0})
    assert t.session.next_deadline() is None
    t.advance(3600)
    t.expect_nothing()
    t.expect_connected()


def test_6_silence_brings_a_test_request_then_a_disconnect(role):
    t = logged_on(role, heartbeat_s=HB)
    t.recv("0")
    t.advance(HB)      # our heartbeat, nothing heard for HB
    t.expect("0")
    t.advance(HB * 0.2 - 0.01)
    t.expect_nothing()  # HeartBtInt plus 20 % margin
    t.advance(0.02)
    tr = t.expect("1")
    assert tr.get(112)
    t.expect_nothing()
    t.advance(HB * 1.2 - 0.02)  # the TestRequest left 0.01 s ago
    t.expect_connected()
    t.advance(0.02)
    t.expect("0")  # our own heartbeat fell due meanwhile
    t.expect("5", {58: Has("TestRequest")})
    t.expect_disconnect()


def test_6_matching_heartbeat_clears_the_test_request(role):
    t = logged_on(role, heartbeat_s=HB)
    t.advance(HB * 1.2 + 0.001)
    t.unread.clear()
    tr = t.out.messages[-1]
    assert tr.msg_type == b"1"
    t.advance(5)
    t.recv("0", [(112, tr.get(112))])
    t.advance(HB * 1.2 - 0.01)
    t.expect_connected()
    t.unread.clear()
    t.advance(0.02)
    t.expect("1")  # another silent interval: another TestRequest, not a disconnect
    t.expect_connected()


def test_6_any_inbound_message_keeps_the_link_alive(role):
    t = logged_on(role, heartbeat_s=HB)
    t.advance(HB * 1.2 + 0.001)
    t.unread.clear()
    for _ in range(4):
        t.advance(HB)
        t.recv("1", [(112, "keepalive")])  # never the Heartbeat we asked for
    t.expect_connected()


def test_6_test_request_id_is_fresh_each_time(role):
    t = logged_on(role, heartbeat_s=HB)
    ids = []
    for _ in range(3):
        t.advance(HB * 1.2 + 0.001)
        ids.append([m for m in t.out.messages if m.msg_type == b"1"][-1].get(112))
        t.recv("0", [(112, ids[-1])])
    assert len(set(ids)) == 3


def test_logon_timeout_acceptor(feed):
    t = acceptor(feed, logon_timeout_s=5).connect()
    assert t.session.next_deadline() == t.now + 5 * 10**9
    t.advance(4.9)
    t.expect_connected()
    t.advance(0.2)
    t.expect_disconnect()
    t.expect_nothing()
    assert t.noted("no Logon")


def test_logon_timeout_initiator():
    t = initiator(logon_timeout_s=5).connect()
    t.expect("A")
    t.advance(5)
    t.expect_disconnect()
    assert t.session.status is Status.DISCONNECTED


def test_logon_timeout_does_not_fire_after_logon():
    t = acceptor(logon_timeout_s=5).connect()
    t.recv("A", [(98, 0), (108, 30)])
    t.advance(6)
    t.expect_connected()


def test_logout_timeout_is_configurable(role):
    t = logged_on(role, logout_timeout_s=2)
    t.logout()
    t.advance(1.9)
    t.expect_connected()
    t.advance(0.2)
    t.expect_disconnect()


def test_no_deadlines_while_disconnected(role):
    t = logged_on(role)
    t.reconnect()
    assert t.session.next_deadline() is None
    t.advance(100)
    t.expect_nothing()
