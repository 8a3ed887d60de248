"""Session-level conversation with QuickFIX as the peer: heartbeats, TestRequest, Logout.

Each test runs one real pair over loopback with the frame proxy between them,
so the transcript can be checked and, for TestRequest, a peer's silence can be
staged by holding one direction back (nothing is lost, only delayed).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import quickfix as fix

from oms_fix.live.loop import run
from tests.interop.fixproxy import FrameProxy
from tests.interop.ourpeer import OurInitiator, poll
from tests.interop.peers import Peers, event_lines, log_tail
from tests.interop.qfpeer import QfInitiator

pytestmark = pytest.mark.interop

HB_RUN_S = 3.0


def _why(proxy: FrameProxy, our_logs: Path, qf_text: str) -> str:
    return (f"\n=== proxy: {proxy.story()}\n=== our engine\n{log_tail(our_logs, '*.events.log')}"
            f"\n=== QuickFIX\n{qf_text}")


def _qf_acceptor_log(qf_logs: Path) -> str:
    return log_tail(qf_logs, "*CLIENT1.event.current.log", 20)


def _check_quiet_heartbeats(proxy: FrameProxy, our_logs: Path, why: str) -> None:
    """Heartbeats both ways, every TestRequest answered, nothing else at session level."""
    for direction in ("c2s", "s2c"):
        beats = proxy.seen(direction, b"0")
        assert len(beats) >= 2, f"{len(beats)} heartbeats {direction} in {HB_RUN_S:g}s at HeartBtInt=1" + why
    for direction, back in (("c2s", "s2c"), ("s2c", "c2s")):
        answered = {fr.f.get(112) for fr in proxy.seen(back, b"0")}
        for tr in proxy.seen(direction, b"1"):
            assert tr.f.get(112) in answered, f"TestRequest {tr} was not answered" + why
    for mt in (b"2", b"3", b"4", b"5"):
        assert not proxy.seen(msg_type=mt), f"unexpected 35={mt.decode()}" + why
    assert proxy.seen("s2c", b"A")[0].f[108] == b"1", "the Logon reply must carry HeartBtInt=1" + why
    bad = event_lines(our_logs, "error") + event_lines(our_logs, "warning")
    assert not bad, "our engine complained:\n" + "\n".join(bad) + why


def _check_logout(proxy: FrameProxy, our_logs: Path, first: str, why: str) -> None:
    """Logout from `first`, the reply the other way, then the connection gone; no complaints."""
    proxy.wait_for(lambda: len(proxy.seen(msg_type=b"5")) == 2 and proxy.first_to_close(0) is not None,
                   5, "both Logouts and the close")
    assert [fr.direction for fr in proxy.seen(msg_type=b"5")] == [first, "s2c" if first == "c2s" else "c2s"], why
    assert not proxy.seen(msg_type=b"3"), why
    errors = event_lines(our_logs, "error")
    assert not errors, "our engine logged errors:\n" + "\n".join(errors) + why
    # The peer's close reaches the proxy first; our engine notes it a moment later, when its read ends.
    deadline = time.monotonic() + 5
    while not any("disconnect" in line for line in event_lines(our_logs)):
        assert time.monotonic() < deadline, "our engine never logged the disconnect" + why
        time.sleep(0.02)


# --------------------------------------------- QuickFIX initiator, our acceptor
def test_heartbeats_quickfix_initiator_to_our_acceptor(tmp_path: Path, peers: Peers, make_proxy):
    our_logs = tmp_path / "ours" / "log"
    proxy = make_proxy(peers.ours(tmp_path / "ours" / "state", our_logs).port)
    qf = QfInitiator(tmp_path / "qf", proxy.port, heartbeat_s=1)
    try:
        qf.start().wait_logged_on()
        time.sleep(HB_RUN_S)
        why = _why(proxy, our_logs, qf.event_log())
        assert qf.session.isLoggedOn(), why
        _check_quiet_heartbeats(proxy, our_logs, why)
    finally:
        qf.stop()


def _qf_test_request(test_req_id: str) -> fix.Message:
    m = fix.Message()
    m.getHeader().setField(fix.MsgType("1"))
    m.setField(112, test_req_id)
    return m


def test_test_request_from_quickfix_is_answered(tmp_path: Path, peers: Peers, make_proxy):
    our_logs = tmp_path / "ours" / "log"
    proxy = make_proxy(peers.ours(tmp_path / "ours" / "state", our_logs).port)
    qf = QfInitiator(tmp_path / "qf", proxy.port, heartbeat_s=1)
    try:
        qf.start().wait_logged_on()
        # Sent by the application: 4b, the Heartbeat echoes TestReqID exactly.
        qf.send(_qf_test_request("PING-1"))
        proxy.wait_for(lambda: any(s.test_req_id == "PING-1" for s in qf.admin_in("0")), 3, "Heartbeat(112=PING-1)")

        # Sent by QuickFIX's own timer: hold our side back until QuickFIX finds
        # us silent and asks, and our answer is waiting in the proxy.
        asked = len(proxy.seen("c2s", b"1"))
        proxy.hold("s2c")
        proxy.wait_for(lambda: len(proxy.seen("c2s", b"1")) > asked, 5, "QuickFIX's TestRequest after our silence")
        tr_id = proxy.seen("c2s", b"1")[-1].f[112]
        proxy.wait_for(lambda: any(fr.msg_type == b"0" and fr.f.get(112) == tr_id for fr in proxy.held("s2c")),
                       3, f"our Heartbeat(112={tr_id.decode()})")
        proxy.release("s2c")
        proxy.wait_for(lambda: any(s.test_req_id == tr_id.decode() for s in qf.admin_in("0")), 3,
                       "QuickFIX to receive our answer")
        time.sleep(1.0)  # QuickFIX would give up at 2.4 x HeartBtInt had the answer not counted
        why = _why(proxy, our_logs, qf.event_log())
        assert qf.session.isLoggedOn(), "QuickFIX dropped the session despite the answer" + why
        assert not proxy.seen(msg_type=b"5") and not proxy.seen(msg_type=b"3"), why
        assert not event_lines(our_logs, "error"), why
    finally:
        qf.stop()


@pytest.mark.parametrize("who", ["quickfix", "ours"])
def test_logout_with_quickfix_initiator(tmp_path: Path, peers: Peers, make_proxy, who: str):
    our_logs = tmp_path / "ours" / "log"
    ours = peers.ours(tmp_path / "ours" / "state", our_logs)
    proxy = make_proxy(ours.port)
    qf = QfInitiator(tmp_path / "qf", proxy.port)
    try:
        qf.start().wait_logged_on()
        if who == "quickfix":
            qf.session.logout("done for the day")
        else:
            # SIGTERM: echo_server logs its sessions out, waits for the replies, exits.
            assert ours.terminate() == 0, ours.stderr()
        assert qf.app.logged_out.wait(5), "QuickFIX saw no logout" + _why(proxy, our_logs, qf.event_log())
        why = _why(proxy, our_logs, qf.event_log())
        _check_logout(proxy, our_logs, "c2s" if who == "quickfix" else "s2c", why)
        if who == "quickfix":
            # 13b: the side that sent the first Logout closes; we only reply and wait.
            assert proxy.first_to_close(0) == "c2s", "our acceptor closed before QuickFIX did" + why
        # When we start it, either side may close first: we close on the reply,
        # and QuickFIX closes right after sending it (D5), so no order is asserted.
    finally:
        qf.stop()


# ----------------------------------------- our initiator, QuickFIX acceptor
def test_heartbeats_our_initiator_to_quickfix_acceptor(tmp_path: Path, peers: Peers, make_proxy):
    qf_logs = tmp_path / "qf" / "log"
    proxy = make_proxy(peers.quickfix(tmp_path / "qf" / "store", qf_logs).port)
    ours = OurInitiator(tmp_path / "ours", proxy.port, heartbeat_s=1)

    async def main() -> None:
        try:
            ours.start()
            await ours.wait_logged_on()
            await asyncio.sleep(HB_RUN_S)
            why = _why(proxy, ours.log_dir, _qf_acceptor_log(qf_logs))
            assert ours.session is not None and ours.session.logged_on, why
            _check_quiet_heartbeats(proxy, ours.log_dir, why)
        finally:
            await ours.stop()

    run(main())


def test_our_test_request_is_answered_by_quickfix(tmp_path: Path, peers: Peers, make_proxy):
    qf_logs = tmp_path / "qf" / "log"
    proxy = make_proxy(peers.quickfix(tmp_path / "qf" / "store", qf_logs).port)
    ours = OurInitiator(tmp_path / "ours", proxy.port, heartbeat_s=1)

    async def main() -> None:
        try:
            ours.start()
            await ours.wait_logged_on()
            why = lambda: _why(proxy, ours.log_dir, _qf_acceptor_log(qf_logs))  # noqa: E731
            # Hold QuickFIX's side back until our session finds it silent (case 6)
            # and asks, and QuickFIX's answer is waiting in the proxy.
            proxy.hold("s2c")
            await poll(lambda: proxy.seen("c2s", b"1"), 5, lambda: "our TestRequest" + why())
            tr_id = proxy.seen("c2s", b"1")[-1].f[112]
            await poll(lambda: any(fr.msg_type == b"0" and fr.f.get(112) == tr_id for fr in proxy.held("s2c")),
                       3, lambda: f"QuickFIX's Heartbeat(112={tr_id.decode()})" + why())
            proxy.release("s2c")
            await asyncio.sleep(1.5)  # past the point where an unanswered TestRequest ends the session
            assert ours.session is not None and ours.session.logged_on, "we dropped the session" + why()
            assert not proxy.seen(msg_type=b"5") and not proxy.seen(msg_type=b"3"), why()
            assert not event_lines(ours.log_dir, "error"), why()
        finally:
            await ours.stop()

    run(main())


@pytest.mark.parametrize("who", ["ours", "quickfix"])
def test_logout_with_quickfix_acceptor(tmp_path: Path, peers: Peers, make_proxy, who: str):
    qf_logs = tmp_path / "qf" / "log"
    qf = peers.quickfix(tmp_path / "qf" / "store", qf_logs)
    proxy = make_proxy(qf.port)
    ours = OurInitiator(tmp_path / "ours", proxy.port)

    async def main() -> None:
        try:
            ours.start()
            await ours.wait_logged_on()
            if who == "ours":
                await ours.stop()  # Logout, wait for the reply, close
            else:
                # SIGTERM: qf_echo logs its sessions out and waits for the replies.
                assert await asyncio.to_thread(qf.terminate) == 0, qf.stderr()
            await poll(lambda: bool(ours.app.logouts), 5, lambda: "our application to see the logout")
        finally:
            await ours.stop()

    run(main())
    why = _why(proxy, ours.log_dir, _qf_acceptor_log(qf_logs))
    _check_logout(proxy, ours.log_dir, "c2s" if who == "ours" else "s2c", why)
    if who == "quickfix":
        assert proxy.first_to_close(0) == "s2c", "our initiator closed before QuickFIX did (13b)" + why
