"""The trade client on the wire: a FixInitiator, the command loop, stdin read off the event loop.

Thin on purpose: what a command sends is `requests`, what a message looks
like is `render`, what the orders are is `orders`. This module logs on
(failing fast on a refused connection or Logon), runs commands, prints what
arrives and logs out, waiting a bounded time for the Logout reply.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from ..fix.config import SessionConfig
from ..fix.filestore import StoreError
from ..fix.message import Message
from ..fix.session import ProtocolError, Session
from ..live.clock import LiveClock
from ..live.connection import SessionConnection
from ..live.initiator import FixInitiator
from ..live.msglog import NullLog, SessionLog
from ..live.stores import file_store_factory
from ..live.tls import client_context
from .orders import OrderView
from .parse import COMMANDS_HELP, CommandError, Help, Quit, ShowOrders, Wait, parse, split_commands
from .render import render
from .requests import ClOrdIds, RequestBuilder

__all__ = ["ClientOptions", "TradeClient", "run_interactive", "run_one_shot"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    host: str = "127.0.0.1"
    port: int = 9878
    sender: str = "CLIENT1"
    target: str = "OMS"
    account: str | None = "ACC001"
    state_dir: Path = Path("var/client/CLIENT1-OMS")
    username: str | None = None
    password: str | None = None
    heartbeat_s: int = 30
    reset: bool = False
    logon_timeout_s: float = 10.0
    logout_timeout_s: float = 3.0
    tls: bool = False
    tls_ca: Path | None = None  # the certificate to trust for TLS (None: the system's CAs)


# How the session notes a Reject (35=3) it received: admin messages never reach the application.
_SESSION_REJECT = re.compile(r"peer rejected our seq (\S*): 373=(\S*) 371=(\S*) ?(.*)", re.S)
_SESSION_REJECT_REASONS = {
    "0": "invalid tag number", "1": "required tag missing", "2": "tag not defined for this message type",
    "3": "undefined tag", "4": "tag specified without a value", "5": "value is incorrect", "6": "incorrect data format",
    "9": "CompID problem", "10": "SendingTime accuracy problem", "11": "invalid MsgType",
    "13": "tag appears more than once", "14": "tag specified out of required order",
    "15": "repeating group fields out of order", "16": "incorrect NumInGroup count", "99": "other"}


def _reject_line(ref_seq: str, reason: str, ref_tag: str, text: str) -> str:
    name = _SESSION_REJECT_REASONS.get(reason, "")
    line = f"REJECT RefSeqNum={ref_seq}  SessionRejectReason={reason}{' ' + name if name else ''}"
    if ref_tag and ref_tag != "None":
        line += f"  RefTagID={ref_tag}"
    return line + (f"  Text={text}" if text else "")


class _TapLog(NullLog):
    """The session's event log, also handed to the client: how it learns why a Logon failed."""

    def __init__(self, inner: SessionLog | NullLog, on_event: Callable[[str, str], None]):
        self.inner = inner
        self.on_event = on_event

    def incoming(self, data: bytes, now: int) -> None:
        self.inner.incoming(data, now)

    def outgoing(self, data: bytes, now: int) -> None:
        self.inner.outgoing(data, now)

    def event(self, level: str, text: str, now: int) -> None:
        self.inner.event(level, text, now)
        self.on_event(level, text)

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()


class TradeClient:
    """One session to an OMS or a venue, and the state the commands work on."""

    def __init__(self, opts: ClientOptions, out: TextIO | None = None, err: TextIO | None = None):
        self.opts = opts
        self.clock = LiveClock()
        self.view = OrderView()
        self.builder = RequestBuilder(ClOrdIds(self.clock.now_ns()), self.view, opts.account)
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self.stop = asyncio.Event()
        self.initiator: FixInitiator | None = None
        self._logged_on = False
        self._failed = asyncio.Event()
        self._failure = ""

    # -- output -------------------------------------------------------------------

    def say(self, line: str) -> None:
        print(line, file=self._out, flush=True)

    def complain(self, line: str) -> None:
        print(line, file=self._err, flush=True)

    # -- Application --------------------------------------------------------------

    def on_logon(self, conn: SessionConnection) -> None:
        self._logged_on = True
        store = conn.session.store
        self.say(f"logged on to {self.opts.host}:{self.opts.port} as {self.opts.sender} -> {self.opts.target} "
                 f"(next MsgSeqNum out {store.next_sender}, in {store.next_target})")

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        self.say(f"logged out: {reason.rstrip(': ')}")

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        mt = msg.msg_type
        if mt == b"8":
            self.view.on_execution_report(msg)
        elif mt == b"9":
            self.view.on_cancel_reject(msg)
        elif mt == b"Y":
            self.builder.forget_md(msg.get_str(262, "") or "")
        self.say(render(msg))

    # -- session events -----------------------------------------------------------

    def _note(self, text: str) -> None:
        """The initiator's own notes: connect failures, reconnects."""
        if not self._logged_on:
            self._fail(text.split("; retrying")[0])
        else:
            self.say(f"! {text}")

    def _event(self, level: str, text: str) -> None:
        if (reject := _SESSION_REJECT.fullmatch(text)) is not None:
            self.say(_reject_line(*reject.groups()))
        elif not self._logged_on and text.startswith(("disconnecting: ", "disconnected: ")):
            self._fail(text.partition(": ")[2])
        elif self._logged_on and level in ("warning", "error") and not text.startswith("disconnect"):
            self.say(f"! {text}")

    def _fail(self, reason: str) -> None:
        if not self._failure:
            self._failure = reason
        self._failed.set()

    # -- lifecycle ----------------------------------------------------------------

    async def connect(self) -> str | None:
        """Log on; None once logged on, else why not (refused, Logout text, timeout)."""
        o = self.opts
        config = SessionConfig(sender_comp_id=o.sender, target_comp_id=o.target, role="initiator",
                               heartbeat_s=o.heartbeat_s, reset_on_logon=o.reset, username=o.username,
                               password=o.password, logon_timeout_s=o.logon_timeout_s,
                               logout_timeout_s=o.logout_timeout_s)
        try:
            store = file_store_factory(o.state_dir / "store")(config)
        except (StoreError, OSError) as e:
            return f"cannot open the session store: {e}"
        ini = FixInitiator(Session(config, store), self, o.host, o.port, log_dir=o.state_dir / "log",
                           reconnect=False, on_note=self._note, tls=client_context(o.tls_ca) if o.tls else None)
        ini.log = _TapLog(ini.log, self._event)
        self.initiator = ini
        ini.start()
        logged_on = asyncio.create_task(ini.wait_logged_on())
        failed = asyncio.create_task(self._failed.wait())
        stopped = asyncio.create_task(self.stop.wait())
        await asyncio.wait([logged_on, failed, stopped], timeout=o.logon_timeout_s + 1,
                           return_when=asyncio.FIRST_COMPLETED)
        for t in (logged_on, failed, stopped):
            t.cancel()
        if self._logged_on:
            ini.reconnect = True  # once on, a dropped connection is retried
            return None
        reason = self._failure or ("interrupted" if self.stop.is_set() else
                                   f"no Logon reply within {o.logon_timeout_s:g} s")
        await ini.stop(0.5)
        return reason

    async def close(self) -> None:
        if self.initiator is not None:
            await self.initiator.stop(self.opts.logout_timeout_s)

    async def pause(self, seconds: float) -> None:
        """Sleep, printing what arrives; Ctrl-C cuts it short."""
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    # -- commands -----------------------------------------------------------------

    async def execute(self, line: str) -> bool:
        """Run the commands on one line; False once one of them is quit."""
        for text in split_commands(line):
            cmd = parse(text)
            match cmd:
                case CommandError():
                    self.complain(f"error: {cmd}")
                case Quit():
                    return False
                case Help():
                    self.say(COMMANDS_HELP)
                case ShowOrders():
                    for row in self.view.table():
                        self.say(row)
                case Wait(seconds=seconds):
                    await self.pause(seconds)
                case _:
                    out = self.builder.build(cmd, self.clock.now_ns())
                    if isinstance(out, CommandError):
                        self.complain(f"error: {out}")
                        continue
                    assert self.initiator is not None and self.initiator.conn is not None
                    try:
                        self.initiator.conn.send(out.msg_type, list(out.fields))
                    except ProtocolError as e:
                        self.complain(f"error: not sent: {e}")
                        continue
                    self.say(out.summary)
            if self.stop.is_set():
                return False
        return True


def _install_stop(client: TradeClient) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, client.stop.set)


def _logon_failed(client: TradeClient, reason: str) -> int:
    o = client.opts
    client.complain(f"oms-fix client: cannot log on to {o.host}:{o.port} as {o.sender} -> {o.target}: {reason}")
    return 1


async def run_one_shot(opts: ClientOptions, script: str, wait_s: float) -> int:
    """Log on, run `script`, print what arrives for `wait_s` seconds, log out."""
    client = TradeClient(opts)
    _install_stop(client)
    reason = await client.connect()
    if reason is not None:
        return _logon_failed(client, reason)
    if await client.execute(script):
        await client.pause(wait_s)
    await client.close()
    return 0


def _read_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None], prompt: str | None,
                done: threading.Event) -> None:
    """In a daemon thread: stdin lines into the loop's queue, None at end of input.

    At a terminal the next prompt waits until the line before has run, so it
    comes after that command's output rather than in the middle of it.
    """
    while True:
        line: str | None
        try:
            line = input(prompt) if prompt is not None else sys.stdin.readline()
        except (EOFError, OSError, ValueError):
            line = None
        if prompt is None and line == "":
            line = None
        done.clear()
        try:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        except RuntimeError:
            return  # the loop has closed: the client is exiting
        if line is None:
            return
        if prompt is not None:
            done.wait()


async def run_interactive(opts: ClientOptions, wait_s: float, tty: bool | None = None) -> int:
    """Commands from stdin until quit, end of input or Ctrl-C.

    At the end of piped input the client lingers `wait_s` seconds for the
    answers, as `-c` does; at a terminal Ctrl-D leaves at once.
    """
    tty = sys.stdin.isatty() if tty is None else tty
    client = TradeClient(opts)
    _install_stop(client)
    reason = await client.connect()
    if reason is not None:
        return _logon_failed(client, reason)
    if tty:
        try:
            import readline  # noqa: F401  (input() gains line editing and history)
        except ImportError:
            pass
        client.say("type 'help' for the commands, 'quit' or Ctrl-D to log out")
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    done = threading.Event()
    threading.Thread(target=_read_lines, args=(loop, queue, "> " if tty else None, done), daemon=True,
                     name="stdin").start()
    while not client.stop.is_set():
        get = asyncio.create_task(queue.get())
        stopper = asyncio.create_task(client.stop.wait())
        await asyncio.wait([get, stopper], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not get.done():
            get.cancel()
            break
        line = get.result()
        if line is None:
            if not tty:
                await client.pause(wait_s)
            break
        if not await client.execute(line):
            break
        done.set()
    await client.close()
    return 0
