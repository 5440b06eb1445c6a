"""Tone over time: the MAS score of each day against the hours after its dose."""

from __future__ import annotations

import html

import pyqtgraph as pg

from trialapp.domain.chart_series import (
    ToneChart,
)
from trialapp.ui.charts.drawing import (
    _colour,
    _day_style,
    _hour_ticks,
    _legend,
    _line,
    _markers,
    _new_plot,
    _peak_labels,
    _present,
    _series_item,
    _spaced_ticks,
    _text,
    _zone,
)
from trialapp.ui.charts.label_place import Label, keep_placed
from trialapp.ui.charts.theme import day_dash, day_symbol
from trialapp.ui.charts.view import ChartView


def draw_tone(view: ChartView, chart: ToneChart) -> None:
    theme = view.theme
    plot = _new_plot(view, "tone", 0, chart.x_label, chart.y_label)
    all_values = [v for s in chart.days for v in s.values if v is not None]
    all_hours = [h for s in chart.days for h in s.hours] or [0.0, 8.0]
    thresholds = sorted({round(s.threshold_value, 6) for s in chart.days if s.threshold_value is not None})
    reduction = chart.mode == "reduction"
    zone_brush = pg.mkBrush(_colour(theme.zone, theme.zone_alpha))
    if reduction:
        top = max([*all_values, chart.threshold]) + 0.45
        bottom = min([*all_values, 0.0]) - 0.2
    else:
        levels = [*all_values, *thresholds] or [0.0, 1.0]
        top = max(levels) + 0.35
        bottom = min(levels) - 0.5  # room for the trough labels below the lowest line
    labels = _peak_labels(chart, 0.2 * (top - bottom))
    if reduction:
        # The band reaches past any top the labels' room may give the plot (see room() below).
        _zone(view, plot, chart.threshold, top + 1000.0, zone_brush)
        _line(view, plot, 0.0, 0, view.pen(theme.muted, 1.5))
    else:
        for level in thresholds:
            _zone(view, plot, bottom - 1000.0, level, zone_brush)
    for level in thresholds or ([chart.threshold] if reduction else []):
        _line(view, plot, level, 0, view.pen(theme.threshold, 2.0, "dash"))

    legend = _legend(view, 1)
    count = len(chart.days)
    for order, series in enumerate(chart.days):
        index = _day_style(series.day)
        xs, ys, details = _present(series.hours, series.values, series.details)
        colour = theme.day_colour(index)
        # Later days are drawn on top and thinner, so a line hidden under an identical one still shows.
        width = theme.line_width + 2.0 * (count - 1 - order)
        item = _series_item(
            view,
            plot,
            order,
            xs,
            ys,
            details,
            colour=colour,
            width=width,
            dash=day_dash(index),
            symbol=day_symbol(index),
            size=view.px(15 + 3 * (count - 1 - order)),
            name=series.label,
        )
        view.legend_entry(legend, item, html.escape(f"{series.label}: {series.summary}"))
        if series.peak_hours is not None and series.peak_value is not None:
            peak = _markers(
                view,
                plot,
                "peak",
                30 + order,
                x=[series.peak_hours],
                y=[series.peak_value],
                symbol="star",
                size=view.px(30),
                brush=pg.mkBrush(colour),
                pen=view.pen(theme.foreground, 1.5),
                data=[f"Peak of {series.label}: {series.summary}"],
            )
            view.peaks[series.label] = peak
    first_hour, last_hour = -0.3, max(all_hours) + 0.5
    groups = []
    for label in labels:
        # The label of several peaks and, for when it finds no room, one label per peak (per line).
        lines = label.text.split("\n")
        texts = [(label.text, (label.hours, label.value), label.points)]
        if len(lines) > 1:
            texts += [(line, point, (point,)) for line, point in zip(lines, label.points, strict=True)]
        group = []
        for text, at, points in texts:
            item = _text(view, plot, text, at[0], at[1], (0.5, 1.0), bold=True)
            group.append(
                Label(item, at, points, view.px(15), not reduction, _leaders(view, plot, len(points)))
            )
        groups.append(group)

    # Room above the peaks (below the troughs) for the tallest label, in pixels: at the smallest size a
    # label of several lines found no room between the peaks and the plot's edge.
    tallest = max(
        (label.item.boundingRect().height() for group in groups for label in group[:1]), default=0.0
    )
    need = tallest + view.px(15 + 6)
    extreme = (max if reduction else min)(
        (label.value for label in labels), default=top if reduction else bottom
    )

    def room(height: float) -> None:
        low, high = bottom, top
        # None on a plot too short for the label anyway (it is left out there): the lines keep the height.
        share = need / height if height > 1 and need / height <= 0.6 else 0.0
        if reduction:
            high = max(top, (extreme - share * bottom) / (1 - share))
        else:
            low = min(bottom, (extreme - share * top) / (1 - share))
        if plot.viewRange()[1] != [low, high]:
            plot.setYRange(low, high, padding=0)
        step = 0.25 if high - low <= 2.5 else 0.5
        # A mean score is never below 0: no tick there in the room under the troughs.
        _spaced_ticks(plot, low, high, step, height, view.theme.tick_px, start=None if reduction else 0.0)

    plot.setXRange(first_hour, last_hour, padding=0)
    if max(all_hours) > 8.0:
        # The effect's 8 h mark (R4 "> 8 h"), as on the dose-response chart.
        _line(view, plot, 8.0, 90, view.pen(theme.muted, 1.5, "dash"))
    _hour_ticks(plot, all_hours)
    # Each peak label beside its peak where nothing else is, worked out again at every size.
    keep_placed(plot, groups, view.px(2), room)
    # The threshold is named under the chart: on the plot its words covered the peak labels at the
    # smallest size.
    rule = chart.threshold_label.removeprefix("Response: ")
    side = "above the dashed line" if reduction else "below each day's dashed line"
    zone_words = f"Shaded {side}: a response ({rule})" if thresholds or reduction else ""
    notes = [f"{chart.subtitle}. {zone_words}." if zone_words else chart.subtitle + "."]
    view.set_texts(chart.title, chart.headline, [*notes, *chart.missing])


def _leaders(view: ChartView, plot: pg.PlotItem, count: int) -> list[pg.PlotDataItem]:
    """``count`` leader lines (empty until a label moves away from its peak), reused by a redraw."""
    leaders = []
    for _ in range(count):
        leader = view.reuse(plot, "leader")
        if leader is None:
            leader = pg.PlotDataItem([], [])
            view.place(plot, "leader", leader)
        leader.setPen(view.pen(view.theme.muted, 1.2))
        leader.setZValue(45)  # over the lines, under the labels
        leaders.append(leader)
    return leaders
