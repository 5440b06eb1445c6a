"""Dates and times as itb-trial/1 writes them."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialapp.interchange.iso_times import IsoFormatError, format_date, format_time, parse_date, parse_time


def test_parse_local_and_offset_times() -> None:
    assert parse_time("2026-11-02T09:05") == datetime(2026, 11, 2, 9, 5)
    assert parse_time("2026-11-02T09:05Z") == datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
    assert parse_time("2026-11-02T09:05+01:00").utcoffset() == timedelta(hours=1)
    assert parse_time("2026-11-02T09:05-05:30").utcoffset() == timedelta(hours=-5, minutes=-30)
    assert parse_time("2026-11-02T09:05+14:00").utcoffset() == timedelta(hours=14)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-11-02T09:05:00", "without seconds: write 2026-11-02T09:05"),
        ("2026-11-02T09:05:07.5+01:00", "write 2026-11-02T09:05+01:00"),
        ("2026-11-02 09:05", "put a T"),
        ("2026-11-02", "a time is needed"),
        ("2026-11-02T9:05", "YYYY-MM-DDTHH:MM"),
        ("2026-11-02T24:00", "not a real date and time"),
        ("2026-02-29T10:00", "not a real date and time"),
        ("2026-11-02T09:05+15:00", "-12:00 to +14:00"),
        ("2026-11-02T09:05+01:60", "not a real UTC offset"),
        ("2026-11-02T09:05+0100", "YYYY-MM-DDTHH:MM"),
        ("２０２６-11-02T09:05", "YYYY-MM-DDTHH:MM"),  # full-width digits
        ("2026-11-02t09:05", "YYYY-MM-DDTHH:MM"),
        ("", "YYYY-MM-DDTHH:MM"),
    ],
)
def test_bad_times(text: str, fragment: str) -> None:
    with pytest.raises(IsoFormatError) as info:
        parse_time(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("20261102", "YYYY-MM-DD"),
        ("2026-W45-1", "YYYY-MM-DD"),
        ("2026-11-2", "YYYY-MM-DD"),
        ("2026-02-29", "no such calendar date"),
        ("0000-01-01", "no such calendar date"),
        ("2026-11-02T09:00", "without a time"),
        ("٢٠٢٦-١١-٠٢", "YYYY-MM-DD"),  # Arabic-Indic digits
    ],
)
def test_bad_dates(text: str, fragment: str) -> None:
    with pytest.raises(IsoFormatError) as info:
        parse_date(text)
    assert fragment in str(info.value)


def test_format() -> None:
    assert format_date(date(2026, 1, 2)) == "2026-01-02"
    assert format_date(date(1, 1, 1)) == "0001-01-01"
    assert format_time(datetime(2026, 11, 2, 9, 5, 59, 999)) == "2026-11-02T09:05"
    assert format_time(datetime(2026, 11, 2, 9, 5, tzinfo=UTC)) == "2026-11-02T09:05Z"
    assert format_time(datetime(2026, 11, 2, 9, 5, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))) == (
        "2026-11-02T09:05-03:30"
    )


_OFFSETS = st.one_of(
    st.none(),
    st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)), _OFFSETS)
def test_time_round_trip(when: datetime, tz: timezone | None) -> None:
    value = when.replace(second=0, microsecond=0, tzinfo=tz)
    text = format_time(value)
    parsed = parse_time(text)
    assert parsed.replace(tzinfo=None) == value.replace(tzinfo=None)
    assert parsed.utcoffset() == value.utcoffset()
    assert format_time(parsed) == text


@given(st.dates())
def test_date_round_trip(day: date) -> None:
    assert parse_date(format_date(day)) == day


@given(st.text(max_size=30))
def test_parsers_raise_only_iso_format_error(text: str) -> None:
    for parse in (parse_date, parse_time):
        with contextlib.suppress(IsoFormatError):
            parse(text)
