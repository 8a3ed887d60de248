"""Fixtures for the QuickFIX interop tests: peer processes and proxies, and the OMS system (`oms-fix up` and
its QuickFIX clients, one per module that asks for it; ``fs`` and ``c``, the same with each venue's control
API, for the tests of the OMS against venue faults), cleaned up whatever happens."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.interop.fault_system import FaultSystem, up_with_faults
from tests.interop.fixproxy import FrameProxy
from tests.interop.oms_up import System
from tests.interop.peers import Peers
from tests.interop.qf_client import OmsClient
from tests.interop.up_system import up_system


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
    with up_system(tmp_path_factory.mktemp("oms_qf"), seed=5, sessions=3, started=2) as s:
        yield s


@pytest.fixture(scope="module")
def fs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSystem]:
    """The module's OMS with a control API on each venue, arming the module's ``START_FAULTS`` (if any)."""
    with up_with_faults(tmp_path_factory.mktemp("oms_faults"), getattr(request.module, "START_FAULTS", [])) as f:
        yield f


@pytest.fixture
def c(fs: FaultSystem) -> Iterator[OmsClient]:
    """``fs``'s CLIENT1; QuickFIX found nothing the OMS sent it invalid during the test."""
    client = fs.sys.c1
    yield client
    assert not client.rejects, f"QuickFIX rejected what the OMS sent: {client.rejects}"


@pytest.fixture
def no_rejects(system: System) -> Iterator[None]:
    yield
    for c in (system.c1, system.c2, system.dc):
        assert not c.rejects, f"QuickFIX rejected what the OMS sent {c.sender}: {c.rejects}"
