"""What a tester arms through a venue's control API shows on the wire to a QuickFIX initiator (issue 7).

One venue process, no background market; QuickFIX validates every message the
venue sends against the FIX 4.4 dictionary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.integration.venue_proc import VenueProc, venue_config
from tests.interop.test_venues_quickfix import er, order, s
from tests.interop.venue_client import VenueClient

pytestmark = [pytest.mark.interop, pytest.mark.slow]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VenueProc, Path]]:
    tmp = tmp_path_factory.mktemp("control_qf")
    v = VenueProc(venue_config(tmp))
    assert v.url, v.output
    yield v, tmp
    v.stop()


def test_a_reject_armed_through_the_api_reaches_the_client_with_its_text(venue: tuple[VenueProc, Path]):
    v, tmp = venue
    client = VenueClient(tmp / "clients" / "QCTL", v.fix_port, "QCTL", "EXCH")
    try:
        with httpx.Client(base_url=v.url, timeout=5) as api:
            r = api.post("/faults", json={"kind": "reject", "params": {"reason": 2, "text": "venue busy (test)"},
                                          "scope": {"session": "QCTL", "symbol": "AAPL", "count": 1}})
            assert r.status_code == 201, r.text
            client.send("D", order("R1", "1", 100, "150.00"))
            rej = client.wait_for(er("R1", "8"), what="Rejected for R1")
            assert (s(rej, 39), s(rej, 103), s(rej, 58)) == ("8", "2", "venue busy (test)")
            # Its count is spent: the next order is taken as usual.
            client.send("D", order("R2", "1", 100, "150.00"))
            client.wait_for(er("R2", "0"), what="New for R2")
            [fired] = [f for f in api.get("/faults/fired").json() if f["id"] == r.json()["id"]]
            assert (fired["session"], fired["cl_ord_id"]) == ("QCTL", "R1")
            assert not [f for f in api.get("/faults").json()["armed"] if f["id"] == r.json()["id"]]
        assert not client.app.rejects
    finally:
        client.stop()


def test_a_halt_through_the_api_is_a_security_status_to_every_session(venue: tuple[VenueProc, Path]):
    v, tmp = venue
    client = VenueClient(tmp / "clients" / "QHALT", v.fix_port, "QHALT", "EXCH")
    try:
        with httpx.Client(base_url=v.url, timeout=5) as api:
            assert api.post("/operations/halt", json={"params": {"symbol": "TSLA"}}).status_code == 200
            halted = client.wait_for(lambda m: m.msg_type == b"f" and m.get(326) == b"2", what="SecurityStatus 2")
            assert s(halted, 55) == "TSLA"
            assert api.post("/operations/resume", json={"params": {"symbol": "TSLA"}}).status_code == 200
            client.wait_for(lambda m: m.msg_type == b"f" and m.get(55) == b"TSLA" and m.get(326) != b"2",
                            what="SecurityStatus after the resume")
        assert not client.app.rejects
    finally:
        client.stop()
