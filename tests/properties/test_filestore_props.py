"""FileStore, reopened or crashed at random points, behaves as a MemoryStore that forgets what was not flushed."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from oms_fix.fix.filestore import FileStore, store_path
from oms_fix.fix.store import MemoryStore

SID = "FIX.4.4:OMS->CLIENT1"
# Few distinct numbers, so repeats and seq + 1 coincidences (the folded record) come up often.
MAX_SEQ = 8
seqs = st.integers(1, MAX_SEQ)

ops = st.one_of(
    st.tuples(st.just("set_next_sender"), seqs),
    st.tuples(st.just("set_next_target"), seqs),
    st.tuples(st.just("save_sent"), seqs, st.binary(max_size=40)),
    st.tuples(st.just("send"), seqs, st.binary(max_size=40), st.none()),  # the session's save, then advance
    st.tuples(st.just("send"), seqs, st.binary(max_size=40), seqs),  # save, then move next_sender elsewhere
    st.tuples(st.just("reset"), st.integers(0, 2**63 - 1)),
    st.tuples(st.just("get_sent"), st.integers(0, MAX_SEQ + 2), st.integers(0, MAX_SEQ + 2)),
    st.sampled_from([("flush",), ("reopen",), ("crash",)]),
    st.sampled_from([("flush",), ("reopen",), ("crash",)]),
)


def observe(store) -> tuple:
    return store.next_sender, store.next_target, store.creation_ns, store.get_sent(0, MAX_SEQ + 1)


def clone(model: MemoryStore) -> MemoryStore:
    copy = MemoryStore(model.creation_ns)
    copy.next_sender, copy.next_target = model.next_sender, model.next_target
    for seq, raw in model.get_sent(0, MAX_SEQ + 1):
        copy.save_sent(seq, raw)
    return copy


@settings(max_examples=50, deadline=None)
@given(script=st.lists(ops, max_size=60), creation=st.integers(0, 2**62),
       compact_over=st.sampled_from([0, 300, 1 << 20]))
def test_filestore_matches_memorystore(script, creation, compact_over):
    with tempfile.TemporaryDirectory() as tmp:
        dirs = iter(Path(tmp) / str(i) for i in range(len(script) + 1))
        directory = next(dirs)
        model = MemoryStore(creation)
        durable = clone(model)  # what a crash now would leave
        store = FileStore(directory, SID, creation_ns=creation, compact_over=compact_over)
        try:
            for op, *args in script:
                if op == "send":
                    seq, raw, after = args
                    for s in (model, store):
                        s.save_sent(seq, raw)
                        s.set_next_sender(seq + 1 if after is None else after)
                elif op == "get_sent":
                    assert store.get_sent(*args) == model.get_sent(*args)
                elif op == "reopen":
                    store.close()
                    store = FileStore(directory, SID, creation_ns=creation + 1, compact_over=compact_over)
                    assert store.recovered_tail_bytes == 0
                    durable = clone(model)
                elif op == "crash":
                    # A restart sees the file as it is now; what sat in the buffer is gone.
                    survivor = next(dirs)
                    survivor.mkdir()
                    shutil.copyfile(store.path, store_path(survivor, SID))
                    store.close()
                    directory = survivor
                    store = FileStore(directory, SID, compact_over=compact_over)
                    model = clone(durable)
                else:
                    getattr(model, op)(*args)
                    getattr(store, op)(*args)
                    if op in ("flush", "reset"):
                        durable = clone(model)
                assert observe(store) == observe(model), (op, args)
            store.close()
            with FileStore(directory, SID, compact_over=compact_over) as reopened:
                assert observe(reopened) == observe(model)
        finally:
            store.close()
