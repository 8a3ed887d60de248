"""The venue processes under one supervisor: started, awaited, relayed, restarted, stopped.

Used by `oms-fix venues` and by `oms-fix up`, which runs the venues beside the
OMS. Each venue is `python -m sim_venues.serve` in its own process group (so a
Ctrl-C in the terminal reaches the supervisor only, which then stops them in
order); its output is relayed line by line with the venue's name in front.
All venues get the same trading-day start and seed, so their background
markets walk the same fair values.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from sim_venues.config import VenuesConfig

__all__ = ["VenueSupervisor"]


class _Child:
    def __init__(self, name: str, argv: list[str]):
        self.name = name
        self.argv = argv
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.endpoint = ""
        self.control = ""  # the venue's control API (sim_venues/control.py), from its ready line
        self.restarts = 0
        self.relay: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ready.clear()
        # A restarted venue is told so: it does not run its --scenario timelines again (sim_venues/serve.py).
        again = ["--restart", str(self.restarts)] if self.restarts else []
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, *again, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        self.relay = asyncio.create_task(self._relay())

    async def _relay(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("ready "):
                words = line.split()
                self.endpoint = words[1]
                # "ready HOST:PORT KIND as NAME control URL"
                self.control = words[words.index("control") + 1] if "control" in words[:-1] else ""
                self.ready.set()
                if self.restarts:  # its addresses may have changed (port 0), and nobody else prints them
                    print(f"[{self.name}] listening again on {self.endpoint}, control {self.control or 'none'}",
                          flush=True)
                continue
            print(f"[{self.name}] {line}", flush=True)


class VenueSupervisor:
    def __init__(self, cfg: VenuesConfig, names: list[str], *, seed: int | None = None,
                 config_path: Path | None = None, state_dir: Path | None = None, stats_every_s: float = 30.0,
                 max_restarts: int = 5, ready_timeout_s: float = 30.0, scenarios: dict[str, list[Path]] | None = None):
        self.cfg = cfg
        self.seed = cfg.seed if seed is None else seed
        self.state_dir = state_dir or cfg.state_dir
        self.max_restarts = max_restarts
        self.ready_timeout_s = ready_timeout_s
        start_ns = time.time_ns()
        self.children: list[_Child] = []
        for name in names:
            argv = [sys.executable, "-m", "sim_venues.serve", "--venue", name, "--seed", str(self.seed),
                    "--start-ns", str(start_ns), "--stats-every", str(stats_every_s)]
            if config_path:
                argv += ["--config", str(config_path)]
            if state_dir:
                argv += ["--state-dir", str(state_dir)]
            for path in (scenarios or {}).get(name, []):
                argv += ["--scenario", str(path)]
            self.children.append(_Child(name, argv))

    async def start(self) -> str:
        """Start every venue and wait until each listens; an error message if one did not."""
        for c in self.children:
            await c.start()
        failed = await _wait_ready(self.children, self.ready_timeout_s)
        if failed:
            await _stop_all(self.children)
        return failed

    def describe(self) -> list[str]:
        out = [f"venues up (seed {self.seed}, state in {self.state_dir.resolve()}):"]
        for c in self.children:
            v = self.cfg.venues[c.name]
            out.append(f"  {c.name:<6} {v.kind:<9} FIX.4.4 {c.endpoint}  SenderCompID {c.name}; "
                       f"accepts {', '.join(v.accept)}; control {c.control or 'none'}")
        return out

    async def watch(self, stop: asyncio.Event) -> int:
        """Restart venues that die until ``stop`` is set; 1 if one keeps dying."""
        return await _watch(self.children, stop, self.max_restarts)

    async def stop(self) -> None:
        await _stop_all(self.children)


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
