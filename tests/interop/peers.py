"""The peer processes of the interop tests, and readers for the logs they leave.

Every process is started with a READY handshake under a timeout and can be
stopped politely (stdin closed, SIGTERM) or not (SIGKILL). Only 127.0.0.1.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["PeerProcess", "Peers", "free_port", "log_tail", "tail_lines", "event_lines"]

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 15.0


def free_port() -> int:
    # QuickFIX needs its port in its settings, so it cannot bind port 0 itself;
    # the small race between closing this socket and QuickFIX binding is accepted.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PeerProcess:
    """A child process that prints `READY <port>` when it listens."""

    def __init__(self, name: str, argv: list[str], stderr_path: Path):
        self.name = name
        self.argv = argv
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "ab")
        self.proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.port = self._await_ready()

    def _await_ready(self) -> int:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], READY_TIMEOUT_S)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("READY"):
            rc = self.proc.poll()
            self.kill()
            what = f"exited with {rc}" if rc is not None else f"printed {line!r}" if line else "was silent"
            raise AssertionError(f"{self.name} {what} instead of READY within {READY_TIMEOUT_S:g}s; "
                                 f"stderr:\n{self.stderr()}")
        return int(line.split()[1])

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def terminate(self, timeout_s: float = 10.0) -> int:
        """SIGTERM: the process logs out its sessions and exits."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} ignored SIGTERM for {timeout_s:g}s; stderr:\n{self.stderr()}")

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flush beyond what already reached the kernel."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()  # both echo servers exit when stdin closes
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        for f in (self.proc.stdout, self.proc.stdin):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        self._stderr.close()


class Peers:
    """Starts our echo acceptor and QuickFIX's, and stops whatever is left at teardown."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.started: list[PeerProcess] = []

    def _start(self, name: str, argv: list[str]) -> PeerProcess:
        p = PeerProcess(name, argv, self.tmp / f"{name}.{len(self.started)}.stderr")
        self.started.append(p)
        return p

    def ours(self, state_dir: Path, log_dir: Path, port: int = 0) -> PeerProcess:
        return self._start("echo_server", [sys.executable, "-m", "oms_fix.bench.echo_server", "--port", str(port),
                                           "--state-dir", str(state_dir), "--log-dir", str(log_dir)])

    def quickfix(self, store_dir: Path, log_dir: Path) -> PeerProcess:
        for attempt in range(3):
            argv = [sys.executable, "-m", "oms_fix.bench.qf_echo", "--port", str(free_port()),
                    "--store-dir", str(store_dir), "--log-dir", str(log_dir)]
            try:
                return self._start("qf_echo", argv)
            except AssertionError:
                # Someone may have taken the port between free_port() and QuickFIX's bind.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for p in self.started:
            p.close()


# One line per message during a resend, from either engine: they bury the story.
NOISE = ("dropped PossDup", "Processing QUEUED message", "Resending Message")


def tail_lines(path: Path, lines: int) -> list[str]:
    text = path.read_text(encoding="latin-1", errors="replace").splitlines()
    return [ln for ln in text if not any(n in ln for n in NOISE)][-lines:]


def log_tail(log_dir: Path, pattern: str = "*.log", lines: int = 30) -> str:
    """The end of each log under `log_dir` without per-message resend lines, for assertion messages."""
    out = []
    for path in sorted(log_dir.glob(pattern)) if log_dir.exists() else []:
        out.append(f"--- {path.name} (last {lines} lines)\n" + "\n".join(tail_lines(path, lines)))
    return "\n".join(out) or f"(no logs under {log_dir})"


def event_lines(log_dir: Path, level: str | None = None) -> list[str]:
    """Our engine's event-log lines (`<time> <LEVEL> <text>`), optionally of one level."""
    out = []
    for path in sorted(log_dir.glob("*.events.log")) if log_dir.exists() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split(None, 2)
            if level is None or (len(parts) > 1 and parts[1] == level.upper()):
                out.append(line)
    return out
