"""The OMS system with its venues' control APIs, for the tests of the OMS against venue faults (issue 7).

``up_with_faults`` is conftest.py's ``system`` (up_system.py) with a control
API on each venue, on a free port, and faults armed at start. ``FaultSystem``
arms faults and runs operations at a venue, asks the OMS's REST API, and
reads what the OMS said to and heard from each venue in its venue-side FIX
message logs (``var/fix/log/FIX.4.4-OMS--<VENUE>.messages.log``).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

from oms_fix.fix.message import Message
from tests.interop.oms_up import VENUES, System
from tests.interop.peers import free_port
from tests.interop.up_system import up_system

__all__ = ["ALICE", "FaultSystem", "VenueLine", "child_ids", "shown", "up_with_faults"]

ALICE = {"X-API-Key": "local-alice-key"}  # config/api_users.yaml: trades account ACC001 (CLIENT1's)
VenueLine = tuple[str, str, dict[int, str]]  # direction IN/OUT, the raw text with '|', its fields


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

    def fired(self, venue: str) -> list[dict[str, Any]]:
        """Every firing of a fault (and every operation) at ``venue`` so far, in order."""
        with self.api(venue) as api:
            r = api.get("/faults/fired")
        assert r.status_code == 200, f"{venue} /faults/fired: {r.status_code} {r.text}"
        return r.json()

    def oms_get(self, path: str) -> Any:
        """GET from the OMS's REST API as alice."""
        with httpx.Client(base_url=self.sys.up.api, timeout=10, headers=ALICE) as api:
            r = api.get(path)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r.json()

    def venue_lines(self, venue: str) -> list[VenueLine]:
        """Every message of the OMS's session with ``venue``, in order."""
        path = self.sys.up.state / "fix" / "log" / f"FIX.4.4-OMS--{venue}.messages.log"
        return _read_log(path) if path.exists() else []

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


def _read_log(path: Path) -> list[VenueLine]:
    out: list[VenueLine] = []
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


def shown(reports: list[Message]) -> str:
    return "\n".join(bytes(m.raw).decode("latin-1").replace("\x01", "|") for m in reports)


def child_ids(fs: FaultSystem, venue: str, symbol: str) -> list[str]:
    """ClOrdIDs of the OMS's NewOrderSingles for ``symbol`` at ``venue``, in order."""
    return [f[11] for d, _, f in fs.venue_lines(venue) if d == "OUT" and f.get(35) == "D" and f.get(55) == symbol]


@contextmanager
def up_with_faults(tmp: Path, start_faults: list[dict[str, Any]]) -> Iterator[FaultSystem]:
    """CLIENT1 (account ACC001) and the drop copy on an OMS whose venues arm ``start_faults`` at start."""
    control = {v: free_port() for v in VENUES}
    extra = {v: {"control_port": control[v], "faults": start_faults} for v in VENUES}
    with up_system(tmp, seed=7, sessions=1, started=1, venue_extra=extra) as sys:
        yield FaultSystem(sys, {v: f"http://127.0.0.1:{p}" for v, p in control.items()})
