"""Fixtures for the QuickFIX interop tests: peer processes and proxies, cleaned up whatever happens."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.interop.fixproxy import FrameProxy
from tests.interop.peers import Peers


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
