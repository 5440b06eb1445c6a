"""Digests of the clinical records, so that `check` proves the records and not only the audit trail.

Every write transaction on SQLite notes the clinical rows it inserts, changes or deletes (temporary triggers of
the writing connection, invisible to any other connection and to the file, calling back into Python), and each
audit row then carries, in ``audit_log.record_digests``, a digest of each row noted since the previous audit row
as it now stands (None: deleted); rows written after a transaction's last audit row get a ``record_digests``
row of their own before the commit. The first digests of a database cover every clinical row. `check`
recomputes the digest of every current row and compares it with the latest one the trail holds: a value
edited, a row deleted or added behind the app's back is named, with the field where it can be told.

A digest is ``WHOLE:HINTS``: WHOLE is a BLAKE2b keyed with the audit key over the row's non-empty columns
(so a column added empty by a later migration changes nothing), HINTS one byte of CRC-32 per such column,
in column-name order, which only locates a change (the keyed WHOLE proves it).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

# table -> what a person calls one of its rows
CLINICAL_TABLES: dict[str, str] = {
    "patients": "patient",
    "trials": "trial",
    "goals": "goal",
    "trial_days": "trial day",
    "assessments": "assessment",
    "mas_grades": "MAS grade",
    "tardieu_measures": "Tardieu measure",
    "rom_measures": "range-of-motion measure",
    "goal_scores": "goal score",
    "doses": "dose",
    "dose_warnings": "dose warning",
    "adverse_events": "adverse event",
    "day_plans": "day plan",
    "decisions": "candidacy decision",
    "vital_alerts": "vital-sign alert",
    "study_ids": "study id",
}
TOUCHED = "trialapp_touched"  # the SQL function the triggers call
_TRACKING = "trialapp_tracking"  # connection.info: the rows noted by this connection's temporary triggers
CHUNK = 500  # ids per SELECT ... IN (...) (SQLite's parameter limit is far above)
PORTION = 2000  # digests per record_digests row when a database's first digests are taken


def is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def track_writes(connection: Connection) -> None:
    """Create, once per SQLite connection, the temporary triggers that note each clinical row written."""
    noted = connection.info.get(_TRACKING)
    if noted is not None:
        noted.clear()  # left by a transaction that rolled back
        return
    if not is_sqlite(connection):
        return
    existing = {
        name
        for (name,) in connection.exec_driver_sql("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    }
    # The triggers call back into Python rather than write a temporary table: writing the temporary database
    # too would make every commit a two-file commit (about 3 x slower on this machine).
    touched: set[tuple[str, int]] = set()

    def touch(table: str, row_id: int) -> None:
        touched.add((table, row_id))

    connection.connection.driver_connection.create_function(  # type: ignore[union-attr]
        TOUCHED, 2, touch, deterministic=False
    )
    for table in CLINICAL_TABLES:
        if table not in existing:
            continue
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            connection.exec_driver_sql(
                f"CREATE TEMP TRIGGER IF NOT EXISTS trialapp_touch_{table}_{event.lower()} AFTER {event} "
                f"ON main.{table} BEGIN SELECT {TOUCHED}('{table}', {row}.id); END"
            )
    connection.info[_TRACKING] = touched


class _RowForm:
    """How the rows of one table, with these columns, are digested: the non-empty columns are taken in name order
    (sorted once per table, not per row), and the keyed hash has already taken the table's name."""

    __slots__ = ("names", "pick", "prefixes", "start")

    def __init__(self, key: bytes, table: str, columns: tuple[str, ...]) -> None:
        order = sorted(enumerate(columns), key=lambda pair: pair[1])
        positions = [position for position, _ in order]
        self.names = [name for _, name in order]
        self.prefixes = [f"{name}=" for name in self.names]
        self.pick = _picker(positions)
        self.start = hashlib.blake2b(f"{table}\x1e".encode(), key=key, digest_size=10)

    def whole(self, text: str) -> str:
        keyed = self.start.copy()  # copying the started hash spares the key's block for every row
        keyed.update(text.encode())
        return keyed.hexdigest()

    def whole_of(self, row: Sequence[Any]) -> str:
        """WHOLE of a row alone (no hints): what `check` compares for every row, 2 million on the benchmark."""
        values = zip(self.prefixes, self.pick(row), strict=True)
        return self.whole("\x1f".join([prefix + repr(v) for prefix, v in values if v is not None]))


def _picker(positions: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    if len(positions) > 1:
        return itemgetter(*positions)
    # itemgetter of one position returns the value itself, not a 1-tuple (and of none is an error)
    return lambda row: tuple(row[position] for position in positions)


@lru_cache(maxsize=256)
def _form(key: bytes, table: str, columns: tuple[str, ...]) -> _RowForm:
    return _RowForm(key, table, columns)


def digest(key: bytes, table: str, columns: Sequence[str], values: Sequence[Any]) -> tuple[str, list[str]]:
    """The row's digest, and the names of its non-empty columns in the order of the hints."""
    if len(columns) != len(values):
        raise ValueError(f"{len(columns)} column names for {len(values)} values of a {table} row")
    form = _form(key, table, tuple(columns))
    present = [(name, repr(value)) for name, value in zip(form.names, form.pick(values), strict=True) if value is not None]
    text = "\x1f".join([f"{name}={shown}" for name, shown in present])
    hints = "".join([f"{zlib.crc32(shown.encode()) & 0xFF:02x}" for _, shown in present])
    return f"{form.whole(text)}:{hints}", [name for name, _ in present]


def changed_fields(stored: str, current: str, names: list[str]) -> list[str]:
    """Which columns differ, as far as the hints tell (empty when they cannot say)."""
    old, new = stored.partition(":")[2], current.partition(":")[2]
    if len(old) != len(new):
        return []
    return [names[i // 2] for i in range(0, len(new), 2) if old[i : i + 2] != new[i : i + 2]]


def _cursor(connection: Connection) -> Any:
    # The driver's own cursor, in the same transaction: SQLAlchemy's per-statement work would cost more than the
    # statements (a save writes some 30 rows; the save budget is 3 x a raw insert and commit).
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _rows(connection: Connection, table: str, ids: Sequence[int] | None) -> Iterator[tuple[list[str], Any]]:
    cursor = _cursor(connection)
    try:
        if ids is None:
            cursor.execute(f"SELECT * FROM main.{table}")
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                yield columns, row
            return
        for start in range(0, len(ids), CHUNK):
            chunk = tuple(ids[start : start + CHUNK])
            cursor.execute(f"SELECT * FROM main.{table} WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            columns = [d[0] for d in cursor.description]
            yield from ((columns, row) for row in cursor.fetchall())
    finally:
        cursor.close()


def _digests_of(connection: Connection, key: bytes, table: str, ids: Sequence[int]) -> dict[str, str | None]:
    found: dict[str, str | None] = dict.fromkeys((str(i) for i in ids), None)  # None: deleted
    for columns, row in _rows(connection, table, ids):
        found[str(row[columns.index("id")])] = digest(key, table, columns, row)[0]
    return found


def has_touched(connection: Connection) -> bool:
    """Whether clinical rows were written since the last digests were taken."""
    return bool(connection.info.get(_TRACKING))


def touched_digests(connection: Connection, key: bytes) -> dict[str, dict[str, str | None]]:
    """The digests of the clinical rows written in this transaction (emptying the list); {} when none."""
    noted: set[tuple[str, int]] | None = connection.info.get(_TRACKING)
    if not noted:
        return {}
    touched = sorted(noted)
    noted.clear()
    by_table: dict[str, list[int]] = {}
    for table, row_id in touched:
        by_table.setdefault(table, []).append(int(row_id))
    return {table: _digests_of(connection, key, table, ids) for table, ids in by_table.items()}


def all_digests(connection: Connection, key: bytes) -> Iterator[dict[str, dict[str, str | None]]]:
    """Digests of every clinical row, in portions (the first ``record_digests`` rows of a database)."""
    existing = {
        name
        for (name,) in connection.exec_driver_sql("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    }
    portion: dict[str, dict[str, str | None]] = {}
    size = 0
    for table in CLINICAL_TABLES:
        if table not in existing:
            continue
        for columns, row in _rows(connection, table, None):
            portion.setdefault(table, {})[str(row[columns.index("id")])] = digest(key, table, columns, row)[0]
            size += 1
            if size >= PORTION:
                yield portion
                portion, size = {}, 0
    yield portion


WHOLE_LENGTH = 20  # hex characters of WHOLE (10 bytes)
_UNKNOWN = object()


@dataclass(frozen=True)
class Mismatch:
    """A row whose content is not the one its latest digest proves, or a row the audit trail does not account for."""

    row_id: str
    stored: str | None  # the latest digest the trail holds (None: deleted with trialapp)
    known: bool  # whether the trail holds any digest of the row
    current: str | None  # the row's digest now (None: the row is gone)
    names: list[str]  # its non-empty columns, in the order of the hints


def mismatches(
    connection: Connection, key: bytes, table: str, stored: Mapping[str, str | None]
) -> Iterator[Mismatch]:
    """Every current row of ``table`` against ``stored`` (row id -> latest digest), then the rows the trail holds
    that are gone. Only WHOLE is computed for a row that matches; the whole digest (its hints name the fields) only
    for a row that differs: on the benchmark database's 1.9 million rows, 9 s where the whole digests took 22 s."""
    remaining = dict(stored)
    cursor = _cursor(connection)
    try:
        cursor.execute(f"SELECT * FROM main.{table}")
        columns = [d[0] for d in cursor.description]
        form, at = _form(key, table, tuple(columns)), columns.index("id")
        for row in cursor:
            row_id = str(row[at])
            expected = remaining.pop(row_id, _UNKNOWN)
            if isinstance(expected, str) and expected[:WHOLE_LENGTH] == form.whole_of(row):
                continue
            current, names = digest(key, table, columns, row)
            known = expected is not _UNKNOWN
            yield Mismatch(row_id, expected if isinstance(expected, str) else None, known, current, names)
    finally:
        cursor.close()
    for row_id, value in remaining.items():
        if value is not None:
            yield Mismatch(row_id, value, True, None, [])
