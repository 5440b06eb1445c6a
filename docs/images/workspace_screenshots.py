"""Screenshots of the trial workspace for docs/user-guide-workspace.md (synthetic data only).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python docs/images/workspace_screenshots.py [light|dark] [OUT_DIR]
        [--scale150]
Without OUT_DIR the small PNGs used by the guide are written next to this file. A throw-away database is made
in a temporary folder; nothing touches the user's own data. ``--scale150`` renders at 150 % scaling (run with
QT_SCALE_FACTOR=1.5): the same 1366×768 screen then holds 910×512 logical pixels.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
WIDTH, HEIGHT = 1366, 768
DOC_WIDTH = 1000  # the guide's images are scaled to this width to stay small
PASSWORD = "synthetic-pass-2025"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 2 + day, hour, minute)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    scale150 = "--scale150" in sys.argv
    theme_name = args[0] if args else "light"
    out = Path(args[1]) if len(args) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="trialapp-ws-shots-"))
    os.environ["TRIALAPP_HOME"] = str(home)

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QWidget

    from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
    from trialapp.domain.records import (
        AdverseEvent,
        Assessment,
        Catheter,
        Goal,
        GoalScore,
        MasEntry,
        Patient,
        ProtocolSettings,
        Vitals,
    )
    from trialapp.services import assessments, decisions, dosing, trials, users
    from trialapp.services.context import open_app, os_actor
    from trialapp.ui import theme
    from trialapp.ui.charts import loading as charts_loading
    from trialapp.ui.workspace import TrialWorkspace
    from trialapp.ui.workspace.alerts import AdverseEventDialog
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(theme_name)
    app = open_app(home / "shots.sqlite")
    for username, role, name in (
        ("pt.jones", "pt", "Pat Jones"),
        ("rn.smith", "nurse", "Nurse Smith"),
        ("dr.lee", "neurosurgeon", "Dr Lee"),
    ):
        users.add_user(app, os_actor(), username, role, name, PASSWORD)
    pt = users.authenticate(app, "pt.jones", PASSWORD)
    nurse = users.authenticate(app, "rn.smith", PASSWORD)
    neuro = users.authenticate(app, "dr.lee", PASSWORD)

    def grades(grade: str, left_out: tuple[str, ...] = ("hip_extensors",)) -> tuple[MasEntry, ...]:
        return tuple(MasEntry(m, s, "NT" if m in left_out else grade) for m in LOWER_MUSCLES for s in SIDES)

    def dose(trial_id: str, day: int, mcg: int) -> None:
        order = dosing.DoseOrder(trial_id, day, mcg, 50, mcg / 50, at(day, 9), "catheter", "LOT-2291")
        dosing.give_dose(app, neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", PASSWORD, mcg, 50))

    def day_of(trial_id: str, day: int, mcg: int, by_hour: dict[int, str], goal: int = -1) -> None:
        assessments.record_assessment(
            app,
            pt,
            trial_id,
            day,
            Assessment(
                "baseline",
                at(day, 8, 30),
                mas=grades("2"),
                vitals=Vitals(hr=96, rr=20, spo2=98, sbp=102),
                sedation_umss=0,
                goals=(GoalScore("g1", -1),),
            ),
        )
        dose(trial_id, day, mcg)
        for hours, grade in by_hour.items():
            assessments.record_assessment(
                app,
                pt,
                trial_id,
                day,
                Assessment(
                    "reassessment",
                    at(day, 9 + hours),
                    mas=grades(grade),
                    vitals=Vitals(hr=92, rr=20, spo2=97),
                    goals=(GoalScore("g1", goal if hours >= 4 else -1),),
                ),
            )

    trial_id = trials.start_trial(
        app,
        pt,
        Patient(
            mrn="SYN-3001",
            birth_date=date(2016, 4, 12),
            given_name="Sam",
            family_name="Synthetic",
            sex="female",
            weight_kg=24.5,
            gmfcs_level=4,
            allergies=("cefazolin",),
        ),
        started_on=date(2025, 3, 3),
        catheter=Catheter(at(1, 7, 40), "catheter", "L3-L4"),
        settings=ProtocolSettings(),
        goals=(Goal("g1", "Sit in the wheelchair for 2 hours", -1), Goal("g2", "Easier dressing", -2)),
    )
    day_of(trial_id, 1, 50, {1: "2", 2: "2", 4: "1+", 6: "2", 8: "2"})
    assessments.record_adverse_event(app, nurse, trial_id, 1, AdverseEvent(at(1, 12, 10), "nausea", "mild"))
    decisions.record_day_plan(
        app,
        neuro,
        trial_id,
        1,
        next_dose_mcg=75,
        decided_by=["Dr Lee", "Pat Jones"],
        family_agreement="mother",
    )
    # Day 2 in progress: baseline and dose done, the 1 h reassessment raised an urgent alert, 2 h is due.
    assessments.record_assessment(
        app,
        pt,
        trial_id,
        2,
        Assessment("baseline", at(2, 8, 30), mas=grades("2"), vitals=Vitals(hr=96, rr=20)),
    )
    dose(trial_id, 2, 75)
    assessments.record_assessment(
        app,
        nurse,
        trial_id,
        2,
        Assessment(
            "reassessment", at(2, 10), mas=grades("1+"), vitals=Vitals(hr=84, rr=11, spo2=95), sedation_umss=2
        ),
    )

    clock_time = [at(2, 11, 4)]
    size = (910, 512) if scale150 else (WIDTH, HEIGHT)
    suffix = "-150" if scale150 else ""

    def shot(widget: QWidget, name: str) -> None:
        for _ in range(4):
            qt.processEvents()
        image = widget.grab().toImage()
        if image.width() > DOC_WIDTH:
            image = image.scaledToWidth(DOC_WIDTH, Qt.TransformationMode.SmoothTransformation)
        image = image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
        image.save(str(out / f"workspace-{name}{suffix}-{theme_name}.png"), "PNG", 0)

    def workspace(actor: object) -> TrialWorkspace:
        # In the app a worker loads the chart modules while the user signs in: here, before the first shot.
        charts_loading.warm_up()
        while not charts_loading.loaded():
            qt.processEvents()
        w = TrialWorkspace(app, actor, trial_id, clock=lambda: clock_time[0])  # type: ignore[arg-type]
        w.resize(*size)
        w.show()
        for _ in range(4):
            qt.processEvents()
        return w

    # The PT's view on day 2: the urgent alert, the reminder, the timeline beside the charts.
    w = workspace(pt)
    w.show_day(2)
    w.tick()
    if os.environ.get("SHOTS_DEBUG"):
        print(w.size(), w.splitter.width(), w.charts_button.isChecked(), w.chart_scroll.isVisible())
    shot(w, "timeline")
    if scale150:
        return 0

    # The reassessment form, half filled.
    page = w.open_assessment(2, "reassessment", "2")
    for muscle in LOWER_MUSCLES[:5]:
        for side in SIDES:
            page.set_value(f"mas:{muscle}:{side}", "1" if muscle != "hip_adductors" else "1+")
    page.same_muscles_as_baseline()
    page.set_value("hr", "80")
    page.set_value("rr", "10")
    page.mas_cells[("knee_flexors", "right")].setFocus()
    shot(w, "assessment")
    page.go_to_section("vitals")
    shot(w, "assessment-vitals")
    w.closing()
    w.close()

    # The adverse-event dialog from the header.
    w = workspace(nurse)
    dialog = AdverseEventDialog(w.controller, 2, w)
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("drowsiness"))
    dialog.severity_box.setCurrentIndex(dialog.severity_box.findData("moderate"))
    dialog.notes_edit.setPlainText("Sleepy after lunch, rousable to voice")
    dialog.show()
    shot(dialog, "adverse-event")
    dialog.close()
    w.close()

    # The day review of day 1, and the dose dialog of day 3 (after day 2 is finished).
    for hours, grade in {2: "1", 4: "1", 6: "1+", 8: "2"}.items():
        assessments.record_assessment(
            app,
            pt,
            trial_id,
            2,
            Assessment("reassessment", at(2, 9 + hours), mas=grades(grade), goals=(GoalScore("g1", 0),)),
        )
    w = workspace(neuro)
    clock_time[0] = at(2, 18)
    review = w.open_day_review(2)
    review.next_dose.setText("75")
    review.decided_by.setText("Dr Lee, Pat Jones, Nurse Smith")
    review.family.setText("father")
    shot(w, "day-review")
    review.save()

    clock_time[0] = at(3, 9)
    dd = DoseDialog(w.controller, 3, w)
    dd.dose_edit.setText("75")
    dd.lot_edit.setText("LOT-2291")
    dd.show()
    shot(dd, "dose-order")
    dd.start_check()
    dd.check_user.setText("rn.smith")
    dd.check_password.setText(PASSWORD)
    dd.check_dose.setText("75")
    dd.check_conc.setText("50")
    shot(dd, "dose-check")
    dd.start_review()
    dd.sign_password.setText("x" * 12)
    shot(dd, "dose-review")
    dd.sign_password.setText(PASSWORD)
    dd.give()
    dd.close()

    # Day 3 finished, then the decision.
    for hours, grade in {1: "1+", 2: "1", 4: "1", 6: "1", 8: "1+"}.items():
        assessments.record_assessment(
            app,
            pt,
            trial_id,
            3,
            Assessment("reassessment", at(3, 9 + hours), mas=grades(grade), goals=(GoalScore("g1", 0),)),
        )
    assessments.record_assessment(app, pt, trial_id, 3, Assessment("baseline", at(3, 8, 30), mas=grades("2")))
    clock_time[0] = at(3, 18, 30)
    w.controller.reload()
    w.tabs.setCurrentWidget(w.decision_view)
    view = w.decision_view
    view.use_recommended.click()
    view.rationale.setPlainText(
        "Tone fell by at least 1.0 from 2 h on 75 mcg on days 2 and 3; sitting goal met."
    )
    shot(w, "decision")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
