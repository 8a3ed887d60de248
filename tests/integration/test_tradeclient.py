"""`oms-fix client` against a real venue process: one-shot orders that cross, an interactive run, refused logons."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CLIENT = [sys.executable, "-m", "oms_fix.commands.client"]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """An ECN with no background flow, so the only orders in its book are the test's."""
    d = tmp_path_factory.mktemp("tradeclient")
    cfg = d / "venues.yaml"
    cfg.write_text(yaml.safe_dump({
        "state_dir": str(d / "state"), "message_log": True,
        "instruments": str(REPO / "config" / "instruments.yaml"),
        "venues": {"ECN": {"kind": "ecn", "port": 0, "accept": ["T*"],
                           "fees": {"maker_per_share": "-0.002", "taker_per_share": "0.003"}}}}))
    proc = subprocess.Popen([sys.executable, "-m", "sim_venues.serve", "--venue", "ECN", "--config", str(cfg),
                             "--port", "0", "--state-dir", str(d / "state"), "--stats-every", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("ready "), line
        yield int(line.split()[1].rsplit(":", 1)[1]), d
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def client(port: int, state: Path, sender: str, *args: str, stdin: str | None = None,
           timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CLIENT + ["--port", str(port), "--target", "ECN", "--sender", sender,
                                    "--state-dir", str(state / sender), *args],
                          input=stdin, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def sent_id(terms: str, stdout: str) -> str:
    m = re.search(rf"SENT NewOrderSingle (\S+): {terms}", stdout)
    assert m, stdout
    return m.group(1)


def test_one_shot_seller_and_buyer_cross(venue: tuple[int, Path]) -> None:
    port, d = venue
    sell = client(port, d, "TSELL", "-c", "sell 100 AAPL @190.00; orders", "--wait", "0.5")
    assert sell.returncode == 0, sell.stderr
    assert f"logged on to 127.0.0.1:{port} as TSELL -> ECN" in sell.stdout
    m = re.search(r"SENT NewOrderSingle (\S+): SELL 100 AAPL @190.00 Limit Day account ACC001", sell.stdout)
    assert m, sell.stdout
    seller_id = m.group(1)
    assert re.search(rf"ER  {re.escape(seller_id)} AAPL SELL 100 @190.00  ExecType=0 New  OrdStatus=0 New  "
                     r"Cum 0 Leaves 100 Avg 0  \[ECN-", sell.stdout), sell.stdout
    assert "logged out" in sell.stdout

    buy = client(port, d, "TBUY", "-c", "buy 40 AAPL @190.00; wait 0.5; status last; orders", "--wait", "0.5")
    assert buy.returncode == 0, buy.stderr
    buyer_id = sent_id(r"BUY 40 AAPL", buy.stdout)
    assert re.search(rf"ER  {re.escape(buyer_id)} AAPL BUY 40 @190.00  ExecType=F Trade  OrdStatus=2 Filled  "
                     r"Last 40 @190.00 ECN liq=2 comm=0.1200  Cum 40 Leaves 0 Avg 190.00", buy.stdout), buy.stdout
    assert re.search(rf"ER  {re.escape(buyer_id)} .* ExecType=I OrderStatus  OrdStatus=2 Filled", buy.stdout)
    assert re.search(rf"{re.escape(buyer_id)} +AAPL +BUY +40 +190.00 +40 +0 +190.00  Filled", buy.stdout)

    # The seller's fill waited in its store while it was logged out; sequence numbers carried on.
    again = client(port, d, "TSELL", "-c", f"status {seller_id} symbol=AAPL side=sell", "--wait", "0.5")
    assert again.returncode == 0, again.stderr
    assert "(next MsgSeqNum out 1," not in again.stdout
    assert re.search(rf"ER  {re.escape(seller_id)} AAPL SELL 100 @190.00  ExecType=F Trade  OrdStatus=1 "
                     r"PartiallyFilled  Last 40 @190.00 ECN liq=1 comm=-0.0800  Cum 40 Leaves 60", again.stdout)
    assert re.search(rf"ER  {re.escape(seller_id)} .* ExecType=I OrderStatus  OrdStatus=1 PartiallyFilled",
                     again.stdout)


def test_interactive_run_from_stdin(venue: tuple[int, Path]) -> None:
    port, d = venue
    out = client(port, d, "TINT", stdin="buy 25 MSFT @400.00 tif=gtc\nbuy x MSFT\norders\nquit\nbuy 1 MSFT @1\n")
    assert out.returncode == 0, out.stderr
    cl = sent_id(r"BUY 25 MSFT @400.00 Limit GTC", out.stdout)
    assert re.search(rf"{re.escape(cl)} +MSFT +BUY +25 +400.00 ", out.stdout), out.stdout
    assert "error: buy: QTY 'x' is not a positive whole number" in out.stderr
    assert "Traceback" not in out.stderr
    assert "BUY 1 MSFT" not in out.stdout  # nothing after quit
    assert "logged out" in out.stdout


def test_logon_refused_by_the_venue_exits_1_with_its_text(venue: tuple[int, Path]) -> None:
    port, d = venue
    out = client(port, d, "NOPE", "-c", "orders")
    assert out.returncode == 1
    assert f"oms-fix client: cannot log on to 127.0.0.1:{port} as NOPE -> ECN: Logon refused by the peer:" \
        in out.stderr
    assert "NOPE" in out.stderr.split("Logon refused by the peer:")[1]


def test_closed_port_exits_1(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        out = client(port, tmp_path, "TX", "-c", "buy 1 AAPL @1")
    assert out.returncode == 1
    assert f"oms-fix client: cannot log on to 127.0.0.1:{port} as TX -> ECN: connect to 127.0.0.1:{port} failed" \
        in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_command_line_script_connects_to_nothing(tmp_path: Path) -> None:
    out = client(1, tmp_path, "TX", "-c", "buy 100 AAPL @190 colour=red; sell")
    assert out.returncode == 2
    assert "-c 'buy 100 AAPL @190 colour=red': buy: unknown option 'colour=red'" in out.stderr
    assert "-c 'sell': sell: missing QTY" in out.stderr
    assert "cannot log on" not in out.stderr
