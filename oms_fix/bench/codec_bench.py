"""Codec throughput against simplefix, measured in the same run.

The machine is shared and noisy, so what counts is the ratio: runs of ours and
simplefix's alternate, and each side keeps its best of several repeats.

Parse: the same stream of NewOrderSingle and ExecutionReport bytes, fed to
both in 4096-byte chunks as a socket would deliver them, and both read the
same fields of every message (the session's header fields, then the
application's). Encode: the same ~22-field ExecutionReport field list (str
values) turned into bytes, by `encode` and by simplefix's
`FixMessage.append_pair` + `encode`; the outputs are checked equal first.
"""

from __future__ import annotations

import time
from typing import Callable

import simplefix

from oms_fix.fix.codec import FixParser, encode

__all__ = ["run"]

TS = "20240102-13:45:01.123"
NOS = [(35, "D"), (49, "CLIENT1"), (56, "OMS"), (34, "1234"), (52, TS), (11, "ORD-000123"), (1, "ACC001"),
       (21, "1"), (55, "AAPL"), (54, "1"), (60, TS), (38, "100"), (40, "2"), (44, "187.25"), (59, "0")]
ER = [(35, "8"), (49, "OMS"), (56, "CLIENT1"), (34, "5678"), (52, TS), (37, "OMS-00000042"), (11, "ORD-000123"),
      (17, "EX-0000000987"), (150, "F"), (39, "1"), (1, "ACC001"), (55, "AAPL"), (54, "1"), (38, "100"),
      (40, "2"), (44, "187.25"), (59, "0"), (32, "40"), (31, "187.25"), (151, "60"), (14, "40"), (6, "187.25"),
      (60, TS)]
# What the session reads of every message, then what the application reads.
SESSION_TAGS = (35, 34, 49, 56, 52, 43)
APP_TAGS = {b"D": (11, 55, 54, 38, 40, 44), b"8": (37, 11, 17, 150, 39, 14, 151, 31, 32)}
CHUNK = 4096


def _stream(n_pairs: int) -> list[bytes]:
    data = (encode(NOS) + encode(ER)) * n_pairs
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def _parse_ours(chunks: list[bytes]) -> int:
    parser = FixParser()
    app, n = APP_TAGS, 0
    for chunk in chunks:
        parser.feed(chunk)
        while (msg := parser.next_message()) is not None:
            get = msg.get  # type: ignore[union-attr]  # the benchmark stream holds no garbage
            for tag in SESSION_TAGS:
                get(tag)
            for tag in app[get(35)]:  # type: ignore[index]
                get(tag)
            n += 1
    return n


def _parse_simplefix(chunks: list[bytes]) -> int:
    parser = simplefix.FixParser()
    app, n = APP_TAGS, 0
    for chunk in chunks:
        parser.append_buffer(chunk)
        while (msg := parser.get_message()) is not None:
            get = msg.get  # type: ignore[union-attr]  # the benchmark stream holds no garbage
            for tag in SESSION_TAGS:
                get(tag)
            for tag in app[get(35)]:
                get(tag)
            n += 1
    return n


def _encode_ours(count: int) -> int:
    fields = ER
    for _ in range(count):
        encode(fields)
    return count


def _encode_simplefix(count: int) -> int:
    fields = ER
    for _ in range(count):
        msg = simplefix.FixMessage()
        msg.append_pair(8, "FIX.4.4")
        for tag, value in fields:
            msg.append_pair(tag, value)
        msg.encode()
    return count


def _best_rates(ours: Callable[[], int], theirs: Callable[[], int], repeats: int) -> tuple[float, float]:
    best_ours = best_theirs = 0.0
    for _ in range(repeats):
        for fn, is_ours in ((ours, True), (theirs, False)):
            t0 = time.perf_counter()
            n = fn()
            rate = n / (time.perf_counter() - t0)
            if is_ours:
                best_ours = max(best_ours, rate)
            else:
                best_theirs = max(best_theirs, rate)
    return best_ours, best_theirs


def _check_same_work(chunks: list[bytes]) -> None:
    assert _parse_ours(chunks) == _parse_simplefix(chunks), "parsers disagree on the message count"
    sf = simplefix.FixMessage()
    sf.append_pair(8, "FIX.4.4")
    for tag, value in ER:
        sf.append_pair(tag, value)
    assert sf.encode() == encode(ER), "encoders disagree"


def run(quick: bool = False) -> dict[str, float]:
    pairs, repeats, enc_ours, enc_theirs = (300, 7, 3000, 300) if quick else (1000, 9, 10000, 800)
    chunks = _stream(pairs)
    _check_same_work(chunks)
    parse_ours, parse_sf = _best_rates(lambda: _parse_ours(chunks), lambda: _parse_simplefix(chunks), repeats)
    enc_o, enc_sf = _best_rates(lambda: _encode_ours(enc_ours), lambda: _encode_simplefix(enc_theirs), repeats)
    return {
        "codec_parse_msgs_per_s": round(parse_ours),
        "codec_parse_simplefix_msgs_per_s": round(parse_sf),
        "codec_parse_vs_simplefix": round(parse_ours / parse_sf, 2),
        "codec_encode_msgs_per_s": round(enc_o),
        "codec_encode_simplefix_msgs_per_s": round(enc_sf),
        "codec_encode_vs_simplefix": round(enc_o / enc_sf, 2),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
