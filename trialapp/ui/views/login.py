"""Signing in: username and password; on a new installation, creating the first admin.

The view holds layout; the two actions call ``services.users`` and emit ``signed_in`` with the Actor.

At start-up the page is shown before the database is open (``LoginView(None)``): the fields can be typed
in, "Sign in" waits, and Enter in the password field signs in as soon as ``attach`` brings the open
database. ``services.users`` (SQLAlchemy, Argon2) is imported only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from trialapp.ui.actions import BackgroundAction, user_action, user_action_in_background
from trialapp.ui.views.common import button, error_label, label, retry_password, show_error

if TYPE_CHECKING:
    from trialapp.services.context import Actor, App

OPENING_TEXT = "Opening the database…"
WAITING_TEXT = "Signing you in as soon as the database is open…"
SIGNING_IN_TEXT = "Signing in…"


def _password_field(accessible: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible)
    return field


class LoginView(QWidget):
    """The sign-in page, or the "create the first admin" page when there are no users yet."""

    signed_in = Signal(object)  # Actor

    def __init__(self, app: App | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app: App | None = None
        self._sign_in_waiting = False  # Enter was pressed before the database was open
        self._checking: BackgroundAction | None = None  # the password being checked, off the GUI thread

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
        self.first_run_help = label("", "muted", wrap=True)  # its text needs services.users: see attach
        box2.addWidget(self.first_run_help)
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

        # The two pages in one column, one of them hidden: the card is as tall as the page shown (a stacked
        # widget would keep the taller page's height and spread it as gaps between the shown page's lines).
        self._pages = (sign_in, first)
        self.pages = QWidget()
        column = QVBoxLayout(self.pages)
        column.setContentsMargins(0, 0, 0, 0)
        for page in self._pages:
            column.addWidget(page)
        self._show_page(0)

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
        if app is not None:
            self.attach(app)
        else:
            self.sign_in_button.setEnabled(False)
            self.create_button.setEnabled(False)
            self.context_line.setText(OPENING_TEXT)
            self.focus_first_field()

    @property
    def ready(self) -> bool:
        """Whether the database is open (until then the page can be typed in, but nobody can sign in)."""
        return self._app is not None

    def attach(self, app: App) -> None:
        """The database is open: make the page live, keeping what was typed meanwhile.

        With no users yet this becomes the "create the first admin" page; a sign-in asked for while the
        database was opening proceeds now.
        """
        from trialapp.services import users

        first_attach = self._app is None
        self._app = app
        self.first_run_help.setText(
            "This is a new installation with no users yet. Create the admin account first; the admin then "
            f"adds the clinicians in Settings. The password needs at least {users.MIN_PASSWORD_LENGTH} "
            "characters."
        )
        self.sign_in_button.setEnabled(True)
        self.create_button.setEnabled(True)
        if not first_attach:
            self.reset()
            return
        typing = self.username.hasFocus() or self.password.hasFocus()
        waiting, self._sign_in_waiting = self._sign_in_waiting, False
        first = users.count_users(app) == 0
        self._show_page(1 if first else 0)
        self._show_context(None)
        if first:
            for field in (self.username, self.password):
                field.clear()
            show_error(self.sign_in_error, None)
            self.focus_first_field()
        elif waiting:
            self.sign_in()
        elif not typing:
            self.focus_first_field()

    def _show_page(self, index: int) -> None:
        """Show page ``index``: 0 sign in, 1 the first admin."""
        for number, page in enumerate(self._pages):
            page.setVisible(number == index)

    def current_page(self) -> QWidget:
        return self._pages[1] if self.first_run else self._pages[0]

    @property
    def first_run(self) -> bool:
        return not self._pages[1].isHidden()

    def reset(self, *, message: str | None = None, username: str = "") -> None:
        """Show the right page, empty; ``message`` explains why (e.g. "Signed out after switching user")."""
        from trialapp.services import users

        assert self._app is not None, "reset() needs the open database"
        first = users.count_users(self._app) == 0
        self._show_page(1 if first else 0)
        for field in (self.password, self.admin_password, self.admin_repeat):
            field.clear()
        self.username.setText(username)
        show_error(self.sign_in_error, None)
        show_error(self.create_error, None)
        self._show_context(message)
        self.focus_first_field()

    def _show_context(self, message: str | None) -> None:
        assert self._app is not None
        where = self._app.db.path or "database server"
        text = message or ""
        reason = getattr(self._app, "read_only_reason", None)
        if reason:
            text = (text + "\n" if text else "") + f"Read-only: {reason}"
        self.context_line.setText(text or f"Database: {where}")

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
        if self._app is None:
            self._sign_in_waiting = True
            show_error(self.sign_in_error, None)
            self.context_line.setText(WAITING_TEXT)
            return
        if self.signing_in:
            return  # a second Enter while the password is checked
        from trialapp.services import users

        app = self._app
        password = self.password.text()

        def check() -> tuple[Actor, bool]:
            # Argon2 takes a noticeable moment: off the GUI thread, so the window keeps painting.
            actor = users.authenticate(app, name, password)
            return actor, users.must_change_password(app, actor)

        action = user_action_in_background(
            check,
            parent=self,
            busy_text=SIGNING_IN_TEXT,
            busy_label=self.context_line,
            disable=(self.username, self.password, self.sign_in_button),
            error=self.sign_in_error,
            on_refused=retry_password(self.password),
            on_done=self._checked,
        )
        self._checking = action
        action.finished.connect(self._check_over)

    @property
    def signing_in(self) -> bool:
        """Whether a password is being checked now."""
        return self._checking is not None

    def _check_over(self) -> None:
        self._checking = None

    def _checked(self, result: tuple[Actor, bool]) -> None:
        actor, must_change = result
        if must_change and not self._choose_password(actor):
            return
        self.password.clear()
        show_error(self.sign_in_error, None)
        self.signed_in.emit(actor)

    def _choose_password(self, actor: Actor) -> bool:
        """After a password reset the temporary password only opens this: the user chooses their own."""
        from trialapp.ui.views.password_dialogs import ChangePasswordDialog

        dialog = ChangePasswordDialog(self._app, actor, self, current=self.password.text())  # type: ignore[arg-type]
        if dialog.exec():
            return True
        self.password.clear()
        show_error(
            self.sign_in_error, "Choose your own password to sign in (you signed in with a temporary one)."
        )
        return False

    def create_first_admin(self) -> None:
        if self._app is None:
            return  # the page is shown only once the database is open
        from trialapp.services import users

        if self.admin_password.text() != self.admin_repeat.text():
            show_error(self.create_error, "The two passwords are different. Type the same password twice.")
            self.admin_repeat.clear()
            self.admin_repeat.setFocus()
            return
        name = self.admin_username.text()
        password = self.admin_password.text()
        app = self._app

        def create() -> Actor:
            users.add_user(app, None, name, "admin", self.admin_full_name.text(), password)
            return users.authenticate(app, name, password)

        done = user_action(create, error=self.create_error)
        if done is None:
            return
        for field in (self.admin_password, self.admin_repeat):
            field.clear()
        self.signed_in.emit(done.value)
