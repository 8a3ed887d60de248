"""The OMS when its venues are slow to answer (issue 7), over the wire: `oms-fix up`, its EXCH and ECN venue
processes, delays armed through each venue's control API, a QuickFIX client.

``delay_ack`` holds every report of an order from its arrival, ``delay_fills``
from a fill: the order trades at the venue at once, the OMS hears of it late.
A venue sends nothing about an order out of turn while it holds it.

* AAPL  delay_ack at both venues against a TWAP: each child stays pending new
        until its ack, the TWAP never has more at the venues than the order
        lacks, and the order completes
* MSFT  delay_fills at EXCH: a client cancel that races a held fill is too
        late (B.1.c), and no share is lost
* AMZN  delay_fills at both venues against a TWAP: every fill counted, none twice
"""

from __future__ import annotations

import pytest

from tests.interop.fault_system import FaultSystem, VenueLine, shown
from tests.interop.oms_up import VENUES
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.interop, pytest.mark.slow]

DELAY_MS = 1500


def arm(fs: FaultSystem, venues: tuple[str, ...], kind: str, symbol: str) -> None:
    for v in venues:
        fs.post(v, "/faults", {"kind": kind, "params": {"ms": DELAY_MS}, "scope": {"session": "OMS", "symbol": symbol}})


def traffic(fs: FaultSystem, symbol: str) -> list[tuple[str, VenueLine]]:
    """(venue, line) of the OMS's orders in ``symbol`` and the venues' reports about them, across both
    venues, in SendingTime order (the logs are per venue)."""
    lines = []
    for v in VENUES:
        children = {f[11] for d, _, f in fs.venue_lines(v) if d == "OUT" and f.get(35) == "D" and f.get(55) == symbol}
        lines += [(v, line) for line in fs.venue_lines(v)
                  if line[2].get(35) in ("D", "F", "8", "9") and (line[2].get(11) in children
                                                                  or line[2].get(41) in children)]
    return sorted(lines, key=lambda vl: vl[1][2][52])


def venue_fills(fs: FaultSystem, symbol: str) -> list[dict[int, str]]:
    return [f for _, (d, _, f) in traffic(fs, symbol) if d == "IN" and f.get(150) == "F"]


def assert_fills_add_up(reports: list, fills: list[dict[int, str]], qty: int) -> None:
    """The client's fills are the venues' fills, each once: same count, same quantities, CumQty their sum."""
    text = shown(reports)
    mine = [m for m in reports if s(m, 150) == "F"]
    assert sorted(int(s(m, 32)) for m in mine) == sorted(int(f[32]) for f in fills), (fills, text)
    assert s(reports[-1], 14) == str(sum(int(f[32]) for f in fills)) == str(qty), text


def test_a_twaps_children_wait_pending_new_for_their_delayed_acks_and_it_never_over_sends(
        fs: FaultSystem, c: OmsClient) -> None:
    arm(fs, VENUES, "delay_ack", "AAPL")
    # 600 over 12 s in three slices: a child at each slice's start, and at 80% of a slice one at the far
    # touch for what the slice still lacks (twap.py), which may still be pending new when the next starts.
    c.new_order("DA1", "AAPL", "1", 600, t847="1000", t848="duration_minutes=0.2;num_slices=3")
    reports = c.wait_done("DA1", timeout_s=30)
    assert (s(reports[-1], 39), s(reports[-1], 14)) == ("2", "600"), shown(reports)
    lines = traffic(fs, "AAPL")
    said = "\n".join(f"{v} {d} {raw}" for v, (d, raw, _) in lines)
    news = [f for _, (d, _, f) in lines if d == "OUT" and f.get(35) == "D"]
    assert len(news) >= 3, said
    for f in news:
        # The venue's first word about the child is its ack, DELAY_MS after the child went out.
        first = next(g for _, (d, _, g) in lines if d == "IN" and g.get(11) == f[11])
        assert first.get(150) == "0" and _ms(first[52]) - _ms(f[52]) >= DELAY_MS - 100, (f[11], said)
    # Never more at the venues than the order lacks, as the OMS knew it: a child pending new counts as
    # working (oms_algo.working), so the next slice's child is cut to what is left.
    open_qty: dict[str, int] = {}
    filled = 0
    for _, (d, _, f) in lines:
        if d == "OUT" and f.get(35) == "D":
            assert sum(open_qty.values()) + filled + int(f[38]) <= 600, (f[11], open_qty, filled, said)
            open_qty[f[11]] = int(f[38])
        elif d == "IN" and f.get(35) == "8" and f.get(41, f[11]) in open_qty:
            child = f.get(41, f[11])
            filled += int(f.get(32, "0")) if f.get(150) == "F" else 0
            open_qty[child] = int(f[38]) - int(f[14])
            if f[39] in ("2", "4", "8", "C", "3"):
                del open_qty[child]
    assert_fills_add_up(reports, venue_fills(fs, "AAPL"), 600)


def test_a_cancel_racing_a_delayed_fill_is_too_late_and_the_fill_is_counted(fs: FaultSystem, c: OmsClient) -> None:
    arm(fs, ("EXCH",), "delay_fills", "MSFT")
    c.new_order("DF1", "MSFT", "1", 300, "420.00", t100="EXCH")  # marketable: the offers are near 410.00
    c.wait_report("DF1", "0")
    assert [s(m, 150) for m in c.reports("DF1")] == ["0"], "the fill is held at the venue"
    c.cancel("DF2", "DF1", "MSFT", "1", 300)
    rej = c.wait_for(lambda m: m.msg_type == b"9" and s(m, 11) == "DF2", timeout_s=10,
                     what="OrderCancelReject for DF2")
    reports = c.reports("DF1") + c.reports("DF2")
    text = shown(reports + [rej])
    # B.1.c: the fill arrives while the cancel pends (OrdStatus 6 outranks Filled), then the reject, too late,
    # with OrdStatus Filled.
    assert [s(m, 150) for m in reports if s(m, 150) != "F"] == ["0", "6"], text
    assert all(s(m, 39) == "6" for m in reports if s(m, 150) == "F"), text
    assert (s(rej, 102), s(rej, 39), s(rej, 434)) == ("0", "2", "1"), text
    assert_fills_add_up(c.reports("DF1"), venue_fills(fs, "MSFT"), 300)


def test_delayed_fills_against_a_twap_are_each_counted_once(fs: FaultSystem, c: OmsClient) -> None:
    arm(fs, VENUES, "delay_fills", "AMZN")
    c.new_order("DT1", "AMZN", "2", 400, t847="1000", t848="duration_minutes=0.15;num_slices=2")
    reports = c.wait_done("DT1", timeout_s=30)
    assert (s(reports[-1], 39), s(reports[-1], 14)) == ("2", "400"), shown(reports)
    fills = venue_fills(fs, "AMZN")
    assert_fills_add_up(reports, fills, 400)
    held = [f for v in VENUES for f in fs.fired(v) if f["kind"] == "delay_fills" and f["symbol"] == "AMZN"]
    assert len(held) == len(fills), ("every fill was held", held, fills)


def _ms(sending_time: str) -> int:
    """Milliseconds of the day of a SendingTime (52) "YYYYMMDD-HH:MM:SS.sss"."""
    hms = sending_time.split("-", 1)[1]
    h, m, rest = hms.split(":")
    return (int(h) * 3600 + int(m) * 60) * 1000 + round(float(rest) * 1000)
