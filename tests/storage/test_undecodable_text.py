"""``maintenance.undecodable_text``: text that is not UTF-8 is found and named by table, row and column, also
when two bad values would make valid UTF-8 if they were simply joined (issue 22: each table is read once)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from trialapp.storage.db import Database, database_url, make_engine
from trialapp.storage.maintenance import database_problems, undecodable_text


def _db(path: Path, rows: list[tuple[object, object]]) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, a TEXT, b)")
    conn.executemany("INSERT INTO notes (a, b) VALUES (CAST(? AS TEXT), ?)", rows)
    conn.commit()
    conn.close()
    return path


def test_sound_text_numbers_and_blobs_find_nothing(tmp_path: Path) -> None:
    path = _db(
        tmp_path / "ok.sqlite", [(b"caf\xc3\xa9", 3), (b"plain", b"\xff\xfe a blob, not text"), (None, None)]
    )
    assert undecodable_text(path) == []


def test_a_bad_value_is_named_by_table_row_and_column(tmp_path: Path) -> None:
    # Row 2 ends with a lead byte and row 3 starts with a continuation byte: joined without a separator
    # they would read as "é"; each one alone is not UTF-8.
    path = _db(tmp_path / "bad.sqlite", [(b"fine", 1), (b"ends with \xc3", 2), (b"\xa9 starts badly", 3)])
    assert undecodable_text(path) == [
        "the database is damaged: row 2 of notes has unreadable text in a",
        "the database is damaged: row 3 of notes has unreadable text in a",
    ]
    assert len(undecodable_text(path, limit=1)) == 1


def _database(path: Path) -> Database:
    url = database_url(path)
    return Database(url, make_engine(url))


def test_database_problems_name_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = _db(tmp_path / "bad.sqlite", [(b"fine", 1), (b"caf\xe9", 2)])
    db = _database(path)
    try:
        assert database_problems(db) == ["the database is damaged: row 2 of notes has unreadable text in a"]
    finally:
        db.engine.dispose()


def test_text_is_reported_only_when_sqlites_own_checks_find_nothing(tmp_path: Path) -> None:
    """The text scan runs beside integrity_check (issue 22), but what the check says is as when it ran after:
    a broken reference (or damage) is reported alone."""
    path = _db(tmp_path / "both.sqlite", [(b"caf\xe9", 2)])
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id))")
    conn.execute("INSERT INTO children (parent_id) VALUES (7)")  # foreign keys are off in this connection
    conn.commit()
    conn.close()
    db = _database(path)
    try:
        assert database_problems(db) == ["row 1 of children refers to a parents row that does not exist"]
    finally:
        db.engine.dispose()
