"""Signing in: username and password; on a new installation, creating the first admin.

The view holds layout; the two actions call ``services.users`` and emit ``signed_in`` with the Actor.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.services import users
from trialapp.services.context import Actor, App
from trialapp.services.errors import AuthenticationFailed, InvalidInput
from trialapp.ui.views.common import USER_ERRORS, button, error_label, label, show_error


def _password_field(accessible: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible)
    return field


class LoginView(QWidget):
    """The sign-in page, or the "create the first admin" page when there are no users yet."""

    signed_in = Signal(object)  # Actor

    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app

        # -- sign in
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("for example pt.jones")
        self.password = _password_field("Password")
        self.sign_in_button = button("Sign in", primary=True)
        self.sign_in_error = error_label()
        self.sign_in_error.setAccessibleName("Sign-in problem")
        sign_in = QWidget()
        form = QFormLayout()
        form.addRow(label("&Username", buddy=self.username), self.username)
        form.addRow(label("&Password", buddy=self.password), self.password)
        box = QVBoxLayout(sign_in)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(label("Sign in", "subtitle"))
        box.addWidget(
            label(
                "Use your own account: every record is signed with the name of the person signed in.",
                "muted",
                wrap=True,
            )
        )
        box.addLayout(form)
        box.addWidget(self.sign_in_error)
        box.addWidget(self.sign_in_button)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.sign_in)

        # -- first admin
        self.admin_username = QLineEdit()
        self.admin_username.setAccessibleName("Admin username")
        self.admin_username.setPlaceholderText("for example admin.lee")
        self.admin_full_name = QLineEdit()
        self.admin_full_name.setAccessibleName("Admin full name")
        self.admin_password = _password_field("Admin password")
        self.admin_repeat = _password_field("Repeat the password")
        self.create_button = button("Create admin and sign in", primary=True)
        self.create_error = error_label()
        self.create_error.setAccessibleName("Problems creating the admin")
        first = QWidget()
        form2 = QFormLayout()
        form2.addRow(label("&Username", buddy=self.admin_username), self.admin_username)
        form2.addRow(label("&Full name", buddy=self.admin_full_name), self.admin_full_name)
        form2.addRow(label("&Password", buddy=self.admin_password), self.admin_password)
        form2.addRow(label("&Repeat password", buddy=self.admin_repeat), self.admin_repeat)
        box2 = QVBoxLayout(first)
        box2.setContentsMargins(0, 0, 0, 0)
        box2.addWidget(label("Welcome: create the first admin", "subtitle"))
        box2.addWidget(
            label(
                "This is a new installation with no users yet. Create the admin account first; the admin then "
                f"adds the clinicians in Settings. The password needs at least {users.MIN_PASSWORD_LENGTH} "
                "characters.",
                "muted",
                wrap=True,
            )
        )
        box2.addLayout(form2)
        box2.addWidget(self.create_error)
        box2.addWidget(self.create_button)
        self.create_button.clicked.connect(self.create_first_admin)
        for field, after in (
            (self.admin_username, self.admin_full_name),
            (self.admin_full_name, self.admin_password),
            (self.admin_password, self.admin_repeat),
        ):
            field.returnPressed.connect(after.setFocus)
        self.admin_repeat.returnPressed.connect(self.create_first_admin)

        self.pages = QStackedWidget()
        self.pages.addWidget(sign_in)
        self.pages.addWidget(first)

        card = QFrame()
        card.setProperty("role", "card")
        card.setMaximumWidth(520)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(label("ITB trial assistant", "title"))
        self.context_line = label("", "muted", wrap=True)
        inner.addWidget(self.context_line)
        inner.addWidget(self.pages)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.reset()

    @property
    def first_run(self) -> bool:
        return self.pages.currentIndex() == 1

    def reset(self, *, message: str | None = None, username: str = "") -> None:
        """Show the right page, empty; ``message`` explains why (e.g. "Signed out after switching user")."""
        first = users.count_users(self._app) == 0
        self.pages.setCurrentIndex(1 if first else 0)
        for field in (self.password, self.admin_password, self.admin_repeat):
            field.clear()
        self.username.setText(username)
        show_error(self.sign_in_error, None)
        show_error(self.create_error, None)
        where = self._app.db.path or "database server"
        text = message or ""
        reason = getattr(self._app, "read_only_reason", None)
        if reason:
            text = (text + "\n" if text else "") + f"Read-only: {reason}"
        self.context_line.setText(text or f"Database: {where}")
        self.focus_first_field()

    def focus_first_field(self) -> None:
        if self.first_run:
            self.admin_username.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.username.text():
            self.password.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.username.setFocus(Qt.FocusReason.OtherFocusReason)

    def sign_in(self) -> None:
        name = self.username.text().strip()
        if not name:
            show_error(self.sign_in_error, "Type your username.")
            self.username.setFocus()
            return
        try:
            actor = users.authenticate(self._app, name, self.password.text())
        except AuthenticationFailed as exc:
            show_error(self.sign_in_error, str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        except USER_ERRORS as exc:
            show_error(self.sign_in_error, str(exc))
            return
        self.password.clear()
        show_error(self.sign_in_error, None)
        self.signed_in.emit(actor)

    def create_first_admin(self) -> None:
        if self.admin_password.text() != self.admin_repeat.text():
            show_error(self.create_error, "The two passwords are different. Type the same password twice.")
            self.admin_repeat.clear()
            self.admin_repeat.setFocus()
            return
        name = self.admin_username.text()
        password = self.admin_password.text()
        try:
            users.add_user(self._app, None, name, "admin", self.admin_full_name.text(), password)
            actor: Actor = users.authenticate(self._app, name, password)
        except InvalidInput as exc:
            show_error(self.create_error, str(exc))
            return
        except USER_ERRORS as exc:
            show_error(self.create_error, str(exc))
            return
        for field in (self.admin_password, self.admin_repeat):
            field.clear()
        self.signed_in.emit(actor)
