"""The dose dialog: order with live R8 checks, the blind double check, review, signature — and every refusal
path leaves the database untouched."""

from __future__ import annotations

import pytest

from tests.ui.workspace_helpers import PASSWORD, copy_bed, count_rows, day_at, mas_assessment, open_workspace
from trialapp.domain.records import AdverseEvent
from trialapp.services import assessments, trials
from trialapp.storage import models as m
from trialapp.ui.workspace.dose_dialog import DoseDialog


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


@pytest.fixture
def dialog(bed, qtbot):
    app = bed.app
    assessments.record_assessment(
        app, bed.team.pt, bed.trial_id, 1, mas_assessment("baseline", day_at(1, 8, 30), "2")
    )
    bed.clock.set(day_at(1, 9))
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    dlg = DoseDialog(workspace.controller, 1, workspace)
    qtbot.addWidget(dlg)
    dlg.bed = bed
    dlg.workspace = workspace
    yield dlg
    del dlg.workspace  # the workspace (and its charts) go with the test, not with pytest's record of it


def _counts(app) -> tuple[int, int, int]:
    return (count_rows(app, m.DoseRecord), count_rows(app, m.AuditEntry), count_rows(app, m.DoseWarning))


def _order(dlg, dose: str = "50", lot: str = "L2291") -> None:
    dlg.dose_edit.setText(dose)
    dlg.lot_edit.setText(lot)


def _check(dlg, user: str = "rn.smith", password: str = PASSWORD, dose: str = "50", conc: str = "50") -> None:
    dlg.start_check()
    assert dlg.current_step() == 1
    dlg.check_user.setText(user)
    dlg.check_password.setText(password)
    dlg.check_dose.setText(dose)
    dlg.check_conc.setText(conc)
    dlg.start_review()


def test_order_page_suggests_checks_and_shows_the_volume(dialog) -> None:
    assert "starts at 50 mcg" in dialog.suggestion_label.text()
    assert dialog.conc_box.currentData() == 50  # screening strength preselected
    dialog.use_suggestion.click()
    assert dialog.dose_edit.text() == "50"
    assert dialog.volume_label.text() == "1.00 mL"
    dialog.dose_edit.setText("75")
    assert dialog.volume_label.text() == "1.50 mL"
    dialog.conc_box.setCurrentIndex(dialog.conc_box.findData(500))
    assert dialog.volume_label.text() == "0.15 mL"
    # 500 mcg/mL is not the screening strength: a warning that needs a reason before the check.
    assert "concentration_not_screening" in dialog.reason_edits
    assert not dialog.to_check.isEnabled()
    dialog.reason_edits["concentration_not_screening"].setText("Only 500 mcg/mL in stock, checked twice")
    assert dialog.to_check.isEnabled()


BAD_DOSES = [
    ("50.0", "no decimal point"),
    ("0.05 mg", "never mg"),
    ("50 ug", 'never "µg" or "ug"'),
    ("-5", "more than 0"),
]


def test_bad_dose_text_is_refused_with_the_domain_message(dialog) -> None:
    for typed, words in BAD_DOSES:
        dialog.dose_edit.setText(typed)
        assert words in dialog.dose_problem.text(), typed
        assert dialog.volume_label.text() == "— mL"
        assert not dialog.to_check.isEnabled()


def test_the_check_is_blind_and_a_matching_check_gives_the_dose(bed, dialog, qtbot) -> None:
    app = bed.app
    _order(dialog, "50")
    dialog.start_check()
    # The second clinician sees an empty form and not the first entry.
    assert not dialog.order_page.isVisible() or dialog.pages.currentWidget() is not dialog.order_page
    assert dialog.check_dose.text() == "" and dialog.check_conc.text() == ""
    visible_text = " ".join(w.text() for w in dialog.check_page.findChildren(type(dialog.check_problem)))
    assert "50 mcg" not in visible_text and "1.00 mL" not in visible_text
    dialog.check_user.setText("rn.smith")
    dialog.check_password.setText(PASSWORD)
    dialog.check_dose.setText("50")
    dialog.check_conc.setText("50 mcg/mL")
    dialog.start_review()
    assert dialog.current_step() == 2
    assert dialog.review_matches == {"Dose": True, "Concentration": True, "Volume": True}
    dialog.sign_password.setText(PASSWORD)
    dialog.give()
    assert dialog.result() == DoseDialog.DialogCode.Accepted
    with app.db.read() as s:
        row = s.query(m.DoseRecord).one()
        assert (row.dose_mcg, row.volume_ml, row.lot, row.via) == (50, 1.0, "L2291", "catheter")
        assert (row.first_entry_dose_mcg, row.check_entry_dose_mcg, row.check_entry_concentration) == (
            50,
            50,
            50,
        )
    # The workspace shows it at once.
    header = dialog.workspace.header
    assert "Last dose: 50 mcg at 09:00 on day 1" in header.dose_label.text()
    assert dialog.workspace.tabs.tabText(0) == "Day 1 · 50 mcg"


REFUSED_CHECKS = [
    ({"user": "dr.lee"}, "same person"),
    ({"dose": "75"}, "differ"),
    ({"conc": "500"}, "differ"),
    ({"password": "not-the-password"}, "second clinician's sign-in was not accepted"),
    ({"user": "qi.quinn"}, "cannot be the second checker"),
]


def test_double_check_refusals_write_nothing(bed, dialog) -> None:
    app = bed.app
    _order(dialog, "50")
    before = _counts(app)
    for check, expected in REFUSED_CHECKS:
        _check(dialog, **check)
        dialog.sign_password.setText(PASSWORD)
        dialog.give()
        assert expected in dialog.review_problem.text(), check
        assert "Nothing was recorded" in dialog.review_problem.text()
        assert dialog.result() != DoseDialog.DialogCode.Accepted
        assert _counts(app) == before, check
        assert dialog.sign_password.text() == ""  # the signature has to be given again
        dialog._back_to_check()
        dialog._back_to_order()


def test_mismatch_is_visible_on_the_review(dialog) -> None:
    _order(dialog, "50")
    _check(dialog, dose="75")
    assert dialog.review_matches == {"Dose": False, "Concentration": True, "Volume": False}


def test_wrong_password_of_the_giver_writes_nothing(bed, dialog) -> None:
    app = bed.app
    _order(dialog, "50")
    _check(dialog)
    before = _counts(app)
    dialog.sign_password.setText("wrong-password")
    dialog.give()
    assert "Your signature was not accepted" in dialog.review_problem.text()
    assert _counts(app)[0] == before[0] == 0
    assert _counts(app)[2] == 0


def test_a_warning_without_a_reason_cannot_go_on_and_nothing_is_written(bed, dialog) -> None:
    app = bed.app
    assessments.record_adverse_event(
        app, dialog.bed.team.nurse, dialog.bed.trial_id, 1, AdverseEvent(day_at(1, 8, 40), "nausea", "mild")
    )
    dialog.conc_box.setCurrentIndex(dialog.conc_box.findData(500))
    _order(dialog, "50")
    before = _counts(app)
    assert not dialog.to_check.isEnabled()
    assert "a reason for each warning" in dialog.order_status.text()
    dialog.start_check()  # Enter or a click while disabled does nothing
    assert dialog.current_step() == 0
    assert _counts(app) == before


def test_above_the_maximum_needs_the_override_reason(bed, dialog) -> None:
    app = bed.app
    _order(dialog, "125")
    assert "__override__" in dialog.reason_edits
    assert not dialog.to_check.isEnabled()
    dialog.reason_edits["__override__"].setText("Adult-size adolescent; agreed with the family")
    assert dialog.to_check.isEnabled()
    _check(dialog, dose="125")
    dialog.sign_password.setText(PASSWORD)
    dialog.give()
    assert dialog.result() == DoseDialog.DialogCode.Accepted
    doc = trials.load_document(app, dialog.bed.team.neuro, dialog.bed.trial_id)
    (dose,) = doc.trial.days[0].doses
    assert [w.code for w in dose.warnings_acknowledged] == ["above_maximum_override"]


def test_only_a_neurosurgeon_can_open_the_dose_dialog(bed, qtbot) -> None:
    for actor, enabled in ((bed.team.pt, False), (bed.team.nurse, False), (bed.team.neuro, True)):
        workspace = open_workspace(qtbot, bed, actor)
        assert workspace.day_views[1].buttons["dose"].isEnabled() is enabled
