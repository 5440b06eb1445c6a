"""Charts never hide their data (issue 20 item 6): label columns fit the longest label, hour ticks at whole
hours, the threshold named without covering points, an 8 h mark past 8 h, and — from the scene of every
chart kind of every demo and test trial — no text over a data point or over another text, none clipped."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetrics

from tests.ui import test_charts
from tests.ui.test_charts import MISSING_CASES, _all, _assessment, _day, _document, _view
from trialapp.domain.chart_series import build_chart
from trialapp.ui.charts.plots import chart_kind

KINDS = ("tone", "muscles", "rom", "vitals", "dose-response")
DEMOS = ("demo_responder.json", "demo_nonresponder.json", "demo_small_child.json")
demo_documents = test_charts.demo_documents  # the fixture: the demo trials as the app stores them


def _late_document():
    """A day reassessed at 6 h 19 min and past 8 h."""
    return _document(
        [
            _day(
                1,
                50,
                [
                    _assessment("baseline", 8, 30, _all("2")),
                    _assessment("reassessment", 13, 0, _all("1")),
                    _assessment("reassessment", 15, 19, _all("1")),
                    _assessment("reassessment", 18, 30, _all("2")),
                ],
            ),
            _day(
                2,
                75,
                [
                    _assessment("baseline", 8, 30, _all("2"), day=2),
                    _assessment("reassessment", 13, 0, _all("1"), day=2),
                ],
            ),
        ]
    )


def _ticks(plot: pg.PlotItem, axis: str = "bottom") -> list[float]:
    ticks = plot.getAxis(axis)._tickLevels
    return [value for level in ticks or [] for value, _ in level]


def test_hour_ticks_are_whole_hours_after_a_reassessment_at_6_h_19_min(qtbot) -> None:
    for kind in ("tone", "vitals"):
        view = _view(qtbot, build_chart(_late_document(), kind))
        for plot in view.plots.values():
            ticks = _ticks(plot)
            assert ticks and all(float(t).is_integer() for t in ticks), (kind, ticks)


def test_a_day_past_8_hours_has_an_8_hour_line(qtbot) -> None:
    view = _view(qtbot, build_chart(_late_document(), "tone"))
    plot = view.plots["tone"]
    verticals = [i for i in plot.items if isinstance(i, pg.InfiniteLine) and i.angle == 90]
    assert [line.value() for line in verticals] == [8.0]
    short = _view(qtbot, build_chart(_document([MISSING_CASES["single day"][0][0]]), "tone"))
    assert not [i for i in short.plots["tone"].items if isinstance(i, pg.InfiniteLine) and i.angle == 90]


@pytest.mark.parametrize("name", DEMOS)
def test_row_label_columns_hold_the_longest_label(qtbot, demo_documents, name) -> None:
    doc = demo_documents[name]
    for kind, key in (("muscles", "muscles"), ("dose-response", "effect")):
        view = _shown(qtbot, _view(qtbot, build_chart(doc, kind)))
        axis = view.plots[key].getAxis("left")
        metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
        labels = [text for level in axis._tickLevels or [] for _, text in level]
        assert labels
        assert axis.width() >= max(metrics.horizontalAdvance(t) for t in labels), (kind, labels)


def test_dose_response_names_the_threshold_in_the_notes_not_over_the_points(qtbot, demo_documents) -> None:
    view = _view(qtbot, build_chart(demo_documents["demo_responder.json"], "dose-response"))
    texts = [i.toPlainText() for i in view.plots["dose"].items if isinstance(i, pg.TextItem)]
    assert not [t for t in texts if t.startswith("Response")]
    assert "Dashed line: the response threshold (reduction ≥ 1.0)" in view.notes_text


# ------------------------------------------------------------------------------------- the scene


def _scene_rect(item: pg.TextItem) -> QRectF:
    return item.mapRectToScene(item.boundingRect())


def _points(plot: pg.PlotItem) -> list[QPointF]:
    vb = plot.getViewBox()
    points = []
    for item in plot.items:
        scatter = item.scatter if isinstance(item, pg.PlotDataItem) else item
        if isinstance(scatter, pg.ScatterPlotItem) and scatter.isVisible():
            for x, y in zip(scatter.data["x"], scatter.data["y"], strict=True):
                points.append(vb.mapViewToScene(QPointF(float(x), float(y))))
    return points


def _shown(qtbot, view):
    """The view on screen and laid out: axis widths and positions settle only then."""
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(30)
    return view


def _problems(view) -> list[str]:
    problems = []
    for key, plot in view.plots.items():
        vb_rect = plot.getViewBox().sceneBoundingRect()
        texts = [i for i in plot.items if isinstance(i, pg.TextItem) and i.isVisible() and i.toPlainText()]
        rects = [(t.toPlainText(), _scene_rect(t)) for t in texts]
        for text, rect in rects:
            if not vb_rect.adjusted(-1, -1, 1, 1).contains(rect):
                problems.append(f"{key}: '{text}' clipped")
            for point in _points(plot):
                if rect.adjusted(2, 2, -2, -2).contains(point):
                    problems.append(f"{key}: '{text}' over a point")
        for (a, ra), (b, rb) in itertools.combinations(rects, 2):
            if ra.adjusted(1, 1, -1, -1).intersects(rb.adjusted(1, 1, -1, -1)):
                problems.append(f"{key}: '{a}' over '{b}'")
    return problems


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", DEMOS)
def test_no_text_over_a_point_or_another_text_and_none_clipped_in_the_demos(
    qtbot,
    demo_documents,
    name,
    kind,
) -> None:
    view = _view(qtbot, build_chart(demo_documents[name], kind))
    assert _problems(_shown(qtbot, view)) == []


# ------------------------------------------------------------------------------- the smallest size


def _visible_rect(view) -> QRectF:
    """The part of the scene the chart's plot area shows."""
    return view.graphics.mapToScene(view.graphics.viewport().rect()).boundingRect()


def _layout_problems(view) -> list[str]:
    """Title, headline, plots and notes apart; plots, axis titles and legends whole inside the view."""
    problems = []
    widgets = [w for w in (view.title_label, view.headline_label, view.graphics, view.notes_label) if w.isVisible()]
    for w in widgets:
        if not view.rect().contains(w.geometry()):
            problems.append(f"{w.objectName() or type(w).__name__} outside the chart")
    for a, b in itertools.combinations(widgets, 2):
        if a.geometry().intersects(b.geometry()):
            problems.append(f"{type(a).__name__} over {type(b).__name__}")
    shown = _visible_rect(view).adjusted(-1, -1, 1, 1)
    legends = [item for item in view.graphics.ci.items if isinstance(item, pg.LegendItem)]
    for key, plot in view.plots.items():
        if not shown.contains(plot.sceneBoundingRect()):
            problems.append(f"{key}: plot cut by the chart's edge")
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            if not (axis.isVisible() and axis.label.isVisible() and axis.labelText):
                continue
            label = axis.label.mapRectToScene(axis.label.boundingRect())
            along = axis.sceneBoundingRect().adjusted(-2, -2, 2, 2)
            if not shown.contains(label) or not (
                along.top() <= label.top() and label.bottom() <= along.bottom()
                if name == "left"
                else along.left() <= label.left() and label.right() <= along.right()
            ):
                problems.append(f"{key}: axis title '{axis.labelText}' cut")
        for legend in legends:
            if legend.sceneBoundingRect().intersects(plot.vb.sceneBoundingRect()):
                problems.append(f"{key}: legend over the plot")
    for legend in legends:
        for _sample, label in legend.items:
            rect = label.sceneBoundingRect()
            if not shown.contains(rect):
                problems.append(f"legend '{label.text}' cut")
    return problems


def _smallest(qtbot, chart):
    from trialapp.ui.charts.plots import MIN_SIZES

    view = _view(qtbot, chart)
    view.resize(*MIN_SIZES[chart_kind(chart)])
    view = _shown(qtbot, view)
    view.grab()  # a paint places the labels
    return view


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", [*DEMOS, *MISSING_CASES, "late"])
def test_at_the_smallest_size_nothing_is_cut_and_nothing_overlaps(qtbot, demo_documents, case, kind) -> None:
    """At MIN_SIZES (the tone chart at 460 px high, as on a 1366×768 laptop): title, headline, plot and
    notes apart; no axis title, legend row or plot cut; and, except the tone chart's peak labels (which
    may touch another day's point when three days peak close together, see docs/charts.md), no text over
    a point or another text."""
    if case in DEMOS:
        doc = demo_documents[case]
    else:
        doc = _late_document() if case == "late" else _document(MISSING_CASES[case][0])
    view = _smallest(qtbot, build_chart(doc, kind))
    assert _layout_problems(view) == []
    problems = _problems(view)
    if kind == "tone":
        problems = [p for p in problems if not (" peak " in p and p.endswith("over a point"))]
    assert problems == []


def test_a_long_axis_title_breaks_onto_lines_at_the_smallest_size(qtbot, demo_documents) -> None:
    view = _smallest(qtbot, build_chart(demo_documents["demo_responder.json"], "tone"))
    axis = view.plots["tone"].getAxis("left")
    assert axis.labelText.replace("<br>", " ") == "Reduction in mean MAS"
    assert "<br>" in axis.labelText  # 'Reduction in mean MA' was cut at this height
    wide = _view(qtbot, build_chart(demo_documents["demo_responder.json"], "tone"))
    assert _shown(qtbot, wide).plots["tone"].getAxis("left").labelText == "Reduction in mean MAS"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", [*MISSING_CASES, "late"])
def test_no_text_over_a_point_or_another_text_and_none_clipped_in_the_test_trials(qtbot, case, kind) -> None:
    doc = _late_document() if case == "late" else _document(MISSING_CASES[case][0])
    view = _view(qtbot, build_chart(doc, kind))
    assert _problems(_shown(qtbot, view)) == []
