"""A QuickFIX initiator trading through the OMS, keeping every message it got and what it sent back.

QuickFIX validates what the OMS sends against the FIX 4.4 dictionary
(UseDataDictionary=Y); a message it refuses shows up in ``rejects`` (the
session Reject it sent). ResetOnLogon stays N and the store is QuickFIX's
FileStore, so a reconnect after the OMS restarts continues the sequence
numbers on both sides.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import quickfix as fix

from oms_fix.fix.dictionary import DEFAULT_PATH
from oms_fix.fix.message import Message, split_message
from tests.interop.peers import tail_lines

__all__ = ["OmsClient", "s", "transact_time"]


def transact_time() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def s(m: Message, tag: int) -> str:
    """A field's value as text, "" when absent."""
    return (m.get(tag) or b"").decode("latin-1")


def _parse(message: fix.Message) -> Message:
    parsed = split_message(message.toString().encode("latin-1"))
    assert isinstance(parsed, Message), parsed
    return parsed


def _show(m: Message) -> str:
    return bytes(m.raw).decode("latin-1").replace("\x01", "|")


class _App(fix.Application):
    """Records every callback; QuickFIX calls these from its own threads."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.session_id: fix.SessionID | None = None
        self.logged_on = threading.Event()
        self.logons = 0
        self.app_in: list[Message] = []
        self.admin_in: list[Message] = []
        self.admin_out: list[Message] = []

    def onCreate(self, sessionID):  # noqa: N802 (QuickFIX's names)
        self.session_id = sessionID

    def onLogon(self, sessionID):  # noqa: N802
        with self.lock:
            self.logons += 1
        self.logged_on.set()

    def onLogout(self, sessionID):  # noqa: N802
        self.logged_on.clear()

    def toAdmin(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.admin_out.append(_parse(message))

    def fromAdmin(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.admin_in.append(_parse(message))

    def toApp(self, message, sessionID):  # noqa: N802
        pass

    def fromApp(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.app_in.append(_parse(message))


class OmsClient:
    """One QuickFIX SocketInitiator session ``sender`` -> ``target``; start/stop may repeat on the same dirs."""

    def __init__(self, work_dir: Path, port: int, sender: str, target: str = "OMS", heartbeat_s: int = 30):
        self.sender, self.target = sender, target
        work_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = work_dir / "log"
        self.cfg_path = work_dir / "client.cfg"
        self.cfg_path.write_text(
            "[DEFAULT]\nConnectionType=initiator\nStartTime=00:00:00\nEndTime=00:00:00\n"
            f"HeartBtInt={heartbeat_s}\nReconnectInterval=1\nLogonTimeout=5\nLogoutTimeout=2\n"
            f"SocketConnectHost=127.0.0.1\nSocketConnectPort={port}\nSocketNodelay=Y\n"
            f"UseDataDictionary=Y\nDataDictionary={DEFAULT_PATH}\n"
            f"FileStorePath={work_dir / 'store'}\nFileLogPath={self.log_dir}\n"
            f"[SESSION]\nBeginString=FIX.4.4\nSenderCompID={sender}\nTargetCompID={target}\n")
        self.app = _App()
        self._initiator: fix.SocketInitiator | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self, timeout_s: float = 15.0) -> "OmsClient":
        settings = fix.SessionSettings(str(self.cfg_path))
        self._initiator = fix.SocketInitiator(self.app, fix.FileStoreFactory(settings), settings,
                                              fix.FileLogFactory(settings))
        self._initiator.start()
        self.wait_logons(1, timeout_s)
        return self

    def wait_logons(self, n: int, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.app.logons >= n and self.app.logged_on.is_set():
                return
            time.sleep(0.02)
        raise AssertionError(f"{self.sender}: logon #{n} to {self.target} not within {timeout_s:g}s\n"
                             f"{self.event_log()}")

    def stop(self) -> None:
        if self._initiator is not None:
            self._initiator.stop()
            self._initiator = None

    # ------------------------------------------------------------- traffic
    def send(self, msg_type: str, fields: list[tuple[int, str]]) -> None:
        m = fix.Message()
        m.getHeader().setField(fix.MsgType(msg_type))
        for tag, value in fields:
            m.setField(tag, value)
        assert self.app.session_id is not None
        if not fix.Session.sendToTarget(m, self.app.session_id):
            raise AssertionError(f"{self.sender}: QuickFIX refused to send 35={msg_type}")

    def new_order(self, cl: str, symbol: str, side: str, qty: int, price: str | None = None, tif: str = "0",
                  **extra: str) -> None:
        fields = [(11, cl), (55, symbol), (54, side), (60, transact_time()), (38, str(qty)),
                  (40, "2" if price else "1"), (59, tif)]
        if price:
            fields.append((44, price))
        self.send("D", fields + [(int(k[1:]), v) for k, v in extra.items()])

    def cancel(self, cl: str, orig: str, symbol: str, side: str, qty: int) -> None:
        self.send("F", [(41, orig), (11, cl), (55, symbol), (54, side), (60, transact_time()), (38, str(qty))])

    def replace(self, cl: str, orig: str, symbol: str, side: str, qty: int, price: str) -> None:
        self.send("G", [(41, orig), (11, cl), (55, symbol), (54, side), (60, transact_time()), (38, str(qty)),
                        (40, "2"), (44, price)])

    def status(self, cl: str, symbol: str, side: str) -> None:
        self.send("H", [(11, cl), (55, symbol), (54, side)])

    # ----------------------------------------------------------- what came
    def messages(self, msg_type: str | None = None) -> list[Message]:
        with self.app.lock:
            return [m for m in self.app.app_in if msg_type is None or m.msg_type == msg_type.encode()]

    def reports(self, cl: str | None = None, exec_type: str | None = None) -> list[Message]:
        """ExecutionReports, optionally for one ClOrdID and of one ExecType, in arrival order."""
        return [m for m in self.messages("8")
                if (cl is None or s(m, 11) == cl) and (exec_type is None or s(m, 150) == exec_type)]

    def admin_in(self, msg_type: str) -> list[Message]:
        with self.app.lock:
            return [m for m in self.app.admin_in if m.msg_type == msg_type.encode()]

    def admin_out(self, msg_type: str) -> list[Message]:
        with self.app.lock:
            return [m for m in self.app.admin_out if m.msg_type == msg_type.encode()]

    @property
    def rejects(self) -> list[str]:
        """Session Rejects (35=3) QuickFIX sent: messages from the OMS it found invalid."""
        return [_show(m) for m in self.admin_out("3")]

    def wait_for(self, pred: Callable[[Message], bool], timeout_s: float = 10.0, what: str = "") -> Message:
        deadline = time.monotonic() + timeout_s
        while True:
            for m in self.messages():
                if pred(m):
                    return m
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        got = "\n".join(_show(m) for m in self.messages()[-12:])
        raise AssertionError(f"{self.sender}: no {what or 'matching message'} within {timeout_s:g}s; last got:\n"
                             f"{got}\nQuickFIX rejects: {self.rejects}\n{self.event_log()}")

    def wait_report(self, cl: str, exec_type: str, timeout_s: float = 10.0) -> Message:
        return self.wait_for(lambda m: m.msg_type == b"8" and s(m, 11) == cl and s(m, 150) == exec_type,
                             timeout_s, f"ExecutionReport 150={exec_type} for {cl}")

    def wait_done(self, cl: str, timeout_s: float = 10.0) -> list[Message]:
        """The ExecutionReports for ``cl`` up to the first with a terminal OrdStatus (2, 4, 8, C)."""
        self.wait_for(lambda m: m.msg_type == b"8" and s(m, 11) == cl and s(m, 39) in ("2", "4", "8", "C"),
                      timeout_s, f"a terminal ExecutionReport for {cl}")
        out = []
        for m in self.reports(cl):
            out.append(m)
            if s(m, 39) in ("2", "4", "8", "C"):
                break
        return out

    def event_log(self, lines: int = 20) -> str:
        path = next(self.log_dir.glob("*.event.current.log"), None) if self.log_dir.exists() else None
        if path is None:
            return "(no QuickFIX event log)"
        return f"--- QuickFIX {path.name}\n" + "\n".join(tail_lines(path, lines))
