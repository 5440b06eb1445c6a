"""Migrations: pytest-alembic's standard checks, plus the app's start-up rules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytest_alembic.tests import (  # noqa: F401  (collected as tests here)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from tests.helpers import file_digest
from trialapp.storage import migrate
from trialapp.storage.errors import DatabaseTooNew, DatabaseUnreadable, MigrationFailed
from trialapp.storage.opening import open_database


def test_new_database_is_created_at_head(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        assert migrate.current_revision(db.engine) == migrate.head_revision()
    finally:
        db.dispose()


def test_database_from_a_newer_app_is_refused_and_untouched(db_path: Path) -> None:
    open_database(db_path).dispose()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    before = file_digest(db_path)
    with pytest.raises(DatabaseTooNew, match="newer version of trialapp"):
        open_database(db_path)
    assert file_digest(db_path) == before


def test_foreign_sqlite_database_is_refused_untouched(db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    before = file_digest(db_path)
    with pytest.raises(DatabaseUnreadable, match="not a trialapp database"):
        open_database(db_path)
    assert file_digest(db_path) == before


def test_failed_upgrade_leaves_the_database_as_it_was(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A revision that fails half-way (after creating a table) rolls back completely."""
    db = open_database(db_path)
    engine, url = db.engine, db.url
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")  # pretend the schema is not there yet
        for table in reversed(list(_tables(conn))):
            conn.exec_driver_sql(f'DROP TABLE "{table}"')
    before_tables = set(_tables(engine.connect()))

    from alembic.operations import Operations

    real_create_table = Operations.create_table
    calls = {"n": 0}

    def failing_create_table(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("simulated failure half-way through the migration")
        return real_create_table(self, *args, **kwargs)

    monkeypatch.setattr(Operations, "create_table", failing_create_table)
    with pytest.raises(MigrationFailed, match="left as it was"):
        migrate.upgrade(engine, url)
    assert calls["n"] == 5
    with engine.connect() as conn:
        assert set(_tables(conn)) == before_tables
    db.dispose()


def _tables(conn) -> list[str]:  # type: ignore[no-untyped-def]
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00" * 4096, b"this is not a database at all" * 50, b"SQLite format 3\x00" + b"\xff" * 100],
    ids=["empty", "zero-filled", "garbage", "truncated"],
)
def test_damaged_files_give_a_plain_message_and_stay_untouched(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    # An empty file too is refused (issue 18, item 6): only a path that does not exist becomes a database.
    with pytest.raises(DatabaseUnreadable) as info:
        open_database(db_path)
    assert "left untouched" in str(info.value)
    assert db_path.read_bytes() == content


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnreadable, match="does not exist"):
        open_database(tmp_path / "no-such-folder" / "trial.sqlite")
