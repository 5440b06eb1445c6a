"""The QI dashboard and the operating-room checklist (pytest-qt): every series drawn equals the R11–R13
summary (read back from the plot items), filters redraw, the checklist saves through the services."""

from __future__ import annotations

import ctypes
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt

from tests.helpers import sign_in_module_actors
from tests.qi_synthetic import AS_OF, QI_LEAD, load_synthetic
from trialapp.domain import qi_bundle, qi_charts, qi_compliance, qi_procedures
from trialapp.domain.qi_procedures import QiFilter
from trialapp.domain.qi_summary import QiSummary
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services import qi as service
from trialapp.services.context import Actor, App, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.trials import import_document
from trialapp.ui.qi.bundle_editor import BundleEditor
from trialapp.ui.qi.checklist import ProcedureChecklistDialog
from trialapp.ui.qi.dashboard import QiDashboard
from trialapp.ui.qi.dialogs import CheckinDialog, CorrectProcedureDialog, SsiDialog

# PySide6 6.12.0 under Python 3.11 drops one reference to None/True/False on every signal emission; when a
# count reaches zero the interpreter aborts ("none_dealloc"), usually at exit, failing a run whose tests
# passed. References that are never released keep the counts away from zero. The fix belongs in the
# PySide6 pin (6.11.3 has no such fault); this only stops the third-party bug from masking results.
for _singleton in (None, True, False):
    ctypes.c_ssize_t.from_address(id(_singleton)).value += 50_000_000

NURSE = Actor("demo.nurse", "nurse", "Noor Demo-Nurse")
PT = Actor("demo.pt", "pt", "Pat Demo-Therapist")


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


def _y(item: object) -> list[float]:
    data = item.yData  # type: ignore[attr-defined]
    return [] if data is None else [float(v) for v in data]  # None: nothing drawn


def _x(item: object) -> list[float]:
    data = item.xData  # type: ignore[attr-defined]
    return [] if data is None else [float(v) for v in data]


def _scatter_x(item: object) -> list[float]:
    x, _ = item.getData()  # type: ignore[attr-defined]
    return [float(v) for v in x]


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if v == v]  # NaN separates one period's limit step from the next


def _positions(labels: list[str], period: str) -> list[float]:
    """A true time axis: months (or quarters) from the first point; a period without a point keeps its place."""
    if not labels:
        return []
    first = qi_charts.period_ordinal(labels[0], period)
    return [float(qi_charts.period_ordinal(label, period) - first) for label in labels]


def assert_dashboard_matches(dashboard: QiDashboard, summary: QiSummary) -> None:
    d = dashboard.charts
    points = summary.p_chart.points
    xs = _positions([p.period for p in points], summary.period)
    assert _y(d.p_curve) == pytest.approx([p.ssi / p.n * 100 for p in points])
    assert _x(d.p_curve) == pytest.approx(xs)
    assert _finite(_y(d.ucl_curve)) == pytest.approx([v for p in points for v in (p.ucl * 100,) * 2])
    assert _finite(_y(d.lcl_curve)) == pytest.approx([v for p in points for v in (p.lcl * 100,) * 2])
    assert _finite(_x(d.ucl_curve)) == pytest.approx(
        [v for x in xs for v in (x - 0.5, x + 0.5)]
    )  # one step each
    assert d.p_tips == {p.period: p.tooltip for p in points}
    if points:
        assert summary.p_chart.centre is not None
        assert d.p_centre.value() == pytest.approx(summary.p_chart.centre * 100)
    assert _scatter_x(d.p_beyond) == [x for x, p in zip(xs, points, strict=True) if p.beyond_limits]
    assert _scatter_x(d.p_runs) == [x for x, p in zip(xs, points, strict=True) if p.in_run and not p.beyond_limits]
    assert d.p_plot.getPlotItem().legend is None  # the legend is outside the plot, never over a limit

    runs = summary.run_chart.points
    run_xs = _positions([p.period for p in runs], summary.period)
    assert _y(d.run_curve) == pytest.approx([100 * p.full / p.scored for p in runs])
    assert _x(d.run_curve) == pytest.approx(run_xs)
    if runs:
        assert d.run_median.value() == pytest.approx(summary.run_chart.median)
    assert _scatter_x(d.run_flags) == [x for x, p in zip(run_xs, runs, strict=True) if p.in_run]

    step_width = dict(zip(d.step_bars.opts["y"], d.step_bars.opts["width"], strict=True))
    for step in summary.steps:
        row = d.compliance_rows[step.code]
        if step.pct is None:
            assert row not in step_width
        else:
            assert step_width[row] == pytest.approx(step.pct)
    phase_width = dict(zip(d.phase_bars.opts["y"], d.phase_bars.opts["width"], strict=True))
    for phase in summary.phases:
        if phase.pct is not None:
            assert phase_width[d.compliance_rows[phase.phase]] == pytest.approx(phase.pct)
    assert d.goal_line.value() == qi_compliance.COMPLIANCE_GOAL_PCT

    factor = d.risk_factor.currentText()
    groups = [g for g in summary.risk if g.factor == factor]
    risk_width = dict(zip(d.risk_bars.opts["y"], d.risk_bars.opts["width"], strict=True))
    assert len(risk_width) == len(groups)
    for g in groups:
        assert risk_width[d.risk_rows[g.group]] == pytest.approx(g.pct or 0.0)

    figures = d.figures.text()
    assert (
        f"{qi_procedures.format_pct(summary.ssi.pct)} ({summary.ssi.count} of {summary.ssi.eligible})"
        in figures
    )
    assert f">{summary.procedures}<" in figures and qi_procedures.format_pct(summary.full.pct) in figures


@pytest.fixture
def loaded(app: App) -> App:
    load_synthetic(app, 60, seed=11)  # a quarter beyond its limits, and monthly runs of 8 (R12 revision 2)
    return app


@pytest.fixture
def loaded_without_risk(app: App) -> App:
    load_synthetic(app, 60, seed=4, with_risk=False)  # faster: risk factors are not what this test is about
    return app


def test_p_chart_keeps_time_marks_provisional_points_and_lists_open_window_infections(
    qtbot, app: App
) -> None:
    """Issue 25 item 7 and R12 revision 2: a month without procedures keeps its place, a period with
    windows still open is drawn hollow and says so, each point has its tooltip, the legend is outside the
    plot, and an infection inside an open window is listed at once, apart from the rate."""
    for day in (date(2025, 1, 10), date(2025, 4, 10), date(2025, 4, 20), date(2025, 5, 1), date(2025, 5, 20)):
        service.create_procedure(app, NURSE, service.NewProcedure(day, "new_implant", "North", "Dr A"))
    infected = service.create_procedure(
        app, NURSE, service.NewProcedure(date(2025, 6, 1), "new_implant", "North", "Dr A")
    )
    service.record_ssi(app, NURSE, infected, "culture_positive", date(2025, 6, 20), "Staphylococcus aureus")
    d = QiDashboard(app, QI_LEAD, as_of=date(2025, 8, 1))
    qtbot.addWidget(d)
    d.period.setCurrentIndex(d.period.findData("month"))
    summary = d.summary
    assert summary is not None and summary.period == "month"
    assert [p.period for p in summary.p_chart.points] == ["2025-01", "2025-04", "2025-05"]
    assert _x(d.charts.p_curve) == [0.0, 3.0, 4.0]  # February and March keep their place
    assert_dashboard_matches(d, summary)
    april, may = summary.p_chart.points[1:]
    assert not april.provisional and may.provisional  # the 2025-05-20 window closes on 2025-08-18
    assert "n = 2 eligible, 0 infection(s)" in d.charts.p_tips["2025-04"]
    assert "limits" in d.charts.p_tips["2025-04"] and "not final" in d.charts.p_tips["2025-05"]
    assert "not final: windows still open" in d.charts.p_legend.text()
    hollow = d.charts.p_points.data["brush"]
    assert hollow[2].color() != hollow[1].color()  # the provisional point is drawn differently
    # R12 revision 2: the infection in June's open window is not in the rate, but listed at once.
    assert summary.ssi.count == 0 and [p.procedure_id for p in summary.ssi.open_window_infections] == [
        infected
    ]
    listed = d.charts.open_infections.text()
    assert (
        f"{infected} (surgery 2025-06-01): infection on day 19 (2025-06-20), Staphylococcus aureus" in listed
    )


def test_dashboard_series_equal_the_summary(qtbot, loaded: App) -> None:
    d = QiDashboard(loaded, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    summary = service.qi_summary(loaded, QI_LEAD, AS_OF, "quarter")
    assert summary.procedures == 60 and summary.p_chart.points  # the data set is not trivially empty
    assert any(p.beyond_limits for p in summary.p_chart.points)
    assert_dashboard_matches(d, summary)
    # another risk factor
    d.charts.risk_factor.setCurrentText("GMFCS level")
    assert_dashboard_matches(d, summary)
    # by month: runs of 8 are flagged
    d.period.setCurrentIndex(d.period.findData("month"))
    monthly = service.qi_summary(loaded, QI_LEAD, AS_OF, "month")
    assert any(p.in_run for p in monthly.p_chart.points)
    assert_dashboard_matches(d, monthly)


def test_filters_redraw_from_the_filtered_summary(qtbot, loaded_without_risk: App) -> None:
    loaded = loaded_without_risk
    d = QiDashboard(loaded, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    d.site.setCurrentIndex(d.site.findText("South"))
    assert d.current_filter() == QiFilter(site="South")
    assert_dashboard_matches(d, service.qi_summary(loaded, QI_LEAD, AS_OF, "quarter", QiFilter(site="South")))
    d.period.setCurrentIndex(d.period.findData("month"))
    monthly = service.qi_summary(loaded, QI_LEAD, AS_OF, "month", QiFilter(site="South"))
    assert all(len(p.period) == 7 for p in monthly.p_chart.points)
    assert_dashboard_matches(d, monthly)
    d.site.setCurrentIndex(0)
    d.surgeon.setCurrentIndex(d.surgeon.findText("Dr Demo-B"))
    d.date_from.setDate(QDate(2025, 1, 1))
    d.as_of.setDate(QDate(2025, 12, 31))
    chosen = QiFilter(surgeon="Dr Demo-B", date_from=date(2025, 1, 1))
    assert d.current_filter() == chosen
    assert_dashboard_matches(d, service.qi_summary(loaded, QI_LEAD, date(2025, 12, 31), "month", chosen))
    assert d.procedures.table.rowCount() == len(service.list_procedures(loaded, QI_LEAD, chosen))


def test_empty_programme_draws_empty_charts(qtbot, app: App) -> None:
    d = QiDashboard(app, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    assert_dashboard_matches(d, service.qi_summary(app, QI_LEAD, AS_OF))
    assert _y(d.charts.p_curve) == [] and d.charts.step_bars.opts["width"] == []


# ----------------------------------------------------------------------------------------- checklist


def _click(qtbot, dialog: ProcedureChecklistDialog, code: str, answer: str) -> None:
    qtbot.mouseClick(dialog.rows[code].buttons[answer], Qt.MouseButton.LeftButton)


@pytest.fixture
def themed(qapp):  # type: ignore[no-untyped-def]
    """The app's theme, which sets font sizes and minimum heights for every widget (restored after)."""
    from trialapp.ui.theme import apply_theme

    sheet, palette, style = qapp.styleSheet(), qapp.palette(), qapp.style().name()
    apply_theme("light")
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


def test_checklist_records_a_new_procedure_by_touch(qtbot, app: App, themed) -> None:  # type: ignore[no-untyped-def]
    dialog = ProcedureChecklistDialog(app, NURSE)
    qtbot.addWidget(dialog)
    dialog.show()  # polished: the style sheets apply
    dialog.date.setDate(QDate(2025, 9, 3))
    dialog.kind.setCurrentIndex(dialog.kind.findData("removal"))
    assert list(dialog.rows) == [s.code for s in qi_bundle.example_bundle().applicable("removal")]
    # touch targets stay big under the app's theme (which gives buttons 34 px)
    assert all(b.height() >= 60 and b.width() >= 100 for b in dialog.rows["hair_clipped"].buttons.values())
    assert dialog.save_button.height() >= 60 and dialog.date.height() >= 44
    dialog.site.setCurrentText("North")
    dialog.surgeon.setCurrentText("Dr A")
    dialog.confirmed_by.setText("Circulating nurse K.")
    _click(qtbot, dialog, "cefazolin_before_incision", "yes")
    _click(qtbot, dialog, "hair_clipped", "no")
    _click(qtbot, dialog, "hair_clipped", "yes")  # changes the answer: only one is chosen
    _click(qtbot, dialog, "double_gloving", "na")
    _click(qtbot, dialog, "limited_or_traffic", "yes")
    _click(qtbot, dialog, "limited_or_traffic", "yes")  # pressed again: cleared
    assert dialog.current_answers()["hair_clipped"] == "yes"
    assert dialog.current_answers()["limited_or_traffic"] is None
    assert "3 of 6 steps answered" in dialog.progress.text()  # removal: 6 of the 10 steps apply
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.procedure_id
    detail = service.get_procedure(app, QI_LEAD, dialog.procedure_id)
    assert detail.procedure.kind == "removal" and detail.procedure.surgery_date == date(2025, 9, 3)
    assert detail.procedure.answers == {
        "cefazolin_before_incision": "yes",
        "hair_clipped": "yes",
        "double_gloving": "na",
    }
    assert {a.confirmed_by for a in detail.answers.values()} == {"Circulating nurse K."}


def test_checklist_shows_problems_and_saves_nothing(qtbot, app: App) -> None:
    dialog = ProcedureChecklistDialog(app, NURSE)
    qtbot.addWidget(dialog)
    dialog.date.setDate(QDate(2025, 9, 3))
    dialog.site.setCurrentText("")
    dialog.surgeon.setCurrentText("")
    assert dialog.save() is False
    assert not dialog.error.isHidden()
    assert (
        "The site is required." in dialog.error.text() and "The surgeon is required." in dialog.error.text()
    )
    assert service.list_procedures(app, QI_LEAD) == []


def test_checklist_completes_an_existing_procedure(qtbot, app: App) -> None:
    pid = service.create_procedure(
        app,
        NURSE,
        service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A"),
        {"hair_clipped": "no"},
    )
    dialog = ProcedureChecklistDialog(app, QI_LEAD, pid)
    qtbot.addWidget(dialog)
    assert dialog.rows["hair_clipped"].buttons["no"].isChecked()
    assert not dialog.date.isEnabled() and not dialog.kind.isEnabled()
    _click(qtbot, dialog, "hair_clipped", "yes")
    _click(qtbot, dialog, "subfascial_pocket", "yes")
    qtbot.mouseClick(dialog.risk_toggle, Qt.MouseButton.LeftButton)
    assert not dialog.risk.isHidden()
    dialog.risk.weight.setValue(21.5)
    dialog.risk.csf_leak.setCurrentIndex(1)  # yes
    assert dialog.save() is True
    detail = service.get_procedure(app, QI_LEAD, pid)
    assert detail.procedure.answers == {"hair_clipped": "yes", "subfascial_pocket": "yes"}
    assert detail.answers["hair_clipped"].confirmed_by == QI_LEAD.display_name
    assert detail.procedure.risk.weight_kg == 21.5 and detail.procedure.risk.csf_leak is True
    assert detail.procedure.risk.gmfcs_level is None  # "not recorded" stays not recorded


def test_checklist_fills_risk_factors_from_a_trial(qtbot, app: App) -> None:
    doc = load_trial_document(demo_text(demo_files()[0]))
    trial_id = import_document(app, os_actor(), doc)
    dialog = ProcedureChecklistDialog(app, NURSE)
    qtbot.addWidget(dialog)
    dialog.date.setDate(QDate(2025, 9, 3))
    dialog.risk.gmfcs.setCurrentIndex(dialog.risk.gmfcs.findText("II"))  # entered by the team: kept
    dialog.trial.setText(trial_id)
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    risk = dialog.risk.value()
    expected = service.prefill_from_trial(app, NURSE, trial_id, date(2025, 9, 3))
    assert risk.weight_kg == expected.weight_kg and risk.bmi == expected.bmi
    assert risk.age_months == expected.age_months
    assert risk.gmfcs_level == 2
    assert dialog.risk_toggle.isChecked()
    dialog.trial.setText("TNOPE")
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    assert "No trial 'TNOPE'" in dialog.error.text()


def _audited_fields(app: App, procedure_id: str) -> list[tuple[str, str | None, str | None, str | None]]:
    from sqlalchemy import select

    from trialapp.storage import models as m

    with app.db.read() as s:
        rows = s.execute(
            select(m.AuditEntry)
            .where(m.AuditEntry.table_name == "qi_procedures", m.AuditEntry.action == "update")
            .order_by(m.AuditEntry.id)
        ).scalars()
        return [(r.field, r.old_value, r.new_value, r.reason) for r in rows if r.row_id == procedure_id]


def test_a_procedure_is_corrected_with_a_reason_from_the_dashboard(qtbot, app: App) -> None:
    pid = service.create_procedure(
        app,
        NURSE,
        service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A"),
        {"hair_clipped": "yes"},
    )
    d = QiDashboard(app, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    assert d.procedures.correct_button.isEnabled()
    dialog = CorrectProcedureDialog(app, QI_LEAD, pid)
    qtbot.addWidget(dialog)
    assert (dialog.site.text(), dialog.surgeon.text(), dialog.kind.currentData()) == (
        "North",
        "Dr A",
        "new_implant",
    )
    dialog.surgery_date.setDate(QDate(2025, 9, 2))
    dialog.surgeon.setText("Dr B")
    assert dialog.changes() == {"surgery_date": date(2025, 9, 2), "surgeon": "Dr B"}
    # No reason: refused in words, nothing changed.
    assert dialog.save() is False
    assert "reason" in dialog.error.text().lower()
    before = service.get_procedure(app, QI_LEAD, pid).procedure
    assert (before.surgery_date, before.surgeon) == (date(2025, 9, 1), "Dr A")
    dialog.reason.setText("operating list says 2 September, Dr B operated")
    assert dialog.save() is True
    after = service.get_procedure(app, QI_LEAD, pid).procedure
    assert (after.surgery_date, after.kind, after.site, after.surgeon) == (
        date(2025, 9, 2),
        "new_implant",
        "North",
        "Dr B",
    )
    assert after.answers == {"hair_clipped": "yes"}  # the checklist stays with the procedure
    audited = _audited_fields(app, pid)
    assert [(f, old, new) for f, old, new, _ in audited] == [
        ("surgery_date", "2025-09-01", "2025-09-02"),
        ("surgeon", "Dr A", "Dr B"),
    ]
    assert {reason for *_, reason in audited} == {"operating list says 2 September, Dr B operated"}


def test_a_correction_that_changes_nothing_or_blanks_a_field_is_refused(qtbot, app: App) -> None:
    pid = service.create_procedure(
        app, NURSE, service.NewProcedure(date(2025, 9, 1), "catheter_revision", "North", "Dr A"), {}
    )
    dialog = CorrectProcedureDialog(app, QI_LEAD, pid)
    qtbot.addWidget(dialog)
    dialog.reason.setText("checking")
    assert dialog.save() is False
    assert dialog.error.text().startswith("Nothing was changed")
    dialog.site.setText("  ")
    assert dialog.save() is False
    assert "The site is required." in dialog.error.text()
    dialog.site.setText("North")
    dialog.surgery_date.setDate(QDate.currentDate().addDays(3))  # a future operation
    assert dialog.save() is False
    assert not dialog.error.isHidden() and "is in the future" in dialog.error.text()
    assert _audited_fields(app, pid) == []
    assert service.get_procedure(app, QI_LEAD, pid).procedure.surgery_date == date(2025, 9, 1)


def test_a_therapist_sees_but_does_not_record(qtbot, app: App) -> None:
    d = QiDashboard(app, PT, as_of=AS_OF)
    qtbot.addWidget(d)
    assert not d.procedures.new_button.isEnabled() and not d.follow_up.checkin_button.isEnabled()
    assert not d.procedures.correct_button.isEnabled()
    assert not d.bundle.save_button.isEnabled()
    dialog = ProcedureChecklistDialog(app, PT)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()


# -------------------------------------------------------------------------------------- bundle editor


def test_bundle_editor_saves_a_new_version(qtbot, app: App) -> None:
    editor = BundleEditor(app, QI_LEAD)
    qtbot.addWidget(editor)
    assert editor.table.rowCount() == len(qi_bundle.example_bundle().steps)
    editor.table.item(0, 2).setText("Cefazolin within 60 minutes before incision")
    editor.add_step()
    last = editor.table.rowCount() - 1
    editor.table.item(last, 1).setText("vanc_powder")
    editor.table.item(last, 2).setText("Vancomycin powder in the pocket")
    editor.table.item(last, 4 + len(qi_bundle.PROCEDURE_KINDS)).setText("local protocol")
    editor.effective.setDate(QDate(2026, 1, 1))
    editor.note.setText("timing; pocket powder")
    assert editor.save_version() is True
    history = service.bundle_history(app, QI_LEAD)
    assert [v.version for v in history.versions] == [1, 2]
    current = history.current
    assert current.effective_from == date(2026, 1, 1) and current.note == "timing; pocket powder"
    assert current.bundle.steps[0].text == "Cefazolin within 60 minutes before incision"
    powder = current.bundle.step("vanc_powder")
    assert (
        powder is not None
        and powder.phase == "procedure"
        and powder.applies_to == frozenset(qi_bundle.PROCEDURE_KINDS)
    )
    assert editor.version.count() == 2 and "Saved version 2" in editor.status.text()


def test_bundle_editor_lists_problems_and_saves_nothing(qtbot, app: App) -> None:
    editor = BundleEditor(app, QI_LEAD)
    qtbot.addWidget(editor)
    editor.table.item(1, 1).setText("Bad Code")
    editor.table.item(2, 2).setText("")
    assert editor.save_version() is False
    assert "'Bad Code' is not a step code" in editor.error.text() and "text must say" in editor.error.text()
    assert len(service.bundle_history(app, QI_LEAD).versions) == 1
    editor.reload()
    assert editor.save_version() is False  # unchanged: nothing to save
    assert "same as version 1" in editor.error.text()


def test_bundle_editor_moves_a_step(qtbot, app: App) -> None:
    editor = BundleEditor(app, QI_LEAD)
    qtbot.addWidget(editor)
    first, second = editor.table.item(1, 1).text(), editor.table.item(2, 1).text()
    editor.table.setCurrentCell(2, 1)
    editor._move(-1)
    assert (editor.table.item(1, 1).text(), editor.table.item(2, 1).text()) == (second, first)


# ------------------------------------------------------------------------------------------ follow-up


def test_follow_up_check_in_and_infection(qtbot, app: App) -> None:
    today = date.today()
    pid = service.create_procedure(
        app, NURSE, service.NewProcedure(today - timedelta(days=20), "new_implant", "North", "Dr A")
    )
    d = QiDashboard(app, QI_LEAD, as_of=today)
    qtbot.addWidget(d)
    tab = d.follow_up
    assert tab.table.rowCount() == 1 and "1 with a check-in due" in tab.caption.text()
    tab.table.selectRow(0)
    item = tab.selected()
    assert item is not None and item.procedure.procedure_id == pid
    checkin = CheckinDialog(app, NURSE, item)
    qtbot.addWidget(checkin)
    assert checkin.day.currentData() == 14
    checkin.note.setText("wound clean")
    assert checkin.save() is True
    d.record_changed()
    assert "0 with a check-in due" in tab.caption.text()
    ssi = SsiDialog(app, NURSE, pid)
    qtbot.addWidget(ssi)
    ssi.criteria["culture_positive"].setChecked(True)
    ssi.when.setDate(QDate(today.year, today.month, today.day))
    assert ssi.save() is False and "needs the organism" in ssi.error.text()
    ssi.organism.setText("Staphylococcus aureus")
    assert ssi.save() is True
    d.record_changed()
    assert tab.table.rowCount() == 0  # the infection ends the follow-up
    recorded = service.get_procedure(app, QI_LEAD, pid).procedure.ssi
    assert recorded is not None and recorded.organism == "Staphylococcus aureus"
    assert d.summary is not None and len(d.summary.ssi.open_window_infections) == 1  # R12 revision 2


# ------------------------------------------------------------------------- theme, controller, files


@pytest.fixture
def dark(qapp):  # type: ignore[no-untyped-def]
    """The app in its dark theme (the light one, or what was there, restored after)."""
    from trialapp.ui.theme import apply_theme

    sheet, palette, style = qapp.styleSheet(), qapp.palette(), qapp.style().name()
    theme = qapp.property("trialapp_theme")
    apply_theme("dark")
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)
    qapp.setProperty("trialapp_theme", theme)


def _background(plot: object) -> str:
    return str(plot.backgroundBrush().color().name())  # type: ignore[attr-defined]


def test_charts_follow_the_dark_theme(qtbot, loaded_without_risk: App, dark) -> None:  # type: ignore[no-untyped-def]
    from trialapp.ui.charts.theme import DARK, LIGHT
    from trialapp.ui.theme import apply_theme

    d = QiDashboard(loaded_without_risk, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    charts = d.charts
    plots = (charts.compliance_plot, charts.p_plot, charts.run_plot, charts.risk_plot)
    assert {_background(p) for p in plots} == {DARK.background.lower()}
    assert charts.p_curve.opts["pen"].color().name() == DARK.day_colours[0].lower()
    # Switched while open: drawn again in the light theme.
    apply_theme("light")
    qtbot.waitUntil(lambda: _background(charts.p_plot) == LIGHT.background.lower(), timeout=2000)
    assert charts.p_curve.opts["pen"].color().name() == LIGHT.day_colours[0].lower()
    assert_dashboard_matches(d, service.qi_summary(loaded_without_risk, QI_LEAD, AS_OF, "quarter"))


def test_a_dialog_opened_from_the_dashboard_redraws_it(qtbot, app: App) -> None:
    today = date.today()
    pid = service.create_procedure(
        app, NURSE, service.NewProcedure(today - timedelta(days=20), "new_implant", "North", "Dr A")
    )
    d = QiDashboard(app, QI_LEAD, as_of=today)
    qtbot.addWidget(d)
    recorded: list[bool] = []
    d.changed.connect(lambda: recorded.append(True))
    assert d.follow_up.table.rowCount() == 1
    ssi = SsiDialog(app, QI_LEAD, pid, d, controller=d.controller)
    ssi.criteria["removal_suspected"].setChecked(True)
    assert ssi.save() is True
    # No record_changed(): the shared controller reloaded and the dashboard redrew.
    assert d.follow_up.table.rowCount() == 0 and d.summary is not None
    assert len(d.summary.ssi.open_window_infections) == 1  # R12 revision 2: listed apart at once
    assert recorded == [True]


def _qi_prints(app: App) -> list[str | None]:
    from sqlalchemy import select

    from trialapp.storage import models as m

    with app.db.read() as s:
        return list(
            s.execute(
                select(m.AuditEntry.new_value).where(
                    m.AuditEntry.action == "print", m.AuditEntry.table_name == "qi_procedures"
                )
            ).scalars()
        )


def test_the_pdf_report_is_printed_through_the_audited_service(
    qtbot, app: App, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    service.create_procedure(
        app, NURSE, service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A")
    )
    d = QiDashboard(app, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    d.site.setCurrentIndex(d.site.findText("North"))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    # A folder that does not exist: said in words, nothing written, nothing recorded.
    missing = tmp_path / "gone" / "qi.pdf"
    assert d.write_report(missing) is False
    assert len(said) == 1 and f"The QI report could not be saved to {missing}" in said[0]
    assert "Choose a folder that exists and that you may write to" in said[0]
    assert _qi_prints(app) == []
    out = tmp_path / "qi.pdf"
    assert d.write_report(out) is True and out.read_bytes().startswith(b"%PDF")
    prints = _qi_prints(app)
    assert len(prints) == 1 and '"filter": "site North"' in (prints[0] or "")


def test_bundle_file_round_trip_and_a_failed_write(qtbot, app: App, tmp_path) -> None:  # type: ignore[no-untyped-def]
    editor = BundleEditor(app, QI_LEAD)
    qtbot.addWidget(editor)
    missing = tmp_path / "gone" / "bundle.json"
    assert editor.save_file(missing) is False
    assert editor.error.text().startswith(f"The bundle file could not be saved to {missing}")
    assert not editor.error.isHidden()
    out = tmp_path / "bundle.json"
    editor.table.item(0, 2).setText("Cefazolin within 60 minutes before incision")
    assert editor.save_file(out) is True and editor.error.isHidden()
    editor.reload()
    assert editor.table.item(0, 2).text() != "Cefazolin within 60 minutes before incision"
    assert editor.load_file(out) is True
    assert editor.table.item(0, 2).text() == "Cefazolin within 60 minutes before incision"
    out.write_text("{", encoding="utf-8")
    assert editor.load_file(out) is False and "not valid JSON" in editor.error.text()


def test_an_infection_recorded_by_mistake_is_removed_with_a_reason(qtbot, app: App) -> None:
    from trialapp.ui.qi.dialogs import RemoveSsiDialog

    pid = service.create_procedure(
        app, NURSE, service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A")
    )
    service.record_ssi(app, NURSE, pid, "culture_positive", date(2025, 9, 20), "S. aureus")
    d = QiDashboard(app, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    assert d.procedures.remove_ssi_button.isEnabled() and d.summary is not None and d.summary.ssi.count == 1
    dialog = RemoveSsiDialog(app, QI_LEAD, pid, d, controller=d.controller)
    assert dialog.save() is False
    assert dialog.error.text() == "Give the reason for removing the infection; nothing was changed."
    dialog.reason.setText("recorded on the wrong procedure")
    assert dialog.save() is True
    assert service.get_procedure(app, QI_LEAD, pid).procedure.ssi is None
    assert d.summary.ssi.count == 0  # the dashboard redrew from its controller
    therapist = QiDashboard(app, PT, as_of=AS_OF)
    qtbot.addWidget(therapist)
    assert not therapist.procedures.remove_ssi_button.isEnabled()


def test_a_site_corrected_away_leaves_the_filter_on_all_sites(qtbot, app: App) -> None:
    pid = service.create_procedure(
        app, NURSE, service.NewProcedure(date(2025, 9, 1), "new_implant", "Nort", "Dr A")
    )
    service.create_procedure(app, NURSE, service.NewProcedure(date(2025, 9, 2), "removal", "South", "Dr A"))
    d = QiDashboard(app, QI_LEAD, as_of=AS_OF)
    qtbot.addWidget(d)
    d.site.setCurrentIndex(d.site.findText("Nort"))
    assert d.procedures.table.rowCount() == 1
    dialog = CorrectProcedureDialog(app, QI_LEAD, pid, d, controller=d.controller)
    dialog.site.setText("North")
    dialog.reason.setText("typing error")
    assert dialog.save() is True
    assert d.site.currentText() == "All sites" and d.current_filter() == QiFilter()
    assert d.controller.view is not None and d.controller.view.qi_filter == QiFilter()
    assert d.procedures.table.rowCount() == 2
