"""`oms-fix bench --quick` runs end to end and reports every key the issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = [
    "codec_parse_msgs_per_s", "codec_parse_vs_simplefix", "codec_encode_vs_simplefix",
    "session_echo_msgs_per_s", "session_echo_vs_quickfix", "session_echo_p50_us", "session_echo_p99_us",
    "session_echo_quickfix_msgs_per_s", "book_ops_per_s", "book_vs_reference", "book_bytes_per_order",
    "venue_orders_per_s", "journal_replay_events_per_s", "e2e_orders_per_s", "e2e_p50_us", "e2e_p99_us",
]


@pytest.mark.slow
def test_bench_quick_reports_all_keys(tmp_path: Path) -> None:
    out_file = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "oms_fix.cli", "bench", "--quick", "--json", str(out_file)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(out_file.read_text())
    for key in KEYS:
        assert key in figures, f"{key} missing from {sorted(figures)}"
        assert figures[key] > 0, f"{key} = {figures[key]}"
    assert figures["session_echo_p50_us"] <= figures["session_echo_p99_us"]
    assert "bar:" in proc.stdout
