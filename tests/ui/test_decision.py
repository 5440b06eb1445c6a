"""The candidacy decision: evidence (R4 per day, goals, adverse events, R6 with its basis), signature with
the password, correction only with a reason, the original kept in the history."""

from __future__ import annotations

import pytest

from tests.ui.workspace_helpers import PASSWORD, copy_bed, count_rows, day_at, open_workspace, run_day
from trialapp.services import trials
from trialapp.storage import models as m


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    # Day 1, 50 mcg: peak 0.5 (1+ at 4 h): not a responder. Day 2, 75 mcg: 1 at 4 h is a reduction of 1.0
    # (a responder), 1+ at 6 h is 0.5, so the effect lasted to 4 h (not > 8 h), no adverse event:
    # R6 recommends twice the screening dose, 2 × 75 = 150 mcg/day.
    run_day(made, 1, 50, {1: "2", 4: "1+"})
    run_day(made, 2, 75, {4: "1", 6: "1+"})
    made.clock.set(day_at(3, 10))
    yield made
    made.app.close()


def _view(qtbot, bed, actor):
    workspace = open_workspace(qtbot, bed, actor)
    workspace.tabs.setCurrentWidget(workspace.decision_view)
    return workspace, workspace.decision_view


def test_evidence_and_signature(bed, qtbot) -> None:
    workspace, view = _view(qtbot, bed, bed.team.neuro)
    assert not workspace.chart_scroll.isVisible()  # the evidence gets the whole width
    assert view.recommendation_label.text() == "150 mcg/day — basis: twice the screening dose"
    view.use_recommended.click()
    assert view.outcome() == "candidate" and view.daily_dose.text() == "150"
    view.rationale.setPlainText("Tone fell by 1.0 at 4 h on 75 mcg; sitting goal met.")

    view.password.setText("wrong-password")
    assert view.sign() is False
    assert "Your signature was not accepted" in view.problem.text()
    assert count_rows(bed.app, m.DecisionRow) == 0

    view.password.setText(PASSWORD)
    assert view.sign() is True
    decision = trials.load_document(bed.app, bed.team.neuro, bed.trial_id).trial.decision
    assert decision is not None
    assert (decision.outcome, decision.initial_daily_dose_mcg, decision.decided_by) == (
        "candidate",
        150,
        "Dr Lee",
    )
    assert decision.decided_at == day_at(3, 10)
    assert "Candidate</b>, initial daily dose 150 mcg/day — signed by Dr Lee" in view.current_label.text()
    assert view.correction.isVisible()


def test_correction_needs_a_reason_and_the_original_stays_in_the_history(bed, qtbot) -> None:
    _workspace, view = _view(qtbot, bed, bed.team.neuro)
    view.outcome_buttons["undecided"].setChecked(True)
    view.rationale.setPlainText("Wait for day 3.")
    view.password.setText(PASSWORD)
    assert view.sign() is True
    assert view.correction.isVisible()

    view.outcome_buttons["candidate"].setChecked(True)
    view.daily_dose.setText("150")
    view.rationale.setPlainText("Day 2 response confirmed with the family.")
    view.password.setText(PASSWORD)
    assert view.sign() is False
    assert "give the reason for the correction" in view.problem.text()
    assert trials.load_document(bed.app, bed.team.neuro, bed.trial_id).trial.decision.outcome == "undecided"

    view.correction.setText("Day 2 response reviewed with the family")
    view.password.setText(PASSWORD)
    assert view.sign() is True
    assert trials.load_document(bed.app, bed.team.neuro, bed.trial_id).trial.decision.outcome == "candidate"
    history = "\n".join(view.history_lines)
    assert "signed the decision: undecided" in history
    assert "corrected the decision: undecided → candidate" in history


def test_only_a_neurosurgeon_signs(bed, qtbot) -> None:
    _workspace, view = _view(qtbot, bed, bed.team.pt)
    assert not view.form_box.isEnabled()
    assert "Only a neurosurgeon signs" in view.who_label.text()
    # The evidence is there for the whole team.
    assert view.recommendation_label.text().startswith("150 mcg/day")
