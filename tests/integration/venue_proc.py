"""The processes a test starts as a user would: one venue (``python -m sim_venues.serve``), `oms-fix venues` or
`oms-fix up`, each with its whole output kept, and stopped with SIGINT (Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import yaml

if TYPE_CHECKING:
    from tests.interop.venue_client import VenueClient

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "oms_fix.cli"]
CONTINUOUS = {"pre_open_s": 0, "continuous_s": 3600, "closing_auction_s": 5, "closed_s": 5}


def venue_config(tmp: Path, port: int = 0, control_port: int | None = 0, **venue: Any) -> Path:
    """An exchange with no background market (only the test's orders), trading continuously."""
    spec: dict[str, Any] = {"kind": "exchange", "port": port, "day": CONTINUOUS, **venue}
    if control_port is not None:
        spec["control_port"] = control_port
    cfg = tmp / "venues.yaml"
    cfg.write_text(yaml.safe_dump({"seed": 5, "state_dir": str(tmp / "state"), "tick_ms": 20,
                                   "instruments": str(REPO / "config" / "instruments.yaml"),
                                   "venues": {"EXCH": spec}}))
    return cfg


class ChildProc:
    """A child process whose output a thread reads line by line and keeps, so that its pipe never fills
    while the test is busy elsewhere."""

    def __init__(self, argv: list[str]):
        self.lines: list[str] = []
        self._eof = False
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            with self._cond:
                self.lines.append(raw.decode(errors="replace"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def wait_line(self, pred: Callable[[str], bool], timeout_s: float = 30.0) -> str | None:
        """The first line printed (so far or from now on) that ``pred`` accepts; None if the output ends or
        ``timeout_s`` passes first."""
        deadline = time.monotonic() + timeout_s
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    if pred(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    return None
                self._cond.wait(min(left, 0.5))

    def stop(self, timeout_s: float = 30.0) -> str:
        """SIGINT, as Ctrl-C; killed if it is still there after ``timeout_s``. The whole output."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self._finish(timeout_s)
        return self.output

    def _finish(self, timeout_s: float) -> None:
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)  # its last lines


class VenueProc(ChildProc):
    """One venue process, with its FIX and control addresses read from its ready line."""

    def __init__(self, config: Path, *args: str, venue: str = "EXCH"):
        super().__init__([sys.executable, "-m", "sim_venues.serve", "--venue", venue, "--config", str(config),
                          "--stats-every", "3600", *args])
        self.config = config
        self.venue = venue
        self.fix_port = 0
        self.url = ""
        line = self.wait_line(lambda ln: ln.startswith("ready "))
        if line is None:
            # Not ready: the caller looks at returncode and output (a venue refusing a bad file exits 2).
            self._finish(5)
            return
        words = line.split()
        self.fix_port = int(words[1].rsplit(":", 1)[1])
        self.url = words[words.index("control") + 1]

    @property
    def state(self) -> Path:
        return Path(yaml.safe_load(self.config.read_text())["state_dir"])

    def faults_log(self) -> str:
        """The venue's event log: every arming, firing and scenario step."""
        return (self.state / self.venue / "log" / f"{self.venue}.faults.log").read_text()

    def client(self, sender: str, heartbeat_s: int = 30) -> VenueClient:
        """A QuickFIX initiator logged on as ``sender`` (imported here: only the interop tests need QuickFIX)."""
        from tests.interop.venue_client import VenueClient

        return VenueClient(self.config.parent / "clients" / sender, self.fix_port, sender, self.venue,
                           heartbeat_s=heartbeat_s)


def venue_pid(config: Path, venue: str) -> int:
    """The process of ``venue`` started with ``config`` (by `oms-fix venues` or `oms-fix up`), to kill it."""
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"sim_venues.serve" in argv and venue.encode() in argv and str(config).encode() in argv:
            return int(proc.name)
    raise AssertionError(f"no process for venue {venue} of {config}")
