"""The OMS against its venues misbehaving through their control API (issue 7), as a QuickFIX client sees it.

One `oms-fix up` for the module (the OMS and its EXCH and ECN venue
processes, each venue's control API on a free port) and QuickFIX clients.
Each test arms a fault or runs an operation at a venue, scoped to the OMS's
own venue session (SenderCompID "OMS") and, where the kind allows, to a
symbol of its own, so that the tests do not disturb each other:

* AMZN  an unsolicited venue cancel (armed at start, ``faults:`` in venues.yaml)
* MSFT  a venue bust of a child's fill
* AAPL  a skipped MsgSeqNum on the OMS's EXCH session, then trading on
* GOOG  the OMS's EXCH connection dropped while a child rests there
* TSLA  venue rejects: pinned (no reroute) and unpinned (rerouted to the other venue)

What the OMS says to and hears from a venue is read from its venue-side FIX
message logs (``var/fix/log/FIX.4.4-OMS--<VENUE>.messages.log``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator

import httpx
import pytest

from oms_fix.fix.message import Message
from tests.interop.oms_up import INSTRUMENTS, RISK, VENUES, System, UpProcess, write_yaml
from tests.interop.peers import free_port
from tests.interop.qf_client import OmsClient, s

pytestmark = [pytest.mark.interop, pytest.mark.slow]

UNSOLICITED_TEXT = "venue canceled it (test)"
# Armed at start at both venues: a resting AMZN child of the OMS is canceled by whichever venue it rests at.
START_FAULTS = [{"kind": "cancel_unsolicited", "params": {"after_ms": 300, "text": UNSOLICITED_TEXT},
                 "scope": {"session": "OMS", "symbol": "AMZN"}}]


@dataclass
class FaultSystem:
    sys: System
    control: dict[str, str]  # venue -> its control API's base URL

    def api(self, venue: str) -> httpx.Client:
        return httpx.Client(base_url=self.control[venue], timeout=5)

    def post(self, venue: str, path: str, body: dict) -> dict:
        with self.api(venue) as api:
            r = api.post(path, json=body)
        assert r.status_code in (200, 201), f"{venue} {path}: {r.status_code} {r.text}"
        return r.json()

    def venue_lines(self, venue: str) -> list[tuple[str, str, dict[int, str]]]:
        """(direction IN/OUT, the raw text with '|', fields) of every message of the OMS's session with ``venue``."""
        path = self.sys.up.state / "fix" / "log" / f"FIX.4.4-OMS--{venue}.messages.log"
        out: list[tuple[str, str, dict[int, str]]] = []
        if not path.exists():
            return out
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            raw = parts[2].strip().replace("\x01", "|")
            fields: dict[int, str] = {}
            for f in raw.strip("|").split("|"):
                k, _, v = f.partition("=")
                if k.isdigit() and int(k) not in fields:
                    fields[int(k)] = v
            out.append((parts[1].strip(), raw, fields))
        return out

    def wait_venue(self, venue: str, pred: Callable[[str, dict[int, str]], bool], what: str,
                   timeout_s: float = 10.0, after: int = 0) -> tuple[int, dict[int, str]]:
        """The first message (index, fields) of the OMS's log with ``venue`` from index ``after`` on that
        ``pred(direction, fields)`` accepts."""
        deadline = time.monotonic() + timeout_s
        while True:
            lines = self.venue_lines(venue)
            for i, (d, _, f) in enumerate(lines[after:], after):
                if pred(d, f):
                    return i, f
            if time.monotonic() > deadline:
                tail = "\n".join(f"{d} {raw}" for d, raw, _ in lines[-15:])
                raise AssertionError(f"no {what} in the OMS's {venue} log within {timeout_s:g}s; last:\n{tail}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def fs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSystem]:
    tmp = tmp_path_factory.mktemp("oms_faults")
    ports = {"EXCH": free_port(), "ECN": free_port(), "clients": free_port(), "dc": free_port()}
    control = {"EXCH": free_port(), "ECN": free_port()}
    venues = write_yaml(tmp / "venues.yaml", {
        "instruments": INSTRUMENTS, "tick_ms": 50,
        "venues": {
            "EXCH": {"kind": "exchange", "port": ports["EXCH"], "control_port": control["EXCH"], "flow_share": 0.55,
                     "makers": True, "faults": START_FAULTS,
                     "day": {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}},
            "ECN": {"kind": "ecn", "port": ports["ECN"], "control_port": control["ECN"], "flow_share": 0.35,
                    "makers": True, "faults": START_FAULTS,
                    "fees": {"maker_per_share": "-0.0020", "taker_per_share": "0.0030"}}}})
    oms = write_yaml(tmp / "oms.yaml", {
        "clients": {"port": ports["clients"], "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
        "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": INSTRUMENTS, "risk": RISK,
        "venues": [{"name": v, "port": ports[v]} for v in VENUES]})
    up = UpProcess(["--config", str(oms), "--venues-config", str(venues), "--seed", "7"], tmp / "state")
    started: list[OmsClient] = []
    try:
        for sender, port in (("DROPCOPY", ports["dc"]), ("CLIENT1", ports["clients"])):
            c = OmsClient(tmp / "clients" / sender, port, sender)
            started.append(c)
            c.start()
        yield FaultSystem(System(tmp, ports, up, started[1], started[1], started[0]),
                          {v: f"http://127.0.0.1:{p}" for v, p in control.items()})
    finally:
        for c in started:
            c.stop()
        rc, out = up.stop()
    assert rc == 0, out
    assert out.rstrip().endswith("stopped; stores flushed"), out


@pytest.fixture
def c(fs: FaultSystem) -> Iterator[OmsClient]:
    client = fs.sys.c1
    yield client
    assert not client.rejects, f"QuickFIX rejected what the OMS sent: {client.rejects}"


def shown(reports: list[Message]) -> str:
    return "\n".join(bytes(m.raw).decode("latin-1").replace("\x01", "|") for m in reports)


def child_ids(fs: FaultSystem, venue: str, symbol: str) -> list[str]:
    """ClOrdIDs of the OMS's NewOrderSingles for ``symbol`` at ``venue``, in order."""
    return [f[11] for d, _, f in fs.venue_lines(venue) if d == "OUT" and f.get(35) == "D" and f.get(55) == symbol]


# ------------------------------------------------------------------ 1. unsolicited cancel


def test_an_unsolicited_venue_cancel_cancels_the_client_order_with_the_venues_text(fs: FaultSystem,
                                                                                   c: OmsClient) -> None:
    # 175.00 is inside the collar around 180.00 and below the offers: it rests, and the venue cancels it.
    c.new_order("UC1", "AMZN", "1", 100, "175.00")
    reports = c.wait_done("UC1", timeout_s=10)
    text = shown(reports)
    assert [s(m, 150) for m in reports] == ["0", "4"], text
    canceled = reports[-1]
    assert (s(canceled, 39), s(canceled, 14), s(canceled, 151), s(canceled, 38)) == ("4", "0", "0", "100"), text
    # ExecRestatementReason 8 (market option) and the venue's Text, as oms.py's _natural_end says.
    assert s(canceled, 378) == "8", text
    assert s(canceled, 58) == UNSOLICITED_TEXT, text
    # On the venue side: the venue's ER 4 for the OMS's child, unasked (the OMS sent no cancel).
    [venue] = [v for v in VENUES if child_ids(fs, v, "AMZN")]
    [child] = child_ids(fs, venue, "AMZN")
    _, ven = fs.wait_venue(venue, lambda d, f: d == "IN" and f.get(35) == "8" and f.get(11) == child
                           and f.get(150) == "4", "the venue's unsolicited cancel")
    assert ven.get(58) == UNSOLICITED_TEXT
    assert not [f for d, _, f in fs.venue_lines(venue) if d == "OUT" and f.get(35) == "F"]


# ------------------------------------------------------------------ 2. bust


def test_a_venue_bust_of_a_childs_fill_is_an_exectype_h_to_the_client(fs: FaultSystem, c: OmsClient) -> None:
    # Pinned to EXCH, so that each venue fill is one client fill, in the same order. IOC: after the bust the
    # OMS does not route the reopened quantity again, it cancels it (R11), so the figures stay put.
    c.new_order("BU1", "MSFT", "1", 100, "415.00", t59="3", t100="EXCH")
    reports = c.wait_done("BU1")
    text = shown(reports)
    fills = [m for m in reports if s(m, 150) == "F"]
    assert fills and s(reports[-1], 39) == "2" and s(reports[-1], 14) == "100", text
    # The venue's ExecIDs of the child's fills, from the OMS's EXCH message log.
    [child] = child_ids(fs, "EXCH", "MSFT")
    venue_fills = [f for d, _, f in fs.venue_lines("EXCH")
                   if d == "IN" and f.get(35) == "8" and f.get(11) == child and f.get(150) == "F"]
    assert len(venue_fills) == len(fills), (venue_fills, text)
    vf, mine = venue_fills[-1], fills[-1]
    assert (s(mine, 32), s(mine, 31)) == (vf[32], vf[31]), (vf, text)
    done = fs.post("EXCH", "/operations/bust", {"params": {"exec_id": vf[17]}})
    assert done["exec_ref_id"] == vf[17], done

    bust = c.wait_report("BU1", "H")
    after = c.wait_report("BU1", "4")  # the IOC's reopened quantity canceled
    text = shown(c.reports("BU1"))
    # ExecRefID is the client's own ExecID of the busted fill; a new ExecID; CumQty down by the fill.
    assert s(bust, 19) == s(mine, 17), text
    assert s(bust, 17) not in {s(m, 17) for m in reports}, text
    left = 100 - int(vf[32])
    assert (s(bust, 14), s(bust, 151), s(bust, 38)) == (str(left), str(100 - left), "100"), text
    assert s(bust, 39) == ("0" if left == 0 else "1"), text
    assert (s(after, 39), s(after, 14), s(after, 151)) == ("4", str(left), "0"), text
    assert [s(m, 150) for m in c.reports("BU1")][len(reports):] == ["H", "4"], text
    # The venue's ER H reached the OMS with ExecRefID its fill.
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "8" and f.get(150) == "H" and f.get(19) == vf[17],
                  "the venue's ER H")


# ------------------------------------------------------------------ 3. skip_seqnum


def test_a_skipped_venue_seqnum_gets_a_resend_request_and_trading_goes_on(fs: FaultSystem, c: OmsClient) -> None:
    start = len(fs.venue_lines("EXCH"))
    armed = fs.post("EXCH", "/faults", {"kind": "skip_seqnum", "params": {"count": 3}, "scope": {"session": "OMS"}})
    # The next message EXCH sends the OMS (market data flows all the time) jumps three numbers.
    i, rr = fs.wait_venue("EXCH", lambda d, f: d == "OUT" and f.get(35) == "2", "ResendRequest (35=2)",
                          after=start)
    _, fill = fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "4" and f.get(123) == "Y",
                            "SequenceReset-GapFill", after=i)
    assert int(fill[36]) - int(rr[7]) == 3, (rr, fill)
    with fs.api("EXCH") as api:
        fired = [f for f in api.get("/faults/fired").json() if f["id"] == armed["id"]]
    assert fired and fired[0]["session"] == "OMS", fired
    # Trading goes on through EXCH: an order pinned there fills.
    c.new_order("SQ1", "AAPL", "1", 100, "195.00", t100="EXCH")
    reports = c.wait_done("SQ1")
    assert s(reports[-1], 39) == "2" and s(reports[-1], 14) == "100", shown(reports)
    assert child_ids(fs, "EXCH", "AAPL")
    # No Logout, no Reject on the OMS's EXCH session.
    after = fs.venue_lines("EXCH")[start:]
    assert not [raw for d, raw, f in after if f.get(35) in ("3", "5")], [raw for d, raw, f in after
                                                                      if f.get(35) in ("3", "5")]


# ------------------------------------------------------------------ 4. drop_connection


def test_a_dropped_venue_connection_is_reconnected_and_the_open_child_reconciled(fs: FaultSystem,
                                                                                 c: OmsClient) -> None:
    # Rests at EXCH (pinned; 145.00 is inside the collar around 150.00 and below the offers).
    c.new_order("DR1", "GOOG", "1", 100, "145.00", t100="EXCH")
    new = c.wait_report("DR1", "0")
    [child] = child_ids(fs, "EXCH", "GOOG")
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "8" and f.get(11) == child
                  and f.get(150) == "0", "the venue's ack of the child")
    start = len(fs.venue_lines("EXCH"))
    done = fs.post("EXCH", "/operations/drop_connection", {"params": {"session": "OMS"}})
    assert done["sessions"] == ["OMS"], done
    i, _ = fs.wait_venue("EXCH", lambda d, f: d == "OUT" and f.get(35) == "A", "a new Logon", after=start,
                         timeout_s=15)
    fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "A", "the venue's Logon answer", after=i)
    _, status = fs.wait_venue("EXCH", lambda d, f: d == "OUT" and f.get(35) == "H" and f.get(11) == child,
                              f"OrderStatusRequest (35=H) for {child}", after=i)
    _, answer = fs.wait_venue("EXCH", lambda d, f: d == "IN" and f.get(35) == "8" and f.get(150) == "I"
                              and f.get(11) == child, f"the venue's ER I for {child}", after=i)
    # The client heard nothing of it: its order still works, and its cancel goes through.
    assert [s(m, 150) for m in c.reports("DR1")] == ["0"], shown(c.reports("DR1"))
    assert (status[55], status[54]) == ("GOOG", "1"), status
    # The venue still has it working: the OMS keeps it, and sends no second child.
    assert (answer[39], answer[151], answer[14]) == ("0", "100", "0"), answer
    assert child_ids(fs, "EXCH", "GOOG") == [child] and not child_ids(fs, "ECN", "GOOG")
    c.cancel("DR2", "DR1", "GOOG", "1", 100)
    reports = c.wait_done("DR2", timeout_s=10)
    assert (s(reports[-1], 150), s(reports[-1], 39), s(reports[-1], 37)) == ("4", "4", s(new, 37)), \
        shown(c.reports("DR1") + c.reports("DR2"))


# ------------------------------------------------------------------ 5. venue reject


def test_a_venue_reject_of_a_pinned_order_rejects_the_client_order_with_its_text(fs: FaultSystem,
                                                                                 c: OmsClient) -> None:
    fs.post("EXCH", "/faults", {"kind": "reject", "params": {"reason": 2, "text": "EXCH busy (test)"},
                                "scope": {"session": "OMS", "symbol": "TSLA", "count": 1}})
    c.new_order("RJ1", "TSLA", "1", 100, "170.00", t100="EXCH")
    reports = c.wait_done("RJ1")
    text = shown(reports)
    # Pinned by ExDestination: nowhere else to go, so the parent is rejected (nothing filled) with the Text.
    assert [s(m, 150) for m in reports] == ["0", "8"], text
    rej = reports[-1]
    assert (s(rej, 39), s(rej, 14), s(rej, 151)) == ("8", "0", "0"), text
    assert s(rej, 58) == "EXCH busy (test)", text
    assert len(child_ids(fs, "EXCH", "TSLA")) == 1 and not child_ids(fs, "ECN", "TSLA")


def test_a_venue_reject_of_an_unpinned_child_is_rerouted_to_the_other_venue(fs: FaultSystem, c: OmsClient) -> None:
    # A reject at each venue, once: wherever the child goes first, it is rejected; its reroute goes to the
    # other venue (the OMS avoids the one that rejected), which rejects it too; then the parent is rejected.
    for v in VENUES:
        fs.post(v, "/faults", {"kind": "reject", "params": {"reason": 2, "text": f"{v} says no (test)"},
                               "scope": {"session": "OMS", "symbol": "TSLA", "count": 1}})
    before = {v: len(child_ids(fs, v, "TSLA")) for v in VENUES}
    c.new_order("RJ2", "TSLA", "2", 100, "180.00")
    reports = c.wait_done("RJ2")
    text = shown(reports)
    assert [s(m, 150) for m in reports] == ["0", "8"], text
    sent = {v: child_ids(fs, v, "TSLA")[before[v]:] for v in VENUES}
    assert [len(sent[v]) for v in VENUES] == [1, 1], sent
    # Every child ended rejected and nothing filled: the parent is rejected (oms.py _natural_end) with the
    # Text of the first venue's reject, the venue the OMS routed to before it rerouted.
    first = min(VENUES, key=lambda v: int(sent[v][0].rsplit("C", 1)[1]))
    assert s(reports[-1], 58) == f"{first} says no (test)", text
    assert (s(reports[-1], 39), s(reports[-1], 14)) == ("8", "0"), text
