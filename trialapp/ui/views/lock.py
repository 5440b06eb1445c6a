"""The idle lock: after N minutes without keyboard or mouse use, an opaque cover hides the whole window and
asks for the password (a blur left words readable; the cover leaves nothing clinical on screen).

The same user unlocks with their password. Someone else at the shared laptop chooses "Switch user" instead:
the window goes back to the sign-in page (forms in progress are kept as drafts by their own views).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from trialapp.services.context import Actor, App
from trialapp.ui.actions import BackgroundAction, user_action_in_background
from trialapp.ui.views.common import button, error_label, label, retry_password

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)

#: Windows that come and go by themselves: hidden under the lock, not shown again after it.
_TRANSIENT = frozenset({Qt.WindowType.ToolTip, Qt.WindowType.Popup})


CHECKING_TEXT = "Checking your password…"


#: After an input the watcher rests this share of its interval (at most REST_MS): the lock may come that much
#: early for an input made while it rests, never late.
REST_SHARE = 10
REST_MS = 2000


class IdleWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without input anywhere in the application.

    It listens with an event filter on the application, which every event of every widget goes through (a
    Python call each: several thousand when a form is built after a click, about 20 ms). So once it has seen
    an input it restarts the countdown and rests, removed from the application, for a tenth of its interval
    (2 s at most), then listens again: what a click or a key sets off runs without it.
    """

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._listen)
        self.set_minutes(minutes)
        self._installed = False

    @property
    def listening(self) -> bool:
        return self._installed

    def set_minutes(self, minutes: float) -> None:
        interval = max(1, int(minutes * 60_000))
        self.timer.setInterval(interval)
        self._rest.setInterval(min(REST_MS, max(1, interval // REST_SHARE)))

    def start(self) -> None:
        self._listen()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._rest.stop()
        self._deaf()

    def _listen(self) -> None:
        qt = QApplication.instance()
        if qt is not None and not self._installed:
            qt.installEventFilter(self)
            self._installed = True

    def _deaf(self) -> None:
        qt = QApplication.instance()
        if qt is not None and self._installed:
            qt.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()  # restart the countdown
            self._deaf()
            self._rest.start()
        return False


class UnlockDialog(QFrame):
    """The unlock panel in the middle of the lock cover: the signed-in user's password, or "Switch user".

    It is a panel of the window (not a separate window), so that a picture of the locked window shows the
    cover and this panel and nothing else."""

    unlocked = Signal()
    switch_user = Signal()

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self._checking: BackgroundAction | None = None  # the password being checked, off the GUI thread
        self.setProperty("role", "card")
        self.setAccessibleName("Locked")
        self.setAccessibleDescription("The app is locked: type your password, or switch user")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setAccessibleDescription("Your password unlocks the app where you left it")
        self.error = error_label()
        self.error.setAccessibleName("Unlock problem")
        self.unlock_button = button("Unlock", primary=True)
        self.unlock_button.setAccessibleDescription("Unlock with the password typed above")
        self.switch_button = button("Switch user")
        self.switch_button.setAccessibleDescription("Sign out; the forms in progress are kept as drafts")
        self.switch_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(label("The app is locked", "subtitle"))
        layout.addWidget(
            label(
                f"Signed in as {actor.display_name}. Type your password to carry on where you were. "
                "Someone else? Choose Switch user; the forms in progress are kept.",
                "muted",
                wrap=True,
            )
        )
        form = QFormLayout()
        form.addRow(label("&Password", buddy=self.password), self.password)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.status = label("", "muted")  # "Checking your password…" while it is checked
        layout.addWidget(self.status)
        row = QHBoxLayout()
        row.addWidget(self.switch_button)
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        layout.addLayout(row)
        self.setMaximumWidth(520)

        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.switch_button.clicked.connect(self._switch)

    def try_unlock(self) -> None:
        if self.checking:
            return  # a second Enter while the password is checked
        from trialapp.services import users  # loaded at sign-in already: the lock comes after it

        app, actor, password = self._app, self._actor, self.password.text()
        # Argon2 takes a noticeable moment: off the GUI thread, so the window keeps painting.
        action = user_action_in_background(
            lambda: users.verify_signature(app, actor, password),
            parent=self,
            busy_text=CHECKING_TEXT,
            busy_label=self.status,
            disable=(self.password, self.unlock_button, self.switch_button),
            error=self.error,
            on_refused=retry_password(self.password),
            on_done=lambda _: self._unlock(),
        )
        self._checking = action
        action.finished.connect(self._check_over)

    @property
    def checking(self) -> bool:
        """Whether the password is being checked now."""
        return self._checking is not None

    def _check_over(self) -> None:
        self._checking = None

    def _unlock(self) -> None:
        self.password.clear()
        self.unlocked.emit()

    def _switch(self) -> None:
        self.password.clear()
        self.switch_user.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Escape must not unlock the window (nor reach anything under the cover).
        if event.key() == Qt.Key.Key_Escape:
            self.password.setFocus()
            return
        super().keyPressEvent(event)


class LockCover(QWidget):
    """An opaque cover over the whole window (menus, header, timeline, charts, status bar) with the unlock
    panel in its middle: nothing of the window under it is drawn, so nothing clinical can be read."""

    def __init__(self, panel: UnlockDialog, window: QWidget) -> None:
        super().__init__(window)
        self.setAccessibleName("Locked screen")
        self.setAutoFillBackground(True)  # opaque, in the theme's window colour
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel, 3)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        window.installEventFilter(self)
        self.setGeometry(window.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())  # the cover follows the window's size
        return False


class ScreenLock(QObject):
    """Covers ``window`` entirely, and hides its other open windows, while the unlock panel is shown.

    Under the cover the window's contents are hidden too (not just painted over), so that neither a
    screen reader nor a later grab of the window can reach them; unlocking shows them again as they were."""

    unlocked = Signal()
    switch_user = Signal()

    def __init__(self, app: App, window: QWidget) -> None:
        super().__init__(window)
        self._app = app
        self._window = window
        self.dialog: UnlockDialog | None = None
        self.cover: LockCover | None = None
        self._hidden: list[QWidget] = []
        self._covered: list[QWidget] = []
        self._title = ""
        self._focus: QWidget | None = None
        self._actions: list[QAction] = []
        self._shortcuts: list[QShortcut] = []

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def lock(self, actor: Actor) -> None:
        if self.dialog is not None:
            return
        window = self._window
        focus = QApplication.focusWidget()
        self._focus = focus if focus is not None and window.isAncestorOf(focus) else None
        # Other windows (a dialog in progress, the QI dashboard) would show patient data over the lock;
        # a tooltip or an open menu just goes.
        others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
        self._hidden = [w for w in others if w.windowType() not in _TRANSIENT]
        for w in others:
            w.hide()
        # No shortcut reaches under the cover (Print, History, a workspace's keys).
        self._actions = [a for a in window.findChildren(QAction) if a.isEnabled()]
        for a in self._actions:
            a.setEnabled(False)
        self._shortcuts = [s for s in window.findChildren(QShortcut) if s.isEnabled()]
        for s in self._shortcuts:
            s.setEnabled(False)
        # The window's own parts: hidden, so nothing under the cover is drawn or read out.
        self._covered = [
            w
            for w in (
                getattr(window, "centralWidget", lambda: None)(),
                getattr(window, "menuBar", lambda: None)(),
                getattr(window, "statusBar", lambda: None)(),
            )
            if w is not None and w.isVisible()
        ]
        for w in self._covered:
            w.hide()
        self._title = window.windowTitle()
        window.setWindowTitle("ITB trial assistant — locked")  # the title may name the trial
        self.dialog = UnlockDialog(self._app, actor)
        self.dialog.unlocked.connect(self._on_unlocked)
        self.dialog.switch_user.connect(self._on_switch)
        self.cover = LockCover(self.dialog, window)
        self.cover.show()
        self.cover.raise_()
        self.dialog.password.setFocus()

    def _clear(self) -> None:
        window = self._window
        if self.cover is not None:
            window.removeEventFilter(self.cover)
            self.cover.hide()
            self.cover.deleteLater()
        self.cover = None
        self.dialog = None
        for w in self._covered:
            w.show()
        self._covered = []
        for switch in (*self._actions, *self._shortcuts):
            if shiboken6.isValid(switch):  # a workspace closed under the lock took its own away
                switch.setEnabled(True)
        self._actions, self._shortcuts = [], []
        window.setWindowTitle(self._title)

    def _on_unlocked(self) -> None:
        self._clear()
        for w in self._hidden:
            w.show()
        self._hidden = []
        if self._focus is not None and self._focus.isVisible():
            self._focus.setFocus()
        self._focus = None
        self.unlocked.emit()

    def _on_switch(self) -> None:
        self._clear()
        self._focus = None
        for w in self._hidden:
            w.close()  # their owners keep drafts; closing ends any modal loop they run
        self._hidden = []
        self.switch_user.emit()
