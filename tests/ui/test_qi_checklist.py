"""The operating-room checklist for touch and keys (issue 25 items 2 and 3): nothing changes the window's
width, answering scrolls to the next unanswered step, and a whole checklist can be filled from the keys."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.helpers import sign_in_module_actors
from tests.qi_synthetic import QI_LEAD
from trialapp.domain import qi_bundle
from trialapp.services import qi as service
from trialapp.services.context import Actor, App
from trialapp.ui.qi.checklist import ProcedureChecklistDialog


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


NURSE = Actor("demo.nurse", "nurse", "Noor Demo-Nurse")


def _recorded(app: App, kind: str = "new_implant") -> str:
    return service.create_procedure(app, NURSE, service.NewProcedure(date(2025, 9, 1), kind, "North", "Dr A"))


def _press(dialog: ProcedureChecklistDialog, *keys: Qt.Key) -> None:
    for key in keys:
        focused = dialog.focusWidget()
        assert focused is not None
        QTest.keyClick(focused, key)


def _where(widget: QWidget, dialog: QWidget) -> QPoint:
    return widget.mapTo(dialog, QPoint(0, 0))


def test_a_ten_step_checklist_is_filled_from_the_keys_only(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    pid = _recorded(app)
    steps = [s.code for s in qi_bundle.example_bundle().applicable("new_implant")]
    assert len(steps) == 10
    dialog = ProcedureChecklistDialog(app, QI_LEAD, pid)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    rows = list(dialog.rows.values())
    assert dialog.focusWidget() is rows[0].buttons["yes"]  # it opens at the first step without an answer
    _press(dialog, Qt.Key.Key_Y)  # answers and moves on to the next unanswered step
    assert dialog.focusWidget() is rows[1].buttons["yes"]
    _press(dialog, Qt.Key.Key_N, Qt.Key.Key_A)
    # Arrows move between a step's answers; Space chooses; Down goes to the next step.
    _press(dialog, Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Down)
    assert dialog.focusWidget() is rows[4].buttons["yes"]
    for _ in range(5):
        _press(dialog, Qt.Key.Key_Y)
    assert dialog.focusWidget() is rows[9].buttons["yes"]
    _press(dialog, Qt.Key.Key_Left, Qt.Key.Key_Space)  # Left from Yes wraps to N/A
    assert rows[9].answer() == "na"
    # Enter on a focused, chosen "Yes" saves; it does not clear the answer.
    _press(dialog, Qt.Key.Key_Up)
    assert dialog.focusWidget() is rows[8].buttons["yes"] and rows[8].answer() == "yes"
    _press(dialog, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    answers = service.get_procedure(app, QI_LEAD, pid).procedure.answers
    expected = ["yes", "no", "na", "no", "yes", "yes", "yes", "yes", "yes", "na"]
    assert answers == dict(zip(steps, expected, strict=True))


def test_a_key_never_clears_an_answer(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    dialog = ProcedureChecklistDialog(app, QI_LEAD, _recorded(app))
    qtbot.addWidget(dialog)
    row = next(iter(dialog.rows.values()))
    row.focus_answer()
    _press(dialog, Qt.Key.Key_Y)
    row.focus_answer()
    _press(dialog, Qt.Key.Key_Y)
    assert row.answer() == "yes"


def test_nothing_changes_the_window_width_and_answering_scrolls_on(qtbot, app: App) -> None:  # type: ignore[no-untyped-def]
    dialog = ProcedureChecklistDialog(app, QI_LEAD, _recorded(app))
    qtbot.addWidget(dialog)
    dialog.resize(1024, 720)
    dialog.show()
    qtbot.waitExposed(dialog)
    width = dialog.width()  # 1024, or the test screen's width when that is less (ui/fit_screen.py)
    rows = list(dialog.rows.values())
    buttons_at = [_where(r.buttons["no"], dialog).x() for r in rows]
    # A long progress line and a long error: the window keeps its width, the buttons their place.
    dialog.progress.setText("Bundle version 1: " + "a long progress line " * 20)
    dialog.error.setText("A problem: " + "a long error that must wrap, not widen " * 10)
    dialog.error.show()
    QApplication.processEvents()
    assert dialog.width() == width
    assert [_where(r.buttons["no"], dialog).x() for r in rows] == buttons_at
    # Answering a step by touch scrolls so that the next unanswered step is in view.
    for row in rows[:7]:
        qtbot.mouseClick(row.buttons["yes"], Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    viewport = dialog.scroll.viewport()
    top = rows[7].mapTo(viewport, QPoint(0, 0)).y()
    assert top >= 0 and top + rows[7].height() <= viewport.height()
    assert dialog.width() == width
