"""The day review: R4 in words and numbers, adverse events and alerts, goals, the R7 suggestion and the plan."""

from __future__ import annotations

import pytest

from tests.ui.workspace_helpers import copy_bed, count_rows, day_at, open_workspace, run_day
from trialapp.domain.records import AdverseEvent, Assessment, GoalScore, Vitals
from trialapp.services import assessments, trials
from trialapp.storage import models as m


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


def _texts(page) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text() for label in page.findChildren(QLabel))


def test_day_review_shows_the_response_and_saves_the_plan(bed, qtbot) -> None:
    app = bed.app
    # Day 1: all 16 lower-limb muscle-sides 2 at baseline (mean 2.0); 2 at 1 h (reduction 0); 1+ at 4 h
    # (mean 1.5: reduction 0.5). Peak 0.5 at 4 h < threshold 1.0: not a responder; R7 suggests 75 mcg.
    run_day(bed, 1, 50, {1: "2", 4: "1+"})
    assessments.record_assessment(
        app,
        bed.team.pt,
        bed.trial_id,
        1,
        Assessment("reassessment", day_at(1, 15), goals=(GoalScore("g1", 0),), vitals=Vitals(rr=9)),
    )
    assessments.record_adverse_event(
        app, bed.team.nurse, bed.trial_id, 1, AdverseEvent(day_at(1, 12), "drowsiness", "mild")
    )
    bed.clock.set(day_at(1, 18))
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    (alert,) = workspace.controller.open_alerts
    workspace.controller.acknowledge_alert(alert.id)
    page = workspace.open_day_review(1)
    text = _texts(page)

    # The 8 h reassessment is not recorded and the plan not saved yet: the day is still running, so its
    # results are "so far" (RULES.md revision 2), never "Not a responder".
    assert page.verdict.text() == "Results not in yet"
    assert "Peak reduction" in text and "0.5 at 4 h" in text
    assert "mean MAS reduction ≥ 1.0" in text
    assert "Results not in yet: peak 0.5 at 4 h so far, below the threshold 1.0" in page.explanation.text()
    assert "reduction 0.5 (mean 2.0 at baseline, 1.5 at 4 h): 16 muscle-sides paired" in text
    assert "drowsiness (mild) at 12:00" in text
    assert "acknowledged by Pat Jones at 18:00" in text
    assert "suggest 75 mcg, the next step" in page.suggestion_label.text()

    # A different dose needs a reason: the hint says so, and the service refuses without one.
    page.next_dose.setText("100")
    page.family.setText("mother")
    assert "differs from the suggestion (75 mcg)" in page.reason_hint.text()
    assert page.save() is False
    assert "write the reason for the difference" in page.error_label.text()
    assert count_rows(app, m.DayPlanRecord) == 0

    page.next_dose.setText("75")
    page.decided_by.setText("Dr Lee, Pat Jones")
    assert page.reason_hint.text() == ""
    assert page.save() is True
    doc = trials.load_document(app, bed.team.pt, bed.trial_id)
    plan = doc.trial.days[0].plan
    assert plan is not None and plan.next_dose_mcg == 75
    assert plan.decided_by == ("Dr Lee", "Pat Jones", "mother (family)")
    assert workspace.current_page() is None
    # Day 2's dose step now shows the team's plan.
    workspace.show_day(2)
    step_text = _texts(workspace.day_views[2])
    assert "The team planned 75 mcg" in step_text


def test_responder_day_and_bad_dose_text(bed, qtbot) -> None:
    # Day 1: 1 at 4 h → reduction 1.0 = threshold: a responder (R4 compares exactly); 1+ at 6 h → 0.5,
    # so the effect lasted to 4 h, not censored. R7: the same dose, 50 mcg.
    run_day(bed, 1, 50, {4: "1", 6: "1+"})
    bed.clock.set(day_at(1, 18))
    page = open_workspace(qtbot, bed, bed.team.neuro).open_day_review(1)
    assert page.verdict.text() == "Responder so far"  # the 8 h reassessment is still to come
    assert "Effect lasted" in _texts(page) and "\n4 h\n" in _texts(page)
    assert "suggest the same dose, 50 mcg" in page.suggestion_label.text()
    page.next_dose.setText("50.0")
    assert "no decimal point" in page.dose_problem.text()
    assert page.save() is False
    assert count_rows(bed.app, m.DayPlanRecord) == 0
