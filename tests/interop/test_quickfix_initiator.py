"""A QuickFIX initiator against our acceptor process, through a proxy that loses frames.

QuickFIX (SocketInitiator, FileStore, in this process) logs on to our echo
acceptor (`oms_fix.bench.echo_server`, a separate process with a FileStore),
sends 1,000 NewOrderSingle and must get 1,000 ExecutionReports. The proxy loses
one ER on its way to QuickFIX and one NOS on its way to us, so each engine has
to notice a gap, ask with ResendRequest, and be served by the other. Then both
sides restart on their stores and carry on from the sequence numbers they had.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.interop.fixproxy import FrameProxy
from tests.interop.gaps import (check_continued, check_no_recovery, check_resent_both_ways, last_seqs,
                                lose_one_each_way, order_ids, settle)
from tests.interop.peers import Peers, event_lines, log_tail
from tests.interop.qfpeer import QfInitiator

pytestmark = pytest.mark.interop

N = 1000
LOST_ER = "ORD-000500"   # QuickFIX must notice this gap
LOST_NOS = "ORD-000250"  # we must notice this one


def diagnose(proxy: FrameProxy, qf: QfInitiator, our_logs: Path) -> str:
    return (f"\n=== proxy: {proxy.story()}\n=== {qf.event_log()}"
            f"\n=== our acceptor\n{log_tail(our_logs, '*.events.log')}")


@pytest.mark.parametrize("stop_ours", ["SIGTERM", "SIGKILL"])
def test_quickfix_initiator_orders_gaps_and_restart(tmp_path: Path, peers: Peers, make_proxy, stop_ours: str):
    state, our_logs = tmp_path / "ours" / "state", tmp_path / "ours" / "log"
    ours = peers.ours(state, our_logs)
    proxy = make_proxy(ours.port)
    lost_er, lost_nos = lose_one_each_way(proxy, LOST_ER, LOST_NOS)
    qf = QfInitiator(tmp_path / "qf", proxy.port)
    try:
        qf.start().wait_logged_on()
        ids = order_ids("ORD", N)
        qf.send_orders(ids)
        qf.wait_exec_reports(set(ids), timeout_s=30)
        settle(proxy)
        why = diagnose(proxy, qf, our_logs)
        check_resent_both_ways(proxy, lost_er, lost_nos, N, why)
        # QuickFIX's fromApp saw each ClOrdID once, the healed one marked PossDup.
        got = Counter(s.cl_ord_id for s in qf.exec_reports())
        assert len(got) == N and set(got.values()) == {1}, f"{len(got)} ids, {got.most_common(3)}" + why
        assert [s.poss_dup for s in qf.exec_reports() if s.cl_ord_id == LOST_ER] == [True], why

        # Restart both. SIGTERM: QuickFIX logs out first, then we exit cleanly.
        # SIGKILL: we vanish mid-session, then QuickFIX is stopped while disconnected.
        if stop_ours == "SIGTERM":
            qf.stop()
            assert ours.terminate() == 0, ours.stderr()
        else:
            ours.kill()
            assert qf.app.logged_out.wait(5), "QuickFIX did not notice our acceptor dying" + why
            qf.stop()
        last = last_seqs(proxy, conn=0)
        # What QuickFIX's own store says it sends next. After SIGKILL this can be
        # above last[0] + 1: QuickFIX reconnected at once and spent a number on a
        # Logon that died with the connection, never read by our dying acceptor.
        qf_next = qf.stored_next_numbers()[0]
        spent = qf_next - 1 - last[0]
        assert spent >= 0 and (spent == 0 or stop_ours == "SIGKILL"), f"QuickFIX store: {qf_next}, wire: {last}"

        ours = peers.ours(state, our_logs)
        proxy.target_port = ours.port
        qf.start().wait_logged_on()
        new_conn = proxy.connections - 1
        why = diagnose(proxy, qf, our_logs)
        check_continued(proxy.seen(conn=new_conn), (last[0] + spent, last[1]), why)
        allow: frozenset[bytes] = frozenset()
        if spent:
            # 1S.a: we answer the too-high Logon first, then ask for the numbers
            # we never saw; QuickFIX fills them (they were Logons, never resent).
            proxy.wait_for(lambda: proxy.seen("c2s", b"4", new_conn), 5, "QuickFIX's GapFill")
            asks = [int(fr.f[7]) for fr in proxy.seen("s2c", b"2", new_conn)]
            fills = [fr.f for fr in proxy.seen("c2s", b"4", new_conn)]
            assert asks == [last[0] + 1], f"we asked for {asks}, not for {last[0] + 1}" + why
            assert fills[0].get(123) == b"Y" and int(fills[0][34]) == last[0] + 1, why
            allow = frozenset({b"2", b"4"})

        more = order_ids("AFTER", 100)
        qf.send_orders(more)
        qf.wait_exec_reports(set(more), timeout_s=15)
        settle(proxy)
        why = diagnose(proxy, qf, our_logs)
        check_no_recovery(proxy, new_conn, why, allow)
        # QuickFIX's session agrees with what crossed the wire.
        wire = last_seqs(proxy, conn=new_conn)
        assert (qf.session.getExpectedSenderNum(), qf.session.getExpectedTargetNum()) == (wire[0] + 1, wire[1] + 1), why
        got = Counter(s.cl_ord_id for s in qf.exec_reports())
        assert sorted(got) == more and set(got.values()) == {1}, why
        errors = event_lines(our_logs, "error")
        assert not errors, "our acceptor logged errors:\n" + "\n".join(errors) + why
    finally:
        qf.stop()

