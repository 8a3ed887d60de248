"""Waiting in tests for what another process or thread does: poll, never sleep-then-assert."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def eventually(cond: Callable[[], T], what: str, timeout_s: float = 10.0, every_s: float = 0.05) -> T:
    """``cond()`` once it gives something truthy; ``AssertionError`` naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout_s:g} s")
        time.sleep(every_s)
