"""The reference for the session benchmark: a QuickFIX acceptor doing the same echo.

Run as a process: `python -m oms_fix.bench.qf_echo --port P [--nodelay]
[--store-dir D] [--log-dir L]`. It prints `READY <port>` once listening and
serves until stdin closes or it is signalled. `--store-dir` swaps the memory
store for QuickFIX's FileStore there, so sequence numbers survive a restart
(the interop tests restart it); `--log-dir` adds QuickFIX's file logs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NoReturn

import quickfix as fix

from ..fix.dictionary import DEFAULT_PATH


class EchoApp(fix.Application):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def onCreate(self, sessionID):  # noqa: N802 (QuickFIX's callback names)
        pass

    def onLogon(self, sessionID):  # noqa: N802
        pass

    def onLogout(self, sessionID):  # noqa: N802
        pass

    def toAdmin(self, message, sessionID):  # noqa: N802
        pass

    def fromAdmin(self, message, sessionID):  # noqa: N802
        pass

    def toApp(self, message, sessionID):  # noqa: N802
        pass

    def fromApp(self, message, sessionID):  # noqa: N802
        self.n += 1
        get = message.getField
        er = fix.Message()
        er.getHeader().setField(fix.MsgType("8"))
        for tag, value in ((37, f"O{self.n}"), (17, f"E{self.n}"), (11, get(11)), (150, "F"), (39, "2"),
                           (1, get(1)), (55, get(55)), (54, get(54)), (38, get(38)), (40, get(40)),
                           (44, get(44)), (32, get(38)), (31, get(44)), (151, "0"), (14, get(38)),
                           (6, get(44)), (60, get(60))):
            er.setField(tag, value)
        fix.Session.sendToTarget(er, sessionID)


def settings_text(port: int, sender: str, target: str, nodelay: bool, store_dir: str,
                  log_dir: str | None = None) -> str:
    return (
        "[DEFAULT]\nConnectionType=acceptor\nStartTime=00:00:00\nEndTime=00:00:00\n"
        f"SocketAcceptPort={port}\nSocketAcceptAddress=127.0.0.1\nUseDataDictionary=Y\n"
        f"DataDictionary={DEFAULT_PATH}\nFileStorePath={store_dir}\n"
        + (f"FileLogPath={log_dir}\n" if log_dir else "")
        + f"SocketNodelay={'Y' if nodelay else 'N'}\n"
        f"[SESSION]\nBeginString=FIX.4.4\nSenderCompID={sender}\nTargetCompID={target}\n"
    )


def main(argv: list[str] | None = None) -> NoReturn:
    """Serve until told to stop, then end the process (see the note at the end: not a plain return)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sender", default="OMS")
    ap.add_argument("--target", default="CLIENT1")
    ap.add_argument("--nodelay", action="store_true", help="SocketNodelay=Y (its best latency)")
    ap.add_argument("--store-dir", type=Path, help="QuickFIX FileStore here (default: memory)")
    ap.add_argument("--log-dir", type=Path, help="QuickFIX file logs here (default: none)")
    args = ap.parse_args(argv)
    d = tempfile.mkdtemp()
    cfg = Path(d) / "qf.cfg"
    store_dir = str(args.store_dir) if args.store_dir else d
    log_dir = str(args.log_dir) if args.log_dir else None
    cfg.write_text(settings_text(args.port, args.sender, args.target, args.nodelay, store_dir, log_dir))
    settings = fix.SessionSettings(str(cfg))
    app = EchoApp()
    store = fix.FileStoreFactory(settings) if args.store_dir else fix.MemoryStoreFactory()
    if log_dir:
        acceptor = fix.SocketAcceptor(app, store, settings, fix.FileLogFactory(settings))
    else:
        acceptor = fix.SocketAcceptor(app, store, settings)
    acceptor.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("READY", args.port, flush=True)
    def stop_at_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=stop_at_eof, daemon=True).start()
    stop.wait()
    _log_out_all(acceptor)
    # Not acceptor.stop(), nor a return that lets the acceptor be destroyed: in
    # this wheel (quickfix-py 0.0.3) stop() races QuickFIX's own socket thread
    # (SocketServer::close walks a socket map that thread is changing) and the
    # process died of SIGSEGV about every other time, even with no session
    # connected. _log_out_all did the part of stop() that matters to a peer;
    # QuickFIX flushes its FileStore and file logs on every write, so leaving
    # now loses nothing.
    sys.stdout.flush()
    shutil.rmtree(d, ignore_errors=True)
    os._exit(0)


def _log_out_all(acceptor: fix.SocketAcceptor, timeout_s: float = 5.0) -> None:
    """Log every session out and wait (bounded) for the Logout replies."""
    for sid in acceptor.getSessions():
        session = fix.Session.lookupSession(sid)
        if session is not None and session.isLoggedOn():
            session.logout("acceptor shutting down")
    deadline = time.monotonic() + timeout_s
    while acceptor.isLoggedOn() and time.monotonic() < deadline:
        time.sleep(0.02)


if __name__ == "__main__":
    main()
