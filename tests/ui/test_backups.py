"""Backups in the window (issue 25): the list with the last backup's time, Back up now, and Restore… —
confirmed with a reason, run in the background, the old file kept aside, the database reopened in the
window and everyone signed in again. On the real SQLite file."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from tests.ui.shell_helpers import PASSWORD, make_team
from trialapp.services import backups_admin, users
from trialapp.storage import models as m
from trialapp.ui.main_window import MainWindow
from trialapp.ui.startup import Startup
from trialapp.ui.views.backups import BackupsDialog


def _wait(qtbot, dialog: BackupsDialog) -> None:
    qtbot.waitUntil(lambda: dialog.running is None, timeout=30_000)


def _window(app, qtbot, actor) -> MainWindow:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.sign_in(actor)
    return window


def test_back_up_now_in_the_background_lists_it_as_the_last_backup(app, qtbot):
    team = make_team(app)
    dialog = BackupsDialog(app, team.admin)
    qtbot.addWidget(dialog)
    assert "No backup of this database yet" in dialog.last.text()
    assert dialog.table.rowCount() == 0 and not dialog.restore_button.isEnabled()
    dialog.back_up_button.click()
    assert dialog.running is not None and not dialog.back_up_button.isEnabled()  # busy, in the background
    assert dialog.progress.isVisibleTo(dialog)
    _wait(qtbot, dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "Taken by hand"
    assert dialog.last.text().startswith("Last backup: ") and "just now" in dialog.last.text()
    assert "Backup written and verified" in dialog.status.text()
    assert dialog.restore_button.isEnabled() and not dialog.progress.isVisibleTo(dialog)


def test_only_the_admin_has_the_backups_menu_entry(app, qtbot):
    team = make_team(app)
    window = _window(app, qtbot, team.nurse)
    assert not window.act_backups.isVisible()
    window.sign_out()
    window.sign_in(team.admin)
    assert window.act_backups.isVisible()


def test_restore_asks_a_reason_then_reopens_the_database_and_signs_everyone_in_again(app, qtbot, db_path):
    team = make_team(app)
    window = _window(app, qtbot, team.admin)
    startup = Startup(window, app.paths, db=str(db_path), daily_backup=False)
    startup.services = app  # as once the window's database was opened
    backups_admin.back_up_now(app, team.admin)
    users.add_user(app, team.admin, "pt.after", "pt", "Pia After", PASSWORD)  # not in the backup
    dialog = BackupsDialog(app, team.admin, host=window, parent=window)
    answered = []

    def answer() -> None:  # the confirmation: a reason is required before anything happens
        confirm = getattr(dialog, "confirm_dialog", None)
        if confirm is None:
            QTimer.singleShot(20, answer)
            return
        answered.append(" ".join(lab.text() for lab in confirm.findChildren(QLabel)))
        confirm.ok.click()  # no reason yet
        answered.append(confirm.error.text())
        confirm.reason.setText("restoring to before a wrong import")
        confirm.ok.click()

    dialog.table.selectRow(0)
    QTimer.singleShot(0, answer)
    dialog.restore_button.click()  # checks the backup in the background, then asks
    qtbot.waitUntil(lambda: dialog.reopened is not None or dialog.error.text() != "", timeout=30_000)
    _wait(qtbot, dialog)
    assert dialog.error.text() == ""
    assert "holds 0 patient(s) and 0 trial(s)" in answered[0] and "keep the current file aside" in answered[0]
    assert answered[1].startswith("Write why this backup is restored")
    new_app = dialog.reopened
    try:
        assert window.services is new_app and new_app is not app
        assert window.actor is None and window.pages.currentWidget() is window.login  # sign in again
        shown = " ".join(lab.text() for lab in window.login.findChildren(QLabel) if lab.isVisibleTo(window.login))
        assert "The database has reopened: sign in again" in shown
        assert "pt.after" not in {u.username for u in users.list_users(new_app)}
        with new_app.db.read() as s:
            row = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "restore")).scalar_one()
        assert row.reason == "restoring to before a wrong import" and row.actor == "user:admin.ada"
        kept = [p for p in db_path.parent.glob(f"{db_path.stem}-replaced-*.sqlite")]
        assert len(kept) == 1
        con = sqlite3.connect(kept[0])
        try:
            assert ("pt.after",) in con.execute("SELECT username FROM users").fetchall()  # nothing lost
        finally:
            con.close()
        assert not dialog.isVisible()
        startup.shutdown()  # at exit the reopened database is the one closed
        assert startup.services is None and new_app.writer_lock is None
    finally:
        new_app.close()
        dialog.deleteLater()


def test_an_unsuitable_file_is_refused_in_words_and_nothing_changes(app, qtbot, tmp_path):
    team = make_team(app)
    dialog = BackupsDialog(app, team.admin)
    qtbot.addWidget(dialog)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    dialog.check_then_confirm(empty)
    _wait(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=10_000)
    assert dialog.error.text().startswith("This backup cannot be restored: ")
    assert getattr(dialog, "confirm_dialog", None) is None
    assert dialog.reopened is None and users.count_users(app) == 6


def test_settings_lock_and_backups_opens_the_backups_window(app, qtbot):
    from PySide6.QtWidgets import QApplication

    from trialapp.ui.views.settings import SettingsDialog

    team = make_team(app)
    settings = SettingsDialog(app, team.admin)
    qtbot.addWidget(settings)
    seen = []

    def close_it() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, BackupsDialog) and w.isVisible()]
        if not shown:
            QTimer.singleShot(20, close_it)
            return
        seen.append(shown[0].last.text())
        shown[0].close_button.click()

    QTimer.singleShot(0, close_it)
    settings.backups_button.click()
    assert seen and "No backup of this database yet" in seen[0]


def test_attaching_the_services_again_leaves_one_idle_watcher_and_one_screen_lock(app, qtbot):
    # A restore from the window reopens the database and attaches the services a second time: the old
    # idle watcher and screen lock must go, not stay attached, stopped.
    from trialapp.ui.views.lock import IdleWatcher, ScreenLock

    window = MainWindow(app)
    qtbot.addWidget(window)
    window.attach_services(app)
    window.idle = IdleWatcher(5, window)  # as the first sign-in builds it
    first_idle, first_lock = window.idle, window.screen_lock
    window.attach_services(app)
    qtbot.wait(10)  # deleteLater runs
    # The next sign-in builds the idle watcher again (a restore signs out).
    assert not window.findChildren(IdleWatcher) and window.idle is None
    assert len(window.findChildren(ScreenLock)) == 1 and window.screen_lock is not first_lock
    assert first_idle is not None
