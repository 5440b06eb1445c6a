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
from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import MasEntry, TrialDocument
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
    widgets = [
        w for w in (view.title_label, view.headline_label, view.graphics, view.notes_label) if w.isVisible()
    ]
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
    notes apart; no axis title, legend row or plot cut; no text over a point or another text."""
    if case in DEMOS:
        doc = demo_documents[case]
    else:
        doc = _late_document() if case == "late" else _document(MISSING_CASES[case][0])
    view = _smallest(qtbot, build_chart(doc, kind))
    assert _layout_problems(view) == []
    assert _problems(view) == []


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


# ------------------------------------------------------------------ peaks close together, peaks at the edges


def _drop(reduction: float) -> tuple[MasEntry, ...]:
    """Every muscle-side of the lower limbs graded so that the mean falls by ``reduction`` from a baseline
    of 3 (in sixteenths: one grade less on one muscle-side)."""
    left = round(reduction * len(LOWER_MUSCLES) * len(SIDES))
    grades = []
    for _ in range(len(LOWER_MUSCLES) * len(SIDES)):
        step = min(left, 3)
        grades.append(str(3 - step))
        left -= step
    sides = [(m, s) for m in LOWER_MUSCLES for s in SIDES]
    return tuple(MasEntry(m, s, g) for (m, s), g in zip(sides, grades, strict=True))


def _peaks_document(days: list[list[tuple[int, int, float]]]) -> TrialDocument:
    """One day per list of (hours, minutes after the 09:00 dose, reduction) reassessments, each day dosed
    25 mcg more than the one before, from a baseline of MAS 3 everywhere."""
    built = []
    for number, points in enumerate(days, start=1):
        assessments = [_assessment("baseline", 8, 30, _all("3"), day=number)]
        for hours, minutes, reduction in points:
            assessments.append(_assessment("reassessment", 9 + hours, minutes, _drop(reduction), day=number))
        built.append(_day(number, 25 + 25 * number, assessments))
    return _document(built)


def _around(peak: tuple[int, int, float]) -> list[tuple[int, int, float]]:
    """A day's reassessments at 1, 2, 4, 6 and 8 h with ``peak`` among them: lower everywhere else."""
    hours, _minutes, value = peak
    others = [(h, 0, round(value * f, 4)) for h, f in ((1, 0.4), (2, 0.6), (4, 0.7), (6, 0.5), (8, 0.3))]
    return sorted([*(o for o in others if o[0] != hours), peak])


PEAK_CASES = {
    # Several days peaking at about the same time and reduction: the case left open at the smallest size.
    "2 days at 2 h": [_around((2, 0, 1.5)), _around((2, 0, 1.4375))],
    "3 days at 2 h": [_around((2, 0, 1.5)), _around((2, 0, 1.4375)), _around((2, 0, 1.375))],
    "2 h and 2 h 10 min": [_around((2, 0, 1.5)), _around((2, 10, 1.5)), _around((2, 0, 1.375))],
    "same peak at 2 h": [_around((2, 0, 1.25)), _around((2, 0, 1.25)), _around((4, 0, 1.1875))],
    # The edges of the plot: a peak at the first or the last hour, or at the top of the axis.
    "peak at the first hour": [_around((1, 0, 1.5)), _around((1, 0, 1.4375))],
    "peak at the last hour": [_around((8, 0, 1.5)), _around((8, 0, 1.4375)), _around((6, 0, 1.375))],
    "peak at the top": [_around((4, 0, 3.0)), _around((4, 0, 2.9375)), _around((2, 0, 0.5))],
    "peaks far apart": [_around((1, 0, 1.5)), _around((8, 0, 1.5)), _around((4, 0, 0.25))],
}


def _marker_rects(plot: pg.PlotItem) -> list[tuple[str, QRectF]]:
    """Every drawn marker (line points, ★) as its box on screen: its symbol's size around its centre."""
    vb = plot.getViewBox()
    rects = []
    for item in plot.items:
        scatter = item.scatter if isinstance(item, pg.PlotDataItem) else item
        if not (isinstance(scatter, pg.ScatterPlotItem) and scatter.isVisible()):
            continue
        for x, y, size in zip(scatter.data["x"], scatter.data["y"], scatter.data["size"], strict=True):
            side = float(size if size > 0 else scatter.opts["size"])
            centre = vb.mapViewToScene(QPointF(float(x), float(y)))
            rects.append(
                (
                    f"marker at {x:.2f}, {y:.2f}",
                    QRectF(centre.x() - side / 2, centre.y() - side / 2, side, side),
                )
            )
    return rects


def _touching(view, key: str, labels) -> list[str]:
    """``labels`` (text items of plot ``key``) touching a marker's box or another text, or clipped."""
    plot = view.plots[key]
    area = plot.getViewBox().sceneBoundingRect().adjusted(-1, -1, 1, 1)
    texts = [i for i in plot.items if isinstance(i, pg.TextItem) and i.isVisible() and i.toPlainText()]
    problems = []
    for label in labels:
        rect = _scene_rect(label).adjusted(1, 1, -1, -1)
        name = label.toPlainText().replace("\n", " / ")
        if not area.contains(rect):
            problems.append(f"'{name}' clipped")
        problems += [
            f"'{name}' touches the {what}" for what, box in _marker_rects(plot) if rect.intersects(box)
        ]
        problems += [
            f"'{name}' over '{other.toPlainText()}'"
            for other in texts
            if other is not label and rect.intersects(_scene_rect(other).adjusted(1, 1, -1, -1))
        ]
    return problems


def _peak_texts(view) -> list[pg.TextItem]:
    plot = view.plots["tone"]
    return [
        i for i in plot.items if isinstance(i, pg.TextItem) and i.isVisible() and " peak" in i.toPlainText()
    ]


@pytest.mark.parametrize("smallest", [True, False], ids=["smallest", "normal"])
@pytest.mark.parametrize("mode", ["reduction", "absolute"])
@pytest.mark.parametrize("case", PEAK_CASES)
def test_peak_labels_touch_no_marker_and_no_text_when_peaks_are_close_or_at_the_edges(
    qtbot, case, mode, smallest
) -> None:
    chart = build_chart(_peaks_document(PEAK_CASES[case]), "tone", mode=mode)
    view = _smallest(qtbot, chart) if smallest else _shown(qtbot, _view(qtbot, chart))
    labels = _peak_texts(view)
    said = "\n".join(label.toPlainText() for label in labels)
    legend = {
        label.text.split(" ·")[0]: label.text for row in view._legend_rows.values() for _s, label in row.items
    }
    for n in range(1, len(PEAK_CASES[case]) + 1):
        # Each day's peak is named on the plot; at the smallest size, where a label may find no room clear
        # of the points, it is named in the day's legend row.
        assert f"Day {n} " in said or (smallest and "peak " in legend[f"Day {n}"]), (n, said)
    assert _touching(view, "tone", labels) == []
    assert _problems(view) == []


@pytest.mark.parametrize("mode", ["reduction", "absolute"])
@pytest.mark.parametrize("name", DEMOS)
def test_demo_peak_labels_touch_no_marker_at_the_smallest_size(qtbot, demo_documents, name, mode) -> None:
    view = _smallest(qtbot, build_chart(demo_documents[name], "tone", mode=mode))
    assert _touching(view, "tone", _peak_texts(view)) == []


@pytest.mark.parametrize("smallest", [True, False], ids=["smallest", "normal"])
@pytest.mark.parametrize("case", [*DEMOS, "late", "3 days at 2 h", "peak at the first hour"])
def test_a_star_of_the_effect_panel_touches_no_words(qtbot, demo_documents, case, smallest) -> None:
    """The ★ of each day's peak on the effect panel stays clear of its own row's words (and every other's)."""
    if case in DEMOS:
        doc = demo_documents[case]
    else:
        doc = _late_document() if case == "late" else _peaks_document(PEAK_CASES[case])
    chart = build_chart(doc, "dose-response")
    view = _smallest(qtbot, chart) if smallest else _shown(qtbot, _view(qtbot, chart))
    plot = view.plots["effect"]
    words = [i for i in plot.items if isinstance(i, pg.TextItem) and i.isVisible() and i.toPlainText()]
    assert words
    assert _touching(view, "effect", words) == []
