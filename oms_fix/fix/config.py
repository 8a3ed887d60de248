"""Per-counterparty session settings."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from typing import Literal

from .schedule import Schedule

__all__ = ["SessionConfig", "hash_password", "check_password"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    sender_comp_id: str
    target_comp_id: str
    role: Literal["acceptor", "initiator"]
    begin_string: str = "FIX.4.4"
    # Initiator: the HeartBtInt we propose. Acceptor: adopts the peer's.
    heartbeat_s: int = 30
    # FIX 4.4 Vol 2 suggests two minutes of tolerance for SendingTime (2n/2o).
    sending_time_tolerance_s: float = 120.0
    check_sending_time: bool = True
    reset_on_logon: bool = False
    # Initiator: sent on Logon (553/554). Acceptor: required when set; the
    # password may be given as "sha256:<salt>:<hex>" so it is not kept in clear.
    username: str | None = None
    password: str | None = None
    logon_timeout_s: float = 10.0
    # FIX 4.4 Vol 2: wait up to 10 s for the Logout reply.
    logout_timeout_s: float = 10.0
    validate: bool = True
    # NextExpectedMsgSeqNum(789) on Logon: only by bilateral agreement (X9).
    next_expected_msg_seq_num: bool = False
    # Share of HeartBtInt of silence tolerated before a TestRequest (case 6).
    test_request_margin: float = 0.2
    # Messages created while logged out and held until the next Logon (16a).
    max_pending: int = 10_000
    account: str | None = None
    # When the session runs; None is a session that never ends or resets.
    schedule: Schedule | None = None

    @property
    def session_id(self) -> str:
        return f"{self.begin_string}:{self.sender_comp_id}->{self.target_comp_id}"

    def for_peer(self, target_comp_id: str) -> "SessionConfig":
        return replace(self, target_comp_id=target_comp_id)


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt if salt is not None else secrets.token_hex(8)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return f"sha256:{salt}:{digest}"


def check_password(configured: str, offered: str) -> bool:
    if configured.startswith("sha256:"):
        _, salt, _digest = configured.split(":", 2)
        return hmac.compare_digest(hash_password(offered, salt), configured)
    return hmac.compare_digest(configured.encode(), offered.encode())
