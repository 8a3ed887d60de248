"""The OMS when its venues halt a symbol (issue 7), over the wire: `oms-fix up`, its EXCH and ECN venue
processes, halts and resumes through each venue's control API, a QuickFIX client.

A venue announces a halt with SecurityStatus (35=f) 326=2 and its end with
326=17; halted, it takes orders and cancels but matches nothing, and its
reopening uncrosses what collected. The OMS (router.py):

* leaves a child working at the halted venue where it is, and tells the client
  nothing (FIX 4.4 Vol 4 K.1.a: "halt starts. Nothing is sent"); the order may
  be canceled meanwhile, and trades once the venue reopens;
* routes a new order's quantity only to venues that have not halted the
  symbol; ExDestination pins an order to its venue all the same (the venue
  queues it for the reopening);
* rejects a new order in a symbol every venue halted (OrdRejReason 2, Text
  naming the venues), and an algo order waits the halt out.

GOOG is halted at EXCH only, MSFT at both venues.
"""

from __future__ import annotations

import time

import pytest

from tests.interop.fault_system import FaultSystem, child_ids, shown
from tests.interop.oms_up import VENUES
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.interop, pytest.mark.slow]


def operate(fs: FaultSystem, venue: str, kind: str, symbol: str) -> int:
    """Halt or resume ``symbol`` at ``venue`` and wait for the venue's SecurityStatus saying so; the index
    in the OMS's log with the venue from which on everything came after the operation (the SecurityStatus
    and then what the halt or the reopening caused, such as the reopening's trades)."""
    start = len(fs.venue_lines(venue))
    done = fs.post(venue, f"/operations/{kind}", {"params": {"symbol": symbol}})
    assert done["kind"] == kind, done
    status = "2" if kind == "halt" else "17"
    fs.wait_venue(venue, lambda d, f: d == "IN" and f.get(35) == "f" and f.get(55) == symbol
                  and f.get(326) == status, f"SecurityStatus 326={status} for {symbol}", after=start)
    return start


def acked(fs: FaultSystem, venue: str, child: str) -> int:
    i, _ = fs.wait_venue(venue, lambda d, f: d == "IN" and f.get(11) == child and f.get(150) == "0",
                         f"{venue}'s ack of {child}")
    return i


def test_a_halt_at_one_venue_leaves_its_child_there_and_new_orders_go_where_trading_goes_on(
        fs: FaultSystem, c: OmsClient) -> None:
    c.new_order("HW1", "GOOG", "1", 100, "145.00", t100="EXCH")  # rests: the offers are near 150.00
    c.wait_report("HW1", "0")
    [working] = child_ids(fs, "EXCH", "GOOG")
    acked(fs, "EXCH", working)
    halted = operate(fs, "EXCH", "halt", "GOOG")

    # Unpinned and marketable: all of it goes to ECN, which trades, and fills there.
    c.new_order("HN1", "GOOG", "1", 100, "152.00")
    reports = c.wait_done("HN1")
    assert (s(reports[-1], 39), s(reports[-1], 14)) == ("2", "100"), shown(reports)
    assert len(child_ids(fs, "ECN", "GOOG")) == 1 and child_ids(fs, "EXCH", "GOOG") == [working]

    # Pinned to the halted venue: it goes there, is taken, and waits for the reopening.
    c.new_order("HP1", "GOOG", "1", 100, "152.00", t100="EXCH")
    c.wait_report("HP1", "0")
    pinned = child_ids(fs, "EXCH", "GOOG")[-1]
    acked(fs, "EXCH", pinned)
    time.sleep(0.5)  # long enough for a fill, were the venue trading
    assert [s(m, 150) for m in c.reports("HP1")] == ["0"], shown(c.reports("HP1"))
    # Nothing was said of the halt to the client, nor done with the child already there.
    assert [s(m, 150) for m in c.reports("HW1")] == ["0"], shown(c.reports("HW1"))
    assert not [f for d, _, f in fs.venue_lines("EXCH")[halted:] if d == "OUT" and f.get(35) == "F"]

    resumed = operate(fs, "EXCH", "resume", "GOOG")
    reports = c.wait_done("HP1")
    assert (s(reports[-1], 39), s(reports[-1], 14)) == ("2", "100"), shown(reports)
    fills = [i for i, (d, _, f) in enumerate(fs.venue_lines("EXCH"))
             if d == "IN" and f.get(11) == pinned and f.get(150) == "F"]
    assert fills and min(fills) >= resumed, "the pinned child traded only once EXCH reopened"
    # The child that rested through the halt still works there: the client's cancel goes through.
    c.cancel("HW2", "HW1", "GOOG", "1", 100)
    reports = c.wait_done("HW2")
    assert (s(reports[-1], 150), s(reports[-1], 39), s(reports[-1], 14)) == ("4", "4", "0"), shown(reports)


def test_a_symbol_every_venue_halted_rejects_new_orders_naming_the_halt_and_an_algo_waits_it_out(
        fs: FaultSystem, c: OmsClient) -> None:
    for v in VENUES:
        operate(fs, v, "halt", "MSFT")
    c.new_order("HX1", "MSFT", "1", 100, "415.00")
    reports = c.wait_done("HX1")
    rej = reports[-1]
    assert [s(m, 150) for m in reports] == ["8"], shown(reports)
    assert (s(rej, 39), s(rej, 103), s(rej, 58)) == ("8", "2", "MSFT is halted at EXCH, ECN"), shown(reports)

    # A TWAP over 12 s in two slices: accepted; its first slice finds no venue trading, so nothing goes out.
    c.new_order("HA1", "MSFT", "1", 200, t847="1000", t848="duration_minutes=0.2;num_slices=2")
    c.wait_report("HA1", "0")
    time.sleep(1.0)
    assert not any(child_ids(fs, v, "MSFT") for v in VENUES), {v: child_ids(fs, v, "MSFT") for v in VENUES}
    resumed = {v: operate(fs, v, "resume", "MSFT") for v in VENUES}
    reports = c.wait_done("HA1", timeout_s=25)
    text = shown(reports)
    assert (s(reports[-1], 39), s(reports[-1], 14)) == ("2", "200"), text
    sent = {v: [i for i, (d, _, f) in enumerate(fs.venue_lines(v))
                if d == "OUT" and f.get(35) == "D" and f.get(55) == "MSFT"] for v in VENUES}
    assert any(sent.values()) and all(i >= resumed[v] for v in VENUES for i in sent[v]), (sent, resumed)
