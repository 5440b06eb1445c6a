"""The assessment form: keyboard entry of MAS grades, baseline beside each field, live R3 and R9 feedback,
field-level problems, Enter saves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.workspace_helpers import (
    PASSWORD,
    copy_bed,
    count_rows,
    day_at,
    fill_mas,
    mas_assessment,
    open_workspace,
)
from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import MasEntry, RomEntry, TardieuEntry, Vitals
from trialapp.services import assessments, dosing, trials
from trialapp.storage import models as m


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


def _dose_day1(bed) -> None:
    order = dosing.DoseOrder(bed.trial_id, 1, 50, 50, 1.0, day_at(1, 9), "catheter", "L1")
    dosing.give_dose(
        bed.app, bed.team.neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50)
    )


def test_mas_cells_take_digits_plus_and_n(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    cell = page.mas_cells[("hip_adductors", "left")]
    cell.setFocus()
    qtbot.keyClicks(cell, "3")
    assert cell.text() == "3"
    qtbot.keyClicks(cell, "+")
    assert cell.text() == "1+"
    qtbot.keyClicks(cell, "n")
    assert cell.text() == "NT"
    qtbot.keyClicks(cell, "7x.")  # not grades: ignored, the cell keeps its grade
    assert cell.text() == "NT"
    qtbot.keyClick(cell, Qt.Key.Key_Backspace)
    assert cell.text() == ""
    qtbot.keyClick(cell, Qt.Key.Key_Down)
    assert page.mas_cells[("hip_extensors", "left")].hasFocus()
    qtbot.keyClick(page.mas_cells[("hip_extensors", "left")], Qt.Key.Key_Right)
    assert page.mas_cells[("hip_extensors", "right")].hasFocus()


def test_tab_moves_through_the_grid_and_enter_saves(bed, qtbot) -> None:
    app = bed.app
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    page = workspace.open_assessment(1, "baseline", "baseline")
    first = page.mas_cells[(LOWER_MUSCLES[0], "left")]
    first.setFocus()
    for _ in range(len(LOWER_MUSCLES) * 2):  # type a grade, Tab to the next cell (left, right, next row)
        qtbot.keyClicks(page.focusWidget(), "2")
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
    assert all(page.mas_cells[(mu, s)].text() == "2" for mu in LOWER_MUSCLES for s in SIDES)
    qtbot.keyClick(first, Qt.Key.Key_Return)
    doc = trials.load_document(app, bed.team.pt, bed.trial_id)
    (saved,) = doc.trial.days[0].assessments
    assert saved.kind == "baseline" and saved.at == day_at(1, 8, 20)
    assert sorted((e.muscle, e.side, e.grade) for e in saved.mas) == sorted(
        (mu, s, "2") for mu in LOWER_MUSCLES for s in SIDES
    )
    assert saved.assessor == "Pat Jones"
    assert workspace.current_page() is None  # back on the timeline
    assert (
        "Recorded at 08:20" in workspace.day_views[1].widget().findChildren(type(page.draft_label))[1].text()
    )


def test_reassessment_shows_baseline_and_change_as_you_type(bed, qtbot) -> None:
    app = bed.app
    baseline = mas_assessment("baseline", day_at(1, 8, 30), "2")
    baseline = baseline.__class__(
        **{
            **baseline.__dict__,
            "vitals": Vitals(hr=96, rr=20, spo2=98),
            "rom": (RomEntry("popliteal_angle", "left", 60),),
            "tardieu": (TardieuEntry("knee_flexors", "left", 40, 80, 2),),
        }
    )
    assessments.record_assessment(app, bed.team.pt, bed.trial_id, 1, baseline)
    _dose_day1(bed)
    bed.clock.set(day_at(1, 13))
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "reassessment", "4")

    cell = page.mas_cells[("hip_flexors", "left")]
    cell.setFocus()
    qtbot.keyClicks(cell, "+")
    change = page.findChild(type(page.draft_label), None)  # any label; look the pair up by accessible name
    labels = {w.accessibleName(): w.text() for w in page.findChildren(type(change))}
    # 2 → 1+ is 2.0 → 1.5 in CPRN coding: −0.5 beside the cell.
    assert labels["Hip flexors, left: baseline and change"] == "was 2 · −0.5"
    assert labels["Hip flexors, right: baseline and change"] == "was 2"
    # R3 over the one paired muscle-side: 2.0 − 1.5, at 4 h after the 09:00 dose.
    assert "reduction 0.5 (mean 2.0 at baseline, 1.5 at 4 h): 1 muscle-side paired" in page.mas_summary.text()

    qtbot.keyClicks(page.fields["hr"], "90")
    qtbot.keyClicks(page.fields["rom:popliteal_angle:left"], "62")
    qtbot.keyClicks(page.fields["tardieu:knee_flexors:left:r1"], "50")
    qtbot.keyClicks(page.fields["tardieu:knee_flexors:left:r2"], "80")
    text = " | ".join(w.text() for w in page.findChildren(type(change)))
    assert "baseline 96 /min · −6 /min" in text
    assert "beyond threshold · baseline 60° · +2°" in text  # popliteal angle > 50° is abnormal (Katz)
    assert "R2−R1 30° (baseline 40°)" in text


def test_same_muscles_as_baseline_marks_the_others_not_tested(bed, qtbot) -> None:
    app = bed.app
    graded = {("hip_flexors", "left"), ("hip_flexors", "right"), ("knee_flexors", "left")}
    mas = tuple(
        MasEntry(mu, s, "2" if (mu, s) in graded else "NT")
        for mu in LOWER_MUSCLES
        for s in SIDES
        if (mu, s) != ("knee_flexors", "right")
    )
    base = mas_assessment("baseline", day_at(1, 8, 30), "2")
    assessments.record_assessment(
        app, bed.team.pt, bed.trial_id, 1, base.__class__(**{**base.__dict__, "mas": mas})
    )
    _dose_day1(bed)
    bed.clock.set(day_at(1, 10))
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "reassessment", "1")
    page.same_muscles_as_baseline()
    for (mu, s), cell in page.mas_cells.items():
        if mu not in LOWER_MUSCLES:
            continue
        assert cell.text() == ("" if (mu, s) in graded else "NT"), (mu, s)
    assert page.mas_cells[("hip_flexors", "left")].hasFocus()
    # Tab now stops only at the cells that can be paired.
    qtbot.keyClicks(page.focusWidget(), "1")
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
    assert page.focusWidget() is page.mas_cells[("hip_flexors", "right")]
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
    assert page.focusWidget() is page.mas_cells[("knee_flexors", "left")]


def test_vital_alerts_appear_as_you_type(bed, qtbot) -> None:
    page = open_workspace(qtbot, bed, bed.team.nurse).open_assessment(1, "baseline", "baseline")
    assert page.alert_texts() == []
    qtbot.keyClicks(page.fields["rr"], "9")  # below the 10–12 year band: urgent (R9)
    assert len(page.alert_texts()) == 1 and page.alert_texts()[0].startswith("URGENT: Breathing rate 9/min")
    qtbot.keyClicks(page.fields["spo2"], "95")
    assert len(page.alert_texts()) == 1
    page.fields["rr"].clear()
    qtbot.keyClicks(page.fields["rr"], "20")
    assert page.alert_texts() == []


def test_live_alerts_and_the_vitals_chart_use_the_sites_limits(bed, qtbot) -> None:
    from dataclasses import replace

    from trialapp.services import vital_limits
    from trialapp.services.context import os_actor

    published = vital_limits.published_limits()
    strict = replace(published, bands=tuple(replace(b, rr_high=b.rr_low + 1) for b in published.bands))
    vital_limits.set_site_limits(bed.app, os_actor(), strict, "test: a very low upper breathing rate")
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    page = workspace.open_assessment(1, "baseline", "baseline")
    qtbot.keyClicks(page.fields["rr"], "20")  # normal by the published limits, above the site's
    assert len(page.alert_texts()) == 1 and page.alert_texts()[0].startswith("Warning: Breathing rate 20/min")
    assert workspace.ensure_chart()._bands == vital_limits.vital_bands(bed.app)


def test_problems_are_shown_beside_the_fields_and_nothing_is_saved(bed, qtbot) -> None:
    app = bed.app
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    page = workspace.open_assessment(1, "baseline", "baseline")
    qtbot.keyClicks(page.fields["hr"], "ninety")
    qtbot.keyClicks(page.fields["spo2"], "140")
    assert page.save(confirm_blanks=False) is False
    assert "2 fields need correcting" in page.error_label.text()
    assert page.fields["hr"].toolTip() == '"ninety" is not a number: type digits, for example 60.'
    assert "out of range" in page.fields["spo2"].toolTip()
    vitals_problems = page._section_problem_labels["vitals"].text()
    assert "Heart rate:" in vitals_problems and "SpO2:" in vitals_problems
    assert count_rows(app, m.AssessmentRow) == 0
    assert workspace.current_page() is page


def test_the_services_refusal_is_shown_and_nothing_is_saved(bed, qtbot) -> None:
    app = bed.app
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    fill_mas(qtbot, page, "2")
    from datetime import datetime

    from PySide6.QtCore import QDateTime

    page.time_edit.setDateTime(QDateTime(datetime(2025, 3, 1, 7, 0)))  # the form takes it; the service refuses
    assert page.save() is False
    assert "The assessment was not saved" in page.error_label.text()
    assert "before this trial day's date (03 Mar 2025)" in page.error_label.text()  # times as people read them
    assert count_rows(app, m.AssessmentRow) == 0


def test_an_empty_form_is_not_saved(bed, qtbot) -> None:
    app = bed.app
    page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
    assert page.save() is False
    assert "Nothing has been entered" in page.error_label.text()
    assert count_rows(app, m.AssessmentRow) == 0


def test_a_read_only_copy_says_plainly_that_nothing_was_saved(bed, qtbot) -> None:
    """Another copy of the app holds the database for writing: the form's draft and its Save say so in
    words (no crash dialog) and nothing is written."""
    from tests.ui.workspace_helpers import Bed
    from trialapp.services.context import open_app

    reader = open_app(paths=bed.app.paths, read_only_if_in_use=True)
    try:
        assert reader.read_only_reason
        before = count_rows(bed.app, m.AssessmentRow)
        viewer = Bed(reader, bed.team, bed.trial_id, bed.clock)
        page = open_workspace(qtbot, viewer, bed.team.pt).open_assessment(1, "baseline", "baseline")
        fill_mas(qtbot, page, "2" * (len(LOWER_MUSCLES) * 2))
        assert page.flush_draft() is False
        assert "could not be saved" in page.draft_label.text() and "read-only" in page.draft_label.text()
        assert page.save() is False
        assert "read-only" in page.error_label.text()
        assert count_rows(bed.app, m.AssessmentRow) == before
    finally:
        reader.close()
