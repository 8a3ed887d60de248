"""The OMS's start-up: rebuild the whole core from a real OMS journal of N events.

Build (not measured): the real core (``Oms`` with its risk engine and a
two-venue consolidated book) takes client orders (half marketable IOC, split
across the venues by displayed size and filled there, a quarter resting day
orders, a quarter cancels of those) and a scripted venue's answers (New, Trade,
Canceled), and its journal records go to a SQLite journal exactly as the live
runtime writes them, until the journal holds N events (1,000,000; 50,000 with
--quick).

Measured, best of 3, each time a fresh core and a freshly opened journal:
``oms_rebuild_events_per_s``, the events of the journal over the time
``replay_journal`` takes to feed every command back through the core and check
every other record against what the replay produced: what `oms-fix up` does
before it takes a connection. ``oms_rebuild_orders`` is the number of client
orders that rebuilds.
"""

from __future__ import annotations

import gc
import tempfile
import time
from decimal import Decimal as D
from pathlib import Path
from typing import Callable

from ..domain import NewOrder, OrdType, Side
from ..domain import TimeInForce as TIF
from ..domain.commands import CancelOrder
from ..engine import oms_types as t
from ..engine.oms import Oms
from ..engine.risk import RiskEngine
from ..engine.risk_limits import Limits, RiskConfig
from ..live.recovery import replay_journal, to_records
from ..marketdata.consolidated import ConsolidatedBook
from ..store.journal import Journal, NewEvent

__all__ = ["build", "fresh_oms", "run"]

_T0 = 1_764_000_000_000_000_000


def fresh_oms(with_book: bool = True) -> Oms:
    book = ConsolidatedBook()
    if with_book:
        book.snapshot("EXCH", "AAPL", [(D("99.99"), 300)], [(D("100.01"), 200)])
        book.snapshot("ECN", "AAPL", [(D("100.00"), 100)], [(D("100.01"), 300), (D("100.02"), 100)])
    risk = RiskEngine(RiskConfig(defaults=Limits(max_order_qty=100_000)), {"AAPL": D("100.00")}, {"AAPL": D("0.01")})
    return Oms({"AAPL": t.InstrumentRules(tick=D("0.01"), lot=100)}, risk, book,
               [t.VenueRule(name="EXCH"), t.VenueRule(name="ECN")], id_prefix="B-")


class _Writer:
    """Drives the core as the runtime would and journals its records."""

    def __init__(self, journal: Journal) -> None:
        self.oms = fresh_oms()
        self.journal = journal
        self.now = _T0
        self.pending: list[NewEvent] = []
        self.events = 0
        self.orders = 0
        self.execs = 0
        self.resting: list[tuple[str, str]] = []  # (ClOrdID, child id) of resting orders

    def feed(self, cmd: t.Command) -> list[t.Out]:
        self.now += 20_000
        outs = self.oms.handle(cmd, self.now)
        records = to_records(outs, self.now, batch_start=True)
        self.pending += records
        self.events += len(records)
        if len(self.pending) >= 500:
            self.flush()
        return outs

    def flush(self) -> None:
        self.journal.append(self.pending)
        self.pending = []

    def venue(self, outs: list[t.Out]) -> None:
        """The venues answer: New for every child; marketable IOC children fill, cancels cancel."""
        for o in outs:
            if isinstance(o, t.ToVenueNew):
                self._exec(o.venue, o.child_id, "0", "0", leaves=o.qty)
                if o.tif == TIF.IMMEDIATE_OR_CANCEL.value:
                    self._exec(o.venue, o.child_id, "F", "2", last=o.qty, px=D("100.01"), cum=o.qty)
            elif isinstance(o, t.ToVenueCancel):
                self._exec(o.venue, o.child_id, "4", "4")

    def _exec(self, venue: str, child: str, exec_type: str, status: str, last: int = 0, px: D | None = None,
              cum: int = 0, leaves: int = 0) -> None:
        self.execs += 1
        self.venue(self.feed(t.VenueExec(venue=venue, child_id=child, exec_type=exec_type, ord_status=status,
                                         exec_id=f"V{self.execs}", last_qty=last, last_px=px, cum_qty=cum,
                                         leaves_qty=leaves, avg_px=px)))

    def order(self) -> None:
        self.orders += 1
        n = self.orders
        if n % 4 == 3 and self.resting:
            cl = self.resting.pop(0)[0]
            self.venue(self.feed(t.ClientCancel(session="CLIENT1", cmd=CancelOrder(cl_ord_id=f"X{n}", orig_cl_ord_id=cl),
                                                symbol="AAPL", side=Side.BUY)))
            return
        ioc = n % 4 < 2
        order = NewOrder(cl_ord_id=f"N{n}", symbol="AAPL", side=Side.BUY, order_qty=400 if ioc else 100,
                         ord_type=OrdType.LIMIT, price=D("100.02") if ioc else D("99.50"),
                         time_in_force=TIF.IMMEDIATE_OR_CANCEL if ioc else TIF.DAY, account="ACC001")
        outs = self.feed(t.ClientNew(session="CLIENT1", account="ACC001", order=order))
        if not ioc:
            self.resting += [(order.cl_ord_id, o.child_id) for o in outs if isinstance(o, t.ToVenueNew)]
        self.venue(outs)


def build(path: Path, events: int, progress: Callable[[str], None] | None = None) -> Oms:
    """A real OMS journal of at least ``events`` events at ``path``; returns the core that wrote it."""
    with Journal.open(path, sync="normal") as journal:
        w = _Writer(journal)
        journal.append([(w.now, "start", "oms", '{"id_prefix": "B-"}')])
        w.events += 1
        step = max(1, events // 10)
        mark = step
        while w.events < events:
            w.order()
            if progress is not None and w.events >= mark:
                progress(f"rebuild: built {w.events:,} of {events:,} events")
                mark += step
        w.flush()
        return w.oms


def _rebuild_rate(path: Path, repeats: int) -> float:
    best = float("inf")
    events = 0
    for _ in range(repeats):
        gc.collect()
        oms = fresh_oms(with_book=False)  # a restart has no market data yet: routing comes from the records
        with Journal.open(path) as journal:
            t0 = time.perf_counter()
            got = replay_journal(oms, journal)
            best = min(best, time.perf_counter() - t0)
            events = got.events
    return events / best


def run(quick: bool, events: int | None = None, progress: Callable[[str], None] | None = None) -> dict[str, float]:
    n = events if events is not None else 50_000 if quick else 1_000_000
    say = progress or (lambda text: None)
    with tempfile.TemporaryDirectory(prefix="rebuild-bench-") as tmp:
        path = Path(tmp) / "oms.db"
        say(f"rebuild: building a real OMS journal of {n:,} events")
        orders = len(build(path, n, say).snapshot()["parents"])
        repeats = 3 if n <= 200_000 else 2
        say(f"rebuild: replaying it into a fresh core (best of {repeats})")
        rate = _rebuild_rate(path, repeats)
    return {"oms_rebuild_events_per_s": rate, "oms_rebuild_orders": float(orders)}


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv, progress=lambda text: print(f"  ... {text}", file=sys.stderr)))
