"""Password dialogs (issue 25): an admin sets a temporary password for an account, and a user chooses
their own password — when they wish (Settings) or at the sign-in after a reset, where it is required.

Each dialog runs one service call through ``user_action``; problems appear under the form."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from trialapp.services import users
from trialapp.services.context import Actor, App
from trialapp.ui.actions import user_action
from trialapp.ui.fit_screen import fit_dialog
from trialapp.ui.views.common import error_label, label, ok_cancel, show_error


def _secret(accessible: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible)
    return field


class _NewPasswordDialog(QDialog):
    """A new password typed twice (and, for one's own password, the current one); ``apply`` stores it."""

    def __init__(
        self, title: str, intro: str, action: str, *, ask_current: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.current = _secret("Current password") if ask_current else None
        self.password = _secret("New password")
        self.repeat = _secret("Repeat the new password")
        self.error = error_label()
        form = QFormLayout()
        if self.current is not None:
            form.addRow(label("&Current password", buddy=self.current), self.current)
        form.addRow(label("&New password", buddy=self.password), self.password)
        form.addRow(label("R&epeat the new password", buddy=self.repeat), self.repeat)
        layout = QVBoxLayout(self)
        layout.addWidget(label(intro, "muted", wrap=True))
        layout.addLayout(form)
        layout.addWidget(self.error)
        buttons, self.ok = ok_cancel(self, action, self.save)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        fit_dialog(self)

    def apply(self, new: str) -> object:
        raise NotImplementedError

    def save(self) -> bool:
        if self.password.text() != self.repeat.text():
            show_error(self.error, "The two passwords are different. Type the same password twice.")
            return False
        new = self.password.text()
        done = user_action(lambda: self.apply(new), error=self.error)
        if done is None:
            return False
        self.accept()
        return True


class ResetPasswordDialog(_NewPasswordDialog):
    """An admin sets a temporary password; the account chooses its own at its next sign-in."""

    def __init__(self, app: App, actor: Actor, username: str, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Reset the password of {username}",
            f"Set a temporary password (at least {users.MIN_PASSWORD_LENGTH} characters) and give it to "
            f"{username} privately. At the next sign-in they must choose their own password. The change is "
            "kept in the history (never the password).",
            "Set temporary password",
            ask_current=False,
            parent=parent,
        )
        self._call: Callable[[str], object] = lambda new: users.reset_password(app, actor, username, new)

    def apply(self, new: str) -> object:
        return self._call(new)


class ChangePasswordDialog(_NewPasswordDialog):
    """The signed-in user chooses their own password. ``current`` given (the sign-in after a reset, where
    the temporary password was just typed): it is not asked again, and the change is required."""

    def __init__(
        self, app: App, actor: Actor, parent: QWidget | None = None, *, current: str | None = None
    ) -> None:
        required = current is not None
        super().__init__(
            "Choose your password" if required else "Change my password",
            (
                "You signed in with a temporary password. Choose your own password now "
                f"(at least {users.MIN_PASSWORD_LENGTH} characters)."
                if required
                else f"Type your current password, then the new one twice (at least "
                f"{users.MIN_PASSWORD_LENGTH} characters)."
            ),
            "Save my password",
            ask_current=not required,
            parent=parent,
        )
        self._app = app
        self._actor = actor
        self._given = current

    def apply(self, new: str) -> object:
        current = self._given if self._given is not None else (self.current.text() if self.current else "")
        users.change_own_password(self._app, self._actor, current, new)
        return True
