"""The OMS system an interop module trades through: `oms-fix up` with its EXCH and ECN venue processes and
QuickFIX clients (a drop copy and one or two order-entry sessions), stopped and checked whatever happens.

conftest.py's ``system`` and ``fault_system`` fixtures are both this; the
second gives each venue a control API and may arm faults at start.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from tests.interop.oms_up import INSTRUMENTS, RISK, VENUES, System, UpProcess, write_yaml
from tests.interop.peers import free_port
from tests.interop.qf_client import OmsClient

__all__ = ["up_system"]


def _venues(ports: dict[str, int], extra: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    base = {
        # Continuous trading from the start, for longer than a module runs.
        "EXCH": {"kind": "exchange", "port": ports["EXCH"], "flow_share": 0.55, "makers": True,
                 "day": {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}},
        "ECN": {"kind": "ecn", "port": ports["ECN"], "flow_share": 0.35, "makers": True,
                "fees": {"maker_per_share": "-0.0020", "taker_per_share": "0.0030"}}}
    return {"instruments": INSTRUMENTS, "tick_ms": 50,
            "venues": {v: {**cfg, **extra.get(v, {})} for v, cfg in base.items()}}


@contextmanager
def up_system(tmp: Path, *, seed: int, sessions: int, started: int,
              venue_extra: Mapping[str, dict[str, Any]] | None = None) -> Iterator[System]:
    """The OMS accepting CLIENT1..CLIENT<sessions> (accounts ACC001..) and DROPCOPY; the drop copy and the
    first ``started`` clients logged on (``System.c2`` is ``c1`` when only one is). ``venue_extra`` adds
    to each venue's config (a control port, faults armed at start)."""
    ports = {"EXCH": free_port(), "ECN": free_port(), "clients": free_port(), "dc": free_port()}
    venues = write_yaml(tmp / "venues.yaml", _venues(ports, venue_extra or {}))
    oms = write_yaml(tmp / "oms.yaml", {
        "clients": {"port": ports["clients"], "sessions": [
            {"target_comp_id": f"CLIENT{i}", "account": f"ACC00{i}"} for i in range(1, sessions + 1)]},
        "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": INSTRUMENTS, "risk": RISK,
        "venues": [{"name": v, "port": ports[v]} for v in VENUES]})
    up = UpProcess(["--config", str(oms), "--venues-config", str(venues), "--seed", str(seed)], tmp / "state")
    clients: list[OmsClient] = []
    try:
        for sender, port in [("DROPCOPY", ports["dc"])] + [(f"CLIENT{i}", ports["clients"])
                                                            for i in range(1, started + 1)]:
            c = OmsClient(tmp / "clients" / sender, port, sender)
            clients.append(c)
            c.start()
        dc, c1, *more = clients
        yield System(tmp, ports, up, c1, more[0] if more else c1, dc)
    finally:
        for c in clients:
            c.stop()
        rc, out = up.stop()
    assert rc == 0, out
    assert out.rstrip().endswith("stopped; stores flushed"), out
