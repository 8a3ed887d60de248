"""A process for test_store_kill9 to SIGKILL: writes a FileStore flat out, reporting what it flushed.

Usage: store_child.py DIR SESSION_ID MODE TAG SEED, MODE "append" or "reset".
Each line on stdout is printed only after the flush it names returned.
"""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from any cwd without installing

from oms_fix.fix.filestore import FileStore  # noqa: E402


_FILLER = bytes(range(251)) * 40


def raw_for(tag: int, seq: int) -> bytes:
    # Sizes vary up to ~6 KB, so a batch spans many pages and a kill can tear it mid-write.
    size = 30 + (seq * 2654435761 + tag * 40503) % 6000
    return b"8=FIX.4.4\x0134=%d\x01tag=%d\x01" % (seq, tag) + _FILLER[seq % 251:seq % 251 + size]


def target_for(seq: int) -> int:
    return 3 * seq + 1


def append(store: FileStore, tag: int, rng: random.Random) -> None:
    seq = store.next_sender
    while True:
        batch = rng.choice((1, 1, 1, 4, 40, 400))
        first = seq
        for _ in range(batch):
            store.save_sent(seq, raw_for(tag, seq))
            store.set_next_sender(seq + 1)
            store.set_next_target(target_for(seq))
            seq += 1
        store.flush()
        sys.stdout.write("".join(f"{s}\n" for s in range(first, seq)))
        sys.stdout.flush()


def reset(store: FileStore, tag: int) -> None:
    creation = max(store.creation_ns + 1, tag)
    while True:
        store.reset(creation)
        store.save_sent(1, raw_for(creation, 1))
        store.set_next_sender(2)
        store.flush()
        sys.stdout.write(f"{creation}\n")
        sys.stdout.flush()
        creation += 1


def main() -> None:
    directory, session_id, mode, tag, seed = sys.argv[1:6]
    store = FileStore(directory, session_id)
    if mode == "append":
        append(store, int(tag), random.Random(int(seed)))
    else:
        reset(store, int(tag))


if __name__ == "__main__":
    main()
