"""Opening a trial quickly without changing what is shown: only the day on screen gets its timeline at
once (the others when their tab is first opened), and the chart panel of a closed workspace is reused by
the next one, drawn again in place with the new trial's charts, never the old trial's."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from tests.ui.chart_helpers import drawing, laid_out_as, settled
from tests.ui.workspace_helpers import copy_bed, day_at, open_workspace, run_day
from trialapp.domain.chart_series import build_chart
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services import trials
from trialapp.services.context import os_actor
from trialapp.services.demo import demo_text
from trialapp.ui.workspace import TrialWorkspace
from trialapp.ui.workspace.state import day_timeline
from trialapp.ui.workspace.timeline import DayTimelineView


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    # Day 1 (50 mcg) and day 2 (75 mcg) done; the clock on the afternoon of day 2.
    run_day(made, 1, 50, {1: "2", 4: "1+"})
    run_day(made, 2, 75, {1: "1+", 4: "1"})
    made.clock.set(day_at(2, 15))
    yield made
    made.app.close()


def _shown(view: DayTimelineView) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """A timeline's texts and buttons (key, text, enabled), as a user sees them."""
    content = view.widget()
    assert content is not None
    texts = [label.text() for label in content.findChildren(QLabel)]
    buttons = [(key, b.text(), b.isEnabled()) for key, b in sorted(view.buttons.items())]
    assert len(buttons) == len(content.findChildren(QPushButton))
    return texts, buttons


def _fresh(qtbot, workspace, number: int) -> DayTimelineView:
    """The timeline of a day built on its own, straight from the records."""
    view = DayTimelineView(number)
    qtbot.addWidget(view)
    controller = workspace.controller
    view.set_model(
        day_timeline(controller.doc, number, controller.now()),
        can_dose=controller.may("give_dose"),
        can_assess=controller.may("record_vitals"),
        has_draft=workspace._has_draft,
    )
    return view


def _open(qtbot, bed, actor, trial_id: str, parent: QWidget | None = None) -> TrialWorkspace:
    workspace = TrialWorkspace(bed.app, actor, trial_id, parent, clock=bed.clock)
    if parent is None:
        qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    qtbot.waitExposed(workspace)
    return workspace


def test_only_the_day_on_screen_is_drawn_at_once_and_the_others_when_opened(bed, qtbot) -> None:
    workspace = _open(qtbot, bed, bed.team.neuro, bed.trial_id)
    assert workspace.tabs.currentWidget() is workspace.day_views[2]  # today
    assert workspace.day_views[2].widget() is not None
    # Day 1 and day 3 wait for their tab (their tabs are there, with their doses).
    assert workspace.day_views[1].widget() is None and workspace.day_views[3].widget() is None
    titles = [workspace.tabs.tabText(i) for i in range(workspace.tabs.count())]
    assert titles == ["Day 1 · 50 mcg", "Day 2 · 75 mcg", "Day 3", "Decision"]

    assert _shown(workspace.day_views[2]) == _shown(_fresh(qtbot, workspace, 2))
    for number in (1, 3):
        workspace.tabs.setCurrentWidget(workspace.day_views[number])
        assert workspace.day_views[number].widget() is not None
        assert _shown(workspace.day_views[number]) == _shown(_fresh(qtbot, workspace, number))
    assert "Given: 50 mcg" in "\n".join(_shown(workspace.day_views[1])[0])

    # A minute later only the day on screen is drawn again; the others are again drawn when opened, up
    # to date (day 1's 4 h slot was done late, at 13:00, so nothing changes there, but the check runs).
    workspace.tabs.setCurrentWidget(workspace.day_views[2])
    bed.clock.set(day_at(2, 15, 1))
    workspace.tick()
    assert workspace._stale_days == {1, 3}
    workspace.tabs.setCurrentWidget(workspace.day_views[1])
    assert workspace._stale_days == {3}
    assert _shown(workspace.day_views[1]) == _shown(_fresh(qtbot, workspace, 1))


def test_a_day_opened_after_a_save_shows_the_save(bed, qtbot) -> None:
    from trialapp.domain.records import AdverseEvent

    workspace = _open(qtbot, bed, bed.team.neuro, bed.trial_id)
    assert workspace.day_views[1].widget() is None
    workspace.controller.record_adverse_event(1, AdverseEvent(day_at(1, 12), "nausea", "mild", "Synthetic"))
    workspace.tabs.setCurrentWidget(workspace.day_views[1])
    texts = "\n".join(_shown(workspace.day_views[1])[0])
    assert "Adverse event: nausea (mild)" in texts
    assert _shown(workspace.day_views[1]) == _shown(_fresh(qtbot, workspace, 1))


def _workspace_page(qtbot) -> QWidget:
    """The window's workspace page: where a closing workspace leaves its chart panel for the next."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(1366, 768)
    parent.show()
    return parent


def test_the_next_workspace_reuses_the_chart_panel_with_its_own_trial(bed, qtbot, tmp_path) -> None:
    other = trials.import_document(bed.app, os_actor(), load_trial_document(demo_text("demo_responder.json")))
    parent = _workspace_page(qtbot)

    first = _open(qtbot, bed, bed.team.neuro, bed.trial_id, parent)
    panel = first.ensure_chart()
    assert panel.chart == build_chart(first.controller.doc, "tone")
    tone_view = panel.view
    # The user looks at another chart and another day before leaving.
    panel.set_kind("muscles")
    panel.day_box.setCurrentIndex(panel.day_box.findData(1))
    assert first.timer.isActive()
    assert first.closing() is True
    first.hide()
    first.deleteLater()
    assert first.chart_panel is None and not panel.isVisible()
    assert not first.timer.isActive()  # done: no countdown runs on until it is deleted

    second = _open(qtbot, bed, bed.team.neuro, other, parent)
    assert second.ensure_chart() is panel, "the panel is reused"
    doc = second.controller.doc
    # As a new panel would show it: the first chart, the default options, the new trial's days…
    assert (
        panel.kind == "tone" and panel.region_box.currentIndex() == 0 and panel.reduction_button.isChecked()
    )
    assert panel.chart == build_chart(doc, "tone")
    assert panel.view is tone_view, "the tone chart is drawn again in place"
    assert [panel.day_box.itemData(i) for i in range(panel.day_box.count())] == [
        d.day for d in doc.trial.days
    ]
    # …drawn exactly as a new view of that chart, with none of the first trial's series left.
    from trialapp.ui.charts.plots import make_view

    fresh = make_view(panel.chart, panel.theme)
    qtbot.addWidget(fresh)
    assert drawing(settled(qtbot, panel.view)) == drawing(laid_out_as(qtbot, fresh, panel.view.size()))
    panel.set_kind("muscles")
    assert panel.chart == build_chart(doc, "muscles")  # the latest day of this trial
    # Exports name this trial's patient, not the first one's.
    svg = panel.export(tmp_path / "chart.svg").read_text(encoding="utf-8")
    assert doc.patient.mrn in svg and first.controller.doc.patient.mrn not in svg


def test_the_last_trials_panel_is_drawn_a_turn_after_the_opening_or_left_for_the_next(bed, qtbot) -> None:
    parent = _workspace_page(qtbot)
    first = _open(qtbot, bed, bed.team.neuro, bed.trial_id, parent)
    panel = first.ensure_chart()
    assert first.closing() is True
    first.deleteLater()

    # Closed before its turn came: the panel is not taken, the next workspace has it.
    second = TrialWorkspace(bed.app, bed.team.neuro, bed.trial_id, parent, clock=bed.clock)
    second.resize(1366, 768)
    second.show()  # the opening's turn: the timeline, not the chart yet
    assert second.chart_panel is None and panel.property(TrialWorkspace._SPARE)
    assert second.closing() is True
    second.deleteLater()
    qtbot.wait(30)
    assert panel.property(TrialWorkspace._SPARE) and not panel.isVisible()

    third = TrialWorkspace(bed.app, bed.team.neuro, bed.trial_id, parent, clock=bed.clock)
    third.resize(1366, 768)
    third.show()
    assert third.chart_panel is None
    qtbot.waitUntil(lambda: third.chart_panel is panel)  # the next turn: drawn again in place
    assert panel.isVisible() and panel.chart == build_chart(third.controller.doc, "tone")


def test_a_workspace_that_cannot_keep_its_drafts_keeps_its_panel(bed, qtbot, monkeypatch) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    workspace = _open(qtbot, bed, bed.team.pt, bed.trial_id, parent)
    panel = workspace.ensure_chart()
    page = workspace.open_assessment(2, "reassessment", "6")
    monkeypatch.setattr(page, "flush_draft", lambda: False)
    assert workspace.closing() is False  # the user may stay: the charts and the clock stay too
    assert workspace.chart_panel is panel and panel.parent() is not parent
    assert workspace.timer.isActive()


def test_the_decision_tab_is_built_when_opened_with_its_draft(bed, qtbot) -> None:
    first = _open(qtbot, bed, bed.team.neuro, bed.trial_id)
    view = first.decision_view  # asked for: built at once
    view.rationale.setPlainText("Tone fell by 1.0 at 4 h on 75 mcg (synthetic).")
    assert first.closing() is True  # keeps the draft

    workspace = _open(qtbot, bed, bed.team.neuro, bed.trial_id)
    assert workspace._decision_view is None  # not built to open the trial
    assert [workspace.tabs.tabText(i) for i in range(workspace.tabs.count())][-1] == "Decision"
    assert workspace.chart_scroll.isVisible()
    workspace.tabs.bar.setCurrentIndex(workspace.tabs.count() - 1)  # the user opens the tab
    view = workspace._decision_view
    assert view is not None and workspace.tabs.currentWidget() is view and view.isVisible()
    assert not workspace.chart_scroll.isVisible()  # the evidence gets the whole width
    assert view.rationale.toPlainText() == "Tone fell by 1.0 at 4 h on 75 mcg (synthetic)."
    assert "Restored your draft" in view.status.text()
    assert view.recommendation_label.text()  # the evidence is there
    assert workspace.decision_view is view  # built once
    workspace.show_day(2)
    assert workspace.chart_scroll.isVisible()


def test_in_the_window_trial_after_trial_the_charts_are_each_trials_own(app, qtbot) -> None:
    """The window's own flow (the old workspace deleted by the event loop), across a sign-out and a theme
    change: each trial opened shows its own chart in the one reused panel, in the current theme."""
    from datetime import datetime, timedelta

    from tests.ui.shell_helpers import dosed_trial, make_team
    from trialapp.ui import theme
    from trialapp.ui.charts.plots import make_view
    from trialapp.ui.main_window import MainWindow

    team = make_team(app)
    first = dosed_trial(
        app, "WS-A", dose_at=datetime.now() - timedelta(days=3), reassessed_after_hours=(1, 4)
    )
    second = dosed_trial(app, "WS-B", dose_at=datetime.now() - timedelta(days=2), reassessed_after_hours=(2,))
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.sign_in(team.pt)
    panels = []
    try:
        for trial_id, actor, dark in (
            (first, team.pt, False),
            (second, team.pt, False),
            (first, team.nurse, True),
        ):
            if window.actor is not actor:
                window.sign_out()
                window.sign_in(actor)
            if dark:
                window.act_dark.trigger()
            window.open_trial(trial_id)
            workspace = window.workspace
            qtbot.waitUntil(lambda w=workspace: w.chart_panel is not None, timeout=3000)
            panel = workspace.chart_panel
            assert panel.chart == build_chart(workspace.controller.doc, "tone")
            assert panel.theme.name == ("dark" if dark else "light") == theme.current_theme()
            fresh = make_view(panel.chart, panel.theme)
            qtbot.addWidget(fresh)
            assert drawing(settled(qtbot, panel.view)) == drawing(
                laid_out_as(qtbot, fresh, panel.view.size())
            )
            panels.append(panel)
            qtbot.wait(20)  # the event loop deletes the workspace left behind
    finally:
        theme.apply_theme("light")
    assert panels[0] is panels[1] is panels[2], "one panel, reused from trial to trial"


def _record_button(workspace: TrialWorkspace) -> QPushButton:
    """An enabled "Record … h" button of the day on screen."""
    view = workspace.tabs.currentWidget()
    assert isinstance(view, DayTimelineView)
    button = next((b for key, b in view.buttons.items() if key.startswith("slot:") and b.isEnabled()), None)
    assert button is not None, sorted(view.buttons)
    return button


def test_a_form_asked_for_is_built_in_one_turn_and_shown_in_the_next(bed, qtbot) -> None:
    from trialapp.ui.workspace.assessment_form import AssessmentPage

    workspace = open_workspace(qtbot, bed, bed.team.pt)
    _record_button(workspace).click()
    built = workspace.findChildren(AssessmentPage)
    assert len(built) == 1 and not built[0].isVisible()  # built, not shown yet: the window answers meanwhile
    assert workspace.current_page() is None and workspace.main_area.isVisible()
    qtbot.waitUntil(lambda: workspace.current_page() is built[0])
    assert built[0].isVisible() and not workspace.main_area.isVisible()


def test_a_second_press_before_the_form_shows_opens_one_form(bed, qtbot) -> None:
    from trialapp.ui.workspace.assessment_form import AssessmentPage

    workspace = open_workspace(qtbot, bed, bed.team.pt)
    button = _record_button(workspace)
    button.click()
    first = workspace.findChildren(AssessmentPage)
    button.click()  # a double press, or Enter held
    qtbot.waitUntil(lambda: workspace.current_page() is not None)
    qtbot.wait(20)
    assert workspace.current_page() is first[0]
    assert workspace.findChildren(AssessmentPage) == first


def test_closing_the_trial_before_the_form_shows_leaves_no_form_and_no_draft(bed, qtbot) -> None:
    from tests.ui.workspace_helpers import count_rows
    from trialapp.storage import models as m
    from trialapp.ui.workspace.assessment_form import AssessmentPage

    workspace = open_workspace(qtbot, bed, bed.team.pt)
    _record_button(workspace).click()
    assert workspace.closing() is True
    qtbot.wait(20)
    assert workspace.current_page() is None
    assert workspace.findChildren(AssessmentPage) == []
    assert count_rows(bed.app, m.FormDraft) == 0


def test_another_page_opened_before_the_form_shows_is_the_one_shown(bed, qtbot) -> None:
    from trialapp.ui.workspace.assessment_form import AssessmentPage

    workspace = open_workspace(qtbot, bed, bed.team.pt)
    _record_button(workspace).click()
    review = workspace.open_day_review(2)  # a second, later choice in the same moment
    qtbot.wait(30)
    assert workspace.current_page() is review and review.isVisible()
    assert workspace.findChildren(AssessmentPage) == []
