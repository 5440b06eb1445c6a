"""When home reads its lists (issue 22, GUI stalls): the first fill after sign-in on a worker, an older read's
result dropped, nothing for a closed window; and while a trial is open nothing is read on the GUI thread for a
page nobody sees (each save heard, a search cleared as a trial opens): the lists are read when home shows
again, with the open trial's new state."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.services import trials
from trialapp.services.live import LiveChange
from trialapp.ui import live_updates
from trialapp.ui.main_window import MainWindow
from trialapp.ui.views import home as home_view


def _count_reads(monkeypatch) -> list[str]:
    """Each read of the home list and of the due-now panel, by name (the real services still run)."""
    reads: list[str] = []
    real_list, real_due = home_view.list_trials, home_view.due_now

    def list_trials(*args, **kwargs):
        reads.append("list")
        return real_list(*args, **kwargs)

    def due_now(*args, **kwargs):
        reads.append("due")
        return real_due(*args, **kwargs)

    monkeypatch.setattr(home_view, "list_trials", list_trials)
    monkeypatch.setattr(home_view, "due_now", due_now)
    return reads


def _window(app, qtbot, actor, *, filled: bool = True) -> MainWindow:
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.sign_in(actor)
    if filled:
        qtbot.waitUntil(lambda: not window.home.loading, timeout=10_000)
    return window


def test_the_home_list_is_first_read_on_a_worker_after_sign_in(app, qtbot, monkeypatch):
    team = make_team(app)
    dosed_trial(app, "FIRST-1", dose_at=datetime.now() - timedelta(hours=3))
    dosed_trial(app, "FIRST-2", dose_at=datetime.now() - timedelta(days=3))
    reads = _count_reads(monkeypatch)
    window = _window(app, qtbot, team.pt, filled=False)
    home = window.home
    try:
        # Nothing was read on the GUI thread: the rows come through the event loop.
        assert home.loading and home.model.rowCount() == 0
        assert home.count_label.text() == "Loading the list of trials…"
        qtbot.waitUntil(lambda: not home.loading, timeout=10_000)
        assert sorted(r.mrn for r in home.model.rows) == ["FIRST-1", "FIRST-2"]
        assert home.count_label.text() == "2 trials"
        assert [i.mrn for i in home.due_model.items] == ["FIRST-1"]  # dosed 3 h ago: reassessments due
        assert sorted(reads) == ["due", "list"]
    finally:
        window.sign_out()


def test_a_search_started_before_the_first_read_came_keeps_its_own_rows(app, qtbot, monkeypatch):
    team = make_team(app)
    dosed_trial(app, "KEEP-1", dose_at=datetime.now() - timedelta(days=2))
    dosed_trial(app, "DROP-2", dose_at=datetime.now() - timedelta(days=3))
    came: list[int] = []
    real = home_view.HomeView._list_came
    monkeypatch.setattr(
        home_view.HomeView, "_list_came", lambda self, n, *a: (came.append(n), real(self, n, *a))
    )
    window = _window(app, qtbot, team.pt, filled=False)
    home = window.home
    first = home.first_read
    try:
        home.search.setText("KEEP")
        home.refresh()  # the pause after typing, before the first read's result came
        assert [r.mrn for r in home.model.rows] == ["KEEP-1"]
        assert first is not None and first.wait(10)
        QApplication.processEvents()  # the first read's result is delivered now …
        assert came == [1]
        assert [r.mrn for r in home.model.rows] == ["KEEP-1"]  # … and dropped: not the whole list
        assert home.count_label.text() == "1 trial" and not home.loading
    finally:
        window.sign_out()


def test_a_window_signed_out_before_the_first_read_came_receives_nothing(app, qtbot):
    team = make_team(app)
    dosed_trial(app, "GONE-1", dose_at=datetime.now() - timedelta(days=2))
    window = _window(app, qtbot, team.pt, filled=False)
    old = window.home
    first = old.first_read
    window.sign_out()  # the view is deleted at a later turn of the event loop
    assert first is not None and first.wait(10)
    QApplication.processEvents()  # the read's result is delivered now, if anything still receives it
    if isValid(old):
        assert old.model.rowCount() == 0 and old.due_model.rowCount() == 0
    window.sign_in(team.pt)  # the next user's list is read afresh
    qtbot.waitUntil(lambda: not window.home.loading, timeout=10_000)
    assert [r.mrn for r in window.home.model.rows] == ["GONE-1"]
    window.sign_out()


def test_saves_heard_while_a_trial_is_open_are_read_when_home_shows_again(app, qtbot, monkeypatch):
    team = make_team(app)
    trial_id = dosed_trial(app, "AWAY-1", dose_at=datetime.now() - timedelta(days=2))
    reads = _count_reads(monkeypatch)
    window = _window(app, qtbot, team.neuro)
    try:
        assert window.home is not None and sorted(reads) == ["due", "list"]
        window.open_trial(trial_id)
        reads.clear()
        # A day is added to the trial (here, as on another laptop), and the change is heard while it is open.
        trials.add_day(app, team.neuro, trial_id, reason="Fine-tune the dose")
        live_updates.on_heard(window, LiveChange(frozenset({trial_id}), (), lists_changed=True))
        live_updates.on_heard(window, LiveChange(frozenset({trial_id}), (), lists_changed=True))
        assert reads == []  # home is not on screen: nothing read for it

        window.go_home()
        assert reads == ["list", "due"]  # once, as home shows
        row = next(r for r in window.home.model.rows if r.trial_id == trial_id)
        assert row.days == 2
        assert window.home.selected_trial_id() == trial_id

        reads.clear()
        live_updates.on_heard(window, LiveChange(frozenset({trial_id}), (), lists_changed=True))
        assert reads == ["list", "due"]  # on screen: read at once, as before
    finally:
        window.sign_out()


def test_a_search_cleared_as_a_trial_opens_is_read_when_home_shows(app, qtbot, monkeypatch):
    team = make_team(app)
    trial_id = dosed_trial(app, "AWAY-2", dose_at=datetime.now() - timedelta(days=2))
    dosed_trial(app, "OTHER-3", dose_at=datetime.now() - timedelta(days=3))
    reads = _count_reads(monkeypatch)
    window = _window(app, qtbot, team.pt)
    home = window.home
    try:
        home.search.setText("AWAY")
        home.refresh()
        assert [r.mrn for r in home.model.rows] == ["AWAY-2"]
        home.search.clear()  # its pause's timer runs once the trial is open
        window.open_trial(trial_id)
        reads.clear()
        qtbot.waitUntil(lambda: not home._search_timer.isActive(), timeout=5000)
        assert reads == []
        window.go_home()
        assert sorted(r.mrn for r in home.model.rows) == ["AWAY-2", "OTHER-3"]
    finally:
        window.sign_out()
