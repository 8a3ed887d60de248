"""Codec properties: round trips, any chunking, garbage, and simplefix as the oracle."""

from __future__ import annotations

import simplefix
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from simplefix.data import RAW_DATA_TAGS, RAW_LEN_TAGS

from oms_fix.fix.codec import (
    DATA_LENGTH_TAGS,
    FixParser,
    Garbled,
    Message,
    checksum,
    encode,
    parse_one,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Tags whose value is read by a length (ours and simplefix's lists, which know
# FIX 5 pairs as well), and the framing tags encode computes itself.
_SPECIAL = {8, 9, 10, 35} | set(DATA_LENGTH_TAGS) | set(DATA_LENGTH_TAGS.values()) \
    | set(RAW_DATA_TAGS) | set(RAW_LEN_TAGS)
TAGS = st.integers(1, 9999).filter(lambda t: t not in _SPECIAL)
VALUES = st.binary(max_size=24).map(lambda b: b.replace(b"\x01", b"\x02"))
NONEMPTY = st.binary(min_size=1, max_size=24).map(lambda b: b.replace(b"\x01", b"\x02"))
MSG_TYPES = st.one_of(st.sampled_from([b"0", b"A", b"D", b"8", b"AE"]), NONEMPTY)
BEGIN = st.sampled_from([b"FIX.4.4", b"FIX.4.2", b"FIXT.1.1"])
BODIES = st.lists(st.tuples(TAGS, VALUES), max_size=40)


@st.composite
def messages(draw, values=VALUES) -> tuple[bytes, list[tuple[int, bytes]]]:
    body = draw(st.lists(st.tuples(TAGS, values), max_size=30))
    return draw(MSG_TYPES), body


@st.composite
def data_messages(draw) -> list[tuple[int, bytes]]:
    """A body with data fields whose bytes may hold SOH, '=' and whole fake fields."""
    units = [[f] for f in draw(st.lists(st.tuples(TAGS, NONEMPTY), max_size=8))]
    for _ in range(draw(st.integers(1, 3))):
        length_tag = draw(st.sampled_from(sorted(DATA_LENGTH_TAGS)))
        data = draw(st.one_of(st.binary(min_size=1, max_size=40),
                              st.sampled_from([b"\x01", b"=", b"\x0110=000\x01", b"8=FIX.4.4\x019=5\x01",
                                               b"a=b\x01c=d"])))
        at = draw(st.integers(0, len(units)))
        units.insert(at, [(length_tag, b"%d" % len(data)), (DATA_LENGTH_TAGS[length_tag], data)])
    return [f for unit in units for f in unit]


def sf_encode(msg_type: bytes, body, begin: bytes = b"FIX.4.4") -> bytes:
    m = simplefix.FixMessage()
    m.append_pair(8, begin)
    m.append_pair(35, msg_type)
    for tag, value in body:
        m.append_pair(tag, value)
    return m.encode()


def sf_fields(data: bytes) -> list[tuple[int, bytes]]:
    p = simplefix.FixParser(allow_empty_values=True)
    p.append_buffer(data)
    m = p.get_message()
    assert m is not None and p.get_message() is None
    return [(int(t), v) for t, v in m.pairs]


def expected(msg_type: bytes, body, raw: bytes, begin: bytes = b"FIX.4.4") -> list[tuple[int, bytes]]:
    length = raw.index(b"\x0110=", len(raw) - 8) + 1 - raw.index(b"\x0135=") - 1
    return [(8, begin), (9, b"%d" % length), (35, msg_type), *body, (10, checksum(raw[:-7]))]


def run(stream: bytes, cuts: list[int], max_size: int = 1 << 20) -> tuple[list[Message | Garbled], FixParser]:
    p = FixParser(max_size)
    out: list[Message | Garbled] = []
    last = 0
    for cut in sorted(set(cuts)) + [len(stream)]:
        p.feed(stream[last:cut])
        last = cut
        while (item := p.next_message()) is not None:
            out.append(item)
    return out, p


# ------------------------------------------------------------------ round trip
@SETTINGS
@given(messages(), BEGIN)
def test_decode_encode_round_trip(m, begin):
    msg_type, body = m
    raw = encode([(35, msg_type), *body], begin)
    msg = parse_one(raw)
    assert msg.fields == expected(msg_type, body, raw, begin)
    assert msg.msg_type == msg_type and msg.raw == raw
    for tag, value in body:
        assert msg.get(tag) == next(v for t, v in body if t == tag)


@SETTINGS
@given(messages(), BEGIN)
def test_encoding_equals_simplefix(m, begin):
    msg_type, body = m
    assert encode([(35, msg_type), *body], begin) == sf_encode(msg_type, body, begin)


@SETTINGS
@given(MSG_TYPES, BODIES, st.integers(0, 40), st.lists(MSG_TYPES, max_size=2))
def test_msg_type_anywhere_agrees_with_simplefix(msg_type, body, at, more):
    """35 may sit anywhere; both codecs move the last one to the front."""
    at = min(at, len(body))
    fields = [*body[:at], (35, msg_type), *body[at:], *[(35, t) for t in more]]
    sf = simplefix.FixMessage()
    sf.append_pair(8, b"FIX.4.4")
    for tag, value in fields:
        sf.append_pair(tag, value)
    assert encode(fields) == sf.encode()


@SETTINGS
@given(messages())
def test_simplefix_reads_ours_and_we_read_simplefix(m):
    msg_type, body = m
    ours = encode([(35, msg_type), *body])
    assert sf_fields(ours) == parse_one(ours).fields
    theirs = sf_encode(msg_type, body)
    assert parse_one(theirs).fields == sf_fields(theirs)


@SETTINGS
@given(data_messages(), MSG_TYPES)
def test_data_fields_round_trip(body, msg_type):
    raw = encode([(35, msg_type), *body])
    msg = parse_one(raw)
    assert msg.fields == expected(msg_type, body, raw)
    assert raw == sf_encode(msg_type, body)
    assert sf_fields(raw) == msg.fields


# -------------------------------------------------------------------- chunking
@SETTINGS
@given(st.lists(messages(), min_size=1, max_size=6), st.lists(st.integers(0, 5000), max_size=40))
def test_any_split_gives_the_same_messages(msgs, cuts):
    raws = [encode([(35, t), *b]) for t, b in msgs]
    stream = b"".join(raws)
    out, p = run(stream, [c % (len(stream) + 1) for c in cuts])
    assert [m.raw for m in out] == raws
    assert all(isinstance(m, Message) for m in out)
    assert p.buffered == 0


@SETTINGS
@given(st.lists(data_messages(), min_size=1, max_size=4), st.data())
def test_any_split_with_data_fields(bodies, data):
    raws = [encode([(35, b"n"), *b]) for b in bodies]
    stream = b"".join(raws)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=30))
    out, _ = run(stream, cuts)
    assert [m.raw for m in out] == raws
    assert [m.fields for m in out] == [parse_one(r).fields for r in raws]


def test_one_byte_at_a_time():
    raws = [encode([(35, b"D"), (11, b"x" * n), (95, b"3"), (96, b"a\x01b"), (58, b"=")]) for n in range(1, 30)]
    stream = b"".join(raws)
    out, _ = run(stream, list(range(len(stream))))
    assert [m.raw for m in out] == raws


# --------------------------------------------------------------------- garbage
GARBAGE = st.binary(min_size=1, max_size=60).filter(lambda b: b"8=FIX" not in b)


@SETTINGS
@given(st.lists(st.tuples(GARBAGE, messages()), min_size=1, max_size=5), st.lists(st.integers(0, 5000), max_size=20))
def test_garbage_between_messages_yields_exactly_the_messages(parts, cuts):
    raws = [encode([(35, t), *b]) for _, (t, b) in parts]
    stream = b"".join(g + r for (g, _), r in zip(parts, raws))
    out, _ = run(stream, [c % (len(stream) + 1) for c in cuts])
    assert [m.raw for m in out if isinstance(m, Message)] == raws
    assert all(isinstance(m, (Message, Garbled)) for m in out)
    assert any(isinstance(m, Garbled) for m in out)


FRAGMENTS = st.sampled_from([b"8=FIX.4.4\x01", b"9=", b"9=12\x01", b"9=99999\x01", b"35=D\x01", b"10=", b"10=123\x01",
                             b"\x01", b"=", b"8=FIX", b"8=FIXT.1.1\x01", b"95=3\x01", b"96=", b"9=0\x01"])
ANY_GARBAGE = st.lists(st.one_of(st.binary(max_size=20), FRAGMENTS), max_size=8).map(b"".join)


@SETTINGS
@given(st.lists(st.one_of(ANY_GARBAGE, messages().map(lambda m: encode([(35, m[0]), *m[1]]))), max_size=8),
       st.lists(st.integers(0, 5000), max_size=20), st.integers(40, 400))
def test_any_bytes_give_messages_or_garbled_and_account_for_every_byte(parts, cuts, max_size):
    stream = b"".join(parts)
    out, p = run(stream, [c % (len(stream) + 1) for c in cuts], max_size=max_size)
    assert all(isinstance(m, (Message, Garbled)) for m in out)
    consumed = b"".join(m.raw if isinstance(m, Message) else m.data for m in out)
    assert consumed == stream[: len(stream) - p.buffered]
    for m in out:
        if isinstance(m, Message):
            assert parse_one(m.raw).fields == m.fields
            assert len(m.raw) <= max_size
            assert sf_fields(m.raw) == m.fields or any(t in DATA_LENGTH_TAGS for t, _ in m.fields)
        else:
            assert m.data


@SETTINGS
@given(messages(values=NONEMPTY), st.integers(0, 400), st.binary(min_size=1, max_size=3))
def test_one_corrupted_byte_is_garbled_or_still_consistent(m, at, junk):
    raw = encode([(35, m[0]), *m[1]])
    at %= len(raw)
    bad = raw[:at] + junk + raw[at + 1 :]
    assume(bad != raw)
    good = encode([(35, b"0"), (49, b"A")])
    # A BodyLength made longer waits for (and may swallow) what follows, up to
    # the maximum size: send enough good messages to get past it.
    max_size = len(raw) + 100
    out, _ = run(bad + good * (max_size // len(good) + 2), [], max_size=max_size)
    assert out[-1].raw == good
    for item in out:
        assert isinstance(item, Garbled) or parse_one(item.raw).fields == item.fields
