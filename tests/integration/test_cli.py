"""The `oms-fix` command as a user runs it: help, config errors, up and a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oms_fix.cli import build_parser

CLI = [sys.executable, "-m", "oms_fix.cli"]
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [[], ["up"], ["venues"], ["client"], ["bench"], ["hash-password"], ["kill"]])
def test_every_command_has_help(command: list[str]) -> None:
    out = subprocess.run(CLI + command + ["--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "usage: oms-fix" in out.stdout


def test_every_subcommand_is_listed_in_top_level_help() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    for name in ("up", "venues", "client", "bench", "hash-password", "kill"):
        assert name in help_text


def test_config_error_names_file_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("clients:\n  port: nine\n  sessions:\n    - {target_comp_id: A}\n    - {target_comp_id: A}\n")
    out = subprocess.run(CLI + ["up", "--config", str(cfg)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert f"{cfg}: clients.port:" in out.stderr
    assert "target_comp_id listed twice: A" in out.stderr
    assert "stopped" not in out.stdout


def test_journal_sync_is_checked(tmp_path: Path) -> None:
    from oms_fix.settings import ConfigError, load_settings

    cfg = tmp_path / "oms.yaml"
    cfg.write_text("journal: {sync: sometimes}\n")
    with pytest.raises(ConfigError) as e:
        load_settings(cfg)
    assert f"{cfg}: journal.sync:" in str(e.value)
    cfg.write_text("journal: {sync: normal}\n")
    assert load_settings(cfg).journal.sync == "normal"
    cfg.write_text("trading_day: {roll_utc: '25:00'}\n")
    with pytest.raises(ConfigError) as e:
        load_settings(cfg)
    assert f"{cfg}: trading_day.roll_utc:" in str(e.value)


def test_kill_without_a_running_oms_says_so(tmp_path: Path) -> None:
    out = subprocess.run(CLI + ["kill", "--state-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert f"no OMS answering at {tmp_path / 'oms.ctl'}" in out.stderr


def test_bad_accept_pattern_is_refused() -> None:
    out = subprocess.run(CLI + ["up", "--accept", "CLT*"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "GLOB=ACCOUNT" in out.stderr


def test_hash_password_round_trip() -> None:
    from oms_fix.fix.config import check_password

    out = subprocess.run(CLI + ["hash-password"], input="s3cret\n", capture_output=True, text=True, timeout=60)
    hashed = out.stdout.strip()
    assert hashed.startswith("sha256:")
    assert check_password(hashed, "s3cret") and not check_password(hashed, "other")


def test_up_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port, dc_port = free_port(), free_port()
    proc = subprocess.Popen(CLI + ["up", "--no-venues", "--state-dir", str(tmp_path / "state"), "--port", str(port),
                                   "--drop-copy-port", str(dc_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "oms-fix up did not listen"
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"127.0.0.1:{port}" in out and f"127.0.0.1:{dc_port}" in out
    assert "journal" in out and "REST API on http://127.0.0.1:" in out
    assert out.rstrip().endswith("stopped; stores flushed")


def test_env_overrides_port(tmp_path: Path) -> None:
    from oms_fix.settings import load_settings

    os.environ["OMS_FIX_CLIENT_PORT"] = "12345"
    try:
        assert load_settings().clients.port == 12345
        assert load_settings(overrides={"clients.port": 23456}).clients.port == 23456
    finally:
        del os.environ["OMS_FIX_CLIENT_PORT"]


def test_up_runs_the_venues_links_to_them_and_stops_them_all(tmp_path: Path) -> None:
    import yaml

    ports = {name: free_port() for name in ("EXCH", "DARK")}
    venues_cfg = tmp_path / "venues.yaml"
    venues_cfg.write_text(yaml.safe_dump({
        "instruments": str(REPO / "config" / "instruments.yaml"),
        "venues": {"EXCH": {"kind": "exchange", "port": ports["EXCH"]}, "DARK": {"kind": "dark", "port": ports["DARK"]}}}))
    oms_cfg = tmp_path / "oms.yaml"
    oms_cfg.write_text(yaml.safe_dump({
        "clients": {"port": free_port(), "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
        "drop_copy": {"port": free_port(), "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": str(REPO / "config" / "instruments.yaml"),
        "venues": [{"name": "EXCH", "port": ports["EXCH"]}, {"name": "DARK", "port": ports["DARK"], "lit": False}]}))
    proc = subprocess.Popen(CLI + ["up", "--config", str(oms_cfg), "--venues-config", str(venues_cfg),
                                   "--state-dir", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not ({"  venue EXCH up\n", "  venue DARK up\n"} <= set(lines)):
            assert time.monotonic() < deadline, "".join(lines)
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(lines) + out
    assert proc.returncode == 0, text
    assert f"EXCH   exchange  FIX.4.4 127.0.0.1:{ports['EXCH']}" in text
    assert "[EXCH] EXCH: stopped" in text and "[DARK] DARK: stopped" in text
    assert text.rstrip().endswith("stopped; stores flushed")
