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
    # The test's end closes the wizard: entries may be discarded then without the question.
    qtbot.addWidget(wizard, before_close_func=lambda w: setattr(w, "_confirm_discard", lambda: True))
    wizard.show()
    return wizard


def _choose(qtbot, combo, text: str) -> None:
    """Pick ``text`` in a combo box by keyboard, as a user tabbing through the form would."""
    from PySide6.QtWidgets import QApplication

    combo.setFocus()
    qtbot.wait(QApplication.keyboardInputInterval() + 50)  # a new search, not the end of the last one
    qtbot.keyClicks(combo, text)
    assert combo.currentText().startswith(text), combo.currentText()


def _type_birth_date(qtbot, wizard: NewTrialWizard, d: date) -> None:
    wizard.birth.clear()
    qtbot.keyClicks(wizard.birth, d.strftime("%d/%m/%Y"))
    assert wizard.birth_date() == d, wizard.birth.text()


def _fill_patient(qtbot, wizard: NewTrialWizard, mrn: str, born: date = date(2018, 1, 1)) -> None:
    """Everything a new patient needs, typed."""
    qtbot.keyClicks(wizard.mrn, mrn)
    qtbot.keyClicks(wizard.given, "Ivy")
    qtbot.keyClicks(wizard.family, "Synthetic")
    _type_birth_date(qtbot, wizard, born)
    _choose(qtbot, wizard.sex, "female")
    qtbot.keyClicks(wizard.weight, "20")
    _choose(qtbot, wizard.allergy_answer, "No")


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def test_new_patient_to_a_started_trial(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    today = date.today()
    qtbot.keyClicks(wizard.mrn, "NEW-001")
    qtbot.keyClicks(wizard.given, "Ivy")
    qtbot.keyClicks(wizard.family, "Synthetic")
    _type_birth_date(qtbot, wizard, today - timedelta(days=3 * 365))  # about 3 years old
    _choose(qtbot, wizard.sex, "female")
    qtbot.keyClicks(wizard.weight, "14,5")  # a decimal comma is understood
    qtbot.keyClicks(wizard.allergies, "latex; penicillin")  # typing allergies answers the question
    assert wizard.allergy_answer.currentData() == "listed"
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
    wizard.birth.setText(f"{date.today() + timedelta(days=10):%Y-%m-%d}")
    wizard.next()
    assert wizard.stack.currentIndex() == 0
    mrn_error = wizard._errors["patient.mrn"]
    assert mrn_error.isVisibleTo(wizard) and "required" in mrn_error.text()
    assert "number" in wizard._errors["patient.weight_kg"].text()
    assert "future" in wizard._errors["patient.birth_date"].text()

    wizard.weight.setText("")
    _fill_patient(qtbot, wizard, "OK-1")
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
    _fill_patient(qtbot, wizard, "OK-2")
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
    qtbot.keyClicks(wizard.birth, "1 May 2016")
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


def test_mrn_and_five_enters_do_not_create_a_trial(app, qtbot):
    # Issue 17 §6: an MRN and five Enters created "(no name)", no weight, a birth date 8 years ago and
    # "No allergies recorded". Each missing answer is now named next to its field.
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    qtbot.keyClicks(wizard.mrn, "ENTER-5")
    for _ in range(5):
        qtbot.keyClick(wizard.focusWidget() or wizard.mrn, Qt.Key.Key_Return)
    assert wizard.stack.currentIndex() == 0 and wizard.trial_id is None
    errors = wizard._errors
    assert errors["patient.given_name"].text() == "Type the patient's given name."
    assert errors["patient.family_name"].text() == "Type the patient's family name."
    assert errors["patient.birth_date"].text().startswith("Type the birth date")
    assert errors["patient.sex"].text().startswith("Choose the sex")
    assert errors["patient.weight_kg"].text().startswith("Type the weight in kg")
    assert errors["patient.allergies"].text().startswith("Answer the allergy question")
    assert wizard.birth.text() == ""  # no silent default
    with app.db.read() as s:
        assert s.execute(select(func.count()).select_from(m.TrialRow)).scalar_one() == 0


def test_listed_allergies_need_a_list_and_the_review_shows_every_answer(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    _fill_patient(qtbot, wizard, "REV-1")
    _choose(qtbot, wizard.allergy_answer, "Allergies")
    wizard.next()
    assert wizard.stack.currentIndex() == 0
    assert "List the allergies" in wizard._errors["patient.allergies"].text()
    _choose(qtbot, wizard.allergy_answer, "No")
    wizard.gmfcs.setCurrentIndex(wizard.gmfcs.findData(3))
    qtbot.keyClicks(wizard.diagnosis, "Spastic diplegia")
    _choose(qtbot, wizard.language, "Spanish")
    wizard.next()
    qtbot.keyClicks(wizard.level, "L3-L4")
    for _ in range(3):
        wizard.next()
    review = wizard.review.toPlainText()
    assert "born 01 Jan 2018" in review and "Sex: female" in review and "weight: 20 kg" in review
    assert "allergies: no known allergies" in review
    assert "GMFCS: Level III; diagnosis: Spastic diplegia; family's language: Spanish" in review
    qtbot.keyClick(wizard.start_button, Qt.Key.Key_Return)
    assert wizard.trial_id
    assert load_document(app, team.pt, wizard.trial_id).patient.allergies == ()


def _answer_discard_question(qtbot, key: Qt.Key, button: str | None = None) -> list[str]:
    """When the question shows, press ``key`` on it (on its ``button``, e.g. "Discard", when given: Tab
    would reach it); returns its text."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    asked: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        target = (
            next((b for b in box.buttons() if b.text().replace("&", "") == button), box) if button else box
        )
        target.setFocus()
        qtbot.keyClick(target, key)

    QTimer.singleShot(20, answer)
    return asked


def test_esc_asks_before_discarding_and_keeps_the_entries_by_default(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    qtbot.keyClicks(wizard.mrn, "ESC-1")
    asked = _answer_discard_question(qtbot, Qt.Key.Key_Escape)  # Esc on the question keeps the entries
    qtbot.keyClick(wizard.mrn, Qt.Key.Key_Escape)
    assert asked == ["Close the wizard and discard what you entered? Nothing has been saved."]
    assert wizard.isVisible() and wizard.mrn.text() == "ESC-1"

    asked = _answer_discard_question(qtbot, Qt.Key.Key_Return)  # Enter: the default is Cancel too
    wizard.close()
    assert asked and wizard.isVisible()

    asked = _answer_discard_question(qtbot, Qt.Key.Key_Space, "Discard")
    qtbot.keyClick(wizard.mrn, Qt.Key.Key_Escape)
    assert asked and not wizard.isVisible()


def test_esc_on_an_untouched_wizard_closes_without_asking(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    qtbot.keyClick(wizard.mrn, Qt.Key.Key_Escape)
    assert not wizard.isVisible()


def test_the_birth_date_is_read_in_the_locale_s_order_like_every_other_date(app, qtbot):
    """A month-first ward laptop (en_US) typed "04/12/2016" for 12 April: the birth date field read it day-first
    (4 December) while the start date beside it, and every other date field, read it month-first. The age
    band, the ladder and the vital-sign limits come from the birth date."""
    from PySide6.QtCore import QLocale

    from trialapp.ui.date_input import parse_date

    previous = QLocale()
    QLocale.setDefault(QLocale("en_US"))
    try:
        team = make_team(app)
        wizard = _wizard(app, qtbot, team.pt)
        qtbot.keyClicks(wizard.birth, "04/12/2016")
        assert wizard.birth_date() == date(2016, 4, 12) == parse_date("04/12/2016")
        assert "04/12/2016" in wizard.birth.placeholderText()  # the example in the order it is read
        wizard.birth.clear()
        qtbot.keyClicks(wizard.birth, "12 Apr 2016")  # a named month is never ambiguous
        assert wizard.birth_date() == date(2016, 4, 12)
        wizard.birth.clear()
        qtbot.keyClicks(wizard.birth, "2016-04-12")
        assert wizard.birth_date() == date(2016, 4, 12)
    finally:
        QLocale.setDefault(previous)
