"""A process for test_journal_kill9 to SIGKILL: appends numbered batches to a Journal flat out.

Usage: journal_child.py PATH SYNC TAG SEED. After each append returns it prints
"ACK <last seq>": the acknowledgement, which may only follow the commit.
"""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from any cwd without installing

from oms_fix.store.journal import Journal, NewEvent  # noqa: E402

_FILLER = bytes(range(251)) * 20
BATCH_SIZES = (1, 1, 2, 3, 10, 50, 300, 3000)  # 3000 outgrow the page cache: spilled to the WAL before commit


def stream_for(tag: int, batch: int) -> str:
    return f"{tag}.{batch}"


def body_for(tag: int, batch: int, index: int, size: int) -> bytes:
    # Up to ~4 KB, so a large batch spans hundreds of pages and a kill can land mid-write.
    length = (tag * 7919 + batch * 104729 + index * 1299709) % 4000
    return b"%d %d %d %d|" % (tag, batch, index, size) + _FILLER[index % 251:index % 251 + length]


def events_for(tag: int, batch: int, size: int) -> list[NewEvent]:
    return [(batch * 1000 + i, "Test", stream_for(tag, batch), body_for(tag, batch, i, size)) for i in range(size)]


def main() -> None:
    path, sync, tag, seed = sys.argv[1:5]
    rng = random.Random(int(seed))
    journal = Journal.open(Path(path), sync="full" if sync == "full" else "normal")
    batch = 0
    while True:
        last = journal.append(events_for(int(tag), batch, rng.choice(BATCH_SIZES)))
        sys.stdout.write(f"ACK {last}\n")
        sys.stdout.flush()
        batch += 1


if __name__ == "__main__":
    main()
