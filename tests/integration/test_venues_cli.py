"""`oms-fix venues` as a user meets it: help, config errors, a port already taken."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def oms_fix(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oms_fix.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_help_names_the_options():
    out = oms_fix("venues", "--help")
    assert out.returncode == 0
    for flag in ("--config", "--seed", "--state-dir", "--only"):
        assert flag in out.stdout


def test_unknown_venue_and_missing_config_are_named():
    out = oms_fix("venues", "--only", "NOPE")
    assert out.returncode == 2 and "no venue NOPE" in out.stderr
    out = oms_fix("venues", "--config", "/no/such/venues.yaml")
    assert out.returncode == 2 and "/no/such/venues.yaml: no such file" in out.stderr


def test_a_taken_port_fails_at_once_and_says_which(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = tmp_path / "v.yaml"
        cfg.write_text(yaml.safe_dump({"state_dir": str(tmp_path / "s"),
                                       "instruments": str(REPO / "config" / "instruments.yaml"),
                                       "venues": {"ECN": {"kind": "ecn", "port": port}}}))
        out = oms_fix("venues", "--config", str(cfg), timeout=30)
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stdout
    assert "ECN exited with code 2 before listening" in out.stderr
    assert "venues up" not in out.stdout
