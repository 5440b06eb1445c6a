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
    _label_side,
    _legend,
    _line,
    _markers,
    _new_plot,
    _peak_labels,
    _present,
    _series_item,
    _text,
    _value_ticks,
    _zone,
)
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
    # A label of several lines (peaks at about the same height) needs room above the peaks (below the
    # troughs): about an eighth of the plot's height for each line more.
    extra = 0.125 * (top - bottom) * max((text.count("\n") for _, _, text in labels), default=0)
    if reduction:
        top += extra
        _zone(view, plot, chart.threshold, top, zone_brush)
        _line(view, plot, 0.0, 0, view.pen(theme.muted, 1.5))
    else:
        bottom -= extra
        for level in thresholds:
            _zone(view, plot, bottom, level, zone_brush)
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
    for hours, value, text in labels:
        # Above the peaks (below the troughs); beside them on the side with room: to the right in the first
        # third of the hours, to the left in the last third, centred between, so that none runs off the plot.
        across = _label_side((hours - first_hour) / (last_hour - first_hour))
        _text(
            view,
            plot,
            text,
            hours + 0.12 * (1 - 2 * across),
            value,
            (across, 1.1) if reduction else (across, -0.1),
            bold=True,
        )

    plot.setYRange(bottom, top, padding=0)
    _value_ticks(plot, bottom, top, 0.25 if top - bottom <= 2.5 else 0.5)
    plot.setXRange(first_hour, last_hour, padding=0)
    if max(all_hours) > 8.0:
        # The effect's 8 h mark (R4 "> 8 h"), as on the dose-response chart.
        _line(view, plot, 8.0, 90, view.pen(theme.muted, 1.5, "dash"))
    _hour_ticks(plot, all_hours)
    # The threshold is named under the chart: on the plot its words covered the peak labels at the
    # smallest size.
    rule = chart.threshold_label.removeprefix("Response: ")
    side = "above the dashed line" if reduction else "below each day's dashed line"
    zone_words = f"Shaded {side}: a response ({rule})" if thresholds or reduction else ""
    notes = [f"{chart.subtitle}. {zone_words}." if zone_words else chart.subtitle + "."]
    view.set_texts(chart.title, chart.headline, [*notes, *chart.missing])
