"""Database-level health checks, portable where possible."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from trialapp.storage.db import Database


def database_problems(db: Database) -> list[str]:
    """Integrity and foreign-key problems, as sentences (SQLite: PRAGMA checks; other engines: none); when
    there are none, text that is not UTF-8 (``undecodable_text``).

    ``integrity_check`` is the longest; the foreign-key check and the text scan (which reads every table)
    run beside it on a second thread and connection (SQLite runs without the GIL), so on two CPUs the whole
    takes about one ``integrity_check`` (issue 22). The findings are those of the checks run one after the
    other: the foreign keys' only when ``integrity_check`` could run, the text scan's only when neither found
    anything. A database too damaged to be checked is reported, never raised.
    """
    if db.engine.dialect.name != "sqlite":
        return []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trialapp-db-check") as pool:
        beside = pool.submit(_references_then_text, db)
        problems, checked = _integrity_problems(db)
        if not checked:
            return problems  # too damaged for integrity_check: what the other checks say is not wanted
        references, texts = beside.result()
    return problems + references or texts


def _integrity_problems(db: Database) -> tuple[list[str], bool]:
    """``integrity_check``'s problems, and whether it could run at all."""
    try:
        with db.engine.connect() as conn:
            rows = [str(r[0]) for r in conn.execute(text("PRAGMA integrity_check")).fetchall()]
    except (DBAPIError, UnicodeDecodeError) as exc:
        return [f"the database is damaged: {getattr(exc, 'orig', exc)}"], False
    return [f"the database is damaged: integrity check: {r}" for r in rows[:20] if rows != ["ok"]], True


def _references_then_text(db: Database) -> tuple[list[str], list[str]]:
    """Rows that refer to a missing row; then, when there are none, text that is not UTF-8."""
    problems: list[str] = []
    try:
        with db.engine.connect() as conn:
            for table, rowid, parent, _fk in conn.execute(text("PRAGMA foreign_key_check")).fetchall():
                problems.append(f"row {rowid} of {table} refers to a {parent} row that does not exist")
    except (DBAPIError, UnicodeDecodeError) as exc:
        problems.append(f"the database is damaged: {getattr(exc, 'orig', exc)}")
    if problems or db.path is None:
        return problems, []
    return problems, undecodable_text(db.path)


def undecodable_text(path: Path, limit: int = 20) -> list[str]:
    """Text that is not UTF-8 (a flipped bit inside a value: SQLite's own checks cannot see it, and reading
    it fails), named by table, row and column.

    Each table is read once, in SQLite: every text column's values joined by a newline (an ASCII byte, so the
    join is UTF-8 exactly when every value is) and decoded in one go; only a column that fails is read again
    value by value to name the rows (issue 22: a value-by-value read of every column took 50 s here).
    """
    found: list[str] = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = bytes
    try:
        tables = [r[0].decode() for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            if table.startswith("sqlite_"):
                continue
            columns = [r[1].decode() for r in conn.execute(f'PRAGMA table_info("{table}")')]
            if not columns:
                continue
            # The separator is a literal newline: char(10) was a function call per value (40 % of the scan),
            # and FILTER skips the values that are not text before the aggregate sees them.
            joined = ", ".join(
                f"group_concat(\"{c}\", '\n') FILTER (WHERE typeof(\"{c}\") = 'text')" for c in columns
            )
            texts = conn.execute(f'SELECT {joined} FROM "{table}"').fetchone()
            for column, text_bytes in zip(columns, texts, strict=True):
                if text_bytes is None or _is_utf8(text_bytes):
                    continue
                found += _unreadable_rows(conn, table, column, limit - len(found))
                if len(found) >= limit:
                    return found
    except sqlite3.Error as exc:
        found.append(f"the database is damaged: {exc}")
    finally:
        conn.close()
    return found


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _unreadable_rows(conn: sqlite3.Connection, table: str, column: str, limit: int) -> list[str]:
    found: list[str] = []
    query = f'SELECT rowid, "{column}" FROM "{table}" WHERE typeof("{column}") = \'text\''
    for rowid, value in conn.execute(query):
        if not _is_utf8(value):
            found.append(f"the database is damaged: row {rowid} of {table} has unreadable text in {column}")
            if len(found) >= limit:
                break
    return found
