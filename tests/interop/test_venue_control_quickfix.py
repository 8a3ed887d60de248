"""What a tester arms or does through a venue's control API shows on the wire to a QuickFIX initiator (issue 7).

One venue process, no background market; QuickFIX validates every message the
venue sends against the FIX 4.4 dictionary. Each test trades a symbol of its
own (AAPL rejects, TSLA halt, GOOG bust, MSFT corrections, AMZN halt with
orders), so that the tests do not disturb each other's books.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

import httpx
import pytest

from oms_fix.fix.message import Message
from tests.integration.venue_proc import VenueProc, venue_config
from tests.interop.test_venues_quickfix import er, order, s
from tests.interop.venue_client import VenueClient

pytestmark = [pytest.mark.interop, pytest.mark.slow]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VenueProc]:
    v = VenueProc(venue_config(tmp_path_factory.mktemp("control_qf")))
    assert v.url, v.output
    yield v
    v.stop()


@pytest.fixture
def api(venue: VenueProc) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=venue.url, timeout=5) as c:
        yield c


@pytest.fixture
def client(venue: VenueProc) -> Iterator[Callable[[str], VenueClient]]:
    """Logs a QuickFIX client on as the given SenderCompID; each is stopped after the test, none may have
    rejected what the venue sent it."""
    made: list[VenueClient] = []

    def make(sender: str) -> VenueClient:
        made.append(venue.client(sender))
        return made[-1]

    yield make
    for c in made:
        c.stop()
    assert not [c.app.rejects for c in made if c.app.rejects]


def filled(buyer: VenueClient, seller: VenueClient, cl: str, symbol: str, qty: int, px: str) -> Message:
    """The buyer's fill of a buy of ``qty`` at ``px`` against the seller's resting sell of the same."""
    seller.send("D", order(f"{cl}S", "2", qty, px, symbol))
    seller.wait_for(er(f"{cl}S", "0"), what="the resting sell's New")
    buyer.send("D", order(cl, "1", qty, px, symbol))
    return buyer.wait_for(er(cl, "F"), what=f"the fill of {cl}")


def status(symbol: str, code: str) -> Callable[[Message], bool]:
    """SecurityStatus (35=f) for ``symbol`` with SecurityTradingStatus (326) ``code``."""
    return lambda m: m.msg_type == b"f" and m.get(55) == symbol.encode() and m.get(326) == code.encode()


def test_a_reject_armed_through_the_api_reaches_the_client_with_its_text(api: httpx.Client, client):
    c = client("QCTL")
    r = api.post("/faults", json={"kind": "reject", "params": {"reason": 2, "text": "venue busy (test)"},
                                  "scope": {"session": "QCTL", "symbol": "AAPL", "count": 1}})
    assert r.status_code == 201, r.text
    c.send("D", order("R1", "1", 100, "150.00"))
    rej = c.wait_for(er("R1", "8"), what="Rejected for R1")
    assert (s(rej, 39), s(rej, 103), s(rej, 58)) == ("8", "2", "venue busy (test)")
    # Its count is spent: the next order is taken as usual.
    c.send("D", order("R2", "1", 100, "150.00"))
    c.wait_for(er("R2", "0"), what="New for R2")
    [fired] = [f for f in api.get("/faults/fired").json() if f["id"] == r.json()["id"]]
    assert (fired["session"], fired["cl_ord_id"]) == ("QCTL", "R1")
    assert not [f for f in api.get("/faults").json()["armed"] if f["id"] == r.json()["id"]]


def test_a_halt_through_the_api_is_a_security_status_to_every_session(api: httpx.Client, client):
    c = client("QHALT")
    assert api.post("/operations/halt", json={"params": {"symbol": "TSLA"}}).status_code == 200
    c.wait_for(status("TSLA", "2"), what="SecurityStatus 2 (trading halt)")
    assert api.post("/operations/resume", json={"params": {"symbol": "TSLA"}}).status_code == 200
    c.wait_for(status("TSLA", "17"), what="SecurityStatus 17 (ready to trade) after the resume")


def test_a_bust_is_an_execution_report_h_naming_the_fill_and_a_second_bust_is_refused(api: httpx.Client, client):
    buyer, seller = client("QBUST"), client("QBUSTS")
    fill = filled(buyer, seller, "B1", "GOOG", 100, "150.00")
    assert (s(fill, 39), s(fill, 14), s(fill, 6)) == ("2", "100", "150.00")
    r = api.post("/operations/bust", json={"params": {"exec_id": s(fill, 17)}})
    assert r.status_code == 200, r.text
    bust = buyer.wait_for(er("B1", "H"), what="ExecutionReport 150=H (trade cancel)")
    assert (s(bust, 19), s(bust, 17), s(bust, 37)) == (s(fill, 17), r.json()["exec_id"], s(fill, 37))
    assert s(bust, 17) != s(fill, 17)
    # Restated with the trade taken away; the busted quantity is not put back on the book, so the order ends
    # short of its quantity with nothing more to come: Done for day (39=3), not Filled.
    assert (s(bust, 14), s(bust, 6), s(bust, 151), s(bust, 39)) == ("0", "0", "0", "3")
    assert (s(bust, 32), s(bust, 31)) == ("0", "0")  # Appendix D J.1.a step 5

    again = api.post("/operations/bust", json={"params": {"exec_id": s(fill, 17)}})
    assert again.status_code == 422
    assert again.json()["detail"] == f"bust: params.exec_id: {s(fill, 17)} was busted already (a bust is final)"
    unknown = api.post("/operations/bust", json={"params": {"exec_id": "NO-SUCH-EXEC"}})
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "bust: params.exec_id: no fill with ExecID 'NO-SUCH-EXEC' to a session here"
    time.sleep(0.2)
    assert [s(m, 150) for m in buyer.messages(b"8")] == ["0", "F", "H"]  # the refusals sent nothing
    assert [s(m, 150) for m in seller.messages(b"8")] == ["0", "F"]  # the seller's own fill stands


def test_corrections_refer_to_the_latest_version_of_the_fill(api: httpx.Client, client):
    buyer, seller = client("QCOR"), client("QCORS")
    fill = filled(buyer, seller, "C1", "MSFT", 100, "410.00")

    def correct(exec_id: str, **params: object) -> Message:
        r = api.post("/operations/correct", json={"params": {"exec_id": exec_id, **params}})
        assert r.status_code == 200, r.text
        return buyer.wait_for(lambda m: er("C1", "G")(m) and s(m, 17) == r.json()["exec_id"],
                              what="ExecutionReport 150=G (trade correct)")

    first = correct(s(fill, 17), qty=60, price="409.99")
    assert s(first, 19) == s(fill, 17)
    assert (s(first, 32), s(first, 31), s(first, 14), s(first, 6), s(first, 151), s(first, 39)) == \
        ("60", "409.99", "60", "409.99", "0", "3")
    # A correction of the corrected fill names the correction, not the original...
    second = correct(s(first, 17), qty=50)
    assert s(second, 19) == s(first, 17)
    assert (s(second, 32), s(second, 31), s(second, 14), s(second, 6)) == ("50", "409.99", "50", "409.99")
    # ...and so does one asked for by the original ExecID: ExecRefID is always the fill's latest version.
    third = correct(s(fill, 17), price="409.98")
    assert s(third, 19) == s(second, 17)
    assert (s(third, 32), s(third, 31), s(third, 14), s(third, 6)) == ("50", "409.98", "50", "409.98")

    more = api.post("/operations/correct", json={"params": {"exec_id": s(fill, 17), "qty": 51}})
    assert more.status_code == 422
    assert more.json()["detail"].startswith("correct: params.qty: 51 is above the fill's 50")
    assert [s(m, 150) for m in buyer.messages(b"8")] == ["0", "F", "G", "G", "G"]


def test_orders_collected_in_a_halt_trade_when_it_is_resumed(api: httpx.Client, client):
    buyer, seller = client("QHRB"), client("QHRS")
    assert api.post("/operations/halt", json={"params": {"symbol": "AMZN"}}).status_code == 200
    for c in (buyer, seller):
        c.wait_for(status("AMZN", "2"), what="SecurityStatus 2 (trading halt)")
    buyer.send("D", order("H1", "1", 100, "180.10", "AMZN"))
    seller.send("D", order("H2", "2", 100, "179.90", "AMZN"))
    buyer.wait_for(er("H1", "0"), what="the buy's New in the halt")
    seller.wait_for(er("H2", "0"), what="the sell's New in the halt")
    time.sleep(0.3)
    assert not [m for c in (buyer, seller) for m in c.messages(b"8") if m.get(150) == b"F"]  # crossed, not traded

    assert api.post("/operations/resume", json={"params": {"symbol": "AMZN"}}).status_code == 200
    for c in (buyer, seller):
        c.wait_for(status("AMZN", "17"), what="SecurityStatus 17 (ready to trade)")
    # Uncrossed at one price: all 100 execute anywhere from 179.90 to 180.10, and 180.00 is the nearest to
    # AMZN's reference (its previous close; it has not traded here yet).
    bought = buyer.wait_for(er("H1", "F"), what="the buy's fill after the resume")
    sold = seller.wait_for(er("H2", "F"), what="the sell's fill after the resume")
    for fill in (bought, sold):
        assert (s(fill, 32), s(fill, 31), s(fill, 14), s(fill, 39), s(fill, 151)) == ("100", "180.00", "100", "2", "0")
