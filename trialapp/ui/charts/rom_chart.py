"""Range of motion and Tardieu angles, before and after the dose."""

from __future__ import annotations

import html

import pyqtgraph as pg

from trialapp.domain.chart_series import (
    RomChart,
)
from trialapp.ui.charts.drawing import (
    _colour,
    _day_style,
    _hour_ticks,
    _legend,
    _line,
    _new_plot,
    _series_item,
    _value_ticks,
    _zone,
)
from trialapp.ui.charts.theme import day_symbol
from trialapp.ui.charts.view import ChartView


def draw_rom(view: ChartView, chart: RomChart) -> None:
    theme = view.theme
    plot = _new_plot(view, "rom", 0, chart.x_label, chart.y_label)
    values = [v for s in chart.series for v in s.values]
    hours = [h for s in chart.series for h in s.hours] or [0.0, 8.0]
    levels = values + ([chart.reference_deg] if chart.reference_deg is not None else [])
    low, high = (min(levels) - 8, max(levels) + 8) if levels else (0.0, 90.0)
    if chart.reference_deg is not None:
        abnormal = (
            (chart.reference_deg, high) if chart.abnormal_when == "above" else (low, chart.reference_deg)
        )
        _zone(view, plot, abnormal[0], abnormal[1], pg.mkBrush(_colour(theme.urgent, 28)))
        _line(view, plot, chart.reference_deg, 0, view.pen(theme.threshold, 2.0, "dash"))
    legend = _legend(view, 1, columns=2)
    days = sorted({s.day for s in chart.series})
    for order, series in enumerate(chart.series):
        index = _day_style(series.day)
        right = series.side == "right"
        # As on the tone chart: earlier days wider underneath, so identical days both stay visible.
        behind = len(days) - 1 - days.index(series.day)
        item = _series_item(
            view,
            plot,
            order,
            series.hours,
            series.values,
            series.details,
            colour=theme.day_colour(index),
            width=theme.line_width + 2.0 * behind,
            dash="dash" if right else "solid",
            symbol=day_symbol(index),
            size=view.px(15 + 3 * behind),
            hollow=right,
            name=series.label,
        )
        view.legend_entry(legend, item, html.escape(series.label))
    plot.setYRange(low, high, padding=0)
    _value_ticks(plot, low, high)
    plot.setXRange(-0.3, max(hours) + 0.5, padding=0)
    _hour_ticks(plot, hours)
    # The reference is named under the chart: on the plot its words covered points at the smallest size.
    label = chart.reference_label or ""
    reference = f" Shaded beyond the dashed line: {label[:1].lower()}{label[1:]}." if label else ""
    view.set_texts(
        chart.title,
        chart.headline,
        [chart.subtitle + "." + reference if chart.subtitle else reference.strip(), *chart.missing],
    )
