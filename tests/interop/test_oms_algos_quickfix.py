"""Algo orders from a QuickFIX initiator through the OMS run as `oms-fix up`, real processes over loopback.

The OMS, its venues and the QuickFIX clients are conftest.py's ``system``,
as test_oms_quickfix.py uses them (one for this module). The algo orders with a
horizon go in together before the first test (``algo_orders``), so that their
schedules run side by side and the module takes about as long as the longest
of them, the restarted TWAP's minute. That one runs on a second OMS (OMSR,
``--no-venues``, its own state dir) against the same venues, so that its
children keep resting at the venues while the OMS restarts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterator

import pytest

from oms_fix.fix.message import Message
from tests.interop.oms_up import TERMINAL, VENUES, System, UpProcess
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.interop, pytest.mark.slow]

# The makers quote AAPL around 190.00, MSFT around 410.00, AMZN around 180.00 (config/instruments.yaml).
PRICES = {"AAPL": (Decimal("185"), Decimal("195")), "MSFT": (Decimal("400"), Decimal("420")),
          "AMZN": (Decimal("175"), Decimal("185"))}


@dataclass
class Restart:
    args: list[str]
    client: OmsClient
    first: UpProcess
    second: UpProcess | None = None


@dataclass
class AlgoOrders:
    sent_at: float  # time.monotonic() when the orders went in
    restart: Restart


@pytest.fixture(scope="module")
def restart(system: System) -> Iterator[Restart]:
    tmp, ports, args = system.second_oms("algo-restart")
    first = UpProcess(args, tmp / "state", "OMSR")
    r = Restart(args, OmsClient(tmp / "client", ports["clients"], "CLIENT1", "OMSR"), first)
    try:
        r.client.start()
        yield r
    finally:
        r.client.stop()
        first.stop()
        if r.second is not None:
            rc, out = r.second.stop()
            assert rc == 0, out


@pytest.fixture(scope="module", autouse=True)
def algo_orders(system: System, restart: Restart) -> AlgoOrders:
    restart.client.new_order("ALR1", "AAPL", "1", 1200, t847="1000", t848="duration_minutes=1;num_slices=4")
    system.c1.new_order("ALT1", "AAPL", "1", 1000, t847="1000", t848="duration_minutes=0.5;num_slices=3")
    system.c1.new_order("ALC1", "MSFT", "2", 2000, t847="1000", t848="duration_minutes=1;num_slices=4")
    return AlgoOrders(time.monotonic(), restart)


def dec(m: Message, tag: int) -> Decimal:
    return Decimal(s(m, tag))


def unique(reports: list[Message]) -> list[Message]:
    """Each ExecutionReport once: a resend after a reconnect repeats ExecIDs (PossDupFlag 43=Y)."""
    seen: set[str] = set()
    out = []
    for m in reports:
        if s(m, 17) not in seen:
            seen.add(s(m, 17))
            out.append(m)
    return out


def shown(reports: list[Message]) -> str:
    return "\n".join(bytes(m.raw).decode("latin-1").replace("\x01", "|") for m in reports)


def assert_consistent(reports: list[Message], qty: int, symbol: str) -> list[Message]:
    """New first; every fill adds its LastQty to CumQty; CumQty + LeavesQty = OrderQty until the terminal
    report, which has LeavesQty 0. Returns the fills."""
    text = shown(reports)
    assert (s(reports[0], 150), s(reports[0], 39), s(reports[0], 14), s(reports[0], 151)) == \
        ("0", "0", "0", str(qty)), text
    assert len({s(m, 37) for m in reports}) == 1, text
    cum = 0
    fills = []
    for m in reports[1:]:
        if s(m, 150) == "F":
            fills.append(m)
            cum += int(s(m, 32))
            low, high = PRICES[symbol]
            assert low < dec(m, 31) < high, text
        assert int(s(m, 14)) == cum and s(m, 38) == str(qty), text
        if s(m, 39) in TERMINAL:
            assert s(m, 151) == "0", text
        else:
            assert int(s(m, 14)) + int(s(m, 151)) == qty, text
    assert s(reports[-1], 39) in TERMINAL, text
    return fills


def transact_s(m: Message) -> float:
    return datetime.strptime(s(m, 60), "%Y%m%d-%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


def venue_messages(up: UpProcess, symbol: str) -> list[tuple[str, dict[int, str]]]:
    """(log timestamp, fields) of every message the OMS exchanged with its venues for ``symbol``, in time
    order, each tagged by its direction in field 0 ("IN"/"OUT"). Not ``venue_log()``: that has the client
    sessions' logs too."""
    logs = [up.state / "fix" / "log" / f"FIX.4.4-{up.comp_id}--{v}.messages.log" for v in VENUES]
    out = []
    for line in "".join(p.read_text(errors="replace") for p in logs if p.exists()).splitlines():
        stamp, direction, raw = (line.split(" ", 2) + ["", ""])[:3]
        fields = dict(f.split("=", 1) for f in raw.strip().strip("|").split("|") if "=" in f)
        if fields.get("55") == symbol:
            out.append((stamp, {0: direction.strip(), **{int(k): v for k, v in fields.items()}}))
    return sorted(out, key=lambda e: e[0])


# ---------------------------------------------------------------- rejects


@pytest.mark.parametrize("cl, extra, reason, text", [
    ("ALB1", {"t847": "1000", "t848": "duration_minutes=ten"}, "99", "duration_minutes: must be a number, not 'ten'"),
    ("ALB2", {"t847": "1000", "t848": "duration_minutes=1;wobble=2"}, "99", "TWAP does not take wobble"),
    ("ALB3", {"t40": "P"}, "11", "OrdType (40) P needs ExecInst (18)"),
], ids=["bad_value", "unknown_parameter", "peg_without_execinst"])
def test_bad_algo_instructions_are_rejected_naming_them(system: System, no_rejects: None, cl: str,
                                                        extra: dict[str, str], reason: str, text: str) -> None:
    c = system.c1
    c.new_order(cl, "AAPL", "1", 100, "190.00", **extra)
    rej = c.wait_report(cl, "8")
    assert (s(rej, 39), s(rej, 103), s(rej, 151), s(rej, 14)) == ("8", reason, "0", "0"), shown([rej])
    assert text in s(rej, 58), s(rej, 58)
    time.sleep(0.2)
    assert [s(m, 150) for m in c.reports(cl)] == ["8"], "nothing follows a reject"


def test_an_unknown_strategy_gets_a_session_reject_naming_the_tag(system: System, no_rejects: None) -> None:
    # The dictionary enumerates TargetStrategy (847), so a value outside it is refused at the session
    # layer, as FIX 4.4 Vol 2 prescribes for a value out of range for its tag (SessionRejectReason 5).
    c = system.c1
    before = len(c.admin_in("3"))
    c.new_order("ALB4", "AAPL", "1", 100, "190.00", t847="77")
    deadline = time.monotonic() + 5
    while len(c.admin_in("3")) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    rej = c.admin_in("3")[-1]
    assert (s(rej, 371), s(rej, 373)) == ("847", "5"), s(rej, 58)
    assert c.reports("ALB4") == []


# ---------------------------------------------------------------- iceberg


def test_an_order_with_maxfloor_never_shows_more_than_it_at_a_venue(system: System, no_rejects: None) -> None:
    c = system.c1
    # Marketable (AMZN trades around 180.00): each slice fills at once and the next goes out.
    c.new_order("ALI1", "AMZN", "1", 1000, "181.00", t111="200")
    reports = unique(c.wait_done("ALI1", timeout_s=20))
    fills = assert_consistent(reports, 1000, "AMZN")
    assert s(reports[-1], 39) == "2" and all(dec(m, 31) <= Decimal("181.00") for m in fills), shown(reports)
    log = venue_messages(system.up, "AMZN")  # no other test of this module trades AMZN
    children = [f for _, f in log if f[0] == "OUT" and f[35] == "D"]
    assert len(children) >= 5, log
    for f in children:
        assert int(f[38]) <= 200 and int(f.get(111, "200")) <= 200, f
    # One slice at a time: what is open at the venues never adds up to more than MaxFloor.
    open_qty: dict[str, int] = {}
    for _, f in log:
        if f[0] == "OUT" and f[35] == "D":
            open_qty[f[11]] = int(f[38])
        elif f[0] == "IN" and f[35] == "8" and f.get(11) in open_qty:
            open_qty[f[11]] = 0 if f[39] in TERMINAL else int(f[151])
        assert sum(open_qty.values()) <= 200, (f, open_qty)


# ----------------------------------------------------------------- cancel


@dataclass
class Canceled:
    order_id: str
    reports: list[Message]
    at: str  # when the Canceled report had come, in the venue log's timestamp form


def order_reports(c: OmsClient, order_id: str) -> list[Message]:
    """One order's ExecutionReports in arrival order, whichever ClOrdID (its own, a cancel's) they carry."""
    return unique([m for m in c.reports() if s(m, 37) == order_id])


@pytest.fixture(scope="module")
def canceled(system: System, algo_orders: AlgoOrders) -> Canceled:
    c = system.c1
    oid = s(c.wait_report("ALC1", "F", timeout_s=20), 37)
    c.cancel("ALC2", "ALC1", "MSFT", "2", 2000)
    c.wait_report("ALC2", "4")
    at = datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")
    return Canceled(oid, order_reports(c, oid), at)


def test_a_working_twap_is_canceled_keeping_its_fills(canceled: Canceled, no_rejects: None) -> None:
    reports = canceled.reports
    text = shown(reports)
    kinds = [s(m, 150) for m in reports]
    # A fill may still come between Pending Cancel and Canceled: the child was resting while its cancel went.
    assert kinds[0] == "0" and kinds[-1] == "4" and kinds.count("6") == 1, text
    assert set(kinds[1:-1]) == {"F", "6"}, text
    pending, done = reports[kinds.index("6")], reports[-1]
    cum = sum(int(s(m, 32)) for m in reports if s(m, 150) == "F")
    cum_then = sum(int(s(m, 32)) for m in reports[:kinds.index("6")] if s(m, 150) == "F")
    assert 0 < cum_then <= cum < 2000, text
    assert (s(pending, 39), s(pending, 11), s(pending, 41), s(pending, 14), s(pending, 151)) == \
        ("6", "ALC2", "ALC1", str(cum_then), str(2000 - cum_then)), text
    assert (s(done, 39), s(done, 11), s(done, 41), s(done, 14), s(done, 151), s(done, 38)) == \
        ("4", "ALC2", "ALC1", str(cum), "0", "2000"), text


# ---------------------------------------------------------------- restart


def test_a_twap_continues_across_an_oms_restart(restart: Restart, algo_orders: AlgoOrders) -> None:
    c = restart.client
    c.wait_report("ALR1", "F", timeout_s=20)
    before = len(unique(c.reports("ALR1")))
    cum_before = max(int(s(m, 14)) for m in c.reports("ALR1"))
    rc, out = restart.first.stop()
    assert rc == 0, out
    deadline = time.monotonic() + 10
    while c.app.logged_on.is_set():
        assert time.monotonic() < deadline, "QuickFIX still logged on to a stopped OMS"
        time.sleep(0.02)
    restarted_at = datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")
    restart.second = UpProcess(restart.args, restart.first.state, "OMSR")
    assert "algo orders working: 1 (their ticks armed again)" in restart.second.output()
    c.wait_logons(2, timeout_s=20)
    # Within its one-minute horizon, then the time to fill or expire the rest.
    left = algo_orders.sent_at + 60 - time.monotonic()
    reports = unique(c.wait_done("ALR1", timeout_s=max(0.0, left) + 20))
    fills = assert_consistent(reports, 1200, "AAPL")
    assert sum(int(s(m, 32)) for m in fills) == int(s(reports[-1], 14)), shown(reports)
    # The algo worked on after the restart: the second run placed children and more fills came.
    later = [f for stamp, f in venue_messages(restart.second, "AAPL")
             if stamp > restarted_at and f[0] == "OUT" and f[35] == "D"]
    assert later, "no child order after the restart"
    assert any(s(m, 150) == "F" and int(s(m, 14)) > cum_before for m in reports[before:]), shown(reports)
    if s(reports[-1], 39) == "C":
        assert "TWAP finished with" in s(reports[-1], 58), shown(reports)
    assert not c.rejects, c.rejects


# ------------------------------------------------------------------- TWAP


def test_a_twap_fills_over_its_horizon_and_reaches_the_drop_copy(system: System, no_rejects: None,
                                                                 algo_orders: AlgoOrders) -> None:
    c = system.c1
    left = algo_orders.sent_at + 30 - time.monotonic()
    reports = unique(c.wait_done("ALT1", timeout_s=max(0.0, left) + 20))
    fills = assert_consistent(reports, 1000, "AAPL")
    text = shown(reports)
    assert s(reports[-1], 39) == "2" or "TWAP finished with" in s(reports[-1], 58), text
    # Three slices of ten seconds: the last one's fills come at least a slice after the first one's.
    assert transact_s(fills[-1]) - transact_s(fills[0]) >= 10, text
    # TargetStrategyPerformance (850), the average fill price, is asked of the algo as each report goes out:
    # from the first fill on every report carries one, its own AvgPx (6) to four places.
    first_fill = next(i for i, m in enumerate(reports) if int(s(m, 14)) > 0)
    with_850 = [i for i, m in enumerate(reports) if s(m, 850)]
    assert with_850 == list(range(first_fill, len(reports))), text
    assert all(abs(dec(reports[i], 850) - dec(reports[i], 6)) <= Decimal("0.00005") for i in with_850), text
    ids = [s(m, 17) for m in reports]
    system.dc.wait_for(lambda m: s(m, 17) == ids[-1], what="the copy of the last ALT1 report")
    copies = {s(m, 17): m for m in system.dc.reports("ALT1")}
    assert sorted(copies) == sorted(ids)
    assert all(s(copies[s(m, 17)], 850) == s(m, 850) for m in reports)


def test_a_canceled_twap_sends_and_fills_nothing_more(system: System, canceled: Canceled) -> None:
    # Run late in the module, when the canceled TWAP's next slices would have started.
    now = order_reports(system.c1, canceled.order_id)
    assert [s(m, 17) for m in now] == [s(m, 17) for m in canceled.reports], shown(now)
    later = [f for stamp, f in venue_messages(system.up, "MSFT")
             if stamp > canceled.at and f[0] == "OUT" and f[35] == "D"]
    assert later == [], later
