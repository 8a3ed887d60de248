"""Journal replay (the OMS's recovery read) and append speeds.

Build: a journal of `events` events (1,000,000; 100,000 with --quick) in a temp
dir, each a ~150-byte JSON body like the OMS's order events, four events to a
stream (order id), written with sync="normal" in batches of 100 (building is
not what is measured), then closed, so the WAL is checkpointed as on a restart.

Replay, on a freshly opened journal, best of 3:
  journal_replay_events_per_s        every event read and its body json.loads-ed;
                                      bodies stored as the str json.dumps gives (the journal's advice)
  journal_replay_raw_events_per_s    the same journal, events read but not decoded
  journal_replay_bytes_events_per_s  bodies stored as UTF-8 bytes, json.loads(bytes) on each;
                                      json must then detect the encoding and decode first
  journal_json_loads_per_s           json.loads alone on such bodies from a list: the ceiling
                                      for the first, and a gauge of how busy the machine was
Append, for information: journal_append_events_per_s, batches of 10 events with
sync="full", i.e. one fsync per batch (the price of acknowledging durably).

The cyclic GC stays on: a recovering OMS runs with it, and the decoded bodies
are dropped at once, so it costs little here.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Callable

from ..store.journal import Body, Journal, NewEvent

__all__ = ["body_for", "build", "run"]

_KINDS = ("OrderAccepted", "OrderFilled", "OrderFilled", "OrderCanceled")
_T0 = 1_726_000_000_000_000_000


def body_for(i: int) -> str:
    """A ~150-byte JSON event body, different for every `i`."""
    order = i // 4
    return ('{"type":"%s","order_id":"O%08d","exec_id":"E%09d","symbol":"AAPL","side":"1","tif":"0",'
            '"last_qty":%d,"last_px":"187.%02d","cum_qty":%d}'
            % (_KINDS[i % 4], order, i, 100 + i % 7 * 100, i % 100, i % 4 * 100))


def _events(first: int, n: int, as_bytes: bool) -> list[NewEvent]:
    out: list[NewEvent] = []
    for i in range(first, first + n):
        text = body_for(i)
        body: Body = text.encode() if as_bytes else text
        out.append((_T0 + i * 1000, _KINDS[i % 4], "O%08d" % (i // 4), body))
    return out


def build(path: Path, events: int, *, as_bytes: bool = False, batch: int = 100) -> None:
    with Journal.open(path, sync="normal") as journal:
        for first in range(0, events, batch):
            journal.append(_events(first, min(batch, events - first), as_bytes))


def _replay_rate(path: Path, decode: bool, repeats: int) -> float:
    loads = json.loads
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        with Journal.open(path) as journal:  # as the OMS does on starting
            t0 = time.perf_counter()
            n = 0
            if decode:
                for _seq, _time_ns, _kind, _stream, body in journal.replay():
                    loads(body)
                    n += 1
            else:
                for _event in journal.replay():
                    n += 1
            best = min(best, time.perf_counter() - t0)
    return n / best


def _append_rate(path: Path, batches: int, size: int = 10) -> float:
    work = [_events(b * size, size, False) for b in range(batches)]
    with Journal.open(path, sync="full") as journal:
        t0 = time.perf_counter()
        for events in work:
            journal.append(events)
        return batches * size / (time.perf_counter() - t0)


def _bytes_copy(src: Path, dst: Path) -> None:
    """`src` again with every body as UTF-8 bytes: copied in SQL, much faster than building it anew."""
    Journal.open(dst, sync="normal").close()  # the schema
    con = sqlite3.connect(dst, isolation_level=None)
    try:
        con.execute("ATTACH DATABASE ? AS src", (str(src),))
        con.execute("BEGIN")
        con.execute("INSERT INTO events SELECT seq, time_ns, kind, stream, CAST(body AS BLOB) FROM src.events ORDER BY seq")
        con.execute("COMMIT")
    finally:
        con.close()


def _loads_rate(n: int, repeats: int) -> float:
    """json.loads alone on the same bodies, from a list: the ceiling for replay with decode."""
    bodies = [body_for(i) for i in range(min(n, 200_000))]
    loads = json.loads
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for body in bodies:
            loads(body)
        best = min(best, time.perf_counter() - t0)
    return len(bodies) / best


def run(quick: bool, events: int | None = None, progress: Callable[[str], None] | None = None) -> dict[str, float]:
    n = events if events is not None else 100_000 if quick else 1_000_000
    say = progress or (lambda text: None)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="journal-bench-") as tmp:
        text, raw = Path(tmp) / "text.db", Path(tmp) / "bytes.db"
        say(f"journal: building {n:,} events")
        build(text, n)
        _bytes_copy(text, raw)
        say("journal: replaying")
        out["journal_replay_events_per_s"] = _replay_rate(text, True, 3)
        out["journal_replay_raw_events_per_s"] = _replay_rate(text, False, 3)
        out["journal_replay_bytes_events_per_s"] = _replay_rate(raw, True, 3)
        out["journal_json_loads_per_s"] = _loads_rate(n, 3)
        text.unlink()
        raw.unlink()
        say("journal: appending with sync=full")
        out["journal_append_events_per_s"] = _append_rate(Path(tmp) / "append.db", max(1, min(n // 10, 2000)))
    return out


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv, progress=lambda text: print(f"  ... {text}", file=sys.stderr)))
