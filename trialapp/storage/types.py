"""Column types that store clinical times and dates exactly as recorded, portably.

Times are stored as ISO 8601 text: naive local wall-clock times stay naive, times recorded with an
offset keep it. Text compares correctly within one convention, survives every database, and an export
gives back exactly what was imported.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def format_datetime(value: datetime) -> str:
    """Canonical text: minutes always; seconds and microseconds only when present; offset when aware."""
    if value.microsecond:
        text = value.isoformat(timespec="microseconds")
    elif value.second:
        text = value.isoformat(timespec="seconds")
    else:
        text = value.isoformat(timespec="minutes")
    return text


class IsoDateTime(TypeDecorator[datetime]):
    """A datetime kept as ISO 8601 text (naive or with offset)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        return format_datetime(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(str(value))


class IsoDate(TypeDecorator[date]):
    """A date kept as ``YYYY-MM-DD`` text."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(f"expected a date, got {type(value).__name__}")
        return value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        if value is None:
            return None
        return date.fromisoformat(str(value))
