"""The OMS's event-sourced journal: every inbound command and outbound event, in order, in SQLite.

One file (`var/oms.db` by default), SQLite in WAL mode, two tables:

    events(seq INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, kind TEXT NOT NULL,
           stream TEXT NOT NULL, body BLOB NOT NULL)        index on stream
    meta(key TEXT PRIMARY KEY, value NOT NULL)             schema_version, created_ns, application

`body` is the caller's serialised event, stored as given and never interpreted.
The column is declared BLOB, which in SQLite means no type conversion: bytes
come back as bytes and str as str. JSON callers should hand over the str from
`json.dumps` as it is: that saves an encode on append and, on replay,
`json.loads(str)` runs 15-20% faster than `json.loads(bytes)` (~150-byte bodies), which
must detect the encoding and decode first (see `oms_fix/bench/journal_bench.py`).

Group commit: `append` writes all the events one inbound message caused in one
transaction, and numbers them contiguously from the last sequence number. With
`sync="full"` (the default) SQLite fsyncs the WAL on every commit, so once
`append` returns the events survive kill -9, an OS crash and a power cut: the
caller may send the acknowledgement. With `sync="normal"` the WAL is fsynced
only at checkpoints: a commit still survives the process being killed (the
pages are in the OS cache) and the file is never left holding half a
transaction, but an OS crash or power cut can drop the last commits, i.e.
events already acknowledged. Take it for tests, benchmarks and simulations.

An event comes back from `replay` and `query` as a plain tuple
`(seq, time_ns, kind, stream, body)` (`Event`; index constants SEQ..BODY), read
in batches with fetchmany and chained in C: replay is the OMS's start-up path
and its bar is 200,000 events/s including the caller's decode.

Every ~4 MB of WAL (SQLite's default autocheckpoint, 1000 pages) the append
that crosses it also copies the WAL into the database file, with one more
fsync under sync="full": expect the odd slower append.

Sequence numbers are assigned here, from the last one found on opening, and a
failed append leaves the journal refusing further appends (`JournalError`):
after a failed commit or fsync nobody knows what reached the disk, so the
process must restart and recover from what is there rather than write on.

One writer: `open` takes an exclusive flock on a sidecar `<file>.lock` (and
records its pid there) before touching the database, so a second writer fails
at once with `JournalLockedError` naming the file and the holder, instead of
SQLITE_BUSY at some later write. The kernel drops the lock when its holder
dies, kill -9 included, so a crash never leaves a stale lock. SQLite's own
locking stays in normal mode (not `locking_mode=EXCLUSIVE`) so that readers
(`readonly=True`, for audits, or the sqlite3 shell) can read the live journal
alongside the writer: WAL readers never block it. The lock is advisory: it
binds `Journal` writers, not other programs writing the file directly. flock
is only trustworthy on a local file system; keep the state directory local.

Not thread-safe: use a Journal from one thread at a time (it may be handed
between threads, e.g. to run appends in an executor).
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import chain, count
from pathlib import Path
from types import TracebackType
from typing import Final, Literal
from urllib.parse import quote

__all__ = ["BODY", "Body", "Event", "Journal", "JournalError", "JournalLockedError", "JournalVersionError", "KIND",
           "NewEvent", "SCHEMA_VERSION", "SEQ", "STREAM", "TIME_NS", "lock_path"]

SCHEMA_VERSION = 1
APPLICATION = "oms-fix journal"

Body = bytes | str
Sync = Literal["full", "normal"]
NewEvent = tuple[int, str, str, Body]  # (time_ns, kind, stream, body)

_COLUMNS = "seq, time_ns, kind, stream, body"
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value NOT NULL);
CREATE TABLE events(seq INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, kind TEXT NOT NULL,
                    stream TEXT NOT NULL, body BLOB NOT NULL);
CREATE INDEX events_by_stream ON events(stream);
"""
_INSERT = f"INSERT INTO events({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
_REPLAY = f"SELECT {_COLUMNS} FROM events WHERE seq > ? AND seq <= ? ORDER BY seq"
# The index holds (stream, rowid), so this walks it in seq order: no sort.
_QUERY = f"SELECT {_COLUMNS} FROM events WHERE stream = ? ORDER BY seq"
_FETCH = 256  # rows per fetchmany on replay: enough to amortise the call, few enough to stay in the CPU cache
_WAL_LIMIT = 64 << 20  # truncate the WAL back to this after a checkpoint, so one burst does not keep it huge


# An event as stored and replayed: a plain tuple, to unpack in this order.
# Measured on replay: a NamedTuple costs about 0.4 us an event even built from C
# (tuple.__new__ via functools.partial; more through Event._make), a sixth of the
# replay's own cost and ~10% of replay plus a json.loads of the body.
Event = tuple[int, int, str, str, Body]  # (seq, time_ns, kind, stream, body)
SEQ: Final = 0
TIME_NS: Final = 1
KIND: Final = 2
STREAM: Final = 3
BODY: Final = 4


class JournalError(Exception):
    """The journal at `path` cannot be used as asked."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


class JournalLockedError(JournalError):
    """Another process has the journal open for writing."""


class JournalVersionError(JournalError):
    """The file is not a journal this code can read: another application, or a newer or unknown schema."""


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


class Journal:
    """An open journal; create with `Journal.open`."""

    __slots__ = ("path", "sync", "readonly", "created_ns", "_con", "_lock_fd", "_last_seq", "_failed")

    def __init__(self, path: Path, con: sqlite3.Connection, lock_fd: int | None, sync: Sync, readonly: bool) -> None:
        self.path = path
        self.sync = sync
        self.readonly = readonly
        self._con: sqlite3.Connection | None = con
        self._lock_fd = lock_fd
        self._failed: str | None = None
        self.created_ns = 0
        self._last_seq = 0

    @classmethod
    def open(cls, path: Path | str, *, sync: Sync = "full", readonly: bool = False) -> Journal:
        """Open the journal at `path` for writing (creating it and its directory if need be), or only for reading.

        Raises JournalLockedError if another process has it open for writing, and
        JournalVersionError if the file is not a journal of a schema this code knows.
        """
        path = Path(path)
        if sync not in ("full", "normal"):
            raise ValueError(f"sync must be 'full' or 'normal', not {sync!r}")
        lock_fd = None
        if readonly:
            if not path.exists():
                raise JournalError(path, "no journal here")
            uri = "file:" + quote(path.resolve().as_posix()) + "?mode=ro"
            con = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            _make_dirs(path.parent)
            lock_fd = _lock(path)
            try:
                con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            except BaseException:
                os.close(lock_fd)
                raise
        journal = cls(path, con, lock_fd, sync, readonly)
        try:
            journal._start()
        except sqlite3.OperationalError as exc:
            journal.close()
            raise JournalError(path, f"cannot open the journal: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # SQLITE_NOTADB and kin: not an SQLite file at all
            journal.close()
            raise JournalVersionError(path, f"not an oms-fix journal: SQLite cannot read it ({exc})") from exc
        except BaseException:
            journal.close()
            raise
        return journal

    def _start(self) -> None:
        con = self._live()
        if self.readonly:
            self._check_schema(con)
        else:
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(self.path, f"SQLite refused WAL mode (journal_mode is {mode})")
            con.execute(f"PRAGMA synchronous={self.sync.upper()}")
            con.execute(f"PRAGMA journal_size_limit={_WAL_LIMIT}")
            con.execute("BEGIN IMMEDIATE")
            try:
                if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            con.execute(statement)
                    con.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", [
                        ("application", APPLICATION), ("schema_version", SCHEMA_VERSION),
                        ("created_ns", time.time_ns())])
                    _fsync_dir(self.path.parent)  # the new file's name, so a power cut cannot orphan its WAL
                self._check_schema(con)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        self._last_seq = con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]

    def _check_schema(self, con: sqlite3.Connection) -> None:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            raise JournalVersionError(self.path, "not an oms-fix journal (a SQLite file without its meta table)")
        meta = dict(con.execute("SELECT key, value FROM meta"))
        if meta.get("application") != APPLICATION:
            raise JournalVersionError(self.path, f"not an oms-fix journal (application {meta.get('application')!r})")
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            known = isinstance(version, int) and version < SCHEMA_VERSION
            why = "an older" if known else "a newer or unknown"
            raise JournalVersionError(
                self.path, f"journal schema version {version!r} is {why} version; this oms-fix reads version "
                f"{SCHEMA_VERSION} only (open it with the oms-fix that wrote it, or move the file aside)")
        if "events" not in tables:
            raise JournalVersionError(self.path, "journal has no events table")
        self.created_ns = int(meta.get("created_ns", 0))

    @property
    def last_seq(self) -> int:
        """The sequence number of the last event appended (0 if none)."""
        return self._last_seq

    def append(self, events: Sequence[NewEvent]) -> int:
        """Write `events` (time_ns, kind, stream, body) in one transaction; return the last one's seq.

        They are numbered last_seq + 1, last_seq + 2, ...; with sync="full" they are on
        disk when this returns. An empty list writes nothing and returns last_seq.
        """
        con = self._live()
        if self.readonly:
            raise JournalError(self.path, "opened read-only")
        if self._failed is not None:
            raise JournalError(self.path, f"refusing to append after an earlier failed append ({self._failed}); "
                                          "restart and recover from the file")
        if not events:
            return self._last_seq
        first = self._last_seq + 1
        rows = [(seq, *event) for seq, event in zip(count(first), events)]
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(_INSERT, rows)
            con.execute("COMMIT")
        except BaseException as exc:
            self._failed = f"{type(exc).__name__}: {exc}"
            try:
                if con.in_transaction:
                    con.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise
        self._last_seq = first + len(rows) - 1
        return self._last_seq

    def replay(self, after_seq: int = 0) -> Iterator[Event]:
        """The events after `after_seq`, in seq order, up to the last one appended when this was called.

        Lazy: finish (or drop) the iterator before appending.
        """
        con = self._live()
        if self.readonly:  # the writer may have appended since
            self._last_seq = con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        cursor = con.execute(_REPLAY, (after_seq, self._last_seq))
        # All in C, no generator frame per event: batches from fetchmany until it returns [].
        return chain.from_iterable(iter(partial(cursor.fetchmany, _FETCH), []))

    def query(self, stream: str) -> list[Event]:
        """Every event of `stream`, in seq order."""
        return self._live().execute(_QUERY, (stream,)).fetchall()

    def select(self, kinds: Sequence[str], since_ns: int = 0, limit: int = 500) -> list[Event]:
        """The last ``limit`` events of these kinds at or after ``since_ns``, in seq order (for audits:
        walks back from the newest, so recent events come quickly from a long journal)."""
        marks = ", ".join("?" * len(kinds))
        rows = self._live().execute(f"SELECT {_COLUMNS} FROM events WHERE kind IN ({marks}) AND time_ns >= ? "
                                    "ORDER BY seq DESC LIMIT ?", (*kinds, since_ns, limit)).fetchall()
        rows.reverse()
        return rows

    def close(self) -> None:
        con, self._con = self._con, None
        try:
            if con is not None:
                con.close()  # the last connection to close checkpoints the WAL into the file and removes it
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # releases the flock
                self._lock_fd = None

    def _live(self) -> sqlite3.Connection:
        if self._con is None:
            raise JournalError(self.path, "journal is closed")
        return self._con

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._con is None else "read-only" if self.readonly else f"sync={self.sync}"
        return f"<Journal {self.path} last_seq={self._last_seq} {state}>"


def _lock(path: Path) -> int:
    """Take the writer's flock on `path`'s sidecar; return its fd. The holder's pid is written into it."""
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = _holder(fd)
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            by = f"process {holder}" if holder else "another process"
            raise JournalLockedError(path, f"already open for writing by {by} (it holds the lock on {lock})") from None
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _make_dirs(directory: Path) -> None:
    """mkdir -p, with each new directory's name made durable in its parent."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        _fsync_dir(new.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
