"""History in plain words: a dose with its double check, a correction with its reason (old → new), a signed
decision and its correction, prints; and the dialog that shows them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.shell_helpers import PASSWORD, make_team, mas
from trialapp.domain.records import Assessment, Catheter, Patient, ProtocolSettings
from trialapp.services import app_settings, assessments, decisions, dosing, history, trials
from trialapp.services.errors import PermissionDenied
from trialapp.ui.views.history import HistoryDialog

START = date(2026, 11, 2)
NOW = datetime(2026, 11, 20, 12, 0)
# The trial below has a dose and nothing after it: R14 warns of the day's reassessments and review.
R14_REASONS = {
    "reassessment_due": "History test: no reassessment recorded",
    "no_day_review": "History test: no day review",
}


def _trial_with_dose(app, team) -> tuple[str, int]:
    trial_id = trials.start_trial(
        app,
        team.pt,
        Patient(mrn="HIST-1", birth_date=date(2016, 4, 12), given_name="Hana"),
        started_on=START,
        catheter=Catheter(datetime(2026, 11, 2, 7, 40), "catheter", "L3-L4"),
        settings=ProtocolSettings(),
        now=NOW,
    )
    assessments.record_assessment(
        app, team.pt, trial_id, 1, Assessment("baseline", datetime(2026, 11, 2, 8, 30), mas=mas("2")), now=NOW
    )
    order = dosing.DoseOrder(
        trial_id=trial_id,
        day=1,
        dose_mcg=50,
        concentration_mcg_per_ml=50,
        volume_ml=1.0,
        given_at=datetime(2026, 11, 2, 9, 0),
        via="catheter",
        lot="A1",
        warning_reasons={"weight_not_recorded": "Scale broken on the ward; weighed yesterday"},
    )
    dose_id = dosing.give_dose(
        app, team.neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50)
    )
    return trial_id, dose_id


def test_trial_history_in_plain_words(app):
    team = make_team(app)
    trial_id, dose_id = _trial_with_dose(app, team)
    dosing.correct_dose_record(
        app, team.neuro, PASSWORD, dose_id, reason="Lot misread from the vial", lot="A7"
    )
    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="not_candidate",
        rationale="No clear change",
        initial_daily_dose_mcg=None,
        warning_reasons=R14_REASONS,
        now=NOW,
    )
    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="undecided",
        rationale="Review again",
        initial_daily_dose_mcg=None,
        correction_reason="Family asked for a second day",
        warning_reasons=R14_REASONS,
        now=NOW,
    )

    lines = history.trial_history(app, team.nurse, trial_id)
    texts = [f"{x.who} {x.text}" for x in lines]
    assert texts[0] == "Pat Jones (physical therapist) added the patient"
    assert texts[1].startswith("Pat Jones (physical therapist) started the trial (ladder standard")
    assert "Pat Jones (physical therapist) recorded the day 1 baseline (at 08:30)" in texts
    gave = next(x for x in lines if x.text.startswith("gave"))
    assert gave.who == "Dr Lee (neurosurgeon)"
    assert gave.text == "gave 50 mcg (50 mcg/mL, 1 mL) on day 1 at 09:00 (checked by Nurse Smith (nurse))"
    assert gave.sentence.startswith(f"{gave.at:%H:%M} Dr Lee (neurosurgeon) gave 50 mcg")
    corrected = next(x for x in lines if x.text.startswith("corrected the lot"))
    assert corrected.text == "corrected the lot of the dose: A1 → A7"
    assert (corrected.old, corrected.new, corrected.reason) == ("A1", "A7", "Lot misread from the vial")
    assert corrected.sentence.endswith("— reason: Lot misread from the vial")
    assert any(x.text == "signed the decision: not a candidate" for x in lines)
    correction = next(x for x in lines if x.text.startswith("corrected the decision"))
    assert correction.text == "corrected the decision: not a candidate → undecided"
    assert correction.reason == "Family asked for a second day"
    assert [x.audit_id for x in lines] == sorted(x.audit_id for x in lines)  # oldest first


def test_record_history_and_its_permission(app):
    team = make_team(app)
    app_settings.set_idle_minutes(app, team.admin, 9)
    lines = history.record_history(app, team.admin, "settings", "idle_minutes")
    assert [x.text for x in lines] == ["changed the idle-lock minutes: (empty) → 9"]
    with pytest.raises(PermissionDenied):
        history.record_history(app, team.pt, "settings", "idle_minutes")


def test_history_dialog_lists_and_filters(app, qtbot):
    team = make_team(app)
    trial_id, _dose = _trial_with_dose(app, team)
    dialog = HistoryDialog(app, team.pt, trial_id=trial_id)
    qtbot.addWidget(dialog)
    total = dialog.model.rowCount()
    assert total == len(history.trial_history(app, team.pt, trial_id))
    assert "gave 50 mcg" in dialog.text()
    qtbot.keyClicks(dialog.search, "gave 50")
    assert dialog.model.rowCount() == 1
    assert dialog.model.data(dialog.model.index(0, 2)) == "Dr Lee (neurosurgeon)"
    dialog.search.clear()
    assert dialog.model.rowCount() == total
    qtbot.keyClicks(dialog.search, "dose")  # what the line is about, though it says "gave 50 mcg"
    found = [dialog.model.data(dialog.model.index(r, 3)) for r in range(dialog.model.rowCount())]
    assert any(text.startswith("gave 50 mcg") for text in found)
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "LEE 50")  # every word, any case and order
    assert [dialog.model.data(dialog.model.index(0, 3))[:11]] == ["gave 50 mcg"]
    dialog.search.clear()


def test_history_dialog_says_when_a_trial_does_not_exist(app, qtbot):
    team = make_team(app)
    dialog = HistoryDialog(app, team.pt, trial_id="TNOPE123")
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 0
    assert any("There is no trial" in w.text() for w in dialog.findChildren(QLabel))


def test_near_misses_have_their_words_and_their_filter(app, qtbot):
    team = make_team(app)
    trial_id, _dose = _trial_with_dose(app, team)
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9, 0), "catheter", "A1")
    with pytest.raises(Exception, match="does not match"):
        dosing.compare_check(app, team.neuro, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 500))
    lines = history.trial_history(app, team.pt, trial_id)
    (miss,) = history.near_misses_only(lines)
    assert miss.text == (
        "near miss on day 1: the two entries differed (checker Nurse Smith (nurse); order 50 mcg at 50 mcg/mL "
        "= 1 mL; check 50 mcg at 500 mcg/mL)"
    )
    dialog = HistoryDialog(app, team.pt, trial_id=trial_id)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == len(lines)
    dialog.near_misses.setChecked(True)
    assert dialog.model.rowCount() == 1 and "near miss" in dialog.text()
    dialog.near_misses.setChecked(False)
    assert dialog.model.rowCount() == len(lines)
