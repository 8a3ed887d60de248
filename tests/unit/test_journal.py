"""The event journal: numbering, replay, audit queries, reopening, schema and writer checks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from oms_fix.store import Journal, JournalError, JournalLockedError, JournalVersionError
from oms_fix.store.journal import BODY, KIND, SCHEMA_VERSION, SEQ, STREAM, TIME_NS, lock_path

T0 = 1_726_000_000_000_000_000


def ev(i: int, stream: str = "O1", kind: str = "OrderAccepted") -> tuple[int, str, str, str]:
    return (T0 + i, kind, stream, json.dumps({"i": i}))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "oms.db"


def test_an_empty_journal_replays_nothing_and_starts_at_seq_0(path: Path) -> None:
    with Journal.open(path) as journal:
        assert journal.last_seq == 0
        assert list(journal.replay()) == []
        assert journal.query("O1") == []
        assert journal.append([]) == 0
        assert journal.created_ns > 0
    with Journal.open(path) as journal:  # and an empty one reopens empty
        assert journal.last_seq == 0
        assert list(journal.replay()) == []


def test_append_numbers_events_contiguously_and_replay_gives_them_back_as_written(path: Path) -> None:
    with Journal.open(path) as journal:
        assert journal.append([ev(1), ev(2, "O2")]) == 2
        assert journal.append([ev(3)]) == 3
        assert journal.append([ev(i, f"O{i % 3}") for i in range(4, 104)]) == 103
        assert journal.last_seq == 103
        events = list(journal.replay())
    assert [e[SEQ] for e in events] == list(range(1, 104))
    assert events[:2] == [(1, T0 + 1, "OrderAccepted", "O1", '{"i": 1}'), (2, T0 + 2, "OrderAccepted", "O2", '{"i": 2}')]
    assert all(json.loads(e[BODY]) == {"i": e[SEQ]} and e[TIME_NS] == T0 + e[SEQ] for e in events)


def test_bodies_come_back_with_the_type_they_went_in_with(path: Path) -> None:
    raw = bytes(range(256))  # not UTF-8: stored as a blob, untouched
    with Journal.open(path) as journal:
        journal.append([(1, "Bin", "s", raw), (2, "Text", "s", "é\x00 ok"), (3, "Empty", "s", b"")])
        assert [e[BODY] for e in journal.replay()] == [raw, "é\x00 ok", b""]


def test_replay_after_a_seq_gives_only_what_follows(path: Path) -> None:
    with Journal.open(path) as journal:
        journal.append([ev(i) for i in range(1, 11)])
        assert [e[SEQ] for e in journal.replay(after_seq=7)] == [8, 9, 10]
        assert list(journal.replay(after_seq=10)) == []
        assert list(journal.replay(after_seq=99)) == []
        assert len(list(journal.replay(after_seq=0))) == 10


def test_replay_stops_at_the_last_event_when_it_was_called(path: Path) -> None:
    with Journal.open(path) as journal:
        journal.append([ev(i) for i in range(1, 2001)])
        events = journal.replay()
        first = next(events)
        journal.append([ev(2001)])  # written while the replay is open
        assert [first[SEQ]] + [e[SEQ] for e in events] == list(range(1, 2001))
        assert [e[SEQ] for e in journal.replay(1999)] == [2000, 2001]


def test_query_gives_one_streams_events_in_seq_order(path: Path) -> None:
    with Journal.open(path) as journal:
        for i in range(1, 31):
            journal.append([ev(i, f"O{i % 3}", "OrderFilled" if i > 10 else "OrderAccepted")])
        got = journal.query("O1")
        assert [e[SEQ] for e in got] == [i for i in range(1, 31) if i % 3 == 1]
        assert all(type(e) is tuple and e[STREAM] == "O1" and e[KIND] == "OrderAccepted" for e in got[:3])
        assert got[4][KIND] == "OrderFilled"
        assert journal.query("nobody") == []


def test_reopening_keeps_everything_and_numbering_continues(path: Path) -> None:
    with Journal.open(path) as journal:
        journal.append([ev(i) for i in range(1, 6)])
        before = list(journal.replay())
        created = journal.created_ns
    with Journal.open(path, sync="normal") as journal:
        assert journal.last_seq == 5
        assert list(journal.replay()) == before
        assert journal.created_ns == created
        assert journal.append([ev(6), ev(7)]) == 7
    with Journal.open(path) as journal:
        assert [e[SEQ] for e in journal.replay()] == list(range(1, 8))


def test_the_file_is_sqlite_in_wal_mode_with_the_documented_tables(path: Path) -> None:
    with Journal.open(path) as journal:
        journal.append([ev(1)])
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert con.execute("SELECT seq, time_ns, kind, stream, body FROM events").fetchall() == [
                (1, T0 + 1, "OrderAccepted", "O1", '{"i": 1}')]
            assert dict(con.execute("SELECT key, value FROM meta"))["schema_version"] == SCHEMA_VERSION
        finally:
            con.close()


def test_a_newer_schema_is_refused_with_an_error_naming_the_file(path: Path) -> None:
    Journal.open(path).close()
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    con.close()
    with pytest.raises(JournalVersionError, match="newer or unknown") as info:
        Journal.open(path)
    assert str(path) in str(info.value) and info.value.path == path
    with pytest.raises(JournalVersionError, match=str(path)):
        Journal.open(path, readonly=True)
    Path(str(path) + ".lock").unlink()  # the refusal released the lock: a fixed file opens at once
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,))
    con.close()
    Journal.open(path).close()


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b""], ids=["garbage", "empty"])
def test_a_file_that_is_not_a_journal_is_refused_with_its_name(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True)
    if content:
        path.write_bytes(content)
        with pytest.raises(JournalVersionError, match=str(path)):
            Journal.open(path)
        assert path.read_bytes() == content  # and left as it was
    else:  # an empty file is a new SQLite database: it becomes a journal
        path.write_bytes(content)
        Journal.open(path).close()
    other = path.with_name("other.db")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t(x)")
    con.close()
    with pytest.raises(JournalVersionError, match=f"{other}: not an oms-fix journal"):
        Journal.open(other)


def test_a_second_writer_in_this_process_is_refused_and_may_open_once_the_first_closes(path: Path) -> None:
    first = Journal.open(path)
    with pytest.raises(JournalLockedError, match="already open for writing") as info:
        Journal.open(path)
    assert str(path) in str(info.value)
    first.append([ev(1)])  # the refusal did not disturb the holder
    first.close()
    with Journal.open(path) as again:
        assert again.last_seq == 1


def test_a_writer_in_another_process_is_refused_naming_the_holder(path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from oms_fix.store import Journal, JournalLockedError
        try:
            Journal.open({str(path)!r})
        except JournalLockedError as exc:
            print("REFUSED", exc)
        else:
            print("OPENED")
    """)
    with Journal.open(path) as journal:
        journal.append([ev(1)])
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert out.stdout.startswith("REFUSED"), out.stdout + out.stderr
        assert str(path) in out.stdout
        assert lock_path(path).read_text().strip() in out.stdout  # the holder's pid
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("OPENED"), out.stdout + out.stderr


def test_a_reader_reads_alongside_the_writer_and_cannot_append(path: Path) -> None:
    with pytest.raises(JournalError, match="no journal here"):
        Journal.open(path, readonly=True)
    with Journal.open(path) as writer:
        writer.append([ev(1), ev(2, "O2")])
        with Journal.open(path, readonly=True) as reader:
            assert [e[SEQ] for e in reader.replay()] == [1, 2]
            writer.append([ev(3)])
            assert [e[SEQ] for e in reader.replay()] == [1, 2, 3]  # sees commits made after it opened
            assert [e[SEQ] for e in reader.query("O1")] == [1, 3]
            with pytest.raises(JournalError, match="read-only"):
                reader.append([ev(4)])


def test_a_closed_journal_refuses_use_and_closing_twice_is_harmless(path: Path) -> None:
    journal = Journal.open(path)
    journal.close()
    journal.close()
    for use in (lambda: journal.append([ev(1)]), lambda: journal.replay(), lambda: journal.query("O1")):
        with pytest.raises(JournalError, match="closed"):
            use()


def test_a_failed_append_writes_nothing_and_refuses_further_appends(path: Path) -> None:
    with Journal.open(path) as journal:
        journal.append([ev(1)])
        bad = (T0, "OrderAccepted", "O1", None)  # violates NOT NULL mid-batch
        with pytest.raises(sqlite3.IntegrityError):
            journal.append([ev(2), bad, ev(3)])  # type: ignore[list-item]
        assert journal.last_seq == 1
        with pytest.raises(JournalError, match="earlier failed append"):
            journal.append([ev(2)])
    with Journal.open(path) as journal:  # a restart recovers from what is on disk
        assert [e[SEQ] for e in journal.replay()] == [1]
        assert journal.append([ev(2)]) == 2


def test_sync_must_be_full_or_normal(path: Path) -> None:
    with pytest.raises(ValueError, match="sync"):
        Journal.open(path, sync="off")  # type: ignore[arg-type]
    with Journal.open(path, sync="normal") as journal:
        assert repr(journal).endswith("sync=normal>")
