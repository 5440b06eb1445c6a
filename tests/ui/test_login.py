"""Sign-in page: first admin on a new installation, sign-in by keyboard, refusals in plain words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from tests.ui.shell_helpers import PASSWORD, make_team
from trialapp.services import users
from trialapp.storage import models as m
from trialapp.ui.views.login import LoginView


def test_new_installation_asks_for_the_first_admin(app, qtbot):
    view = LoginView(app)
    qtbot.addWidget(view)
    assert view.first_run
    signed = []
    view.signed_in.connect(signed.append)

    qtbot.keyClicks(view.admin_username, "Admin.Lee")
    qtbot.keyClicks(view.admin_full_name, "Dr Sam Lee")
    qtbot.keyClicks(view.admin_password, "long-enough-1")
    qtbot.keyClicks(view.admin_repeat, "long-enough-2")
    qtbot.keyClick(view.admin_repeat, Qt.Key.Key_Return)
    assert not signed
    assert "different" in view.create_error.text()
    assert users.count_users(app) == 0

    qtbot.keyClicks(view.admin_repeat, "long-enough-1")
    qtbot.keyClick(view.admin_repeat, Qt.Key.Key_Return)
    assert len(signed) == 1
    actor = signed[0]
    assert (actor.username, actor.role, actor.full_name) == ("admin.lee", "admin", "Dr Sam Lee")
    with app.db.read() as s:
        audited = s.execute(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.table_name == "users")
        ).scalar_one()
    assert audited == 1


def test_first_admin_problems_are_shown_and_nothing_is_created(app, qtbot):
    view = LoginView(app)
    qtbot.addWidget(view)
    view.admin_username.setText("bad name!")
    view.admin_full_name.setText("")
    view.admin_password.setText("short")
    view.admin_repeat.setText("short")
    view.create_first_admin()
    text = view.create_error.text()
    assert "username" in text and "full name" in text and "at least 8 characters" in text
    assert users.count_users(app) == 0


def test_sign_in_with_keyboard_and_wrong_password(app, qtbot):
    make_team(app)
    view = LoginView(app)
    qtbot.addWidget(view)
    assert not view.first_run
    signed = []
    view.signed_in.connect(signed.append)

    qtbot.keyClicks(view.username, "pt.jones")
    qtbot.keyClick(view.username, Qt.Key.Key_Return)  # Enter moves on to the password
    qtbot.keyClicks(view.password, "not-the-password")
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.signing_in, timeout=20_000)  # checked off the GUI thread
    assert not signed
    assert "Wrong username or password" in view.sign_in_error.text()
    assert view.password.text() == ""

    qtbot.keyClicks(view.password, PASSWORD)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.signing_in, timeout=20_000)  # checked off the GUI thread
    assert [a.username for a in signed] == ["pt.jones"]
    assert signed[0].role == "pt"
    assert view.password.text() == ""  # nothing typed stays behind on the page


def test_disabled_account_is_refused_with_what_to_do(app, qtbot):
    team = make_team(app)
    users.set_active(app, team.admin, "rn.smith", False)
    view = LoginView(app)
    qtbot.addWidget(view)
    signed = []
    view.signed_in.connect(signed.append)
    view.username.setText("rn.smith")
    view.password.setText(PASSWORD)
    view.sign_in_button.click()
    qtbot.waitUntil(lambda: not view.signing_in, timeout=20_000)  # checked off the GUI thread
    assert not signed
    assert "disabled" in view.sign_in_error.text() and "admin" in view.sign_in_error.text()


def test_every_field_has_an_accessible_name(app, qtbot):
    view = LoginView(app)
    qtbot.addWidget(view)
    for field in (
        view.username,
        view.password,
        view.admin_username,
        view.admin_full_name,
        view.admin_password,
        view.admin_repeat,
        view.sign_in_button,
        view.create_button,
    ):
        assert field.accessibleName()


def test_the_card_is_as_tall_as_the_page_shown(app, qtbot):
    """The sign-in page is shorter than the first-admin page: the card shrinks to it instead of spreading
    the difference as gaps between its lines (first admin, then sign in)."""
    from PySide6.QtWidgets import QLabel

    view = LoginView(app)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitExposed(view)
    first_admin_height = view.pages.height()
    make_team(app)
    view.reset()
    qtbot.wait(10)
    assert not view.first_run
    page = view.current_page()
    assert view.pages.height() < first_admin_height
    assert view.pages.height() <= page.sizeHint().height() + 2
    heading = next(w for w in page.findChildren(QLabel) if w.text() == "Sign in")
    explanation = next(w for w in page.findChildren(QLabel) if w.text().startswith("Use your own account"))
    assert explanation.y() - (heading.y() + heading.height()) <= 12


def test_signing_in_is_busy_off_the_gui_thread_and_a_second_enter_does_nothing(app, qtbot):
    """Issue 22: the password check (Argon2) runs off the GUI thread; meanwhile the page says so, its fields
    and button are disabled, and Enter pressed again signs in once."""
    make_team(app)
    view = LoginView(app)
    qtbot.addWidget(view)
    signed = []
    view.signed_in.connect(signed.append)
    view.username.setText("pt.jones")
    view.password.setText(PASSWORD)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    assert view.signing_in and view.context_line.text() == "Signing in…"
    assert not view.sign_in_button.isEnabled() and not view.password.isEnabled()
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    view.sign_in()
    qtbot.waitUntil(lambda: not view.signing_in, timeout=20_000)
    assert [a.username for a in signed] == ["pt.jones"]
    assert view.sign_in_button.isEnabled() and view.password.isEnabled()
    assert view.context_line.text().startswith("Database: ")
