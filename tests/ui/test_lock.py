"""Idle lock: the window blurs after the idle minutes, unlocks only with the same user's password, and
"switch user" goes back to the sign-in page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsBlurEffect

from tests.ui.shell_helpers import PASSWORD, make_team
from trialapp.services import app_settings
from trialapp.ui.main_window import MainWindow


def _signed_in_window(app, qtbot, actor) -> MainWindow:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.sign_in(actor)
    return window


def test_idle_minutes_default_to_five_and_follow_the_setting(app, qtbot):
    team = make_team(app)
    assert app_settings.idle_minutes(app) == 5
    window = _signed_in_window(app, qtbot, team.pt)
    assert window.idle.timer.interval() == 5 * 60_000
    assert window.idle.timer.isActive()
    app_settings.set_idle_minutes(app, team.admin, 12)
    window.sign_out()
    window.sign_in(team.pt)
    assert window.idle.timer.interval() == 12 * 60_000


def test_idle_locks_with_blur_and_unlocks_only_with_the_same_password(app, qtbot):
    team = make_team(app)
    window = _signed_in_window(app, qtbot, team.pt)
    window.idle.set_minutes(0.002)  # 120 ms
    window.idle.start()
    qtbot.waitUntil(lambda: window.screen_lock.locked, timeout=3000)
    assert isinstance(window.centralWidget().graphicsEffect(), QGraphicsBlurEffect)
    assert not window.menuBar().isEnabled()
    dialog = window.screen_lock.dialog
    assert dialog is not None and dialog.isVisible()

    # Another user's password does not unlock; Escape does not either.
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.checking and dialog.status.text() == "Checking your password…"  # off the GUI thread
    assert not dialog.unlock_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20_000)
    assert window.screen_lock.locked and dialog.unlock_button.isEnabled()
    assert "Wrong" in dialog.error.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert window.screen_lock.locked

    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # a second Enter while it is checked: nothing more
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20_000)
    assert not window.screen_lock.locked
    assert window.centralWidget().graphicsEffect() is None
    assert window.menuBar().isEnabled()
    assert window.actor is not None and window.actor.username == "pt.jones"
    assert window.idle.timer.isActive()  # counting again


def test_activity_keeps_the_window_unlocked(app, qtbot):
    team = make_team(app)
    window = _signed_in_window(app, qtbot, team.pt)
    window.idle.set_minutes(0.005)  # 300 ms
    window.idle.start()
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(window.home.search, Qt.Key.Key_A)
    assert not window.screen_lock.locked  # 600 ms of typing, never 300 ms idle
    qtbot.waitUntil(lambda: window.screen_lock.locked, timeout=3000)


def test_switch_user_from_the_lock_returns_to_sign_in(app, qtbot):
    team = make_team(app)
    window = _signed_in_window(app, qtbot, team.pt)
    window.lock()
    assert window.screen_lock.locked
    window.screen_lock.dialog.switch_button.click()
    assert not window.screen_lock.locked
    assert window.actor is None
    assert window.pages.currentWidget() is window.login
    assert window.centralWidget().graphicsEffect() is None
    assert not window.idle.timer.isActive()
    # The next person signs in with their own account.
    window.login.username.setText("rn.smith")
    window.login.password.setText(PASSWORD)
    window.login.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.login.signing_in, timeout=20_000)  # checked off the GUI thread
    assert window.actor is not None and window.actor.username == "rn.smith"


def test_open_dialogs_are_hidden_while_locked_and_come_back(app, qtbot):
    from trialapp.ui.views.new_trial import NewTrialWizard

    team = make_team(app)
    window = _signed_in_window(app, qtbot, team.pt)
    wizard = NewTrialWizard(app, team.pt, parent=window)
    wizard.open()  # modal, as from the menu
    wizard.mrn.setText("TYPED-1")
    assert wizard.isVisible()
    window.lock()
    assert not wizard.isVisible()  # no patient data over the lock
    dialog = window.screen_lock.dialog
    dialog.password.setText(PASSWORD)
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: not window.screen_lock.locked, timeout=20_000)  # checked off the GUI thread
    assert wizard.isVisible() and wizard.mrn.text() == "TYPED-1"
