"""Message stores: a session's sequence numbers and the messages it sent.

The session calls the store; a store never calls the session. `MemoryStore`
serves tests and the simulation; `FileStore` (in `filestore.py`) is durable.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["MessageStore", "MemoryStore"]


class MessageStore(Protocol):
    """What the session needs from a store.

    `flush()` makes everything recorded so far durable; the transport calls it
    before writing bytes to the socket, so nothing leaves that a restart would
    forget.
    """

    next_sender: int
    next_target: int
    creation_ns: int

    def set_next_sender(self, seq: int) -> None: ...
    def set_next_target(self, seq: int) -> None: ...
    def save_sent(self, seq: int, raw: bytes) -> None: ...
    def get_sent(self, begin: int, end: int) -> list[tuple[int, bytes]]: ...
    def reset(self, now_ns: int) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class MemoryStore:
    def __init__(self, creation_ns: int = 0):
        self.next_sender = 1
        self.next_target = 1
        self.creation_ns = creation_ns
        self._sent: dict[int, bytes] = {}

    def set_next_sender(self, seq: int) -> None:
        self.next_sender = seq

    def set_next_target(self, seq: int) -> None:
        self.next_target = seq

    def save_sent(self, seq: int, raw: bytes) -> None:
        self._sent[seq] = raw

    def get_sent(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        sent = self._sent
        if end - begin > len(sent):
            return [(s, sent[s]) for s in sorted(sent) if begin <= s <= end]
        return [(s, sent[s]) for s in range(begin, end + 1) if s in sent]

    def reset(self, now_ns: int) -> None:
        self.next_sender = 1
        self.next_target = 1
        self.creation_ns = now_ns
        self._sent.clear()

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
