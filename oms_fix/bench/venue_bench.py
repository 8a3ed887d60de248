"""NewOrderSingle -> ExecutionReport through one venue's FIX gateway over loopback.

The venue (an ECN, background market off) runs in its own process as
`oms-fix venues` would start it; the client is our initiator in this process.
Orders alternate buy and sell of 100 AAPL at 190.00, so every second order
trades against the one before: each order gets a New and a Trade report and
the book stays small. The figure is orders per second until the last order's
Trade report arrives, best of the runs (the spread of runs is kept too).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import yaml

from ..fix.codec import Message
from ..fix.config import SessionConfig
from ..fix.session import Session
from ..fix.store import MemoryStore
from ..fix.utctime import format_ns
from ..live.connection import SessionConnection
from ..live.initiator import FixInitiator

__all__ = ["run_async"]

REPO = Path(__file__).resolve().parents[2]


class _Client:
    def __init__(self, last: bytes) -> None:
        self.last = last
        self.done = asyncio.Event()
        self.reports = 0

    def on_logon(self, conn: SessionConnection) -> None:
        pass

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        if msg.msg_type == b"8":
            self.reports += 1
            if msg.get(11) == self.last and msg.get(150) == b"F":
                self.done.set()


def _body(i: int, ts: bytes) -> bytes:
    side = b"1" if i % 2 == 0 else b"2"
    return b"11=V%d\x0155=AAPL\x0154=%s\x0160=%s\x0138=100\x0140=2\x0144=190.00\x0159=0\x01" % (i, side, ts)


async def _run_once(port: int, n: int, tag: str) -> float:
    client = _Client(b"V%d" % (n - 1))
    cfg = SessionConfig(sender_comp_id=f"BENCH{tag}", target_comp_id="ECN", role="initiator", reset_on_logon=True)
    ini = FixInitiator(Session(cfg, MemoryStore()), client, "127.0.0.1", port, reconnect=False)
    ini.start()
    await ini.wait_logged_on(15)
    conn = ini.conn
    assert conn is not None
    ts = format_ns(time.time_ns())
    t0 = time.perf_counter()
    for start in range(0, n, 256):
        with conn.batch():
            for i in range(start, min(n, start + 256)):
                conn.send(b"D", _body(i, ts))
        await asyncio.sleep(0)
    await asyncio.wait_for(client.done.wait(), 120)
    rate = n / (time.perf_counter() - t0)
    await ini.stop()
    return rate


async def run_async(quick: bool, progress: Callable[[str], None] = lambda s: None) -> dict[str, float]:
    n = 2000 if quick else 20000
    runs = 1 if quick else 3
    with tempfile.TemporaryDirectory() as d:
        cfg = Path(d) / "venues.yaml"
        cfg.write_text(yaml.safe_dump({
            "state_dir": str(Path(d) / "state"), "message_log": False,
            "instruments": str(REPO / "config" / "instruments.yaml"),
            "venues": {"ECN": {"kind": "ecn", "port": 0, "fees": {"maker_per_share": "-0.002",
                                                                  "taker_per_share": "0.003"}}}}))
        proc = subprocess.Popen([sys.executable, "-m", "sim_venues.serve", "--venue", "ECN", "--config", str(cfg),
                                 "--port", "0", "--stats-every", "3600"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=REPO)
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line.startswith("ready "):
                raise RuntimeError(f"venue did not start: {line!r} {proc.stderr.read()[-2000:] if proc.stderr else ''}")
            port = int(line.split()[1].rsplit(":", 1)[1])
            await _run_once(port, n // 4, "W")  # warm-up, uncounted
            rates = []
            for rep in range(runs):
                progress(f"venue: NOS -> ER through the ECN gateway, run {rep + 1} of {runs}")
                rates.append(await _run_once(port, n, str(rep)))
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    rates.sort()
    return {"venue_orders_per_s": rates[-1], "venue_orders_per_s_worst": rates[0]}
