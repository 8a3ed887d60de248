"""Dictionary validation, one row of FIX 4.4 Vol 2 test case 14 per test.

Each case names the SessionRejectReason (373) and the tag the Reject cites
(371), as in /work/shared/spec/fix44-session-tests.md sections 8, 10 and 12.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms_fix.fix.codec import FixParser, Message, encode_raw, parse_one
from oms_fix.fix import plan
from oms_fix.fix.dictionary import Dictionary, Invalid, Reason, load_default

D = load_default()
TS = "20240102-13:45:01.123"
HEAD = [(49, "CLIENT1"), (56, "OMS"), (34, 2), (52, TS)]
NOS_BODY = [(11, "ORD-1"), (21, "1"), (55, "AAPL"), (54, "1"), (60, TS), (38, "100"), (40, "2"), (44, "187.25"),
            (59, "0")]
ER_BODY = [(37, "O-1"), (11, "ORD-1"), (17, "E-1"), (150, "F"), (39, "1"), (55, "AAPL"), (54, "1"), (38, "100"),
           (32, "40"), (31, "187.25"), (151, "60"), (14, "40"), (6, "187.25"), (60, TS)]


def msg(msg_type: str, body, head=HEAD) -> Message:
    """Fields in exactly the order given, behind 8/9/35 (9 and 10 computed)."""
    return parse_one(encode_raw([(8, "FIX.4.4"), (35, msg_type), *head, *body]))


def check(m: Message) -> tuple[int, int | None] | None:
    bad = D.validate(m)
    return None if bad is None else (bad.reason, bad.tag)


def nos(*body):
    return msg("D", [*NOS_BODY, *body])


class TestValid:
    @pytest.mark.parametrize("msg_type,body", [
        ("D", NOS_BODY),
        ("8", ER_BODY),
        ("0", []),
        ("1", [(112, "T1")]),
        ("A", [(98, 0), (108, 30), (141, "Y")]),
        ("5", [(58, "bye")]),
        ("2", [(7, 1), (16, 0)]),
        ("4", [(123, "Y"), (36, 10)]),
        ("3", [(45, 3), (371, 55), (372, "D"), (373, 5), (58, "x")]),
    ])
    def test_accepts(self, msg_type, body):
        assert check(msg(msg_type, body)) is None

    def test_header_order_is_free(self):  # case 15: legal orders all accepted
        assert check(msg("0", [], head=[(52, TS), (34, 2), (56, "OMS"), (49, "CLIENT1")])) is None
        assert check(nos()) is None
        assert check(msg("D", list(reversed(NOS_BODY)))) is None

    def test_components_are_expanded(self):  # Instrument, OrderQtyData inside NewOrderSingle
        assert check(nos((48, "037833100"), (22, "1"), (167, "CS"), (200, "202412"))) is None

    def test_optional_header_fields(self):
        head = [*HEAD, (43, "Y"), (122, TS), (115, "X"), (128, "Y"), (97, "N")]
        assert check(msg("0", [], head=head)) is None

    def test_multiple_value_string(self):
        assert check(nos((18, "1 2 M"))) is None
        assert check(nos((18, "1 ZZ"))) == (Reason.VALUE_OUT_OF_RANGE, 18)
        assert check(nos((18, "1  2"))) == (Reason.VALUE_OUT_OF_RANGE, 18)

    def test_data_fields(self):
        data = "a\x01b=c"
        assert check(msg("A", [(98, 0), (108, 30), (95, len(data)), (96, data)])) is None

    def test_user_defined_strategy(self):
        assert check(nos((847, "1000"), (848, "duration_minutes=60;num_slices=12"), (849, "0.1"))) is None

    def test_admin_and_names(self):
        assert D.is_admin(b"A") and D.is_admin(b"0") and not D.is_admin(b"D") and not D.is_admin(b"ZZ")
        assert D.tag("ClOrdID") == 11
        assert D.begin_string == b"FIX.4.4"


class TestCase14:
    def test_invalid_msg_type(self):  # 2q
        assert check(msg("ZZ", [])) == (Reason.INVALID_MSGTYPE, 35)
        assert check(msg("*", [])) == (Reason.INVALID_MSGTYPE, 35)

    @pytest.mark.parametrize("tag", [999, 5000, 0, -1, 123456])
    def test_14a_undefined_tag(self, tag):
        assert check(nos((tag, "x"))) == (Reason.INVALID_TAG, tag)

    def test_14b_required_missing(self):
        assert check(msg("0", [], head=[(49, "C"), (56, "O"), (34, 2)])) == (Reason.REQUIRED_TAG_MISSING, 52)
        assert check(msg("0", [], head=[(49, "C"), (34, 2), (52, TS)])) == (Reason.REQUIRED_TAG_MISSING, 56)
        body = [f for f in NOS_BODY if f[0] != 11]
        assert check(msg("D", body)) == (Reason.REQUIRED_TAG_MISSING, 11)
        assert check(msg("1", [])) == (Reason.REQUIRED_TAG_MISSING, 112)
        assert check(msg("A", [(98, 0)])) == (Reason.REQUIRED_TAG_MISSING, 108)

    def test_14c_not_in_msg_type(self):
        assert check(msg("0", [(55, "AAPL")])) == (Reason.TAG_NOT_DEFINED_FOR_MSGTYPE, 55)
        assert check(nos((150, "F"))) == (Reason.TAG_NOT_DEFINED_FOR_MSGTYPE, 150)

    def test_14d_empty_value(self):
        assert check(msg("0", [], head=[(49, "C"), (56, ""), (34, 2), (52, TS)])) == (Reason.TAG_WITHOUT_VALUE, 56)
        assert check(msg("1", [(112, "")])) == (Reason.TAG_WITHOUT_VALUE, 112)
        assert check(nos((58, ""))) == (Reason.TAG_WITHOUT_VALUE, 58)

    @pytest.mark.parametrize("field", [(21, "4"), (54, "Z"), (167, "BOO"), (40, "Q"), (59, "9"), (847, "4")])
    def test_14e_value_out_of_range(self, field):
        body = [f for f in NOS_BODY if f[0] != field[0]] + [field]
        assert check(msg("D", body)) == (Reason.VALUE_OUT_OF_RANGE, field[0])

    @pytest.mark.parametrize("field", [
        (38, "ABC"), (38, "+200"), (38, "1e5"), (38, " 1"), (44, "1.2.3"), (60, "20240102-13:45:01.1"),
        (60, "20240230-13:45:01"), (60, "20241302-13:45:01"), (60, "20240102-24:00:00"), (60, "2024-01-02"),
        (54, "12"), (114, "y"), (110, "1,5"), (432, "20240230"),
    ])
    def test_14f_format(self, field):
        body = [f for f in NOS_BODY if f[0] != field[0]] + [field]
        assert check(msg("D", body)) == (Reason.INCORRECT_DATA_FORMAT, field[0])

    def test_14f_header_format(self):
        assert check(msg("0", [], head=[(49, "C"), (56, "O"), (34, 2), (52, "yesterday")])) \
            == (Reason.INCORRECT_DATA_FORMAT, 52)
        assert check(msg("0", [], head=[*HEAD, (43, "X")])) == (Reason.INCORRECT_DATA_FORMAT, 43)

    def test_14g_header_after_body(self):
        head = [(49, "C"), (56, "O"), (52, TS)]
        assert check(msg("D", [*NOS_BODY[:2], (34, 2), *NOS_BODY[2:]], head=head)) == (Reason.TAG_OUT_OF_ORDER, 34)

    def test_14g_body_after_trailer(self):
        m = parse_one(encode_raw([(8, "FIX.4.4"), (35, "0"), *HEAD, (93, 1), (89, "s"), (112, "x")]))
        assert check(m) == (Reason.TAG_OUT_OF_ORDER, 112)

    def test_14h_duplicate(self):
        assert check(nos((55, "MSFT"))) == (Reason.TAG_APPEARS_TWICE, 55)
        assert check(msg("0", [], head=[*HEAD, (49, "X")])) == (Reason.TAG_APPEARS_TWICE, 49)

    @pytest.mark.parametrize("count,entries", [(3, 2), (1, 2), (2, 0), (2, 1)])
    def test_14i_group_count(self, count, entries):
        group = [(386, count)] + [f for i in range(entries) for f in ((336, f"S{i}"), (625, "X"))]
        assert check(nos(*group)) == (Reason.INCORRECT_NUMINGROUP, 386)

    def test_x1_zero_count_without_entries(self):
        assert check(nos((386, 0))) is None
        assert check(nos((453, 0), (386, 0))) is None

    def test_groups_accepted(self):
        parties = [(453, 2), (448, "A"), (447, "D"), (452, 3), (448, "B"), (452, 1)]
        assert check(nos(*parties, (386, 1), (336, "X"))) is None

    def test_14j_entry_without_delimiter(self):
        assert check(nos((453, 1), (447, "D"), (448, "A"))) == (Reason.GROUP_FIELDS_OUT_OF_ORDER, 447)

    def test_14j_member_out_of_order(self):
        assert check(nos((453, 1), (448, "A"), (452, 3), (447, "D"))) == (Reason.GROUP_FIELDS_OUT_OF_ORDER, 447)

    def test_14j_member_twice_in_an_entry(self):
        assert check(nos((453, 1), (448, "A"), (447, "D"), (447, "D"))) == (Reason.GROUP_FIELDS_OUT_OF_ORDER, 447)

    def test_group_member_outside_its_group(self):
        assert check(nos((448, "A"))) == (Reason.TAG_NOT_DEFINED_FOR_MSGTYPE, 448)

    def test_group_count_format(self):
        assert check(nos((453, "x"), (448, "A"))) == (Reason.INCORRECT_DATA_FORMAT, 453)
        assert check(nos((453, "-1"))) == (Reason.INCORRECT_DATA_FORMAT, 453)
        assert check(nos((453, ""))) == (Reason.TAG_WITHOUT_VALUE, 453)

    def test_value_checks_inside_groups(self):
        assert check(nos((453, 1), (448, "A"), (447, "?"))) == (Reason.VALUE_OUT_OF_RANGE, 447)
        assert check(nos((453, 1), (448, ""))) == (Reason.TAG_WITHOUT_VALUE, 448)
        assert check(nos((453, 1), (448, "A"), (452, "x"))) == (Reason.INCORRECT_DATA_FORMAT, 452)

    def test_unknown_tag_inside_a_group(self):
        assert check(nos((453, 1), (448, "A"), (9999, "x"))) == (Reason.INVALID_TAG, 9999)

    def test_nested_groups(self):
        sub = [(453, 1), (448, "A"), (447, "D"), (452, 3), (802, 2), (523, "S1"), (803, 1), (523, "S2")]
        assert check(nos(*sub)) is None
        wrong = [(453, 1), (448, "A"), (802, 2), (523, "S1")]
        assert check(nos(*wrong)) == (Reason.INCORRECT_NUMINGROUP, 802)
        order = [(453, 1), (448, "A"), (802, 1), (803, 1), (523, "S1")]
        assert check(nos(*order)) == (Reason.GROUP_FIELDS_OUT_OF_ORDER, 803)
        # The outer entry resumes after the inner group ends: 452 is out of the outer order.
        back = [(453, 1), (448, "A"), (802, 1), (523, "S1"), (452, 3)]
        assert check(nos(*back)) == (Reason.GROUP_FIELDS_OUT_OF_ORDER, 452)

    def test_header_group_no_hops(self):
        hops = [(627, 2), (628, "X"), (629, TS), (630, 5), (628, "Y")]
        assert check(msg("0", [], head=[*HEAD, *hops])) is None
        assert check(msg("0", [], head=[*HEAD, (627, 1), (628, "X"), (628, "Y")])) \
            == (Reason.INCORRECT_NUMINGROUP, 627)
        assert check(msg("0", [], head=[*HEAD, (627, 1), (628, "X"), (629, "bad")])) \
            == (Reason.INCORRECT_DATA_FORMAT, 629)
        # NoHops is a header group: after the body it is misplaced.
        assert check(msg("1", [(112, "T"), (627, 1), (628, "X")])) == (Reason.TAG_OUT_OF_ORDER, 627)

    def test_required_member_in_a_group(self):
        orders = [(73, 2), (11, "A"), (67, 1), (55, "X"), (54, "1"), (11, "B"), (55, "Y"), (54, "2")]
        m = msg("E", [(66, "L1"), (394, 3), (68, 2), *orders])
        assert check(m) == (Reason.REQUIRED_TAG_MISSING, 67)
        orders[6:6] = [(67, 2)]
        assert check(msg("E", [(66, "L1"), (394, 3), (68, 2), *orders])) is None

    def test_required_group_missing(self):
        assert check(msg("E", [(66, "L1"), (394, 3), (68, 2)])) == (Reason.REQUIRED_TAG_MISSING, 73)


class TestLoading:
    def test_default_is_cached_and_loads_explicitly(self):
        assert load_default() is D
        other = Dictionary.load()
        assert set(other.messages) == set(D.messages)
        assert check(nos()) is None and other.validate(nos()) is None

    def test_invalid_is_a_value(self):
        bad = D.validate(nos((55, "X")))
        assert bad == Invalid(Reason.TAG_APPEARS_TWICE, 55, bad.text) and "55" in bad.text


# ------------------------------------------------- never raises, any message
_KNOWN = sorted(D.fields)


def _frame_or_none(fields) -> Message | None:
    p = FixParser()
    p.feed(encode_raw(fields))
    item = p.next_message()
    return item if isinstance(item, Message) else None


_VALUES = st.sampled_from([b"", b"1", b"0", b"-1", b"Y", b"N", b"abc", b"1.5", b"2", b"3", b"20240102-13:45:01",
                           TS.encode(), b"20240102", b"202401", b"x y", b"1 2"])
_FIELD = st.tuples(st.one_of(st.sampled_from(_KNOWN), st.integers(-3, 12000)), _VALUES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msg_type=st.sampled_from([b"D", b"8", b"0", b"A", b"E", b"V", b"W", b"ZZ"]),
       body=st.lists(_FIELD, max_size=30))
def test_validate_never_raises(msg_type, body):
    m = _frame_or_none([(8, b"FIX.4.4"), (35, msg_type), *HEAD, *body])
    if m is None:
        return  # a data length that does not fit is the codec's business (garbled)
    bad = D.validate(m)
    assert bad is None or isinstance(bad, Invalid)
    assert D.validate(m) == bad  # caches never change the answer


_B = [(8, b"FIX.4.4"), (35, b"D"), *[(t, str(v).encode()) for t, v in HEAD]]
TEMPLATES = [
    [(8, b"FIX.4.4"), (35, b"8"), *[(t, str(v).encode()) for t, v in [*HEAD, *ER_BODY]]],
    [*_B, *[(t, str(v).encode()) for t, v in NOS_BODY], (453, b"2"), (448, b"A"), (447, b"D"), (452, b"3"),
     (802, b"1"), (523, b"S"), (803, b"1"), (448, b"B"), (386, b"1"), (336, b"X"), (18, b"1 2")],
    [(8, b"FIX.4.4"), (35, b"0"), *[(t, str(v).encode()) for t, v in HEAD], (627, b"1"), (628, b"H"),
     (629, TS.encode()), (112, b"T")],
    [(8, b"FIX.4.4"), (35, b"A"), *[(t, str(v).encode()) for t, v in HEAD], (98, b"0"), (108, b"30"),
     (95, b"3"), (96, b"a\x01="), (384, b"1"), (372, b"D"), (385, b"R")],
]


# Plans check by format until a shape has been seen plan._WHOLE_AFTER times, then by one
# pattern of their own; this dictionary's plans take theirs at once, so both ways are tried.
D_WHOLE = Dictionary.load()


@pytest.mark.parametrize("whole_after", [plan._WHOLE_AFTER, 1])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_plans_answer_as_the_reference_walk(data, whole_after):
    """Whatever a cached plan passes, the full walk passes; what it doesn't, the walk names."""
    saved, plan._WHOLE_AFTER = plan._WHOLE_AFTER, whole_after
    try:
        _plans_answer_as_the_reference_walk(data, D if whole_after == saved else D_WHOLE)
    finally:
        plan._WHOLE_AFTER = saved


def _plans_answer_as_the_reference_walk(data, d: Dictionary) -> None:
    base = data.draw(st.sampled_from(TEMPLATES))
    m = _frame_or_none(base)
    assert m is not None and d.validate(m) is None and d._validate_walk(m) is None
    fields = list(base)
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(st.sampled_from(["value", "value", "value", "drop", "dup", "swap", "insert"]))
        i = data.draw(st.integers(2, len(fields) - 1))
        if op == "value":  # same shape: the plan decides
            fields[i] = (fields[i][0], data.draw(_VALUES))
        elif op == "drop" and len(fields) > 3:
            del fields[i]
        elif op == "dup":
            fields.insert(data.draw(st.integers(2, len(fields))), fields[i])
        elif op == "swap":
            j = data.draw(st.integers(2, len(fields) - 1))
            fields[i], fields[j] = fields[j], fields[i]
        else:
            fields.insert(i, data.draw(_FIELD))
    m = _frame_or_none(fields)
    if m is not None:
        assert d.validate(m) == d._validate_walk(m)
        assert d.validate(m) == d._validate_walk(m)  # once more, now that a plan may exist
