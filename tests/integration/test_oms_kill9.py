"""kill -9 of the OMS at random instants while a client trades through it, then restarts: nothing lost or doubled.

Real processes over loopback: `oms-fix venues` (EXCH and ECN with their
background market, never killed), `oms-fix up --no-venues` (killed with
SIGKILL several times and restarted on the same state directory), and a FIX
client in this process on the project's own initiator with a durable store,
which keeps sending marketable IOC orders, resting day orders and cancels
throughout, also while the OMS is down (held, then sent after the next Logon).

At the end, with the OMS up and reconciled:

* every order the client saw acknowledged is known to the OMS (an
  OrderStatusRequest answers with it, not with "unknown order");
* the client never received the same ExecID twice, and for each order the
  quantities of its fills add up to the CumQty the OMS reports for it;
* that CumQty is what the venues filled: the sum, over the order's child
  orders (from the journal), of the highest CumQty the venue sent for each
  (from the venue's own message log);
* the client's sequence numbers continued across every restart: no Logon
  ever reset them.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from oms_fix.fix.config import SessionConfig
from oms_fix.fix.message import Message
from oms_fix.fix.session import Session
from oms_fix.live.connection import SessionConnection
from oms_fix.live.initiator import FixInitiator
from oms_fix.live.stores import file_store_factory

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "oms_fix.cli"]
pytestmark = pytest.mark.slow
KILLS = int(os.environ.get("OMS_KILL9_ROUNDS", "4"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """The test's FIX client: what it sent, and every ExecutionReport it got."""

    def __init__(self) -> None:
        self.reports: list[dict[int, str]] = []
        self.acked: set[str] = set()
        self.resting: list[str] = []
        self.status: dict[str, dict[int, str]] = {}
        self.logons = 0

    def on_logon(self, conn: SessionConnection) -> None:
        self.logons += 1

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        if msg.msg_type != b"8":
            return
        f = {tag: (msg.get(tag) or b"").decode() for tag in (11, 17, 37, 39, 41, 14, 32, 150)}
        if f[150] == "I":
            self.status[f[11]] = f
            return
        self.reports.append(f)
        if f[39] != "8":
            self.acked.add(f[41] or f[11])  # an order is known by its first ClOrdID


def write_configs(tmp: Path, ports: dict[str, int]) -> tuple[Path, Path]:
    venues = tmp / "venues.yaml"
    venues.write_text(yaml.safe_dump({
        "seed": 11, "state_dir": str(tmp / "venues-state"), "tick_ms": 20, "flow_rate": 20.0,
        "instruments": str(REPO / "config" / "instruments.yaml"),
        "venues": {"EXCH": {"kind": "exchange", "port": ports["EXCH"], "makers": True, "flow_share": 0.6,
                            "day": {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}},
                   "ECN": {"kind": "ecn", "port": ports["ECN"], "makers": True, "flow_share": 0.4}}}))
    risk = tmp / "risk.yaml"
    risk.write_text(yaml.safe_dump({"defaults": {"max_order_qty": 10000, "collar_pct": "10"},
                                    "throttle": {"max_orders": None, "window_ms": 1000}}))
    oms = tmp / "oms.yaml"
    oms.write_text(yaml.safe_dump({
        "clients": {"port": ports["clients"], "sessions": [{"target_comp_id": "KILLER", "account": "ACC001"}]},
        "drop_copy": {"port": ports["dc"], "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": str(REPO / "config" / "instruments.yaml"), "risk": str(risk),
        "venues": [{"name": "EXCH", "port": ports["EXCH"]}, {"name": "ECN", "port": ports["ECN"]}]}))
    return venues, oms


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(CLI + args, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=REPO)


def wait_for(path: Path, text: str, count: int, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while path.read_text(errors="replace").count(text) < count:
        assert proc.poll() is None, path.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, path.read_text(errors="replace")[-3000:]
        time.sleep(0.05)


def venue_fills(state: Path) -> dict[str, int]:
    """Child ClOrdID -> the highest CumQty its venue reported to the OMS, from the venues' message logs."""
    cum: dict[str, int] = defaultdict(int)
    for log in state.rglob("*.messages.log"):
        for line in log.read_text(encoding="latin-1").splitlines():
            if " OUT " not in line or "|35=8|" not in line or "|56=OMS|" not in line:
                continue
            tags = dict(re.findall(r"\|(\d+)=([^|]*)", line))
            child = tags.get("41") or tags["11"]
            cum[child] = max(cum[child], int(tags.get("14", "0")))
    return cum


def test_kill9_at_random_instants_loses_and_doubles_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("OMS_KILL9_SEED", "0")) or None)
    ports = {name: free_port() for name in ("EXCH", "ECN", "clients", "dc")}
    venues_cfg, oms_cfg = write_configs(tmp_path, ports)
    venues_log, oms_log = tmp_path / "venues.out", tmp_path / "oms.out"
    venues = start(["venues", "--config", str(venues_cfg)], venues_log)
    up_args = ["up", "--no-venues", "--config", str(oms_cfg), "--state-dir", str(tmp_path / "oms-state")]
    procs: dict[str, subprocess.Popen[bytes]] = {}
    client = Client()
    try:
        wait_for(venues_log, "SenderCompID", 2, venues)
        oms = procs["oms"] = start(up_args, oms_log)
        wait_for(oms_log, "venue ECN up", 1, oms)
        wait_for(oms_log, "venue EXCH up", 1, oms)
        asyncio.run(_trade(client, ports["clients"], tmp_path, procs, rng, up_args, oms_log))
    finally:
        oms = procs.get("oms")
        if oms is not None and oms.poll() is None:
            oms.send_signal(signal.SIGINT)
            try:
                oms.wait(30)
            except subprocess.TimeoutExpired:
                oms.kill()
        if venues.poll() is None:
            venues.send_signal(signal.SIGINT)
            try:
                venues.wait(30)
            except subprocess.TimeoutExpired:
                venues.kill()
    out = oms_log.read_text(errors="replace")
    assert out.count("replayed in") >= KILLS, out[-3000:]

    exec_ids = [r[17] for r in client.reports]
    assert len(exec_ids) == len(set(exec_ids)), "an ExecutionReport reached the client twice"
    first_cl: dict[str, str] = {}
    filled: dict[str, int] = defaultdict(int)  # by OrderID
    for r in client.reports:
        first_cl.setdefault(r[37], r[41] or r[11])
        if r[150] == "F":
            filled[first_cl[r[37]]] += int(r[32])
    assert client.acked, "the client saw no order acknowledged"
    assert set(client.status) >= client.acked, "no status for some acknowledged orders"
    for cl, st in client.status.items():
        assert st[39] != "8" or cl not in client.acked, f"acknowledged {cl} is unknown to the OMS after restarts"
        assert int(st[14] or 0) == filled[cl], f"{cl}: client saw {filled[cl]} filled, the OMS says {st[14]}"

    from oms_fix.store.journal import Journal
    import json

    children: dict[str, set[str]] = defaultdict(set)
    order_of: dict[str, str] = {}
    with Journal.open(tmp_path / "oms-state" / "oms.db", readonly=True) as j:
        for _seq, _t, kind, _stream, body in j.replay():
            if kind == "child":
                c = json.loads(body)
                children[c["parent_id"]].add(c["child_id"])
            elif kind == "parent":
                p = json.loads(body)
                order_of[p["cl_ord_id"]] = p["order_id"]
    at_venue = venue_fills(tmp_path / "venues-state")
    total = 0
    for cl in client.acked:
        venue_cum = sum(at_venue.get(c, 0) for c in children[order_of[cl]])
        assert venue_cum == int(client.status[cl][14] or 0), f"{cl}: venues filled {venue_cum}, OMS says otherwise"
        total += venue_cum
    assert total > 0, "nothing filled: the test proved nothing about fills"
    algos = [cl for cl in client.acked if cl.startswith("A")]
    assert algos and any(int(client.status[cl][14] or 0) for cl in algos), "no TWAP order acknowledged and filled"
    print(f"{KILLS} kills: {len(client.acked)} orders acknowledged ({len(algos)} TWAP), "
          f"{sum(r[150] == 'F' for r in client.reports)} "
          f"fills, {total} shares filled at the venues; " + "; ".join(
              line.split(": ", 1)[1] for line in out.splitlines() if "replayed in" in line))
    assert client.logons >= KILLS + 1


async def _trade(client: Client, port: int, tmp: Path, procs: dict[str, subprocess.Popen[bytes]],
                 rng: random.Random, up_args: list[str], oms_log: Path) -> None:
    config = SessionConfig(sender_comp_id="KILLER", target_comp_id="OMS", role="initiator", heartbeat_s=5)
    store = file_store_factory(tmp / "client" / "store")(config)
    created = store.creation_ns
    ini = FixInitiator(Session(config, store), client, "127.0.0.1", port, log_dir=tmp / "client" / "log",
                       backoff_s=0.1, max_backoff_s=0.2)
    ini.start()
    await ini.wait_logged_on(30)
    conn = ini.conn
    assert conn is not None
    state = {"n": 0, "stop": False}

    async def send_orders() -> None:
        while not state["stop"]:
            state["n"] += 1
            n = state["n"]
            side = rng.choice("12")
            kind = rng.random()
            if kind < 0.1 and client.resting:
                orig = client.resting.pop(rng.randrange(len(client.resting)))
                conn.send(b"F", [(41, orig), (11, f"X{n}"), (55, "AAPL"), (54, "1"), (60, "20260101-00:00:00")])
            elif kind < 0.25:
                # A short aggressive TWAP: its slices are AlgoTicks the journal must replay after each kill.
                px = "195.00" if side == "1" else "185.00"
                conn.send(b"D", [(11, f"A{n}"), (55, "AAPL"), (54, side), (38, str(rng.choice((300, 600)))),
                                 (40, "2"), (44, px), (59, "0"), (60, "20260101-00:00:00"), (847, "1000"),
                                 (848, "duration_minutes=0.02;num_slices=3;strategy=aggressive")])
            elif kind < 0.4:
                px = "180.00" if side == "1" else "200.00"
                conn.send(b"D", [(11, f"R{n}"), (55, "AAPL"), (54, side), (38, "100"), (40, "2"), (44, px),
                                 (59, "0"), (60, "20260101-00:00:00")])
                if side == "1":
                    client.resting.append(f"R{n}")
            else:
                px = "195.00" if side == "1" else "185.00"
                conn.send(b"D", [(11, f"T{n}"), (55, "AAPL"), (54, side), (38, str(rng.choice((100, 200, 300)))),
                                 (40, "2"), (44, px), (59, "3"), (60, "20260101-00:00:00")])
            await asyncio.sleep(rng.uniform(0.005, 0.03))

    sender = asyncio.create_task(send_orders())
    oms = procs["oms"]
    for round_ in range(KILLS):
        await asyncio.sleep(rng.uniform(0.3, 2.0))
        os.kill(oms.pid, signal.SIGKILL)
        oms.wait()
        oms = procs["oms"] = start(up_args, oms_log)
        deadline = time.monotonic() + 60
        while oms_log.read_text(errors="replace").count("venue ECN up") < round_ + 2 or \
                oms_log.read_text(errors="replace").count("venue EXCH up") < round_ + 2:
            assert oms.poll() is None, oms_log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, oms_log.read_text(errors="replace")[-3000:]
            await asyncio.sleep(0.05)
    state["stop"] = True
    await sender
    await asyncio.sleep(3)  # the last orders settle, the reconciliation answers arrive
    for cl in sorted(client.acked):
        conn.send(b"H", [(11, cl), (55, "AAPL"), (54, "1")])
    deadline = time.monotonic() + 20
    while not set(client.status) >= client.acked and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert store.creation_ns == created, "the client's session store was reset"
    await ini.stop()
    oms.send_signal(signal.SIGINT)
    oms.wait(30)
