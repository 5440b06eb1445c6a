"""The dose dialog: order with live R8 checks, the blind double check, review, signature — and every refusal
path leaves the database untouched."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.workspace_helpers import (
    PASSWORD,
    copy_bed,
    count_rows,
    day_at,
    identified,
    identify,
    mas_assessment,
    open_workspace,
)
from trialapp.domain.records import AdverseEvent
from trialapp.services import assessments, trials
from trialapp.storage import models as m
from trialapp.ui.workspace.dose_dialog import IDENTIFYING_TEXT, DoseDialog


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
    dlg._confirm = lambda *_: True  # a test that stops half-way: nobody is there to answer at teardown
    del dlg.workspace  # the workspace (and its charts) go with the test, not with pytest's record of it


def _counts(app) -> tuple[int, int, int]:
    return (count_rows(app, m.DoseRecord), count_rows(app, m.AuditEntry), count_rows(app, m.DoseWarning))


def _order(dlg, dose: str = "50", lot: str = "L2291") -> None:
    dlg.dose_edit.setText(dose)
    dlg.lot_edit.setText(lot)


def _check(
    dlg,
    user: str = "rn.smith",
    password: str = PASSWORD,
    dose: str = "50",
    conc: str = "50",
    volume: str = "",
) -> None:
    dlg.start_check()
    assert dlg.current_step() == 1
    dlg.check_user.setText(user)
    dlg.check_password.setText(password)
    identify(dlg)
    if dlg.checker is None:
        return
    dlg.check_dose.setText(dose)
    dlg.check_conc.setText(conc)
    dlg.check_volume.setText(volume)
    dlg.start_review()


def test_order_page_suggests_checks_and_shows_the_volume(dialog) -> None:
    assert "starts at 50 mcg" in dialog.suggestion_label.text()
    assert dialog.conc_box.currentData() == 50  # screening strength preselected
    dialog.use_suggestion.click()
    assert dialog.dose_edit.text() == "50"
    assert dialog.volume_label.text() == "1 mL"
    dialog.dose_edit.setText("75")
    assert dialog.volume_label.text() == "1.5 mL"
    dialog.conc_box.setCurrentIndex(dialog.conc_box.findData(500))
    assert dialog.volume_label.text() == "0.15 mL"
    # 500 mcg/mL is not the screening strength: a warning that needs a reason before the check.
    assert "concentration_not_screening" in dialog.reason_edits
    assert not dialog.to_check.isEnabled()
    dialog.reason_edits["concentration_not_screening"].setText("Only 500 mcg/mL in stock, checked twice")
    # 75 mcg as the trial's first dose is above the standard ladder's first step (R8 revision 2).
    dialog.reason_edits["first_dose_above_first_step"].setText("Team agreed")
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
    assert "50 mcg" not in visible_text and "1 mL" not in visible_text
    dialog.check_user.setText("rn.smith")
    dialog.check_password.setText(PASSWORD)
    assert not dialog.check_dose.isVisible()  # identify first
    identify(dialog)
    assert dialog.check_dose.isVisibleTo(dialog)
    dialog.check_dose.setText("50")
    dialog.check_conc.setText("50 mcg/mL")
    dialog.start_review()
    assert dialog.current_step() == 2
    assert dialog.review_matches == {"Dose": True, "Concentration": True, "Volume": True}
    dialog.sign_password.setText(PASSWORD)
    dialog.give()
    _signed(dialog, qtbot)
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
    ({"user": "dr.lee"}, "cannot check it", "same_person"),
    ({"dose": "75"}, "differ", "entries_differ"),
    ({"conc": "500"}, "differ", "entries_differ"),
    ({"volume": "0.1"}, "differ", "entries_differ"),
    ({"password": "not-the-password"}, "second clinician's sign-in was not accepted", "wrong_password"),
    ({"user": "qi.quinn"}, "cannot be the second checker", "not_allowed"),
]


def _signed(dialog, qtbot) -> None:
    """Wait until the signature was checked and saved (it runs off the GUI thread) and its result shown."""
    qtbot.waitUntil(lambda: not dialog.signing, timeout=20000)


def _near_miss_kinds(app) -> list[str | None]:
    with app.db.read() as s:
        rows = s.query(m.AuditEntry).filter(m.AuditEntry.action == "near_miss").order_by(m.AuditEntry.id)
        return [r.field for r in rows]


def test_double_check_refusals_give_no_dose_and_are_near_misses(bed, dialog) -> None:
    app = bed.app
    _order(dialog, "50")
    before = _counts(app)
    for check, expected, kind in REFUSED_CHECKS:
        _check(dialog, **check)
        assert dialog.current_step() == 1, check  # refused on the check step, before any review
        assert expected in dialog.check_problem.text(), check
        assert "near miss" in dialog.check_problem.text()
        assert dialog.checker is None and dialog.check_dose.text() == ""  # the check starts again
        assert _near_miss_kinds(app)[-1] == kind
        assert _counts(app)[0] == before[0]
        dialog._go(0)
    assert len(_near_miss_kinds(app)) == len(REFUSED_CHECKS)


def test_wrong_password_of_the_giver_writes_nothing(bed, dialog, qtbot) -> None:
    app = bed.app
    _order(dialog, "50")
    _check(dialog)
    before = _counts(app)
    dialog.sign_password.setText("wrong-password")
    dialog.give()
    _signed(dialog, qtbot)
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


def test_above_the_maximum_needs_the_override_reason(bed, dialog, qtbot) -> None:
    app = bed.app
    _order(dialog, "125")
    assert "__override__" in dialog.reason_edits
    assert not dialog.to_check.isEnabled()
    dialog.reason_edits["__override__"].setText("x")  # issue 17: a one-letter reason unlocked it
    assert not dialog.to_check.isEnabled()
    assert "at least 15 characters" in dialog.order_status.text()
    dialog.reason_edits["__override__"].setText("Adult-size adolescent; agreed with the family")
    assert not dialog.to_check.isEnabled()  # the first dose above the first step still needs its reason
    dialog.reason_edits["first_dose_above_first_step"].setText("Team agreed to start higher")
    assert dialog.to_check.isEnabled()
    _check(dialog, dose="125")
    dialog.sign_password.setText(PASSWORD)
    dialog.give()
    _signed(dialog, qtbot)
    assert dialog.result() == DoseDialog.DialogCode.Accepted
    doc = trials.load_document(app, dialog.bed.team.neuro, dialog.bed.trial_id)
    (dose,) = doc.trial.days[0].doses
    assert [w.code for w in dose.warnings_acknowledged] == [
        "first_dose_above_first_step",
        "above_maximum_override",
    ]


def test_signing_shows_a_busy_state_and_a_second_enter_signs_nothing(bed, dialog, qtbot) -> None:
    """Issue 22: both password checks and the save run off the GUI thread; meanwhile the dialog says so,
    "Give dose" is disabled, and Enter pressed again (or Esc) does nothing: one dose is saved."""
    app = bed.app
    _shown(dialog, qtbot)
    _order(dialog, "50")
    _check(dialog)
    assert dialog.current_step() == 2
    dialog.sign_password.setText(PASSWORD)
    QTest.keyClick(dialog.sign_password, Qt.Key.Key_Return)
    assert dialog.signing
    assert dialog.signing_label.text().startswith("Signing the dose")
    assert not dialog.give_button.isEnabled() and not dialog.sign_password.isEnabled()
    QTest.keyClick(dialog.sign_password, Qt.Key.Key_Return)  # a second Enter while it signs
    dialog.give()  # and a second press however it comes
    QTest.keyClick(dialog, Qt.Key.Key_Escape)  # Esc waits for the outcome
    assert dialog.isVisible()
    _signed(dialog, qtbot)
    assert dialog.result() == DoseDialog.DialogCode.Accepted and not dialog.isVisible()
    assert count_rows(app, m.DoseRecord) == 1
    assert "Last dose: 50 mcg at 09:00 on day 1" in dialog.workspace.header.dose_label.text()


def test_a_refused_signature_ends_the_busy_state(bed, dialog, qtbot) -> None:
    app = bed.app
    _order(dialog, "50")
    _check(dialog)
    dialog.sign_password.setText("wrong-password")
    dialog.give()
    assert dialog.signing and not dialog.give_button.isEnabled()
    _signed(dialog, qtbot)
    assert dialog.give_button.isEnabled() and dialog.sign_password.isEnabled()
    assert dialog.signing_label.text() == ""
    assert "Your signature was not accepted" in dialog.review_problem.text()
    assert dialog.result() != DoseDialog.DialogCode.Accepted
    # Signing again with the right password goes through.
    dialog.sign_password.setText(PASSWORD)
    dialog.give()
    _signed(dialog, qtbot)
    assert dialog.result() == DoseDialog.DialogCode.Accepted
    assert count_rows(app, m.DoseRecord) == 1


def test_only_a_neurosurgeon_can_open_the_dose_dialog(bed, qtbot) -> None:
    for actor, enabled in ((bed.team.pt, False), (bed.team.nurse, False), (bed.team.neuro, True)):
        workspace = open_workspace(qtbot, bed, actor)
        assert workspace.day_views[1].buttons["dose"].isEnabled() is enabled


# -- the keyboard, as a user drives it (issue 17) -----------------------------------------------------


def _shown(dialog, qtbot):
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # keyboard shortcuts need an active window
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _answer(qtbot, key: Qt.Key, seen: list[str]) -> None:
    """Answer the next question box with one key, as a user would ("d" = Discard, Esc = Keep editing).

    The box may open a moment later (a button's keyboard shortcut clicks after a short animation), so a
    timer watches for it."""
    timer = QTimer()
    timer.setInterval(10)

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        timer.stop()
        seen.append(box.text())
        QTest.keyClick(box, key)

    timer.timeout.connect(press)
    timer.start()
    _timers.append(timer)


_timers: list[QTimer] = []


def _asked(qtbot, seen: list[str], count: int) -> None:
    """Wait until ``count`` questions were asked and answered (the answer also clicks after a moment)."""
    qtbot.waitUntil(lambda: len(seen) >= count and QApplication.activeModalWidget() is None, timeout=3000)
    qtbot.wait(150)


def _type(widget, text: str) -> None:
    """Focus a field, select what is in it (Ctrl+A) and type over it."""
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)


def test_enter_never_changes_the_dose(dialog, qtbot) -> None:
    _shown(dialog, qtbot)
    assert dialog.to_check.isDefault() and not dialog.use_suggestion.isDefault()
    assert not dialog.use_suggestion.autoDefault()
    _type(dialog.dose_edit, "75")
    QTest.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # Alt+L: to the lot
    assert dialog.focusWidget() is dialog.lot_edit
    QTest.keyClicks(dialog.lot_edit, "L2291")
    QTest.keyClick(dialog.lot_edit, Qt.Key.Key_Return)
    assert dialog.dose_edit.text() == "75" and dialog.current_step() == 0  # Next waits for the reason
    # Enter in a reason field: the dose stays; once every reason is there, Enter moves forward.
    reason = dialog.reason_edits["first_dose_above_first_step"]
    _type(reason, "Team agreed to start at 75")
    QTest.keyClick(reason, Qt.Key.Key_Return)
    assert dialog.dose_edit.text() == "75" and dialog.current_step() == 1
    assert dialog.identify_button.isDefault()
    seen: list[str] = []
    _answer(qtbot, Qt.Key.Key_D, seen)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    _asked(qtbot, seen, 1)
    assert not dialog.isVisible()


def test_enter_in_the_override_reason_keeps_the_dose(dialog, qtbot) -> None:
    _shown(dialog, qtbot)
    _type(dialog.dose_edit, "125")
    override = dialog.reason_edits["__override__"]
    _type(override, "x")
    QTest.keyClick(override, Qt.Key.Key_Return)
    assert dialog.dose_edit.text() == "125" and dialog.current_step() == 0
    assert "at least 15 characters" in dialog.order_status.text()
    seen: list[str] = []
    _answer(qtbot, Qt.Key.Key_D, seen)
    dialog.close()
    _asked(qtbot, seen, 1)
    assert not dialog.isVisible()


def test_a_refused_peek_and_a_near_miss_by_keyboard(bed, dialog, qtbot) -> None:
    app = bed.app
    _shown(dialog, qtbot)
    _type(dialog.dose_edit, "50")
    QTest.keyClick(dialog.dose_edit, Qt.Key.Key_Return)  # Next: the check
    assert dialog.current_step() == 1 and dialog.focusWidget() is dialog.check_user
    # The orderer tries to check their own order: refused at once, before any entry.
    QTest.keyClicks(dialog.check_user, "dr.lee")
    QTest.keyClick(dialog.check_user, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.check_password, PASSWORD)
    QTest.keyClick(dialog.check_password, Qt.Key.Key_Return)
    identified(dialog)
    assert "cannot check it" in dialog.check_problem.text() and dialog.checker is None
    assert not dialog.check_dose.isVisible()
    # The nurse identifies, types a tenfold concentration: refused, a near miss with both entries.
    _type(dialog.check_user, "rn.smith")
    _type(dialog.check_password, PASSWORD)
    QTest.keyClick(dialog.check_password, Qt.Key.Key_Return)
    identified(dialog)
    assert dialog.checker is not None and dialog.focusWidget() is dialog.check_dose
    QTest.keyClicks(dialog.check_dose, "50")
    _type(dialog.check_conc, "500")
    QTest.keyClick(dialog.check_conc, Qt.Key.Key_Return)
    assert "differ" in dialog.check_problem.text() and dialog.current_step() == 1
    assert _near_miss_kinds(app) == ["same_person", "entries_differ"]
    # A peek: the nurse identifies again, then goes back to the order (Alt+B). The question comes first;
    # "d" discards: back on the order, the check is gone and recorded; a new check starts with identifying.
    _type(dialog.check_user, "rn.smith")
    _type(dialog.check_password, PASSWORD)
    QTest.keyClick(dialog.check_password, Qt.Key.Key_Return)
    identified(dialog)
    _type(dialog.check_dose, "50")
    asked: list[str] = []
    _answer(qtbot, Qt.Key.Key_D, asked)
    QTest.keyClick(dialog, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    _asked(qtbot, asked, 1)
    assert asked and "discards the check" in asked[0]
    assert dialog.current_step() == 0 and dialog.checker is None
    assert _near_miss_kinds(app) == ["same_person", "entries_differ", "discarded"]
    QTest.keyClick(dialog.dose_edit, Qt.Key.Key_Return)
    assert dialog.current_step() == 1 and dialog.check_user.text() == "" and not dialog.check_dose.isVisible()
    # The matching check, by keyboard, then the signature.
    QTest.keyClicks(dialog.check_user, "rn.smith")
    _type(dialog.check_password, PASSWORD)
    QTest.keyClick(dialog.check_password, Qt.Key.Key_Return)
    identified(dialog)
    QTest.keyClicks(dialog.check_dose, "50")
    _type(dialog.check_conc, "50")
    _type(dialog.check_volume, "1")
    QTest.keyClick(dialog.check_volume, Qt.Key.Key_Return)
    assert dialog.current_step() == 2 and dialog.focusWidget() is dialog.sign_password
    QTest.keyClicks(dialog.sign_password, PASSWORD)
    QTest.keyClick(dialog.sign_password, Qt.Key.Key_Return)
    _signed(dialog, qtbot)
    assert dialog.result() == DoseDialog.DialogCode.Accepted
    assert count_rows(app, m.DoseRecord) == 1


def test_esc_asks_before_discarding_a_started_order(bed, dialog, qtbot) -> None:
    _shown(dialog, qtbot)
    _type(dialog.dose_edit, "50")
    asked: list[str] = []
    _answer(qtbot, Qt.Key.Key_Escape, asked)
    QTest.keyClick(dialog.dose_edit, Qt.Key.Key_Escape)
    _asked(qtbot, asked, 1)
    assert asked and dialog.isVisible() and dialog.dose_edit.text() == "50"
    _answer(qtbot, Qt.Key.Key_D, asked)
    QTest.keyClick(dialog.dose_edit, Qt.Key.Key_Escape)
    _asked(qtbot, asked, 2)
    assert not dialog.isVisible() and dialog.result() == DoseDialog.DialogCode.Rejected
    assert dialog.asked == ["Discard this order?", "Discard this order?"]
    assert _near_miss_kinds(bed.app) == []  # no check was started: nothing to record


def test_an_untouched_dialog_closes_without_a_question(dialog, qtbot) -> None:
    _shown(dialog, qtbot)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.asked == []


def test_a_time_that_cannot_be_read_stops_the_order(dialog, qtbot) -> None:
    """Issue 21 §3: the time is typed; one that cannot be read is said plainly and no dose goes on at the
    last time that could be read."""
    _order(dialog)
    assert dialog.to_check.isEnabled()
    _shown(dialog, qtbot)
    field = dialog.time_edit
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2025-03-03 09:7")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    assert field.problem() == (
        "“2025-03-03 09:7” cannot be read as a date and time. "
        "Type the date and time as 20/03/2017 14:30 or 2017-03-20 14:30."
    )
    assert dialog.order() is None and not dialog.to_check.isEnabled()
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "3/3/2025 9:05")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    order = dialog.order()
    assert field.problem() == "" and order is not None and order.given_at == day_at(1, 9, 5)
    assert dialog.to_check.isEnabled()
    dialog._confirm = lambda *_: True
    dialog.reject()  # a dose dialog left open at the test's end crashes Qt's teardown (offscreen)


def test_the_checkers_password_is_checked_off_the_gui_thread(dialog, qtbot) -> None:
    dialog.show()
    _order(dialog, "50")
    dialog.start_check()
    dialog.check_user.setText("rn.smith")
    dialog.check_password.setText(PASSWORD)
    dialog.identify()
    # Until the worker's outcome is handled on the GUI thread: said so, nothing to press twice, no leaving.
    assert dialog.identifying and dialog.checker is None
    assert dialog.identified_label.text() == IDENTIFYING_TEXT
    assert not dialog.identify_button.isEnabled() and not dialog.back_to_order.isEnabled()
    dialog.identify()  # a second press does nothing
    dialog.reject()  # Esc
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.identifying)
    assert dialog.checker is not None and dialog.checker.username == "rn.smith"
    assert dialog.identified_label.text().startswith("Checked by")
    assert dialog.back_to_order.isEnabled() and not dialog.identify_button.isEnabled()
    assert dialog.check_password.text() == ""
    # Closed here: a shown dialog left with a started check crashes pytest-qt's teardown (also before this
    # change, with the password checked on the GUI thread).
    dialog._confirm = lambda *_: True
    dialog.reject()
    assert not dialog.isVisible()


def test_a_refused_checker_ends_the_wait(dialog, qtbot) -> None:
    _order(dialog, "50")
    dialog.start_check()
    dialog.check_user.setText("rn.smith")
    dialog.check_password.setText("not-the-password")
    dialog.identify()
    assert dialog.identifying
    qtbot.waitUntil(lambda: not dialog.identifying)
    assert dialog.checker is None
    assert "Recorded as a near miss" in dialog.check_problem.text()
    assert dialog.check_password.text() == "" and dialog.identified_label.text() == ""
    assert dialog.identify_button.isEnabled() and dialog.check_user.isEnabled()
