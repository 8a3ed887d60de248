"""Start-up recovery: rebuild the OMS core from its journal, and find what was journaled but never left.

The core is deterministic in its commands and their ``now``s, and every
command is journaled with the routing decisions it took (the one input from
outside, the consolidated book), so feeding the journaled commands back through
``Oms.replay`` rebuilds every order, child order, position and risk counter as
it was. Each command's other records (parent and child snapshots, risk events)
are compared with what the replay produces: a replay that disagrees with the
journal (a changed risk.yaml or instruments.yaml, a different build) stops the
start-up with the sequence number where it parted, rather than run on with
state the clients were never told about.

What the journal holds but the counterparties may never have got:

* the outputs of the last batch: the runtime journals a batch of commands,
  then sends what they caused, so a crash between the two loses those sends.
  The first command of every batch is marked (``"batch": 1``): everything
  before the last mark was handed to the kernel.
* messages for a session that was logged out: they wait in the session's
  memory for its next Logon, and a crash loses them. Client and drop copy
  Logons and Logouts are journaled (kind "session"), venue ups and downs are
  commands, so the replay knows which sessions were away.

Both are only *candidates*: the runtime checks each against the session's
message store (what was really sent, with its sequence number) when the
session next logs on, and sends the ones the store lacks. Never owed: answers
to status requests (ExecType I; a client that missed one asks again) and
business rejects.
"""

from __future__ import annotations

import time

import orjson
from dataclasses import dataclass, field
from typing import Any, Callable

from ..domain.enums import ExecType
from ..domain.reports import CancelRejectReport, Report
from ..engine import oms_types as t
from ..engine.oms import Oms
from ..engine.oms_journal import decode_command
from ..store.journal import Journal, NewEvent

loads = orjson.loads

__all__ = ["CLIENTS", "DROP_COPY", "Recovered", "RecoveryError", "needles", "replay_journal", "to_records"]

# Records the runtime writes that no command produced: an order it could not read ("refused"),
# an API call's audit event ("audit"), best-execution evidence the API took from the book ("evidence").
RUNTIME_KINDS = frozenset({"refused", "audit", "evidence"})
CLIENTS = "clients"
DROP_COPY = "drop copy"


class RecoveryError(Exception):
    """The journal cannot be replayed faithfully; the message names the event and what differs."""


@dataclass
class Recovered:
    events: int = 0
    commands: int = 0
    seconds: float = 0.0
    id_prefixes: list[str] = field(default_factory=list)
    # (acceptor, session) -> outputs it may never have received; venue name -> child orders and cancels
    clients: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    venues: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def candidates(self) -> int:
        return sum(map(len, self.clients.values())) + sum(map(len, self.venues.values()))


class _Away:
    """Which sessions were logged out, and what was meant for them meanwhile or in the last batch."""

    def __init__(self) -> None:
        self.up: set[tuple[str, str]] = set()
        self.venues_down: set[str] = set()
        self.held: dict[tuple[str, str], list[Any]] = {}
        self.held_venue: dict[str, list[Any]] = {}
        self.tail: list[tuple[str, Any, Any]] = []  # ("client", key, out) or ("venue", name, out)

    def batch(self) -> None:
        """A new batch began: the last one's sends reached every session that was logged on."""
        self.tail = []

    def restart(self) -> None:
        """A new run began: nobody is logged on, and the last run's last batch may never have left."""
        self.up.clear()
        self.finish()

    def finish(self) -> None:
        for where, key, o in self.tail:
            if where == "client":
                self.held.setdefault(key, []).append(o)
            else:
                self.held_venue.setdefault(key, []).append(o)
        self.tail = []

    def session(self, acceptor: str, name: str, up: bool) -> None:
        key = (acceptor, name)
        if up:
            self.up.add(key)
            self.held.pop(key, None)  # held messages go out with the Logon
        else:
            self.up.discard(key)

    def venue(self, name: str, up: bool) -> None:
        if up:
            self.venues_down.discard(name)
            self.held_venue.pop(name, None)
        else:
            self.venues_down.add(name)

    def output(self, o: Any, drop_copies: set[str]) -> None:
        if isinstance(o, t.ToClient) and isinstance(o.msg, Report) and o.msg.exec_type is ExecType.ORDER_STATUS:
            return  # an answer to a status request: a client that missed it asks again
        if isinstance(o, t.ToClient) or isinstance(o, t.ToClientMassCancelReport):
            self._client((CLIENTS, o.session), o)
            if isinstance(o, t.ToClient) and isinstance(o.msg, Report):
                for dc in drop_copies:
                    self._client((DROP_COPY, dc), o)
        elif isinstance(o, (t.ToVenueNew, t.ToVenueCancel)):
            if o.venue in self.venues_down:
                self.held_venue.setdefault(o.venue, []).append(o)
            else:
                self.tail.append(("venue", o.venue, o))

    def _client(self, key: tuple[str, str], o: Any) -> None:
        if key in self.up:
            self.tail.append(("client", key, o))
        else:
            self.held.setdefault(key, []).append(o)


def dumps(body: Any) -> str:
    """A journal body as text (readable in the sqlite3 shell). orjson: ~10x json.dumps, on the hot path."""
    return orjson.dumps(body, default=str).decode()


def to_records(outs: list[Any], now: int, batch_start: bool) -> list[NewEvent]:
    """The journal rows for one ``Oms.handle`` result, as the runtime appends them."""
    if batch_start:  # the sends of every batch before the last one marked were made
        outs[0].body["batch"] = 1
    return [(now, o.kind, o.stream, dumps(o.body)) for o in outs if isinstance(o, t.Journal)]


def replay_journal(oms: Oms, journal: Journal, on_output: Callable[[Any], None] | None = None) -> Recovered:
    """Feed every journaled command back through ``oms``; return what may still be owed to whom.

    ``on_output`` is given every output the replay produces (but the journal records), in order."""
    started = time.perf_counter()
    got = Recovered()
    away = _Away()
    drop_copies: set[str] = set()
    expected: list[t.Journal] = []  # the records the replayed command produced, still to meet in the journal
    at = 0
    for seq, _time_ns, kind, stream, body in journal.replay():
        got.events += 1
        if kind == "command":
            _check_done(expected, seq)
            record = loads(body)
            if record.get("batch"):
                away.batch()
            cmd, now = decode_command(record)
            try:
                outs = oms.replay(cmd, now, record)
            except (ValueError, KeyError) as e:
                raise RecoveryError(f"journal event {seq}: replaying {type(cmd).__name__} failed: {e}") from None
            got.commands += 1
            expected = [o for o in outs[1:] if isinstance(o, t.Journal)]
            expected.reverse()
            at = seq
            if isinstance(cmd, (t.VenueUp, t.VenueDown)):
                away.venue(cmd.venue, isinstance(cmd, t.VenueUp))
            for o in outs:
                if not isinstance(o, (t.Journal, t.RiskEventOut)):
                    away.output(o, drop_copies)
                if on_output is not None and not isinstance(o, t.Journal):
                    on_output(o)
        elif kind == "session":
            _check_done(expected, seq)
            data = loads(body)
            if data["acceptor"] == DROP_COPY:
                drop_copies.add(data["session"])
            away.session(data["acceptor"], data["session"], data["up"])
        elif kind in RUNTIME_KINDS:
            _check_done(expected, seq)  # the runtime's own records: not commands, nothing to rebuild
        elif kind == "start":
            _check_done(expected, seq)
            prefix = loads(body)["id_prefix"]
            oms.id_prefix = prefix
            away.restart()
            got.id_prefixes.append(prefix)
        else:
            _check_record(expected, seq, kind, stream, body, at)
    _check_done(expected, journal.last_seq + 1)
    away.finish()
    got.clients = away.held
    got.venues = away.held_venue
    got.seconds = time.perf_counter() - started
    return got


def _check_record(expected: list[t.Journal], seq: int, kind: str, stream: str, body: Any, command_seq: int) -> None:
    if not expected:
        raise RecoveryError(f"journal event {seq} ({kind} {stream}) follows command {command_seq}, "
                            "whose replay produced no such record")
    want = expected.pop()
    if want.kind != kind or want.stream != stream:
        raise RecoveryError(f"journal event {seq} is {kind} {stream}, the replay of command {command_seq} "
                            f"produced {want.kind} {want.stream}")
    # As the runtime wrote it; a journal written with other JSON spacing compares as data.
    if kind == "parent" and body != dumps(want.body) and loads(body) != loads(dumps(want.body)):
        raise RecoveryError(f"journal event {seq}: order {stream} replays as {want.body}, the journal says {body}")


def _check_done(expected: list[t.Journal], seq: int) -> None:
    if expected:
        want = expected[-1]
        raise RecoveryError(f"the replay produced {want.kind} {want.stream} that the journal lacks before event {seq}"
                            " (was the journal written by another build, or with other risk or instrument files?)")


def needles(o: Any) -> tuple[bytes, ...]:
    """Byte strings that all occur in the stored raw message that carried ``o``, and in no other."""
    if isinstance(o, t.ToClient):
        if isinstance(o.msg, Report):
            return (b"\x0135=8\x01", b"\x0117=%s\x01" % o.msg.exec_id.encode())
        if isinstance(o.msg, CancelRejectReport):
            return (b"\x0135=9\x01", b"\x0111=%s\x01" % o.msg.cl_ord_id.encode())
    if isinstance(o, t.ToClientMassCancelReport):
        return (b"\x0135=r\x01", b"\x0111=%s\x01" % o.cl_ord_id.encode())
    if isinstance(o, t.ToVenueNew):
        return (b"\x0135=D\x01", b"\x0111=%s\x01" % o.child_id.encode())
    if isinstance(o, t.ToVenueCancel):
        return (b"\x0135=F\x01", b"\x0111=%s\x01" % o.child_id.encode())
    raise TypeError(f"no needles for {type(o).__name__}")
