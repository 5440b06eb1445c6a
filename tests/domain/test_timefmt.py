"""Dates and times in messages are written as people read them, never as ISO text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from trialapp.domain.timefmt import reading_date, reading_time


def test_a_date_has_the_months_name() -> None:
    assert reading_date(date(2026, 12, 7)) == "07 Dec 2026"
    assert reading_date(date(2027, 1, 31)) == "31 Jan 2027"


def test_a_time_is_to_the_minute_on_the_24_hour_clock() -> None:
    assert reading_time(datetime(2026, 12, 7, 6, 38, 59)) == "07 Dec 2026 06:38"
    assert reading_time(datetime(2026, 12, 7, 18, 5)) == "07 Dec 2026 18:05"


def test_an_aware_time_names_its_offset() -> None:
    assert reading_time(datetime(2026, 12, 7, 6, 38, tzinfo=UTC)) == "07 Dec 2026 06:38 UTC"
    plus_one = timezone(timedelta(hours=1))
    assert reading_time(datetime(2026, 12, 7, 6, 38, tzinfo=plus_one)) == "07 Dec 2026 06:38 UTC+01:00"
    minus = timezone(-timedelta(hours=3, minutes=30))
    assert reading_time(datetime(2026, 12, 7, 6, 38, tzinfo=minus)) == "07 Dec 2026 06:38 UTC-03:30"
