"""The journal benchmark runs end to end and reports its figures (no timing assertions)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from oms_fix.bench import journal_bench
from oms_fix.store import Journal
from oms_fix.store.journal import BODY, KIND, SEQ, STREAM


def test_a_tiny_run_reports_every_figure_positive() -> None:
    figures = journal_bench.run(quick=True, events=2_000)
    assert set(figures) == {"journal_replay_events_per_s", "journal_replay_raw_events_per_s",
                            "journal_replay_bytes_events_per_s", "journal_json_loads_per_s",
                            "journal_append_events_per_s"}
    assert all(isinstance(value, float) and value > 0 for value in figures.values())


def test_the_built_journal_holds_realistic_json_bodies(tmp_path: Path) -> None:
    journal_bench.build(tmp_path / "j.db", 1_005, batch=10)
    with Journal.open(tmp_path / "j.db") as journal:
        events = list(journal.replay())
        assert [e[SEQ] for e in events] == list(range(1, 1_006))
        assert 140 <= statistics.mean(len(e[BODY]) for e in events) <= 160
        assert all(json.loads(e[BODY])["type"] == e[KIND] for e in events)
        assert len(journal.query(events[0][STREAM])) == 4
