"""The application shell: sign-in, home, the trial workspace, menus, idle lock and switch user.

Pages of one window: the sign-in page, home (patients, trials, due now), and an open trial's workspace.
Dialogs (new trial, settings, history, printing, about) open over it. Views hold layout; service calls
go through the views' small controllers; nothing here queries the database.

At start-up the window is built before the database is open (``MainWindow(None, paths=...)``), so that
the sign-in page paints without waiting for SQLAlchemy; ``attach_services`` brings the open database
(see ``ui/startup.py``). Everything that needs services (home, the lock, the idle timer) is built then.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.config import redact_url
from trialapp.services.context import Actor, App
from trialapp.services.permissions import ROLE_NAMES, allowed
from trialapp.ui import theme
from trialapp.ui.accessible import describe_controls
from trialapp.ui.actions import user_action
from trialapp.ui.fit_screen import fit_window
from trialapp.ui.views.common import button
from trialapp.ui.views.login import LoginView

if TYPE_CHECKING:
    from trialapp.config import Paths
    from trialapp.ui.live_updates import LiveUpdates
    from trialapp.ui.views.home import HomeView
    from trialapp.ui.views.lock import IdleWatcher, ScreenLock

log = logging.getLogger("trialapp.ui")


class MainWindow(QMainWindow):
    """Emits ``ready`` after the first paint (``gui --exit-after-ready`` exits on it), and
    ``services_ready`` once the database is open and the sign-in page is live."""

    ready = Signal()
    services_ready = Signal()
    actor_changed = Signal(object)  # Actor | None

    def __init__(self, app: App | None, *, paths: Paths | None = None) -> None:
        super().__init__()
        if app is None and paths is None:
            raise ValueError("MainWindow needs the open app, or the paths of the database being opened")
        self._app: App | None = None
        self._paths = app.paths if app is not None else paths
        self.actor: Actor | None = None
        self._ready_sent = False
        self.home: HomeView | None = None
        self.workspace: QWidget | None = None
        self.workspace_trial: str | None = None
        self._windows: list[QWidget] = []  # QI dashboard windows, closed on sign-out
        self.live: LiveUpdates | None = None  # while someone is signed in
        self.setWindowTitle("ITB trial assistant")
        fit_window(self, 1280, 720)  # never more than the screen: 1366 × 768 at 150 % leaves 911 × 512

        self.login = LoginView(None)
        self.login.signed_in.connect(self.sign_in)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.login)
        self.home_page = QWidget()  # holds the HomeView of the signed-in user
        QVBoxLayout(self.home_page).setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(self.home_page)
        self.workspace_page = QWidget()
        wl = QVBoxLayout(self.workspace_page)
        wl.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(self.workspace_page)
        # "Home" sits in the menu bar's corner, so the workspace keeps every row of a 768-pixel screen.
        self.back_button = button("← Home", "Back to home")
        self.back_button.setToolTip("Back to the patient list (Alt+Home)")
        self.back_button.setStyleSheet("min-height: 22px; padding: 1px 12px;")
        self.back_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.back_button.clicked.connect(self.go_home)
        self.pages.currentChanged.connect(
            lambda _i: self.back_button.setVisible(self.pages.currentWidget() is self.workspace_page)
        )
        self.pages.currentChanged.connect(lambda _i: describe_controls(self.pages.currentWidget()))
        self.setCentralWidget(self.pages)

        self.user_label = QLabel()
        self.user_label.setAccessibleName("Signed-in user")
        self.statusBar().addWidget(self.user_label)
        # The day's backup runs in the background after start-up: "Backing up…", then done or a warning.
        self.backup_label = QLabel()
        self.backup_label.setAccessibleName("Backup")
        self.backup_label.setProperty("role", "muted")
        self.backup_label.hide()
        self.statusBar().addPermanentWidget(self.backup_label)
        self.db_label = QLabel(
            f"Database: {redact_url(self._paths.database)}" if self._paths is not None else ""
        )
        self.db_label.setProperty("role", "muted")
        self.statusBar().addPermanentWidget(self.db_label)

        if self._paths is not None and theme.saved_high_contrast(self._paths.config_dir) is not None:
            theme.set_high_contrast(theme.saved_high_contrast(self._paths.config_dir))
        self._build_menus()
        self.menuBar().setCornerWidget(self.back_button, Qt.Corner.TopRightCorner)
        self.back_button.hide()
        self.idle: IdleWatcher | None = None  # built at the first sign-in; the screen lock with the services
        self.screen_lock: ScreenLock | None = None
        self._update_actions()
        self.pages.setCurrentWidget(self.login)
        if app is not None:
            self.attach_services(app)

    @property
    def services(self) -> App | None:
        """The open database and audit trail; None while the database is still being opened."""
        return self._app

    def attach_services(self, app: App) -> None:
        """The database is open: build what needs it, and make the sign-in page live (the idle watcher is
        built at the first sign-in, with the lock time the settings give: nothing of them is loaded before)."""
        from trialapp.ui.views.lock import IdleWatcher, ScreenLock

        self._app = app
        self._paths = app.paths
        where = app.db.path or "database server"
        self.db_label.setText(
            f"Database: {where}" + (" (read-only)" if getattr(app, "read_only_reason", None) else "")
        )
        # Attached again after a restore from the window: the old watcher and lock go (the watcher's
        # application-wide event filter with it), so one of each stays.
        for old in (self.idle, self.screen_lock):
            if old is not None:
                if isinstance(old, IdleWatcher):
                    old.stop()
                old.setParent(None)
                old.deleteLater()
        self.idle = None
        self.screen_lock = ScreenLock(app, self)
        self.screen_lock.switch_user.connect(
            lambda: self.sign_out(message="Switch user: sign in with your own account.")
        )
        self._update_actions()
        self.login.attach(app)
        self.services_ready.emit()

    def show_database(self, database: str) -> None:
        """Another database is being opened (chosen after the first could not be)."""
        self.db_label.setText(f"Database: {database}")

    def show_backup_status(
        self, text: str | None, *, warning: bool = False, detail: str | None = None
    ) -> None:
        """The background backup's state in the status bar (None hides it); ``detail`` in its tooltip."""
        self.backup_label.setVisible(bool(text))
        self.backup_label.setText(text or "")
        self.backup_label.setToolTip(detail or text or "")
        self.backup_label.setAccessibleDescription(detail or "")
        self.backup_label.setProperty("role", "warning" if warning else "muted")
        self.backup_label.style().unpolish(self.backup_label)
        self.backup_label.style().polish(self.backup_label)

    # ------------------------------------------------------------------------------------------ menus

    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.act_home = self._action("&Home", self.go_home, "Alt+Home")
        self.act_new_patient = self._action("New &patient…", self.new_patient, QKeySequence.StandardKey.New)
        self.act_new_trial = self._action(
            "New &trial for the selected patient…", lambda: self.new_trial(None)
        )
        self.act_print = self._action("&Print summary…", self.print_summary, QKeySequence.StandardKey.Print)
        self.act_lock = self._action("&Lock now", self.lock, "Ctrl+L")
        self.act_switch = self._action("&Switch user…", self.switch_user)
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        for a in (self.act_home, self.act_new_patient, self.act_new_trial, self.act_print):
            file_menu.addAction(a)
        file_menu.addSeparator()
        for a in (self.act_lock, self.act_switch):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)

        view_menu = bar.addMenu("&View")
        self.act_dark = self._action("&Dark theme", self.toggle_dark)
        self.act_dark.setCheckable(True)
        self.act_dark.setChecked(theme.current_theme() == "dark")
        self.act_history = self._action("&History of this trial…", self.show_history, "Ctrl+Shift+H")
        self.act_qi = self._action("&QI dashboard", self.open_qi_dashboard)
        self.act_review = self._action("Dose-response &review across trials", self.open_review)
        view_menu.addAction(self.act_history)
        view_menu.addAction(self.act_qi)
        view_menu.addAction(self.act_review)
        view_menu.addSeparator()
        view_menu.addAction(self.act_dark)
        # Follows the platform's high-contrast setting until chosen here (kept on this laptop).
        self.act_contrast = self._action("High co&ntrast", self.toggle_high_contrast)
        self.act_contrast.setCheckable(True)
        self.act_contrast.setChecked(theme.current_high_contrast())
        view_menu.addAction(self.act_contrast)

        self.admin_menu = bar.addMenu("&Admin")
        self.act_settings = self._action("&Settings…", self.open_settings)
        self.admin_menu.addAction(self.act_settings)
        self.act_backups = self._action("&Backups…", self.open_backups)
        self.admin_menu.addAction(self.act_backups)

        help_menu = bar.addMenu("&Help")
        self.act_about = self._action("&About…", self.open_about)
        help_menu.addAction(self.act_about)

    def _update_actions(self) -> None:
        actor = self.actor
        signed_in = actor is not None
        for a in (self.act_home, self.act_lock, self.act_switch, self.act_history):
            a.setEnabled(signed_in)

        def may(action: str) -> bool:
            return actor is not None and allowed(actor, action)

        can_create = may("create_trial")
        self.act_new_patient.setVisible(can_create)
        self.act_new_trial.setVisible(can_create)
        self.act_print.setVisible(may("print_summary"))
        self.act_print.setEnabled(signed_in)
        self.act_qi.setVisible(may("view_qi"))
        self.act_review.setVisible(may("view_review"))
        is_admin = may("edit_settings")
        self.act_settings.setVisible(is_admin)
        self.act_backups.setVisible(is_admin)
        self.admin_menu.menuAction().setVisible(is_admin)
        self.act_about.setEnabled(self._app is not None)
        if actor is None:
            self.user_label.setText("Not signed in")
        else:
            self.user_label.setText(
                f"Signed in: {actor.display_name} ({ROLE_NAMES.get(actor.role, actor.role)})"
            )

    # ------------------------------------------------------------------------------------ sign in/out

    def sign_in(self, actor: Actor) -> None:
        from trialapp.services import app_settings
        from trialapp.ui import fonts, live_updates
        from trialapp.ui.views.home import HomeView

        assert self._app is not None, "signed in before the database was open"
        # Names in any script from the home list on: read after start-up (ui/startup.py), at once if not yet.
        fonts.register_bundled_fonts()
        self.actor = actor
        log.info("signed in (role %s)", actor.role)
        old = self.home
        self.home = HomeView(self._app, actor)
        self.home.open_trial.connect(self.open_trial)
        self.home.new_patient.connect(self.new_patient)
        self.home.new_trial.connect(self.new_trial)
        self.home.show_history.connect(self.show_history)
        self.home.print_summary.connect(self.print_summary)
        layout = self.home_page.layout()
        if old is not None:
            old.drop_reads()
            layout.removeWidget(old)
            old.deleteLater()
        layout.addWidget(self.home)
        self.pages.setCurrentWidget(self.home_page)
        self.home.search.setFocus()
        # A setting that cannot be read is no reason to refuse the sign-in: the default lock time then.
        done = user_action(lambda: app_settings.idle_minutes(self._app), error=lambda _text: None)
        minutes = done.value if done is not None else app_settings.DEFAULT_IDLE_MINUTES
        if self.idle is None:
            from trialapp.ui.views.lock import IdleWatcher

            self.idle = IdleWatcher(minutes, self)
            self.idle.idle.connect(self.lock)
        self.idle.set_minutes(minutes)
        self.idle.start()
        self._stop_live()
        self.live = live_updates.attach(self)  # another laptop's saves show within about two seconds
        self._update_actions()
        self.actor_changed.emit(actor)

    def sign_out(self, *, message: str | None = None, force: bool = True) -> bool:
        """Back to the sign-in page. Returns False when the user kept the open trial instead."""
        if not self.close_workspace(force=force):
            return False
        for w in self._windows:
            w.close()
        self._windows.clear()
        previous = self.actor
        self.actor = None
        self._stop_live()
        if self.idle is not None:
            self.idle.stop()
        if self.home is not None:
            self.home.drop_reads()  # deleted at the next turn: what it still reads must not show meanwhile
            self.home_page.layout().removeWidget(self.home)
            self.home.deleteLater()
            self.home = None
        self.login.reset(message=message)
        self.pages.setCurrentWidget(self.login)
        self._update_actions()
        if previous is not None:
            log.info("signed out")
        self.actor_changed.emit(None)
        return True

    def switch_user(self) -> None:
        self.sign_out(message="Switch user: sign in with your own account.", force=False)

    def lock(self) -> None:
        if self.actor is None or self.screen_lock is None or self.idle is None or self.screen_lock.locked:
            return
        self.idle.timer.stop()
        self.screen_lock.lock(self.actor)
        log.info("locked")
        self.screen_lock.unlocked.connect(self._after_unlock, Qt.ConnectionType.SingleShotConnection)

    def _after_unlock(self) -> None:
        if self.actor is not None and self.idle is not None:
            self.idle.start()

    # ---------------------------------------------------------------------------------- the workspace

    def open_trial(self, trial_id: str) -> None:
        if self.actor is None:
            return
        if self.workspace is not None and self.workspace_trial == trial_id:
            self.pages.setCurrentWidget(self.workspace_page)
            return
        if not self.close_workspace(force=False):
            return
        from trialapp.ui.workspace import TrialWorkspace

        actor = self.actor
        done = user_action(
            lambda: TrialWorkspace(self._app, actor, trial_id, parent=self.workspace_page),
            parent=self,
            title="The trial cannot be opened",
        )
        if done is None:
            return
        widget = done.value
        self.workspace = widget
        self.workspace_trial = trial_id
        self.workspace_page.layout().addWidget(widget)
        self.pages.setCurrentWidget(self.workspace_page)
        self.setWindowTitle(f"ITB trial assistant — {trial_id}")
        widget.setFocus()

    def close_workspace(self, *, force: bool) -> bool:
        """Close the open trial. When something cannot be kept, ask first (unless ``force``)."""
        widget = self.workspace
        if widget is None:
            return True
        closing = getattr(widget, "closing", None)
        kept = bool(closing()) if callable(closing) else True
        if not kept and not force:
            answer = QMessageBox.question(
                self,
                "Leave this trial?",
                "Something in this trial cannot be kept as a draft and will be lost if you leave now. "
                "Leave anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        self.workspace_page.layout().removeWidget(widget)
        widget.hide()
        widget.deleteLater()
        self.workspace = None
        self.workspace_trial = None
        self.setWindowTitle("ITB trial assistant")
        return True

    def go_home(self) -> None:
        if self.actor is None or self.home is None:
            return
        # The open trial may have changed: both lists are read again as home shows (a window not on the
        # screen gets no show event, hence the call after).
        self.home.mark_stale()
        self.pages.setCurrentWidget(self.home_page)
        self.home.refresh_if_stale()
        if self.workspace_trial:
            self.home.select_trial(self.workspace_trial)
        self.home.search.setFocus()

    def current_trial_id(self) -> str | None:
        if self.pages.currentWidget() is self.workspace_page and self.workspace_trial:
            return self.workspace_trial
        if self.pages.currentWidget() is self.home_page and self.home is not None:
            return self.home.selected_trial_id()
        return None

    # ----------------------------------------------------------------------------------------- dialogs

    def new_patient(self) -> None:
        self._start_wizard(None)

    def new_trial(self, mrn: str | None) -> None:
        if mrn is None and self.home is not None:
            listing = self.home.selected_listing()
            mrn = listing.mrn if listing else ""
        self._start_wizard(mrn or "")

    def _start_wizard(self, mrn: str | None) -> None:
        if self.actor is None:
            return
        from trialapp.ui.views.new_trial import NewTrialWizard

        wizard = NewTrialWizard(self._app, self.actor, existing_mrn=mrn, parent=self)
        if wizard.exec() and wizard.trial_id:
            if self.home is not None:
                self.home.search.clear()
                self.home.refresh()
                self.home.select_trial(wizard.trial_id)
            self.open_trial(wizard.trial_id)

    def print_summary(self, trial_id: str | None = None) -> None:
        trial_id = trial_id or self.current_trial_id()
        if self.actor is None:
            return
        if not trial_id:
            QMessageBox.information(self, "Print summary", "Select a trial in the list first, then print.")
            return
        from trialapp.ui.views.print_dialog import PrintSummaryDialog

        # The open trial's document gives the family's language (no second read of the trial).
        workspace: Any = self.workspace if trial_id == self.workspace_trial else None
        doc = workspace.controller.doc if workspace is not None else None
        PrintSummaryDialog(self._app, self.actor, trial_id, parent=self, doc=doc).exec()

    def show_history(self, trial_id: str | None = None) -> None:
        trial_id = trial_id or self.current_trial_id()
        if self.actor is None:
            return
        if not trial_id:
            QMessageBox.information(self, "History", "Select a trial in the list first.")
            return
        from trialapp.ui.views.history import HistoryDialog

        HistoryDialog(self._app, self.actor, trial_id=trial_id, parent=self).exec()

    def open_settings(self) -> None:
        if self.actor is None or self._app is None or not allowed(self.actor, "edit_settings"):
            return
        from trialapp.services import app_settings
        from trialapp.ui.views.settings import SettingsDialog

        dialog = SettingsDialog(self._app, self.actor, parent=self)
        dialog.exec()
        if self.idle is None:
            return
        self.idle.set_minutes(app_settings.idle_minutes(self._app))
        if self.idle.timer.isActive():
            self.idle.timer.start()

    def open_backups(self) -> None:
        if self.actor is None or self._app is None or not allowed(self.actor, "edit_settings"):
            return
        from trialapp.ui.views.backups import BackupsDialog

        dialog = BackupsDialog(self._app, self.actor, host=self, parent=self)
        dialog.exec()
        dialog.deleteLater()

    def open_about(self) -> None:
        if self._app is None:
            return
        from trialapp.ui.views.about import AboutDialog

        AboutDialog(self._app, parent=self).exec()

    def open_qi_dashboard(self) -> None:
        if self.actor is None or not allowed(self.actor, "view_qi"):
            return
        # Imported here: the dashboard brings pyqtgraph and numpy, which start-up must not load.
        from trialapp.ui.qi.dashboard import QiDashboard

        window = QiDashboard(self._app, self.actor)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.setWindowTitle("QI dashboard — ITB trial assistant")
        self._windows.append(window)
        window.destroyed.connect(lambda: self._windows.remove(window) if window in self._windows else None)
        window.show()  # at the dashboard's own size, which fits a 1366 × 768 screen

    def open_review(self) -> None:
        if self.actor is None or not allowed(self.actor, "view_review"):
            return
        from trialapp.ui.review import ReviewWindow  # pyqtgraph: loaded when first needed

        def open_here(trial_id: str) -> None:
            self.open_trial(trial_id)
            self.raise_()
            self.activateWindow()

        window = ReviewWindow(self._app, self.actor, open_here)  # type: ignore[arg-type]
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.setWindowTitle("Dose-response review — ITB trial assistant")
        self._windows.append(window)
        window.destroyed.connect(lambda: self._windows.remove(window) if window in self._windows else None)
        window.show()  # at its own size, within the screen (ui/fit_screen.py)

    def toggle_high_contrast(self, checked: bool) -> None:
        theme.set_high_contrast(checked)
        if self._paths is not None:
            theme.save_high_contrast(self._paths.config_dir, checked)
        if self.home is not None:
            self.home.due_table.viewport().update()

    def toggle_dark(self, checked: bool) -> None:
        name = "dark" if checked else "light"
        theme.apply_theme(name)
        if self._paths is not None:
            theme.save_theme(self._paths.config_dir, name)
        if self.home is not None:
            self.home.due_table.viewport().update()

    # ------------------------------------------------------------------------------------------ events

    def closeEvent(self, event: QCloseEvent) -> None:
        # From a locked screen nobody can answer questions about the open trial: its drafts are kept.
        locked = self.screen_lock is not None and self.screen_lock.locked
        if not self.close_workspace(force=locked):
            event.ignore()
            return
        for w in self._windows:
            w.close()
        if self.idle is not None:
            self.idle.stop()
        self._stop_live()
        event.accept()

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()
