"""A QuickFIX initiator inside the test process (its own threads), and what it saw.

Settings go through a real config file, as a QuickFIX user would write one;
the store is QuickFIX's FileStore so a restart continues its sequence numbers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix

from oms_fix.fix.dictionary import DEFAULT_PATH
from tests.interop.peers import tail_lines

__all__ = ["QfInitiator", "Seen", "nos"]

TRANSACT_TIME = "20240102-14:30:00.000"


def nos(cl_ord_id: str) -> fix.Message:
    m = fix.Message()
    m.getHeader().setField(fix.MsgType("D"))
    for tag, value in ((11, cl_ord_id), (1, "ACC001"), (55, "AAPL"), (54, "1"), (60, TRANSACT_TIME),
                       (38, "100"), (40, "2"), (44, "187.25"), (59, "0")):
        m.setField(tag, value)
    return m


@dataclass(frozen=True)
class Seen:
    msg_type: str
    seq: int
    poss_dup: bool
    cl_ord_id: str | None
    test_req_id: str | None
    text: str | None


def _seen(message: fix.Message) -> Seen:
    h = message.getHeader()

    def opt(fmap: fix.FieldMap, tag: int) -> str | None:
        return fmap.getField(tag) if fmap.isSetField(tag) else None

    return Seen(h.getField(35), int(opt(h, 34) or 0), opt(h, 43) == "Y", opt(message, 11), opt(message, 112),
                opt(message, 58))


class _App(fix.Application):
    """Records every callback; QuickFIX calls these from its own threads."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.session_id: fix.SessionID | None = None
        self.logged_on = threading.Event()
        self.logged_out = threading.Event()
        self.logons = 0
        self.app_in: list[Seen] = []
        self.admin_in: list[Seen] = []
        self.admin_out: list[Seen] = []

    def onCreate(self, sessionID):  # noqa: N802 (QuickFIX's names)
        self.session_id = sessionID

    def onLogon(self, sessionID):  # noqa: N802
        with self.lock:
            self.logons += 1
        self.logged_out.clear()
        self.logged_on.set()

    def onLogout(self, sessionID):  # noqa: N802
        self.logged_on.clear()
        self.logged_out.set()

    def toAdmin(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.admin_out.append(_seen(message))

    def fromAdmin(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.admin_in.append(_seen(message))

    def toApp(self, message, sessionID):  # noqa: N802
        pass

    def fromApp(self, message, sessionID):  # noqa: N802
        with self.lock:
            self.app_in.append(_seen(message))


class QfInitiator:
    """One QuickFIX SocketInitiator session CLIENT1 -> OMS; start/stop may repeat on the same dirs."""

    def __init__(self, work_dir: Path, port: int, heartbeat_s: int = 30, sender: str = "CLIENT1",
                 target: str = "OMS"):
        self.work_dir = work_dir
        self.store_dir = work_dir / "store"
        self.log_dir = work_dir / "log"
        work_dir.mkdir(parents=True, exist_ok=True)
        self.cfg_path = work_dir / "initiator.cfg"
        # ResetOnLogon/Logout/Disconnect stay N (QuickFIX's default): a restart
        # must continue the sequence numbers from the store, never reset them.
        self.cfg_path.write_text(
            "[DEFAULT]\nConnectionType=initiator\nStartTime=00:00:00\nEndTime=00:00:00\n"
            f"HeartBtInt={heartbeat_s}\nReconnectInterval=1\nLogonTimeout=5\nLogoutTimeout=3\n"
            f"SocketConnectHost=127.0.0.1\nSocketConnectPort={port}\nSocketNodelay=Y\n"
            f"UseDataDictionary=Y\nDataDictionary={DEFAULT_PATH}\n"
            f"FileStorePath={self.store_dir}\nFileLogPath={self.log_dir}\n"
            f"[SESSION]\nBeginString=FIX.4.4\nSenderCompID={sender}\nTargetCompID={target}\n")
        self.app = _App()
        self._initiator: fix.SocketInitiator | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "QfInitiator":
        self.app = _App()
        settings = fix.SessionSettings(str(self.cfg_path))
        self._initiator = fix.SocketInitiator(self.app, fix.FileStoreFactory(settings), settings,
                                              fix.FileLogFactory(settings))
        self._initiator.start()
        return self

    def wait_logged_on(self, timeout_s: float = 10.0) -> None:
        if not self.app.logged_on.wait(timeout_s):
            raise AssertionError(f"QuickFIX did not log on within {timeout_s:g}s\n{self.event_log()}")

    def stop(self) -> None:
        """QuickFIX's stop: Logout if logged on, then close (waits up to LogoutTimeout)."""
        if self._initiator is not None:
            self._initiator.stop()
            self._initiator = None

    @property
    def session(self) -> fix.Session:
        s = fix.Session.lookupSession(self.app.session_id)
        assert s is not None, "no QuickFIX session (not started?)"
        return s

    def stored_next_numbers(self) -> tuple[int, int]:
        """(next sender, next target) as QuickFIX's FileStore holds them (`.seqnums`: "S : T")."""
        text = next(self.store_dir.glob("*.seqnums")).read_text()
        sender, target = (int(x) for x in text.split(":"))
        return sender, target

    # ------------------------------------------------------------- traffic
    def send(self, message: fix.Message) -> None:
        assert self.app.session_id is not None
        if not fix.Session.sendToTarget(message, self.app.session_id):
            raise AssertionError("QuickFIX refused to send")

    def send_orders(self, ids: list[str]) -> None:
        for cl in ids:
            self.send(nos(cl))

    def exec_reports(self) -> list[Seen]:
        with self.app.lock:
            return [s for s in self.app.app_in if s.msg_type == "8"]

    def wait_exec_reports(self, ids: set[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            got = {s.cl_ord_id for s in self.exec_reports()}
            if ids <= got:
                return
            if time.monotonic() > deadline:
                missing = sorted(ids - got)
                raise AssertionError(f"QuickFIX got no ExecutionReport for {len(missing)} orders "
                                     f"(first {missing[:5]}) within {timeout_s:g}s\n{self.event_log()}")
            time.sleep(0.01)

    def admin_in(self, msg_type: str) -> list[Seen]:
        with self.app.lock:
            return [s for s in self.app.admin_in if s.msg_type == msg_type]

    def admin_out(self, msg_type: str) -> list[Seen]:
        with self.app.lock:
            return [s for s in self.app.admin_out if s.msg_type == msg_type]

    def event_log(self, lines: int = 25) -> str:
        path = next(self.log_dir.glob("*CLIENT1*.event.current.log"), None) or next(
            self.log_dir.glob("*.event.current.log"), None)
        if path is None:
            return "(no QuickFIX event log)"
        return f"--- QuickFIX {path.name}\n" + "\n".join(tail_lines(path, lines))
