"""UTCTimestamp (YYYYMMDD-HH:MM:SS.sss) to and from integer nanoseconds.

Pure arithmetic on the value passed in; nothing here reads a clock. What was
written is cached (by millisecond, and the second-resolution prefix), since
consecutive messages share it.
"""

from __future__ import annotations

import re

__all__ = ["format_ns", "format_text", "parse_ns", "NS"]

NS = 1_000_000_000
_DAY_NS = 86_400 * NS

# (second, its text) of the last call, swapped in whole so that threads never see half.
_format_cache: list[tuple[int | None, bytes]] = [(None, b"")]
_parse_cache: dict[bytes, int] = {}
_TS = re.compile(rb"(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\Z")


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


# Timestamps already written, by millisecond. Messages come many to a millisecond, and
# the callers interleave a few clocks (a report's TransactTime, the SendingTime of the
# message carrying it), so a few recent milliseconds are kept, not only the last one.
_MS_CACHE_MAX = 1024
_ms_bytes: dict[int, bytes] = {}
_ms_text: dict[int, str] = {}


def format_ns(now_ns: int, precision: int = 3) -> bytes:
    """`now_ns` (ns since the Unix epoch, UTC) as a FIX UTCTimestamp."""
    if precision == 3:
        ms = now_ns // 1_000_000
        text = _ms_bytes.get(ms)
        if text is None:
            text = _format(now_ns, 3)
            if len(_ms_bytes) >= _MS_CACHE_MAX:
                _ms_bytes.clear()
            _ms_bytes[ms] = text
        return text
    return _format(now_ns, precision)


def format_text(now_ns: int, precision: int = 3) -> str:
    """`format_ns` as str, for callers that build text."""
    if precision == 3:
        ms = now_ns // 1_000_000
        text = _ms_text.get(ms)
        if text is None:
            text = format_ns(now_ns).decode("ascii")
            if len(_ms_text) >= _MS_CACHE_MAX:
                _ms_text.clear()
            _ms_text[ms] = text
        return text
    return _format(now_ns, precision).decode("ascii")


def _format(now_ns: int, precision: int) -> bytes:
    sec, frac = divmod(now_ns, NS)
    cached_sec, prefix = _format_cache[0]
    if cached_sec != sec:
        days, rem = divmod(sec, 86_400)
        y, m, d = _civil_from_days(days)
        hh, rem = divmod(rem, 3600)
        mm, ss = divmod(rem, 60)
        prefix = b"%04d%02d%02d-%02d:%02d:%02d" % (y, m, d, hh, mm, ss)
        _format_cache[0] = (sec, prefix)
    if precision == 0:
        return prefix
    if precision == 3:
        return prefix + b".%03d" % (frac // 1_000_000)
    if precision == 6:
        return prefix + b".%06d" % (frac // 1_000)
    return prefix + b".%09d" % frac


# (value, ns) of the last call, swapped in whole so that threads never see half.
_last_parsed: list[tuple[bytes, int | None]] = [(b"", None)]


def parse_ns(value: bytes) -> int | None:
    """A UTCTimestamp as ns since the epoch, or None if it is not one."""
    # Consecutive messages mostly carry the same SendingTime (many to a ms).
    last_value, last_ns = _last_parsed[0]
    if value == last_value and value:
        return last_ns
    ns = _parse(value)
    _last_parsed[0] = (value, ns)
    return ns


def _parse(value: bytes) -> int | None:
    head = value[:17]
    base = _parse_cache.get(head)
    if base is None:
        m = _TS.match(value)
        if m is None:
            return None
        y, mo, d, hh, mi, ss = (int(g) for g in m.groups()[:6])
        if not (1 <= mo <= 12 and 1 <= d <= _days_in_month(y, mo) and hh < 24 and mi < 60 and ss <= 60):
            return None  # 20240230 is no date, though each part is in range
        base = (_days_from_civil(y, mo, d) * 86_400 + hh * 3600 + mi * 60 + ss) * NS
        if len(_parse_cache) > 4096:
            _parse_cache.clear()
        _parse_cache[head] = base
    rest = value[17:]
    if not rest:
        return base
    if rest[:1] != b"." or not rest[1:].isdigit() or len(rest) > 10:
        return None
    digits = rest[1:]
    return base + int(digits) * 10 ** (9 - len(digits))
