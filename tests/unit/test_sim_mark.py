"""The simulated OMS's marks: a symbol's mid goes in when it moved, and only books that changed are looked at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oms_fix.engine import oms_types as t
from oms_fix.marketdata.consolidated import ConsolidatedBook, Quote
from oms_fix.sim.oms_node import SimOms
from oms_fix.sim.recorder import Recorder
from oms_fix.sim.scheduler import Scheduler

T0 = 1_772_461_800 * 10**9
S = 10**9


class Core:
    """Stands in for the OMS core: keeps the commands, answers nothing."""

    def __init__(self) -> None:
        self.commands: list[Any] = []

    def handle(self, cmd: Any, now: int) -> list[Any]:
        self.commands.append(cmd)
        return []


class CountingBook(ConsolidatedBook):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def nbbo(self, symbol: str, exclude: frozenset[str] = frozenset()) -> Quote:
        self.asked.append(symbol)
        return super().nbbo(symbol, exclude)


def test_marks_go_in_when_the_mid_moved_and_unchanged_books_are_not_looked_at() -> None:
    sched, core, book = Scheduler(T0), Core(), CountingBook()
    node = SimOms(core, book, ["AAPL", "MSFT"], sched, Recorder(["AAPL", "MSFT"]))  # type: ignore[arg-type]

    def data(at: int, symbol: str, bid: str, ask: str) -> None:
        sched.at(at, node.on_market_data, "EXCH", symbol, [(Decimal(bid), 100)], [(Decimal(ask), 100)], [])

    def marks() -> list[tuple[str, Decimal]]:
        out = [(c.symbol, c.price) for c in core.commands if isinstance(c, t.Mark)]
        core.commands.clear()
        return out

    data(T0, "AAPL", "190.00", "190.02")
    data(T0, "MSFT", "410.00", "410.10")
    for k in range(1, 5):
        sched.at(T0 + k * S, node.mark)
    data(T0 + 2 * S + 1, "AAPL", "190.02", "190.04")
    data(T0 + 3 * S, "MSFT", "410.00", "410.10")  # the same instant as a mark, and after it: seen at the next one

    sched.run(T0 + S)
    assert marks() == [("AAPL", Decimal("190.01")), ("MSFT", Decimal("410.05"))]
    book.asked.clear()
    sched.run(T0 + 2 * S)
    assert marks() == [] and book.asked == []  # nothing arrived: not even looked at
    sched.run(T0 + 3 * S)
    assert marks() == [("AAPL", Decimal("190.03"))] and book.asked == ["AAPL"]
    book.asked.clear()
    sched.run(T0 + 4 * S)
    assert marks() == [] and book.asked == ["MSFT"]  # looked at again; the mid had not moved
