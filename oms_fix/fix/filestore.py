"""A durable per-session message store: an append-only log of checksummed records.

One file per session, `<directory>/<escaped session id>.store`. It starts with
`_MAGIC`, then records, each a 12-byte header and a body:

    header  <u32 body length> <u32 crc32(body)> <u32 crc32(first 8 header bytes)>
    body    b"R" <i64 creation_ns>   reset: both counters 1, no messages
            b"S" <u64 seq> <raw>     a sent message
            b"M" <u64 seq> <raw>     a sent message, and next_sender = seq + 1
            b"N" <u64 next_sender>
            b"T" <u64 next_target>

The first record is always R. Opening replays the log into memory. The header
has its own checksum so that a damaged length cannot pass for a torn tail and
silently swallow the good records after it.

Durability: records are buffered in memory and `flush()` hands them to the
kernel with one `os.write`. Once there they survive `kill -9` of this process;
they survive power loss only with `fsync=True`, which adds an fdatasync to every
flush (measured here: about 300 us per flush against about 3 us per message
without; batching many messages per flush pays it once). Take it where losing
the last messages sent before a power cut would matter more than throughput.
Without fsync a power cut can lose or tear the tail of the log; opening then
truncates what is torn, and refuses a file damaged anywhere else.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import struct
import zlib
from bisect import bisect_left, bisect_right, insort
from pathlib import Path

__all__ = ["FileStore", "StoreError", "StoreLockedError", "StoreCorruptError", "store_path"]

log = logging.getLogger(__name__)

_MAGIC = b"oms-fix store v1\n"
_HDR = struct.Struct("<III")
_LEN_CRC = struct.Struct("<II")
_KIND_U64 = struct.Struct("<cQ")
_KIND_I64 = struct.Struct("<cq")
_HDR_SIZE = _HDR.size
_SEQ_SIZE = _KIND_U64.size
_FIXED_SIZE = {b"R": _SEQ_SIZE, b"N": _SEQ_SIZE, b"T": _SEQ_SIZE}
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_")
_crc32 = zlib.crc32


class StoreError(Exception):
    def __init__(self, path: Path, problem: str, offset: int | None = None):
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{path}{where}: {problem}")
        self.path = path
        self.offset = offset


class StoreLockedError(StoreError):
    """Another FileStore, in this process or another, has the file open."""


class StoreCorruptError(StoreError):
    """The log is damaged somewhere a crash cannot explain, or is not a store."""


def store_path(directory: str | os.PathLike[str], session_id: str) -> Path:
    """The store file for a session: letters, digits, `.-_` kept, the rest %XX-escaped.

    Escaping, rather than replacing, keeps the mapping one-to-one, so two
    sessions never share a file.
    """
    raw = session_id.encode()
    if not raw:
        raise ValueError("empty session id")
    name = "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in raw)
    if name.startswith("."):  # never a hidden file, "." or ".."
        name = "%2E" + name[1:]
    return Path(directory) / (name + ".store")


def _header(body_len: int, crc: int) -> bytes:
    return _HDR.pack(body_len, crc, _crc32(_LEN_CRC.pack(body_len, crc)))


def _record(body: bytes) -> bytes:
    return _header(len(body), _crc32(body)) + body


def _sent_record(kind: bytes, seq: int, raw: bytes) -> bytes:
    prefix = _KIND_U64.pack(kind, seq)
    return _header(_SEQ_SIZE + len(raw), _crc32(raw, _crc32(prefix))) + prefix + raw


def _put_sent(buf: bytearray, prefix: bytes, raw: bytes) -> None:
    """`_sent_record` of a packed kind and seq, appended to `buf` without copying `raw` twice."""
    n = _SEQ_SIZE + len(raw)
    crc = _crc32(raw, _crc32(prefix))
    buf += _HDR.pack(n, crc, _crc32(_LEN_CRC.pack(n, crc)))
    buf += prefix
    buf += raw


class FileStore:
    __slots__ = ("path", "fsync", "recovered_tail_bytes", "compacted_on_open", "next_sender", "next_target",
                 "creation_ns", "_fd", "_buf", "_sent", "_seqs", "_pend_seq", "_pend_raw", "_pend_prefix",
                 "_target_written")

    def __init__(self, directory: str | os.PathLike[str], session_id: str, *, fsync: bool = False,
                 creation_ns: int = 0, compact_over: int = 1 << 20):
        """Open (creating if need be) and replay the session's store.

        `creation_ns` is the creation time of a store made now; an existing one
        keeps its own. The log is rewritten on open when its obsolete records
        outweigh both the live ones and `compact_over` bytes.
        """
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.path = store_path(directory, session_id)
        self.fsync = fsync
        self.recovered_tail_bytes = 0
        self.compacted_on_open = False
        self.next_sender = 1
        self.next_target = 1
        self.creation_ns = creation_ns
        self._buf = bytearray()
        self._sent: dict[int, bytes] = {}
        self._seqs: list[int] = []  # the keys of _sent, ascending, for range queries
        self._pend_seq = -1  # a sent record held back one call, to fold a following set_next_sender
        self._pend_raw = b""
        self._pend_prefix = b""
        self._target_written = 1
        self._fd = self._open_locked()
        try:
            self._load(creation_ns, compact_over)
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise
        self._target_written = self.next_target

    # -- the MessageStore protocol -------------------------------------------------

    def set_next_sender(self, seq: int) -> None:
        if self._pend_seq >= 0:
            if seq == self._pend_seq + 1:
                _put_sent(self._buf, self._pend_prefix, self._pend_raw)
                self._pend_seq = -1
                self.next_sender = seq
                return
            self._put_pending()
        if seq != self.next_sender:
            self._buf += _record(_KIND_U64.pack(b"N", seq))
            self.next_sender = seq

    def set_next_target(self, seq: int) -> None:
        # Only the value at flush time can ever be read back, so one T record
        # per flush says as much as one per inbound message.
        _KIND_U64.pack(b"T", seq)  # fail here, on the caller's bad seq, not in a later flush
        self.next_target = seq

    def save_sent(self, seq: int, raw: bytes) -> None:
        if self._pend_seq >= 0:
            self._put_pending()
        if type(raw) is not bytes:
            raw = bytes(raw)
        # Packed now, so that a bad seq fails here, not in a later flush; a sent record is
        # usually folded with the next set_next_sender into one "M" record.
        self._pend_prefix = _KIND_U64.pack(b"M", seq)
        self._pend_seq = seq
        self._pend_raw = raw
        sent, seqs = self._sent, self._seqs
        if seqs and seq > seqs[-1]:
            seqs.append(seq)  # the usual case, inlined: the next number
            sent[seq] = raw
        else:
            self._remember(seq, raw)

    def get_sent(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        seqs, sent = self._seqs, self._sent
        return [(s, sent[s]) for s in seqs[bisect_left(seqs, begin):bisect_right(seqs, end)]]

    def reset(self, now_ns: int) -> None:
        """Start a new sequence; the log is rewritten, so nothing is left to flush.

        Either the reset is on disk when this returns, or it raises and the store
        is as it was.
        """
        self._check_open()
        self._replace_file(_MAGIC + _record(_KIND_I64.pack(b"R", now_ns)))
        self.next_sender = 1
        self.next_target = 1
        self._target_written = 1
        self.creation_ns = now_ns
        self._sent.clear()
        self._seqs.clear()
        self._buf.clear()
        self._pend_seq = -1
        self._pend_raw = b""

    def flush(self) -> None:
        if self._pend_seq >= 0:
            self._put_pending()
        if self.next_target != self._target_written:
            self._buf += _record(_KIND_U64.pack(b"T", self.next_target))
            self._target_written = self.next_target
        buf = self._buf
        if not buf:
            return
        self._check_open()
        # What is not written stays buffered, so a retry after an error (ENOSPC)
        # continues the same byte stream and never leaves a gap in the log.
        while buf:
            n = os.write(self._fd, buf)
            del buf[:n]
        if self.fsync:
            _datasync(self._fd)

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            self.flush()
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FileStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    def _put_pending(self) -> None:
        _put_sent(self._buf, _KIND_U64.pack(b"S", self._pend_seq), self._pend_raw)
        self._pend_seq = -1
        self._pend_raw = b""

    def _remember(self, seq: int, raw: bytes) -> None:
        sent, seqs = self._sent, self._seqs
        if seq not in sent:
            if not seqs or seq > seqs[-1]:
                seqs.append(seq)
            else:
                insort(seqs, seq)
        sent[seq] = raw

    def _check_open(self) -> None:
        if self._fd < 0:
            raise StoreError(self.path, "store is closed")

    def _open_locked(self) -> int:
        # A reset replaces the file, so a lock won on a file that has since been
        # replaced guards nothing: retry until the locked file is the one at the path.
        for _ in range(100):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise StoreLockedError(self.path, "already open (locked) by another FileStore") from None
                raise
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)
        raise StoreLockedError(self.path, "the file keeps being replaced under us")

    def _load(self, creation_ns: int, compact_over: int) -> None:
        data = _read_all(self._fd)
        size = len(data)
        if not data.startswith(_MAGIC):
            if not _MAGIC.startswith(data):
                raise StoreCorruptError(self.path, "not an oms-fix message store (bad magic)", 0)
            # Empty, or killed while being created: nothing in it was ever flushed.
            self._replace_file(_MAGIC + _record(_KIND_I64.pack(b"R", creation_ns)))
            return
        good, live = self._replay(memoryview(data), size)
        if good < size:
            self.recovered_tail_bytes = size - good
            log.warning("%s: dropped a torn tail of %d bytes at offset %d", self.path, size - good, good)
        if good == len(_MAGIC):  # killed before its first record was whole
            self._replace_file(_MAGIC + _record(_KIND_I64.pack(b"R", creation_ns)))
            return
        if good < size:
            os.ftruncate(self._fd, good)
            if self.fsync:
                _datasync(self._fd)
        obsolete = good - len(_MAGIC) - live
        if obsolete > max(live, compact_over):
            self._replace_file(self._snapshot())
            self.compacted_on_open = True

    def _replay(self, data: memoryview, size: int) -> tuple[int, int]:
        """Apply every intact record; return where the intact log ends and its live bytes."""
        pos = len(_MAGIC)
        unpack_hdr = _HDR.unpack_from
        sent_bytes = 0
        while pos < size:
            if size - pos < _HDR_SIZE:
                return self._torn(data, pos, "incomplete header", True), sent_bytes
            body_len, crc, hcrc = unpack_hdr(data, pos)
            if _crc32(data[pos:pos + 8]) != hcrc:
                return self._torn(data, pos, "header checksum mismatch", False), sent_bytes
            start = pos + _HDR_SIZE
            end = start + body_len
            if end > size:
                return self._torn(data, pos, "record runs past the end of the file", True), sent_bytes
            body = data[start:end]
            if _crc32(body) != crc:
                return self._torn(data, pos, "body checksum mismatch", end == size), sent_bytes
            kind = bytes(body[:1])
            if pos == len(_MAGIC) and kind != b"R":
                raise StoreCorruptError(self.path, f"first record is {kind!r}, not a reset (R)", pos)
            fixed = _FIXED_SIZE.get(kind)
            if (fixed is not None and body_len != fixed) or body_len < _SEQ_SIZE:
                raise StoreCorruptError(self.path, f"{kind!r} record of bad length {body_len}", pos)
            if kind == b"M" or kind == b"S":
                seq = _KIND_U64.unpack_from(body)[1]
                old = self._sent.get(seq)
                if old is not None:
                    sent_bytes -= len(old)
                raw = bytes(body[_SEQ_SIZE:])
                sent_bytes += len(raw)
                self._remember(seq, raw)
                if kind == b"M":
                    self.next_sender = seq + 1
            elif kind == b"T":
                self.next_target = _KIND_U64.unpack_from(body)[1]
            elif kind == b"N":
                self.next_sender = _KIND_U64.unpack_from(body)[1]
            elif kind == b"R":
                self.creation_ns = _KIND_I64.unpack_from(body)[1]
                self.next_sender = self.next_target = 1
                self._sent.clear()
                self._seqs.clear()
                sent_bytes = 0
            else:
                raise StoreCorruptError(self.path, f"unknown record type {kind!r}", pos)
            pos = end
        # A compacted log: R, one S per message, N, T; every record but S is header + 9 bytes.
        return pos, sent_bytes + (_HDR_SIZE + _SEQ_SIZE) * (len(self._sent) + 3)

    def _torn(self, data: memoryview, pos: int, problem: str, at_tail: bool) -> int:
        # A crash tears only the last write: a record cut short, or, after a power
        # loss without fsync, a last record or a zero-filled stretch never written.
        # Damage with intact records after it is something else; refuse to guess.
        if at_tail or data[pos:].tobytes().count(0) == len(data) - pos:
            return pos
        raise StoreCorruptError(
            self.path, f"corrupt record ({problem}) with {len(data) - pos} bytes after it; "
            "truncate the file here to drop it and everything after", pos)

    def _snapshot(self) -> bytes:
        out = bytearray(_MAGIC)
        out += _record(_KIND_I64.pack(b"R", self.creation_ns))
        sent = self._sent
        for seq in self._seqs:
            out += _sent_record(b"S", seq, sent[seq])
        out += _record(_KIND_U64.pack(b"N", self.next_sender))
        out += _record(_KIND_U64.pack(b"T", self.next_target))
        return bytes(out)

    def _replace_file(self, content: bytes) -> None:
        # Only the lock holder writes the temp file. It is locked before it takes
        # the store's name, so the lock never lapses across the swap.
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            if self.fsync:
                _datasync(fd)
            os.replace(tmp, self.path)
        except BaseException:
            os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if self.fsync:
            dfd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        os.close(self._fd)
        self._fd = fd


def _datasync(fd: int) -> None:
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks = []
    pos = 0
    while pos < size:
        chunk = os.pread(fd, size - pos, pos)
        if not chunk:
            break
        chunks.append(chunk)
        pos += len(chunk)
    return b"".join(chunks)
