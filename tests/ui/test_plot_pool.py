"""The chart panel's plots are made ahead of need, one per idle turn (``ui/charts/plot_pool.py``): the first
drawing of the vital signs chart made up to eight plots in one turn, the scripted trial's longest stall."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QSize

from tests.ui.chart_helpers import drawing, laid_out_as, settled
from tests.ui.test_charts import demo_documents  # noqa: F401  (the module's fixture)
from trialapp.domain.chart_series import build_chart
from trialapp.ui.charts import plot_pool
from trialapp.ui.charts.plot_pool import PlotPool


def _counting_new_plot(monkeypatch) -> list[int]:
    made: list[int] = []
    original = plot_pool.new_plot

    def counted():
        made.append(1)
        return original()

    monkeypatch.setattr(plot_pool, "new_plot", counted)
    return made


def test_the_pool_makes_one_plot_per_turn_until_it_holds_its_target(qtbot, monkeypatch) -> None:
    made = _counting_new_plot(monkeypatch)
    pool = PlotPool(target=3)
    pool.fill()
    assert pool.ready == 0 and made == []  # nothing in the turn that asked
    qtbot.waitUntil(lambda: pool.ready == 3, timeout=5_000)
    assert len(made) == 3
    taken = pool.take()
    try:
        assert pool.ready == 2 and len(made) == 3  # a ready one, not a new one
        qtbot.waitUntil(lambda: pool.ready == 3, timeout=5_000)  # made up again afterwards
        assert len(made) == 4
        assert taken.scene() is None  # out of the pool's scene, ready for a chart's layout
    finally:
        shiboken6.delete(taken)
        shiboken6.delete(pool)


def test_an_empty_pool_makes_a_plot_at_once(qtbot, monkeypatch) -> None:
    made = _counting_new_plot(monkeypatch)
    pool = PlotPool(target=2)
    plot = pool.take()
    try:
        assert made == [1] and plot.scene() is None
    finally:
        shiboken6.delete(plot)
        shiboken6.delete(pool)


def test_the_ready_plots_are_deleted_with_the_pool(qtbot) -> None:
    pool = PlotPool(target=2)
    pool.fill()
    qtbot.waitUntil(lambda: pool.ready == 2, timeout=5_000)
    plots = list(pool._ready)
    shiboken6.delete(pool)
    assert not any(shiboken6.isValid(p) for p in plots)


def test_the_vitals_chart_shown_after_another_draws_in_plots_made_meanwhile(
    qtbot, monkeypatch, demo_documents  # noqa: F811
) -> None:
    from trialapp.ui.charts.panel import ChartPanel

    panel = ChartPanel(theme="light")
    qtbot.addWidget(panel)
    document = demo_documents["demo_responder.json"]
    panel.set_trial(document)  # the tone chart: then plots are made in idle turns
    pool = panel._plots
    qtbot.waitUntil(lambda: pool.ready == pool.target, timeout=10_000)
    made = _counting_new_plot(monkeypatch)
    panel.set_kind("vitals")
    panels = len(panel.view.plots)
    assert panels >= 4
    assert made == [] and pool.ready == pool.target - panels  # every plot came from the pool
    # The same drawing as a view that made its own plots.
    from trialapp.ui.charts.plots import make_view

    fresh = make_view(build_chart(document, "vitals", day=panel.day_box.currentData()), panel.theme)
    qtbot.addWidget(fresh)
    panel.resize(QSize(900, 1100))
    panel.show()
    qtbot.waitExposed(panel)
    assert drawing(settled(qtbot, panel.view)) == drawing(laid_out_as(qtbot, fresh, panel.view.size()))
