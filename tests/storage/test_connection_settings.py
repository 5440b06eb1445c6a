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

    from trialapp.storage.models import Goal

    with pytest.raises(IntegrityError), app.db.write() as s:
        s.add(Goal(trial_id=999, code="g1", position=0, text="Sit for 2 hours"))
        s.flush()
