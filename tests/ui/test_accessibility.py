"""Accessibility (issue 21 item 11): every control of every window and dialog has an accessible name and a
description; focus is always visible (the style sheet, tests/ui/test_theme.py); the timeline's status
badges carry words, not colour alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.services import qi as qi_service
from trialapp.ui.accessible import CONTROLS, is_part_of_another
from trialapp.ui.main_window import MainWindow
from trialapp.ui.workspace.timeline import STATUS_WORDS


def _lacking(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or is_part_of_another(widget):
            continue
        if not widget.accessibleName().strip() or not widget.accessibleDescription().strip():
            text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
            missing.append(f"{type(widget).__name__} {widget.accessibleName() or text!r} {widget.objectName()!r} in {type(widget.parentWidget()).__name__} {widget.parentWidget().objectName()!r} tip={widget.toolTip()!r}")
    return missing


def _check(qtbot: Any, name: str, widget: QWidget) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    try:
        assert _lacking(widget) == [], (name, _lacking(widget))
    finally:
        widget.hide()
        widget.deleteLater()


def test_every_control_has_a_name_and_a_description(app, qtbot) -> None:
    team = make_team(app)
    trial_id = dosed_trial(app, "ACC-1", dose_at=datetime(2026, 3, 1, 9, 0), reassessed_after_hours=(1,))
    procedure = qi_service.create_procedure(
        app, team.qi, qi_service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A")
    )
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert _lacking(window.login) == []
    window.sign_in(team.neuro)
    assert _lacking(window.home) == []
    window.open_trial(trial_id)
    workspace = window.workspace
    panel = workspace.ensure_chart()
    qtbot.waitUntil(lambda: panel.view is not None, timeout=5000)
    assert _lacking(workspace) == []
    for open_page in (
        lambda: workspace.open_assessment(1, "reassessment", "4"),
        lambda: workspace.open_day_review(1),
    ):
        page = open_page()
        assert _lacking(page) == [], type(page).__name__
        workspace._close_page()

    from trialapp.ui.qi.checklist import ProcedureChecklistDialog
    from trialapp.ui.qi.dashboard import QiDashboard
    from trialapp.ui.qi.dialogs import SsiDialog
    from trialapp.ui.views.new_trial import NewTrialWizard
    from trialapp.ui.views.password_dialogs import ChangePasswordDialog
    from trialapp.ui.views.print_dialog import PrintSummaryDialog
    from trialapp.ui.views.settings import AddUserDialog, SettingsDialog
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    dialogs: list[tuple[str, Callable[[], QWidget]]] = [
        ("dose", lambda: DoseDialog(workspace.controller, 1, window)),
        ("wizard", lambda: NewTrialWizard(app, team.pt, parent=window)),
        ("settings", lambda: SettingsDialog(app, team.admin, parent=window)),
        ("add user", lambda: AddUserDialog(app, team.admin, parent=window)),
        ("print", lambda: PrintSummaryDialog(app, team.neuro, trial_id, parent=window)),
        ("password", lambda: ChangePasswordDialog(app, team.pt, parent=window)),
        ("QI dashboard", lambda: QiDashboard(app, team.qi)),
        ("checklist", lambda: ProcedureChecklistDialog(app, team.qi, procedure, window)),
        ("infection", lambda: SsiDialog(app, team.qi, procedure, window)),
    ]
    for name, make in dialogs:
        _check(qtbot, name, make())

    window.lock()
    assert _lacking(window.screen_lock.cover) == []
    window.screen_lock.dialog.switch_button.click()


def test_status_badges_carry_words(app, qtbot) -> None:
    """A reassessment's status is said in words beside its colour (colour is never the only signal)."""
    team = make_team(app)
    trial_id = dosed_trial(app, "ACC-2", dose_at=datetime(2026, 3, 1, 9, 0), reassessed_after_hours=(1,))
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.sign_in(team.neuro)
    window.open_trial(trial_id)
    view = window.workspace.day_views[1]
    coloured = [w for w in view.findChildren(QLabel) if "background" in w.styleSheet()]
    assert coloured
    words = set(STATUS_WORDS.values())
    for badge in coloured:
        assert badge.text().strip(), "a coloured badge without words"
        assert badge.text() in words or badge.text().endswith(" done"), badge.text()
    window.close_workspace(force=True)
