"""The admin's backups in the window (issue 25): list, Back up now, restore with a reason and reopen — on a
real database file, with the restore's promises of issue 18 (verified first, nothing lost)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from tests.helpers import file_digest
from tests.services.conftest import PASSWORD
from trialapp.services import backups_admin, users
from trialapp.services.errors import InvalidInput, PermissionDenied
from trialapp.storage import models as m
from trialapp.storage.audit_actions import AuditAction


def _restores(app) -> list[m.AuditEntry]:
    with app.db.read() as s:
        return list(
            s.execute(select(m.AuditEntry).where(m.AuditEntry.action == AuditAction.RESTORE)).scalars()
        )


def _usernames(app) -> set[str]:
    return {u.username for u in users.list_users(app)}


def test_back_up_now_lists_the_backup_as_the_last_one_and_audits_it(app, team) -> None:
    assert backups_admin.backups_overview(app, team.admin).last is None
    taken = backups_admin.back_up_now(app, team.admin)
    overview = backups_admin.backups_overview(app, team.admin)
    assert overview.last == taken and taken.kind == "Taken by hand" and taken.size_bytes > 0
    assert taken.path.parent == overview.folder and overview.keep == 10
    with app.db.read() as s:
        row = s.execute(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (row.action, row.actor) == ("backup", "user:admin") and taken.path.name in row.new_value


@pytest.mark.parametrize("who", ["pt", "nurse", "neuro", "qi"])
def test_only_an_admin_sees_takes_or_restores_backups(app, team, who) -> None:
    actor = getattr(team, who)
    backup = backups_admin.back_up_now(app, team.admin).path
    for call in (
        lambda: backups_admin.backups_overview(app, actor),
        lambda: backups_admin.back_up_now(app, actor),
        lambda: backups_admin.check_backup(app, actor, backup),
        lambda: backups_admin.restore_and_reopen(app, actor, backup, "test"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_restore_needs_a_reason_and_changes_nothing_without_one(app, team, db_path) -> None:
    backup = backups_admin.back_up_now(app, team.admin).path
    before = file_digest(db_path)
    with pytest.raises(InvalidInput, match="Write why"):
        backups_admin.restore_and_reopen(app, team.admin, backup, "   ")
    assert file_digest(db_path) == before


def test_restore_puts_the_backup_in_place_keeps_the_old_file_and_reopens(app, team, db_path) -> None:
    backup = backups_admin.back_up_now(app, team.admin).path
    users.add_user(app, team.admin, "pt.after", "pt", "Added After", PASSWORD)  # not in the backup
    heard = []
    done = backups_admin.restore_and_reopen(
        app, team.admin, backup, "the ward PC's disk was replaced", on_verified=heard.append
    )
    try:
        assert heard and heard[0].path == backup
        assert "pt.after" not in _usernames(done.app)  # the restored file, opened again
        assert done.app.writer_lock is not None and not done.app.db.read_only
        # Nothing lost: the replaced database is kept aside, whole, with the user added after the backup.
        con = sqlite3.connect(done.kept_aside)
        try:
            kept = {r[0] for r in con.execute("SELECT username FROM users")}
            reasons = [r[0] for r in con.execute("SELECT reason FROM audit_log WHERE action = 'restore'")]
        finally:
            con.close()
        assert "pt.after" in kept and reasons == ["the ward PC's disk was replaced"]
        # The restored database says it was restored, by whom and why.
        (row,) = _restores(done.app)
        assert row.actor == "user:admin" and row.reason == "the ward PC's disk was replaced"
        assert done.kept_aside.name in row.new_value
    finally:
        done.app.close()


def test_an_unsuitable_backup_is_refused_before_anything_changes(app, team, db_path, tmp_path) -> None:
    other = tmp_path / "unrelated.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = file_digest(db_path)
    with pytest.raises(Exception, match="trialapp"):
        backups_admin.restore_and_reopen(app, team.admin, other, "test")
    assert file_digest(db_path) == before
    assert _usernames(app) >= {"admin"}  # the app is still open: nothing was closed
    assert not _restores(app)


def test_a_restore_that_fails_after_closing_reopens_the_unchanged_database(app, team, db_path) -> None:
    backup = backups_admin.back_up_now(app, team.admin).path
    # Another process reading the database holds the WAL: the old file cannot be kept aside, so nothing
    # is replaced (storage.backup._keep_aside) and the window gets the same database back.
    reader = sqlite3.connect(db_path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM users").fetchone()
    try:
        with pytest.raises(backups_admin.RestoreFailed) as refused:
            backups_admin.restore_and_reopen(app, team.admin, backup, "test")
    finally:
        reader.close()
    reopened = refused.value.app
    try:
        assert "cannot be replaced now" in str(refused.value)
        assert _usernames(reopened) >= {"admin", "pt.jones"} and not reopened.db.read_only
        (asked,) = _restores(reopened)  # the attempt, with its reason, in the unchanged database
        assert '"asked": true' in asked.new_value and asked.reason == "test"
    finally:
        reopened.close()
