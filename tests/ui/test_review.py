"""The Review screen (R15, pytest-qt, offscreen): what is drawn equals the review, filters change the
figures, a point, a bar or a row opens the trial behind it, and only neurosurgeons, the QI lead and admins
see the entry."""

from __future__ import annotations

import ctypes

import pytest
from PySide6.QtCore import QPointF, Qt

from tests.ui.shell_helpers import PASSWORD, make_team
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.trials import import_document
from trialapp.ui.main_window import MainWindow
from trialapp.ui.review import ReviewWindow
from trialapp.ui.review.plots import spot_for

# The PySide6 6.12.0 reference-count fault described in tests/ui/test_qi_dashboard.py.
for _singleton in (None, True, False):
    ctypes.c_ssize_t.from_address(id(_singleton)).value += 50_000_000


@pytest.fixture
def demo_ids(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The demo trials, imported (file stem → trial id)."""
    return {
        name.removesuffix(".json"): import_document(app, os_actor(), load_trial_document(demo_text(name)))
        for name in demo_files()
    }


@pytest.fixture
def window(app, qtbot, demo_ids):  # type: ignore[no-untyped-def]
    opened: list[str] = []
    w = ReviewWindow(app, os_actor(), opened.append, dark=False)
    w.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.review is not None, timeout=20_000)  # read in the background
    assert not w.loading and w.reload_button.isEnabled()
    return w


def _bar_heights(w: ReviewWindow) -> list[float]:
    assert w.plots.bars is not None
    return [float(h) for h in w.plots.bars.opts["height"]]


def test_drawn_figures_equal_the_review(window) -> None:  # type: ignore[no-untyped-def]
    review = window.review
    assert (review.trials, review.days) == (3, 9)
    assert _bar_heights(window) == pytest.approx([0.0, 100 / 3, 200 / 3, 0.0])
    whiskers = window.plots.whiskers.opts
    assert [
        float(h + t) for h, t in zip(_bar_heights(window), whiskers["top"], strict=True)
    ] == pytest.approx([row.ci95[1] * 100 for row in review.by_dose])
    responders, others = window.plots.peak_responders, window.plots.peak_others
    assert len(responders.points()) == 3 and len(others.points()) == 6  # one point per judged dosed day
    assert sorted(float(y) for y in responders.getData()[1]) == [1.25, 1.25, 1.25]
    assert window.dose_table.rowCount() == 5  # 25, 50, 75, 100 mcg and "none"
    assert window.dose_table.item(1, 1).text() == "1/3 · 33 % (6–79 %)"
    assert window.dose_table.item(1, 2).text() == "1 of 3"  # the small child's moderate drowsiness
    assert window.pump_table.rowCount() == 2
    assert "3</b> trial(s), <b>9</b> judged dosed day(s)" in window.figures.text()


def test_filters_change_the_figures(window) -> None:  # type: ignore[no-untyped-def]
    window.ladder.setCurrentIndex(window.ladder.findData("small_child"))
    assert (window.review.trials, window.review.days) == (1, 3)
    assert _bar_heights(window) == pytest.approx([0.0, 100.0])
    assert window.dose_table.rowCount() == 3
    window.ladder.setCurrentIndex(0)
    window.outcome.setCurrentIndex(window.outcome.findData("not_candidate"))
    assert window.review.trials == 1 and window.pump_table.rowCount() == 0
    assert "not a candidate 1" in window.figures.text()
    window.outcome.setCurrentIndex(window.outcome.findData("undecided"))
    assert window.review.trials == 0 and _bar_heights(window) == []


def test_the_pump_table_shows_a_page_differences_first(window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from trialapp.ui.review import window as module

    monkeypatch.setattr(module, "PUMP_ROWS_SHOWN", 1)
    window.refresh()
    assert window.pump_table.rowCount() == 1
    assert not window.pump_more.isHidden()
    assert window.pump_more.text().startswith("Showing 1 of 2 candidates")


def test_clicking_a_point_opens_its_trial(window, qtbot, demo_ids) -> None:  # type: ignore[no-untyped-def]
    small_child = demo_ids["demo_small_child"]
    item = window.plots.peak_responders
    spot = spot_for(item, small_child)
    assert spot is not None
    view = window.plots.peak_plot
    scene_pos = item.mapToScene(spot.pos())
    widget_pos = view.mapFromScene(scene_pos)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    assert window.opened == [small_child]


def test_clicking_a_row_or_a_bar_opens_the_trials_behind_it(window, qtbot, demo_ids) -> None:  # type: ignore[no-untyped-def]
    window.pump_table.cellClicked.emit(0, 0)
    assert window.opened == [window.pump_table.item(0, 0).text()]
    # 100 mcg: only the non-responder's day 3, so it opens at once.
    window.plots.dose_clicked.emit(100)
    assert window.opened[-1] == demo_ids["demo_nonresponder"]
    # 50 mcg: three trials, offered in a menu.
    window.plots.dose_clicked.emit(50)
    actions = window.last_menu.actions()
    assert [a.text() for a in actions] == [f"Open trial {t}" for t in sorted(demo_ids.values())]
    window.last_menu.close()
    actions[0].trigger()
    assert window.opened[-1] == sorted(demo_ids.values())[0]
    # Significant AE at 50 mcg: only the small child.
    window.dose_table.cellClicked.emit(1, 2)
    assert window.opened[-1] == demo_ids["demo_small_child"]
    # From the keyboard: Enter on the "none" row's cell opens the trial with no responder day.
    window.dose_table.setFocus()
    window.dose_table.setCurrentCell(4, 3)
    qtbot.keyClick(window.dose_table, Qt.Key.Key_Return)
    assert window.opened[-1] == demo_ids["demo_nonresponder"]


def test_reload_reads_changes_made_elsewhere(window, qtbot, app) -> None:  # type: ignore[no-untyped-def]
    import_document(
        app,
        os_actor(),
        load_trial_document(demo_text("demo_responder.json").replace("DEMO-0001", "DEMO-0009")),
    )
    assert window.review.trials == 3  # nothing read until asked
    window.reload_button.click()
    assert window.loading or window.review.trials == 4
    qtbot.waitUntil(lambda: not window.loading and window.review.trials == 4, timeout=20_000)


def test_the_plots_follow_the_dark_theme(app, qtbot, demo_ids) -> None:  # type: ignore[no-untyped-def]
    from trialapp.ui import theme

    w = ReviewWindow(app, os_actor(), print, background=False)
    qtbot.addWidget(w)
    w.show()
    assert w.plots.theme.name == "light"
    try:
        theme.apply_theme("dark")
        qtbot.waitUntil(lambda: w.plots.theme.name == "dark", timeout=3000)
        assert w.plots.peak_plot.backgroundBrush().color().name() == "#1e1e1e"
        assert w.plots.bars is not None  # redrawn in the new colours
    finally:
        theme.apply_theme("light")
    qtbot.waitUntil(lambda: w.plots.theme.name == "light", timeout=3000)


def test_a_bar_click_reports_its_dose(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    doses: list[int] = []
    window.plots.dose_clicked.connect(doses.append)
    bars = window.plots.bars
    plot = window.plots.responders_plot
    widget_pos = plot.mapFromScene(bars.mapToScene(QPointF(75, 30)))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    assert doses == [75]
    window.last_menu.close()


def test_entry_by_role_and_opening_a_trial_from_the_review(app, qtbot, demo_ids) -> None:  # type: ignore[no-untyped-def]
    team = make_team(app)
    main = MainWindow(app)
    qtbot.addWidget(main)
    for actor in (team.pt, team.nurse):
        main.sign_in(actor)
        assert not main.act_review.isVisible()
        main.open_review()  # refused quietly, as the menu entry is hidden
        assert main._windows == []
        main.sign_out()
    for actor in (team.qi, team.admin, team.neuro):
        main.sign_in(actor)
        assert main.act_review.isVisible()
        if actor is not team.neuro:
            main.sign_out()
    main.act_review.trigger()
    review = main._windows[-1]
    assert isinstance(review, ReviewWindow)
    qtbot.waitUntil(lambda: review.review is not None, timeout=20_000)
    assert review.review.trials == 3
    review.pump_table.cellClicked.emit(0, 0)
    assert main.workspace_trial == review.pump_table.item(0, 0).text()
    review.show()
    main.lock()
    assert not review.isVisible()  # trial ids and rationales never show over the lock
    main.screen_lock.dialog.password.setText(PASSWORD)
    main.screen_lock.dialog.unlock_button.click()
    qtbot.waitUntil(lambda: not main.screen_lock.locked, timeout=20_000)  # checked off the GUI thread
    assert review.isVisible()
    main.sign_out()
    assert main._windows == []
