"""SIGKILL a process appending to the journal at random instants; every acknowledged batch must survive, whole, once."""

import importlib.util
import io
import random
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from oms_fix.store.journal import BODY, SEQ, Event, Journal

CHILD = Path(__file__).with_name("journal_child.py")
ROUNDS = (["full"] * 16) + (["normal"] * 8)  # killing the process loses nothing even without the fsyncs

_spec = importlib.util.spec_from_file_location("journal_child", CHILD)
assert _spec is not None and _spec.loader is not None
child = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(child)


def run_and_kill(path: Path, sync: str, tag: int, rng: random.Random) -> list[int]:
    """Start a writer, SIGKILL it a random while after its first ACK; return the seqs it acknowledged."""
    argv = [sys.executable, str(CHILD), str(path), sync, str(tag), str(rng.randrange(1 << 30))]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    started = threading.Event()

    def drain() -> None:
        # Keep the pipe empty, so the writer is killed while writing its journal, not while blocked on stdout.
        assert isinstance(proc.stdout, io.BufferedReader)
        while chunk := proc.stdout.read1(65536):
            out.extend(chunk)
            started.set()
        started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert started.wait(30), "the writer never acknowledged"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
        reader.join(30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    lines = bytes(out).split(b"\n")[:-1]  # a last line without its newline was cut by the kill
    assert lines and all(line.startswith(b"ACK ") for line in lines), bytes(out)[:200]
    return [int(line[4:]) for line in lines]


def torn_in_wal(path: Path) -> bool:
    """Whether the WAL ends in frames of a transaction that never committed (the kill landed mid-append).

    SQLite WAL format: a 32-byte header (page size at 8, salts at 16), then frames of
    a 24-byte header (commit size at 4, 0 unless the frame commits; salts at 8) and a page.
    """
    wal = Path(str(path) + "-wal")
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return False
    page_size, salts = struct.unpack(">I", data[8:12])[0], data[16:24]
    last_commit, pos = True, 32
    while pos + 24 <= len(data) and data[pos + 8:pos + 16] == salts:
        if pos + 24 + page_size > len(data):
            return True  # a frame cut short
        last_commit = struct.unpack(">I", data[pos + 4:pos + 8])[0] != 0
        pos += 24 + page_size
    return not last_commit


def batches_of(events: list[Event], tag: int) -> list[list[Event]]:
    """Split one round's events into its batches, asserting each is whole and as the child wrote it."""
    out: list[list[Event]] = []
    i = 0
    while i < len(events):
        body = events[i][BODY]
        assert isinstance(body, bytes), f"seq {events[i][SEQ]}: {body!r}"
        header = body.split(b"|", 1)[0]
        got_tag, batch, index, size = map(int, header.split())
        assert (got_tag, batch, index) == (tag, len(out), 0), f"seq {events[i][SEQ]} does not start batch {len(out)}"
        group = events[i:i + size]
        assert len(group) == size, f"batch {batch} of round {tag} holds {len(group)} of its {size} events"
        expected = [(e[SEQ], *new) for e, new in zip(group, child.events_for(tag, batch, size))]
        assert group == expected, f"batch {batch} of round {tag} is torn or altered at seq {events[i][SEQ]}"
        out.append(group)
        i += size
    return out


def test_acknowledged_batches_survive_sigkill_whole_and_once(tmp_path: Path) -> None:
    rng = random.Random(20240918)
    path = tmp_path / "oms.db"
    kept: list[Event] = []  # everything recovered so far: later rounds must leave it as it is
    unacked = acked = torn = 0
    t0 = time.monotonic()
    for tag, sync in enumerate(ROUNDS, 1):
        acks = run_and_kill(path, sync, tag, rng)
        torn += torn_in_wal(path)
        with Journal.open(path) as journal:
            events = list(journal.replay())
            assert [e[SEQ] for e in events] == list(range(1, len(events) + 1)), "seqs not contiguous"
            assert events[:len(kept)] == kept, "an earlier event was lost or changed"
            batches = batches_of(events[len(kept):], tag)
            # Each ACK names the last seq of the next batch; at most one batch committed but not yet ACKed.
            assert acks == [b[-1][SEQ] for b in batches[:len(acks)]]
            assert len(batches) - len(acks) in (0, 1)
            unacked += len(batches) - len(acks)
            acked += len(acks)
            # The journal takes appends again, numbered on from the recovered end.
            marker = (tag, "Marker", "parent", f"after round {tag}")
            assert journal.append([marker]) == len(events) + 1
            kept = events + [(len(events) + 1, *marker)]
        with Journal.open(path) as journal:
            assert list(journal.replay(len(events))) == kept[-1:]
    print(f"{acked} acknowledged batches over {len(ROUNDS)} kills; {torn} kills tore a transaction in the WAL, "
          f"{unacked} fell between a commit and its ACK; "
          f"{len(kept)} events, {time.monotonic() - t0:.1f} s")
    assert time.monotonic() - t0 < 60
