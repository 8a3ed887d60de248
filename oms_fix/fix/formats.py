"""FIX 4.4 value formats as regular expressions, one source per type.

Each source serves twice: anchored, to check one value; and repeated with
SOH between, to check every value of that type in a message with one match
(a non-data value never holds SOH, so SOH cannot hide inside a value).
"""

from __future__ import annotations

import re
from typing import Callable

__all__ = ["FORMAT_SOURCES", "value_check", "batch_check"]

# Unsigned counts, lengths and sequence numbers stay below 19 digits, so that
# they convert to int without hitting Python's digit limit.
_UINT = rb"[0-9]{1,18}"
_INT = rb"-?[0-9]+"
# 1, 1., 1.5, .5 and their negatives; the lookahead asks for a digit, and
# possessive repeats spare the engine any backtracking.
_FLOAT = rb"-?(?=\.?[0-9])[0-9]*+(?:\.[0-9]*+)?+"
# A calendar date, days per month and leap years included (Gregorian: every
# 4th year, not centuries, but every 4th century).
# Days 1-28 exist in every month and are tried first: the usual date matches
# the first alternative; only the 29th to the 31st look at the month.
_DAY_ANY = rb"(?:0[1-9]|1[0-2])(?:0[1-9]|1[0-9]|2[0-8])"
_DAY29_30 = rb"(?:0[13-9]|1[0-2])(?:29|30)"
_DAY31 = rb"(?:0[13578]|1[02])31"
_LEAP_YEAR = rb"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DATE = rb"(?:[0-9]{4}(?:" + _DAY_ANY + rb"|" + _DAY29_30 + rb"|" + _DAY31 + rb")|" + _LEAP_YEAR + rb"0229)"
# 60 is a leap second. FIX 4.4 writes milliseconds; later versions micro- and
# nanoseconds, which peers send on 4.4 sessions too.
_TIME = rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{3,9})?"

FORMAT_SOURCES: dict[str, bytes] = {
    "INT": _INT,
    "LENGTH": _UINT,
    "SEQNUM": _UINT,
    "NUMINGROUP": _UINT,
    "DAYOFMONTH": rb"(?:0?[1-9]|[12][0-9]|3[01])",
    "FLOAT": _FLOAT,
    "QTY": _FLOAT,
    "PRICE": _FLOAT,
    "PRICEOFFSET": _FLOAT,
    "AMT": _FLOAT,
    "PERCENTAGE": _FLOAT,
    "UTCTIMESTAMP": _DATE + rb"-" + _TIME,
    "UTCTIMEONLY": _TIME,
    "UTCDATEONLY": _DATE,
    "UTCDATE": _DATE,
    "LOCALMKTDATE": _DATE,
    "MONTHYEAR": rb"[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]|w[1-5])?",
    "BOOLEAN": rb"[YN]",
    "CHAR": rb"[^\x01]",
}


def value_check(fix_type: str) -> Callable[[bytes], bool] | None:
    """Does one value have the format of `fix_type`? None: any text goes."""
    source = FORMAT_SOURCES.get(fix_type)
    if source is None:
        return None
    match = re.compile(rb"(?:" + source + rb")\Z").match
    return lambda v: match(v) is not None


def batch_check(source: bytes) -> re.Pattern[bytes]:
    """Matches values of one format (a FORMAT_SOURCES value) joined by SOH, all of them or none."""
    one = rb"(?:" + source + rb")"
    return re.compile(one + rb"(?:\x01" + one + rb")*\Z")
