"""Run the simulated venues, each a FIX 4.4 acceptor in its own process.

Starts every venue in config/venues.yaml (or those named with --only), waits
until each is listening, prints their endpoints, relays their output prefixed
with the venue's name, and restarts a venue whose process dies (at most
--max-restarts times in a row, backing off). All venues share one trading-day
start and one seed, so their background markets walk the same fair values.
Ctrl-C or SIGTERM stops them all cleanly: each logs its sessions out and
flushes its stores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from sim_venues.config import VenuesConfig, VenuesConfigError, load_venues_config

from ..live.loop import run as run_loop

HELP = "run the simulated venues (exchange, ECN, dark pool, crossing network, market maker)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="venues config (default: config/venues.yaml)")
    p.add_argument("--seed", type=int, help="background market seed (default: the config's)")
    p.add_argument("--state-dir", type=Path, help="stores and logs (default: the config's state_dir, var/venues)")
    p.add_argument("--only", help="comma-separated venue names to start, e.g. EXCH,DARK")
    p.add_argument("--ready-timeout", type=float, default=30.0, metavar="S",
                   help="seconds to wait for each venue to listen (default 30)")
    p.add_argument("--max-restarts", type=int, default=5, help="restarts of a crashing venue before giving up")
    p.add_argument("--stats-every", type=float, default=30.0, metavar="S",
                   help="seconds between each venue's line of figures (default 30)")


class _Child:
    def __init__(self, name: str, argv: list[str]):
        self.name = name
        self.argv = argv
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.endpoint = ""
        self.restarts = 0
        self.relay: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ready.clear()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        self.relay = asyncio.create_task(self._relay())

    async def _relay(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("ready "):
                self.endpoint = line.split()[1]
                self.ready.set()
                continue
            print(f"[{self.name}] {line}", flush=True)


async def supervise(cfg: VenuesConfig, names: list[str], args: argparse.Namespace) -> int:
    start_ns = time.time_ns()
    seed = cfg.seed if args.seed is None else args.seed
    children = []
    for name in names:
        argv = [sys.executable, "-m", "sim_venues.serve", "--venue", name, "--seed", str(seed),
                "--start-ns", str(start_ns), "--stats-every", str(args.stats_every)]
        if args.config:
            argv += ["--config", str(args.config)]
        if args.state_dir:
            argv += ["--state-dir", str(args.state_dir)]
        children.append(_Child(name, argv))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for c in children:
        await c.start()
    failed = await _wait_ready(children, args.ready_timeout)
    if failed:
        print(f"oms-fix venues: {failed}; stopping the others", file=sys.stderr, flush=True)
        await _stop_all(children)
        return 1
    kinds = {n: v.kind for n, v in cfg.venues.items()}
    print(f"venues up (seed {seed}, state in {(args.state_dir or cfg.state_dir).resolve()}):", flush=True)
    for c in children:
        print(f"  {c.name:<6} {kinds[c.name]:<9} FIX.4.4 {c.endpoint}  SenderCompID {c.name}; "
              f"accepts {', '.join(cfg.venues[c.name].accept)}", flush=True)
    print("Ctrl-C to stop.", flush=True)
    code = await _watch(children, stop, args.max_restarts)
    await _stop_all(children)
    print("venues stopped", flush=True)
    return code


async def _wait_ready(children: list[_Child], timeout_s: float) -> str:
    """Wait until every venue listens; a venue that exits first (port in use, bad config) fails at once."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not all(c.ready.is_set() for c in children):
        for c in children:
            assert c.proc is not None
            if c.proc.returncode is not None and not c.ready.is_set():
                if c.relay is not None:
                    await asyncio.wait([c.relay], timeout=2.0)  # let its last words out first
                return f"{c.name} exited with code {c.proc.returncode} before listening"
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            late = ", ".join(c.name for c in children if not c.ready.is_set())
            return f"{late} did not start listening within {timeout_s:.0f} s"
        waits: list[asyncio.Task[object]] = [asyncio.create_task(c.ready.wait()) for c in children
                                             if not c.ready.is_set()]
        waits += [asyncio.create_task(c.proc.wait()) for c in children if c.proc is not None]
        await asyncio.wait(waits, timeout=min(left, 0.5), return_when=asyncio.FIRST_COMPLETED)
        for t in waits:
            t.cancel()
    return ""


async def _watch(children: list[_Child], stop: asyncio.Event, max_restarts: int) -> int:
    while not stop.is_set():
        exits = {asyncio.create_task(c.proc.wait()): c for c in children if c.proc is not None}
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([*exits, stopper], return_when=asyncio.FIRST_COMPLETED)
        for t in exits:
            t.cancel()
        stopper.cancel()
        if stop.is_set():
            return 0
        for t in done:
            c = exits.get(t)
            if c is None:
                continue
            c.restarts += 1
            rc = c.proc.returncode if c.proc else None
            if c.restarts > max_restarts:
                print(f"oms-fix venues: {c.name} exited ({rc}) {c.restarts} times; giving up", file=sys.stderr,
                      flush=True)
                return 1
            delay = min(30.0, 0.5 * 2 ** (c.restarts - 1))
            print(f"[{c.name}] exited with code {rc}; restarting in {delay:.1f} s "
                  f"(restart {c.restarts} of {max_restarts})", flush=True)
            await asyncio.sleep(delay)
            await c.start()
    return 0


async def _stop_all(children: list[_Child], timeout_s: float = 10.0) -> None:
    live = [c for c in children if c.proc is not None and c.proc.returncode is None]
    for c in live:
        assert c.proc is not None
        c.proc.send_signal(signal.SIGTERM)
    for c in live:
        assert c.proc is not None
        try:
            await asyncio.wait_for(c.proc.wait(), timeout_s)
        except asyncio.TimeoutError:
            print(f"[{c.name}] did not stop within {timeout_s:.0f} s; killing it", flush=True)
            c.proc.kill()
            await c.proc.wait()
    for c in children:
        if c.relay is not None:
            try:
                await asyncio.wait_for(c.relay, 2.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass


def run(args: argparse.Namespace) -> int:
    try:
        cfg = load_venues_config(args.config)
        names = list(cfg.venues)
        if args.only:
            names = [n.strip() for n in args.only.split(",") if n.strip()]
            unknown = [n for n in names if n not in cfg.venues]
            if unknown:
                raise VenuesConfigError(f"--only: no venue {', '.join(unknown)} in {args.config or 'config/venues.yaml'} "
                                        f"(configured: {', '.join(cfg.venues)})")
    except VenuesConfigError as e:
        print(f"oms-fix venues: {e}", file=sys.stderr)
        return 2
    return int(run_loop(supervise(cfg, names, args)) or 0)
