"""Session schedules: logons outside the window, end-of-window Logout, a new window restarts at 1."""

from __future__ import annotations

from oms_fix.fix.schedule import Schedule
from tests.scenarios.transcript import acceptor, initiator

# T0 is 09:00 UTC; this window is 08:00 to 10:00 every day.
WINDOW = Schedule.parse("08:00", "10:00")


def test_logon_outside_the_window_is_refused_in_silence() -> None:
    t = acceptor(schedule=Schedule.parse("12:00", "13:00"))
    t.connect()
    t.recv("A", [(98, 0), (108, 30)])
    t.expect_nothing()
    t.expect_disconnect()
    assert t.noted("outside the session schedule")
    assert t.next_in == 1


def test_session_logs_out_at_the_end_of_its_window() -> None:
    t = acceptor(schedule=WINDOW, heartbeat_s=0)
    t.logon(heartbeat=0)
    t.advance(3600 - 1)
    t.expect_nothing()
    t.advance(1)
    t.expect("5", {58: "end of the session schedule"})
    t.recv("5")
    t.expect_disconnect()


def test_a_new_window_starts_the_sequence_again() -> None:
    t = acceptor(schedule=WINDOW, heartbeat_s=0)
    t.logon(heartbeat=0)
    t.recv("D", [(11, "X"), (55, "AAPL"), (54, "1"), (60, "20240301-09:00:00"), (38, "100"), (40, "1")])
    assert t.next_in == 3
    t.reconnect()
    t.advance(24 * 3600)  # the next day's window
    t.peer_seq = 1
    t.out.last_new_seq = 0  # our numbering restarts too
    t.logon(heartbeat=0)
    assert t.next_in == 2 and t.next_out == 2
    assert t.noted("new session window")


def test_reconnect_within_the_window_keeps_the_sequence() -> None:
    t = initiator(schedule=WINDOW, heartbeat_s=0)
    t.logon()
    t.reconnect()
    t.advance(60)
    t.connect()
    logon = t.expect("A")
    assert int(logon.get(34) or 0) == 2
