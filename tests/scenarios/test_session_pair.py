"""Our initiator and our acceptor joined in memory: end-to-end session flows."""

from dataclasses import replace

from oms_fix.fix.session import Status
from tests.scenarios.transcript import Pair, Side, nos


def er(order_id: str) -> list[tuple[int, object]]:
    return [(37, order_id), (17, "E" + order_id), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)]


def ids(side) -> list[str]:
    return [(m.get(11) or m.get(37)).decode() for m in side.delivered]


def test_pair_logon_and_application_traffic_both_ways():
    p = Pair().connect()
    assert p.logged_on and p.in_step()
    p.send(p.ini, "D", nos("C1"))
    p.send(p.acc, "8", er("O1"))
    p.pump()
    assert ids(p.acc) == ["C1"] and ids(p.ini) == ["O1"]
    assert p.in_step()


def test_pair_2b_lost_messages_are_healed_by_resend():
    p = Pair().connect()
    for i in range(1, 6):
        p.send(p.ini, "D", nos(f"C{i}"))
    del p.ini.wire[1:3]  # C2 and C3 never arrive
    p.pump()
    assert ids(p.acc) == ["C1", "C2", "C3", "C4", "C5"]
    assert p.in_step()
    resent = [m for m in p.ini.out.messages if m.get(43) == b"Y"]
    assert [m.get(11) for m in resent if m.msg_type == b"D"] == [b"C2", b"C3", b"C4", b"C5"]


def test_pair_20_both_sides_chase_gaps_at_once():
    p = Pair().connect()
    for i in range(1, 4):
        p.send(p.ini, "D", nos(f"C{i}"))
        p.send(p.acc, "8", er(f"O{i}"))
    del p.ini.wire[0]
    del p.acc.wire[0]
    p.pump()
    assert ids(p.acc) == ["C1", "C2", "C3"] and ids(p.ini) == ["O1", "O2", "O3"]
    assert p.in_step() and p.logged_on


def test_pair_12_13a_logout_handshake():
    p = Pair().connect()
    p.send(p.ini, "D", nos("C1"))
    p.logout(p.ini, "end of day")
    p.pump()
    assert p.ini.session.status is Status.DISCONNECTED and p.acc.session.status is Status.DISCONNECTED
    assert ids(p.acc) == ["C1"]
    assert p.ini.logged_out_count() == 1 and p.acc.logged_out_count() == 1
    assert p.in_step()


def test_pair_13b_acceptor_logs_out_and_the_initiator_closes():
    p = Pair().connect()
    p.logout(p.acc)
    p.pump()
    assert not p.connected
    assert p.in_step()


def test_pair_heartbeats_keep_an_idle_session_up_for_an_hour():
    p = Pair(heartbeat_s=30).connect()
    p.advance(3600)
    assert p.logged_on and p.in_step()
    sent = [m.msg_type for m in p.ini.out.messages + p.acc.out.messages]
    assert sent.count(b"0") >= 2 * 3600 // 30 - 2
    assert b"1" not in sent  # heartbeats alone keep both links alive


def test_pair_6_silent_peer_gets_a_test_request_then_a_disconnect():
    p = Pair(heartbeat_s=10).connect()
    # from now on the acceptor's writes are lost
    for _ in range(100):
        p.advance(1, pump=False)
        p.acc.wire.clear()
        while p.ini.wire:
            p.deliver_one(p.ini)
        if not p.connected:
            break
    assert not p.connected
    assert b"1" in [m.msg_type for m in p.ini.out.messages]
    assert any("TestRequest" in n.text for n in p.ini.notes)


def test_pair_reconnect_keeps_numbers_and_recovers_what_was_lost():
    p = Pair().connect()
    p.send(p.ini, "D", nos("C1"))
    p.pump()
    p.send(p.ini, "D", nos("C2"))
    p.send(p.acc, "8", er("O1"))
    p.disconnect()  # both messages were on the wire: lost
    p.now += 5 * 10**9
    p.connect()
    assert p.logged_on
    assert ids(p.acc) == ["C1", "C2"] and ids(p.ini) == ["O1"]
    assert p.in_step()
    assert p.acc.store.next_target > 3  # no reset


def test_pair_16_messages_created_while_disconnected_go_after_the_logon():
    p = Pair().connect()
    p.disconnect()
    p.now += 10**9
    p.send(p.ini, "D", nos("Q1"))
    p.send(p.ini, "D", nos("Q2"))
    assert p.ini.wire == []
    p.now += 10**9
    p.connect()
    assert ids(p.acc) == ["Q1", "Q2"]
    qs = [m for m in p.ini.out.messages if m.msg_type == b"D"]
    logon = [m for m in p.ini.out.messages if m.msg_type == b"A"][-1]
    assert all(int(m.get(34)) > int(logon.get(34)) for m in qs)


def test_pair_X2_reset_logon_on_reconnect_restarts_both_sides_at_1():
    p = Pair().connect()
    for i in range(3):
        p.send(p.ini, "D", nos(f"C{i}"))
    p.pump()
    p.logout(p.ini)
    p.pump()
    p.ini = Side("initiator", replace(p.ini.config, reset_on_logon=True))  # a fresh store, asking for a reset
    p.connect()
    assert p.logged_on
    assert p.ini.store.next_sender == 2 and p.acc.store.next_target == 2
    assert p.acc.store.next_sender == 2 and p.ini.store.next_target == 2


def test_pair_9_initiator_lost_its_state_and_resets():
    p = Pair(initiator={"reset_on_logon": True}).connect()
    p.send(p.ini, "D", nos("C1"))
    p.pump()
    p.disconnect()
    p.ini.store.reset(p.now)  # the state is gone: counters back to 1
    p.connect()
    assert p.logged_on and p.in_step()
    p.send(p.ini, "D", nos("C2"))
    p.pump()
    assert ids(p.acc) == ["C1", "C2"]


def test_pair_X9_789_recovers_both_ways_without_resend_requests():
    agreed = {"next_expected_msg_seq_num": True}
    p = Pair(initiator=agreed, acceptor=agreed).connect()
    p.send(p.ini, "D", nos("C1"))
    p.pump()
    p.send(p.ini, "D", nos("C2"))
    p.send(p.acc, "8", er("O1"))
    p.send(p.acc, "8", er("O2"))
    p.disconnect()
    mark = len(p.ini.out.messages), len(p.acc.out.messages)
    p.send(p.ini, "D", nos("C3"))  # created while disconnected
    p.connect()
    assert p.logged_on and p.in_step()
    assert ids(p.acc) == ["C1", "C2", "C3"] and ids(p.ini) == ["O1", "O2"]
    after = p.ini.out.messages[mark[0]:] + p.acc.out.messages[mark[1]:]
    assert b"2" not in [m.msg_type for m in after]


def test_pair_2b_lost_resend_is_asked_again_after_a_heartbeat_interval():
    p = Pair(heartbeat_s=10).connect()
    p.send(p.ini, "D", nos("C1"))
    p.send(p.ini, "D", nos("C2"))
    del p.ini.wire[0]
    p.deliver_one(p.ini)  # C2 arrives: the acceptor asks for C1
    p.acc.wire.clear()    # ... and that ResendRequest is lost
    p.advance(60)
    assert ids(p.acc) == ["C1", "C2"] and p.in_step() and p.logged_on
