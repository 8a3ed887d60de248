"""Store factories for the live runtime: one durable FileStore per session."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from ..fix.config import SessionConfig
from ..fix.store import MessageStore

__all__ = ["file_store_factory"]


def file_store_factory(directory: Path, fsync: bool = False) -> Callable[[SessionConfig], MessageStore]:
    from ..fix.filestore import FileStore

    def make(config: SessionConfig) -> MessageStore:
        # A new store records when its sequence began; the live layer owns the clock.
        return FileStore(directory, config.session_id, fsync=fsync, creation_ns=time.time_ns())

    return make
