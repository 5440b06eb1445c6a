"""Live screens (ui/live_updates.py): another laptop's save shows in the open workspace and on home, a form open
for the same slot is told before it is saved, and a server that cannot be reached is said in the status bar.

"Another laptop" is another person saving through the services on the same database while the window's live
thread polls it for real (the feed sees the audit head move as it does for another process:
tests/reliability/test_live_across_processes.py).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.ui.shell_helpers import make_team
from tests.ui.workspace_helpers import (
    copy_bed,
    day_at,
    give_dose_via_service,
    mas_assessment,
    open_workspace,
)
from trialapp.domain.records import Catheter, Patient, ProtocolSettings
from trialapp.services import assessments, trials
from trialapp.ui import live_updates
from trialapp.ui.live_updates import BANNER_NAME, LiveUpdates
from trialapp.ui.main_window import MainWindow

FAST_S = 0.05


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


def _watch(workspace, bed) -> LiveUpdates:
    live = LiveUpdates(bed.app, workspace, interval_s=FAST_S)
    live.heard.connect(
        lambda change: live_updates.refresh_workspace(
            workspace, change, bed.team.nurse.label, lambda _t: None
        )
    )
    live.start()
    assert live.ready.wait(30)
    return live


def test_a_reassessment_saved_on_another_laptop_shows_and_tells_the_open_form_for_that_slot(
    bed, qtbot
) -> None:
    assessments.record_assessment(
        bed.app, bed.team.pt, bed.trial_id, 1, mas_assessment("baseline", day_at(1, 8, 30), "2")
    )
    give_dose_via_service(bed, 1, 50, day_at(1, 9))
    bed.clock.set(day_at(1, 11, 5))
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    page = workspace.open_assessment(1, "reassessment", "2")
    live = _watch(workspace, bed)
    try:
        assessments.record_assessment(
            bed.app, bed.team.pt, bed.trial_id, 1, mas_assessment("reassessment", day_at(1, 11), "1")
        )

        def told() -> None:
            banner = page.findChild(live_updates.QLabel, BANNER_NAME)
            assert banner is not None and banner.isVisible()

        qtbot.waitUntil(told, timeout=15_000)
    finally:
        live.stop()
    banner = page.findChild(live_updates.QLabel, BANNER_NAME)
    assert banner.text() == (
        "Physical therapist Pat Jones saved the 2 h reassessment a moment ago — your entry is kept; review and "
        "save again."
    )
    assert workspace.current_page() is page  # what the nurse typed stays open
    day = workspace.controller.doc.trial.days[0]
    assert [a.at for a in day.assessments if a.kind == "reassessment"] == [day_at(1, 11)]


def test_a_save_for_another_slot_refreshes_without_a_banner(bed, qtbot) -> None:
    give_dose_via_service(bed, 1, 50, day_at(1, 9))
    bed.clock.set(day_at(1, 13))
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    page = workspace.open_assessment(1, "reassessment", "4")
    live = _watch(workspace, bed)
    try:
        assessments.record_assessment(
            bed.app, bed.team.pt, bed.trial_id, 1, mas_assessment("reassessment", day_at(1, 11), "1")
        )
        qtbot.waitUntil(lambda: len(workspace.controller.doc.trial.days[0].assessments) == 1, timeout=15_000)
    finally:
        live.stop()
    assert page.findChild(live_updates.QLabel, BANNER_NAME) is None


def test_home_shows_a_trial_started_on_another_laptop(app, qtbot) -> None:
    team = make_team(app)
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.sign_in(team.nurse)
    assert window.live is not None and window.live.ready.wait(30)
    try:
        assert window.home is not None and window.home.model.rowCount() == 0
        trials.start_trial(
            app,
            team.pt,
            Patient(mrn="LIVE-HOME", birth_date=date(2015, 1, 1), weight_kg=25.0),
            started_on=date(2026, 3, 2),
            catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
            settings=ProtocolSettings(),
        )
        qtbot.waitUntil(lambda: window.home.model.rowCount() == 1, timeout=15_000)
    finally:
        window.sign_out()
    assert window.live is None


@pytest.mark.postgres
def test_an_unreachable_server_is_said_in_the_status_bar_and_never_a_crash(postgres_url, qtbot) -> None:
    import dataclasses
    import socket

    from sqlalchemy.engine import make_url

    from trialapp.services.context import open_app
    from trialapp.storage.db import Database, make_engine

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = open_app(postgres_url)
    down_url = make_url(postgres_url).set(port=port).render_as_string(hide_password=False)
    down = dataclasses.replace(app, db=Database(down_url, make_engine(down_url)))
    window = MainWindow(app)
    qtbot.addWidget(window)
    live = LiveUpdates(down, window, interval_s=FAST_S)
    live.reachable.connect(lambda ok: live_updates.show_reachable(window, ok))
    live.start()
    try:
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage() == live_updates.OFFLINE_TEXT, timeout=15_000
        )
    finally:
        live.stop()
        down.db.dispose()
        app.close()


def test_the_workspace_header_names_who_else_works_on_the_trial_now(bed, qtbot) -> None:
    from trialapp.services import presence

    window = MainWindow(bed.app)
    qtbot.addWidget(window)
    window.sign_in(bed.team.nurse)
    try:
        window.open_trial(bed.trial_id)
        assert window.live is not None and window.live.ready.wait(30)
        presence.heartbeat(bed.app, bed.team.pt, "the-other-laptop", "dose check", bed.trial_id)
        header = window.workspace.header
        qtbot.waitUntil(lambda: not header.presence_label.isHidden(), timeout=20_000)
        assert header.presence_label.text() == (
            f"Also working on this trial now: Physical therapist Pat Jones — dose check, {presence.this_computer()}"
        )
        # This window's own heartbeat says what it does, for the others (never itself).
        qtbot.waitUntil(
            lambda: (
                presence.working_now(bed.app, bed.trial_id, besides="the-other-laptop")
                == [f"Nurse Nurse Smith — reading the trial, {presence.this_computer()}"]
            ),
            timeout=20_000,
        )
    finally:
        window.sign_out()
    assert presence.working_now(bed.app, bed.trial_id, besides="the-other-laptop") == []


def test_when_the_server_is_back_the_open_forms_draft_is_kept_at_once(bed, qtbot) -> None:
    from trialapp.services import drafts

    window = MainWindow(bed.app)
    qtbot.addWidget(window)
    window.sign_in(bed.team.nurse)
    try:
        window.open_trial(bed.trial_id)
        page = window.workspace.open_assessment(1, "baseline", "baseline")
        page.drafts.timer.setInterval(3_600_000)  # typed while the server was away: not saved by the pause
        page.drafts.changed()
        assert drafts.load_draft(bed.app, bed.team.nurse, page.form_key) is None
        live_updates.show_reachable(window, True)
        assert drafts.load_draft(bed.app, bed.team.nurse, page.form_key) is not None
        assert window.statusBar().currentMessage() == live_updates.BACK_TEXT
    finally:
        window.sign_out()


def _told(qtbot, form) -> str:
    def shown() -> None:
        banner = form.findChild(live_updates.QLabel, BANNER_NAME)
        assert banner is not None and banner.isVisibleTo(form)

    qtbot.waitUntil(shown, timeout=15_000)
    return form.findChild(live_updates.QLabel, BANNER_NAME).text()


def test_the_open_day_review_is_told_when_another_laptop_saves_that_days_plan(bed, qtbot) -> None:
    from trialapp.services import decisions

    give_dose_via_service(bed, 1, 50, day_at(1, 9))
    bed.clock.set(day_at(1, 18))
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    page = workspace.open_day_review(1)
    live = _watch(workspace, bed)
    try:
        decisions.record_day_plan(
            bed.app, bed.team.pt, bed.trial_id, 1, next_dose_mcg=75, decided_by=["pt.jones"],
            family_agreement="mother",
        )
        text = _told(qtbot, page)
    finally:
        live.stop()
    assert text == (
        "Physical therapist Pat Jones saved the plan for day 1 a moment ago — your entry is kept; review and "
        "save again."
    )
    assert workspace.current_page() is page  # what the nurse typed stays open


def test_the_open_decision_form_is_told_when_another_laptop_signs_the_decision(bed, qtbot) -> None:
    from tests.ui.workspace_helpers import PASSWORD
    from trialapp.services import decisions

    give_dose_via_service(bed, 1, 50, day_at(1, 9))
    bed.clock.set(day_at(1, 18))
    workspace = open_workspace(qtbot, bed, bed.team.nurse)
    workspace.tabs.setCurrentWidget(workspace.decision_view)
    view = workspace.decision_view
    live = _watch(workspace, bed)
    try:
        decisions.sign_decision(
            bed.app, bed.team.neuro, PASSWORD, bed.trial_id, outcome="undecided", rationale="Wait for day 2.",
            initial_daily_dose_mcg=None, warning_reasons=_any_reason(bed), now=day_at(1, 18),
        )
        text = _told(qtbot, view)
    finally:
        live.stop()
    assert text.startswith("Neurosurgeon Dr Lee saved the candidacy decision a moment ago — your entry is kept")


def _any_reason(bed) -> dict[str, str]:
    from trialapp.services import decisions

    checks = decisions.checks_for_decision(
        bed.app, bed.team.neuro, bed.trial_id, outcome="undecided", initial_daily_dose_mcg=None
    )
    return {check.code: "test" for check in checks if check.level == "warning"}
