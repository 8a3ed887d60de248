"""A QuickFIX initiator that trades at one simulated venue and keeps every message it got.

QuickFIX validates what the venue sends against the FIX 4.4 dictionary
(UseDataDictionary=Y), so a malformed ExecutionReport or market data message
is refused by an independent engine, not just by our own parser.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

import quickfix as fix

from oms_fix.fix.dictionary import DEFAULT_PATH
from oms_fix.fix.message import Message, split_message

__all__ = ["VenueClient"]


class _App(fix.Application):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.session_id: fix.SessionID | None = None
        self.logged_on = threading.Event()
        self.received: list[Message] = []
        self.rejects: list[str] = []
        self.admin_in: list[str] = []  # session messages, '|' for SOH, as QuickFIX got and sent them
        self.admin_out: list[str] = []
        self.logons = 0

    def onCreate(self, sessionID):  # noqa: N802 (QuickFIX's names)
        self.session_id = sessionID

    def onLogon(self, sessionID):  # noqa: N802
        with self.lock:
            self.logons += 1
        self.logged_on.set()

    def onLogout(self, sessionID):  # noqa: N802
        self.logged_on.clear()

    def toAdmin(self, message, sessionID):  # noqa: N802
        text = message.toString().replace("\x01", "|")
        with self.lock:
            self.admin_out.append(text)
            if message.getHeader().getField(35) == "3":  # QuickFIX rejecting what we sent it
                self.rejects.append(text)

    def fromAdmin(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.admin_in.append(message.toString().replace("\x01", "|"))

    def toApp(self, message, sessionID):  # noqa: N802
        pass

    def fromApp(self, message, sessionID):  # noqa: N802
        parsed = split_message(message.toString().encode("latin-1"))
        assert isinstance(parsed, Message)
        with self.lock:
            self.received.append(parsed)


class VenueClient:
    def __init__(self, work_dir: Path, port: int, sender: str, venue: str, heartbeat_s: int = 30):
        self.sender = sender
        work_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = work_dir / "log"
        cfg = work_dir / "client.cfg"
        cfg.write_text(
            "[DEFAULT]\nConnectionType=initiator\nStartTime=00:00:00\nEndTime=00:00:00\n"
            f"HeartBtInt={heartbeat_s}\nReconnectInterval=1\nLogonTimeout=5\nLogoutTimeout=2\n"
            f"SocketConnectHost=127.0.0.1\nSocketConnectPort={port}\nSocketNodelay=Y\n"
            f"UseDataDictionary=Y\nDataDictionary={DEFAULT_PATH}\nResetOnLogon=Y\n"
            f"FileStorePath={work_dir / 'store'}\nFileLogPath={self.log_dir}\n"
            f"[SESSION]\nBeginString=FIX.4.4\nSenderCompID={sender}\nTargetCompID={venue}\n")
        self.app = _App()
        settings = fix.SessionSettings(str(cfg))
        self._initiator = fix.SocketInitiator(self.app, fix.FileStoreFactory(settings), settings,
                                              fix.FileLogFactory(settings))
        self._initiator.start()
        if not self.app.logged_on.wait(15):
            raise AssertionError(f"{sender} did not log on to {venue} within 15 s")

    def send(self, msg_type: str, fields: list[tuple[int, str]]) -> None:
        m = fix.Message()
        m.getHeader().setField(fix.MsgType(msg_type))
        for tag, value in fields:
            m.setField(tag, value)
        self._send(m)

    def subscribe(self, req_id: str, symbols: list[str], depth: int = 0, types: str = "012") -> None:
        """MarketDataRequest (35=V), snapshot + updates, with its two repeating groups."""
        m = fix.Message()
        m.getHeader().setField(fix.MsgType("V"))
        for tag, value in ((262, req_id), (263, "1"), (264, str(depth)), (265, "1")):
            m.setField(tag, value)
        for t in types:
            g = fix.Group(267, 269)
            g.setField(269, t)
            m.addGroup(g)
        for s in symbols:
            g = fix.Group(146, 55)
            g.setField(55, s)
            m.addGroup(g)
        self._send(m)

    def _send(self, m: fix.Message) -> None:
        assert self.app.session_id is not None
        if not fix.Session.sendToTarget(m, self.app.session_id):
            raise AssertionError("QuickFIX refused to send")

    def messages(self, msg_type: bytes | None = None) -> list[Message]:
        with self.app.lock:
            return [m for m in self.app.received if msg_type is None or m.msg_type == msg_type]

    def wait_for(self, pred: Callable[[Message], bool], timeout_s: float = 10.0, what: str = "") -> Message:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for m in self.messages():
                if pred(m):
                    return m
            time.sleep(0.02)
        got = "\n".join(bytes(m.raw).decode("latin-1").replace("\x01", "|") for m in self.messages()[-10:])
        raise AssertionError(f"{self.sender}: no {what or 'matching message'} within {timeout_s:g}s; last got:\n{got}\n"
                             f"QuickFIX rejects: {self.app.rejects}")

    def stop(self) -> None:
        self._initiator.stop()
