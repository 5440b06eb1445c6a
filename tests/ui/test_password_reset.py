"""Password reset (issue 25 item 8): an admin sets a temporary password in Settings → Users (audited); the
temporary password only opens the "choose your password" step at the next sign-in; users change their own.
Services and screens on a real database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from tests.ui.shell_helpers import PASSWORD, make_team
from trialapp.services import users
from trialapp.services.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from trialapp.storage import models as m
from trialapp.ui.views.login import LoginView
from trialapp.ui.views.password_dialogs import ChangePasswordDialog, ResetPasswordDialog
from trialapp.ui.views.settings import SettingsDialog

TEMPORARY = "temporary-1234"


def _password_audit(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.db.read() as s:
        rows = s.execute(
            select(m.AuditEntry)
            .where(m.AuditEntry.table_name == "users", m.AuditEntry.field == "password")
            .order_by(m.AuditEntry.id)
        ).scalars()
        return [f"{r.actor} {r.new_value}" for r in rows]


def test_reset_then_forced_change_in_the_services(app) -> None:  # type: ignore[no-untyped-def]
    team = make_team(app)
    with pytest.raises(PermissionDenied):
        users.reset_password(app, team.pt, "rn.smith", TEMPORARY)
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        users.reset_password(app, team.admin, "rn.smith", "short")
    users.reset_password(app, team.admin, "rn.smith", TEMPORARY)
    with pytest.raises(AuthenticationFailed):
        users.authenticate(app, "rn.smith", PASSWORD)
    nurse = users.authenticate(app, "rn.smith", TEMPORARY)
    assert users.must_change_password(app, nurse)
    with pytest.raises(InvalidInput, match="same as the current one"):
        users.change_own_password(app, nurse, TEMPORARY, TEMPORARY)
    users.change_own_password(app, nurse, TEMPORARY, "my-own-password")
    assert not users.must_change_password(app, nurse)
    assert users.authenticate(app, "rn.smith", "my-own-password").username == "rn.smith"
    audit = _password_audit(app)
    assert len(audit) == 2 and audit[0].startswith(team.admin.label) and TEMPORARY not in " ".join(audit)


def test_admin_resets_in_settings_and_the_user_must_choose_at_sign_in(app, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    team = make_team(app)
    settings = SettingsDialog(app, team.admin)
    qtbot.addWidget(settings)
    names = [u.username for u in settings.user_rows]
    settings.users_table.selectRow(names.index("rn.smith"))
    assert settings.reset_password_button.isEnabled()
    reset = ResetPasswordDialog(app, team.admin, "rn.smith", settings)
    qtbot.addWidget(reset)
    reset.password.setText(TEMPORARY)
    reset.repeat.setText("different-1234")
    assert reset.save() is False and "The two passwords are different" in reset.error.text()
    reset.repeat.setText(TEMPORARY)
    assert reset.save() is True
    settings.users_table.selectRow(names.index("admin.ada"))
    assert not settings.reset_password_button.isEnabled()  # one's own: Change my password

    # At the sign-in the temporary password opens only the "choose your password" step.
    chosen: list[str] = []

    def choose(dialog: ChangePasswordDialog) -> int:
        assert dialog.current is None  # the temporary password was just typed: not asked again
        dialog.password.setText("my-own-password")
        dialog.repeat.setText("my-own-password")
        chosen.append("yes")
        return QDialog.DialogCode.Accepted if dialog.save() else QDialog.DialogCode.Rejected

    monkeypatch.setattr(ChangePasswordDialog, "exec", choose)
    view = LoginView(app)
    qtbot.addWidget(view)
    signed: list[object] = []
    view.signed_in.connect(signed.append)
    qtbot.keyClicks(view.username, "rn.smith")
    qtbot.keyClicks(view.password, TEMPORARY)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.signing_in, timeout=20_000)  # checked off the GUI thread
    assert chosen == ["yes"] and len(signed) == 1
    assert users.authenticate(app, "rn.smith", "my-own-password").username == "rn.smith"


def test_declining_to_choose_a_password_does_not_sign_in(app, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    team = make_team(app)
    users.reset_password(app, team.admin, "pt.jones", TEMPORARY)
    monkeypatch.setattr(ChangePasswordDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    view = LoginView(app)
    qtbot.addWidget(view)
    signed: list[object] = []
    view.signed_in.connect(signed.append)
    qtbot.keyClicks(view.username, "pt.jones")
    qtbot.keyClicks(view.password, TEMPORARY)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.signing_in, timeout=20_000)  # checked off the GUI thread
    assert signed == [] and "Choose your own password to sign in" in view.sign_in_error.text()


def test_a_user_changes_their_own_password_in_settings(app, qtbot) -> None:  # type: ignore[no-untyped-def]
    team = make_team(app)
    dialog = ChangePasswordDialog(app, team.admin)
    qtbot.addWidget(dialog)
    assert dialog.current is not None
    dialog.current.setText("not-my-password")
    dialog.password.setText("a-new-password")
    dialog.repeat.setText("a-new-password")
    assert dialog.save() is False and "Wrong username or password" in dialog.error.text()
    dialog.current.setText(PASSWORD)
    assert dialog.save() is True
    assert users.authenticate(app, "admin.ada", "a-new-password").username == "admin.ada"


def test_settings_history_shows_user_settings_and_qi_changes(app, qtbot) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from trialapp.services import admin_history
    from trialapp.services import qi as qi_service
    from trialapp.services.site_settings import CLINIC_NAME, set_site_setting

    team = make_team(app)
    users.reset_password(app, team.admin, "rn.smith", TEMPORARY)
    set_site_setting(app, team.admin, CLINIC_NAME, "Spasticity Clinic")
    qi_service.create_procedure(
        app, team.nurse, qi_service.NewProcedure(date(2025, 9, 1), "removal", "North", "Dr A")
    )
    with pytest.raises(PermissionDenied):
        admin_history.admin_history(app, team.qi)
    dialog = SettingsDialog(app, team.admin)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentWidget(dialog.history)
    table = dialog.history.table
    cells = {table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())}
    assert {"users", "settings", "QI procedures", "QI bundle"} <= cells
    assert "password" in cells and TEMPORARY not in " ".join(cells)
    dialog.history.area.setCurrentIndex(dialog.history.area.findData("settings"))
    areas = {table.item(r, 2).text() for r in range(table.rowCount())}
    assert areas == {"settings"}


def test_settings_history_shows_backups_and_restores_with_who_when_and_why(app, qtbot) -> None:  # type: ignore[no-untyped-def]
    from trialapp.services import admin_history, backups_admin

    team = make_team(app)
    backup = backups_admin.back_up_now(app, team.admin).path
    (taken,) = admin_history.admin_history(app, team.admin, "backups")
    assert (taken.action, taken.actor, taken.area) == ("backup", team.admin.label, "backups and restores")
    assert backup.name in taken.new and taken.at_utc
    done = backups_admin.restore_and_reopen(app, team.admin, backup, "the disk was replaced")
    try:
        # The restored file is the backup (taken before its own audit row) plus the restore.
        (restored,) = admin_history.admin_history(done.app, team.admin, "backups")
        assert (restored.action, restored.actor, restored.reason) == (
            "restore", team.admin.label, "the disk was replaced"
        )
        dialog = SettingsDialog(done.app, team.admin)
        qtbot.addWidget(dialog)
        dialog.tabs.setCurrentWidget(dialog.history)
        table = dialog.history.table
        cells = {table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())}
        assert {"backups and restores", "the disk was replaced"} <= cells
        assert dialog.history.area.findText("Backups and restores") >= 0
        dialog.close()
    finally:
        done.app.close()
