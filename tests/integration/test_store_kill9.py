"""SIGKILL a process writing a FileStore at random instants; the store must hold what it reported."""

import importlib.util
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from oms_fix.fix.filestore import FileStore

CHILD = Path(__file__).with_name("store_child.py")
SID = "FIX.4.4:OMS->CLIENT1"
ROUNDS = 10

_spec = importlib.util.spec_from_file_location("store_child", CHILD)
assert _spec is not None and _spec.loader is not None
child = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(child)


def run_and_kill(directory: Path, mode: str, tag: int, rng: random.Random) -> list[int]:
    """Start a writer, SIGKILL it a random while after its first report; return the numbers it reported."""
    argv = [sys.executable, str(CHILD), str(directory), SID, mode, str(tag), str(rng.randrange(1 << 30))]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()
    started = threading.Event()

    def drain() -> None:
        # Keep the pipe empty, so the writer is killed while writing its store, not while blocked on stdout.
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(65536):
            out.extend(chunk)
            started.set()
        started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert started.wait(30), "the writer never reported"
        time.sleep(rng.uniform(0.0, 0.08))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
        reader.join(30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    lines = bytes(out).split(b"\n")[:-1]  # a last line without its newline was cut by the kill
    assert lines, "killed before any report"
    return [int(x) for x in lines]


def test_a_store_survives_sigkill_at_any_instant_and_the_sequence_continues(tmp_path):
    rng = random.Random(20240917)
    starts: list[tuple[int, int]] = []  # (first seq a round wrote, its tag): who wrote which bytes
    next_sender = 1
    torn = 0
    for tag in range(1, ROUNDS + 1):
        starts.append((next_sender, tag))
        reported = run_and_kill(tmp_path, "append", tag, rng)
        # Sequence numbers continue from the recovered counter, never reuse one.
        assert reported[0] == next_sender
        assert reported == list(range(next_sender, next_sender + len(reported)))
        with FileStore(tmp_path, SID) as store:  # raises if any record is corrupt
            torn += store.recovered_tail_bytes > 0
            last = reported[-1]
            assert store.next_sender >= last + 1
            assert store.next_target >= child.target_for(last)
            next_sender = store.next_sender
            # The folded sent record carries next_sender, so the stored seqs are exactly 1..next_sender-1.
            # next_target is written once per flush, after the batch's messages: a torn batch keeps
            # the target of an earlier flush, never one past what was sent.
            assert child.target_for(last) <= store.next_target <= child.target_for(next_sender - 1)
            stored = store.get_sent(1, 1 << 62)
            assert [s for s, _ in stored] == list(range(1, next_sender))
            for seq, raw in stored:
                writer = max(t for first, t in starts if first <= seq)
                assert raw == child.raw_for(writer, seq), f"seq {seq} differs from what round {writer} wrote"
    print(f"{torn} of {ROUNDS} kills tore a write")


def test_a_store_survives_sigkill_during_resets(tmp_path):
    rng = random.Random(7)
    creation = 0
    for tag in range(1, ROUNDS // 2 + 1):
        reported = run_and_kill(tmp_path, "reset", creation + 1, rng)
        assert reported[0] == creation + 1
        with FileStore(tmp_path, SID) as store:
            assert store.creation_ns >= reported[-1]
            creation = store.creation_ns
            stored = store.get_sent(1, 1 << 62)
            # Killed between a reset and the flush of its message, or after: never a mix of two days.
            assert stored in ([], [(1, child.raw_for(creation, 1))])
            assert store.next_sender == 1 + len(stored)
            assert store.next_target == 1
