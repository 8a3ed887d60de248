"""What a session hands to its owner: application messages and state changes."""

from __future__ import annotations

from dataclasses import dataclass

from .codec import Message

__all__ = ["AppMessage", "LoggedOn", "LoggedOut", "Disconnect", "Note", "SessionEvent"]


@dataclass(frozen=True, slots=True)
class AppMessage:
    """An application message, in sequence, validated, for the application."""

    message: Message


@dataclass(frozen=True, slots=True)
class LoggedOn:
    reset: bool


@dataclass(frozen=True, slots=True)
class LoggedOut:
    reason: str


@dataclass(frozen=True, slots=True)
class Disconnect:
    """The session wants its transport closed (after writing what is pending)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Note:
    """A line for the session's event log."""

    level: str
    text: str


SessionEvent = AppMessage | LoggedOn | LoggedOut | Disconnect | Note
