"""Our initiator against a QuickFIX acceptor process, through a proxy that loses frames.

Our FixInitiator (FileStore, asyncio in this process) logs on to QuickFIX's
echo acceptor (`oms_fix.bench.qf_echo` with QuickFIX's FileStore), sends 1,000
NewOrderSingle and must get 1,000 ExecutionReports. One NOS is lost on its way
to QuickFIX and one ER on its way to us; both gaps must heal by resend. Then
both sides restart on their stores and continue their sequence numbers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from oms_fix.live.loop import run
from tests.interop.fixproxy import FrameProxy
from tests.interop.gaps import (check_continued, check_no_recovery, check_resent_both_ways, last_seqs,
                                lose_one_each_way, order_ids, settle)
from tests.interop.ourpeer import OurInitiator, poll
from tests.interop.peers import Peers, event_lines, log_tail

pytestmark = pytest.mark.interop

N = 1000
LOST_NOS = "ORD-000500"  # QuickFIX must notice this gap
LOST_ER = "ORD-000250"   # we must notice this one


def diagnose(proxy: FrameProxy, ours: OurInitiator, qf_logs: Path) -> str:
    return (f"\n=== proxy: {proxy.story()}\n=== {ours.event_log()}"
            f"\n=== QuickFIX acceptor\n{log_tail(qf_logs, '*CLIENT1.event.current.log', 25)}")


@pytest.mark.parametrize("stop_quickfix", ["SIGTERM", "SIGKILL"])
def test_our_initiator_orders_gaps_and_restart(tmp_path: Path, peers: Peers, make_proxy, stop_quickfix: str):
    qf_store, qf_logs = tmp_path / "qf" / "store", tmp_path / "qf" / "log"
    qf = peers.quickfix(qf_store, qf_logs)
    proxy = make_proxy(qf.port)
    lost_er, lost_nos = lose_one_each_way(proxy, LOST_ER, LOST_NOS)
    ours = OurInitiator(tmp_path / "ours", proxy.port)

    async def before_restart() -> tuple[int, int]:
        try:
            ours.start()
            await ours.wait_logged_on()
            ids = order_ids("ORD", N)
            ours.send_orders(ids)
            await ours.wait_exec_reports(set(ids), timeout_s=30)
            await asyncio.to_thread(settle, proxy)
            why = diagnose(proxy, ours, qf_logs)
            check_resent_both_ways(proxy, lost_er, lost_nos, N, why)
            got = ours.cl_ord_ids()
            assert len(got) == N and set(got.values()) == {1}, f"{len(got)} ids, {got.most_common(3)}" + why
            healed = [m.get(43) for m in ours.exec_reports() if m.get_str(11) == LOST_ER]
            assert healed == [b"Y"], why
            # SIGTERM: we log out first, then QuickFIX exits cleanly.
            # SIGKILL: QuickFIX vanishes mid-session, then we stop while disconnected.
            if stop_quickfix == "SIGTERM":
                await ours.stop()
                assert ours.app.logouts, "our application saw no logout" + why
                assert await asyncio.to_thread(qf.terminate) == 0, qf.stderr()
            else:
                await asyncio.to_thread(qf.kill)
                await poll(lambda: bool(ours.app.logouts), 5, lambda: "our initiator to notice QuickFIX dying" + why)
            return last_seqs(proxy, conn=0)
        finally:
            await ours.stop()

    last = run(before_restart())
    qf = peers.quickfix(qf_store, qf_logs)
    proxy.target_port = qf.port

    async def after_restart() -> None:
        try:
            ours.start()
            await ours.wait_logged_on()
            why = diagnose(proxy, ours, qf_logs)
            new_conn = proxy.connections - 1
            check_continued(proxy.seen(conn=new_conn), last, why)
            store = ours.session.store
            assert (store.next_sender, store.next_target) == (last[0] + 2, last[1] + 2), why
            more = order_ids("AFTER", 100)
            ours.send_orders(more)
            await ours.wait_exec_reports(set(more), timeout_s=15)
            await asyncio.to_thread(settle, proxy)
            why = diagnose(proxy, ours, qf_logs)
            check_no_recovery(proxy, new_conn, why)
            got = ours.cl_ord_ids()
            assert sorted(got) == more and set(got.values()) == {1}, why
        finally:
            await ours.stop()

    run(after_restart())
    errors = event_lines(ours.log_dir, "error")
    assert not errors, "our initiator logged errors:\n" + "\n".join(errors) + diagnose(proxy, ours, qf_logs)

