"""New-trial wizard: a new patient from start to the stored trial, problems next to their fields, a patient
on file, the ladder suggested by age, and the site's protocol defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, Qt
from sqlalchemy import func, select

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.domain.protocol import DEFAULT_SETTINGS
from trialapp.services import app_settings
from trialapp.services.trials import load_document
from trialapp.storage import models as m
from trialapp.ui.views.new_trial import NewTrialWizard


def _wizard(app, qtbot, actor, **kwargs) -> NewTrialWizard:
    wizard = NewTrialWizard(app, actor, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def test_new_patient_to_a_started_trial(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    today = date.today()
    qtbot.keyClicks(wizard.mrn, "NEW-001")
    qtbot.keyClicks(wizard.given, "Ivy")
    qtbot.keyClicks(wizard.family, "Synthetic")
    wizard.birth.setDate(_qdate(today - timedelta(days=3 * 365)))  # about 3 years old
    qtbot.keyClicks(wizard.weight, "14,5")  # a decimal comma is understood
    qtbot.keyClicks(wizard.allergies, "latex; penicillin")
    wizard.language.setCurrentIndex(wizard.language.findData("es"))
    qtbot.keyClick(wizard.mrn, Qt.Key.Key_Return)  # Enter = Next
    assert wizard.stack.currentIndex() == 1

    qtbot.keyClicks(wizard.level, "L3-L4")
    wizard.next()
    assert wizard.stack.currentIndex() == 2
    # Under 4 years: the small-child ladder is suggested, with the reason.
    assert wizard.ladder.currentData() == "small_child"
    assert "under 4 years" in wizard.suggestion.text()
    assert "Source:" in wizard.defaults_text.text() and "Gilmartin" in wizard.defaults_text.text()
    wizard.next()
    qtbot.keyClicks(wizard.goal_texts[0], "Sit in the wheelchair for 2 hours")
    wizard.goal_gas[0].setCurrentIndex(wizard.goal_gas[0].findData(-1))
    qtbot.keyClicks(wizard.goal_texts[2], "Easier dressing")  # an empty row in between is skipped
    wizard.next()
    assert wizard.stack.currentIndex() == 4
    review = wizard.review.toPlainText()
    assert "Ivy Synthetic, MRN NEW-001" in review and "latex, penicillin" in review
    wizard.start_button.click()

    assert wizard.trial_id
    doc = load_document(app, team.pt, wizard.trial_id)
    assert doc.patient.mrn == "NEW-001" and doc.patient.weight_kg == 14.5
    assert doc.patient.allergies == ("latex", "penicillin") and doc.patient.language == "es"
    assert doc.trial.settings.ladder == "small_child"
    assert doc.trial.catheter.level == "L3-L4"
    assert [(g.id, g.text, g.baseline_gas) for g in doc.trial.goals] == [
        ("g1", "Sit in the wheelchair for 2 hours", -1),
        ("g2", "Easier dressing", None),
    ]
    # Three days on consecutive dates, starting today (days 2-3 are planned).
    assert [(d.day, d.date) for d in doc.trial.days] == [(i + 1, today + timedelta(days=i)) for i in range(3)]


def test_problems_are_shown_next_to_their_fields_and_block_the_step(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    wizard.weight.setText("heavy")
    wizard.birth.setDate(_qdate(date.today() + timedelta(days=10)))
    wizard.next()
    assert wizard.stack.currentIndex() == 0
    mrn_error = wizard._errors["patient.mrn"]
    assert mrn_error.isVisibleTo(wizard) and "required" in mrn_error.text()
    assert "number" in wizard._errors["patient.weight_kg"].text()
    assert "future" in wizard._errors["patient.birth_date"].text()

    wizard.mrn.setText("OK-1")
    wizard.weight.setText("")
    wizard.birth.setDate(_qdate(date(2018, 1, 1)))
    wizard.next()
    assert wizard.stack.currentIndex() == 1
    assert not wizard._errors["patient.mrn"].isVisibleTo(wizard)

    future = datetime.now() + timedelta(days=2)
    wizard.placed_at.setDateTime(QDateTime(_qdate(future.date()), wizard.placed_at.time()))
    wizard.next()
    assert wizard.stack.currentIndex() == 1
    assert "future" in wizard._errors["trial.catheter.placed_at"].text()
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(m.TrialRow)).scalar_one() == 0


def test_schedule_and_goal_problems(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    wizard.mrn.setText("OK-2")
    wizard.next()
    wizard.next()
    wizard.schedule.setText("1, 2, soon")
    wizard.next()
    assert wizard.stack.currentIndex() == 2
    assert "'soon' is not a number" in wizard._errors["trial.schedule_hours"].text()
    wizard.schedule.setText("1, 2, 30")
    wizard.next()
    assert "24" in wizard._errors["trial.schedule_hours"].text()
    wizard.schedule.setText("2, 1, 4")
    wizard.next()
    assert wizard.stack.currentIndex() == 3
    wizard.goal_gas[1].setCurrentIndex(wizard.goal_gas[1].findData(1))  # a score without a goal
    wizard.next()
    assert wizard.stack.currentIndex() == 3
    assert "Write the goal" in wizard._errors["trial.goals[1]"].text()


def test_patient_on_file_keeps_its_record(app, qtbot):
    team = make_team(app)
    first = dosed_trial(app, "FILE-7", dose_at=datetime(2026, 2, 1, 10, 0), given="Omar", family="Onfile")
    wizard = _wizard(app, qtbot, team.neuro, existing_mrn="FILE-7")
    assert wizard.on_file.isChecked()
    assert wizard.existing is not None and wizard.existing.mrn == "FILE-7"
    assert wizard.given.text() == "Omar" and not wizard.given.isEnabled()
    for _ in range(4):
        wizard.next()
    wizard.start()
    assert wizard.trial_id and wizard.trial_id != first
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(m.PatientRow)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(m.TrialRow)).scalar_one() == 2


def test_known_mrn_with_another_birth_date_is_refused_at_the_birth_date(app, qtbot):
    team = make_team(app)
    dosed_trial(app, "DUP-1", dose_at=datetime(2026, 2, 1, 10, 0))  # born 2015-05-01
    wizard = _wizard(app, qtbot, team.pt)
    wizard.mrn.setText("DUP-1")
    wizard.birth.setDate(QDate(2016, 5, 1))
    wizard.next()
    assert wizard.stack.currentIndex() == 0
    assert "on file with the birth date 01 May 2015" in wizard._errors["patient.birth_date"].text()


def test_site_protocol_defaults_fill_the_protocol_step(app, qtbot):
    team = make_team(app)
    app_settings.set_protocol_defaults(
        app, team.admin, replace(DEFAULT_SETTINGS, threshold=2.0, schedule_hours=(1, 3, 5), region="all")
    )
    wizard = _wizard(app, qtbot, team.pt)
    assert wizard.threshold.value() == 2.0
    assert wizard.schedule.text() == "1, 3, 5"
    assert wizard.region.currentData() == "all"
    assert "Site default set by the admin" in wizard.defaults_text.text()


def test_a_nurse_cannot_start_a_trial(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.nurse)
    wizard.mrn.setText("N-1")
    wizard.next()
    assert wizard.stack.currentIndex() == 0
    assert "may not" in wizard.page_error.text()
