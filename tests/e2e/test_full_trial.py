"""One whole trial through the GUI, as the team runs it: sign in, a new patient and trial (the wizard), three
days of baseline, blind double-checked dose, the scheduled reassessments and the day review, then the signed
decision. Checked against the database, the RULES.md summary computed by hand, and the printed PDF.

Synthetic patient; times in March 2025 on the workspace's clock (the services judge "in the future"
against the real time, so the past trial is valid).
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt
from sqlalchemy import func, select

from tests.ui.workspace_helpers import Clock, identify
from trialapp.domain.dosing import format_volume
from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.services import trials, users
from trialapp.services.context import os_actor
from trialapp.storage import models as m

PASSWORD = "correct-horse-battery"
STALL_SMOKE_BOUND_MS = 5000  # a smoke bound, far above the 100 ms budget of the benchmark (issue 22)
# Grades typed at each reassessment (every lower-limb muscle-side; the baseline is always 2 = 2.0, CPRN).
# Hours after the 09:00 dose → grade. Reductions: 2 → 0, 1+ → 0.5, 1 → 1.0.
DAYS = {
    1: (50, {1: "2", 2: "2", 4: "+", 6: "2", 8: "2"}),  # peak 0.5 at 4 h: not a responder
    2: (75, {1: "+", 2: "1", 4: "1", 6: "+", 8: "2"}),  # peak 1.0 at 2 h, effect to 4 h: responder
    3: (75, {1: "+", 2: "1", 4: "1", 6: "1", 8: "+"}),  # peak 1.0 at 2 h, effect to 6 h: responder
}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 2 + day, hour, minute)


@pytest.fixture
def team(app):
    users.add_user(app, None, "admin.ada", "admin", "Ada Admin", PASSWORD)
    admin = users.authenticate(app, "admin.ada", PASSWORD)
    for username, role, name in (
        ("pt.jones", "pt", "Pat Jones"),
        ("rn.smith", "nurse", "Nurse Smith"),
        ("dr.lee", "neurosurgeon", "Dr Lee"),
    ):
        users.add_user(app, admin, username, role, name, PASSWORD)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's log file as the GUI sets it up, plus every other logger (libraries) into the same file."""
    from trialapp.ui import crash

    path = crash.setup_logging(tmp_path / "logs")
    everything = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    root.addHandler(everything)
    try:
        yield path
    finally:
        root.removeHandler(everything)
        everything.close()
        for handler in [h for h in crash.log.handlers if getattr(h, "baseFilename", None) == str(path)]:
            crash.log.removeHandler(handler)
            handler.close()


# Everything identifying that the test types: none of it may reach the log.
IDENTIFIERS = (
    "Robin",
    "Synthetic",
    "E2E-0001",
    "2016-04-12",
    "12 Apr 2016",
    "latex",
    "wheelchair",
    "LOT-2291",
)


def sign_in(qtbot, window, username: str) -> None:
    qtbot.wait(1)  # a turn of the event loop between the scripted steps, as between a user's (stall probe)
    window.sign_out(force=False)
    window.login.username.setText(username)
    window.login.password.setText(PASSWORD)
    qtbot.keyClick(window.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.login.signing_in, timeout=20_000)  # checked off the GUI thread
    assert window.actor is not None and window.actor.username == username


def open_trial(window, trial_id: str):
    window.open_trial(trial_id)
    assert window.workspace is not None
    return window.workspace


def type_grades(qtbot, page, key: str) -> None:
    """Type the grade into the first cell, Tab to the next, … over the 16 lower-limb muscle-sides."""
    first = page.mas_cells[(LOWER_MUSCLES[0], "left")]
    first.setFocus()
    for _ in range(len(LOWER_MUSCLES) * len(SIDES)):
        qtbot.keyClicks(page.focusWidget(), key)
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)


def record(qtbot, workspace, day: int, kind: str, slot: str, key: str, **fields: str) -> None:
    timeline = workspace.day_views[day]
    button = timeline.buttons["baseline" if kind == "baseline" else f"slot:{slot}"]
    qtbot.wait(1)  # a turn of the event loop between the scripted steps (stall probe)
    button.click()  # the form is built in this turn and shown in the next
    qtbot.waitUntil(lambda: workspace.current_page() is not None)
    page = workspace.current_page()
    assert page is not None and page.kind == kind
    qtbot.wait(1)
    type_grades(qtbot, page, key)
    for name, value in fields.items():
        page.set_value(name, value)
    qtbot.wait(1)
    qtbot.keyClick(page.mas_cells[(LOWER_MUSCLES[0], "left")], Qt.Key.Key_Return)  # Enter saves
    assert workspace.current_page() is None, page.error_label.text()


def test_full_three_day_trial(app, team, qtbot, monkeypatch, log_file: Path) -> None:
    from trialapp.ui import workspace as workspace_package
    from trialapp.ui.main_window import MainWindow
    from trialapp.ui.stall_probe import StallProbe
    from trialapp.ui.views.new_trial import NewTrialWizard
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    clock = Clock(at(1, 8, 0))
    # The shell opens the workspace; the test gives it its clock.
    monkeypatch.setattr(
        workspace_package, "TrialWorkspace", functools.partial(workspace_package.TrialWorkspace, clock=clock)
    )
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    # The GUI thread's gaps between event-loop turns over the whole trial (issue 22): a smoke check with a
    # generous bound, so that a regression (work over seconds back on the GUI thread) shows; the budget
    # itself is measured by benchmarks/round2_bench.py (bench_stalls).
    probe = StallProbe(window)
    probe.start()

    # --- The PT signs in and starts the trial with the wizard ----------------------------------------
    sign_in(qtbot, window, "pt.jones")

    def fill_wizard(wizard: NewTrialWizard) -> int:
        qtbot.keyClicks(wizard.mrn, "E2E-0001")
        qtbot.keyClicks(wizard.given, "Robin")
        qtbot.keyClicks(wizard.family, "Synthetic")
        qtbot.keyClicks(wizard.birth, "12 Apr 2016")
        wizard.sex.setCurrentIndex(wizard.sex.findData("female"))
        qtbot.keyClicks(wizard.weight, "24.5")
        qtbot.keyClicks(wizard.allergies, "latex")
        wizard.next()
        wizard.started_on.setDate(QDate(2025, 3, 3))
        wizard.placed_at.setDateTime(QDateTime(at(1, 7, 40)))
        qtbot.keyClicks(wizard.level, "L3-L4")
        wizard.next()
        assert wizard.ladder.currentData() == "standard"  # 8 years old
        wizard.next()
        qtbot.keyClicks(wizard.goal_texts[0], "Sit in the wheelchair for 2 hours")
        wizard.goal_gas[0].setCurrentIndex(wizard.goal_gas[0].findData(-1))
        wizard.next()
        wizard.start_button.click()
        assert wizard.trial_id, wizard.page_error.text()
        return 1

    monkeypatch.setattr(NewTrialWizard, "exec", fill_wizard)
    window.new_patient()
    workspace = window.workspace
    assert workspace is not None
    trial_id = window.workspace_trial
    assert workspace.header.name_label.text() == "Robin Synthetic"
    assert workspace.header.allergy_label.text() == "Allergies: latex"

    def scripted_dose(mcg: int):
        def run(dialog: DoseDialog) -> int:
            assert dialog.giver.username == "dr.lee"
            dialog.dose_edit.setText(str(mcg))
            dialog.lot_edit.setText("LOT-2291")
            assert dialog.volume_label.text() == format_volume(mcg / 50)
            assert dialog.to_check.isEnabled(), dialog.order_status.text()
            dialog.start_check()
            if mcg == DAYS[1][0]:
                # A near miss: the orderer tries to check the order, refused at once.
                dialog.check_user.setText("dr.lee")
                dialog.check_password.setText(PASSWORD)
                identify(dialog)
                assert "cannot check it" in dialog.check_problem.text() and dialog.checker is None
                # A refused peek: the nurse identifies, then goes back to the order: the check is
                # discarded (after the question, answered "Discard") and must start again.
                dialog.check_user.setText("rn.smith")
                dialog.check_password.setText(PASSWORD)
                identify(dialog)
                assert dialog.checker is not None
                dialog._confirm = lambda *_: True
                dialog.back_to_order.click()
                assert dialog.current_step() == 0 and dialog.checker is None
                dialog.start_check()
                assert dialog.check_user.text() == "" and not dialog.check_dose.isVisible()
            dialog.check_user.setText("rn.smith")  # the nurse, on the same dialog, blind
            dialog.check_password.setText(PASSWORD)
            identify(dialog)
            dialog.check_dose.setText(str(mcg))
            dialog.check_conc.setText("50")
            dialog.start_review()
            assert all(dialog.review_matches.values())
            dialog.sign_password.setText(PASSWORD)
            dialog.give_button.click()  # the dialog is not shown here (exec is scripted): Enter is tested in test_dose_dialog
            qtbot.waitUntil(lambda: not dialog.signing, timeout=20000)  # signed off the GUI thread
            assert dialog.result() == DoseDialog.DialogCode.Accepted, dialog.review_problem.text()
            return 1

        return run

    for day, (mcg, grades) in DAYS.items():
        # Baseline (PT) at 08:30.
        clock.set(at(day, 8, 30))
        sign_in(qtbot, window, "pt.jones")
        workspace = open_trial(window, trial_id)
        workspace.show_day(day)
        record(
            qtbot,
            workspace,
            day,
            "baseline",
            "baseline",
            "2",
            hr="96",
            rr="20",
            spo2="98",
            **{"goal:g1": "-1"},
        )

        # The dose (neurosurgeon, checked blind by the nurse) at 09:00.
        clock.set(at(day, 9, 0))
        sign_in(qtbot, window, "dr.lee")
        workspace = open_trial(window, trial_id)
        workspace.show_day(day)
        monkeypatch.setattr(DoseDialog, "exec", scripted_dose(mcg))
        workspace.day_views[day].buttons["dose"].click()
        assert f"Last dose: {mcg} mcg at 09:00 on day {day}" in workspace.header.dose_label.text()

        # The scheduled reassessments (PT), each at its slot; the reminder says when one is due.
        sign_in(qtbot, window, "pt.jones")
        workspace = open_trial(window, trial_id)
        workspace.show_day(day)
        for hours, key in grades.items():
            clock.set(at(day, 9 + hours, 0))
            workspace.tick()
            assert (
                workspace.reminder.isVisible()
                and f"{hours} h reassessment due now" in workspace.reminder.text.text()
            )
            goal = {"goal:g1": "0"} if key == "1" else {}
            record(qtbot, workspace, day, "reassessment", str(hours), key, hr="92", **goal)
            assert not workspace.reminder.isVisible() or f"{hours} h" not in workspace.reminder.text.text()
        assert all(line.status == "done" for line in _timeline(workspace, day).slot_lines)

        # Day review (neurosurgeon with the team and the family) at 18:00.
        clock.set(at(day, 18, 0))
        sign_in(qtbot, window, "dr.lee")
        workspace = open_trial(window, trial_id)
        workspace.show_day(day)
        workspace.day_views[day].buttons["review"].click()
        review = workspace.current_page()
        expected_verdict = "Not a responder" if day == 1 else "Responder"
        assert review.verdict.text() == expected_verdict
        if day < 3:
            suggested = review.suggestion.dose_mcg
            assert suggested == 75  # day 1: next step; day 2: responder → the same dose
            review.next_dose.setText(str(suggested))
        else:
            review.no_dose.setChecked(True)
            review.reason.setText("Response confirmed on two days: proceed to the decision")
        review.decided_by.setText("Dr Lee, Pat Jones, Nurse Smith")
        review.family.setText("mother")
        assert review.save(), review.error_label.text()

    # --- The decision (neurosurgeon) -------------------------------------------------------------------
    clock.set(at(3, 18, 30))
    workspace.tabs.setCurrentWidget(workspace.decision_view)
    view = workspace.decision_view
    assert view.recommendation_label.text() == "150 mcg/day — basis: twice the screening dose"
    view.use_recommended.click()
    view.rationale.setPlainText("Tone fell by 1.0 from 2 h on 75 mcg on days 2 and 3; sitting goal met.")
    view.password.setText(PASSWORD)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.signing, timeout=20000)  # checked and saved off the GUI thread
    assert view.status.text() == "Signed.", view.problem.text()

    probe.stop()
    assert probe.turns > 100 and probe.longest_ms < STALL_SMOKE_BOUND_MS, probe.report()

    # --- The database ------------------------------------------------------------------------------------
    doc = trials.load_document(app, os_actor(), trial_id)
    assert [len(d.assessments) for d in doc.trial.days] == [6, 6, 6]
    assert all(len(a.mas) == 16 for d in doc.trial.days for a in d.assessments)
    assert [d.doses[0].dose_mcg for d in doc.trial.days] == [50, 75, 75]
    assert {(d.doses[0].given_by, d.doses[0].checked_by) for d in doc.trial.days} == {
        ("Dr Lee", "Nurse Smith")
    }
    assert [d.plan.next_dose_mcg for d in doc.trial.days] == [75, 75, None]
    assert doc.trial.days[0].plan.decided_by == ("Dr Lee", "Pat Jones", "Nurse Smith", "mother (family)")
    decision = doc.trial.decision
    assert (decision.outcome, decision.initial_daily_dose_mcg, decision.decided_by) == (
        "candidate",
        150,
        "Dr Lee",
    )
    assert decision.decided_at == at(3, 18, 30)
    with app.db.read() as s:
        doses = s.execute(select(m.DoseRecord).order_by(m.DoseRecord.given_at)).scalars().all()
        assert [
            (d.first_entry_dose_mcg, d.check_entry_dose_mcg, d.check_entry_concentration) for d in doses
        ] == [
            (50, 50, 50),
            (75, 75, 50),
            (75, 75, 50),
        ]
        actions = [a for (a,) in s.execute(select(m.AuditEntry.action).order_by(m.AuditEntry.id))]
        drafts_left = s.execute(select(func.count()).select_from(m.FormDraft)).scalar_one()
    assert actions.count("give_dose") == 3 and actions[-1] == "sign_decision"
    assert actions.count("near_miss") == 2  # the orderer's own check and the discarded peek, on day 1
    assert drafts_left == 0  # every form was saved as a record, so no draft is left behind

    # --- The summary, against RULES.md computed by hand ----------------------------------------------------
    summary = trials.trial_summary_json(app, os_actor(), trial_id)
    days = summary["days"]
    assert [(d["day"], d["dose_mcg"], d["responder"]) for d in days] == [
        (1, 50, False),
        (2, 75, True),
        (3, 75, True),
    ]
    assert days[0]["reassessments"] == [
        {"hours": 1.0, "reduction": 0.0},
        {"hours": 2.0, "reduction": 0.0},
        {"hours": 4.0, "reduction": 0.5},
        {"hours": 6.0, "reduction": 0.0},
        {"hours": 8.0, "reduction": 0.0},
    ]
    assert (days[0]["peak_reduction"], days[0]["peak_hours"], days[0]["effect_hours"]) == (0.5, 4.0, None)
    # Day 2: 1.0 at 2 h and 4 h: the peak is the earliest (2 h); the effect lasts to 4 h, ended (not censored).
    assert (days[1]["peak_reduction"], days[1]["peak_hours"], days[1]["effect_hours"]) == (1.0, 2.0, 4.0)
    assert (days[1]["effect_censored"], days[1]["effect_over_8h"]) == (False, False)
    # Day 3: ≥ 1.0 at 2, 4 and 6 h, 0.5 at 8 h: effect to 6 h.
    assert (days[2]["peak_hours"], days[2]["effect_hours"], days[2]["effect_censored"]) == (2.0, 6.0, False)
    # R6: day 2 is the first responder day, D = 75, effect 4 h, no significant AE: 2 × 75 = 150.
    assert (summary["recommended_daily_dose_mcg"], summary["basis"], summary["note"]) == (
        150,
        "twice the screening dose",
        None,
    )
    assert summary["next_dose_suggestion_mcg"] == 75  # day 3 responded: the same dose

    # --- The printed clinical summary ---------------------------------------------------------------------
    from pypdf import PdfReader

    from trialapp.services.reports import render_report

    pdf = render_report(app, os_actor(), trial_id, "clinical")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    for expected in (
        "Robin Synthetic",
        "E2E-0001",
        "150 mcg/day",
        "twice the screening dose",
        "75 mcg",
        "Dr Lee",
        "Near misses caught by the double check: 2",
    ):
        assert expected in flat, expected

    # --- Privacy: the log of the whole trial holds no patient data ------------------------------------
    logged = log_file.read_text(encoding="utf-8")
    assert "signed in (role neurosurgeon)" in logged  # the log did record the session
    leaked = [text for text in IDENTIFIERS if text.casefold() in logged.casefold()]
    assert leaked == [], f"patient data in the log: {leaked}"


def _timeline(workspace, day: int):
    from trialapp.ui.workspace.state import day_timeline

    return day_timeline(workspace.controller.doc, day, workspace.controller.now())
