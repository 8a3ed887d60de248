"""Fixtures for the QuickFIX interop tests: peer processes and proxies, and the OMS system (`oms-fix up` and
its QuickFIX clients, one per module that asks for it), cleaned up whatever happens."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.interop.fixproxy import FrameProxy
from tests.interop.oms_up import INSTRUMENTS, RISK, VENUES, System, UpProcess, write_yaml
from tests.interop.peers import Peers, free_port
from tests.interop.qf_client import OmsClient


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[Peers]:
    p = Peers(tmp_path)
    yield p
    p.close()


@pytest.fixture
def make_proxy() -> Iterator[Callable[[int], FrameProxy]]:
    made: list[FrameProxy] = []

    def make(target_port: int) -> FrameProxy:
        px = FrameProxy(target_port)
        made.append(px)
        return px

    yield make
    for px in made:
        px.close()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    tmp = tmp_path_factory.mktemp("oms_qf")
    ports = {"EXCH": free_port(), "ECN": free_port(), "clients": free_port(), "dc": free_port()}
    venues = write_yaml(tmp / "venues.yaml", {
        "instruments": INSTRUMENTS, "tick_ms": 50,
        "venues": {
            # Continuous trading from the start, for longer than the module runs.
            "EXCH": {"kind": "exchange", "port": ports["EXCH"], "flow_share": 0.55, "makers": True,
                     "day": {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}},
            "ECN": {"kind": "ecn", "port": ports["ECN"], "flow_share": 0.35, "makers": True,
                    "fees": {"maker_per_share": "-0.0020", "taker_per_share": "0.0030"}}}})
    oms = write_yaml(tmp / "oms.yaml", {
        "clients": {"port": ports["clients"], "sessions": [
            {"target_comp_id": "CLIENT1", "account": "ACC001"}, {"target_comp_id": "CLIENT2", "account": "ACC002"},
            {"target_comp_id": "CLIENT3", "account": "ACC003"}]},
        "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": INSTRUMENTS, "risk": RISK,
        "venues": [{"name": v, "port": ports[v]} for v in VENUES]})
    up = UpProcess(["--config", str(oms), "--venues-config", str(venues), "--seed", "5"], tmp / "state")
    started: list[OmsClient] = []
    try:
        for sender, port in (("DROPCOPY", ports["dc"]), ("CLIENT1", ports["clients"]), ("CLIENT2", ports["clients"])):
            c = OmsClient(tmp / "clients" / sender, port, sender)
            started.append(c)
            c.start()
        yield System(tmp, ports, up, *started[1:], started[0])
    finally:
        for c in started:
            c.stop()
        rc, out = up.stop()
    assert rc == 0, out
    assert out.rstrip().endswith("stopped; stores flushed"), out


@pytest.fixture
def no_rejects(system: System) -> Iterator[None]:
    yield
    for c in (system.c1, system.c2, system.dc):
        assert not c.rejects, f"QuickFIX rejected what the OMS sent {c.sender}: {c.rejects}"
