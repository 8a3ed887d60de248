"""The session's states and the transitions between them, as a table."""

from __future__ import annotations

from enum import Enum

__all__ = ["Status", "TRANSITIONS", "LOGGED_ON", "LOGGING_OUT", "ProtocolError"]


class Status(Enum):
    DISCONNECTED = "disconnected"
    AWAIT_LOGON = "await-logon"      # acceptor: connected, no Logon yet
    LOGON_SENT = "logon-sent"        # initiator: Logon out, no reply yet
    ACTIVE = "active"
    LOGOUT_SENT = "logout-sent"      # we started the Logout; waiting for the reply
    LOGOUT_ANSWERED = "logout-answered"  # peer started it; we replied; peer closes


# The state machine. Anything not listed here is a bug in this module.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DISCONNECTED: frozenset({Status.AWAIT_LOGON, Status.LOGON_SENT}),
    Status.AWAIT_LOGON: frozenset({Status.ACTIVE, Status.DISCONNECTED}),
    Status.LOGON_SENT: frozenset({Status.ACTIVE, Status.LOGOUT_SENT, Status.DISCONNECTED}),
    Status.ACTIVE: frozenset({Status.LOGOUT_SENT, Status.LOGOUT_ANSWERED, Status.DISCONNECTED, Status.ACTIVE}),
    Status.LOGOUT_SENT: frozenset({Status.DISCONNECTED}),
    Status.LOGOUT_ANSWERED: frozenset({Status.DISCONNECTED}),
}

LOGGED_ON = frozenset({Status.ACTIVE, Status.LOGOUT_SENT, Status.LOGOUT_ANSWERED})
LOGGING_OUT = frozenset({Status.LOGOUT_SENT, Status.LOGOUT_ANSWERED})


class ProtocolError(Exception):
    """The local application misused the session (a bug on our side)."""
