"""Each session fault of issue 7 on the wire, with a QuickFIX initiator as the venue's client.

One venue process (no background market) for the module; refuse_logon is armed
at start from ``faults:`` in its venues.yaml, the others through the control
API once the client is logged on, each scoped to a session of its own. The
clients heartbeat every second, so that every recovery takes a few seconds.
What QuickFIX sends back (ResendRequest, Reject 373=10, TestRequest, Logout, a
new Logon) is read from its own admin callbacks; what the venue put on the wire
from the venue's message log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator

import httpx
import pytest

from tests.integration.venue_proc import VenueProc, venue_config
from tests.interop.test_venues_quickfix import er, order
from tests.interop.venue_client import VenueClient
from tests.polling import eventually as wait

pytestmark = [pytest.mark.interop, pytest.mark.slow]

REFUSED = "closed for tests"


@dataclass
class Venue:
    proc: VenueProc
    api: httpx.Client
    clients: list[VenueClient] = field(default_factory=list)

    def client(self, sender: str) -> VenueClient:
        c = self.proc.client(sender, heartbeat_s=1)
        self.clients.append(c)
        return c

    def arm(self, kind: str, params: dict, session: str) -> str:
        r = self.api.post("/faults", json={"kind": kind, "params": params, "scope": {"session": session}})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def wire(self, sender: str) -> list[str]:
        """What the venue sent this session, as its message log has it."""
        [log] = (self.proc.state / "EXCH" / "log").glob(f"*{sender}*.messages.log")
        return [line for line in log.read_text(encoding="latin-1").splitlines() if " OUT " in line]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venue]:
    proc = VenueProc(venue_config(tmp_path_factory.mktemp("session_faults_qf"), faults=[
        {"kind": "refuse_logon", "params": {"text": REFUSED}, "scope": {"session": "QREF"}}]))
    assert proc.url, proc.output
    v = Venue(proc, httpx.Client(base_url=proc.url, timeout=5))
    yield v
    for c in v.clients:
        c.stop()
    v.api.close()
    proc.stop()


def sent(c: VenueClient, msg_type: str) -> list[str]:
    with c.app.lock:
        return [m for m in c.app.admin_out if f"|35={msg_type}|" in m]


def got(c: VenueClient, msg_type: str) -> list[str]:
    with c.app.lock:
        return [m for m in c.app.admin_in if f"|35={msg_type}|" in m]


def test_skip_seqnum_quickfix_asks_and_gets_a_gap_fill(venue: Venue):
    c = venue.client("QSKIP")
    venue.arm("skip_seqnum", {"count": 3}, "QSKIP")
    c.send("D", order("K1", "1", 100, "150.00"))
    c.wait_for(er("K1", "0"), what="the New, after the gap is filled")
    [rr] = sent(c, "2")
    assert "|16=0|" in rr  # FIX 4.4: EndSeqNo 0, everything from BeginSeqNo
    gap = [m for m in got(c, "4") if "|123=Y|" in m]
    assert gap, c.app.admin_in
    assert len([m for m in c.messages(b"8") if m.get(11) == b"K1"]) == 1  # once, not twice
    assert c.app.logged_on.is_set() and not c.app.rejects


def test_resend_possdup_copies_are_ignored(venue: Venue):
    c = venue.client("QDUP")
    for cl in ("P1", "P2"):
        c.send("D", order(cl, "1", 100, "150.00"))
        c.wait_for(er(cl, "0"), what=f"New for {cl}")
    venue.arm("resend_possdup", {"count": 2}, "QDUP")
    c.send("D", order("P3", "1", 100, "150.00"))
    c.wait_for(er("P3", "0"), what="New for P3")
    time.sleep(0.3)
    copies = [line for line in venue.wire("QDUP") if "|43=Y|" in line and "|35=8|" in line]
    assert len(copies) == 2 and all("|122=" in line for line in copies), copies
    assert [m.get(11) for m in c.messages(b"8")] == [b"P1", b"P2", b"P3"]  # FIX 4.4 Vol 2 2e: dropped
    assert c.app.logged_on.is_set() and not c.app.rejects


def test_stale_sending_time_quickfix_rejects_and_logs_out(venue: Venue):
    c = venue.client("QOLD")
    venue.arm("stale_sending_time", {"seconds": 600}, "QOLD")
    c.send("D", order("S1", "1", 100, "150.00"))
    wait(lambda: sent(c, "3") and sent(c, "5"), "Reject and Logout from QuickFIX")
    [rej] = sent(c, "3")
    assert "|373=10|" in rej  # SendingTime accuracy problem
    wait(lambda: c.app.logons >= 2, "the new Logon after the reconnect")  # the fault fired once


def test_stop_heartbeats_quickfix_test_requests_then_disconnects(venue: Venue):
    c = venue.client("QHB")
    venue.arm("stop_heartbeats", {"seconds": 20}, "QHB")
    wait(lambda: sent(c, "1"), "a TestRequest from QuickFIX", 8)
    wait(lambda: not c.app.logged_on.is_set(), "QuickFIX giving up on the venue", 8)
    wait(lambda: c.app.logons >= 2, "the new Logon, with heartbeats again", 8)
    fired = [f for f in venue.api.get("/faults/fired").json() if f["kind"] == "stop_heartbeats"]
    assert fired and fired[0]["session"] == "QHB"


def test_garbled_is_dropped_and_recovered_by_a_resend(venue: Venue):
    c = venue.client("QBAD")
    venue.arm("garbled", {"count": 1}, "QBAD")
    c.send("D", order("G1", "1", 100, "150.00"))
    new = c.wait_for(er("G1", "0"), what="the New, resent after the garbled copy")
    assert new.get(43) == b"Y"  # only the resent copy got through
    assert sent(c, "2")
    assert c.app.logged_on.is_set()


def test_a_broken_body_length_is_dropped_and_recovered_by_a_resend(venue: Venue):
    c = venue.client("QBLEN")
    venue.arm("garbled", {"count": 1, "how": "body_length"}, "QBLEN")
    c.send("D", order("L1", "1", 100, "150.00"))
    new = c.wait_for(er("L1", "0"), what="the New, resent after the copy with a short BodyLength")
    assert new.get(43) == b"Y"  # QuickFIX could not frame the broken copy and asked for it again
    assert sent(c, "2")
    assert c.app.logged_on.is_set()
    assert "(35=8) sent with a broken body_length" in venue.proc.faults_log()


def test_drop_connection_quickfix_reconnects(venue: Venue):
    c = venue.client("QDROP")
    r = venue.api.post("/operations/drop_connection", json={"params": {"session": "QDROP"}})
    assert r.status_code == 200, r.text
    assert r.json()["sessions"] == ["QDROP"]
    wait(lambda: c.app.logons >= 2, "the new Logon after the drop")
    assert not got(c, "5")  # no Logout: the connection just went


def test_refuse_logon_from_the_config_then_the_next_logon_is_taken(venue: Venue):
    c = venue.client("QREF")  # waits for a Logon: the first is refused, QuickFIX reconnects a second later
    log = next(c.log_dir.glob("*QREF*.messages.current.log")).read_text(encoding="latin-1")
    assert "35=5\x01" in log.replace("|", "\x01") and REFUSED in log
    assert c.app.logons == 1


def test_the_event_log_names_every_session_firing(venue: Venue):
    log = venue.proc.faults_log()
    for line in ("skip_seqnum fired on QSKIP: MsgSeqNum", "resend_possdup fired on QDUP: 2 application",
                 "stale_sending_time fired on QOLD", "stop_heartbeats fired on QHB", "garbled fired on QBAD",
                 "drop_connection fired: connection of QDROP closed", "refuse_logon fired on QREF"):
        assert line in log, log
