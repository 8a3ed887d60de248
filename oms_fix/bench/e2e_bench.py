"""Client -> OMS -> venue -> OMS -> client, between real processes over loopback.

`oms-fix up` runs with one ECN venue (background market off), a risk file
without limits (the bench measures the path, not the throttle) and the journal
at sync=normal, then again at sync=full (keys `_fsync`); our initiator
is the client. Orders alternate: a sell of 100 AAPL at 190.00, which rests at
the venue, then a buy at the same price, which the OMS routes against it, so
every buy comes back filled. Throughput: orders per second until the last
buy's fill reaches the client. Latency: orders paced at 2,000 a second (1,000
resting sells, each followed by the buy that takes it), the buy's
NewOrderSingle out to its Filled ExecutionReport in.
"""

from __future__ import annotations

import asyncio
import socket
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


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Client:
    def __init__(self) -> None:
        self.sent: dict[bytes, int] = {}
        self.rtts: list[int] = []
        self.filled = 0
        self.want = 0
        self.done = asyncio.Event()

    def on_logon(self, conn: SessionConnection) -> None:
        pass

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        if msg.msg_type == b"8" and msg.get(39) == b"2" and msg.get(54) == b"1":
            t0 = self.sent.pop(msg.get(11) or b"", None)
            if t0 is not None:
                self.rtts.append(time.perf_counter_ns() - t0)
            self.filled += 1
            if self.filled >= self.want:
                self.done.set()


def _nos(cl: bytes, side: bytes) -> bytes:
    return b"11=%s\x0155=AAPL\x0154=%s\x0160=%s\x0138=100\x0140=2\x0144=190.00\x0159=0\x01" % (
        cl, side, format_ns(time.time_ns()))


async def _session(port: int, client: _Client, name: str) -> FixInitiator:
    cfg = SessionConfig(sender_comp_id=name, target_comp_id="OMS", role="initiator", reset_on_logon=True)
    ini = FixInitiator(Session(cfg, MemoryStore()), client, "127.0.0.1", port, reconnect=False)
    ini.start()
    await ini.wait_logged_on(20)
    return ini


async def _throughput(port: int, pairs: int, name: str) -> float:
    client = _Client()
    client.want = pairs
    ini = await _session(port, client, name)
    conn = ini.conn
    assert conn is not None
    t0 = time.perf_counter()
    for start in range(0, pairs, 128):
        with conn.batch():
            for i in range(start, min(pairs, start + 128)):
                conn.send(b"D", _nos(b"%sS%d" % (name.encode(), i), b"2"))
                conn.send(b"D", _nos(b"%sB%d" % (name.encode(), i), b"1"))
        await asyncio.sleep(0)
    await asyncio.wait_for(client.done.wait(), 300)
    rate = 2 * pairs / (time.perf_counter() - t0)
    await ini.stop()
    return rate


async def _latency(port: int, n: int, rate: int, name: str) -> tuple[float, float]:
    client = _Client()
    client.want = n
    ini = await _session(port, client, name)
    conn = ini.conn
    assert conn is not None
    interval = 2.0 / rate  # each step sends two orders: the resting sell and the buy that takes it
    start = time.perf_counter()
    for i in range(n):
        # Sleep to the next order's time, never spin: a spinning client takes a core from the OMS and
        # the venue on a 2-core machine. The event loop wakes within about a millisecond, so orders
        # that fell due meanwhile go out together, as a real client's would.
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conn.send(b"D", _nos(b"%sS%d" % (name.encode(), i), b"2"))
        cl = b"%sB%d" % (name.encode(), i)
        client.sent[cl] = time.perf_counter_ns()
        conn.send(b"D", _nos(cl, b"1"))
    await asyncio.wait_for(client.done.wait(), 120)
    await ini.stop()
    rtts = sorted(client.rtts[len(client.rtts) // 20:])
    return rtts[len(rtts) // 2] / 1000, rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))] / 1000


async def run_async(quick: bool, progress: Callable[[str], None] = lambda s: None) -> dict[str, float]:
    """The figures with the journal at sync=normal (survives kill -9, which is what the OMS promises),
    then, unless quick, again at sync=full (an fsync per commit: also survives a power cut)."""
    out = await _run_one(quick, "normal", progress)
    if not quick:
        full = await _run_one(quick, "full", progress)
        out.update({f"{k}_fsync": v for k, v in full.items() if not k.endswith("_worst")})
    return out


async def _run_one(quick: bool, sync: str, progress: Callable[[str], None]) -> dict[str, float]:
    pairs = 500 if quick else 5000
    lat_n = 200 if quick else 4000
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ports = {"ECN": _port(), "clients": _port(), "dc": _port()}
        (tmp / "venues.yaml").write_text(yaml.safe_dump({
            "message_log": False, "instruments": str(REPO / "config" / "instruments.yaml"),
            "venues": {"ECN": {"kind": "ecn", "port": ports["ECN"]}}}))
        (tmp / "risk.yaml").write_text(yaml.safe_dump({"defaults": {}, "throttle": {"max_orders": None}}))
        (tmp / "oms.yaml").write_text(yaml.safe_dump({
            "fix": {"message_log": False}, "journal": {"sync": sync},
            "clients": {"port": ports["clients"], "patterns": [{"pattern": "BENCH*", "account": "ACC001"}]},
            "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
            "instruments": str(REPO / "config" / "instruments.yaml"), "risk": str(tmp / "risk.yaml"),
            "venues": [{"name": "ECN", "port": ports["ECN"]}]}))
        proc = subprocess.Popen([sys.executable, "-m", "oms_fix.cli", "up", "--config", str(tmp / "oms.yaml"),
                                 "--venues-config", str(tmp / "venues.yaml"), "--state-dir", str(tmp / "state"),
                                 "--api-port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        try:
            assert proc.stdout is not None
            seen: list[str] = []
            while "  venue ECN up\n" not in seen:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("oms-fix up did not come up:\n" + "".join(seen))
                seen.append(line)
            progress(f"e2e (journal sync={sync}): warm-up")
            await _throughput(ports["clients"], pairs // 5, "BENCHW")
            rates = []
            for rep in range(1 if quick else 3):
                progress(f"e2e (journal sync={sync}): client -> OMS -> ECN -> client, run {rep + 1}")
                rates.append(await _throughput(ports["clients"], pairs, f"BENCH{rep}"))
            progress(f"e2e (journal sync={sync}): latency at 2,000 orders/s")
            p50, p99 = await _latency(ports["clients"], lat_n, 2000, "BENCHL")
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {"e2e_orders_per_s": max(rates), "e2e_orders_per_s_worst": min(rates), "e2e_p50_us": p50,
            "e2e_p99_us": p99}
