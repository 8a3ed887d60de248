"""uvicorn serving the API on the running event loop: the OMS's own, so handlers call the core directly.

uvicorn's ``serve`` would install its own SIGINT/SIGTERM handlers; the OMS has
its own (``oms-fix up`` logs every session out first), so this starts and stops
uvicorn's server by hand.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import uvicorn
from fastapi import FastAPI

__all__ = ["ApiServer"]


class ApiServer:
    def __init__(self, app: FastAPI, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None):
        self.config = uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning",
                                     access_log=False, ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                                     timeout_graceful_shutdown=2, loop="none")
        self.server = uvicorn.Server(self.config)
        self._main: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self.scheme = "https" if tls_cert else "http"

    async def start(self) -> None:
        """Listen; OSError (with the system's reason) when the address cannot be had."""
        self.config.load()
        self.server.lifespan = self.config.lifespan_class(self.config)
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.config.host, self.config.port))
            sock.listen(self.config.backlog)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        await self.server.startup(sockets=[sock])
        self._main = asyncio.create_task(self.server.main_loop())

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1]) if self._sock is not None else self.config.port

    def describe(self) -> str:
        return f"{self.scheme}://{self.config.host}:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._main is not None:
            await self._main
            await self.server.shutdown(sockets=[self._sock] if self._sock is not None else None)
