"""Dates and times as the interchange format ``itb-trial/1`` writes them.

- A date is ``YYYY-MM-DD``.
- A time is ``YYYY-MM-DDTHH:MM`` (local wall-clock time) or the same followed by an offset, ``Z`` or
  ``±HH:MM``. Minutes are the finest unit: seconds are not part of the format.

Only ASCII digits are accepted (Python's ``\\d`` would also match other scripts' digits), and Python's
own, more lenient ``fromisoformat`` is not used for parsing, so ``20261102`` or ``2026-W45`` never
slip through.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# One way to write dates and times, shared with the record rules' messages.
from trialapp.domain.value_rules import format_date as format_date
from trialapp.domain.value_rules import format_time as format_time

__all__ = [
    "IsoFormatError",
    "format_date",
    "format_time",
    "parse_date",
    "parse_time",
]

_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_TIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))?",
    re.ASCII,
)
_SECONDS_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}):[0-9]{2}(?:\.[0-9]+)?((?:Z|[+-][0-9]{2}:[0-9]{2})?)",
    re.ASCII,
)
_SPACE_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}.*)", re.ASCII)

# Real-world UTC offsets run from −12:00 to +14:00.
_MAX_OFFSET = timedelta(hours=14)

_DATE_EXAMPLE = "2026-11-02"
_TIME_EXAMPLE = "2026-11-02T09:05"


class IsoFormatError(ValueError):
    """A text that is not a date or time as the format writes them; the message says how to write it."""


def parse_date(text: str) -> date:
    """Parse ``YYYY-MM-DD`` into a :class:`date`; anything else raises :class:`IsoFormatError`."""
    match = _DATE_RE.fullmatch(text)
    if match is None:
        if _TIME_RE.fullmatch(text) or _SECONDS_RE.fullmatch(text):
            raise IsoFormatError(f"write a date without a time, as YYYY-MM-DD (e.g. {text[:10]})")
        raise IsoFormatError(f"write the date as YYYY-MM-DD (e.g. {_DATE_EXAMPLE})")
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise IsoFormatError(f"there is no such calendar date as {text}; check the month and day") from None


def parse_time(text: str) -> datetime:
    """Parse a format time into a :class:`datetime`.

    ``YYYY-MM-DDTHH:MM`` gives a naive (local) datetime; with ``Z`` or ``±HH:MM`` it gives an aware one.
    Seconds, a space instead of ``T``, or a bare date raise :class:`IsoFormatError` with a hint.
    """
    match = _TIME_RE.fullmatch(text)
    if match is None:
        seconds = _SECONDS_RE.fullmatch(text)
        if seconds is not None:
            raise IsoFormatError(
                f"times are recorded to the minute, without seconds: write {seconds.group(1)}{seconds.group(2)}"
            )
        spaced = _SPACE_RE.fullmatch(text)
        if spaced is not None:
            raise IsoFormatError(
                f"put a T between the date and the time: write {spaced.group(1)}T{spaced.group(2)}"
            )
        if _DATE_RE.fullmatch(text):
            raise IsoFormatError(f"a time is needed, not only a date: write e.g. {text}T09:05")
        raise IsoFormatError(
            f"write the time as YYYY-MM-DDTHH:MM (e.g. {_TIME_EXAMPLE}), optionally followed by an offset "
            "such as +01:00 or Z"
        )
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    zulu, sign, off_h, off_m = match.groups()[5:]
    try:
        when = datetime(year, month, day, hour, minute)
    except ValueError:
        raise IsoFormatError(
            f"{text} is not a real date and time; check the month, day, hour (00-23) and minute (00-59)"
        ) from None
    if zulu:
        return when.replace(tzinfo=UTC)
    if sign is None:
        return when
    hours, minutes = int(off_h), int(off_m)
    offset = timedelta(hours=hours, minutes=minutes)
    if minutes >= 60 or offset > _MAX_OFFSET:
        raise IsoFormatError(
            f"the offset {sign}{off_h}:{off_m} is not a real UTC offset; use -12:00 to +14:00 (minutes 00-59)"
        )
    return when.replace(tzinfo=timezone(-offset if sign == "-" else offset))
