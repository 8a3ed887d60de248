"""Each order-handling fault of issue 7 on the wire: a QuickFIX initiator as the client of a real venue process.

One venue process (``python -m sim_venues.serve``, no background market) for
the module, its faults armed at start from ``faults:`` in its venues.yaml,
each scoped to a session of its own so that the tests do not disturb each
other; sessions with no fault (``MAKER*``) provide the other side. QuickFIX
validates every message the venue sends against the FIX 4.4 dictionary.
"""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from tests.integration.venue_proc import VenueProc, venue_config
from tests.interop.test_venues_quickfix import er, order, s
from tests.interop.venue_client import VenueClient

pytestmark = [pytest.mark.interop, pytest.mark.slow]

FAULTS = [
    {"kind": "reject", "params": {"reason": 3, "text": "limit exceeded (test)"}, "scope": {"session": "QREJ", "count": 1}},
    {"kind": "no_fill", "scope": {"session": "QNOF"}},
    {"kind": "partial_fill", "params": {"ratio": 0.3}, "scope": {"session": "QPAR"}},
    {"kind": "partial_fill", "params": {"slices": [10, 20]}, "scope": {"session": "QSLC"}},
    {"kind": "worse_price", "params": {"ticks": 2}, "scope": {"session": "QWP", "symbol": "MSFT"}},
    {"kind": "delay_ack", "params": {"ms": 400}, "scope": {"session": "QDA"}},
    {"kind": "delay_fills", "params": {"ms": 400}, "scope": {"session": "QDF"}},
    {"kind": "cancel_unsolicited", "params": {"after_ms": 200}, "scope": {"session": "QUC"}},
    {"kind": "reject_cancel", "scope": {"session": "QRC", "count": 1}},
    {"kind": "reject", "scope": {"session": "NOBODY"}},  # never fires: reported at the stop
    {"kind": "reject_cancel", "params": {"reason": 2, "text": "no changes now (test)"},
     "scope": {"session": "QRR", "count": 1}},
]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VenueProc]:
    v = VenueProc(venue_config(tmp_path_factory.mktemp("venue_faults"), faults=FAULTS))
    assert v.url, v.output
    yield v
    v.stop()


@pytest.fixture
def clients(venue: VenueProc) -> Iterator[dict[str, VenueClient]]:
    made: dict[str, VenueClient] = {}

    class Lazy(dict):
        def __missing__(self, sender: str) -> VenueClient:
            made[sender] = self[sender] = venue.client(sender)
            return made[sender]

    yield Lazy()
    for c in made.values():
        assert not c.app.rejects, f"QuickFIX rejected what the venue sent {c.sender}: {c.app.rejects}"
        c.stop()


def test_reject_with_the_chosen_reason_then_normal(clients):
    c = clients["QREJ"]
    c.send("D", order("R1", "1", 100, "180.00"))
    rej = c.wait_for(er("R1", "8"), what="the reject")
    assert (s(rej, 39), s(rej, 103), s(rej, 58)) == ("8", "3", "limit exceeded (test)")
    c.send("D", order("R2", "1", 100, "180.00"))  # count 1: the next order is taken
    c.wait_for(er("R2", "0"), what="New for R2")


def test_no_fill_acknowledges_never_fills_and_honours_the_cancel(clients):
    buyer, maker = clients["QNOF"], clients["MAKER1"]
    buyer.send("D", order("N1", "1", 100, "170.50", "GOOG"))
    new = buyer.wait_for(er("N1", "0"), what="New")
    assert (s(new, 39), s(new, 151)) == ("0", "100")
    maker.send("D", order("M1", "2", 100, "170.50", "GOOG"))
    maker.wait_for(er("M1", "0"), what="the maker's New")
    time.sleep(0.3)
    assert not [m for m in buyer.messages(b"8") if m.get(150) == b"F"]
    buyer.send("H", [(11, "N1"), (55, "GOOG"), (54, "1")])
    st = buyer.wait_for(er("N1", "I"), what="status")
    assert (s(st, 39), s(st, 151)) == ("0", "100")
    buyer.send("F", [(11, "N1c"), (41, "N1"), (55, "GOOG"), (54, "1"), (60, "20261125-10:00:01.000")])
    cx = buyer.wait_for(er("N1c", "4"), what="Canceled")
    assert (s(cx, 41), s(cx, 39), s(cx, 14)) == ("N1", "4", "0")
    maker.send("F", [(11, "M1c"), (41, "M1"), (55, "GOOG"), (54, "2"), (60, "20261125-10:00:01.000")])
    maker.wait_for(er("M1c", "4"), what="the maker's Canceled")


def test_partial_fill_ratio_fills_part_and_the_rest_never_fills(clients):
    c = clients["QPAR"]
    c.send("D", order("P1", "1", 100, "181.00"))
    c.wait_for(er("P1", "0"), what="New")
    fill = c.wait_for(er("P1", "F"), what="the partial fill")
    assert (s(fill, 32), s(fill, 31), s(fill, 39), s(fill, 14), s(fill, 151)) == ("30", "181.00", "1", "30", "70")
    time.sleep(0.2)
    assert len([m for m in c.messages(b"8") if m.get(150) == b"F"]) == 1
    c.send("F", [(11, "P1c"), (41, "P1"), (55, "AAPL"), (54, "1"), (60, "20261125-10:00:01.000")])
    cx = c.wait_for(er("P1c", "4"), what="Canceled")
    assert (s(cx, 39), s(cx, 14), s(cx, 151)) == ("4", "30", "0")


def test_partial_fill_slices_one_report_each(clients):
    c = clients["QSLC"]
    c.send("D", order("P2", "2", 50, "182.00"))
    c.wait_for(er("P2", "0"), what="New")
    c.wait_for(lambda m: m.get(11) == b"P2" and m.get(14) == b"30", what="the second slice")
    fills = [m for m in c.messages(b"8") if m.get(150) == b"F"]
    assert [(s(m, 32), s(m, 14), s(m, 151), s(m, 39)) for m in fills] == [("10", "10", "40", "1"), ("20", "30", "20", "1")]
    assert len({s(m, 17) for m in fills}) == 2


def test_worse_price_for_the_faulted_session_only(clients):
    taker, maker = clients["QWP"], clients["MAKER2"]
    maker.send("D", order("W0", "2", 50, "410.00", "MSFT"))
    maker.wait_for(er("W0", "0"), what="the maker's New")
    taker.send("D", order("W1", "1", 50, "410.10", "MSFT"))
    fill = taker.wait_for(er("W1", "F"), what="the taker's fill")
    assert (s(fill, 32), s(fill, 31), s(fill, 6), s(fill, 39)) == ("50", "410.02", "410.02", "2")
    mfill = maker.wait_for(er("W0", "F"), what="the maker's fill")
    assert s(mfill, 31) == "410.00"


def test_delay_ack_holds_the_new_and_keeps_order(clients):
    c = clients["QDA"]
    sent = time.monotonic()
    c.send("D", order("D1", "1", 100, "175.00"))
    c.send("F", [(11, "D1c"), (41, "D1"), (55, "AAPL"), (54, "1"), (60, "20261125-10:00:01.000")])
    c.wait_for(er("D1", "0"), what="the delayed New")
    assert time.monotonic() - sent >= 0.4
    c.wait_for(er("D1c", "4"), what="the Canceled")
    ers = [(s(m, 11), s(m, 150)) for m in c.messages(b"8")]
    assert ers == [("D1", "0"), ("D1c", "4")]  # the cancel's answer does not overtake the held New


def test_delay_fills_holds_the_fill(clients):
    taker, maker = clients["QDF"], clients["MAKER3"]
    maker.send("D", order("F0", "2", 40, "420.00", "MSFT"))
    maker.wait_for(er("F0", "0"), what="the maker's New")
    sent = time.monotonic()
    taker.send("D", order("F1", "1", 40, "420.00", "MSFT"))
    taker.wait_for(er("F1", "0"), what="New at once")
    assert time.monotonic() - sent < 0.4
    maker.wait_for(er("F0", "F"), what="the maker's fill, not delayed")
    taker.wait_for(er("F1", "F"), what="the delayed fill")
    assert time.monotonic() - sent >= 0.4


def test_cancel_unsolicited(clients):
    c = clients["QUC"]
    c.send("D", order("U1", "2", 100, "199.00"))
    c.wait_for(er("U1", "0"), what="New")
    cx = c.wait_for(er("U1", "4"), what="the venue's own cancel")
    assert (s(cx, 39), s(cx, 378), s(cx, 58), s(cx, 151)) == ("4", "8", "simulated fault: canceled by the venue", "0")
    assert cx.get(41) is None


def test_reject_cancel_then_the_next_cancel_works(clients):
    c = clients["QRC"]
    c.send("D", order("C1", "1", 100, "176.00"))
    c.wait_for(er("C1", "0"), what="New")
    c.send("F", [(11, "C1a"), (41, "C1"), (55, "AAPL"), (54, "1"), (60, "20261125-10:00:01.000")])
    rej = c.wait_for(lambda m: m.msg_type == b"9" and m.get(11) == b"C1a", what="OrderCancelReject")
    assert (s(rej, 41), s(rej, 39), s(rej, 434), s(rej, 102)) == ("C1", "0", "1", "0")
    c.send("F", [(11, "C1b"), (41, "C1"), (55, "AAPL"), (54, "1"), (60, "20261125-10:00:01.000")])
    c.wait_for(er("C1b", "4"), what="Canceled")


def test_reject_cancel_refuses_a_cancel_replace_too_then_the_next_one_works(clients):
    c = clients["QRR"]
    c.send("D", order("M1", "1", 100, "176.00"))
    c.wait_for(er("M1", "0"), what="New")
    c.send("G", [(11, "M1a"), (41, "M1")] + order("M1a", "1", 200, "176.00")[1:])
    rej = c.wait_for(lambda m: m.msg_type == b"9" and m.get(11) == b"M1a", what="OrderCancelReject")
    # CxlRejResponseTo (434) 2: the reject answers an OrderCancelReplaceRequest; the order works on, unchanged.
    assert (s(rej, 41), s(rej, 39), s(rej, 434), s(rej, 102), s(rej, 58)) == (
        "M1", "0", "2", "2", "no changes now (test)")
    c.send("G", [(11, "M1b"), (41, "M1")] + order("M1b", "1", 200, "176.00")[1:])
    replaced = c.wait_for(er("M1b", "5"), what="Replaced")
    assert (s(replaced, 41), s(replaced, 38), s(replaced, 151)) == ("M1", "200", "200")


def test_the_event_log_names_every_firing_and_what_never_fired(venue: VenueProc):
    # Last in the module: the firings are those of the tests above. No client is logged on here, so none is
    # left reconnecting to the stopped venue when it is stopped (QuickFIX has crashed stopping one such).
    out = venue.stop()
    log = venue.faults_log()
    for line in ("fault F1 reject fired on QREJ AAPL cl=R1", "fault F2 no_fill fired on QNOF GOOG cl=N1",
                 "fault F9 reject_cancel fired on QRC AAPL cl=C1a", "fault F10 reject never fired"):
        assert line in log, log
        assert f"EXCH: {line}" in out
