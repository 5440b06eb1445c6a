"""Settings (admin): users, the idle lock and backups, protocol defaults for new trials, the vital-sign
alert limits (with their citation), and the clinic's details printed on summaries. Every change goes through a service and is
audited."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.dosing import DEFAULT_HARD_CEILING_MCG, LADDERS, MAX_HARD_CEILING_MCG
from trialapp.domain.protocol import DEFAULT_SETTINGS
from trialapp.domain.vocabulary import LATE_AFTER_MINUTES
from trialapp.services import app_settings, site_settings, users
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import ROLE_NAMES
from trialapp.ui.actions import user_action
from trialapp.ui.fit_screen import fit_dialog, fit_window
from trialapp.ui.views.admin_history import AdminHistoryTab
from trialapp.ui.views.common import button, error_label, label, ok_cancel, run_service, show_error
from trialapp.ui.views.new_trial import CODINGS, REGIONS, defaults_label
from trialapp.ui.views.password_dialogs import ChangePasswordDialog, ResetPasswordDialog
from trialapp.ui.views.vital_limits_tab import VitalLimitsTab


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def _readonly_table(headers: tuple[str, ...], accessible: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(accessible)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    return table


class AddUserDialog(QDialog):
    """Username, full name, role, password (twice); problems from the service under the form."""

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self.created: users.UserInfo | None = None
        self.setWindowTitle("Add a user")
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("for example pt.jones")
        self.full_name = QLineEdit()
        self.full_name.setAccessibleName("Full name")
        self.full_name.setPlaceholderText("as it should appear on records, e.g. Dr Sam Lee")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for code in users.ROLES:
            self.role.addItem(ROLE_NAMES.get(code, code), code)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName("Repeat the password")
        self.error = error_label()
        form = QFormLayout()
        form.addRow(label("&Username", buddy=self.username), self.username)
        form.addRow(label("&Full name", buddy=self.full_name), self.full_name)
        form.addRow(label("&Role", buddy=self.role), self.role)
        form.addRow(label("&Password", buddy=self.password), self.password)
        form.addRow(label("R&epeat password", buddy=self.repeat), self.repeat)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            label(
                f"The password needs at least {users.MIN_PASSWORD_LENGTH} characters. Give it to the person "
                "privately.",
                "muted",
                wrap=True,
            )
        )
        layout.addWidget(self.error)
        buttons, self.ok = ok_cancel(self, "Add user", self.save)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        fit_dialog(self)

    def save(self) -> None:
        # The service judges every entry, the two passwords too, so all problems come in one round.
        done = user_action(
            lambda: users.add_user(
                self._app,
                self._actor,
                self.username.text(),
                self.role.currentData(),
                self.full_name.text(),
                self.password.text(),
                self.repeat.text(),
            ),
            error=self.error,
        )
        if done is not None:
            self.created = done.value
            self.accept()


class SettingsDialog(QDialog):
    """The admin's settings, one tab per topic."""

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self.setWindowTitle("Settings")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings topics")
        # The tabs take Alt+U, L, P, V, C and H in the whole dialog: the fields in them use other letters.
        self.tabs.addTab(self._users_tab(), "&Users")
        self.tabs.addTab(self._session_tab(), "&Lock and backups")
        self.tabs.addTab(_scroll(self._protocol_tab()), "&Protocol defaults")
        self.vital_limits = VitalLimitsTab(app, actor)
        self.tabs.addTab(_scroll(self.vital_limits), "&Vital-sign limits")
        self.tabs.addTab(self._clinic_tab(), "&Clinic")
        self.history = AdminHistoryTab(app, actor)
        self.tabs.addTab(self.history, "&History")
        self.tabs.currentChanged.connect(self._tab_shown)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_window(self, 1040, 660)

    def _tab_shown(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.history:
            self.history.refresh()  # what was changed in the other tabs since the dialog opened

    # ------------------------------------------------------------------------------------------- users

    def _users_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(
            label(
                "Each person signs in with their own account; records carry their name. Disable an "
                "account when someone leaves (its records keep the name).",
                "muted",
                wrap=True,
            )
        )
        self.users_table = _readonly_table(("Username", "Full name", "Role", "Status"), "Users")
        header = self.users_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.users_table.itemSelectionChanged.connect(self._user_selected)
        v.addWidget(self.users_table, 1)
        row = QHBoxLayout()
        self.add_user_button = button("Add user…")
        self.disable_button = button("Disable")
        self.enable_button = button("Enable")
        self.reset_password_button = button("Reset password…")
        self.reset_password_button.setToolTip(
            "Set a temporary password; the person chooses their own at the next sign-in"
        )
        self.change_password_button = button("Change my password…")
        row.addWidget(self.add_user_button)
        row.addWidget(self.change_password_button)
        row.addStretch(1)
        row.addWidget(self.reset_password_button)
        row.addWidget(self.disable_button)
        row.addWidget(self.enable_button)
        v.addLayout(row)
        self.reset_password_button.clicked.connect(self.reset_password)
        self.change_password_button.clicked.connect(self.change_password)
        self.add_user_button.clicked.connect(self.add_user)
        self.disable_button.clicked.connect(lambda: self.set_active(False))
        self.enable_button.clicked.connect(lambda: self.set_active(True))
        self.refresh_users()
        return page

    def refresh_users(self, select: str | None = None) -> None:
        self.user_rows = users.list_users(self._app)
        self.users_table.setRowCount(len(self.user_rows))
        for i, u in enumerate(self.user_rows):
            status = "active" if u.active else "disabled"
            if u.active and u.locked_until is not None:
                status = f"locked until {u.locked_until:%H:%M}"
            for j, text in enumerate((u.username, u.full_name, ROLE_NAMES.get(u.role, u.role), status)):
                self.users_table.setItem(i, j, QTableWidgetItem(text))
            if u.username == select:
                self.users_table.selectRow(i)
        self._user_selected()

    def selected_user(self) -> users.UserInfo | None:
        rows = self.users_table.selectionModel().selectedRows()
        return self.user_rows[rows[0].row()] if rows else None

    def _user_selected(self) -> None:
        user = self.selected_user()
        self.disable_button.setEnabled(
            user is not None and user.active and user.username != self._actor.username
        )
        self.enable_button.setEnabled(user is not None and not user.active)
        self.reset_password_button.setEnabled(user is not None and user.username != self._actor.username)

    def reset_password(self) -> None:
        user = self.selected_user()
        if user is not None and ResetPasswordDialog(self._app, self._actor, user.username, self).exec():
            self.refresh_users(select=user.username)

    def change_password(self) -> None:
        ChangePasswordDialog(self._app, self._actor, self).exec()

    def add_user(self) -> None:
        dialog = AddUserDialog(self._app, self._actor, self)
        if dialog.exec() and dialog.created is not None:
            self.refresh_users(select=dialog.created.username)

    def set_active(self, active: bool) -> None:
        user = self.selected_user()
        if user is None:
            return
        if (
            run_service(
                self,
                "The account was not changed",
                lambda: users.set_active(self._app, self._actor, user.username, active),
            )
            is not None
        ):
            self.refresh_users(select=user.username)

    # -------------------------------------------------------------------------------------- idle lock

    def _session_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(
            label(
                "After this many minutes without keyboard or mouse use, the window blurs and asks for "
                "the password of the person signed in. Someone else can switch user instead.",
                "muted",
                wrap=True,
            )
        )
        form = QFormLayout()
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setAccessibleName("Idle minutes before the lock")
        self.idle_minutes.setRange(app_settings.MIN_IDLE_MINUTES, app_settings.MAX_IDLE_MINUTES)
        self.idle_minutes.setSuffix(" min")
        self.idle_minutes.setValue(app_settings.idle_minutes(self._app))
        form.addRow(label("Lock &after", buddy=self.idle_minutes), self.idle_minutes)
        v.addLayout(form)
        self.idle_status = label("", "muted")
        self.save_idle_button = button("Save", "Save the idle lock minutes", primary=True)
        self.save_idle_button.clicked.connect(self.save_idle)
        row = QHBoxLayout()
        row.addWidget(self.idle_status, 1)
        row.addWidget(self.save_idle_button)
        v.addLayout(row)
        v.addSpacing(16)
        v.addWidget(
            label(
                "Automatic backups are taken before every upgrade and on the first opening of each day, "
                "in the 'backups' folder beside the database. The oldest are deleted beyond this number; backups "
                "written with "
                "'trialapp backup --out' are never deleted.",
                "muted",
                wrap=True,
            )
        )
        backups_form = QFormLayout()
        self.backups_kept = QSpinBox()
        self.backups_kept.setAccessibleName("Automatic backups to keep")
        self.backups_kept.setRange(app_settings.MIN_BACKUPS_KEPT, app_settings.MAX_BACKUPS_KEPT)
        self.backups_kept.setSuffix(" backups")
        self.backups_kept.setValue(app_settings.backups_kept(self._app))
        backups_form.addRow(label("&Keep the newest", buddy=self.backups_kept), self.backups_kept)
        v.addLayout(backups_form)
        self.backups_status = label("", "muted")
        self.save_backups_button = button("Save", "Save how many automatic backups to keep")
        self.save_backups_button.clicked.connect(self.save_backups_kept)
        backups_row = QHBoxLayout()
        backups_row.addWidget(self.backups_status, 1)
        backups_row.addWidget(self.save_backups_button)
        v.addLayout(backups_row)
        self.backups_button = button("Backups: list, back up now, restore…", "Backups")
        self.backups_button.clicked.connect(self.open_backups)
        backups_list_row = QHBoxLayout()
        backups_list_row.addWidget(self.backups_button)
        backups_list_row.addStretch(1)
        v.addLayout(backups_list_row)
        v.addStretch(1)
        return page

    def open_backups(self) -> None:
        """The backups dialog; after a restore this dialog closes (the database it shows was replaced)."""
        from trialapp.ui.views.backups import BackupsDialog

        host = self.parent() if hasattr(self.parent(), "attach_services") else None
        dialog = BackupsDialog(self._app, self._actor, host=host, parent=self)  # type: ignore[arg-type]
        dialog.exec()
        restored = dialog.reopened is not None
        dialog.deleteLater()
        if restored:
            self.reject()

    def save_backups_kept(self) -> None:
        count = self.backups_kept.value()
        if (
            run_service(
                self,
                "The number of backups kept was not changed",
                lambda: app_settings.set_backups_kept(self._app, self._actor, count),
            )
            is not None
        ):
            self.backups_status.setText(f"Saved: the newest {count} automatic backups are kept.")

    def save_idle(self) -> None:
        minutes = self.idle_minutes.value()
        if (
            run_service(
                self,
                "The idle lock was not changed",
                lambda: app_settings.set_idle_minutes(self._app, self._actor, minutes),
            )
            is not None
        ):
            self.idle_status.setText(f"Saved: the window locks after {minutes} min without use.")

    # --------------------------------------------------------------------------------- protocol defaults

    def _protocol_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(
            label(
                "What a new trial starts with at this site. A trial keeps the settings it was started "
                "with, so changing these never changes a trial on file.",
                "muted",
                wrap=True,
            )
        )
        form = QFormLayout()
        self.p_ladder = QComboBox()
        self.p_ladder.setAccessibleName("Default dose ladder")
        for code, steps in LADDERS.items():
            self.p_ladder.addItem(f"{code.replace('_', ' ')}: {', '.join(str(x) for x in steps)} mcg", code)
        self.p_coding = QComboBox()
        self.p_coding.setAccessibleName("Default MAS coding")
        for text, code in CODINGS:
            self.p_coding.addItem(text, code)
        self.p_region = QComboBox()
        self.p_region.setAccessibleName("Default region")
        for text, code in REGIONS:
            self.p_region.addItem(text, code)
        self.p_threshold = QDoubleSpinBox()
        self.p_threshold.setAccessibleName("Default responder threshold")
        self.p_threshold.setRange(0.1, 4.0)
        self.p_threshold.setSingleStep(0.5)
        self.p_threshold.setDecimals(1)
        self.p_schedule = QLineEdit()
        self.p_schedule.setAccessibleName("Default reassessment hours")
        self.p_schedule.setPlaceholderText("e.g. 1, 2, 4, 6, 8")
        self.p_late = QSpinBox()
        self.p_late.setAccessibleName("Late after minutes")
        self.p_late.setRange(LATE_AFTER_MINUTES.lo or 0, LATE_AFTER_MINUTES.hi or 240)
        self.p_late.setSuffix(" min")
        self.p_errors: dict[str, QLabel] = {}
        for key, caption, widget in (
            ("ladder", "Dose la&dder", self.p_ladder),
            ("mas_coding", "MAS c&oding", self.p_coding),
            ("region", "&Region", self.p_region),
            ("threshold", "Responder &threshold", self.p_threshold),
            ("schedule_hours", "Reassess&ments (hours after the dose)", self.p_schedule),
            ("late_after_minutes", "Late &after", self.p_late),
        ):
            box = QWidget()
            bv = QVBoxLayout(box)
            bv.setContentsMargins(0, 0, 0, 0)
            bv.addWidget(widget)
            self.p_errors[key] = error_label()
            bv.addWidget(self.p_errors[key])
            form.addRow(label(caption, buddy=widget), box)
        v.addLayout(form)
        self.protocol_status = label("", "muted", wrap=True)
        self.save_protocol_button = button("Save", "Save the protocol defaults", primary=True)
        self.restore_protocol_button = button("Restore the published defaults")
        self.save_protocol_button.clicked.connect(self.save_protocol)
        self.restore_protocol_button.clicked.connect(lambda: self._show_protocol(DEFAULT_SETTINGS))
        row = QHBoxLayout()
        row.addWidget(self.protocol_status, 1)
        row.addWidget(self.restore_protocol_button)
        row.addWidget(self.save_protocol_button)
        v.addLayout(row)
        v.addSpacing(12)
        v.addLayout(self._ceiling_box())
        v.addWidget(label("The defaults and their sources", "subtitle"))
        self.defaults_box = QVBoxLayout()
        v.addLayout(self.defaults_box)
        self._show_protocol(app_settings.site_protocol_settings(self._app))
        return page

    def _ceiling_box(self) -> QVBoxLayout:
        """The site's hard ceiling of a screening dose (R8 revision 2): only the admin changes it."""
        box = QVBoxLayout()
        box.addWidget(label("Hard ceiling of a screening dose", "subtitle"))
        box.addWidget(
            label(
                "No dose above this can be given, whoever orders it and whatever the reason: nobody at the "
                f"bedside can override it. Published default {DEFAULT_HARD_CEILING_MCG} mcg; the app refuses "
                f"a ceiling above {MAX_HARD_CEILING_MCG} mcg. Every change is recorded in the audit trail.",
                "muted",
                wrap=True,
            )
        )
        self.hard_ceiling = QSpinBox()
        self.hard_ceiling.setAccessibleName("Hard ceiling of a screening dose, in mcg")
        self.hard_ceiling.setRange(1, MAX_HARD_CEILING_MCG)
        self.hard_ceiling.setSuffix(" mcg")
        self.hard_ceiling.setValue(app_settings.hard_ceiling(self._app))
        form = QFormLayout()
        form.addRow(label("Hard ceili&ng", buddy=self.hard_ceiling), self.hard_ceiling)
        box.addLayout(form)
        self.ceiling_status = label("", "muted")
        self.save_ceiling_button = button("Save", "Save the hard ceiling")
        self.save_ceiling_button.clicked.connect(self.save_hard_ceiling)
        row = QHBoxLayout()
        row.addWidget(self.ceiling_status, 1)
        row.addWidget(self.save_ceiling_button)
        box.addLayout(row)
        return box

    def save_hard_ceiling(self) -> None:
        mcg = self.hard_ceiling.value()
        if (
            run_service(
                self,
                "The hard ceiling was not changed",
                lambda: app_settings.set_hard_ceiling(self._app, self._actor, mcg),
            )
            is not None
        ):
            self.ceiling_status.setText(f"Saved: no screening dose above {mcg} mcg can be given.")

    def _show_protocol(self, s: Any) -> None:
        self.p_ladder.setCurrentIndex(max(0, self.p_ladder.findData(s.ladder)))
        self.p_coding.setCurrentIndex(max(0, self.p_coding.findData(s.mas_coding)))
        self.p_region.setCurrentIndex(max(0, self.p_region.findData(s.region)))
        self.p_threshold.setValue(s.threshold)
        self.p_schedule.setText(", ".join(f"{h:g}" for h in s.schedule_hours))
        self.p_late.setValue(s.late_after_minutes)
        while self.defaults_box.count():
            item = self.defaults_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.defaults_box.addWidget(defaults_label(app_settings.defaults_with_sources(s)))

    def save_protocol(self) -> None:
        for e in self.p_errors.values():
            show_error(e, None)
        try:
            hours = app_settings.parse_schedule_hours(self.p_schedule.text())
        except InvalidInput as exc:
            show_error(self.p_errors["schedule_hours"], str(exc))
            return
        settings = replace(
            app_settings.site_protocol_settings(self._app),
            ladder=self.p_ladder.currentData(),
            mas_coding=self.p_coding.currentData(),
            region=self.p_region.currentData(),
            threshold=round(self.p_threshold.value(), 1),
            schedule_hours=hours,
            late_after_minutes=self.p_late.value(),
        )
        problems = app_settings.protocol_problems(settings)
        if problems:
            for key, message in problems.items():
                show_error(self.p_errors[key], message)
            return
        if (
            run_service(
                self,
                "The protocol defaults were not saved",
                lambda: app_settings.set_protocol_defaults(self._app, self._actor, settings),
            )
            is not None
        ):
            self.protocol_status.setText("Saved. New trials start with these settings.")
            self._show_protocol(settings)

    # ---------------------------------------------------------------------------------------- clinic

    def _clinic_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(
            label(
                "Printed on the family and clinical summaries. Families call the clinic phone with "
                "questions or warning signs.",
                "muted",
                wrap=True,
            )
        )
        current = site_settings.read_site_settings(self._app)
        form = QFormLayout()
        self.clinic_fields: dict[str, tuple[QLineEdit, QLabel]] = {}
        for key, caption, placeholder in (
            (site_settings.CLINIC_NAME, "Clinic &name", "e.g. Children's Spasticity Clinic"),
            (site_settings.CLINIC_PHONE, "Clinic ph&one", "e.g. +1 (555) 010-4477 ext. 12"),
            (site_settings.EMERGENCY_NUMBER, "&Emergency number", "e.g. 911, 112 or 999"),
        ):
            field = QLineEdit(getattr(current, key) or "")
            field.setAccessibleName(caption.replace("&", ""))
            field.setPlaceholderText(placeholder)
            error = error_label()
            box = QWidget()
            bv = QVBoxLayout(box)
            bv.setContentsMargins(0, 0, 0, 0)
            bv.addWidget(field)
            bv.addWidget(error)
            form.addRow(label(caption, buddy=field), box)
            field.returnPressed.connect(self.save_clinic)  # Enter saves, as in the other forms
            self.clinic_fields[key] = (field, error)
        v.addLayout(form)
        self.clinic_status = label("", "muted", wrap=True)
        self.save_clinic_button = button("Save", "Save the clinic details", primary=True)
        self.save_clinic_button.clicked.connect(self.save_clinic)
        row = QHBoxLayout()
        row.addWidget(self.clinic_status, 1)
        row.addWidget(self.save_clinic_button)
        v.addLayout(row)
        v.addStretch(1)
        return page

    def save_clinic(self) -> None:
        # Check every field first, so that nothing is stored while another field is wrong.
        ok = True
        for key, (field, error) in self.clinic_fields.items():
            try:
                site_settings.validate_setting(key, field.text())
                show_error(error, None)
            except InvalidInput as exc:
                show_error(error, str(exc))
                ok = False
        if not ok:
            self.clinic_status.setText("Nothing was saved: correct the field marked in red.")
            return

        def save_all() -> None:
            for key, (field, _error) in self.clinic_fields.items():
                site_settings.set_site_setting(self._app, self._actor, key, field.text())

        if user_action(save_all, error=self.clinic_status.setText) is None:
            return
        missing = site_settings.read_site_settings(self._app).missing()
        self.clinic_status.setText(
            "Saved."
            + (f" Still empty: {', '.join(k.replace('_', ' ') for k in missing)}." if missing else "")
        )
