from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from trialapp.storage.opening import open_database


def test_sqlite_pragmas_are_applied_on_every_connection(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
            assert conn.execute(text("PRAGMA trusted_schema")).scalar() == 0
    finally:
        db.dispose()


def test_write_transaction_rolls_back_on_error(app) -> None:
    from sqlalchemy import func, select

    from trialapp.storage.models import Setting

    try:
        with app.db.write() as s:
            s.add(Setting(key="clinic_phone", value="555-0100"))
            s.flush()
            raise RuntimeError("power cut")
    except RuntimeError:
        pass
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(Setting)).scalar() == 0


def test_foreign_keys_are_enforced(app) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    from trialapp.storage.models import GoalRow

    with pytest.raises(IntegrityError), app.db.write() as s:
        s.add(GoalRow(trial_id=999, code="g1", position=0, text="Sit for 2 hours"))
        s.flush()


def test_core_write_takes_the_write_lock_and_rolls_back_on_error(app, db_path: Path) -> None:
    """write_connection(): BEGIN IMMEDIATE up front, commit on success, nothing kept on an error."""
    import sqlite3

    import pytest
    from sqlalchemy import func, insert, select

    from trialapp.storage.models import Setting

    with pytest.raises(RuntimeError), app.db.write_connection() as conn:
        conn.execute(insert(Setting.__table__), {"key": "clinic_phone", "value": "555-0100"})
        other = sqlite3.connect(db_path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # the lock is held from the start of the transaction
        other.close()
        raise RuntimeError("power cut")
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(Setting)).scalar() == 0
    with app.db.write_connection() as conn:
        conn.execute(insert(Setting.__table__), {"key": "clinic_phone", "value": "555-0100"})
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(Setting)).scalar() == 1


def test_core_write_gives_the_plain_messages(app) -> None:
    import pytest
    from sqlalchemy import event, insert

    from trialapp.storage.errors import DatabaseReadOnly, DiskFull
    from trialapp.storage.models import Setting

    @event.listens_for(app.db.engine, "connect")
    def _cap(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        page_count = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {page_count}")

    app.db.engine.dispose()
    try:
        with pytest.raises(DiskFull, match="disk is full"), app.db.write_connection() as conn:
            conn.execute(
                insert(Setting.__table__), [{"key": f"k{i}", "value": "x" * 5000} for i in range(50)]
            )
    finally:
        event.remove(app.db.engine, "connect", _cap)
        app.db.engine.dispose()
    app.db.read_only = True
    try:
        with pytest.raises(DatabaseReadOnly, match="read-only"), app.db.write_connection():
            pass
    finally:
        app.db.read_only = False
