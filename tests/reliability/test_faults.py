"""Faults: a second copy of the app, a full disk, a read-only file, backups while writing, restore."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from tests.helpers import file_digest
from trialapp.services import users
from trialapp.services.context import open_app, os_actor
from trialapp.services.integrity import check
from trialapp.storage import models as m
from trialapp.storage.backup import copy_database, restore
from trialapp.storage.errors import DatabaseReadOnly, DiskFull
from trialapp.storage.writer_lock import DatabaseInUse

ROOT = Path(__file__).resolve().parents[2]


PASSWORD = "long-enough-password"


def _add(app, n: int) -> None:  # type: ignore[no-untyped-def]
    users.add_user(app, os_actor(), f"user{n}", "pt", f"User {n}", PASSWORD)


def test_second_copy_is_told_who_has_the_database_and_may_only_read(db_path: Path) -> None:
    first = open_app(db_path)
    try:
        _add(first, 1)
        with pytest.raises(DatabaseInUse) as info:
            open_app(db_path)
        message = str(info.value)
        assert "open for writing by" in message and "since" in message and "read-only" in message
        second = open_app(db_path, read_only_if_in_use=True)
        try:
            assert second.read_only_reason and "open for writing" in second.read_only_reason
            assert [u.username for u in users.list_users(second)] == ["user1"]  # reading works
            with pytest.raises(DatabaseReadOnly):
                _add(second, 2)
        finally:
            second.close()
    finally:
        first.close()
    reopened = open_app(db_path)  # the lock went with the first copy
    reopened.close()


def test_lock_of_a_killed_process_does_not_block(db_path: Path, tmp_path: Path) -> None:
    code = (
        "import sys, time; from trialapp.services.context import open_app; "
        "app = open_app(sys.argv[1]); print('open', flush=True); time.sleep(60)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "open"
    with pytest.raises(DatabaseInUse, match=r"process \d+"):
        open_app(db_path)
    child.send_signal(signal.SIGKILL)
    child.wait()
    open_app(db_path).close()


def test_full_disk_gives_a_plain_message_and_keeps_what_was_saved(app, db_path: Path) -> None:
    from trialapp.interchange.trial_json import load_trial_document
    from trialapp.services.demo import demo_text
    from trialapp.services.trials import import_document

    _add(app, 1)

    @event.listens_for(app.db.engine, "connect")
    def _cap(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # SQLite's own size cap raises exactly the error of a full disk (SQLITE_FULL).
        page_count = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {page_count}")

    app.db.engine.dispose()
    with pytest.raises(DiskFull, match="disk is full") as info:
        import_document(app, os_actor(), load_trial_document(demo_text("demo_responder.json")))
    assert "nothing was saved" in str(info.value)
    event.remove(app.db.engine, "connect", _cap)
    app.db.engine.dispose()
    assert check(app).ok
    assert [u.username for u in users.list_users(app)] == ["user1"]
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(m.TrialRow)).scalar_one() == 0


def test_a_read_only_copy_signs_in_without_writing_and_still_locks_after_wrong_passwords(
    db_path: Path,
) -> None:
    from sqlalchemy import func, select

    from trialapp.services.errors import AuthenticationFailed
    from trialapp.storage import models as m

    writer = open_app(db_path)
    try:
        _add(writer, 1)
        reader = open_app(db_path, read_only_if_in_use=True)
        try:
            assert reader.read_only_reason
            with reader.db.read() as s:
                before = s.execute(select(func.count(m.AuditEntry.id))).scalar_one()
            assert users.authenticate(reader, "user1", PASSWORD).username == "user1"
            for _ in range(users.MAX_FAILED_LOGINS - 1):
                with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
                    users.authenticate(reader, "user1", "not-the-password")
            with pytest.raises(AuthenticationFailed, match="locked for"):
                users.authenticate(reader, "user1", "not-the-password")
            with pytest.raises(AuthenticationFailed, match="locked after repeated wrong passwords"):
                users.authenticate(reader, "user1", PASSWORD)  # locked in this copy, even with the password
            with reader.db.read() as s:
                assert s.execute(select(func.count(m.AuditEntry.id))).scalar_one() == before
        finally:
            reader.close()
        # The lock holds in every copy (issue 18 §13), the writing one too, which audits it.
        with pytest.raises(AuthenticationFailed, match="locked after repeated wrong passwords"):
            users.authenticate(writer, "user1", PASSWORD)
    finally:
        writer.close()


def test_read_only_file_opens_for_reading_with_a_plain_message(db_path: Path, monkeypatch) -> None:
    app = open_app(db_path)
    _add(app, 1)
    app.close()
    db_path.chmod(0o444)
    if os.geteuid() == 0:  # root ignores file modes: make the permission check see what a user would
        import trialapp.storage.opening as opening

        monkeypatch.setattr(opening, "file_is_writable", lambda path: False)
    try:
        with pytest.raises(DatabaseReadOnly, match="read-only") as info:
            open_app(db_path)
        assert "write access" in str(info.value)
        viewer = open_app(db_path, read_only_if_in_use=True)
        try:
            assert viewer.read_only_reason and "read-only" in viewer.read_only_reason
            assert [u.username for u in users.list_users(viewer)] == ["user1"]
            with pytest.raises(DatabaseReadOnly):
                _add(viewer, 2)
        finally:
            viewer.close()
    finally:
        db_path.chmod(0o644)


def test_backup_during_continuous_writes_is_consistent(app, db_path: Path, tmp_path: Path) -> None:
    stop = threading.Event()
    written = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            _add(app, n)
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.5)
        copies = []
        for i in range(5):
            target = tmp_path / f"copy{i}.sqlite"
            copy_database(db_path, target)
            copies.append(target)
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join()
    assert len(written) > 10
    for copy in copies:
        backup_app = open_app(copy, read_only=True)
        try:
            report = check(backup_app)
            assert report.ok, report.problems
        finally:
            backup_app.close()


def test_restore_keeps_the_current_database_aside(db_path: Path, tmp_path: Path) -> None:
    app = open_app(db_path)
    _add(app, 1)
    app.close()
    backup = tmp_path / "backup.sqlite"
    copy_database(db_path, backup)
    app = open_app(db_path)
    _add(app, 2)
    app.close()
    current = file_digest(db_path)
    aside = restore(backup, db_path)
    assert aside != db_path and file_digest(aside) == current
    app = open_app(db_path)
    try:
        assert [u.username for u in users.list_users(app)] == ["user1"]
    finally:
        app.close()


def test_daily_backup_on_first_opening_of_the_day_rotates(db_path: Path) -> None:
    from datetime import datetime, timedelta

    from trialapp.storage.backup import daily_backup, integrity_problems, list_backups

    open_app(db_path).close()  # a new database: nothing to back up yet
    assert list_backups(db_path) == []
    app = open_app(db_path)
    _add(app, 1)
    app.close()
    open_app(db_path).close()
    first = list_backups(db_path)
    assert len(first) == 1 and "daily" in first[0].name and not integrity_problems(first[0])
    open_app(db_path).close()  # same day: no second copy
    assert list_backups(db_path) == first
    day = datetime.now()
    for i in range(1, 5):
        daily_backup(db_path, keep=3, now=day + timedelta(days=i))
    kept = list_backups(db_path)
    assert len(kept) == 3 and all(
        (day + timedelta(days=i)).strftime("%Y%m%d") in kept[4 - i].name for i in (2, 3, 4)
    )


def test_cli_backup_and_restore_refused_while_open(db_path: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    from trialapp.cli import main

    app = open_app(db_path)
    _add(app, 1)
    target = tmp_path / "manual.sqlite"
    app.close()
    assert main(["--db", str(db_path), "backup", "--out", str(target)]) == 0
    assert "verified" in capsys.readouterr().out
    holder = open_app(db_path)
    try:
        assert main(["--db", str(db_path), "restore", str(target), "--reason", "test"]) == 2
        assert "open for writing by" in capsys.readouterr().err
    finally:
        holder.close()
    admin = open_app(db_path)
    users.add_user(admin, os_actor(), "ada", "admin", "Ada", PASSWORD)
    admin.close()
    monkeypatch.setenv("TRIALAPP_PASSWORD", PASSWORD)
    assert main(["--db", str(db_path), "--user", "ada", "restore", str(target), "--reason", "test"]) == 0
    assert "kept as" in capsys.readouterr().out
