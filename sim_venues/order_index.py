"""An engine's index of orders by (owner, ClOrdID), and how long done orders stay in it.

Both engines (``matching.Engine``, ``midpoint.MidpointEngine``) find orders by
(owner, any ClOrdID of the order's cancel/replace chain) and must not keep
every order they ever saw: a venue runs for hours under a background market
that places and cancels orders many times a second. So:

- An order of the venue's own background market (an owner starting with
  ``"~"``) is forgotten as soon as it is done: every (owner, ClOrdID) of its
  chain leaves the index.
- A session's done order stays findable (OrderStatusRequest, R13's PossResend
  check, a late cancel answered "too late") until ``keep_done`` newer done
  orders of sessions have joined it; then the oldest is forgotten first.
- A forgotten order is unknown: ``get`` returns None for every ClOrdID of its
  chain, and those ClOrdIDs may name a new order.

A ClOrdID reused by a new order after its old order is done names the new
order; forgetting the old order later leaves that entry alone.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["BACKGROUND", "KEEP_DONE", "OrderIndex"]

BACKGROUND = "~"  # owners starting with this are the venue's own background market
KEEP_DONE = 10_000

T = TypeVar("T")


class OrderIndex(Generic[T]):
    """(owner, ClOrdID) -> the engine's record of an order; ``key`` is the order's OrderID."""

    __slots__ = ("keep_done", "_by_cl", "_chains", "_done")

    def __init__(self, keep_done: int = KEEP_DONE) -> None:
        if keep_done < 0:
            raise ValueError(f"keep_done must not be negative, not {keep_done}")
        self.keep_done = keep_done
        self._by_cl: dict[tuple[str, str], T] = {}
        self._chains: dict[str, tuple[str, list[str], T]] = {}  # key -> (owner, ClOrdIDs of the chain, record)
        self._done: OrderedDict[str, None] = OrderedDict()  # keys of the sessions' done orders kept, oldest first

    def get(self, owner: str, cl_ord_id: str) -> T | None:
        return self._by_cl.get((owner, cl_ord_id))

    def add(self, key: str, owner: str, cl_ord_id: str, record: T) -> None:
        """Index an accepted order under its first ClOrdID, or under the next one of its chain."""
        self._by_cl[(owner, cl_ord_id)] = record
        chain = self._chains.get(key)
        if chain is None:
            self._chains[key] = (owner, [cl_ord_id], record)
        else:
            chain[1].append(cl_ord_id)

    def finished(self, key: str) -> None:
        """The order is done (its terminal report is made): forget it now, or keep it among the recent done ones."""
        chain = self._chains.get(key)
        if chain is None:
            return
        if chain[0].startswith(BACKGROUND):
            self._forget(key)
            return
        done = self._done
        done[key] = None
        done.move_to_end(key)
        while len(done) > self.keep_done:
            self._forget(done.popitem(last=False)[0])

    def reopened(self, key: str) -> None:
        """A done order works again (a quantity increase of a filled order, FIX 4.4 R8)."""
        self._done.pop(key, None)

    def _forget(self, key: str) -> None:
        owner, ids, record = self._chains.pop(key)
        self._done.pop(key, None)
        by_cl = self._by_cl
        for cl in ids:
            if by_cl.get((owner, cl)) is record:
                del by_cl[(owner, cl)]

    def __len__(self) -> int:
        """How many (owner, ClOrdID) pairs are indexed."""
        return len(self._by_cl)

    def __contains__(self, key: object) -> bool:
        """Whether the order with this OrderID is still known."""
        return key in self._chains
