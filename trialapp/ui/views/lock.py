"""The idle lock: after N minutes without keyboard or mouse use, the window blurs and asks for the password.

The same user unlocks with their password. Someone else at the shared laptop chooses "Switch user" instead:
the window goes back to the sign-in page (forms in progress are kept as drafts by their own views).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QGraphicsBlurEffect,
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


CHECKING_TEXT = "Checking your password…"


class IdleWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without input anywhere in the application."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self._installed = False

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, int(minutes * 60_000)))

    def start(self) -> None:
        qt = QApplication.instance()
        if qt is not None and not self._installed:
            qt.installEventFilter(self)
            self._installed = True
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        qt = QApplication.instance()
        if qt is not None and self._installed:
            qt.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()  # restart the countdown
        return False


class UnlockDialog(QDialog):
    """Over the blurred window: the signed-in user's password, or "Switch user"."""

    unlocked = Signal()
    switch_user = Signal()

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self._checking: BackgroundAction | None = None  # the password being checked, off the GUI thread
        self.setWindowTitle("Locked")
        self.setModal(True)
        # No close button: the only ways out are the password or switching user.
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
        )
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.error = error_label()
        self.error.setAccessibleName("Unlock problem")
        self.unlock_button = button("Unlock", primary=True)
        self.switch_button = button("Switch user")
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
        self.setMinimumWidth(460)

        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.switch_button.clicked.connect(self._switch)
        self.password.setFocus()

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
        self.accept()
        self.unlocked.emit()

    def _switch(self) -> None:
        self.password.clear()
        self.accept()
        self.switch_user.emit()

    def reject(self) -> None:
        # Escape must not unlock the window.
        self.password.setFocus()


class ScreenLock(QObject):
    """Blurs ``window``'s central widget and hides other open windows while the unlock dialog is shown."""

    unlocked = Signal()
    switch_user = Signal()

    def __init__(self, app: App, window: QWidget) -> None:
        super().__init__(window)
        self._app = app
        self._window = window
        self.dialog: UnlockDialog | None = None
        self._hidden: list[QWidget] = []

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def lock(self, actor: Actor) -> None:
        if self.dialog is not None:
            return
        central = getattr(self._window, "centralWidget", lambda: None)()
        if central is not None:
            blur = QGraphicsBlurEffect(central)
            blur.setBlurRadius(18)
            central.setGraphicsEffect(blur)
        menu = getattr(self._window, "menuBar", lambda: None)()
        if menu is not None:
            menu.setEnabled(False)
        # Other windows (a dialog in progress, the QI dashboard) would show patient data over the lock.
        self._hidden = [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and w is not self._window and not isinstance(w, UnlockDialog) and w.isWindow()
        ]
        for w in self._hidden:
            w.hide()
        self.dialog = UnlockDialog(self._app, actor, self._window)
        self.dialog.unlocked.connect(self._on_unlocked)
        self.dialog.switch_user.connect(self._on_switch)
        self.dialog.show()
        self.dialog.password.setFocus()

    def _clear(self) -> None:
        central = getattr(self._window, "centralWidget", lambda: None)()
        if central is not None:
            central.setGraphicsEffect(None)
        menu = getattr(self._window, "menuBar", lambda: None)()
        if menu is not None:
            menu.setEnabled(True)
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _on_unlocked(self) -> None:
        self._clear()
        for w in self._hidden:
            w.show()
        self._hidden = []
        self.unlocked.emit()

    def _on_switch(self) -> None:
        self._clear()
        for w in self._hidden:
            w.close()  # their owners keep drafts; closing ends any modal loop they run
        self._hidden = []
        self.switch_user.emit()
