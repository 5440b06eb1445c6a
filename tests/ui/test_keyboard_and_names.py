"""Keyboard-first: every control of the shell's screens has an accessible name (or a label pointing at it)
and can take focus with Tab; tables let Tab leave them."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QWidget,
)

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.ui.views.history import HistoryDialog
from trialapp.ui.views.home import HomeView
from trialapp.ui.views.login import LoginView
from trialapp.ui.views.new_trial import NewTrialWizard
from trialapp.ui.views.print_dialog import PrintSummaryDialog
from trialapp.ui.views.settings import AddUserDialog, SettingsDialog

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit)


def _inside_compound(widget: QWidget) -> bool:
    # The line edit inside a spin box or combo box, the buttons of a scroll bar: named by their owner.
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractSpinBox | QComboBox | QTabBar | QLineEdit) or type(
            parent
        ).__name__ in (
            "QScrollBar",
            "QCalendarWidget",
            "QHeaderView",
        ):
            return True
        parent = parent.parentWidget()
    return False


def _unnamed(root: QWidget) -> list[str]:
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy() is not None}
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or _inside_compound(widget):
            continue
        if type(widget).__name__ in ("QCalendarWidget", "QHeaderView") or widget.objectName().startswith(
            "qt_"
        ):
            continue
        named = bool(widget.accessibleName()) or id(widget) in buddies
        if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
            named = True  # a button's own text is its name
        if not named:
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
        if (
            widget.isEnabled()
            and not widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and not isinstance(widget, QAbstractButton)
        ):
            missing.append(f"{type(widget).__name__} cannot take focus with Tab")
    return missing


def test_every_control_is_named_and_reachable(app, qtbot):
    team = make_team(app)
    trial_id = dosed_trial(app, "KEY-1", dose_at=datetime(2026, 3, 1, 9, 0))
    screens = [
        LoginView(app),
        HomeView(app, team.pt),
        NewTrialWizard(app, team.pt),
        SettingsDialog(app, team.admin),
        AddUserDialog(app, team.admin),
        HistoryDialog(app, team.pt, trial_id=trial_id),
        PrintSummaryDialog(app, team.pt, trial_id),
    ]
    for screen in screens:
        qtbot.addWidget(screen)
        assert _unnamed(screen) == [], (type(screen).__name__, _unnamed(screen))
    home = screens[1]
    assert not home.table.tabKeyNavigation()  # Tab leaves the table instead of walking its cells
    assert not home.due_table.tabKeyNavigation()


def test_tab_order_of_sign_in(app, qtbot):
    make_team(app)
    view = LoginView(app)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.username.setFocus()
    qtbot.waitUntil(view.username.hasFocus)
    seen = []
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [view.password, view.sign_in_button]
