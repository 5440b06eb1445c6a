"""Settings (admin): users, idle minutes, protocol defaults, clinic details — stored through services,
audited, with problems next to the fields and nothing written on a refusal."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from tests.ui.shell_helpers import make_team
from trialapp.services import app_settings, site_settings, users, vital_limits
from trialapp.services.errors import InvalidInput, PermissionDenied
from trialapp.storage import models as m
from trialapp.ui.views.settings import AddUserDialog, SettingsDialog


def _audit_rows(app, table: str) -> int:
    with app.db.read() as s:
        return s.execute(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.table_name == table)
        ).scalar_one()


def _dialog(app, qtbot, actor) -> SettingsDialog:
    dialog = SettingsDialog(app, actor)
    qtbot.addWidget(dialog)
    return dialog


def test_add_disable_and_enable_a_user(app, qtbot):
    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    assert dialog.users_table.rowCount() == 6

    add = AddUserDialog(app, team.admin)
    qtbot.addWidget(add)
    add.username.setText("pt.new")
    add.full_name.setText("Pia New")
    add.role.setCurrentIndex(add.role.findData("pt"))
    add.password.setText("short")
    add.repeat.setText("short")
    add.save()
    assert "at least 8 characters" in add.error.text()
    assert "pt.new" not in {u.username for u in users.list_users(app)}
    add.password.setText("long-enough-pw")
    add.repeat.setText("long-enough-pw")
    add.save()
    assert add.created is not None and add.created.role == "pt"

    dialog.refresh_users(select="pt.new")
    assert dialog.users_table.rowCount() == 7
    assert dialog.selected_user().username == "pt.new"
    assert dialog.disable_button.isEnabled() and not dialog.enable_button.isEnabled()
    dialog.disable_button.click()
    assert not next(u for u in users.list_users(app) if u.username == "pt.new").active
    assert dialog.users_table.item(dialog.users_table.currentRow(), 3).text() == "disabled"
    dialog.enable_button.click()
    assert next(u for u in users.list_users(app) if u.username == "pt.new").active


def test_the_add_user_dialog_names_every_problem_at_once(app, qtbot):
    team = make_team(app)
    add = AddUserDialog(app, team.admin)
    qtbot.addWidget(add)
    add.username.setText("pt.jones")  # taken
    add.role.setCurrentIndex(add.role.findData("pt"))
    add.password.setText("short")
    add.repeat.setText("shorter")
    add.save()
    text = add.error.text()
    for words in ("is taken", "full name is required", "at least 8 characters", "two passwords are different"):
        assert words in text, words
    assert add.created is None


def test_the_admin_cannot_disable_their_own_account(app, qtbot):
    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    dialog.refresh_users(select="admin.ada")
    assert not dialog.disable_button.isEnabled()


def test_idle_minutes_are_saved_and_audited(app, qtbot):
    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    assert dialog.idle_minutes.value() == 5
    dialog.idle_minutes.setValue(15)
    dialog.save_idle_button.click()
    assert app_settings.idle_minutes(app) == 15
    assert _audit_rows(app, "settings") == 1
    assert "15 min" in dialog.idle_status.text()
    with pytest.raises(InvalidInput, match="from 1 to 60"):
        app_settings.set_idle_minutes(app, team.admin, 0)
    with pytest.raises(PermissionDenied):
        app_settings.set_idle_minutes(app, team.neuro, 10)
    assert app_settings.idle_minutes(app) == 15


def test_backups_kept_are_saved_audited_and_used_by_the_daily_backup(app, qtbot):
    from trialapp.services.context import backup_keep

    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    assert dialog.backups_kept.value() == 10 == backup_keep(app.db)
    dialog.backups_kept.setValue(4)
    dialog.save_backups_button.click()
    assert backup_keep(app.db) == 4  # what the next daily backup's rotation reads
    assert _audit_rows(app, "settings") == 1
    assert "newest 4" in dialog.backups_status.text()
    for bad in (1, 61, True, "5"):
        with pytest.raises(InvalidInput, match="from 2 to 60"):
            app_settings.set_backups_kept(app, team.admin, bad)
    with pytest.raises(PermissionDenied):
        app_settings.set_backups_kept(app, team.pt, 6)
    assert backup_keep(app.db) == 4
    assert _audit_rows(app, "settings") == 1


def test_protocol_defaults_with_problems_next_to_the_field(app, qtbot):
    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    dialog.p_schedule.setText("1, 2, later")
    dialog.save_protocol()
    assert "'later' is not a number" in dialog.p_errors["schedule_hours"].text()
    dialog.p_schedule.setText("1, 1, 4")
    dialog.save_protocol()
    assert "twice" in dialog.p_errors["schedule_hours"].text()
    assert _audit_rows(app, "settings") == 0

    dialog.p_schedule.setText("4, 1, 2")
    dialog.p_threshold.setValue(1.5)
    dialog.p_region.setCurrentIndex(dialog.p_region.findData("upper"))
    dialog.save_protocol()
    stored = app_settings.site_protocol_settings(app)
    assert (stored.schedule_hours, stored.threshold, stored.region) == ((1, 2, 4), 1.5, "upper")
    assert stored.max_dose_mcg == 100  # the protocol maximum is not a site setting
    assert _audit_rows(app, "settings") == 1
    dialog.restore_protocol_button.click()
    assert dialog.p_schedule.text() == "1, 2, 4, 6, 8"


def test_vital_limits_are_shown_with_their_citation(app, qtbot):
    team = make_team(app)
    tab = _dialog(app, qtbot, team.admin).vital_limits
    published = vital_limits.published_limits()
    assert tab.table.rowCount() == len(published.bands) >= 10
    assert tab.table.item(0, 0).text() == published.bands[0].label
    assert tab.table.item(0, 1).text() == f"{published.bands[0].hr_low:g}"
    assert "published" in tab.state.text() and not tab.restore_button.isEnabled()
    assert "Fleming" in tab.citation.text() and "Lancet 2011" in tab.citation.text()


def test_vital_limits_edited_saved_audited_and_restored(app, qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    team = make_team(app)
    tab = _dialog(app, qtbot, team.admin).vital_limits
    tab.table.item(3, 1).setText("95")  # heart rate from, fourth age band
    tab.urgent["hr_low"].setChecked(True)
    tab.save_button.click()
    assert "Say why" in tab.errors.text()  # a note is required
    assert _audit_rows(app, "settings") == 0
    tab.note.setText("Earlier warnings agreed with anaesthesia")
    tab.save_button.click()
    assert not tab.errors.isVisible(), tab.errors.text()
    used = vital_limits.vital_bands(app)
    assert used.bands[3].hr_low == 95 and "hr_low" in used.urgent_codes
    assert used.bands[3].source.startswith("Edited at this site; published: HR ")
    assert used.bands[4].source == vital_limits.published_limits().bands[4].source  # unchanged band
    assert _audit_rows(app, "settings") == 1
    assert "Earlier warnings" in tab.state.text() and tab.restore_button.isEnabled()
    # Restoring asks for confirmation and a reason (issue 25): cancelled or without a reason, nothing changes.
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    tab.restore_button.click()
    assert "not changed" in tab.status.text() and _audit_rows(app, "settings") == 1
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  ", True))
    tab.restore_button.click()
    assert "Give the reason" in tab.status.text() and _audit_rows(app, "settings") == 1
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("trial of earlier warnings ended", True))
    tab.restore_button.click()
    assert vital_limits.vital_bands(app) == vital_limits.published_limits()
    assert _audit_rows(app, "settings") == 2
    with app.db.read() as s:
        last = s.execute(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(1)).scalar_one()
    assert last.table_name == "settings" and last.reason == "trial of earlier warnings ended"


def test_vital_limits_with_problems_save_nothing(app, qtbot):
    team = make_team(app)
    tab = _dialog(app, qtbot, team.admin).vital_limits
    label = tab.table.item(2, 0).text()
    tab.note.setText("test")
    tab.table.item(2, 3).setText("fast")
    tab.table.item(5, 1).setText("500")  # heart rate from above heart rate to
    tab.save_button.click()
    assert f"{label}, Breathing rate from: 'fast' is not a number" in tab.errors.text()
    tab.table.item(2, 3).setText(f"{vital_limits.published_limits().bands[2].rr_low:g}")
    tab.save_button.click()
    problems = tab.errors.text()
    assert tab.table.item(5, 0).text() in problems and "heart rate from" in problems, problems
    assert vital_limits.site_limits(app).edited_at_site is False
    assert _audit_rows(app, "settings") == 0


def test_clinic_details_all_or_nothing(app, qtbot):
    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    name, _ = dialog.clinic_fields[site_settings.CLINIC_NAME]
    phone, phone_error = dialog.clinic_fields[site_settings.CLINIC_PHONE]
    emergency, _ = dialog.clinic_fields[site_settings.EMERGENCY_NUMBER]
    name.setText("Synthetic Spasticity Clinic")
    phone.setText("call reception")
    emergency.setText("112")
    dialog.save_clinic_button.click()
    assert "not a phone number" in phone_error.text()
    assert site_settings.read_site_settings(app) == site_settings.SiteSettings()  # nothing saved

    phone.setText("+1 (555) 010-4477 ext. 12")
    dialog.save_clinic_button.click()
    saved = site_settings.read_site_settings(app)
    assert saved == site_settings.SiteSettings(
        "Synthetic Spasticity Clinic", "+1 (555) 010-4477 ext. 12", "112"
    )
    assert dialog.clinic_status.text() == "Saved."


def test_the_hard_ceiling_is_the_admins_audited_and_at_most_200(app, qtbot):
    team = make_team(app)
    dialog = _dialog(app, qtbot, team.admin)
    assert dialog.hard_ceiling.value() == 150  # the published default (R8 revision 2)
    assert dialog.hard_ceiling.maximum() == 200  # the field cannot go above 200 mcg
    dialog.hard_ceiling.setValue(120)
    dialog.save_ceiling_button.click()
    assert app_settings.hard_ceiling(app) == 120
    assert _audit_rows(app, "settings") == 1
    assert "120 mcg" in dialog.ceiling_status.text()
    with pytest.raises(InvalidInput, match="above 200 mcg"):
        app_settings.set_hard_ceiling(app, team.admin, 250)
    with pytest.raises(PermissionDenied):
        app_settings.set_hard_ceiling(app, team.neuro, 100)
    assert app_settings.hard_ceiling(app) == 120


def test_a_changed_vital_sign_limit_is_marked_in_words_not_colour_alone(app, qtbot):
    """Issue 25 item 9: a cell that differs from the published limit is bold and says what it was."""
    team = make_team(app)
    tab = _dialog(app, qtbot, team.admin).vital_limits
    published = vital_limits.published_limits()
    cell = tab.table.item(3, 1)
    assert not cell.font().bold() and cell.toolTip() == ""
    cell.setText("95")  # typed: marked at once
    assert cell.font().bold()
    assert cell.toolTip() == f"changed from {published.bands[3].hr_low:g}"
    tab.note.setText("Earlier warnings agreed with anaesthesia")
    tab.spo2.setValue(round(published.spo2_low) + 2)
    assert tab.spo2_changed.text() == f"changed from {published.spo2_low:g} %"
    tab.save_button.click()
    saved = tab.table.item(3, 1)  # shown again from what was saved
    assert saved.font().bold() and saved.toolTip().startswith("changed from")
    assert "changed from" in saved.data(Qt.ItemDataRole.AccessibleTextRole)
    assert not tab.table.item(4, 1).font().bold() and tab.table.item(4, 1).toolTip() == ""
    assert "bold" in tab.changed_legend.text()
    cell = tab.table.item(3, 1)
    cell.setText(f"{published.bands[3].hr_low:g}")  # typed back: no longer marked
    assert not cell.font().bold() and cell.toolTip() == ""
