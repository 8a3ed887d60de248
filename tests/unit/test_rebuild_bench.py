"""The rebuild benchmark measures a real rebuild: the replayed core equals the core that wrote the journal."""

from __future__ import annotations

from pathlib import Path

from oms_fix.bench import rebuild_bench
from oms_fix.live.recovery import replay_journal
from oms_fix.store.journal import Journal


def test_a_core_rebuilt_from_the_benchmark_journal_without_market_data_equals_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "oms.db"
    writer = rebuild_bench.build(path, 3_000)
    rebuilt = rebuild_bench.fresh_oms(with_book=False)
    with Journal.open(path) as journal:
        got = replay_journal(rebuilt, journal)
        assert got.events == journal.last_seq >= 3_000
    assert got.commands > 500
    assert rebuilt.snapshot() == writer.snapshot()
    # Marketable orders were split across both venues: routing came from the records, not the (empty) book.
    venues = {c["venue"] for c in rebuilt.snapshot()["children"]}
    assert venues == {"EXCH", "ECN"}


def test_figures(tmp_path: Path) -> None:
    figures = rebuild_bench.run(quick=True, events=2_000)
    assert set(figures) == {"oms_rebuild_events_per_s", "oms_rebuild_orders"}
    assert figures["oms_rebuild_events_per_s"] > 0 and figures["oms_rebuild_orders"] > 100
