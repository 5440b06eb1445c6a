"""Backups (admin; Admin → Backups…, or Settings → Lock and backups): the list of backups with the last
one's time, *Back up now*, and *Restore…* — verified first, then confirmed with a reason; the current file is
kept aside, the database reopens and everyone signs in again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.numbers import plain_number
from trialapp.services import backups_admin
from trialapp.services.context import Actor, App
from trialapp.ui.actions import BackgroundAction, user_action, user_action_in_background
from trialapp.ui.views.common import button, error_label, label, ok_cancel, show_error

RESTORE_EXPLAINED = (
    "trialapp will close the database, keep the current file aside under a new name (nothing is deleted), "
    "put this backup in its place and open the database again. Everyone signs in again afterwards."
)


class RestoreHost(Protocol):
    """The main window, as the restore needs it: sign everyone out, then take the reopened database."""

    def sign_out(self, *, message: str | None = None, force: bool = True) -> bool: ...
    def attach_services(self, app: App) -> None: ...


def when(moment: datetime, now: datetime | None = None) -> str:
    """A backup's time as a person says it: the date and time, and how long ago."""
    now = now or datetime.now()
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        ago = "just now"
    elif minutes < 120:
        ago = f"{minutes} min ago"
    elif minutes < 48 * 60:
        ago = f"{minutes // 60} hours ago"
    else:
        ago = f"{minutes // (24 * 60)} days ago"
    return f"{moment.strftime('%d %b %Y %H:%M')} ({ago})"


def _size(size_bytes: int) -> str:
    return f"{plain_number(round(size_bytes / 1024**2, 1))} MB"


class ConfirmRestoreDialog(QDialog):
    """What the verified backup holds, what will happen, and the reason (required)."""

    def __init__(self, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore a backup")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why this backup is restored")
        self.reason.setPlaceholderText("for example: the laptop's disk failed; restored yesterday's backup")
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(label(description, wrap=True))
        layout.addWidget(label(RESTORE_EXPLAINED, "muted", wrap=True))
        layout.addWidget(label("&Why is this backup restored? (kept in the audit trail)", buddy=self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        buttons, self.ok = ok_cancel(self, "Restore and reopen", self._accept)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def _accept(self) -> None:
        if user_action(lambda: backups_admin.restore_reason(self.reason.text()), error=self.error) is None:
            self.reason.setFocus()
            return  # the service's rule and words: a restore needs its reason
        self.accept()


class BackupsDialog(QDialog):
    """The backups of the open database. ``host`` (the main window) signs everyone out before a restore
    and takes the reopened database after it; ``restored`` hands it over too (tests: ``reopened``)."""

    restored = Signal(object)  # App: the database opened again after a restore (or a failed one)

    def __init__(
        self, app: App, actor: Actor, *, host: RestoreHost | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self._host = host
        self.reopened: App | None = None
        self.running: BackgroundAction | None = None
        self.confirm_dialog: ConfirmRestoreDialog | None = None  # while it asks (tests answer it)
        self._overview: backups_admin.BackupsOverview | None = None
        self.setWindowTitle("Backups")
        self.last = label("", wrap=True)
        self.last.setAccessibleName("Last backup")
        self.where = label("", "muted", wrap=True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Taken", "Kind", "Size"])
        self.table.setAccessibleName("Backups, newest first")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.back_up_button = button("&Back up now", primary=True)
        self.back_up_button.clicked.connect(self.back_up_now)
        self.restore_button = button("&Restore the selected backup…")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = button("Restore from a &file…")
        self.restore_file_button.clicked.connect(self.restore_from_file)
        self.close_button = button("Close")
        self.close_button.clicked.connect(self.reject)
        self.status = label("", "muted", wrap=True)
        self.status.setAccessibleName("Backup progress")
        self.error = error_label()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the copy and its checks report no steps
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Working")
        self.progress.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.last)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.where)
        row = QHBoxLayout()
        for widget in (self.back_up_button, self.restore_button, self.restore_file_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        self.resize(720, 460)
        self.refresh()

    # ------------------------------------------------------------------------------------------ the list

    def refresh(self, select: Path | None = None) -> None:
        done = user_action(self._overview_call, error=self.error)
        if done is None:
            return
        self._overview = overview = done.value
        last = overview.last
        if last is None:
            self.last.setText("No backup of this database yet. Take one now with Back up now.")
            self.last.setProperty("role", "warning")
        else:
            self.last.setText(f"Last backup: {when(last.taken_at)} — {last.kind.lower()}.")
            self.last.setProperty("role", None)
        self.last.style().unpolish(self.last)
        self.last.style().polish(self.last)
        self.where.setText(
            f"In {overview.folder}. The newest {overview.keep} are kept (Settings → Lock and backups); a backup "
            "is taken on the first opening of each day and before every upgrade. Keep the audit key with "
            "copies you take elsewhere."
        )
        self.table.setRowCount(len(overview.backups))
        for i, item in enumerate(overview.backups):
            cells = (item.taken_at.strftime("%d %b %Y %H:%M:%S"), item.kind, _size(item.size_bytes))
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(str(item.path))
                self.table.setItem(i, column, cell)
            if item.path == select:
                self.table.selectRow(i)
        if select is None and overview.backups:
            self.table.selectRow(0)
        self._update_buttons()

    def _overview_call(self) -> backups_admin.BackupsOverview:
        return backups_admin.backups_overview(self._app, self._actor)

    def selected(self) -> Path | None:
        row = self.table.currentRow()
        if self._overview is None or not 0 <= row < len(self._overview.backups):
            return None
        return self._overview.backups[row].path

    def _update_buttons(self) -> None:
        idle = self.running is None
        self.close_button.setEnabled(idle)
        # A copy open read-only (another copy writes) can neither audit a backup nor replace the file.
        writable = idle and not self._app.db.read_only
        for widget in (self.back_up_button, self.restore_file_button):
            widget.setEnabled(writable)
        self.restore_button.setEnabled(writable and self.selected() is not None)
        tip = "" if not self._app.db.read_only else "This copy is open read-only: use the copy that writes."
        for widget in (self.back_up_button, self.restore_button, self.restore_file_button):
            widget.setToolTip(tip)

    def _start(self, action: BackgroundAction) -> None:
        show_error(self.error, None)
        self.running = action
        self.progress.show()
        self._update_buttons()
        action.finished.connect(self._finished)

    def _finished(self) -> None:
        self.running = None
        self.progress.hide()
        self._update_buttons()

    # -------------------------------------------------------------------------------------- back up now

    def back_up_now(self) -> None:
        app, actor = self._app, self._actor

        def done(item: backups_admin.BackupListing) -> None:
            self.refresh(select=item.path)
            self.status.setText(f"Backup written and verified: {item.path.name}.")

        self._start(
            user_action_in_background(
                lambda: backups_admin.back_up_now(app, actor),
                parent=self,
                busy_text="Backing up: copying the database and checking the copy…",
                busy_label=self.status,
                error=self.error,
                on_done=done,
            )
        )

    # ------------------------------------------------------------------------------------------ restore

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.check_then_confirm(chosen)

    def restore_from_file(self) -> None:
        folder = str(self._overview.folder) if self._overview is not None else ""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose a backup to restore", folder, "trialapp backup (*.sqlite *.db);;All files (*)"
        )
        if chosen:
            self.check_then_confirm(Path(chosen))

    def check_then_confirm(self, backup: Path) -> None:
        """Verify the backup in the background, then show what it holds and ask for the reason."""
        app, actor = self._app, self._actor
        self._start(
            user_action_in_background(
                lambda: backups_admin.check_backup(app, actor, backup),
                parent=self,
                busy_text="Checking the backup: integrity, schema and audit trail…",
                busy_label=self.status,
                error=lambda text: show_error(self.error, f"This backup cannot be restored: {text}"),
                on_done=lambda contents: self._confirm(backup, contents.describe()),
            )
        )

    def _confirm(self, backup: Path, description: str) -> None:
        self.status.setText("")
        dialog = ConfirmRestoreDialog(description, self)
        self.confirm_dialog = dialog  # tests answer it
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        reason = dialog.reason.text()
        dialog.deleteLater()
        self.confirm_dialog = None
        if accepted:
            self.restore(backup, reason)

    def restore(self, backup: Path, reason: str) -> None:
        """Sign everyone out, then restore in the background and reopen the database."""
        if self._host is not None and not self._host.sign_out(
            message="A backup is being restored. Sign in again once the database has reopened.", force=False
        ):
            return  # the user kept the open trial
        app, actor = self._app, self._actor
        self._start(
            user_action_in_background(
                lambda: backups_admin.restore_and_reopen(app, actor, backup, reason),
                parent=self,
                busy_text="Restoring: checking the backup, keeping the current file aside, putting the backup "
                "in place and reopening the database…",
                busy_label=self.status,
                error=lambda _text: None,  # said on the sign-in page (_restore_refused)
                on_refused=self._restore_refused,
                on_done=lambda done: self._reopened(
                    done.app,
                    f"Restored the backup {backup.name}. The previous database was kept as "
                    f"{done.kept_aside.name}. The database has reopened: sign in again.",
                ),
            )
        )

    def _restore_refused(self, exc: Exception) -> None:
        reopened = exc.app if isinstance(exc, backups_admin.RestoreFailed) else self._app
        self._reopened(reopened, f"The backup was not restored: {exc} Sign in again.")

    def _reopened(self, app: App, message: str) -> None:
        """After the restore (or a refusal): the window takes the database as it is now; everyone signs in."""
        changed = app is not self._app
        self._app = app
        self.reopened = app if changed else None
        if self._host is not None:
            if changed:
                self._host.attach_services(app)
            self._host.sign_out(message=message)
        if changed:
            self.restored.emit(app)
        self.status.setText(message)
        self.accept()
