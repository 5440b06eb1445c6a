"""A refused save shows its problems where the eye and the cursor are (issue 21 items 7 and 9): the first
bad field scrolled to and focused, the count in agreeing words, input errors apart from clinical findings,
"When" on a past day's tab on that day, times in messages as people read them, a diastolic pressure at or
above the systolic refused, and "save missing grades as not recorded?" answered No by Enter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.workspace_helpers import (
    copy_bed,
    count_rows,
    day_at,
    fill_mas,
    identify,
    open_workspace,
    run_day,
)
from trialapp.domain.muscles import LOWER_MUSCLES
from trialapp.storage import models as m
from trialapp.ui.workspace.assessment_controller import rom_key


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


def test_one_problem_is_one_field_that_needs_correcting(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    qtbot.keyClicks(page.fields["hr"], "ninety")
    assert page.save(confirm_blanks=False) is False
    assert page.error_label.text().startswith("1 field needs correcting (marked in red")
    qtbot.keyClicks(page.fields["spo2"], "140")
    assert page.save(confirm_blanks=False) is False
    assert page.error_label.text().startswith("2 fields need correcting (marked in red")


def test_the_first_bad_field_is_scrolled_to_and_focused(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    fill_mas(qtbot, page, "2")
    qtbot.keyClicks(page.fields["temp_c"], "hot")  # the last vital sign: far below the grid
    qtbot.keyClicks(page.fields["rr"], "fast")  # before it in the form, typed after it
    bar = page.scroll_area.verticalScrollBar()
    bar.setValue(0)
    assert page.save(confirm_blanks=False) is False
    rr = page.fields["rr"]
    assert rr.hasFocus()
    assert bar.value() > 0
    viewport = page.scroll_area.viewport()
    top = rr.mapTo(viewport, rr.rect().topLeft()).y()
    assert top >= 0 and top + rr.height() <= viewport.height(), "the field is in view"


def test_input_errors_and_findings_are_marked_apart(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    rom = page.fields[rom_key("popliteal_angle", "left")]
    qtbot.keyClicks(rom, "65")  # beyond the published 50°: a finding, recorded as typed
    assert rom.property("problem") == "finding"
    notes = [w for w in page.findChildren(type(page.error_label)) if w.text().startswith("beyond threshold")]
    assert len(notes) == 1 and notes[0].property("role") == "finding"
    qtbot.keyClicks(page.fields["hr"], "x")
    assert page.fields["hr"].property("problem") == "error"
    rom.clear()
    qtbot.keyClicks(rom, "6o")  # unreadable: now an input error, not a finding
    assert rom.property("problem") == "error"
    rom.clear()
    qtbot.keyClicks(rom, "65")
    assert rom.property("problem") == "finding"
    rom.clear()
    assert rom.property("problem") in ("", None)
    sheet = QApplication.instance().styleSheet() or ""
    if sheet:  # the app's theme is applied: the two marks are styled apart
        assert 'QLineEdit[problem="error"]' in sheet and 'QLineEdit[problem="finding"]' in sheet


def test_a_diastolic_pressure_not_below_the_systolic_is_refused(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.nurse).open_assessment(1, "baseline", "baseline")
    fill_mas(qtbot, page, "2")
    qtbot.keyClicks(page.fields["sbp"], "98")
    qtbot.keyClicks(page.fields["dbp"], "100")
    assert page.save(confirm_blanks=False) is False
    assert page.fields["dbp"].toolTip() == (
        "The diastolic pressure (100 mmHg) is not below the systolic (98 mmHg): check both readings, "
        "the diastolic is always the lower one."
    )
    assert page.fields["dbp"].hasFocus()
    assert count_rows(bed.app, m.AssessmentRow) == 0
    page.fields["dbp"].clear()
    qtbot.keyClicks(page.fields["dbp"], "60")
    assert page.save(confirm_blanks=False) is True


def test_enter_on_the_missing_grades_question_saves_nothing(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    cell = page.mas_cells[(LOWER_MUSCLES[0], "left")]
    qtbot.keyClicks(cell, "2")  # one grade; the other cells of the region are empty
    seen: list[object] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.standardButton(box.defaultButton()))
        box.done(box.standardButton(box.defaultButton()).value)  # what Enter does

    QTimer.singleShot(0, answer)
    assert page.save() is False
    assert seen == [QMessageBox.StandardButton.No]
    assert count_rows(bed.app, m.AssessmentRow) == 0


def test_when_on_a_past_days_tab_is_that_day_at_the_planned_time(bed, qtbot) -> None:
    run_day(bed, 1, 50, {})  # baseline 08:30, dose 09:00 on day 1
    bed.clock.set(day_at(2, 10, 5))  # the next morning
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    page = workspace.open_assessment(1, "reassessment", "2")
    assert page.time_edit.dateTime().toPython() == day_at(1, 11)  # the dose + 2 h
    extra = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "reassessment", "extra")
    assert extra.time_edit.dateTime().toPython() == day_at(1, 10, 5)  # that day, at the clock's time
    today = open_workspace(qtbot, bed, bed.team.pt).open_assessment(2, "baseline", "baseline")
    assert today.time_edit.dateTime().toPython() == day_at(2, 10, 5)  # today: now


def test_a_refusal_writes_times_as_people_read_them(bed, qtbot) -> None:
    from PySide6.QtCore import QDateTime

    bed.clock.set(day_at(3, 12))
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    fill_mas(qtbot, page, "2")
    page.time_edit.setDateTime(QDateTime(day_at(3, 9)))  # two days after day 1's date
    assert page.save() is False
    text = page.error_label.text()
    assert "05 Mar 2025 09:00 is more than a day after this trial day's date (03 Mar 2025)" in text
    assert "2025-03-05T09:00" not in text and "2025-03-03" not in text


def test_the_wizard_marks_its_bad_fields_and_focuses_the_first(app, qtbot) -> None:
    from tests.ui.shell_helpers import make_team
    from trialapp.ui.views.new_trial import NewTrialWizard

    team = make_team(app)
    wizard = NewTrialWizard(app, team.pt)
    qtbot.addWidget(wizard, before_close_func=lambda w: setattr(w, "_confirm_discard", lambda: True))
    wizard.show()
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=2000)
    qtbot.keyClicks(wizard.weight, "heavy")
    wizard.weight.setFocus()
    wizard.next()
    assert wizard.stack.currentIndex() == 0
    assert wizard.mrn.hasFocus()  # the first field of the page with a problem (the MRN is required)
    assert wizard.mrn.property("problem") == "error"
    assert wizard.weight.property("problem") == "error"
    qtbot.keyClicks(wizard.mrn, "W-1")
    wizard.next()
    assert wizard.mrn.property("problem") in ("", None)
    assert wizard.given.hasFocus()  # now the given name comes first


def test_a_refused_decision_focuses_what_to_correct(bed, qtbot) -> None:
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    view = workspace.decision_view
    workspace.tabs.setCurrentWidget(view)
    view.sign()  # no outcome chosen: refused at once, nothing to check off the GUI thread
    assert not view.signing
    assert next(iter(view.outcome_buttons.values())).hasFocus()
    view.outcome_buttons["candidate"].setChecked(True)
    view.daily_dose.setText("a lot")
    view.sign()
    assert not view.signing
    assert view.daily_dose.hasFocus() and view.daily_dose.property("problem") == "error"
    assert "Nothing was signed" in view.problem.text()


def test_the_dose_dialog_marks_and_focuses_an_unreadable_entry(bed, qtbot) -> None:
    from tests.ui.workspace_helpers import PASSWORD, mas_assessment
    from trialapp.services import assessments
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    assessments.record_assessment(
        bed.app, bed.team.pt, bed.trial_id, 1, mas_assessment("baseline", day_at(1, 8, 30), "2")
    )
    bed.clock.set(day_at(1, 9))
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    dialog = DoseDialog(workspace.controller, 1, workspace)
    qtbot.addWidget(dialog)
    dialog._confirm = lambda *_: True
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    dialog.dose_edit.setText("fifty")
    assert dialog.dose_edit.property("problem") == "error"
    dialog.dose_edit.setText("50")
    assert dialog.dose_edit.property("problem") in ("", None)
    dialog.lot_edit.setText("L2291")
    dialog.start_check()
    dialog.check_user.setText("rn.smith")
    dialog.check_password.setText(PASSWORD)
    identify(dialog)
    dialog.check_dose.setText("50")
    dialog.check_conc.setText("fifty")  # the second entry is the first unreadable one
    dialog.check_volume.setText("a mL")
    dialog.start_review()
    assert dialog.current_step() == 1
    assert dialog.check_conc.hasFocus()
    assert dialog.check_dose.property("problem") in ("", None)
    assert dialog.check_conc.property("problem") == dialog.check_volume.property("problem") == "error"


def test_one_empty_cell_is_counted_in_the_singular(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    fill_mas(qtbot, page, "2")
    page.mas_cells[(LOWER_MUSCLES[0], "left")].clear()
    assert page.mas_summary.text().endswith("1 cell of the region is empty.")
    said: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        said.append(box.text())
        box.done(QMessageBox.StandardButton.No.value)

    QTimer.singleShot(0, answer)
    assert page.save() is False
    assert said and said[0].startswith("1 muscle-side of the ") and " has no grade. Save it as not recorded?" in said[0]
