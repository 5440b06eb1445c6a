"""The workspace around the forms: header with a live countdown, reminders and overdue marking (R10), the
urgent-alert banner until acknowledged (R9), adverse events from the header, adding a day, charts updated
on save, accessible names, and the size it needs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from tests.ui.workspace_helpers import (
    copy_bed,
    count_rows,
    day_at,
    give_dose_via_service,
    mas_assessment,
    open_workspace,
)
from trialapp.services import assessments, trials
from trialapp.storage import models as m
from trialapp.ui.workspace.alerts import AdverseEventDialog


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


def _dosed(bed) -> None:
    assessments.record_assessment(
        bed.app, bed.team.pt, bed.trial_id, 1, mas_assessment("baseline", day_at(1, 8, 30), "2")
    )
    give_dose_via_service(bed, 1, 50, day_at(1, 9))


def _texts(widget: QWidget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def test_header_shows_the_patient_the_day_and_a_live_countdown(bed, qtbot) -> None:
    _dosed(bed)
    bed.clock.set(day_at(1, 9, 35))
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    header = workspace.header
    assert header.name_label.text() == "Sam Synthetic"
    assert header.details_label.text() == "MRN SYN-2001 · 8 years 10 months · 24.5 kg · GMFCS 4"
    assert header.allergy_label.text() == "Allergies: cefazolin"
    assert header.day_label.text() == "Trial day 1 of 3 · Mon 03 Mar"
    assert header.dose_label.text() == "Last dose: 50 mcg at 09:00 on day 1 (35 min ago)"
    assert "1 h reassessment due at 10:00 (in 25 min)" in header.next_label.text()
    assert header.countdown_text() == "1 h reassessment in 0:25:00"
    bed.clock.set(day_at(1, 9, 35) + timedelta(seconds=10))
    workspace.tick()
    assert header.countdown_text() == "1 h reassessment in 0:24:50"
    # Within 30 min of its slot a reassessment is due (R10): the in-app reminder is up.
    assert workspace.reminder.isVisible()


def test_reminder_when_due_and_overdue_marking(bed, qtbot) -> None:
    _dosed(bed)
    bed.clock.set(day_at(1, 9, 20))
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    assert not workspace.reminder.isVisible()  # the 1 h slot is more than 30 min away: upcoming
    bed.clock.set(day_at(1, 10, 1))
    workspace.tick()
    assert workspace.reminder.isVisible()
    assert (
        workspace.reminder.text.text()
        == "Reminder — Day 1: 1 h reassessment due now (due at 10:00, 1 min ago)"
    )
    workspace.reminder.dismiss_button.click()
    assert not workspace.reminder.isVisible()
    # Later: the 1 h slot was missed (overdue, more than 30 min) and the 2 h slot is due.
    bed.clock.set(day_at(1, 10, 50))
    workspace.tick()
    timeline = _texts(workspace.day_views[1])
    assert "Overdue" in timeline and "1 h reassessment overdue by 50 min (due at 10:00)" in timeline
    assert (
        workspace.reminder.isVisible()
        and "2 h reassessment due at 11:00 (in 10 min)" in workspace.reminder.text.text()
    )
    workspace.reminder.record_button.click()
    qtbot.waitUntil(lambda: workspace.current_page() is not None)  # shown a turn after it is built
    page = workspace.current_page()
    assert page is not None and page.slot == "2" and page.kind == "reassessment"


def test_urgent_alert_banner_stays_until_acknowledged(bed, qtbot) -> None:
    bed.clock.set(day_at(1, 8, 40))
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    page = workspace.open_assessment(1, "baseline", "baseline")
    page.set_value("spo2", "85")
    page.set_value("hr", "90")
    assert page.save(confirm_blanks=False) is True
    assert workspace.alert_banner.isVisible()
    assert "URGENT" in _texts(workspace.alert_banner) and "Oxygen saturation 85 %" in _texts(
        workspace.alert_banner
    )
    assert workspace.header.alerts_button.text() == "⚠ 1 open alert (1 urgent)"
    # Reloading (another change, a reopen) keeps it until someone acknowledges it.
    workspace.controller.reload()
    assert workspace.alert_banner.isVisible()
    bed.clock.set(day_at(1, 8, 47))
    next(iter(workspace.alert_banner.buttons.values())).click()
    assert not workspace.alert_banner.isVisible()
    assert workspace.header.alerts_button.text() == "No open alerts"
    (alert,) = assessments.list_alerts(bed.app, bed.team.nurse, bed.trial_id)
    assert (alert.acknowledged_by, alert.acknowledged_at) == ("Nurse Smith", day_at(1, 8, 47))


def test_adverse_event_from_the_header(bed, qtbot, monkeypatch) -> None:
    opened = []
    monkeypatch.setattr(AdverseEventDialog, "exec", lambda self: opened.append(self) or 0)
    bed.clock.set(day_at(1, 11))
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    workspace.header.adverse_button.click()
    (dialog,) = opened
    assert dialog.day_box.currentData() == 1
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("seizure"))
    dialog.severity_box.setCurrentIndex(dialog.severity_box.findData("mild"))
    assert "Significant adverse effect: Seizure always counts" in dialog.significance.text()
    dialog.notes_edit.setPlainText("Brief, self-limiting")
    dialog.save()
    doc = trials.load_document(bed.app, bed.team.nurse, bed.trial_id)
    (event,) = doc.trial.days[0].adverse_events
    assert (event.kind, event.severity, event.at, event.notes) == (
        "seizure",
        "mild",
        day_at(1, 11),
        "Brief, self-limiting",
    )
    assert "Adverse event: seizure (mild) at 11:00 — significant" in _texts(workspace.day_views[1])


def test_adverse_event_needs_kind_and_severity(bed, qtbot) -> None:
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    dialog = AdverseEventDialog(workspace.controller, 1, workspace)
    qtbot.addWidget(dialog)
    dialog.save()
    assert "Choose what happened." in dialog.error_label.text()
    assert count_rows(bed.app, m.AdverseEventRecord) == 0


def test_add_day_needs_a_reason(bed, qtbot, monkeypatch) -> None:
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("   ", True))
    workspace.add_day_button.click()
    assert warnings and "needs a reason" in warnings[0]
    assert 4 not in workspace.day_views
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Fine-tune the dose on day 4", True))
    workspace.add_day_button.click()
    assert 4 in workspace.day_views
    assert workspace.tabs.currentWidget() is workspace.day_views[4]
    assert [workspace.tabs.tabText(i) for i in range(workspace.tabs.count())] == [
        "Day 1",
        "Day 2",
        "Day 3",
        "Day 4",
        "Decision",
    ]


def test_charts_update_when_an_assessment_is_saved(bed, qtbot) -> None:
    _dosed(bed)
    bed.clock.set(day_at(1, 13))
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    panel = workspace.ensure_chart()
    before = panel.chart
    assert before is not None and not before.has_data
    page = workspace.open_assessment(1, "reassessment", "4")
    for cell in page.mas_cells.values():
        if cell.muscle in page.region_muscles:
            cell.setText("1")
    assert page.save() is True
    assert panel.chart is before  # redrawn at the next turn of the event loop, not in the save's (issue 22)
    # The tone chart now has day 1's reduction of 1.0 at 4 h (2 → 1 on every lower-limb muscle-side).
    qtbot.waitUntil(lambda: panel.chart is not before, timeout=2000)
    assert panel.chart.has_data


def test_every_control_has_an_accessible_name(bed, qtbot) -> None:
    _dosed(bed)
    bed.clock.set(day_at(1, 10))
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    workspace.ensure_chart()
    screens = [workspace]
    screens.append(workspace.open_assessment(1, "reassessment", "1"))
    review = workspace.open_day_review(1)
    screens.append(review)
    screens.append(workspace.decision_view)
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    dialog = DoseDialog(workspace.controller, 2, workspace)
    qtbot.addWidget(dialog)
    screens += [dialog.order_page, dialog.check_page, dialog.review_page]
    kinds = (QAbstractButton, QLineEdit, QComboBox, QPlainTextEdit, QDateTimeEdit)
    unnamed = []
    for screen in screens:
        for widget in screen.findChildren(QWidget):
            if not isinstance(widget, kinds) or widget.parent() is None:
                continue
            if type(widget).__name__ in ("QLineEdit",) and isinstance(
                widget.parent(), (QComboBox, QDateTimeEdit)
            ):
                continue  # the inner editor of a combo box or date field: the outer control is named
            name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
            if not name.strip():
                unnamed.append(f"{type(widget).__name__} in {type(screen).__name__}")
    assert unnamed == []


def test_fits_a_1366x768_laptop_at_150_percent(bed, qtbot) -> None:
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    # 1366×768 at 150 % scaling leaves 910×512 logical pixels.
    assert workspace.minimumSizeHint().width() <= 910 and workspace.minimumSizeHint().height() <= 512
    page = workspace.open_assessment(1, "baseline", "baseline")
    assert workspace.minimumSizeHint().width() <= 910 and workspace.minimumSizeHint().height() <= 512
    assert page.minimumSizeHint().width() <= 910


# The workspace in the window maximised on a 1366×768 laptop: under a 40-pixel taskbar and a window title,
# and with neither.
@pytest.mark.parametrize("size", [(1342, 650), (1342, 700)])
def test_the_chart_shows_whole_beside_the_timeline_on_a_laptop(bed, qtbot, size) -> None:
    """On a laptop-sized workspace the tone chart is shown at full width beside the timeline (no sideways
    scrolling), with its axis of hours on screen."""
    from PySide6.QtCore import QPoint

    from trialapp.ui import theme

    theme.apply_theme("light")  # the app's style sheet: its fonts and paddings decide what fits

    bed.clock.set(day_at(1, 14))
    give_dose_via_service(bed, 1, 50, day_at(1, 9))
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    workspace.resize(*size)
    panel = workspace.ensure_chart()
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.isVisible(), timeout=2000)
    qtbot.wait(50)
    assert workspace.chart_scroll.isVisible()
    assert not workspace.chart_scroll.horizontalScrollBar().isVisible()
    chart_area = panel._content
    assert not chart_area.horizontalScrollBar().isVisible()
    plot = next(iter(panel.view.plots.values()))
    axis = plot.getAxis("bottom")
    bottom = axis.mapToScene(axis.boundingRect().bottomLeft())
    on_screen = panel.view.graphics.mapTo(chart_area.viewport(), panel.view.graphics.mapFromScene(bottom))
    assert isinstance(on_screen, QPoint)
    assert on_screen.y() <= chart_area.viewport().height(), "the hours axis is below the visible part"


def test_a_trial_started_today_runs_on_the_real_clock(bed, qtbot) -> None:
    """The bedside case: the wizard starts today, days 2-3 lie ahead, the workspace uses the real time."""
    from datetime import datetime, time

    from trialapp.domain.records import Catheter, Patient, ProtocolSettings
    from trialapp.services.new_trial import start_new_trial
    from trialapp.ui.workspace import TrialWorkspace

    now = datetime.now()
    trial_id = start_new_trial(
        bed.app,
        bed.team.pt,
        Patient(mrn="SYN-TODAY", birth_date=now.date().replace(year=now.year - 8)),
        started_on=now.date(),
        # An hour ago, but not before midnight (the catheter is placed on the trial's first day).
        catheter=Catheter(
            max(now - timedelta(hours=1), datetime.combine(now.date(), time(0, 0))), "catheter"
        ),
        settings=ProtocolSettings(),
    )
    workspace = TrialWorkspace(bed.app, bed.team.pt, trial_id)  # no clock given: the real one
    qtbot.addWidget(workspace)
    workspace.show()
    assert workspace.header.day_label.text().startswith("Trial day 1 of 3")
    page = workspace.open_assessment(1, "baseline", "baseline")
    page.set_value("mas:hip_flexors:left", "2")
    assert page.save(confirm_blanks=False) is True, page.error_label.text()
    assert count_rows(bed.app, m.AssessmentRow) == 1
