"""oms_fix/live/latency.py: fixed-bucket histograms and the runtime's hop marks, without a runtime."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from oms_fix.domain import ExecType, OrdStatus, Report
from oms_fix.engine.oms_types import ToClient, ToVenueNew
from oms_fix.live import latency
from oms_fix.live.latency import BUCKETS_NS, Histogram, Latency


def test_a_value_on_a_bound_falls_in_that_bucket_and_beyond_the_last_in_inf() -> None:
    h = Histogram()
    for ns in (1, BUCKETS_NS[0], BUCKETS_NS[0] + 1, BUCKETS_NS[-1], BUCKETS_NS[-1] + 1):
        h.observe(ns)
    assert h.counts[0] == 2 and h.counts[1] == 1 and h.counts[-2] == 1 and h.counts[-1] == 1
    assert h.cumulative()[-1] == h.count == 5
    assert h.sum_ns == 1 + 2 * BUCKETS_NS[0] + 1 + 2 * BUCKETS_NS[-1] + 1
    assert list(BUCKETS_NS) == sorted(set(BUCKETS_NS)), "bounds strictly increase"


REPORT = ToClient(session="CLIENT1", msg=Report(order_id="O1", exec_id="E1", exec_type=ExecType.TRADE,
                                                  ord_status=OrdStatus.FILLED, cl_ord_id="A1"))
CHILD = ToVenueNew(venue="ECN", child_id="C1", symbol="AAPL", side="1", qty=100, ord_type="2", price=None, tif="0")


def test_each_hop_is_observed_once_per_message_command_and_batch() -> None:
    lat = Latency()
    lat.arrived = 1
    lat.handled([CHILD])  # a client's order: in -> core
    lat.handled([])  # a second command in the same read (no message of its own)
    assert lat.in_to_core.count == 1 and lat.arrived == 0
    lat.committed()
    assert lat.core_to_journal.count == 2
    lat.sent([CHILD])
    lat.sent([])  # nothing sent: not a batch
    assert lat.journal_to_sent.count == 1


def test_venue_to_client_counts_only_venue_reports_that_reached_a_client() -> None:
    lat = Latency()
    lat.venue_arrived = 1
    lat.handled([CHILD])  # a venue ack: nothing for the client
    lat.venue_arrived = 2
    lat.handled([REPORT])
    lat.committed()
    lat.sent([REPORT])
    assert lat.venue_to_client.count == 1


class _Rt:
    def __init__(self) -> None:
        self.latency = Latency()
        self.seen: list[int] = []

    @latency.client_message
    def on_message(self, conn: object, msg: object) -> None:
        self.seen.append(self.latency.arrived)
        if getattr(msg, "boom", False):
            raise RuntimeError("boom")

    @latency.venue_message
    def on_venue_message(self, venue: str, msg: object) -> None:
        self.seen.append(self.latency.venue_arrived)


def test_the_wrappers_count_messages_and_clear_the_mark_even_when_the_handler_fails() -> None:
    rt = _Rt()
    conn = SimpleNamespace(session=SimpleNamespace(config=SimpleNamespace(target_comp_id="CLIENT1")))
    rt.on_message(conn, SimpleNamespace(msg_type=b"D"))
    rt.on_message(conn, SimpleNamespace(msg_type=b"D"))
    with pytest.raises(RuntimeError):
        rt.on_message(conn, SimpleNamespace(msg_type=b"F", boom=True))
    rt.on_venue_message("ECN", SimpleNamespace(msg_type=b"8"))
    assert all(rt.seen) and rt.latency.arrived == 0 and rt.latency.venue_arrived == 0
    assert rt.latency.messages_in == {("CLIENT1", "D"): 2, ("CLIENT1", "F"): 1, ("ECN", "8"): 1}
    assert rt.on_message.__name__ == "on_message"
