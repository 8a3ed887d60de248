"""Durable OMS state: the event journal (SQLite, WAL), recovery and audit queries."""

from .journal import Body, Event, Journal, JournalError, JournalLockedError, JournalVersionError, NewEvent

__all__ = ["Body", "Event", "Journal", "JournalError", "JournalLockedError", "JournalVersionError", "NewEvent"]
