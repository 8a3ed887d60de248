import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oms_fix.fix.filestore import FileStore, StoreCorruptError, StoreError, StoreLockedError, store_path
from oms_fix.fix.store import MemoryStore

SID = "FIX.4.4:OMS->CLIENT1"


def msg(seq: int, size: int = 60) -> bytes:
    head = b"8=FIX.4.4\x0135=D\x0134=%d\x01" % seq
    return head + b"x" * max(0, size - len(head))


def size_of(store: FileStore) -> int:
    return store.path.stat().st_size


def crash_copy(store: FileStore, to: Path) -> FileStore:
    """What a restart would see if this process died now: the file's bytes, nothing buffered."""
    to.mkdir()
    shutil.copyfile(store.path, store_path(to, SID))
    return FileStore(to, SID)


@pytest.fixture(params=["memory", "file"])
def make_store(request, tmp_path):
    opened = []

    def make(creation_ns: int = 0):
        s = MemoryStore(creation_ns) if request.param == "memory" else FileStore(tmp_path, SID, creation_ns=creation_ns)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


# -- behaviour shared with MemoryStore ------------------------------------------------


def test_a_new_store_starts_at_one(make_store):
    s = make_store(creation_ns=123)
    assert (s.next_sender, s.next_target, s.creation_ns) == (1, 1, 123)
    assert s.get_sent(1, 1_000_000) == []


def test_counters_and_messages_round_trip(make_store):
    s = make_store()
    for seq in range(1, 6):
        s.save_sent(seq, msg(seq))
        s.set_next_sender(seq + 1)
    s.set_next_target(42)
    s.flush()
    assert (s.next_sender, s.next_target) == (6, 42)
    assert s.get_sent(1, 5) == [(q, msg(q)) for q in range(1, 6)]


@pytest.mark.parametrize("begin,end,want", [
    (1, 10, [2, 3, 5, 9]), (3, 5, [3, 5]), (4, 4, []), (5, 5, [5]), (6, 3, []),
    (0, 10**6, [2, 3, 5, 9]), (10, 10**6, []), (-5, 2, [2]),
])
def test_get_sent_ranges(make_store, begin, end, want):
    s = make_store()
    for seq in (9, 3, 5, 2):  # out of order on purpose: the answer is still ascending
        s.save_sent(seq, msg(seq))
    assert s.get_sent(begin, end) == [(q, msg(q)) for q in want]


def test_saving_a_seq_again_replaces_it(make_store):
    s = make_store()
    s.save_sent(4, b"old")
    s.save_sent(4, b"new")
    assert s.get_sent(1, 9) == [(4, b"new")]


def test_save_sent_leaves_the_counters_alone(make_store):
    s = make_store()
    s.save_sent(7, msg(7))
    s.set_next_target(3)
    assert (s.next_sender, s.next_target) == (1, 3)


def test_reset_starts_a_new_sequence(make_store):
    s = make_store(creation_ns=5)
    s.save_sent(1, msg(1))
    s.set_next_sender(2)
    s.set_next_target(9)
    s.reset(777)
    assert (s.next_sender, s.next_target, s.creation_ns) == (1, 1, 777)
    assert s.get_sent(1, 100) == []


# -- durability ---------------------------------------------------------------------------


def test_reopen_restores_counters_messages_and_creation_time(tmp_path):
    with FileStore(tmp_path, SID, creation_ns=1_700_000_000_000_000_000) as s:
        for seq in range(1, 101):
            s.save_sent(seq, msg(seq, 200))
            s.set_next_sender(seq + 1)
            s.set_next_target(seq // 2 + 1)
            s.flush()
        s.set_next_sender(250)  # not folded: a separate record
    with FileStore(tmp_path, SID, creation_ns=5) as s:
        assert (s.next_sender, s.next_target, s.creation_ns) == (250, 51, 1_700_000_000_000_000_000)
        assert s.get_sent(1, 10**9) == [(q, msg(q, 200)) for q in range(1, 101)]
        assert s.recovered_tail_bytes == 0


def test_a_sent_record_without_set_next_sender_does_not_move_it(tmp_path):
    with FileStore(tmp_path, SID) as s:
        s.save_sent(5, msg(5))
        s.set_next_sender(9)  # not 6: must not fold
        s.save_sent(9, msg(9))
    with FileStore(tmp_path, SID) as s:
        assert s.next_sender == 9
        assert [q for q, _ in s.get_sent(1, 99)] == [5, 9]


def test_only_flushed_records_survive_a_crash(tmp_path):
    s = FileStore(tmp_path / "live", SID)
    s.save_sent(1, msg(1))
    s.set_next_sender(2)
    s.flush()
    s.save_sent(2, msg(2))
    s.set_next_sender(3)
    s.set_next_target(8)
    with crash_copy(s, tmp_path / "after") as r:
        assert (r.next_sender, r.next_target, r.get_sent(1, 9)) == (2, 1, [(1, msg(1))])
    s.close()


def test_reset_is_durable_at_once_and_compacts(tmp_path):
    s = FileStore(tmp_path / "live", SID, creation_ns=1)
    for seq in range(1, 1001):
        s.save_sent(seq, msg(seq, 200))
        s.set_next_sender(seq + 1)
        s.set_next_target(seq + 1)
    s.flush()
    big = size_of(s)
    s.save_sent(1001, msg(1001))  # buffered, then dropped by the reset
    s.reset(99)
    assert size_of(s) < 100 < big
    assert not s.path.with_name(s.path.name + ".tmp").exists()
    with crash_copy(s, tmp_path / "after") as r:
        assert (r.next_sender, r.next_target, r.creation_ns, r.get_sent(1, 10**6)) == (1, 1, 99, [])
    s.save_sent(1, msg(1))
    s.set_next_sender(2)
    s.close()
    with FileStore(tmp_path / "live", SID) as r:
        assert (r.next_sender, r.get_sent(1, 9)) == (2, [(1, msg(1))])


def test_counter_changes_between_flushes_write_one_record(tmp_path):
    with FileStore(tmp_path, SID) as s:
        s.flush()
        size = store_path(tmp_path, SID).stat().st_size
        for seq in range(2, 1000):
            s.set_next_target(seq)
        s.flush()
        one_record = store_path(tmp_path, SID).stat().st_size - size
        assert 0 < one_record < 40
    with FileStore(tmp_path, SID) as s:
        assert s.next_target == 999


def test_open_compacts_a_log_of_mostly_obsolete_records(tmp_path):
    with FileStore(tmp_path, SID) as s:
        s.save_sent(1, msg(1))
        for seq in range(2, 5000):
            s.set_next_target(seq)
            s.flush()  # one T record per flush: the log fills with obsolete ones
    before = store_path(tmp_path, SID).stat().st_size
    with FileStore(tmp_path, SID, compact_over=1000) as s:
        assert s.compacted_on_open
        assert (s.next_target, s.get_sent(1, 9)) == (4999, [(1, msg(1))])
    assert store_path(tmp_path, SID).stat().st_size < before // 50
    with FileStore(tmp_path, SID, compact_over=1000) as s:
        assert not s.compacted_on_open
        assert s.next_target == 4999


def test_fsync_mode_round_trips(tmp_path):
    with FileStore(tmp_path, SID, fsync=True) as s:
        s.save_sent(1, msg(1))
        s.set_next_sender(2)
        s.flush()
        s.reset(3)
        s.set_next_target(4)
    with FileStore(tmp_path, SID) as s:
        assert (s.next_sender, s.next_target, s.creation_ns) == (1, 4, 3)


# -- damage -------------------------------------------------------------------------------


def _two_flushes(tmp_path) -> tuple[Path, int, bytes]:
    """A store whose file ends with one whole record; returns path, its offset, the file."""
    with FileStore(tmp_path, SID) as s:
        s.save_sent(1, msg(1))
        s.set_next_sender(2)
        s.flush()
        offset = size_of(s)
        s.save_sent(2, msg(2))
        s.set_next_sender(3)
    return store_path(tmp_path, SID), offset, store_path(tmp_path, SID).read_bytes()


def test_every_torn_tail_is_truncated_and_the_rest_kept(tmp_path):
    path, offset, whole = _two_flushes(tmp_path)
    for cut in range(offset + 1, len(whole)):
        path.write_bytes(whole[:cut])
        with FileStore(tmp_path, SID) as s:
            assert s.recovered_tail_bytes == cut - offset
            assert (s.next_sender, s.get_sent(1, 9)) == (2, [(1, msg(1))])
            s.set_next_target(5)  # appends after the cut, not after the garbage
        with FileStore(tmp_path, SID) as s:
            assert (s.recovered_tail_bytes, s.next_target) == (0, 5)


@pytest.mark.parametrize("tail", [bytes(4096), b"\x00" * 13, b"\xff" * 5])
def test_zeros_or_a_short_scrap_at_the_tail_are_dropped(tmp_path, tail):
    path, _, whole = _two_flushes(tmp_path)
    path.write_bytes(whole + tail)
    with FileStore(tmp_path, SID) as s:
        assert s.recovered_tail_bytes == len(tail)
        assert s.next_sender == 3
    assert path.read_bytes() == whole


def test_a_damaged_last_record_is_a_torn_tail(tmp_path):
    path, offset, whole = _two_flushes(tmp_path)
    damaged = bytearray(whole)
    damaged[-1] ^= 0x01  # power loss: the last page only partly reached the disk
    path.write_bytes(bytes(damaged))
    with FileStore(tmp_path, SID) as s:
        assert s.recovered_tail_bytes == len(whole) - offset
        assert s.next_sender == 2


@pytest.mark.parametrize("where", ["body", "length"])
def test_a_damaged_record_in_the_middle_is_refused_with_its_offset(tmp_path, where):
    path, offset, whole = _two_flushes(tmp_path)
    first = len(b"oms-fix store v1\n") + 12 + 9  # magic, then the R record
    damaged = bytearray(whole)
    damaged[first + (30 if where == "body" else 2)] ^= 0x40  # in the M record for seq 1
    path.write_bytes(bytes(damaged))
    with pytest.raises(StoreCorruptError, match=f"offset {first}") as err:
        FileStore(tmp_path, SID)
    assert str(path) in str(err.value) and err.value.offset == first
    assert path.read_bytes() == bytes(damaged)  # nothing truncated
    FileStore(tmp_path / "other", SID).close()  # and the failed open left no lock behind
    path.write_bytes(whole)
    FileStore(tmp_path, SID).close()


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    store_path(tmp_path, SID).write_bytes(b"8=FIX.4.4\x019=5\x01")
    with pytest.raises(StoreCorruptError, match="not an oms-fix message store"):
        FileStore(tmp_path, SID)


@pytest.mark.parametrize("content", [b"", b"oms-fix st", b"oms-fix store v1\n", b"oms-fix store v1\n\x05\x00"])
def test_a_store_killed_while_being_created_starts_afresh(tmp_path, content):
    store_path(tmp_path, SID).write_bytes(content)
    with FileStore(tmp_path, SID, creation_ns=42) as s:
        assert (s.next_sender, s.next_target, s.creation_ns) == (1, 1, 42)
    with FileStore(tmp_path, SID, creation_ns=7) as s:
        assert s.creation_ns == 42


def test_a_stale_temp_file_from_a_killed_reset_is_harmless(tmp_path):
    path = store_path(tmp_path, SID)
    with FileStore(tmp_path, SID) as s:
        s.set_next_target(9)
    path.with_name(path.name + ".tmp").write_bytes(b"half a compaction")
    with FileStore(tmp_path, SID) as s:
        assert s.next_target == 9
        s.reset(1)
        assert s.next_target == 1


# -- locking and lifecycle ------------------------------------------------------------------


def test_a_second_open_in_this_process_fails_naming_the_file(tmp_path):
    with FileStore(tmp_path, SID):
        with pytest.raises(StoreLockedError, match="already open") as err:
            FileStore(tmp_path, SID)
        assert str(store_path(tmp_path, SID)) in str(err.value)
    FileStore(tmp_path, SID).close()


def test_the_lock_survives_a_reset(tmp_path):
    with FileStore(tmp_path, SID) as s:
        s.reset(1)
        with pytest.raises(StoreLockedError):
            FileStore(tmp_path, SID)


def test_a_second_open_from_another_process_fails(tmp_path):
    code = ("import sys\nfrom oms_fix.fix.filestore import FileStore, StoreLockedError\n"
            "try:\n    FileStore(sys.argv[1], sys.argv[2])\nexcept StoreLockedError as e:\n"
            "    print(e)\n    sys.exit(3)\n")
    with FileStore(tmp_path, SID):
        child = subprocess.run([sys.executable, "-c", code, str(tmp_path), SID], capture_output=True, text=True,
                               timeout=60)
    assert child.returncode == 3, child.stderr
    assert "already open" in child.stdout and store_path(tmp_path, SID).name in child.stdout


def test_close_flushes_and_a_closed_store_says_so(tmp_path):
    s = FileStore(tmp_path, SID)
    s.set_next_target(6)
    s.close()
    s.close()
    s.set_next_sender(3)
    with pytest.raises(StoreError, match="closed"):
        s.flush()
    with pytest.raises(StoreError, match="closed"):
        s.reset(1)
    with FileStore(tmp_path, SID) as r:
        assert (r.next_sender, r.next_target) == (1, 6)


def test_a_bad_seq_is_refused_before_it_reaches_the_log(tmp_path):
    with FileStore(tmp_path, SID) as s:
        with pytest.raises(Exception):
            s.save_sent(-1, b"x")
        s.save_sent(1, b"ok")
    with FileStore(tmp_path, SID) as s:
        assert s.get_sent(-5, 5) == [(1, b"ok")]


def test_get_sent_does_not_walk_the_whole_range(tmp_path):
    with FileStore(tmp_path, SID) as s:
        for seq in range(1, 10_001):
            s.save_sent(seq, b"m")
        t0 = time.perf_counter()
        for _ in range(100):
            assert len(s.get_sent(9_990, 2**62)) == 11
        assert time.perf_counter() - t0 < 0.5


# -- file names ---------------------------------------------------------------------------


@pytest.mark.parametrize("sid,name", [
    ("FIX.4.4-OMS-CLIENT1", "FIX.4.4-OMS-CLIENT1.store"),
    ("FIX.4.4:OMS->CLIENT1", "FIX.4.4%3AOMS-%3ECLIENT1.store"),
    ("../etc/passwd", "%2E.%2Fetc%2Fpasswd.store"),
    ("a b%c", "a%20b%25c.store"),
])
def test_store_names_use_safe_characters_only(tmp_path, sid, name):
    assert store_path(tmp_path, sid) == tmp_path / name


def test_distinct_sessions_get_distinct_files(tmp_path):
    ids = ["FIX.4.4:OMS-X->Y", "FIX.4.4:OMS->X-Y", "A/B", "A_B", "A%2FB", "A:B", ".A", "%2EA"]
    assert len({store_path(tmp_path, i) for i in ids}) == len(ids)
    with pytest.raises(ValueError):
        store_path(tmp_path, "")
