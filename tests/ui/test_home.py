"""Home: instant search by name or MRN, filters, paging, and the due-now panel across active trials."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QColor
from sqlalchemy import event

from tests.ui.shell_helpers import dosed_trial, make_team
from trialapp.services.due import due_now
from trialapp.ui import theme
from trialapp.ui.views import home as home_view
from trialapp.ui.views.home import HomeView

NOW = datetime(2026, 3, 10, 14, 0)


def _view(app, qtbot, actor) -> HomeView:
    view = HomeView(app, actor)
    qtbot.addWidget(view)
    return view


def test_search_by_name_or_mrn_and_filters(app, qtbot):
    team = make_team(app)
    dosed_trial(app, "MRN-100", dose_at=NOW - timedelta(days=20), given="Ana", family="Lopez")
    dosed_trial(app, "MRN-200", dose_at=NOW - timedelta(days=10), given="Ben", family="Okoro", decided=True)
    dosed_trial(app, "XYZ-300", dose_at=NOW - timedelta(days=5), given="Cleo", family="Anand")
    view = _view(app, qtbot, team.pt)
    assert isinstance(view.model, QAbstractTableModel)
    assert view.model.rowCount() == 3

    qtbot.keyClicks(view.search, "mrn-2")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=2000)
    assert view.model.rows[0].mrn == "MRN-200"

    view.search.setText("AN")  # case-insensitive, anywhere in given name, family name or MRN
    view.refresh()
    assert sorted(r.mrn for r in view.model.rows) == ["MRN-100", "XYZ-300"]

    view.search.clear()
    view.filter.setCurrentIndex(2)  # completed
    view.refresh()
    assert [r.mrn for r in view.model.rows] == ["MRN-200"]
    assert "not candidate" in view.model.data(view.model.index(0, 6))
    view.filter.setCurrentIndex(1)  # active
    view.refresh()
    assert sorted(r.mrn for r in view.model.rows) == ["MRN-100", "XYZ-300"]

    view.search.setText("nobody")
    view.refresh()
    assert view.model.rowCount() == 0
    assert "No trial matches" in view.count_label.text()


def test_list_is_paged(app, qtbot, monkeypatch):
    team = make_team(app)
    for i in range(5):
        dosed_trial(app, f"P-{i}", dose_at=NOW - timedelta(days=30 + i))
    monkeypatch.setattr(home_view, "PAGE", 2)
    view = _view(app, qtbot, team.pt)
    assert view.model.rowCount() == 2
    assert not view.more_button.isHidden()
    view.more_button.click()
    assert view.model.rowCount() == 4
    view.more_button.click()
    assert view.model.rowCount() == 5
    assert view.more_button.isHidden()


def test_enter_in_search_opens_the_only_match(app, qtbot):
    team = make_team(app)
    trial_id = dosed_trial(app, "ONE-1", dose_at=NOW - timedelta(days=3))
    dosed_trial(app, "TWO-2", dose_at=NOW - timedelta(days=3))
    view = _view(app, qtbot, team.pt)
    opened = []
    view.open_trial.connect(opened.append)
    view.search.setText("one-1")
    view.refresh()
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert opened == [trial_id]


def test_due_now_lists_the_next_reassessment_overdue_first(app, qtbot):
    team = make_team(app)
    # Dosed 5 h ago, reassessed at 1 h and 2 h: the 4 h slot is 1 h overdue.
    late = dosed_trial(
        app,
        "LATE-1",
        dose_at=NOW - timedelta(hours=5),
        reassessed_after_hours=(1, 2),
        given="Lia",
        family="Late",
    )
    # Dosed 45 min ago: the 1 h reassessment is due now (within 30 min of its time).
    soon = dosed_trial(app, "SOON-1", dose_at=NOW - timedelta(minutes=45), given="Sol", family="Soon")
    # Dosed two days ago: its missed slots are history, not work for now.
    dosed_trial(app, "OLD-1", dose_at=NOW - timedelta(days=2))
    # Completed trial: never listed.
    dosed_trial(app, "DONE-1", dose_at=NOW - timedelta(hours=3), decided=True)

    items = due_now(app, team.nurse, now=NOW)
    assert [i.trial_id for i in items] == [late, soon]
    first, second = items
    assert (first.status, first.hours, first.due_at) == ("overdue", 4, NOW - timedelta(hours=1))
    assert first.description == "4 h reassessment overdue by 1 h (due at 13:00)"
    assert first.missed == 0
    assert (second.status, second.hours) == ("due", 1)
    assert "due at 14:15 (in 15 min)" in second.description

    view = _view(app, qtbot, team.nurse)
    view.refresh_due(now=NOW)
    model = view.due_model
    assert model.rowCount() == 2
    assert "Lia Late" in model.data(model.index(0, 0))
    assert model.data(model.index(0, 1)) == "Day 1: 4 h reassessment overdue by 1 h (due at 13:00)"
    red = model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole)
    assert isinstance(red, QColor) and red == QColor(theme.danger_color())
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ForegroundRole) != red
    assert "1 overdue" in view.due_note.text()
    opened = []
    view.open_trial.connect(opened.append)
    view.due_table.doubleClicked.emit(model.index(1, 0))
    assert opened == [soon]


def test_due_now_counts_missed_slots_and_drops_finished_schedules(app):
    team = make_team(app)
    missed = dosed_trial(
        app, "MISS-1", dose_at=NOW - timedelta(hours=6, minutes=10)
    )  # 1, 2, 4, 6 h all missed
    dosed_trial(app, "ALL-1", dose_at=NOW - timedelta(hours=9), reassessed_after_hours=(1, 2, 4, 6, 8))
    items = due_now(app, team.pt, now=NOW)
    assert [i.trial_id for i in items] == [missed]
    assert items[0].hours == 6 and items[0].status == "due"  # within 30 min of the 6 h slot
    assert items[0].missed == 3


def test_due_now_runs_the_same_queries_for_one_or_many_trials(app):
    team = make_team(app)
    engine = app.db.engine
    statements: list[str] = []

    def count(*args, **kwargs):
        statements.append(args[2] if len(args) > 2 else "")

    dosed_trial(app, "Q-0", dose_at=NOW - timedelta(hours=2), reassessed_after_hours=(1,))
    event.listen(engine, "before_cursor_execute", count)
    try:
        due_now(app, team.pt, now=NOW)
        one = len(statements)
        for i in range(1, 6):
            dosed_trial(app, f"Q-{i}", dose_at=NOW - timedelta(hours=2), reassessed_after_hours=(1,))
        statements.clear()
        assert len(due_now(app, team.pt, now=NOW)) == 6
        assert len(statements) == one
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_actions_follow_the_role(app, qtbot):
    team = make_team(app)
    pt_view = _view(app, qtbot, team.pt)
    nurse_view = _view(app, qtbot, team.nurse)
    assert not pt_view.new_patient_button.isHidden()
    assert nurse_view.new_patient_button.isHidden()  # nurses do not start trials
    assert nurse_view.new_trial_button.isHidden()


def test_columns_fit_their_widest_text_and_the_texts_are_as_before(app, qtbot):
    """The columns are fitted from a few candidate texts per keystroke: never narrower than Qt's own measure
    of every cell (ResizeToContents), so no text is cut off; the texts are formatted as they always were."""
    from datetime import date

    from trialapp.domain import records as r
    from trialapp.storage import repositories as repo

    team = make_team(app)
    names = [
        ("Li", "Li"),
        ("Wilhelmina", "Mwangi-Wassermann"),
        ("Ivo", "Illi"),
        ("Maw", "WMWM"),
        (None, None),
    ]
    catheter = r.Catheter(datetime(2026, 1, 1, 8, 0), "catheter")
    with app.db.write() as s:
        for i in range(36):
            given, family = names[i % len(names)]
            born = date(2025, 9, 1) if i == 7 else date(2010 + i % 12, 1 + i % 12, 1 + i % 28)  # a baby
            patient = repo.patient_row(r.Patient(("W" * (i % 4)) + f"SYN-{i}", born, given, family))
            started = date(2025, 1 + i % 12, 1 + (i * 3) % 28)
            days = tuple(r.Day(n, started) for n in range(1, i % 4 + 1))
            decision = r.Decision("not_candidate") if i % 5 == 0 else None
            s.add(repo.trial_row(r.Trial(started, catheter, days=days, decision=decision), patient))
    view = _view(app, qtbot, team.pt)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    table, header, model = view.table, view.table.horizontalHeader(), view.model
    today = date.today()
    for text in ("", "w", "li", "syn-1", "mwangi"):
        view.search.setText(text)
        view.refresh()
        assert model.rowCount() > 0, text
        for column in range(model.columnCount() - 1):
            needed = max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
            assert header.sectionSize(column) >= needed, (text, model.HEADERS[column])
        # The state (the last column stretches to what is left) is whole at the default window width.
        last = model.columnCount() - 1
        assert header.sectionSize(last) >= table.sizeHintForColumn(last), (text, "State")
        for row, listing in enumerate(model.rows):
            shown = [model.data(model.index(row, c)) for c in range(model.columnCount())]
            name = " ".join(p for p in (listing.given_name, listing.family_name) if p) or "(no name)"
            state = listing.state
            if listing.outcome and listing.state == "completed":
                state = "completed: " + listing.outcome.replace("_", " ")
            assert shown == [
                name,
                listing.mrn,
                home_view._age(listing.birth_date, today),
                listing.trial_id,
                f"{listing.started_on:%d %b %Y}",
                str(listing.days),
                state,
            ]
            tip = model.data(model.index(row, 2), Qt.ItemDataRole.ToolTipRole)
            assert tip == f"Born {listing.birth_date:%d %b %Y}"
