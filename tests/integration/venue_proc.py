"""One venue process (``python -m sim_venues.serve``) for a test, with its FIX and control addresses read from
its ready line; stopped with SIGINT, its whole output kept."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
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


class VenueProc:
    def __init__(self, config: Path, *args: str, venue: str = "EXCH"):
        self.config = config
        self.proc = subprocess.Popen([sys.executable, "-m", "sim_venues.serve", "--venue", venue, "--config",
                                      str(config), "--stats-every", "3600", *args],
                                     cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self.fix_port = 0
        self.url = ""
        deadline = time.monotonic() + 30
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            if select.select([self.proc.stdout], [], [], 1.0)[0]:
                line = self.proc.stdout.readline().decode()
                if not line:
                    break
                self.lines.append(line)
                if line.startswith("ready "):
                    words = line.split()
                    self.fix_port = int(words[1].rsplit(":", 1)[1])
                    self.url = words[words.index("control") + 1]
                    return
        # Not ready: the caller looks at returncode and output (a venue refusing a bad file exits 2).
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.lines.append(self.proc.stdout.read().decode(errors="replace"))

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                out, _ = self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, _ = self.proc.communicate()
            self.lines.append(out.decode(errors="replace"))
        return self.output
