"""Our side of the session benchmark: our acceptor answering each NOS with an ER.

Run as a process: `python -m oms_fix.bench.echo_server --port P [--state-dir D] [--log-dir L]`.
Prints `READY <port>` once listening (so `--port 0` works); exits when stdin
closes or on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

from ..fix.config import SessionConfig
from ..fix.registry import SessionRegistry
from ..fix.store import MemoryStore
from ..live.acceptor import FixAcceptor
from ..live.loop import run
from .echo_app import EchoApplication


def _store_factory(state_dir: Path | None):
    if state_dir is None:
        return lambda cfg: MemoryStore()
    from ..fix.filestore import FileStore

    return lambda cfg: FileStore(state_dir, cfg.session_id)


async def serve(port: int, state_dir: Path | None, sender: str, target: str, log_dir: Path | None = None) -> None:
    registry = SessionRegistry(_store_factory(state_dir))
    registry.add(SessionConfig(sender_comp_id=sender, target_comp_id=target, role="acceptor",
                               reset_on_logon=False))
    # The interop tests read the logs; the benchmark runs without them.
    acceptor = FixAcceptor(registry, EchoApplication(), "127.0.0.1", port, log_dir=log_dir,
                           message_log=log_dir is not None,
                           on_note=lambda text: print("NOTE", text, file=sys.stderr, flush=True))
    await acceptor.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    fd = sys.stdin.fileno()
    loop.add_reader(fd, lambda: None if os.read(fd, 65536) else stop.set())
    print("READY", acceptor.port, flush=True)
    await stop.wait()
    await acceptor.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--state-dir", type=Path, help="use the durable FileStore here (default: memory)")
    ap.add_argument("--sender", default="OMS")
    ap.add_argument("--target", default="CLIENT1")
    ap.add_argument("--log-dir", type=Path, help="write per-session message and event logs here")
    args = ap.parse_args(argv)
    run(serve(args.port, args.state_dir, args.sender, args.target, args.log_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
