"""Sequence resets: cases 9, 10a-10e, 11a-11c, D6, D7 (our engine's column)."""

import pytest

from oms_fix.fix.store import MemoryStore
from tests.scenarios.transcript import ABSENT, Has, Transcript, initiator, logged_on, nos

GAP_FILL = [(123, "Y")]


def fill(t: Transcript, seq: int, new_seq: int, **kw):
    return t.recv("4", GAP_FILL + [(36, new_seq)], seq=seq, poss_dup=True, orig_sending_time=t.now, **kw)


def test_9_initiator_that_lost_its_state_logs_on_with_a_reset():
    # The third route of case 9: a Logon with 141=Y from an empty store.
    t = Transcript(initiator(reset_on_logon=True).config, store=MemoryStore())
    t.connect()
    t.expect("A", {34: 1, 141: "Y"})
    t.recv("A", [(98, 0), (108, 30), (141, "Y")], seq=1)
    t.expect_nothing()
    assert t.session.logged_on and t.next_in == 2 and t.next_out == 2


def test_9_peer_recovers_with_sequence_reset_reset(role):
    # The first route, seen from our side: the peer jumps its numbers.
    t = logged_on(role)
    t.recv("4", [(36, 1000)], seq=1)
    t.expect_nothing()
    assert t.next_in == 1000


def test_10a_gap_fill_above_expected_asks_for_resend_and_waits(role, feed):
    t = logged_on(role, feed)
    fill(t, 5, 9)
    t.expect("2", {7: 2, 16: 0})
    t.expect_nothing()
    assert t.next_in == 2  # 36 is not applied yet
    fill(t, 2, 5)
    assert t.next_in == 9  # the held fill counts when its turn comes


def test_10b_gap_fill_at_expected_moves_the_counter_without_reply(role, feed):
    t = logged_on(role, feed)
    fill(t, 2, 10)
    t.expect_nothing()
    assert t.next_in == 10
    t.recv("0", seq=10)
    assert t.next_in == 11


def test_10b_gap_fill_discards_held_messages_it_covers(role):
    t = logged_on(role)
    kind, body = ("D", nos("HELD")) if role == "acceptor" else ("0", [])
    t.recv(kind, body, seq=4)
    t.expect("2", {7: 2, 16: 0})
    fill(t, 2, 6)  # covers the held 4: it is discarded, not processed
    t.expect_nothing()
    assert t.delivered() == [] and t.next_in == 6


def test_10b_gap_fill_without_poss_dup_at_expected_is_applied(role):
    t = logged_on(role)
    t.recv("4", GAP_FILL + [(36, 7)])
    assert t.next_in == 7


def test_10c_gap_fill_below_expected_with_poss_dup_is_dropped(role, feed):
    t = logged_on(role, feed)
    fill(t, 2, 6)
    fill(t, 3, 5)
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 6  # never lowered


def test_10d_gap_fill_below_expected_without_poss_dup_logs_out(role, feed):
    t = logged_on(role, feed)
    fill(t, 2, 6)
    t.recv("4", GAP_FILL + [(36, 8)], seq=3)
    t.expect("5", {58: "MsgSeqNum too low, expecting 6 but received 3"})
    t.expect_disconnect()
    assert t.next_in == 6


@pytest.mark.parametrize("new_seq", [1, 2])  # 2 == 34: D7
def test_10e_D7_gap_fill_that_would_lower_the_counter_is_rejected(role, feed, new_seq):
    t = logged_on(role, feed)
    fill(t, 2, new_seq)
    t.expect("3", {45: 2, 372: "4", 373: 5, 371: 36, 58: Has(f"lower the sequence number: NewSeqNo {new_seq}")})
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 2
    assert t.noted("lower", "warning") or t.noted("lower", "error")


@pytest.mark.parametrize("seq", [1, 2, 50])
@pytest.mark.parametrize("flag", [None, "N"])
def test_11a_reset_above_expected_is_applied_whatever_its_seq(role, feed, seq, flag):
    t = logged_on(role, feed)
    body = ([(123, flag)] if flag else []) + [(36, 20)]
    t.recv("4", body, seq=seq)
    t.expect_nothing()  # no ResendRequest, no Logout because of its 34
    t.expect_connected()
    assert t.next_in == 20
    t.recv("0", seq=20)
    assert t.next_in == 21


def test_11a_reset_discards_held_messages_below_it(role):
    t = logged_on(role)
    t.recv("0", seq=5)
    t.expect("2", {7: 2})
    t.recv("0", seq=12)
    t.recv("4", [(36, 10)], seq=99)
    assert t.next_in == 10
    t.recv("0", seq=10)
    t.recv("0", seq=11)
    assert t.next_in == 13  # the held 12 drained after 11


def test_11b_reset_to_expected_changes_nothing(role):
    t = logged_on(role)
    t.recv("4", [(36, 2)], seq=7)
    t.expect_nothing()
    assert t.next_in == 2
    assert t.noted("changes nothing", "warning")


@pytest.mark.parametrize("seq", [2, 1, 40])
def test_11c_D6_reset_below_expected_is_rejected(role, feed, seq):
    t = logged_on(role, feed)
    fill(t, 2, 10)
    t.recv("4", [(123, "N"), (36, 5)], seq=seq)
    t.expect("3", {45: seq, 372: "4", 373: 5, 371: 36})
    t.expect_nothing()
    t.expect_connected()
    assert t.next_in == 10


@pytest.mark.parametrize("gap_fill", [True, False])
def test_sequence_reset_without_new_seq_no_is_rejected(role, gap_fill):
    t = logged_on(role)
    t.recv("4", GAP_FILL if gap_fill else [], poss_dup=gap_fill, orig_sending_time=t.now if gap_fill else None)
    t.expect("3", {45: 2, 373: 1, 371: 36})
    t.expect_connected()
    assert t.next_in == 2  # a rejected SequenceReset is not counted (§1.5)


def test_sequence_reset_new_seq_no_not_a_number_is_rejected(role):
    t = logged_on(role)
    t.recv("4", GAP_FILL + [(36, "ten")])
    t.expect("3", {45: 2, 373: 6, 371: 36, 36: ABSENT})
    assert t.next_in == 2
