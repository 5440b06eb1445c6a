"""Idle lock: after the idle minutes an opaque cover hides the whole window (nothing clinical readable, checked
on a picture of the locked window), it unlocks only with the same user's password, and "switch user" goes
back to the sign-in page."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from tests.ui.shell_helpers import PASSWORD, dosed_trial, make_team, signed_in_window
from trialapp.services import app_settings
from trialapp.ui.main_window import MainWindow


def test_idle_minutes_default_to_five_and_follow_the_setting(app, qtbot):
    team = make_team(app)
    assert app_settings.idle_minutes(app) == 5
    window = signed_in_window(app, qtbot, team.pt)
    assert window.idle.timer.interval() == 5 * 60_000
    assert window.idle.timer.isActive()
    app_settings.set_idle_minutes(app, team.admin, 12)
    window.sign_out()
    window.sign_in(team.pt)
    assert window.idle.timer.interval() == 12 * 60_000


def _covered(window: MainWindow) -> bool:
    """The cover is up and the window's own parts are hidden under it."""
    cover = window.screen_lock.cover
    return (
        cover is not None
        and cover.isVisible()
        and cover.geometry() == window.rect()
        and not window.centralWidget().isVisible()
        and not window.menuBar().isVisible()
    )


def _no_effects(window: MainWindow) -> bool:
    return all(w.graphicsEffect() is None for w in [window, *window.findChildren(QWidget)])


def test_idle_locks_with_a_cover_and_unlocks_only_with_the_same_password(app, qtbot):
    team = make_team(app)
    window = signed_in_window(app, qtbot, team.pt)
    window.idle.set_minutes(0.002)  # 120 ms
    window.idle.start()
    qtbot.waitUntil(lambda: window.screen_lock.locked, timeout=3000)
    assert _covered(window)
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
    assert window.centralWidget().isVisible() and window.menuBar().isVisible()
    assert _no_effects(window)
    assert window.actor is not None and window.actor.username == "pt.jones"
    assert window.idle.timer.isActive()  # counting again


def test_activity_keeps_the_window_unlocked(app, qtbot):
    team = make_team(app)
    window = signed_in_window(app, qtbot, team.pt)
    window.idle.set_minutes(0.005)  # 300 ms
    window.idle.start()
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(window.home.search, Qt.Key.Key_A)
    assert not window.screen_lock.locked  # 600 ms of typing, never 300 ms idle
    qtbot.waitUntil(lambda: window.screen_lock.locked, timeout=3000)


def test_switch_user_from_the_lock_returns_to_sign_in(app, qtbot):
    team = make_team(app)
    window = signed_in_window(app, qtbot, team.pt)
    window.lock()
    assert window.screen_lock.locked
    window.screen_lock.dialog.switch_button.click()
    assert not window.screen_lock.locked
    assert window.actor is None
    assert window.pages.currentWidget() is window.login
    assert window.centralWidget().isVisible() and window.screen_lock.cover is None
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
    window = signed_in_window(app, qtbot, team.pt)
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


def _uniform_outside(image: QImage, panel) -> bool:
    """Every sampled pixel outside the unlock panel has the cover's one colour."""
    background = image.pixelColor(2, 2)
    for x in range(0, image.width(), 7):
        for y in range(0, image.height(), 7):
            if not panel.contains(QPoint(x, y)) and image.pixelColor(x, y) != background:
                return False
    return True


def test_nothing_clinical_is_readable_on_the_locked_window(app, qtbot):
    team = make_team(app)
    trial_id = dosed_trial(app, "LOCK-1", dose_at=datetime(2026, 3, 1, 9, 0), reassessed_after_hours=(1,))
    window = signed_in_window(app, qtbot, team.neuro)
    window.resize(1366, 768)
    window.open_trial(trial_id)
    workspace = window.workspace
    panel = workspace.ensure_chart()
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.isVisible(), timeout=5000)
    clinical = [
        w
        for w in window.findChildren(QLabel)
        if w.isVisible() and any(word in w.text() for word in ("Given:", "mcg", "Synthetic"))
    ]
    assert clinical  # unlocked, the dose and the name are on screen
    unlocked = window.grab().toImage()
    title = window.windowTitle()
    assert trial_id in title

    window.lock()
    locked = window.grab().toImage()
    cover = window.screen_lock.cover
    # The picture of the locked window is the cover's picture: nothing of the window shows through.
    assert locked == cover.grab().toImage()
    assert locked != unlocked
    unlock_panel = window.screen_lock.dialog.geometry()
    assert _uniform_outside(locked.convertToFormat(QImage.Format.Format_RGB32), unlock_panel)
    # Nothing with words is left on screen but the cover's own (no header, timeline, chart, export buttons).
    shown = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, QLabel | QAbstractButton) and w.isVisible() and not cover.isAncestorOf(w)
    ]
    assert shown == []
    assert not any(w.isVisible() for w in clinical)
    assert trial_id not in window.windowTitle()
    # The menus' shortcuts (Print, History) and the workspace's keys are off under the cover.
    assert not window.act_print.isEnabled() and not window.act_history.isEnabled()

    dialog = window.screen_lock.dialog
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.screen_lock.locked, timeout=20_000)  # the check runs off the GUI thread
    # Unlocking restores everything as it was, sharp: no blur or cover left on any part.
    assert not window.screen_lock.locked and window.screen_lock.cover is None
    assert all(w.isVisible() for w in clinical)
    assert _no_effects(window)
    assert window.windowTitle() == title
    assert window.act_print.isEnabled() and window.act_history.isEnabled()
    window.close_workspace(force=True)


def test_after_input_the_watcher_rests_a_moment_then_listens_again_and_still_locks(app, qtbot):
    """Every event of the application went through the watcher's Python filter: thousands when a form is built
    after a click (about 20 ms a form). After an input it stops listening for a tenth of its interval (at most
    2 s): the countdown restarted at that input, so the lock can come at most that much early."""
    team = make_team(app)
    window = signed_in_window(app, qtbot, team.pt)
    window.idle.set_minutes(0.01)  # 600 ms: it rests 60 ms after an input
    window.idle.start()
    assert window.idle.listening
    qtbot.keyClick(window.home.search, Qt.Key.Key_A)
    assert not window.idle.listening
    assert not window.screen_lock.locked
    qtbot.waitUntil(lambda: window.idle.listening, timeout=1000)
    qtbot.waitUntil(lambda: window.screen_lock.locked, timeout=3000)
    window.idle.stop()
    assert not window.idle.listening
