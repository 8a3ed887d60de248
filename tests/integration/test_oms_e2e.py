"""End to end between real processes: `oms-fix up` (venues + OMS), a maker at the venue, a client at the OMS."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "oms_fix.cli"]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(tmp: Path, port: int, target: str, sender: str, script: str) -> str:
    out = subprocess.run(CLI + ["client", "--port", str(port), "--target", target, "--sender", sender,
                                "--state-dir", str(tmp / "clients"), "-c", script, "--wait", "2"],
                         capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_a_client_order_is_routed_filled_at_the_venue_and_reported_back(tmp_path: Path) -> None:
    ports = {"EXCH": free_port(), "ECN": free_port(), "clients": free_port(), "dc": free_port()}
    venues = tmp_path / "venues.yaml"
    venues.write_text(yaml.safe_dump({
        "instruments": str(REPO / "config" / "instruments.yaml"),
        "venues": {"EXCH": {"kind": "exchange", "port": ports["EXCH"],
                            "day": {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}},
                   "ECN": {"kind": "ecn", "port": ports["ECN"]}}}))
    oms = tmp_path / "oms.yaml"
    oms.write_text(yaml.safe_dump({
        "clients": {"port": ports["clients"], "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
        "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": str(REPO / "config" / "instruments.yaml"), "risk": str(REPO / "config" / "risk.yaml"),
        "venues": [{"name": "EXCH", "port": ports["EXCH"]}, {"name": "ECN", "port": ports["ECN"]}]}))
    proc = subprocess.Popen(CLI + ["up", "--config", str(oms), "--venues-config", str(venues),
                                   "--state-dir", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, cwd=REPO)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not {"  venue EXCH up\n", "  venue ECN up\n"} <= set(lines):
            assert time.monotonic() < deadline, "".join(lines)
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        maker = client(tmp_path, ports["ECN"], "ECN", "MAKER", "sell 300 MSFT @410.00")
        assert "ExecType=0 New" in maker
        time.sleep(1)  # the offer reaches the OMS's consolidated book
        out = client(tmp_path, ports["clients"], "OMS", "CLIENT1",
                     "buy 200 MSFT @410.05 id=B1; buy 30 MSFT @410.00 id=B2; buy 100 MSFT @410.00 dest=NYSE id=B3")
        fill = [x for x in out.splitlines() if x.startswith("ER  B1") and "ExecType=F" in x]
        assert fill and "Last 200 @410.00" in fill[0] and "OrdStatus=2 Filled" in fill[0], out
        assert any(x.startswith("ER  B2") and "lot size 100" in x for x in out.splitlines()), out
        assert any(x.startswith("ER  B3") and "ExecType=8" in x and "NYSE" in x for x in out.splitlines()), out
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    assert rest.rstrip().endswith("stopped; stores flushed")
    # Every step was journaled.
    from oms_fix.store.journal import Journal

    with Journal.open(tmp_path / "state" / "oms.db", readonly=True) as j:
        kinds = [e[2] for e in j.replay()]
    assert kinds.count("command") >= 4 and "child" in kinds and "parent" in kinds
