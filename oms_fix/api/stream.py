"""Server-sent events (GET /stream): order, fill and execution updates, each to the users who may see it.

Each subscriber has a bounded queue. One that falls 1,000 events behind (a
browser tab left asleep) is sent an ``overflow`` event and dropped rather than
let the OMS's memory grow; reconnecting gives it the current state again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .users import User

__all__ = ["StreamHub"]

_QUEUE = 1000
_KEEPALIVE_S = 15.0


@dataclass(eq=False)
class _Subscriber:
    user: User
    queue: asyncio.Queue[tuple[str, str] | None] = field(default_factory=lambda: asyncio.Queue(_QUEUE))
    dropped: bool = False


class StreamHub:
    def __init__(self) -> None:
        self.subscribers: set[_Subscriber] = set()
        self.sent = 0
        self.overflows = 0

    def publish(self, event: str, data: dict[str, Any], account: str | None) -> None:
        """``account`` None: every subscriber may see it (e.g. a kill switch for all accounts)."""
        if not self.subscribers:
            return
        text = json.dumps(data, default=str)
        for sub in list(self.subscribers):
            if sub.dropped or (account is not None and not sub.user.sees(account)):
                continue
            try:
                sub.queue.put_nowait((event, text))
                self.sent += 1
            except asyncio.QueueFull:
                sub.dropped = True
                self.overflows += 1
                while not sub.queue.empty():  # what it has not read is stale now: room for the last word
                    sub.queue.get_nowait()
                sub.queue.put_nowait(("overflow", json.dumps({"detail": f"more than {_QUEUE} events behind; "
                                                                         "reconnect for the current state"})))

    async def events(self, user: User, first: list[tuple[str, dict[str, Any]]]) -> AsyncIterator[str]:
        """The SSE text for one subscriber: ``first`` (the current state), then updates as they come."""
        sub = _Subscriber(user)
        self.subscribers.add(sub)
        try:
            yield "retry: 2000\n\n"
            for event, data in first:
                yield f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), _KEEPALIVE_S)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if item is None:
                    return
                event, text = item
                yield f"event: {event}\ndata: {text}\n\n"
                if sub.dropped and event == "overflow":
                    return
        finally:
            self.subscribers.discard(sub)
