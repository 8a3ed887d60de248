"""Which session a Logon belongs to: configured counterparties and CompID patterns.

An acceptor serves many sessions on one port. The first message on a new
connection names the peer (49) and us (56); the registry answers with the
Session to hand the connection to, creating one for a peer that matches a
configured pattern (`CLT*`), as QuickFIX/J's AcceptorTemplate does.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Callable

from .config import SessionConfig
from .dictionary import Dictionary, load_default
from .session import Session
from .store import MessageStore

__all__ = ["SessionRegistry", "Refusal"]


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    # 1S.b: a second connection for a live session is closed without a word.
    silent: bool


class SessionRegistry:
    def __init__(self, store_factory: Callable[[SessionConfig], MessageStore],
                 dictionary: Dictionary | None = None, max_message_size: int = 1 << 20):
        self._store_factory = store_factory
        self._dictionary = dictionary or load_default()
        self._max_message_size = max_message_size
        self._configs: dict[tuple[str, str], SessionConfig] = {}
        self._patterns: list[tuple[str, SessionConfig]] = []
        self.sessions: dict[tuple[str, str], Session] = {}

    def add(self, config: SessionConfig) -> None:
        self._configs[(config.sender_comp_id, config.target_comp_id)] = config

    def add_pattern(self, pattern: str, template: SessionConfig) -> None:
        """Accept any peer whose SenderCompID matches the glob `pattern`."""
        self._patterns.append((pattern, template))

    @property
    def configs(self) -> list[SessionConfig]:
        return list(self._configs.values())

    def config_for(self, our_id: str, peer_id: str) -> SessionConfig | None:
        cfg = self._configs.get((our_id, peer_id))
        if cfg is not None:
            return cfg
        for pattern, template in self._patterns:
            if template.sender_comp_id == our_id and fnmatch.fnmatchcase(peer_id, pattern):
                return template.for_peer(peer_id)
        return None

    def session(self, config: SessionConfig) -> Session:
        key = (config.sender_comp_id, config.target_comp_id)
        s = self.sessions.get(key)
        if s is None:
            s = Session(config, self._store_factory(config), self._dictionary, self._max_message_size)
            self.sessions[key] = s
        return s

    def resolve(self, our_id: str, peer_id: str, in_use: Callable[[Session], bool]) -> Session | Refusal:
        cfg = self.config_for(our_id, peer_id)
        if cfg is None:
            return Refusal(f"unknown session: SenderCompID {peer_id!r} TargetCompID {our_id!r}", silent=False)
        s = self.session(cfg)
        if in_use(s):
            return Refusal(f"{cfg.session_id} is already logged on from another connection", silent=True)
        return s

    def close(self) -> None:
        for s in self.sessions.values():
            s.store.close()
