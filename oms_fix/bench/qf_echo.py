"""The reference for the session benchmark: a QuickFIX acceptor doing the same echo.

Run as a process: `python -m oms_fix.bench.qf_echo --port P [--nodelay]`. It
prints READY once listening and serves until stdin closes or it is signalled.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path

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


def settings_text(port: int, sender: str, target: str, nodelay: bool, store_dir: str) -> str:
    return (
        "[DEFAULT]\nConnectionType=acceptor\nStartTime=00:00:00\nEndTime=00:00:00\n"
        f"SocketAcceptPort={port}\nSocketAcceptAddress=127.0.0.1\nUseDataDictionary=Y\n"
        f"DataDictionary={DEFAULT_PATH}\nFileStorePath={store_dir}\n"
        f"SocketNodelay={'Y' if nodelay else 'N'}\n"
        f"[SESSION]\nBeginString=FIX.4.4\nSenderCompID={sender}\nTargetCompID={target}\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sender", default="OMS")
    ap.add_argument("--target", default="CLIENT1")
    ap.add_argument("--nodelay", action="store_true", help="SocketNodelay=Y (its best latency)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        cfg = Path(d) / "qf.cfg"
        cfg.write_text(settings_text(args.port, args.sender, args.target, args.nodelay, d))
        settings = fix.SessionSettings(str(cfg))
        app = EchoApp()
        acceptor = fix.SocketAcceptor(app, fix.MemoryStoreFactory(), settings)
        acceptor.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        print("READY", flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        stop.wait()
        acceptor.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
