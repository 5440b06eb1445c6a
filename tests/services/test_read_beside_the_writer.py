"""A copy opened read-only because another copy writes (the command line beside the app) may append its
audited reads to the audit trail — and SQLite itself refuses it every other change (issue 25 §5)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from trialapp.services import site_settings
from trialapp.services.backups import backup_to
from trialapp.services.context import open_app, os_actor
from trialapp.storage.audit import verify_chain
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.errors import DatabaseReadOnly
from trialapp.storage.writer_lock import WriterLock


@pytest.fixture
def beside(app, db_path):
    site_settings.set_site_setting(app, os_actor(), "clinic_name", "North")
    app.close()  # the writer: another copy of the app, holding the writer lock
    held = WriterLock.acquire(db_path)
    reader = open_app(db_path, read_only_if_in_use=True, audit_if_in_use=True)
    yield reader
    reader.close()
    held.release()


def test_it_opens_read_only_and_may_append_an_audited_read(beside, tmp_path) -> None:
    assert beside.db.read_only and beside.db.audit_only and beside.writer_lock is None
    backup_to(beside, os_actor(), tmp_path / "copy.sqlite")  # audited
    with beside.db.read() as s:
        assert verify_chain(s, beside.audit.key).ok
        newest = s.execute(text("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")).scalar_one()
    assert newest == AuditAction.BACKUP


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE settings SET value = '\"South\"' WHERE key = 'clinic_name'",
        "DELETE FROM settings",
        "INSERT INTO settings (key, value) VALUES ('x', '1')",
        "CREATE TABLE extra (x)",
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "UPDATE audit_log SET actor = 'os:mallory'",
    ],
)
def test_sqlite_refuses_any_other_change(beside, statement: str) -> None:
    with pytest.raises(DatabaseReadOnly, match="open read-only"), beside.db.write() as s:
        s.execute(text(statement))
    with beside.db.read() as s:
        assert s.execute(text("SELECT value FROM settings WHERE key = 'clinic_name'")).scalar_one() == '"North"'


def test_a_service_that_changes_records_is_refused_in_words(beside) -> None:
    with pytest.raises(DatabaseReadOnly):
        site_settings.set_site_setting(beside, os_actor(), "clinic_name", "South")


def test_without_audit_appends_even_the_audited_read_is_refused(app, db_path, tmp_path) -> None:
    app.close()
    held = WriterLock.acquire(db_path)
    try:
        reader = open_app(db_path, read_only_if_in_use=True)
        try:
            assert reader.db.read_only and not reader.db.audit_only
            with pytest.raises(DatabaseReadOnly):
                backup_to(reader, os_actor(), tmp_path / "copy.sqlite")
        finally:
            reader.close()
    finally:
        held.release()
