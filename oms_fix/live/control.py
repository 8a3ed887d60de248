"""The running OMS's local control socket: operators' commands that are not FIX.

A Unix socket in the state directory (``<state>/oms.ctl``, owner-only), one
JSON object per line each way. Requests:

    {"cmd": "kill", "account": "ACC001" | null, "reason": "..."}
    {"cmd": "revive", "account": "ACC001" | null, "reason": "..."}
    {"cmd": "status"}

A kill blocks new orders for the account (null: every account) and cancels
everything working at the venues; it goes through the core like any command,
so it is journaled and survives a restart. Revive lifts it. Replies say what
happened: ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. The
REST API's kill switch (a later issue) calls the same core command.

Only the local user reaches the socket (mode 0600): file permissions are its
access control.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from ..engine import oms_types as t
from .oms_app import OmsRuntime

__all__ = ["ControlServer", "control_path"]

_MAX_LINE = 64 << 10


def control_path(state_dir: Path) -> Path:
    return state_dir / "oms.ctl"


class ControlServer:
    def __init__(self, runtime: OmsRuntime, path: Path):
        self.runtime = runtime
        self.path = path
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        if self.path.is_socket():
            self.path.unlink()  # left by a process that died; the journal's lock already proved it gone
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=_MAX_LINE)
        os.chmod(self.path, 0o600)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.path.unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                writer.write(json.dumps(self.answer(line)).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, ValueError):
            pass  # a client that went away or sent an over-long line
        finally:
            writer.close()

    def answer(self, line: bytes) -> dict[str, Any]:
        try:
            req = json.loads(line)
        except ValueError as e:
            return {"ok": False, "error": f"not JSON: {e}"}
        if not isinstance(req, dict):
            return {"ok": False, "error": "expected a JSON object"}
        cmd = req.get("cmd")
        account = req.get("account")
        if account is not None and not isinstance(account, str):
            return {"ok": False, "error": "account must be a string or null"}
        reason = str(req.get("reason") or "operator")
        if cmd == "kill":
            before = self.runtime.working_orders(account)
            self.runtime.process(t.Kill(account=account, reason=reason))
            return {"ok": True, "kill": account or "all accounts", "reason": reason, "orders_canceled": before}
        if cmd == "revive":
            self.runtime.process(t.Revive(account=account, reason=reason))
            return {"ok": True, "revive": account or "all accounts", "reason": reason}
        if cmd == "status":
            return {"ok": True, **self.runtime.status()}
        return {"ok": False, "error": f"unknown cmd {cmd!r}; expected kill, revive or status"}
