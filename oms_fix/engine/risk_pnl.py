"""One position in one symbol, with realised and unrealised P&L in exact Decimal.

Cost is relieved first in, first out: each fill that opens or adds is a lot at
its own price, and a fill the other way closes the oldest lots first. FIFO
keeps every figure an exact sum of products of quantities and prices (average
cost would divide), so realised + unrealised always equals the cash-flow
identity ``position x mark - sum(signed qty x px)`` to the last digit.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

__all__ = ["Position"]


class Position:
    __slots__ = ("qty", "cost", "realised", "_lots")

    def __init__(self) -> None:
        self.qty = 0                  # signed: long > 0, short < 0
        self.cost = Decimal(0)        # signed cost of the open lots, sum(lot qty x lot px)
        self.realised = Decimal(0)
        self._lots: deque[list[Any]] = deque()  # [signed qty, px], oldest first; all one sign

    def fill(self, signed_qty: int, px: Decimal) -> None:
        """Apply one fill: ``signed_qty`` > 0 bought, < 0 sold, at ``px``."""
        qty = signed_qty
        lots = self._lots
        while qty and lots and (lots[0][0] > 0) != (qty > 0):
            lot = lots[0]
            sign = 1 if lot[0] > 0 else -1
            n = min(abs(qty), abs(lot[0]))
            self.realised += (px - lot[1]) * n * sign
            self.cost -= lot[1] * n * sign
            lot[0] -= n * sign
            qty += n * sign
            if not lot[0]:
                lots.popleft()
        if qty:
            if lots and lots[-1][1] == px:
                lots[-1][0] += qty
            else:
                lots.append([qty, px])
            self.cost += px * qty
        self.qty += signed_qty

    @property
    def avg_cost(self) -> Decimal | None:
        """The open lots' average price (a quotient, for display); None when flat."""
        return self.cost / self.qty if self.qty else None

    def unrealised(self, mark: Decimal) -> Decimal:
        return self.qty * mark - self.cost

    def to_json(self) -> dict[str, Any]:
        return {"lots": [[q, str(px)] for q, px in self._lots], "realised": str(self.realised)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Position:
        p = cls()
        p.realised = Decimal(data["realised"])
        for q, px in data["lots"]:
            p._lots.append([int(q), Decimal(px)])
            p.qty += int(q)
            p.cost += Decimal(px) * int(q)
        return p
