"""The OMS reading a venue's market data while the venue misbehaves on cue (issue 7): `oms-fix up`, its EXCH
and ECN venue processes, market faults armed through EXCH's control API, the OMS's view read back through its
REST API (GET /market-data/{symbol}: the consolidated quote and each venue's top of book).

* crossed_quote: EXCH publishes a bid above its own best offer; the OMS takes it as sent (a crossed market is
  a real state of fragmented markets, flagged, not refused: marketdata/quality.py), and drops it with EXCH's
  next update once the window ends.
* stale_quote: EXCH sends no market data for the window; the OMS's EXCH quote stops moving while ECN's goes on
  (its ``updated_at`` stands still), and catches up when the window ends.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any, Callable

import pytest

from tests.interop.fault_system import FaultSystem
from tests.polling import eventually

pytestmark = [pytest.mark.interop, pytest.mark.slow]


def venue_view(fs: FaultSystem, symbol: str, venue: str) -> dict[str, Any] | None:
    got = fs.oms_get(f"/market-data/{symbol}")
    return next((v for v in got["venues"] if v["venue"] == venue), None)


def wait(cond: Callable[[], Any], what: str, timeout_s: float = 15.0) -> Any:
    return eventually(cond, what, timeout_s, every_s=0.1)  # each poll is an HTTP request to the OMS


def crossed(v: dict[str, Any] | None) -> bool:
    return v is not None and v["bid"] is not None and v["ask"] is not None and Decimal(str(v["bid"])) > \
        Decimal(str(v["ask"]))


def test_a_crossed_quote_reaches_the_oms_as_sent_and_leaves_with_the_window(fs: FaultSystem) -> None:
    wait(lambda: (v := venue_view(fs, "AAPL", "EXCH")) and v["bid"] is not None and v["ask"] is not None,
         "a two-sided EXCH quote for AAPL at the OMS")
    fs.post("EXCH", "/faults", {"kind": "crossed_quote", "params": {"ticks": 2},
                                "scope": {"symbol": "AAPL", "end_s": 3}})
    v = wait(lambda: got if crossed(got := venue_view(fs, "AAPL", "EXCH")) else None,
             "EXCH's crossed AAPL quote at the OMS")
    assert Decimal(str(v["bid"])) == Decimal(str(v["ask"])) + Decimal("0.02")  # 2 ticks above its best offer
    wait(lambda: not crossed(venue_view(fs, "AAPL", "EXCH")), "EXCH's quote uncrossed after the window")
    [f] = [f for f in fs.fired("EXCH") if f["kind"] == "crossed_quote"]
    assert f["symbol"] == "AAPL"


def updated(fs: FaultSystem, symbol: str, venue: str) -> str | None:
    return (venue_view(fs, symbol, venue) or {}).get("updated_at")


def test_a_stale_quote_stops_the_venues_updates_at_the_oms_then_it_catches_up(fs: FaultSystem) -> None:
    first = wait(lambda: updated(fs, "MSFT", "EXCH"), "an EXCH quote for MSFT at the OMS")
    # EXCH's MSFT data moves within two seconds, twice running, so that standing still for two means something.
    second = wait(lambda: (t := updated(fs, "MSFT", "EXCH")) != first and t, "EXCH's next MSFT update", 2.0)
    wait(lambda: updated(fs, "MSFT", "EXCH") != second, "EXCH's MSFT update after that", 2.0)
    fs.post("EXCH", "/faults", {"kind": "stale_quote", "scope": {"symbol": "MSFT", "end_s": 15}})

    def still() -> str | None:  # EXCH's MSFT data has stopped: the same for two seconds (what was in flight is in)
        before = updated(fs, "MSFT", "EXCH")
        time.sleep(2.0)
        return before if updated(fs, "MSFT", "EXCH") == before else None

    frozen = wait(still, "EXCH's MSFT data to stop at the OMS", timeout_s=7)
    ecn_before = updated(fs, "MSFT", "ECN")
    wait(lambda: updated(fs, "MSFT", "ECN") != ecn_before, "ECN's MSFT data going on meanwhile", timeout_s=5)
    assert updated(fs, "MSFT", "EXCH") == frozen  # nothing from EXCH all the while ECN's went on
    wait(lambda: updated(fs, "MSFT", "EXCH") != frozen, "EXCH's MSFT data again after the window", timeout_s=20)
    [f] = [f for f in fs.fired("EXCH") if f["kind"] == "stale_quote"]
    assert f["symbol"] == "MSFT"
