"""GTD orders' ExpireTimes, earliest first, for an engine's ``on_time``.

Entries are never removed in place: an entry goes stale when its order is
done or its ExpireTime is replaced (the replace pushes a new entry), and the
engine drops stale entries as they come due. So that orders cancelled long
before they would expire do not pile up, the engine calls ``compact`` after
every push and every order done, and it rebuilds the heap from the entries
still current once it holds more than twice as many entries as the engine
has live orders plus 64. So the heap holds at most 2 * live + 64 entries
between calls, and a rebuild (which keeps at most ``live`` entries, so drops
more than half) costs no more than the pushes of the entries it drops.
"""

from __future__ import annotations

import heapq
from typing import Callable, Generic, TypeVar

__all__ = ["ExpiryQueue"]

K = TypeVar("K")
_SLACK = 64


class ExpiryQueue(Generic[K]):
    """(expire_ns, key) entries; ``key`` names an order in the engine's own terms."""

    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, K]] = []  # (expire_ns, push order, key): keys are never compared
        self._seq = 0

    def push(self, expire_ns: int, key: K) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (expire_ns, self._seq, key))

    def pop_due(self, now: int) -> list[tuple[int, K]]:
        """Every entry with ExpireTime at or before ``now``, earliest first (stale ones too: the caller checks)."""
        heap = self._heap
        due = []
        while heap and heap[0][0] <= now:
            expire_ns, _, key = heapq.heappop(heap)
            due.append((expire_ns, key))
        return due

    def compact(self, live: int, current: Callable[[int, K], bool]) -> None:
        """Drop stale entries (``current(expire_ns, key)`` is False) if the heap holds more than 2 * live + 64."""
        heap = self._heap
        if len(heap) <= 2 * live + _SLACK:
            return
        seen: set[tuple[int, K]] = set()
        kept = []
        for entry in sorted(heap):
            pair = (entry[0], entry[2])
            if pair not in seen and current(*pair):
                seen.add(pair)
                kept.append(entry)
        self._heap = kept  # sorted, so already a heap

    def __len__(self) -> int:
        return len(self._heap)
