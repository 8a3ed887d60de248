"""What a session hands to its owner: application messages and state changes."""

from __future__ import annotations

from dataclasses import dataclass

from .codec import Message

__all__ = ["AppMessage", "LoggedOn", "LoggedOut", "Disconnect", "Note", "SessionEvent"]


class AppMessage:
    """An application message, in sequence, validated, for the application.

    A plain slotted class, not a frozen dataclass: one is made per message and
    a frozen dataclass's __init__ costs several times more."""

    __slots__ = ("message",)
    __match_args__ = ("message",)

    def __init__(self, message: Message):
        self.message = message

    def __eq__(self, other: object) -> bool:
        return type(other) is AppMessage and other.message == self.message

    def __repr__(self) -> str:
        return f"AppMessage(message={self.message!r})"


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
