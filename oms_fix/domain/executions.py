"""The executions of one order: fills, their corrections (G) and busts (H).

Each execution is a chain of versions: the Trade report's ExecID, then one
ExecID per correction; a bust ends the chain (R15: a bust is never busted
again). CumQty and AvgPx are always those of the live versions: the notional
is kept as an exact Decimal sum, and AvgPx = notional / CumQty is the one
division (Decimal context, 28 digits), 0 when nothing is executed (J.1.a).

Each execution remembers its trading day, so a correction of an earlier
day's fill moves the prior-days quantity (and so DayOrderQty) and leaves
DayCumQty alone, while one of today's moves DayCumQty (R16, J.1.c).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["Execution", "Ledger"]

_ZERO = Decimal(0)


@dataclass(slots=True)
class Execution:
    versions: list[str]  # ExecIDs, oldest first; the last is what ExecRefID names
    qty: int
    px: Decimal
    day: int
    fill_id: str  # the source's id (e.g. the venue's ExecID), for dropping repeats
    live: bool = True

    @property
    def exec_id(self) -> str:
        return self.versions[-1]


@dataclass(slots=True)
class Ledger:
    _by_exec_id: dict[str, Execution] = field(default_factory=dict)
    _by_fill_id: dict[str, Execution] = field(default_factory=dict)
    _day_qty: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    _day_notional: defaultdict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    cum_qty: int = 0
    notional: Decimal = _ZERO

    def seen(self, fill_id: str) -> bool:
        return fill_id in self._by_fill_id

    def find(self, exec_id: str) -> Execution | None:
        """The execution any of whose versions is `exec_id`."""
        return self._by_exec_id.get(exec_id)

    def by_fill(self, fill_id: str) -> Execution | None:
        """The execution the source's `fill_id` made."""
        return self._by_fill_id.get(fill_id)

    def __iter__(self) -> Iterator[Execution]:
        return iter(self._by_fill_id.values())

    def add(self, *, exec_id: str, fill_id: str, qty: int, px: Decimal, day: int) -> Execution:
        ex = Execution([exec_id], qty, px, day, fill_id)
        self._by_exec_id[exec_id] = ex
        self._by_fill_id[fill_id] = ex
        self._count(ex, +1)
        return ex

    def correct(self, ex: Execution, *, exec_id: str, qty: int, px: Decimal) -> None:
        self._count(ex, -1)
        ex.qty, ex.px = qty, px
        ex.versions.append(exec_id)
        self._by_exec_id[exec_id] = ex
        self._count(ex, +1)

    def bust(self, ex: Execution, *, exec_id: str) -> None:
        self._count(ex, -1)
        ex.live = False
        self._by_exec_id[exec_id] = ex

    def rescale(self, num: int, den: int) -> None:
        """A num:den stock split: each quantity times num/den, each price times den/num."""
        for ex in self._by_fill_id.values():
            if (ex.qty * num) % den:
                raise ValueError(f"a {num}:{den} split leaves a fraction of {ex.qty}")
        for ex in self._by_fill_id.values():
            if ex.live:
                self._count(ex, -1)
            ex.qty, ex.px = ex.qty * num // den, ex.px * den / num
            if ex.live:
                self._count(ex, +1)

    def avg_px(self) -> Decimal:
        return self.notional / self.cum_qty if self.cum_qty else _ZERO

    def day_cum_qty(self, day: int) -> int:
        return self._day_qty[day]

    def day_avg_px(self, day: int) -> Decimal:
        qty = self._day_qty[day]
        return self._day_notional[day] / qty if qty else _ZERO

    def _count(self, ex: Execution, sign: int) -> None:
        self.cum_qty += sign * ex.qty
        self.notional += sign * ex.qty * ex.px
        self._day_qty[ex.day] += sign * ex.qty
        self._day_notional[ex.day] += sign * ex.qty * ex.px
