"""Dates and times as a person reads them in a message: "07 Dec 2026", "07 Dec 2026 06:38".

Records and files write ISO 8601 ("2026-12-07T06:38", :func:`trialapp.domain.value_rules.format_time`);
a message about a value writes it as the rest of the app shows dates (day, month's name, year: the same in
every locale, never mistaken for a US or European numeric date) and the time on the 24-hour clock.

Pure Python: no locale settings are read, so a message reads the same on every laptop and in every test.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from trialapp.domain.value_rules import utc_offset

__all__ = ["reading_date", "reading_time"]

_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reading_date(value: date) -> str:
    """A date as the app shows it: ``07 Dec 2026``."""
    return f"{value.day:02d} {_MONTHS[value.month - 1]} {value.year:04d}"


def reading_time(value: datetime) -> str:
    """A time to the minute as the app shows it: ``07 Dec 2026 06:38``; an aware time adds its offset
    (``07 Dec 2026 06:38 UTC``, ``07 Dec 2026 06:38 UTC+01:00``)."""
    text = f"{reading_date(value.date())} {value.hour:02d}:{value.minute:02d}"
    offset = utc_offset(value)
    return text if offset is None else f"{text} UTC{offset}"
