"""Opening a database already at this app's schema: recognised without Alembic, and just as safe.

Also the backups the GUI takes in the background: an unfinished copy is never counted, and a backup and a
restore never run at the same time in one process.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from trialapp.storage import backup, migrate
from trialapp.storage.errors import DatabaseTooNew
from trialapp.storage.opening import open_database

ROOT = Path(__file__).resolve().parents[2]


def test_the_written_head_is_alembics_head() -> None:
    assert migrate.written_head() == migrate.head_revision()


def test_an_unusual_revision_file_falls_back_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_dir(), copy)
    newest = sorted((copy / "versions").glob("0*.py"))[-1]
    text = newest.read_text(encoding="utf-8").replace('revision = "', 'revision: str = "', 1)
    newest.write_text(text, encoding="utf-8")
    monkeypatch.setattr(migrate, "migrations_dir", lambda: copy)
    migrate.written_head.cache_clear()
    try:
        assert migrate.written_head() is None  # not understood: Alembic decides, as before
    finally:
        migrate.written_head.cache_clear()


def test_a_database_at_head_opens_without_importing_alembic(db_path: Path) -> None:
    open_database(db_path).dispose()  # created, at head
    code = (
        "import sys\n"
        "from trialapp.storage.opening import open_database\n"
        "db = open_database(sys.argv[1])\n"
        "with db.read() as s: s.connection()\n"
        "db.dispose()\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_database_from_a_newer_app_is_still_refused(db_path: Path) -> None:
    open_database(db_path).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    conn.close()
    with pytest.raises(DatabaseTooNew):
        open_database(db_path)


def test_an_unfinished_backup_is_never_counted_and_is_cleared_by_the_next(db_path: Path) -> None:
    open_database(db_path).dispose()
    folder = backup.backup_dir_for(db_path)
    folder.mkdir()
    # What an app closed during its background backup leaves: a copy under its temporary name.
    cut_short = folder / f"{db_path.stem}-20260101-090000-000000-daily.sqlite.partial"
    cut_short.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert backup.list_backups(db_path) == []
    assert backup.newest_good_backup(db_path) is None
    taken = backup.take_backup(db_path, "daily")
    assert backup.list_backups(db_path) == [taken.path]
    assert not cut_short.exists()


def test_a_restore_waits_for_a_backup_in_progress(db_path: Path, tmp_path: Path) -> None:
    open_database(db_path).dispose()
    good = backup.take_backup(db_path, "daily").path
    done = threading.Event()

    def restore() -> None:
        backup.restore(good, db_path)
        done.set()

    with backup._one_at_a_time:  # a backup is being written
        worker = threading.Thread(target=restore)
        worker.start()
        assert not done.wait(0.3)  # the restore has not replaced the file under the backup
    worker.join(60)
    assert done.is_set()
