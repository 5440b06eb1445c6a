"""When home reads its lists (issue 22, GUI stalls): while a trial is open nothing is read on the GUI thread for
a page nobody sees (each save heard, a search cleared as a trial opens): the lists are read when home shows
again, with the open trial's new state."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.ui.shell_helpers import dosed_trial, make_team, signed_in_window
from trialapp.services import trials
from trialapp.services.live import LiveChange
from trialapp.ui import live_updates
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


def test_saves_heard_while_a_trial_is_open_are_read_when_home_shows_again(app, qtbot, monkeypatch):
    team = make_team(app)
    trial_id = dosed_trial(app, "AWAY-1", dose_at=datetime.now() - timedelta(days=2))
    reads = _count_reads(monkeypatch)
    window = signed_in_window(app, qtbot, team.neuro)
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
    window = signed_in_window(app, qtbot, team.pt)
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
