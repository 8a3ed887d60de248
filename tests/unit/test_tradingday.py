"""Naming the trading day and finding the next roll."""

from __future__ import annotations

from datetime import datetime, timezone

from oms_fix.live.tradingday import trading_day_roll


def ns(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc).timestamp()) * 10**9


def test_a_midnight_roll_names_the_utc_date():
    roll = trading_day_roll("00:00")
    assert roll.day_of(ns("2026-01-05 23:59")) == "2026-01-05"
    assert roll.day_of(ns("2026-01-06 00:00")) == "2026-01-06"
    assert roll.next_roll(ns("2026-01-05 10:00")) == ns("2026-01-06 00:00")
    assert roll.next_roll(ns("2026-01-06 00:00")) == ns("2026-01-07 00:00")


def test_an_evening_roll_names_the_day_by_the_date_it_ends_on():
    roll = trading_day_roll("21:00")
    assert roll.day_of(ns("2026-01-05 20:59")) == "2026-01-05"
    assert roll.day_of(ns("2026-01-05 21:00")) == "2026-01-06"
    assert roll.day_of(ns("2026-01-06 03:00")) == "2026-01-06"
    assert roll.next_roll(ns("2026-01-05 20:00")) == ns("2026-01-05 21:00")
    assert roll.next_roll(ns("2026-01-05 21:30")) == ns("2026-01-06 21:00")
