"""Session echo over loopback: our initiator against our acceptor and against QuickFIX.

Each acceptor runs in its own process; the client (our initiator) runs here.
Throughput: pipeline N NewOrderSingles, time until the last ExecutionReport.
Latency: NOS paced at a fixed rate, round trip per ClOrdID.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

from ..fix.codec import Message
from ..fix.config import SessionConfig
from ..fix.session import Session
from ..fix.store import MemoryStore
from ..fix.utctime import format_ns
from ..live.connection import SessionConnection
from ..live.initiator import FixInitiator
from .echo_app import nos_body

__all__ = ["run_async"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(kind: str, port: int, state_dir: Path | None = None, nodelay: bool = False) -> Iterator[None]:
    if kind == "ours":
        cmd = [sys.executable, "-m", "oms_fix.bench.echo_server", "--port", str(port)]
        if state_dir is not None:
            cmd += ["--state-dir", str(state_dir)]
    else:
        cmd = [sys.executable, "-m", "oms_fix.bench.qf_echo", "--port", str(port)] + (["--nodelay"] if nodelay else [])
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("READY"):
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"{kind} echo server did not start: {line!r} {err[-2000:]}")
        yield
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Client:
    def __init__(self) -> None:
        self.received = 0
        self.target = 0
        self.done: asyncio.Event = asyncio.Event()
        self.sent_at: dict[bytes, int] = {}
        self.rtts: list[int] = []

    def on_logon(self, conn: SessionConnection) -> None:
        pass

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        if msg.msg_type != b"8":
            return
        self.received += 1
        t0 = self.sent_at.pop(msg.get(11) or b"", None)
        if t0 is not None:
            self.rtts.append(time.perf_counter_ns() - t0)
        if self.received >= self.target:
            self.done.set()


async def _connect(port: int, client: _Client) -> FixInitiator:
    cfg = SessionConfig(sender_comp_id="CLIENT1", target_comp_id="OMS", role="initiator", reset_on_logon=True)
    ini = FixInitiator(Session(cfg, MemoryStore()), client, "127.0.0.1", port, reconnect=False)
    ini.start()
    await ini.wait_logged_on(15)
    return ini


async def throughput(port: int, n: int) -> float:
    client = _Client()
    ini = await _connect(port, client)
    conn = ini.conn
    assert conn is not None
    client.target = n
    ts = format_ns(time.time_ns())
    t0 = time.perf_counter()
    for start in range(0, n, 256):
        with conn.batch():
            for i in range(start, min(n, start + 256)):
                conn.send(b"D", nos_body(b"T%d" % i, ts))
        await asyncio.sleep(0)
    await asyncio.wait_for(client.done.wait(), 120)
    rate = n / (time.perf_counter() - t0)
    await ini.stop()
    return rate


async def latency(port: int, n: int, rate: int) -> tuple[float, float]:
    client = _Client()
    ini = await _connect(port, client)
    conn = ini.conn
    assert conn is not None
    client.target = n
    interval = 1.0 / rate
    start = time.perf_counter()
    for i in range(n):
        due = start + i * interval
        # Event-loop timers tick in whole milliseconds, which would send bursts
        # of five; yielding to the loop until the due instant paces each order
        # on its own while replies are still read as they arrive.
        while (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay - 0.002 if delay > 0.003 else 0)
        cid = b"L%d" % i
        client.sent_at[cid] = time.perf_counter_ns()
        conn.send(b"D", nos_body(cid, format_ns(time.time_ns())))
    await asyncio.wait_for(client.done.wait(), 60)
    await ini.stop()
    # Warm-up: the first 5% include connection set-up and JIT-free first paths.
    rtts = sorted(client.rtts[len(client.rtts) // 20 :])
    return rtts[len(rtts) // 2] / 1000, rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))] / 1000


async def run_async(quick: bool, progress: Callable[[str], None] = lambda s: None) -> dict[str, float]:
    n = 2000 if quick else 20000
    lat_n = 500 if quick else 10000
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d:
        ours_port, qf_port = free_port(), free_port()
        store = Path(d) / "ours" if _has_filestore() else None
        with server("ours", ours_port, store), server("quickfix", qf_port):
            ours, theirs = [], []
            # One uncounted warm-up each: first runs pay for caches and allocator growth.
            await throughput(ours_port, n // 4)
            await throughput(qf_port, n // 4)
            for rep in range(1 if quick else 5):
                progress(f"session echo: ours, run {rep + 1}")
                ours.append(await throughput(ours_port, n))
                progress(f"session echo: QuickFIX, run {rep + 1}")
                theirs.append(await throughput(qf_port, n))
        out["session_echo_msgs_per_s"] = max(ours)
        out["session_echo_quickfix_msgs_per_s"] = max(theirs)
        out["session_echo_vs_quickfix"] = max(ours) / max(theirs)
        # Latency with only the server under test running, so neither pays for
        # the other's idle threads and timers. A hiccup of the shared machine
        # lasting a few ms lands on a hundred orders at this rate, so each side
        # runs three times; the median run is the figure, the worst is kept too.
        runs = 1 if quick else 3
        for kind, key in (("ours", "session_echo"), ("quickfix", "session_echo_quickfix")):
            lat_port = free_port()
            store_dir = Path(d) / "ours-latency" if kind == "ours" and store else None
            with server(kind, lat_port, store_dir, nodelay=kind == "quickfix"):
                results = []
                for rep in range(runs):
                    progress(f"session latency at 5,000 NOS/s: {kind}{' SocketNodelay=Y' if kind == 'quickfix' else ''}, run {rep + 1}")
                    results.append(await latency(lat_port, lat_n, 5000))
            results.sort(key=lambda r: r[1])
            out[f"{key}_p50_us"], out[f"{key}_p99_us"] = results[len(results) // 2]
            out[f"{key}_p99_us_worst"] = results[-1][1]
    return out


def _has_filestore() -> bool:
    try:
        from ..fix import filestore  # noqa: F401
    except ImportError:
        return False
    return True
