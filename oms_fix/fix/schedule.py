"""Session schedules: the daily (or weekly) window in which a FIX session runs.

A FIX session spans one window: sequence numbers start at 1 when a new window
begins (FIX 4.4 Vol 2, "FIX session" — typically daily), logons outside the
window are refused, and a session still logged on at its end is logged out.
Times are UTC; pure arithmetic on the `now` passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .utctime import NS

__all__ = ["Schedule", "parse_time_of_day"]

_DAY = 86_400 * NS
_WEEK = 7 * _DAY
# 1970-01-01 was a Thursday; Monday=0 .. Sunday=6 as in datetime.weekday().
_EPOCH_WEEKDAY = 3
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_TOD = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\Z")


def parse_time_of_day(text: str) -> int:
    """"HH:MM[:SS]" as ns after midnight; ValueError names what is wrong."""
    m = _TOD.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a time of day HH:MM[:SS]")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise ValueError(f"{text!r} is not a time of day HH:MM[:SS]")
    return (h * 3600 + mi * 60 + s) * NS


@dataclass(frozen=True, slots=True)
class Schedule:
    """A window from `start` to `end` (ns after midnight UTC) on the given weekdays.

    `end <= start` means the window crosses midnight (e.g. 22:00 to 21:55).
    `start == end` is a full 24-hour window that still begins a new sequence
    each day at `start`. With `weekly`, one window runs from `start` on the
    first of two `days` to `end` on the second (e.g. Sunday 22:00 to Friday 21:00).
    """

    start: int
    end: int
    days: frozenset[int] = frozenset(range(7))
    weekly: bool = False
    # Weekly windows: from `start` on first_day to `end` on last_day (Monday=0).
    first_day: int = 0
    last_day: int = 6

    @classmethod
    def parse(cls, start: str, end: str, days: list[str] | None = None, weekly: bool = False) -> "Schedule":
        order = list(range(7))
        if days:
            try:
                order = [_DAYS[x.strip().lower()[:3]] for x in days]
            except KeyError as e:
                raise ValueError(f"unknown weekday {e.args[0]!r}; use mon..sun") from None
        if weekly and len(order) != 2:
            raise ValueError("a weekly schedule names two days: the first and the last, e.g. [sun, fri]")
        return cls(parse_time_of_day(start), parse_time_of_day(end), frozenset(order), weekly,
                   order[0], order[-1])

    def _length(self) -> int:
        if self.weekly:
            span = ((self.last_day - self.first_day) % 7) * _DAY + self.end - self.start
            return span if span > 0 else span + _WEEK
        span = self.end - self.start
        return span if span > 0 else span + _DAY

    def window_start(self, now: int) -> int | None:
        """The start of the window `now` falls in, or None outside every window."""
        length = self._length()
        if self.weekly:
            week_start = _week_start(now)
            for offset in (0, -_WEEK):
                begin = week_start + offset + self.first_day * _DAY + self.start
                if begin <= now < begin + length:
                    return begin
            return None
        day = now - now % _DAY
        for begin in (day + self.start, day - _DAY + self.start):
            if begin <= now < begin + length and _weekday(begin) in self.days:
                return begin
        return None

    def window_end(self, now: int) -> int | None:
        begin = self.window_start(now)
        return None if begin is None else begin + self._length()

    def next_start(self, now: int) -> int:
        """The start of the next window at or after `now`."""
        if self.weekly:
            begin = _week_start(now) + self.first_day * _DAY + self.start
            return begin if begin >= now else begin + _WEEK
        day = now - now % _DAY
        for k in range(8):
            begin = day + k * _DAY + self.start
            if begin >= now and _weekday(begin) in self.days:
                return begin
        raise ValueError("a schedule without days never starts")

    def contains(self, now: int) -> bool:
        return self.window_start(now) is not None


def _weekday(t: int) -> int:
    return (t // _DAY + _EPOCH_WEEKDAY) % 7


def _week_start(t: int) -> int:
    day = t - t % _DAY
    return day - _weekday(t) * _DAY
