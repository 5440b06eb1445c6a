"""Dose response across days: the peak reduction of each day against its dose."""

from __future__ import annotations

from itertools import pairwise

import pyqtgraph as pg

from trialapp.domain.chart_series import (
    DoseResponseChart,
)
from trialapp.domain.response import format_score
from trialapp.ui.charts.drawing import (
    _colour,
    _day_style,
    _label_width,
    _line,
    _markers,
    _new_plot,
    _series_item,
    _spaced_ticks,
    _text,
    _zone,
)
from trialapp.ui.charts.label_place import Label, keep_placed
from trialapp.ui.charts.theme import day_symbol
from trialapp.ui.charts.view import ChartView


def draw_dose_response(view: ChartView, chart: DoseResponseChart) -> None:
    theme = view.theme
    plot = _new_plot(view, "dose", 0, chart.x_label, chart.y_label)
    judged = [p for p in chart.points if p.peak_reduction is not None]
    doses = [p.dose_mcg for p in chart.points] or list(chart.ladder_mcg) or [50, 100]
    ladder = sorted({*chart.ladder_mcg, *doses})
    step = min((b - a for a, b in pairwise(ladder)), default=25)
    peaks = [p.peak_reduction for p in judged if p.peak_reduction is not None]
    top = max([*peaks, chart.threshold]) + 0.5
    _zone(view, plot, chart.threshold, top, pg.mkBrush(_colour(theme.zone, theme.zone_alpha)))
    _line(view, plot, chart.threshold, 0, view.pen(theme.threshold, 2.0, "dash"))
    _line(view, plot, 0.0, 0, view.pen(theme.muted, 1.5))
    x_low, x_high = min(ladder) - step * 0.8, max(ladder) + step * 0.8
    # The threshold line is named in the notes, not on the plot, where its words sat on the points.

    # Days with the same dose sit side by side around it, so none hides another.
    by_dose: dict[int, list[int]] = {}
    for p in judged:
        by_dose.setdefault(p.dose_mcg, []).append(p.day)
    offset_step = step * 0.3
    day_labels: list[list[Label]] = []
    for order, point in enumerate(judged):
        assert point.peak_reduction is not None
        same = by_dose[point.dose_mcg]
        x = point.dose_mcg + (same.index(point.day) - (len(same) - 1) / 2) * offset_step
        index = _day_style(point.day)
        colour = theme.day_colour(index)
        item = _series_item(
            view,
            plot,
            order,
            [x],
            [point.peak_reduction],
            [point.detail],
            colour=colour,
            width=0,
            dash="solid",
            symbol=day_symbol(index),
            size=view.px(24),
            name=point.label,
            hollow=point.responder is False,
        )
        item.setPen(None)
        # Under its point where there is room, else beside it, clear of the other points and labels.
        item = _text(
            view, plot, f"Day {point.day}", x, point.peak_reduction, (0.5, 0.0), colour=colour, bold=True
        )
        day_labels.append([Label(item, (x, point.peak_reduction), (), view.px(12), below=True)])
    plot.setXRange(x_low, x_high, padding=0)
    low = min([*peaks, 0.0]) - 0.25
    plot.setYRange(low, top, padding=0)
    keep_placed(
        plot,
        day_labels,
        view.px(2),
        lambda height: _spaced_ticks(plot, low, top, 0.25 if top <= 2.5 else 0.5, height, theme.tick_px),
    )
    plot.getAxis("bottom").setTicks([[(d, f"{d} mcg") for d in ladder]])

    # Effect over time: one row per dosed day.
    effect = _new_plot(
        view,
        "effect",
        1,
        chart.effect_label,
        "",
        # Short: a plot title is never narrower than its words, and a long one pushed the panel past the
        # chart's right edge at the smallest width (the bar and the ★ are explained in the notes).
        title="How long the effect lasted",
    )
    effect.invertY(True)
    effect.showGrid(x=True, y=False, alpha=theme.grid_alpha)
    rows = chart.points
    left = effect.getAxis("left")
    left.setWidth(_label_width(theme, [p.label for p in rows]))
    left.setTicks([[(r, p.label) for r, p in enumerate(rows)]])
    left.setStyle(tickLength=0)
    _line(view, effect, 8.0, 90, view.pen(theme.muted, 1.5, "dash"))
    end = chart.last_hours
    star_size = view.px(20)
    lift = star_size / 2 + view.px(2)  # half a ★ and a gap
    for r, point in enumerate(rows):
        index = _day_style(point.day)
        colour = theme.day_colour(index)
        # The observed span of the day, faint, so a short effect reads against what was watched.
        view.place(effect, "span", pg.PlotDataItem([0, end], [r, r], pen=view.pen(theme.muted, 1.0, "dot")))
        if point.effect_hours is not None:
            bar = pg.BarGraphItem(
                x0=[0.0],
                x1=[point.effect_hours],
                y=[r],
                height=0.36,
                brush=pg.mkBrush(_colour(colour, 150)),
                pen=view.pen(colour, 1.5),
            )
            view.place(effect, "bar", bar)
            view.lines[f"effect:{point.label}"] = bar
            if point.effect_censored:
                view.place(
                    effect,
                    "arrow",
                    pg.ArrowItem(
                        pos=(point.effect_hours, r),
                        angle=180,
                        headLen=view.px(18),
                        brush=pg.mkBrush(colour),
                        pen=pg.mkPen(None),
                    ),
                )
        if point.peak_hours is not None:
            star = _markers(
                view,
                effect,
                "star",
                60,  # above the row labels, which may reach it in a short panel
                x=[point.peak_hours],
                y=[r],
                symbol="star",
                size=star_size,
                brush=pg.mkBrush(colour if point.responder else theme.background),
                pen=view.pen(colour if not point.responder else theme.foreground, 2.0),
                data=[point.detail],
            )
            view.peaks[point.label] = star
        if point.responder:
            text = point.summary
        elif point.responder is False:
            # A day still running has no verdict yet (RULES.md "Results while a day is still running").
            text = f"{'results not in yet' if point.provisional else 'no response'}: {point.summary}"
        else:
            text = "not judged"
        # Above the row, from the dose: the words stay with their row at any width. Their foot is half a ★
        # and a little above the row's middle, in pixels (a height in rows put the ★ on the words of a
        # short panel).
        words = _text(view, effect, text, 0.0, r, (0.0, 1.0), colour=theme.foreground)
        words_height = max(words.boundingRect().height(), 1.0)
        words.setAnchor((0.0, 1.0 + lift / words_height))
    # Each row as tall as its words and a ★ above and below them, whatever the chart's height (the panel
    # takes the height from the dose plot above), with room above the first row for its words.
    pitch = words_height + 2 * lift + view.px(2) if rows else 0.0
    above = (lift + words_height + view.px(2)) / pitch if rows else 1.15
    effect.setYRange(-above, max(len(rows), 1) - 0.6, padding=0)
    title = max(30.0, effect.titleLabel.item.boundingRect().height())
    effect.setMinimumHeight(pitch * (len(rows) - 0.6 + above) + title + view.px(52) if rows else 0.0)
    effect.setXRange(-0.2, end + 0.6, padding=0)
    effect.getAxis("bottom").setTicks([[(h, str(h)) for h in range(0, int(end) + 1, 1 if end <= 10 else 2)]])
    view.graphics.ci.layout.setRowStretchFactor(0, 3)
    view.graphics.ci.layout.setRowStretchFactor(1, 2)
    markers = "Filled marker: responder day; hollow: not a responder"
    if any(point.provisional for point in chart.points):
        markers += " (or not yet, for a day whose results are not in: its label says so far)"
    notes = [
        f"{chart.subtitle}. {markers}.",
        f"Dashed line: the response threshold (reduction ≥ {format_score(chart.threshold)}); shaded above it.",
        "Bar: from the dose to the last reassessment with a reduction at or above the threshold"
        " (an arrow: still there at the last reassessment); ★: the day's peak. Dashed line at 8 h: an"
        " effect lasting longer changes the label's advice for the starting pump dose.",
    ]
    if chart.recommendation:
        notes.insert(0, chart.recommendation)
    view.set_texts(chart.title, chart.headline, [*notes, *chart.missing])
