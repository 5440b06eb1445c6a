"""Issue 21 item 5: on a 1366 × 768 ward laptop the day tab shows the next action and the day review without
scrolling, in each state of the day; at 125 and 150 % the next action is in view and the day review is one
key away (Alt+4, shown beside the "Day review" link).

Geometry from the real widgets, in the real workspace. Scaling is fixed for a QApplication's life, and
QT_SCALE_FACTOR scales every size alike, so a scaling is the workspace at the screen's size divided by it:
150 % of 1366 × 768 is a 910 × 512 screen, less the window's menu and status bars."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from tests.ui.shell_helpers import make_team, mas
from trialapp.domain.records import (
    Assessment,
    Catheter,
    Day,
    DayPlan,
    Dose,
    Patient,
    TrialDocument,
)
from trialapp.domain.records import Trial as TrialRecord
from trialapp.services import trials
from trialapp.services.context import os_actor

DOSE_AT = datetime(2026, 3, 1, 9, 0)
#: The workspace in a maximised main window (menu, status bar and title bar taken off), per scaling.
ROOM = {1.0: (1362, 712), 1.25: (1088, 558), 1.5: (908, 457)}


@pytest.fixture(autouse=True)
def themed(qapp):  # type: ignore[no-untyped-def]
    """The app's theme: its style sheet sets the font sizes and button heights that decide what fits
    (restored after, as the other tests find the application)."""
    from trialapp.ui.theme import apply_theme

    saved = (qapp.styleSheet(), qapp.palette(), qapp.style().name(), qapp.property("trialapp_theme"))
    apply_theme("light")
    yield qapp
    qapp.setStyleSheet(saved[0])
    qapp.setPalette(saved[1])
    qapp.setStyle(saved[2])
    qapp.setProperty("trialapp_theme", saved[3])


def _trial(
    app, mrn: str, *, baseline: bool, dosed: bool, hours: tuple[float, ...] = (), plan: bool = False
) -> str:
    """A synthetic one-day trial in one of the day's states."""
    assessments = [Assessment("baseline", DOSE_AT - timedelta(hours=1), mas=mas("2"))] if baseline else []
    assessments += [Assessment("reassessment", DOSE_AT + timedelta(hours=h), mas=mas("1")) for h in hours]
    day = Day(
        day=1,
        date=DOSE_AT.date(),
        assessments=tuple(assessments),
        doses=(Dose(DOSE_AT, 50, 50, 1.0, "catheter", "LOT1", "Dr Lee", "Nurse Smith"),) if dosed else (),
        plan=DayPlan(50, ("Dr Lee", "mother (family)")) if plan else None,
    )
    trial = TrialRecord(
        started_on=DOSE_AT.date(),
        catheter=Catheter(DOSE_AT - timedelta(hours=3), "catheter", "L3-L4"),
        days=(day,),
    )
    patient = Patient(
        mrn=mrn,
        birth_date=DOSE_AT.date().replace(year=2015),
        given_name="Dana",
        family_name="Synthetic",
        language="es",
    )
    return trials.import_document(app, os_actor(), TrialDocument(patient=patient, trial=trial))


#: name -> (the trial's state, the clock, the key of the next action's button)
STATES = {
    "before the baseline": (
        dict(baseline=False, dosed=False),
        DOSE_AT - timedelta(hours=1, minutes=30),
        "baseline",
    ),
    "before the dose": (dict(baseline=True, dosed=False), DOSE_AT - timedelta(minutes=20), "dose"),
    "dose given, reassessments to come": (
        dict(baseline=True, dosed=True),
        DOSE_AT + timedelta(minutes=20),
        "slot:1",
    ),
    "two done, the 4 h due (its reminder shown)": (
        dict(baseline=True, dosed=True, hours=(1, 2)),
        DOSE_AT + timedelta(hours=4, minutes=2),
        "slot:4",
    ),
    "every reassessment done": (
        dict(baseline=True, dosed=True, hours=(1, 2, 4, 6, 8)),
        DOSE_AT + timedelta(hours=9),
        "review",
    ),
    "day reviewed": (
        dict(baseline=True, dosed=True, hours=(1, 2, 4, 6, 8), plan=True),
        DOSE_AT + timedelta(hours=10),
        "review",
    ),
}


def _open(app, qtbot, state: str, scale: float):
    from trialapp.ui.workspace import TrialWorkspace

    made, now, _next = STATES[state]
    team = make_team(app)
    trial_id = _trial(app, "VIEW-1", **made)  # type: ignore[arg-type]
    workspace = TrialWorkspace(app, team.pt, trial_id, clock=lambda: now)
    qtbot.addWidget(workspace)
    workspace.resize(*ROOM[scale])
    workspace.show()
    qtbot.waitExposed(workspace)
    return workspace


def _review(view) -> tuple[QLabel, QLabel]:
    """The day review step's heading and its first line, found as a user finds them: by their words."""
    step = next(f for f in view.widget().findChildren(QFrame) if f.accessibleName() == "Day review")
    heading, first_line = step.findChildren(QLabel)[:2]
    assert heading.text() == "4. Day review"
    return heading, first_line


def _in_view(view, widget: QWidget) -> bool:
    viewport = view.viewport()
    where = QRect(widget.mapTo(viewport, widget.rect().topLeft()), widget.size())
    return widget.isVisible() and viewport.rect().contains(where)


@pytest.mark.parametrize("state", list(STATES))
def test_at_1366_by_768_the_next_action_and_the_day_review_are_in_view(app, qtbot, state: str) -> None:
    workspace = _open(app, qtbot, state, 1.0)
    view = workspace.day_views[1]
    key = STATES[state][2]
    button = view.buttons[key]
    heading, first_line = _review(view)
    qtbot.waitUntil(lambda: _in_view(view, button) and _in_view(view, heading) and _in_view(view, first_line))
    assert view.verticalScrollBar().value() == 0  # nothing scrolled away: the whole day reads from the top
    assert view.next_action_key() == key
    assert button.property("primary") is True  # the next action stands out
    workspace.closing()


@pytest.mark.parametrize("scale", [1.25, 1.5])
@pytest.mark.parametrize("state", list(STATES))
def test_at_125_and_150_percent_the_next_action_is_in_view(app, qtbot, state: str, scale: float) -> None:
    workspace = _open(app, qtbot, state, scale)
    view = workspace.day_views[1]
    button = view.buttons[STATES[state][2]]
    qtbot.waitUntil(lambda: _in_view(view, button))
    workspace.closing()


def test_at_150_percent_alt_4_brings_the_day_review_into_view_and_focuses_it(app, qtbot) -> None:
    workspace = _open(app, qtbot, "before the baseline", 1.5)
    view = workspace.day_views[1]
    qtbot.waitUntil(lambda: _in_view(view, view.buttons["baseline"]))
    heading, _first = _review(view)
    assert not _in_view(view, heading)  # at 150 % it does not fit with the next action
    assert "Day review" in workspace.go_to_links.text() and "Alt+4" in workspace.go_to_links.text()
    workspace.activateWindow()
    qtbot.waitUntil(workspace.isActiveWindow)
    qtbot.keyClick(workspace.focusWidget() or workspace, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: _in_view(view, heading) and view.buttons["review"].hasFocus())
    assert workspace.current_page() is None  # it goes to the step; Alt+R opens the review
    workspace.closing()


def test_the_reassessments_to_come_fold_after_the_next_one_and_unfold(app, qtbot) -> None:
    workspace = _open(app, qtbot, "dose given, reassessments to come", 1.0)
    workspace.activateWindow()  # keyboard focus needs an active window
    qtbot.waitUntil(workspace.isActiveWindow)
    view = workspace.day_views[1]

    def texts() -> list[str]:
        return [w.text().replace("\u00a0", " ") for w in view.widget().findChildren(QLabel)]

    assert "slot:1" in view.buttons and "slot:2" not in view.buttons
    assert "4 more later: 2 h at 11:00, 4 h at 13:00, 6 h at 15:00, 8 h at 17:00." in texts()
    view.buttons["show-later"].click()
    assert {"slot:1", "slot:2", "slot:4", "slot:6", "slot:8"} <= set(view.buttons)
    assert view.buttons["show-later"].hasFocus()
    view.buttons["show-later"].click()
    assert "slot:8" not in view.buttons
    workspace.closing()


def test_the_minute_s_redraw_leaves_alone_what_the_user_scrolled_to(app, qtbot) -> None:
    """The timeline scrolls by itself when the day moves on, not every minute under a user reading it."""
    now = [DOSE_AT + timedelta(hours=4, minutes=2)]
    workspace = _open(app, qtbot, "two done, the 4 h due (its reminder shown)", 1.5)
    workspace.controller.clock = lambda: now[0]
    view = workspace.day_views[1]
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() > 0 and _in_view(view, view.buttons["slot:4"]))
    bar.setValue(0)  # up to the baseline, to read it
    now[0] += timedelta(minutes=1)
    workspace.tick()
    qtbot.wait(50)
    assert "Due now" in [w.text() for w in view.widget().findChildren(QLabel)]
    assert bar.value() == 0
    workspace.closing()
