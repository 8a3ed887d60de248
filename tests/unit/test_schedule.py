"""Session schedule windows: daily, across midnight, weekdays, weekly."""

from __future__ import annotations

import calendar

import pytest

from oms_fix.fix.schedule import Schedule, parse_time_of_day
from oms_fix.fix.utctime import NS


def at(text: str) -> int:
    """'2024-03-01 09:00' (a Friday) as ns UTC."""
    date, time = text.split()
    y, m, d = map(int, date.split("-"))
    hh, mm = map(int, time.split(":"))
    return calendar.timegm((y, m, d, hh, mm, 0)) * NS


def test_parse_time_of_day() -> None:
    assert parse_time_of_day("07:30") == (7 * 3600 + 30 * 60) * NS
    assert parse_time_of_day("23:59:59") == (23 * 3600 + 59 * 60 + 59) * NS
    for bad in ("24:00", "7h", "12:60", ""):
        with pytest.raises(ValueError, match="time of day"):
            parse_time_of_day(bad)


def test_daily_window() -> None:
    s = Schedule.parse("08:00", "17:00")
    assert not s.contains(at("2024-03-01 07:59"))
    assert s.window_start(at("2024-03-01 09:00")) == at("2024-03-01 08:00")
    assert s.window_end(at("2024-03-01 09:00")) == at("2024-03-01 17:00")
    assert not s.contains(at("2024-03-01 17:00"))
    assert s.next_start(at("2024-03-01 17:30")) == at("2024-03-02 08:00")


def test_window_across_midnight() -> None:
    s = Schedule.parse("22:00", "21:00")
    assert s.window_start(at("2024-03-02 03:00")) == at("2024-03-01 22:00")
    assert s.window_start(at("2024-03-01 23:00")) == at("2024-03-01 22:00")
    assert not s.contains(at("2024-03-01 21:30"))


def test_full_day_window_still_begins_each_day() -> None:
    s = Schedule.parse("00:00", "00:00")
    assert s.window_start(at("2024-03-01 12:00")) == at("2024-03-01 00:00")
    assert s.window_end(at("2024-03-01 12:00")) == at("2024-03-02 00:00")


def test_weekdays_only() -> None:
    s = Schedule.parse("08:00", "17:00", ["mon", "tue", "wed", "thu", "fri"])
    assert s.contains(at("2024-03-01 09:00"))        # Friday
    assert not s.contains(at("2024-03-02 09:00"))    # Saturday
    assert s.next_start(at("2024-03-01 18:00")) == at("2024-03-04 08:00")  # Monday


def test_weekly_window() -> None:
    s = Schedule.parse("22:00", "21:00", ["sun", "fri"], weekly=True)
    assert s.window_start(at("2024-03-05 12:00")) == at("2024-03-03 22:00")  # Tuesday in the Sunday week
    assert not s.contains(at("2024-03-02 12:00"))  # Saturday
    assert s.window_end(at("2024-03-05 12:00")) == at("2024-03-08 21:00")


def test_bad_days_named() -> None:
    with pytest.raises(ValueError, match="unknown weekday 'xyz'"):
        Schedule.parse("08:00", "17:00", ["xyz"])
