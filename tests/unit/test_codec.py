"""The codec as a transcript: bytes in, messages or Garbled out; fields in, bytes out.

simplefix is the independent oracle for every encoding and every parse.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import pytest
import simplefix

from oms_fix.fix.codec import (
    DATA_LENGTH_TAGS,
    SOH,
    FixParser,
    Garbled,
    Message,
    checksum,
    encode,
    encode_fields,
    encode_raw,
    frame,
    parse_one,
    printable,
    to_bytes,
)
from oms_fix.fix.dictionary import load_default


def wire(text: str) -> bytes:
    """'8=FIX.4.4|9=5|...' with '|' for SOH, as the spec tables write it."""
    return text.replace("|", "\x01").encode("latin-1")


def sf_encode(fields, begin=b"FIX.4.4") -> bytes:
    m = simplefix.FixMessage()
    m.append_pair(8, begin)
    for tag, value in fields:
        m.append_pair(tag, value)
    return m.encode()


def sf_parse(data: bytes) -> list[tuple[int, bytes]]:
    p = simplefix.FixParser()
    p.append_buffer(data)
    m = p.get_message()
    assert m is not None
    return [(int(t), v) for t, v in m.pairs]


def items(data: bytes, chunk: int | None = None, max_size: int = 1 << 20) -> list[Message | Garbled]:
    p = FixParser(max_size)
    out: list[Message | Garbled] = []
    step = chunk or max(1, len(data))
    for i in range(0, len(data), step):
        p.feed(data[i : i + step])
        out.extend(p)
    return out


class Side(str, enum.Enum):
    BUY = "1"


NOS = [(35, "D"), (49, "CLIENT1"), (56, "OMS"), (34, 12), (52, "20240102-13:45:01.123"),
       (11, "ORD-1"), (21, "1"), (55, "AAPL"), (54, "1"), (60, "20240102-13:45:01.120"),
       (38, "100"), (40, "2"), (44, "187.25"), (59, "0")]
HB = [(35, "0"), (49, "A"), (56, "B"), (34, 2), (52, "20240102-13:45:01.123")]


# ------------------------------------------------------------------ encoding
class TestEncode:
    def test_header_first_and_lengths_computed(self):
        raw = encode(HB)
        assert raw.startswith(b"8=FIX.4.4\x019=")
        msg = parse_one(raw)
        assert [t for t, _ in msg.fields][:3] == [8, 9, 35]
        assert msg.fields[-1][0] == 10
        body = raw[raw.index(b"35=") : raw.rindex(b"10=")]
        assert msg.get_int(9) == len(body)
        assert msg.get(10) == checksum(raw[: raw.rindex(b"10=")])

    def test_equals_simplefix_byte_for_byte(self):
        assert encode(NOS) == sf_encode(NOS)
        assert encode(HB, b"FIXT.1.1") == sf_encode(HB, b"FIXT.1.1")

    def test_msg_type_moves_to_front_and_8_9_10_are_recomputed(self):
        fields = [(49, "A"), (8, "FIX.4.2"), (9, "999"), (35, "0"), (56, "B"), (10, "000")]
        raw = encode(fields)
        assert raw == encode([(35, "0"), (49, "A"), (56, "B")])
        # simplefix also moves 35 and recomputes 9/10; its 8 comes from the list.
        assert raw == sf_encode([(49, "A"), (35, "0"), (56, "B")])

    def test_msg_type_required(self):
        with pytest.raises(ValueError):
            encode([(49, "A")])
        with pytest.raises(ValueError):
            encode([])

    def test_value_kinds(self):
        class Code(int, enum.Enum):
            NEW = 0

        class Status(enum.IntEnum):
            FILLED = 2

        fields = [(35, b"D"), (1, "x"), (2, 7), (3, Decimal("1E+2")), (4, True), (5, False),
                  (6, Side.BUY), (7, Code.NEW), (12, Status.FILLED), (13, Decimal("-0.50")), (14, 2.5)]
        msg = parse_one(encode(fields))
        assert msg.fields[3:-1] == [(1, b"x"), (2, b"7"), (3, b"100"), (4, b"Y"), (5, b"N"), (6, b"1"),
                                    (7, b"0"), (12, b"2"), (13, b"-0.50"), (14, b"2.5")]

    def test_mixed_kinds_equal_simplefix(self):
        fields = [(35, "8"), (34, 7), (11, b"A"), (55, "MSFT"), (38, 100), (44, "1.5")]
        assert encode(fields) == sf_encode(fields)

    def test_big_tags_and_long_messages(self):
        fields = [(35, "n"), (20001, "x" * 5000), (9999, "y"), (123456, "z")]
        raw = encode(fields)
        assert raw == sf_encode(fields)
        assert parse_one(raw).get(123456) == b"z"

    def test_iterables_accepted(self):
        assert encode(iter(HB)) == encode(HB) == encode(tuple(HB))

    def test_encode_fields(self):
        fields = [(8, "x"), (35, "D"), (10, 5), (55, b"AAPL"), (54, Side.BUY), (44, Decimal("1.5")), (4, True)]
        assert encode_fields(fields) == wire("8=x|35=D|10=5|55=AAPL|54=1|44=1.5|4=Y|")
        assert encode_fields([(1, "a"), (2, "b")]) == wire("1=a|2=b|")
        assert encode_fields([(1, b"a"), (20000, 7)]) == wire("1=a|20000=7|")
        assert encode_fields(iter([(1, "a")])) == wire("1=a|")
        assert encode_fields([]) == b""

    def test_frame(self):
        raw = frame(b"35=0\x0149=A\x01")
        assert raw == b"8=FIX.4.4\x019=10\x0135=0\x0149=A\x01" + b"10=" + checksum(raw[:-7]) + SOH
        assert frame(b"35=0\x01", b"FIX.4.2").startswith(b"8=FIX.4.2\x019=5\x01")

    def test_to_bytes(self):
        assert to_bytes(b"a") == b"a"
        assert to_bytes("\xe9") == b"\xe9"
        assert to_bytes(-3) == b"-3"
        assert to_bytes(Decimal("1.10")) == b"1.10"
        assert to_bytes(1e20) == b"100000000000000000000"

    @pytest.mark.parametrize("size", [*range(250, 262), *range(506, 518), 1500])
    def test_checksum_around_the_chunk_sizes(self, size):
        # The byte sum is taken by Adler-32 over 256-byte chunks: check the edges.
        pad = size - len(encode([(35, "0"), (58, "")]))
        pad -= len(encode([(35, "0"), (58, "x" * pad)])) - size  # BodyLength's own digits grow
        for fields in ([(35, "0"), (58, "\xff" * pad)], [(35, "0"), (58, b"\xfe" * pad)]):
            raw = encode(fields)
            assert len(raw) == size
            assert raw[-4:-1] == b"%03d" % (sum(raw[:-7]) % 256)
            assert parse_one(raw).fields[-2] == (58, fields[1][1] if isinstance(fields[1][1], bytes)
                                                  else fields[1][1].encode("latin-1"))

    def test_checksum(self):
        data = bytes(range(256)) * 5
        assert checksum(data) == b"%03d" % (sum(data) % 256)
        assert checksum(b"") == b"000"
        assert checksum(b"\xff" * 257) == b"%03d" % ((255 * 257) % 256)


class TestEncodeRaw:
    def test_computes_9_and_10_when_absent(self):
        raw = encode_raw([(8, "FIX.4.4"), (35, "0"), (49, "A"), (56, "B"), (34, 1), (52, "x")])
        assert raw == encode([(35, "0"), (49, "A"), (56, "B"), (34, 1), (52, "x")])

    def test_keeps_order_and_given_values(self):
        raw = encode_raw([(8, "FIX.4.4"), (9, 5), (34, 1), (35, "0"), (10, "123")])
        assert raw == wire("8=FIX.4.4|9=5|34=1|35=0|10=123|")

    def test_overrides(self):
        raw = encode_raw([(8, "FIX.4.4"), (35, "0"), (34, 1)], body_length=3, check_sum=b"007")
        assert raw == wire("8=FIX.4.4|9=3|35=0|34=1|10=007|")

    def test_ten_not_last_and_computed_in_place(self):
        raw = encode_raw([(8, "FIX.4.4"), (9, None), (35, "0"), (34, 1), (10, None), (58, "x")])
        head = wire("8=FIX.4.4|9=10|35=0|34=1|")
        assert raw == head + b"10=" + checksum(head) + SOH + wire("58=x|")

    def test_bytes_tags_and_no_begin_string(self):
        raw = encode_raw([(b"35", "0"), ("34", 1)])
        assert raw.startswith(wire("9=10|35=0|34=1|10="))

    def test_simplefix_raw_agrees(self):
        fields = [(8, "FIX.4.4"), (9, "12"), (35, "0"), (34, "1"), (52, "x"), (10, "000")]
        m = simplefix.FixMessage()
        for t, v in fields:
            m.append_pair(t, v)
        assert encode_raw(fields) == m.encode(raw=True)


# ------------------------------------------------------------------- parsing
class TestParser:
    def test_one_message(self):
        raw = encode(NOS)
        [msg] = items(raw)
        assert isinstance(msg, Message)
        assert msg.raw == raw
        assert msg.msg_type == b"D"
        assert msg.fields == sf_parse(raw)

    @pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 4096])
    def test_any_chunking(self, chunk):
        stream = encode(NOS) + encode(HB) + encode(NOS)
        assert [m.raw for m in items(stream, chunk)] == [encode(NOS), encode(HB), encode(NOS)]

    def test_waits_for_more(self):
        raw = encode(NOS)
        p = FixParser()
        for cut in (1, 4, 5, 9, 12, 14, len(raw) - 1):
            p = FixParser()
            p.feed(raw[:cut])
            assert p.next_message() is None, cut
            assert p.buffered == cut
            p.feed(raw[cut:])
            assert p.next_message() == parse_one(raw)
            assert p.next_message() is None and p.buffered == 0

    def test_parses_simplefix_output(self):
        raw = sf_encode(NOS)
        assert parse_one(raw).fields == sf_parse(raw)

    def test_garbage_before_message(self):
        out = items(b"hello" + encode(HB))
        assert isinstance(out[0], Garbled) and out[0].data == b"hello"
        assert out[1] == parse_one(encode(HB))

    def test_bad_checksum_then_good_message(self):  # 3b
        good = encode(HB)
        bad = good[:-4] + (b"%03d" % ((int(good[-4:-1]) + 1) % 256)) + SOH
        out = items(bad + good)
        assert [type(x) for x in out] == [Garbled, Message]
        assert "CheckSum" in out[0].reason and out[0].data == bad
        assert out[1].raw == good

    @pytest.mark.parametrize("delta", [-3, -1, 1, 4])
    def test_body_length_wrong(self, delta):  # 2m
        fields = [(8, "FIX.4.4"), (35, "0"), (49, "A"), (56, "B"), (34, 2), (52, "20240102-13:45:01.123")]
        right = len(encode_raw(fields)) - len(b"8=FIX.4.4|9=39|".replace(b"|", SOH)) - 7
        bad = encode_raw(fields, body_length=right + delta)
        good = encode(HB)
        out = items(bad + good)
        assert isinstance(out[0], Garbled)
        assert out[-1].raw == good
        assert all(isinstance(x, Garbled) for x in out[:-1])

    def test_body_length_too_long_swallows_nothing_after_resync(self):
        bad = encode_raw([(8, "FIX.4.4"), (35, "0"), (34, 1)], body_length=30)
        good = encode(HB)
        out = items(bad + good + good)
        assert [x.raw for x in out if isinstance(x, Message)][-1] == good

    @pytest.mark.parametrize("fields", [
        [(8, "FIX.4.4"), (34, 1), (35, "0"), (49, "A")],          # 2t: 34 before 35
        [(8, "FIX.4.4"), (49, "A"), (35, "0")],
    ])
    def test_msg_type_not_third(self, fields):
        out = items(encode_raw(fields) + encode(HB))
        assert isinstance(out[0], Garbled) and "MsgType" in out[0].reason
        assert out[-1].raw == encode(HB)

    def test_msg_type_first(self):  # 2t: 35 first
        out = items(encode_raw([(35, "0"), (8, "FIX.4.4"), (34, 1)]) + encode(HB))
        assert isinstance(out[0], Garbled) and out[-1].raw == encode(HB)

    def test_body_length_not_second(self):
        out = items(encode_raw([(8, "FIX.4.4"), (35, "0"), (9, 4), (34, 1)]) + encode(HB))
        assert isinstance(out[0], Garbled) and out[-1].raw == encode(HB)

    @pytest.mark.parametrize("tail", [b"10=12\x01", b"10=0123\x01", b"10=1a3\x01", b"10=123", b"10=123x"])
    def test_checksum_not_three_digits(self, tail):  # 3e
        head = wire("8=FIX.4.4|9=5|35=0|")
        out = items(head + tail + encode(HB))
        assert isinstance(out[0], Garbled)
        assert out[-1].raw == encode(HB)

    def test_checksum_not_last(self):  # 3e
        bad = encode_raw([(8, "FIX.4.4"), (9, None), (35, "0"), (34, 1), (10, None), (58, "x")],
                         body_length=len(wire("35=0|34=1|10=000|58=x|")) - 7)
        out = items(bad + encode(HB))
        assert isinstance(out[0], Garbled)
        assert out[-1].raw == encode(HB)

    def test_body_must_end_at_a_field_boundary(self):
        # BodyLength one short of the SOH before 10=: "34=1" runs into "10=".
        body = b"35=0\x0134=1"
        head = b"8=FIX.4.4\x019=%d\x01" % len(body)
        bad = head + body + b"10=" + checksum(head + body) + SOH
        out = items(bad + encode(HB))
        assert isinstance(out[0], Garbled)
        assert out[-1].raw == encode(HB)

    @pytest.mark.parametrize("begin", [b"8=FIX.4.44\x01", b"8=FIX4.4\x01", b"8=FOO.4.4\x01", b"8=FIX.4.\x01"])
    def test_begin_string_malformed(self, begin):
        bad = begin + b"9=5\x0135=0\x0110=000\x01"
        out = items(bad + encode(HB))
        assert all(isinstance(x, Garbled) for x in out[:-1]) and out[-1].raw == encode(HB)

    def test_other_version_is_not_garbled(self):  # 2i is the session's business
        [msg] = items(encode(HB, b"FIX.4.2"))
        assert isinstance(msg, Message) and msg.get(8) == b"FIX.4.2"

    @pytest.mark.parametrize("digits", [b"", b"x", b"-5", b"1 2"])
    def test_body_length_not_a_number(self, digits):
        bad = b"8=FIX.4.4\x019=" + digits + b"\x0135=0\x0110=000\x01"
        out = items(bad + encode(HB))
        assert isinstance(out[0], Garbled) and out[-1].raw == encode(HB)

    @pytest.mark.parametrize("token", [b"abc", b"=x", b"5a=x", b"+5=x", b" 5=x", b"5 =x", b"1_0=x", b""])
    def test_malformed_token_inside_a_framed_message(self, token):  # 3c
        body = b"35=0\x01" + token + b"\x0134=1\x01"
        bad = frame(body)
        out = items(bad + encode(HB))
        assert [type(x) for x in out] == [Garbled, Message]
        assert out[0].data == bad

    def test_value_with_equals_and_negative_or_zero_tags(self):
        raw = frame(b"35=0\x0158=a=b==\x01-1=x\x010=y\x01034=7\x01")
        msg = parse_one(raw)
        assert msg.fields[2:-1] == [(35, b"0"), (58, b"a=b=="), (-1, b"x"), (0, b"y"), (34, b"7")]
        assert msg.get(-1) == b"x" and msg.get(34) == b"7"
        assert msg.fields == sf_parse(raw)

    def test_empty_values_parse(self):  # 14d is the dictionary's business
        msg = parse_one(frame(b"35=0\x0156=\x01112=\x01"))
        assert msg.get(56) == b"" and msg.get(112) == b""

    def test_max_message_size_immediately(self):
        p = FixParser(max_message_size=4096)
        p.feed(b"8=FIX.4.4\x019=104857600\x0135=D\x0149=A\x01")
        g = p.next_message()
        assert isinstance(g, Garbled) and g.too_large

    def test_max_message_size_boundary(self):
        raw = encode(NOS)
        [ok] = items(raw, max_size=len(raw))
        assert isinstance(ok, Message)
        [big] = items(raw, max_size=len(raw) - 1)
        assert isinstance(big, Garbled) and big.too_large

    def test_huge_digits_in_body_length(self):
        p = FixParser()
        p.feed(b"8=FIX.4.4\x019=99999999999999999999\x01")
        out = list(p)
        assert out and all(isinstance(x, Garbled) for x in out)

    def test_long_message_in_small_chunks(self):
        data = bytes(range(256)) * 4000
        raw = encode([(35, "n"), (95, len(data)), (96, data), (58, "end")])
        for chunk in (4096, 65536):
            [msg] = items(raw + encode(HB), chunk, max_size=2 << 20)[:1]
            assert msg.get(96) == data and msg.get(58) == b"end"

    def test_message_after_a_long_wait_is_complete(self):
        data = b"x" * 300_000
        raw = encode([(35, "n"), (58, data)])
        p = FixParser()
        p.feed(raw[:100])
        assert p.next_message() is None
        for i in range(100, len(raw), 1000):
            p.feed(raw[i : i + 1000])
            if i + 1000 < len(raw):
                assert p.buffered == i + 1000
        assert p.next_message().raw == raw
        assert p.buffered == 0

    def test_garbage_only(self):
        out = items(b"\x01\x01garbage 8=FI")
        assert all(isinstance(x, Garbled) for x in out)
        p = FixParser()
        p.feed(b"xx8=FI")
        assert isinstance(p.next_message(), Garbled)
        assert p.next_message() is None and p.buffered == 4

    def test_garbled_str(self):
        g = Garbled("why", b"8=FIX\x01")
        assert str(g) == "garbled (why): 8=FIX|"
        assert not g.too_large


class TestDataFields:
    def test_raw_data_with_soh_and_equals(self):
        data = b"a\x01b=c\x0110=000\x018=FIX.4.4\x01"
        fields = [(35, "A"), (98, 0), (108, 30), (95, len(data)), (96, data), (141, "Y")]
        raw = encode(fields)
        assert raw == sf_encode(fields)
        msg = parse_one(raw)
        assert msg.get(96) == data and msg.get(141) == b"Y"
        assert msg.fields == sf_parse(raw)

    def test_all_dictionary_data_fields_are_known(self):
        d = load_default()
        data_tags = {t for t, f in d.fields.items() if f.type == "DATA"}
        assert set(DATA_LENGTH_TAGS.values()) == data_tags
        for length, data in DATA_LENGTH_TAGS.items():
            assert d.fields[length].type == "LENGTH", length

    @pytest.mark.parametrize("length_tag", sorted(DATA_LENGTH_TAGS))
    def test_every_pair_reads_by_length(self, length_tag):
        data = b"x\x01y=1\x01"
        raw = encode([(35, "B"), (length_tag, len(data)), (DATA_LENGTH_TAGS[length_tag], data), (58, "t")])
        assert parse_one(raw).get(DATA_LENGTH_TAGS[length_tag]) == data

    @pytest.mark.parametrize("length", [3, 9, 100])
    def test_length_mismatch_is_garbled(self, length):
        raw = frame(b"35=A\x0195=%d\x0196=ab\x01cd\x0198=0\x01" % length)
        out = items(raw + encode(HB))
        assert isinstance(out[0], Garbled) and out[-1].raw == encode(HB)

    def test_data_without_soh_needs_no_length(self):
        assert parse_one(frame(b"35=A\x0196=plain\x01")).get(96) == b"plain"

    def test_length_applies_to_the_next_field_only(self):
        raw = frame(b"35=A\x0195=3\x0158=x\x0196=abc\x01")
        assert parse_one(raw).fields[2:-1] == [(35, b"A"), (95, b"3"), (58, b"x"), (96, b"abc")]

    def test_non_numeric_length_reads_data_to_soh(self):
        raw = frame(b"35=A\x0195=zz\x0196=abc\x01")
        assert parse_one(raw).get(96) == b"abc"

    def test_signature_in_trailer(self):
        raw = frame(b"35=0\x0193=3\x0189=a\x01b\x01")
        assert parse_one(raw).get(89) == b"a\x01b"


class TestMessage:
    def test_accessors(self):
        raw = frame(b"35=D\x0134=7\x01453=2\x01448=A\x01448=B\x0144=x\x01")
        msg = parse_one(raw)
        assert msg.get(448) == b"A"          # first occurrence
        assert [v for t, v in msg.fields if t == 448] == [b"A", b"B"]
        assert msg.get(1) is None and msg.get(1, b"d") == b"d"
        assert msg.get_str(448) == "A" and msg.get_str(1, "z") == "z"
        assert msg.get_int(34) == 7 and msg.get_int(44) is None and msg.get_int(44, -1) == -1
        assert msg.get_int(1, 5) == 5
        assert 448 in msg and 1 not in msg
        assert list(msg) == msg.fields
        assert msg.msg_type == b"D"
        assert printable(raw) in repr(msg)

    def test_equality_and_hash(self):
        a, b = parse_one(encode(HB)), parse_one(encode(HB))
        assert a == b and hash(a) == hash(b) and a != encode(HB)
        assert len({a, b}) == 1

    def test_build(self):
        msg = Message.build(HB)
        assert msg.raw == encode(HB) and msg.get(49) == b"A"
        assert Message.build(HB, b"FIX.4.2").get(8) == b"FIX.4.2"

    def test_constructed_from_fields(self):
        raw = encode(HB)
        fields = parse_one(raw).fields
        msg = Message(raw, list(fields))
        assert msg.fields == fields and msg.get(34) == b"2" and msg.msg_type == b"0"

    def test_parse_one_errors(self):
        raw = encode(HB)
        with pytest.raises(ValueError, match="incomplete"):
            parse_one(raw[:-1])
        with pytest.raises(ValueError, match="trailing"):
            parse_one(raw + b"8")
        with pytest.raises(ValueError, match="CheckSum"):
            parse_one(raw[:-2] + b"9\x01" if raw[-2:-1] != b"9" else raw[:-2] + b"8\x01")
