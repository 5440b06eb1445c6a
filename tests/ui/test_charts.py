"""The drawn charts (pyqtgraph): the plotted points are the R3/R4 numbers, gaps and empty trials draw and
say what is missing, the panel follows its options and updates, and exports are real images.

The demo trials go through the database (import → load_document), as the workspace will load them.
Expected values come from the summary (the rule functions), never from the chart code.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSize

from tests.ui.chart_helpers import drawing as _drawing
from tests.ui.chart_helpers import laid_out_as
from trialapp.domain.chart_series import build_chart, tone_chart
from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import (
    Assessment,
    Catheter,
    Day,
    Dose,
    MasEntry,
    Patient,
    Trial,
    TrialDocument,
    Vitals,
)
from trialapp.domain.summary import summarize_trial
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.trials import import_document, load_document

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TrialDocument]:
    """The three demo trials as the app stores and loads them (one database for the module)."""
    import os

    from trialapp.services.context import open_app

    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("TRIALAPP_HOME")
    os.environ["TRIALAPP_HOME"] = str(home)
    try:
        app = open_app(tmp_path_factory.mktemp("db") / "charts.sqlite")
        try:
            ids = {
                name: import_document(app, os_actor(), load_trial_document(demo_text(name)))
                for name in demo_files()
            }
            return {name: load_document(app, os_actor(), trial_id) for name, trial_id in ids.items()}
        finally:
            app.close()
    finally:
        if old is None:
            os.environ.pop("TRIALAPP_HOME", None)
        else:
            os.environ["TRIALAPP_HOME"] = old


def _view(qtbot, chart, theme: str = "light"):
    from trialapp.ui.charts.plots import make_view
    from trialapp.ui.charts.theme import theme_named

    view = make_view(chart, theme_named(theme))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    return view


def _xy(item) -> tuple[list[float], list[float]]:
    x, y = item.getData()
    return [float(v) for v in x], [float(v) for v in y]


# ------------------------------------------------------------------------------------- plotted values


@pytest.mark.parametrize("name", ["demo_responder.json", "demo_nonresponder.json", "demo_small_child.json"])
def test_tone_lines_are_the_r3_reductions_and_peaks_the_r4_peaks(qtbot, demo_documents, name) -> None:
    doc = demo_documents[name]
    summary = summarize_trial(doc.trial)
    view = _view(qtbot, tone_chart(doc))
    for response in summary.days:
        label = f"Day {response.day} · {response.dose_mcg} mcg"
        x, y = _xy(view.lines[label])
        assert x == [0.0, *(c.hours for c in response.reassessments)]
        assert y == pytest.approx([0.0, *(c.reduction for c in response.reassessments)])
        peak_x, peak_y = _xy(view.peaks[label])
        assert (peak_x, peak_y) == ([response.peak_hours], [pytest.approx(response.peak_reduction)])


def _peak_labels(qtbot, chart) -> tuple[object, object, list]:
    """The chart drawn at the smallest size the workspace may give it (the kind's minimum), painted: the
    view (keep it: the labels go with it), its plot area in scene coordinates and its peak labels."""
    import pyqtgraph as pg

    from trialapp.ui.charts.plots import MIN_SIZES

    view = _view(qtbot, chart)
    view.resize(*MIN_SIZES["tone"])
    view.show()
    qtbot.waitExposed(view)
    view.grab()  # a paint places the labels (they keep their size in pixels whatever the scale)
    plot = next(iter(view.plots.values()))
    labels = [
        item
        for item in plot.vb.addedItems
        if isinstance(item, pg.TextItem) and item.isVisible() and " peak" in item.toPlainText()
    ]
    return view, plot.vb.sceneBoundingRect(), labels


def _assert_labels_fit_apart(area, labels) -> None:
    boxes = [(label.toPlainText(), label.mapRectToScene(label.boundingRect())) for label in labels]
    for text, box in boxes:
        assert area.left() <= box.left() and box.right() <= area.right(), text
        assert area.top() <= box.top() and box.bottom() <= area.bottom(), text
    for i, (text, box) in enumerate(boxes):
        for other_text, other in boxes[i + 1 :]:
            assert not box.intersects(other), (text, other_text)


@pytest.mark.parametrize("name", ["demo_responder.json", "demo_nonresponder.json", "demo_small_child.json"])
@pytest.mark.parametrize("mode", ["reduction", "absolute"])
def test_peak_labels_stay_inside_the_plot_at_the_smallest_size(qtbot, demo_documents, name, mode) -> None:
    """At the size the workspace may give it, no peak label runs off the plot or over another."""
    _view_kept, area, labels = _peak_labels(qtbot, build_chart(demo_documents[name], "tone", mode=mode))
    assert labels, "every demo trial has a peak to label"
    _assert_labels_fit_apart(area, labels)


@pytest.mark.parametrize("mode", ["reduction", "absolute"])
def test_peaks_of_the_same_height_at_different_hours_get_labels_apart(qtbot, demo_documents, mode) -> None:
    """Day 1 peaking at 4 h and day 2 at 1 h with the same value (the workspace guide's picture): both
    peaks are labelled, inside the plot, and no label over another."""
    chart = build_chart(demo_documents["demo_nonresponder.json"], "tone", mode=mode)
    first, second = chart.days[0], chart.days[1]
    value = max(v for v in first.values if v is not None) if mode == "reduction" else first.peak_value
    days = (
        replace(first, peak_hours=4.0, peak_value=value),
        replace(second, peak_hours=1.0, peak_value=value),
        *chart.days[2:],
    )
    _view_kept, area, labels = _peak_labels(qtbot, replace(chart, days=days))
    said = "\n".join(label.toPlainText() for label in labels)
    assert "Day 1 peak" in said and "Day 2 peak" in said and "at 1 h" in said and "at 4 h" in said
    _assert_labels_fit_apart(area, labels)


def test_responder_day2_reads_as_the_story_in_the_demo_readme(qtbot, demo_documents) -> None:
    # demo/README.md, worked by hand: 0.5 / 0.75 / 1.25 / 1.0 / 0.5 at 1 / 2 / 4 / 6 / 8 h.
    view = _view(qtbot, tone_chart(demo_documents["demo_responder.json"]))
    x, y = _xy(view.lines["Day 2 · 75 mcg"])
    assert x == [0, 1, 2, 4, 6, 8]
    assert y == pytest.approx([0, 0.5, 0.75, 1.25, 1.0, 0.5])
    assert view.headline_text.startswith("Day 2 · 75 mcg worked: peak reduction 1.25 at 4 h")


def test_hover_gives_the_exact_value_with_its_time(qtbot, demo_documents) -> None:
    view = _view(qtbot, tone_chart(demo_documents["demo_responder.json"]))
    scatter = view.lines["Day 2 · 75 mcg"].scatter
    assert scatter.opts["hoverable"]
    tips = [scatter.opts["tip"](x=p.pos().x(), y=p.pos().y(), data=p.data()) for p in scatter.points()]
    # The 4 h point was the 13:00 reassessment (dose at 09:00).
    four = next(t for t in tips if "13:00" in t)
    assert "4 h after the dose" in four and "reduction 1.25" in four


def test_dose_response_points_are_each_days_peak(qtbot, demo_documents) -> None:
    doc = demo_documents["demo_nonresponder.json"]
    summary = summarize_trial(doc.trial)
    view = _view(qtbot, build_chart(doc, "dose-response"))
    for response in summary.days:
        x, y = _xy(view.lines[f"Day {response.day} · {response.dose_mcg} mcg"])
        assert y == [pytest.approx(response.peak_reduction)]
        # Same-dose days sit side by side, never further than a quarter ladder step from their dose.
        assert abs(x[0] - response.dose_mcg) < 25 / 4
    assert "no response to 100 mcg" in view.notes_text


def test_effect_bars_end_at_the_r4_effect_hours(qtbot, demo_documents) -> None:
    doc = demo_documents["demo_responder.json"]
    view = _view(qtbot, build_chart(doc, "dose-response"))
    for response in summarize_trial(doc.trial).days:
        key = f"effect:Day {response.day} · {response.dose_mcg} mcg"
        if response.effect_hours is None:
            assert key not in view.lines
        else:
            assert list(view.lines[key].opts["x1"]) == [response.effect_hours]


def test_muscle_grid_cells_show_grades_and_nt(qtbot, demo_documents) -> None:
    doc = demo_documents["demo_responder.json"]
    grid = build_chart(doc, "muscles", day=2)
    view = _view(qtbot, grid)
    rows = {(r.muscle, r.side): i for i, r in enumerate(grid.rows)}
    day2 = next(d for d in doc.trial.days if d.day == 2)
    baseline = next(a for a in day2.assessments if a.kind == "baseline")
    for entry in baseline.mas:
        text = view.cells[(rows[(entry.muscle, entry.side)], 0)].text.toPlainText()
        assert text == entry.grade
    nt = view.cells[(rows[("hip_extensors", "left")], 3)]
    assert nt.text.toPlainText() == "NT" and "NT (not tested)" in nt.rect.toolTip()
    assert "Not tested (NT) at any time point: Hip extensors left, Hip extensors right." in view.notes_text


def test_vital_alerts_are_marked_on_their_sign(qtbot) -> None:
    day = _day(
        1,
        50,
        [
            _assessment("baseline", 8, 30, _all("2"), Vitals(hr=96, rr=20, spo2=98, sbp=102, dbp=64), 0),
            _assessment("reassessment", 11, 0, _all("1"), Vitals(hr=90, rr=9, spo2=88, sbp=100, dbp=60), 1),
        ],
    )
    view = _view(qtbot, build_chart(_document([day]), "vitals"))
    assert _xy(view.alerts["rr"]) == ([2.0], [9.0])
    assert _xy(view.alerts["spo2"]) == ([2.0], [88.0])
    assert "hr" not in view.alerts
    assert _xy(view.lines["rr:rr"]) == ([-0.5, 2.0], [20.0, 9.0])
    assert "2 alerts (2 urgent)" in view.headline_text


# -------------------------------------------------------------------------------------- missing data

FIRST = date(2026, 11, 2)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(FIRST + timedelta(days=day - 1), datetime.min.time()).replace(
        hour=hour, minute=minute
    )


def _all(grade: str) -> tuple[MasEntry, ...]:
    return tuple(MasEntry(m, s, grade) for m in LOWER_MUSCLES for s in SIDES)


def _assessment(kind, hour, minute, mas, vitals=None, umss=None, day=1) -> Assessment:
    return Assessment(kind=kind, at=_at(day, hour, minute), mas=mas, vitals=vitals, sedation_umss=umss)


def _day(number: int, dose_mcg: int | None, assessments: list[Assessment]) -> Day:
    doses = (
        (
            Dose(
                given_at=_at(number, 9),
                dose_mcg=dose_mcg,
                concentration_mcg_per_ml=50,
                volume_ml=dose_mcg / 50,
            ),
        )
        if dose_mcg
        else ()
    )
    return Day(
        day=number, date=FIRST + timedelta(days=number - 1), assessments=tuple(assessments), doses=doses
    )


def _document(days: list[Day]) -> TrialDocument:
    patient = Patient(mrn="SYN-0002", birth_date=date(2015, 6, 1), given_name="Syn", family_name="Thetic")
    trial = Trial(
        started_on=FIRST, catheter=Catheter(placed_at=_at(1, 7, 40), method="catheter"), days=tuple(days)
    )
    return TrialDocument(patient=patient, trial=trial)


MISSING_CASES = {
    "no reassessment": (
        [_day(1, 50, [_assessment("baseline", 8, 30, _all("2"))])],
        "no reassessment was recorded after the 50 mcg dose",
    ),
    "all not tested": (
        [
            _day(
                1,
                50,
                [_assessment("baseline", 8, 30, _all("NT")), _assessment("reassessment", 10, 0, _all("NT"))],
            )
        ],
        "no muscle-side of the region was graded in both",
    ),
    "single day": (
        [
            _day(
                1,
                50,
                [_assessment("baseline", 8, 30, _all("2")), _assessment("reassessment", 11, 0, _all("1"))],
            )
        ],
        "comparing doses needs two or more days",
    ),
    "empty trial": ([], "This trial has no days recorded yet"),
}


@pytest.mark.parametrize("case", MISSING_CASES)
@pytest.mark.parametrize("kind", ["tone", "muscles", "rom", "vitals", "dose-response"])
def test_incomplete_trials_draw_without_error_and_say_what_is_missing(qtbot, case, kind) -> None:
    days, words = MISSING_CASES[case]
    chart = build_chart(_document(days), kind)
    view = _view(qtbot, chart)
    shown = view.notes_text + "\n" + view.headline_text
    assert shown.strip(), "an incomplete chart must say something"
    if kind == "dose-response" or (kind == "tone" and case != "single day"):
        assert words in shown
    if case == "empty trial":
        assert words in shown


def test_a_gap_in_a_line_is_left_out_not_drawn_as_zero(qtbot) -> None:
    day = _day(
        1,
        50,
        [
            _assessment("baseline", 8, 30, _all("2")),
            _assessment("reassessment", 10, 0, _all("1")),
            _assessment("reassessment", 11, 0, _all("NT")),
            _assessment("reassessment", 13, 0, _all("1")),
        ],
    )
    view = _view(qtbot, tone_chart(_document([day])))
    assert _xy(view.lines["Day 1 · 50 mcg"]) == ([0.0, 1.0, 4.0], [0.0, 1.0, 1.0])
    assert "no reduction at 2 h" in view.notes_text


# ---------------------------------------------------------------------------------------------- panel


def test_panel_follows_its_options_and_updates_when_an_assessment_is_saved(qtbot, demo_documents) -> None:
    from trialapp.ui.charts.panel import ChartPanel

    panel = ChartPanel()
    qtbot.addWidget(panel)
    assert panel.chart is None and not panel.png_button.isEnabled()
    doc = demo_documents["demo_responder.json"]
    panel.set_trial(doc)
    assert panel.kind == "tone" and panel.chart is not None and panel.png_button.isEnabled()
    assert not panel.day_box.isVisibleTo(panel) and panel.region_box.isVisibleTo(panel)

    panel.region_box.setCurrentIndex(panel.region_box.findData("all"))
    assert panel.chart.region == "all"
    panel.absolute_button.setChecked(True)
    assert panel.chart.mode == "absolute"

    panel.set_kind("muscles")
    assert panel.day_box.isVisibleTo(panel) and panel.chart.day == 3  # the latest day by default
    panel.day_box.setCurrentIndex(panel.day_box.findData(1))
    assert panel.chart.day == 1 and panel.day_box.currentText() == "Day 1 · 50 mcg"

    # The ward saves a reassessment on day 1 at 18:00: the same panel shows it after set_trial.
    day1 = next(d for d in doc.trial.days if d.day == 1)
    late = replace(next(a for a in day1.assessments if a.kind == "reassessment"), at=_at(1, 18))
    updated = replace(
        doc,
        trial=replace(
            doc.trial,
            days=tuple(
                replace(d, assessments=(*d.assessments, late)) if d.day == 1 else d for d in doc.trial.days
            ),
        ),
    )
    panel.set_trial(updated)
    assert panel.chart.day == 1, "the chosen day is kept"
    assert panel.chart.columns[-1] == "9 h"
    panel.set_kind("tone")
    x, _ = _xy(panel.view.lines["Day 1 · 50 mcg"])
    assert x[-1] == 9.0

    for kind in ("rom", "vitals", "dose-response"):
        panel.set_kind(kind)
        assert panel.view is not None and panel.view.kind == kind
    panel.set_theme("dark")
    assert panel.view.theme.name == "dark"
    panel.set_trial(None)
    assert panel.chart is None and not panel.svg_button.isEnabled()


def test_panel_exports_png_and_svg(qtbot, demo_documents, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from trialapp.ui.charts.panel import ChartPanel

    panel = ChartPanel()
    qtbot.addWidget(panel)
    panel.set_trial(demo_documents["demo_nonresponder.json"])  # exports name the patient by default
    png = panel.export(tmp_path / "tone.png", width_px=800)
    data = png.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert int.from_bytes(data[16:20], "big") == 800  # IHDR width
    svg = panel.export(tmp_path / "tone.svg")
    root = ET.parse(svg).getroot()
    texts = " ".join(e.text or "" for e in root.iter() if e.tag.endswith("text"))
    assert "Tone over time" in texts and "Sam Demo · MRN DEMO-0002 · born 2013-09-03" in texts
    panel.set_identification("")  # e.g. for teaching: no name or MRN
    anonymous = panel.export(tmp_path / "teaching.svg")
    assert "DEMO-0002" not in anonymous.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        panel.export(tmp_path / "tone.jpg")
    assert not (tmp_path / "tone.jpg").exists()


def test_pngs_are_drawn_at_print_resolution_with_scaled_lines(qtbot, demo_documents, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from trialapp.ui.charts.export import export_chart
    from trialapp.ui.charts.theme import LIGHT

    chart = tone_chart(demo_documents["demo_responder.json"])
    path = export_chart(chart, tmp_path / "big.png", LIGHT, width_px=2000)
    image = QImage(str(path))
    assert image.width() == 2000
    assert round(image.dotsPerMeterX() * 0.0254) == 300
    small = export_chart(chart, tmp_path / "small.png", LIGHT, width_px=1000)
    # Day 1's line and markers (Okabe–Ito blue) cover four times the pixels when the picture is twice as
    # wide: they grew with it instead of staying as thin as on screen (which would give about twice).
    ratio = _pixels_of(path, "#0072B2") / _pixels_of(small, "#0072B2")
    assert 3.4 < ratio < 4.6


def _pixels_of(path: Path, colour: str) -> int:
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(bytes(image.constBits()), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine()
    )
    rgb = rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    target = QColor(colour)
    distance = np.abs(rgb - np.array([target.red(), target.green(), target.blue()])).sum(axis=2)
    return int(np.count_nonzero(distance < 40))


def test_charts_do_not_load_pyqtgraph_when_the_app_starts() -> None:
    code = (
        "import sys; import trialapp.ui.app, trialapp.ui.main_window, trialapp.ui.charts, "
        "trialapp.ui.charts.theme; print('pyqtgraph' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


# -------------------------------------------------------------------------------------- drawn again in place


def _charts_of(doc: TrialDocument) -> list:
    charts = []
    for kind in ("tone", "muscles", "rom", "vitals", "dose-response"):
        charts.append(build_chart(doc, kind))
    charts.append(build_chart(doc, "tone", mode="absolute"))
    charts.append(build_chart(doc, "tone", region="all"))
    charts += [build_chart(doc, "muscles", day=d.day) for d in doc.trial.days]
    charts += [build_chart(doc, "vitals", day=d.day) for d in doc.trial.days]
    return charts


def test_a_chart_drawn_again_in_place_is_drawn_as_a_new_one(qtbot, demo_documents) -> None:
    """redraw() reuses a view's plots, legends and items: whatever was drawn before (another trial, fewer
    or more days, panels, cells), the result is what a new view of the same chart shows."""
    from trialapp.ui.charts.plots import chart_kind, redraw

    docs = [*demo_documents.values(), _document([]), _document([_day(1, 50, [])])]
    charts = [chart for doc in docs for chart in _charts_of(doc)]
    by_kind: dict[str, list] = {}
    for chart in charts:
        by_kind.setdefault(chart_kind(chart), []).append(chart)
    compared = 0
    for kind, same_kind in by_kind.items():
        reused = laid_out_as(qtbot, _view(qtbot, same_kind[0]), QSize(1200, 800))
        # Each chart drawn over the one before it, then over itself, in both directions. Both views are
        # laid out at the same size: labels are placed, and value ticks spaced, in pixels.
        for chart in [*same_kind[1:], *reversed(same_kind), same_kind[-1]]:
            redraw(reused, chart)
            laid_out_as(qtbot, reused, reused.size())
            new = laid_out_as(qtbot, _view(qtbot, chart), reused.size())
            assert _drawing(reused) == _drawing(new), kind
            new.close()
            compared += 1
        with pytest.raises(ValueError, match="cannot draw"):
            redraw(reused, next(c for c in charts if chart_kind(c) != kind))
    assert compared > 40


def test_an_open_panel_follows_the_app_switching_to_dark_and_back(qtbot, demo_documents) -> None:
    from PySide6.QtWidgets import QApplication

    from trialapp.ui.charts.panel import ChartPanel
    from trialapp.ui.theme import apply_theme

    app = QApplication.instance()
    saved = (app.styleSheet(), app.palette(), app.property("trialapp_theme"))  # as the other tests find it
    apply_theme("light")
    panel = ChartPanel(theme="light")
    qtbot.addWidget(panel)
    panel.set_trial(demo_documents["demo_responder.json"])
    try:
        apply_theme("dark")  # View → Dark theme while the workspace shows the chart
        QApplication.processEvents()
        assert panel.theme.name == "dark"
        assert panel.view is not None and panel.view.theme.name == "dark"
        apply_theme("light")
        QApplication.processEvents()
        assert panel.theme.name == "light"
    finally:
        app.setProperty("trialapp_theme", saved[2])
        app.setPalette(saved[1])
        app.setStyleSheet(saved[0])


# ------------------------------------------------------------------------------- a day still running


def _after_one_hour(doc: TrialDocument) -> TrialDocument:
    """Issue 17: day 1 of the responder demo with only its 1 h reassessment (0.5 < 1.0) and no plan."""
    day1 = doc.trial.days[0]
    kept = tuple(a for a in day1.assessments if a.kind == "baseline")
    first = min((a for a in day1.assessments if a.kind == "reassessment"), key=lambda a: a.at)
    day1 = replace(day1, assessments=(*kept, first), plan=None, adverse_events=())
    return replace(doc, trial=replace(doc.trial, days=(day1,), decision=None))


def test_a_provisional_day_is_so_far_in_the_legend_and_headline(qtbot, demo_documents) -> None:
    doc = _after_one_hour(demo_documents["demo_responder.json"])
    view = _view(qtbot, tone_chart(doc))
    legend = "\n".join(
        label.text.replace("<br>", " ") for row in view._legend_rows.values() for _sample, label in row.items
    )
    assert "not a responder" not in legend
    assert "results not in yet: peak 0.25 at 1 h so far" in legend
    assert "so far" in view.headline_text and "No dose reached" not in view.headline_text
    from trialapp.ui.charts.drawing import _peak_labels as peak_label_texts

    assert [label.text for label in peak_label_texts(tone_chart(doc), 0.1)] == [
        "Day 1 peak 0.25 at 1 h so far"
    ]

    view = _view(qtbot, build_chart(doc, "dose-response"))
    assert "so far" in view.headline_text
    assert "not yet, for a day whose results are not in" in view.notes_text


# ------------------------------------------------------------------------------------- honest words


@pytest.mark.parametrize("kind", ["tone", "muscles", "dose-response"])
def test_an_all_nt_day_is_said_on_screen_not_blamed_on_the_baseline(qtbot, kind) -> None:
    view = _view(qtbot, build_chart(_document(MISSING_CASES["all not tested"][0]), kind))
    assert view.headline_text.startswith("Day 1 · 50 mcg: every grade was not tested (NT)")
    assert "needs a baseline" not in view.headline_text


def test_the_vitals_legend_names_the_range_in_words_not_a_rule_number(qtbot, demo_documents) -> None:
    view = _view(qtbot, build_chart(demo_documents["demo_small_child.json"], "vitals", day=2))
    assert "■ no alert in this range for the child’s age" in view.notes_text
    assert "R9" not in view.notes_text and "RULES.md" not in view.notes_text
    # Day 2: moderate drowsiness (significant) drawn on the chart, every reading inside the limits.
    assert "within the limits" not in view.headline_text
    assert "drowsiness (moderate) at 11:15, significant" in view.headline_text


def test_a_late_effect_reads_in_hours_and_minutes_in_the_legend(qtbot) -> None:
    from tests.ui.test_chart_layout import _late_document

    view = _view(qtbot, build_chart(_late_document(), "tone"))
    legend = "\n".join(
        label.text.replace("<br>", " ") for row in view._legend_rows.values() for _sample, label in row.items
    )
    assert "effect to 6 h 19 min" in legend and "6.32" not in legend
    assert "effect lasted to 6 h 19 min" in view.headline_text
