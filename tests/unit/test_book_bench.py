"""The book benchmark: its figures, its workload, and the reference book as a differential oracle."""

from __future__ import annotations

from collections import Counter

from oms_fix.bench import book_bench
from sim_venues.book import Book


def test_quick_run_reports_positive_figures() -> None:
    # No timing assertion: speed is the benchmark's to report, not a test's to judge on a shared machine.
    figures = book_bench.run(quick=True)
    assert set(figures) == {"book_impl", "book_ops_per_s", "book_reference_ops_per_s", "book_vs_reference",
                            "book_bytes_per_order"}
    assert figures.pop("book_impl") == book_bench.book_impl() in ("mypyc", "python", "mypyc-stale")
    assert all(isinstance(value, float) and value > 0 for value in figures.values())


def test_workload_is_seeded_and_has_the_issues_mix() -> None:
    ops = book_bench.workload(20_000, seed=7)
    assert ops == book_bench.workload(20_000, seed=7)
    assert ops != book_bench.workload(20_000, seed=8)
    results = book_bench.replay(Book(), ops)
    kinds = Counter("cancel" if op[0] == book_bench.CANCEL else "aggressive" if fills else "passive"
                    for op, fills in zip(ops, results))
    assert all(r is True for op, r in zip(ops, results) if op[0] == book_bench.CANCEL)  # cancels name live orders
    assert abs(kinds["passive"] / len(ops) - 0.60) < 0.03
    assert abs(kinds["cancel"] / len(ops) - 0.25) < 0.03
    assert abs(kinds["aggressive"] / len(ops) - 0.15) < 0.03
    swept = [len({f.price for f in fills}) for fills in results if isinstance(fills, list) and fills]
    assert set(swept) == {1, 2, 3}


def test_reference_book_gives_identical_fills() -> None:
    ops = book_bench.workload(50_000, seed=3)
    ours = book_bench.replay(Book(), ops)
    assert ours == book_bench.replay(book_bench.ReferenceBook(), ops)
    assert sum(len(r) for r in ours if isinstance(r, list)) > 10_000


def test_bytes_per_order_is_within_budget() -> None:
    assert 0 < book_bench.bytes_per_order(20_000) <= 250
