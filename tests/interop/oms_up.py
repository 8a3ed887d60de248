"""`oms-fix up` as a real process for the interop tests, and the system the OMS tests trade through.

``UpProcess`` runs `oms-fix up ...` and waits until the OMS is linked to its
venues and has their books; ``System`` is what conftest.py's ``system``
fixture starts: the OMS with its EXCH and ECN venues and three QuickFIX
clients.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.interop.peers import REPO, free_port
from tests.interop.qf_client import OmsClient

__all__ = ["CLI", "INSTRUMENTS", "RISK", "System", "TERMINAL", "UpProcess", "VENUES", "write_yaml"]

CLI = [sys.executable, "-m", "oms_fix.cli"]
INSTRUMENTS = str(REPO / "config" / "instruments.yaml")
RISK = str(REPO / "config" / "risk.yaml")
VENUES = ("EXCH", "ECN")
TERMINAL = ("2", "4", "8", "C")


class UpProcess:
    """`oms-fix up ...` with its output read by a thread (the pipe never fills) and kept."""

    def __init__(self, args: list[str], state: Path, comp_id: str = "OMS"):
        self.state, self.comp_id = state, comp_id
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(CLI + ["up", *args, "--state-dir", str(state)], cwd=REPO,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self._wait_up()
        except BaseException:
            self.proc.kill()
            self.proc.wait(10)
            raise

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            with self._cond:
                self.lines.append(raw.decode(errors="replace"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def output(self) -> str:
        with self._cond:
            return "".join(self.lines)

    def _wait_up(self, timeout_s: float = 60.0) -> None:
        wanted = {f"  venue {v} up\n" for v in VENUES}
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not wanted <= set(self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"oms-fix up did not link to {VENUES}:\n" + "".join(self.lines))
                self._cond.wait(min(left, 0.5))
        # The routes need the venues' books: wait for each venue's snapshot in the OMS's message log.
        while time.monotonic() < deadline:
            logs = [self.state / "fix" / "log" / f"FIX.4.4-{self.comp_id}--{v}.messages.log" for v in VENUES]
            if all(p.exists() and "|35=W|" in p.read_text(errors="replace") for p in logs):
                return
            time.sleep(0.05)
        raise AssertionError(f"no market data snapshot from {VENUES} in {self.state / 'fix' / 'log'}")

    @property
    def api(self) -> str:
        """The REST API's base URL, as `oms-fix up` printed it (tests run it on a free port)."""
        for line in self.output().splitlines():
            if line.startswith("REST API on "):
                return line.split()[3]
        raise AssertionError("oms-fix up printed no REST API line:\n" + self.output())

    def venue_log(self) -> str:
        return "".join(p.read_text(errors="replace")
                       for p in sorted((self.state / "fix" / "log").glob(f"FIX.4.4-{self.comp_id}--*.messages.log")))

    def stop(self, timeout_s: float = 30.0) -> tuple[int, str]:
        """SIGTERM: the OMS logs its sessions out, stops its venues (if it runs them) and flushes its stores."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(10)
        time.sleep(0.05)  # the reader thread takes the last lines
        return rc, self.output()


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


@dataclass
class System:
    tmp: Path
    ports: dict[str, int]
    up: UpProcess
    c1: OmsClient   # CLIENT1, account ACC001
    c2: OmsClient   # CLIENT2, account ACC002 (GOOG restricted)
    dc: OmsClient   # DROPCOPY

    def client(self, sender: str, target: str = "OMS", port: int | None = None) -> OmsClient:
        return OmsClient(self.tmp / "clients" / f"{sender}-{target}", port or self.ports["clients"], sender, target)

    def second_oms(self, name: str) -> tuple[Path, dict[str, int], list[str]]:
        """The config of a second OMS (SenderCompID OMSR, CLIENT1 only, its own ports) trading at this
        system's venues: its directory, its ports and the `oms-fix up` arguments that start it."""
        tmp = self.tmp / name
        tmp.mkdir()
        ports = {"clients": free_port(), "dc": free_port()}
        cfg = write_yaml(tmp / "oms.yaml", {
            "clients": {"port": ports["clients"], "sender_comp_id": "OMSR",
                        "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
            "drop_copy": {"port": ports["dc"], "sender_comp_id": "OMSR",
                          "sessions": [{"target_comp_id": "DROPCOPY"}]},
            "instruments": INSTRUMENTS, "risk": RISK,
            "venues": [{"name": v, "port": self.ports[v]} for v in VENUES]})
        return tmp, ports, ["--config", str(cfg), "--no-venues"]
