"""R5 revision 2 on screen: an adverse event before the day's first dose is listed "before the dose" and
never called significant — the day review, the decision tab and the adverse-event dialog (which judges the
time typed against the chosen day's dose)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QLabel, QWidget

from tests.ui.workspace_helpers import copy_bed, day_at, open_workspace, run_day
from trialapp.domain.records import AdverseEvent
from trialapp.services import assessments
from trialapp.ui.workspace.alerts import AdverseEventDialog


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    run_day(made, 1, 50, {1: "2", 4: "1+"})  # the dose at 09:00
    made.clock.set(day_at(1, 14))
    yield made
    made.app.close()


def _texts(widget: QWidget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def _seizure_at_08_40(bed) -> None:
    assessments.record_adverse_event(
        bed.app, bed.team.nurse, bed.trial_id, 1, AdverseEvent(day_at(1, 8, 40), "seizure", "mild")
    )


def test_the_day_review_marks_an_event_before_the_dose(bed, qtbot) -> None:
    _seizure_at_08_40(bed)
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    text = _texts(workspace.day_views[1])
    assert "seizure (mild) at 08:40 — before the dose" in text
    assert "Significant (R5): seizure" not in text


def test_the_decision_tab_marks_an_event_before_the_dose(bed, qtbot) -> None:
    _seizure_at_08_40(bed)
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    workspace.tabs.setCurrentWidget(workspace.decision_view)
    text = _texts(workspace.decision_view)
    assert "Day 1: seizure (mild) at 08:40 — before the dose" in text
    assert "08:40 — significant" not in text


def test_the_event_dialog_judges_the_time_against_the_days_dose(bed, qtbot) -> None:
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    dialog = AdverseEventDialog(workspace.controller, 1, workspace)
    qtbot.addWidget(dialog)
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("seizure"))
    dialog.severity_box.setCurrentIndex(dialog.severity_box.findData("mild"))
    assert "Significant adverse effect: Seizure always counts" in dialog.significance.text()  # 14:00
    dialog.time_edit.setDateTime(QDateTime(day_at(1, 8, 40)))
    assert dialog.significance.text().startswith("Before the dose (given at 09:00)")
    assert "never counted against the dose" in dialog.significance.text()
    dialog.time_edit.setDateTime(QDateTime(day_at(1, 9, 0)))  # at the dose: counts
    assert "Significant adverse effect" in dialog.significance.text()
