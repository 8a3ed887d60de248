"""UTCTimestamp <-> integer nanoseconds, checked against the calendar module."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms_fix.fix.utctime import NS, format_ns, parse_ns


def ns_of(y, mo, d, h=0, mi=0, s=0, frac_ns=0) -> int:
    return calendar.timegm((y, mo, d, h, mi, s)) * NS + frac_ns


class TestFormat:
    def test_epoch(self):
        assert format_ns(0) == b"19700101-00:00:00.000"

    @pytest.mark.parametrize("precision,text", [
        (0, b"20240229-23:59:58"),
        (3, b"20240229-23:59:58.123"),
        (6, b"20240229-23:59:58.123456"),
        (9, b"20240229-23:59:58.123456789"),
    ])
    def test_precisions(self, precision, text):
        assert format_ns(ns_of(2024, 2, 29, 23, 59, 58, 123_456_789), precision) == text

    def test_truncates_not_rounds(self):
        assert format_ns(ns_of(2024, 1, 1, 0, 0, 0, 999_999_999)) == b"20240101-00:00:00.999"

    def test_cache_follows_the_second(self):
        a = ns_of(2024, 12, 31, 23, 59, 59, 500_000_000)
        assert format_ns(a) == b"20241231-23:59:59.500"
        assert format_ns(a + NS) == b"20250101-00:00:00.500"
        assert format_ns(a) == b"20241231-23:59:59.500"

    def test_before_the_epoch(self):
        assert format_ns(ns_of(1969, 12, 31, 23, 59, 59, 250_000_000)) == b"19691231-23:59:59.250"

    @given(st.integers(min_value=ns_of(1900, 1, 1), max_value=ns_of(2999, 12, 31, 23, 59, 59, NS - 1)))
    def test_agrees_with_datetime(self, ns):
        sec, frac = divmod(ns, NS)
        want = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=sec)
        assert format_ns(ns, 6) == (want.strftime("%Y%m%d-%H:%M:%S").encode() + b".%06d" % (frac // 1000))


class TestParse:
    @pytest.mark.parametrize("text,ns", [
        (b"20240102-13:45:01", ns_of(2024, 1, 2, 13, 45, 1)),
        (b"20240102-13:45:01.5", ns_of(2024, 1, 2, 13, 45, 1, 500_000_000)),
        (b"20240102-13:45:01.123", ns_of(2024, 1, 2, 13, 45, 1, 123_000_000)),
        (b"20240102-13:45:01.123456", ns_of(2024, 1, 2, 13, 45, 1, 123_456_000)),
        (b"20240102-13:45:01.123456789", ns_of(2024, 1, 2, 13, 45, 1, 123_456_789)),
        (b"20240229-00:00:00", ns_of(2024, 2, 29)),
        (b"20161231-23:59:60", ns_of(2016, 12, 31, 23, 59, 60)),  # a leap second is a legal value
    ])
    def test_valid(self, text, ns):
        assert parse_ns(text) == ns

    @pytest.mark.parametrize("text", [
        b"", b"2024", b"20240102", b"20240102-13:45", b"20240102 13:45:01", b"20241302-13:45:01",
        b"20240002-13:45:01", b"20240100-13:45:01", b"20240132-13:45:01", b"20230229-13:45:01",
        b"20240230-00:00:00", b"20240431-00:00:00", b"20240102-24:00:00", b"20240102-13:60:00",
        b"20240102-13:45:61", b"20240102-13:45:01.", b"20240102-13:45:01.1234567890",
        b"20240102-13:45:01.12a", b"20240102-13:45:01Z", b"20240102-13:45:01.123 ", b"2024010213:45:01.123",
        b"20240102-13:45:01+01", b"\xd9\xa220240102-13:45:01", b"2024\xd9\xa20102-13:45:01",
    ])
    def test_invalid_is_none(self, text):
        assert parse_ns(text) is None

    def test_cached_prefix_does_not_accept_a_bad_tail(self):
        assert parse_ns(b"20240102-13:45:01.123") is not None
        assert parse_ns(b"20240102-13:45:01.12x") is None
        assert parse_ns(b"20240102-13:45:01x") is None
        assert parse_ns(b"20240102-13:45:01") == ns_of(2024, 1, 2, 13, 45, 1)

    def test_a_bad_date_is_not_cached_as_good(self):
        assert parse_ns(b"20230229-13:45:01") is None
        assert parse_ns(b"20230229-13:45:01.000") is None

    @given(st.integers(min_value=0, max_value=ns_of(2999, 12, 31, 23, 59, 59, NS - 1)),
           st.sampled_from([0, 3, 6, 9]))
    def test_round_trip(self, ns, precision):
        step = 10 ** (9 - precision)
        assert parse_ns(format_ns(ns, precision)) == ns - ns % step
