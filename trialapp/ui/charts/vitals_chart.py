"""Vital signs: one panel per sign, with the site limits as bands and the alerts marked."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

from trialapp.domain.chart_series import (
    VitalPanel,
    VitalsChart,
)
from trialapp.ui.charts.drawing import (
    _colour,
    _fit_axis_title,
    _font,
    _hour_ticks,
    _line,
    _markers,
    _new_plot,
    _nice_step,
    _series_item,
    _text,
    _value_ticks,
    _zone,
)
from trialapp.ui.charts.view import ChartView


def draw_vitals(view: ChartView, chart: VitalsChart) -> None:
    theme = view.theme
    all_hours = [h for p in chart.panels for s in p.series for h in s.hours] or [0.0, 8.0]
    x_low = min([*all_hours, 0.0]) - 0.3
    x_high = max(all_hours) + 0.5
    count = len(chart.panels)
    for row, panel in enumerate(chart.panels):
        last = row == count - 1
        unit = f" ({panel.unit})" if panel.unit else ""
        plot = _new_plot(
            view,
            panel.code,
            row,
            chart.x_label if last else None,
            f"{panel.title}{unit}" if panel.code != "sedation" else "UMSS",
            title=_panel_title(view, panel.title, panel.limit_label, [s.label for s in panel.series]),
        )
        _fit_axis_title(plot.getAxis("left"), theme, _short_axis(panel.code))
        y_low, y_high = _y_range(panel)
        _limit_band(view, plot, panel, y_low, y_high)
        _dose_and_events(view, plot, chart)
        _panel_series(view, plot, panel)
        if panel.alerts:
            view.alerts[panel.code] = _panel_alerts(view, plot, panel)
        plot.setYRange(y_low, y_high, padding=0)
        if panel.code == "sedation":
            plot.getAxis("left").setTicks([[(v, str(v)) for v in range(5)]])
        else:
            _value_ticks(plot, y_low, y_high, _nice_step(y_high - y_low, 4))
        if not last:
            plot.getAxis("bottom").setStyle(showValues=False)
        plot.setXRange(x_low, x_high, padding=0)
        _hour_ticks(plot, all_hours, first=x_low)
        if row == 0:
            _dose_and_event_labels(view, plot, chart, y_high)
    key = (
        (
            f'<span style="color:{theme.zone}">■</span> no alert in this range for the child’s age &nbsp; '
            f'<span style="color:{theme.warning}">○</span> warning &nbsp; '
            f'<span style="color:{theme.urgent}">□</span> urgent &nbsp; '
            f'<span style="color:{theme.event}">┆</span> adverse event'
        )
        if chart.panels
        else ""
    )
    view.set_texts(
        chart.title,
        chart.headline,
        [chart.subtitle + "." if chart.subtitle else "", *chart.missing],
        legend_html=key,
    )


def _y_range(panel: VitalPanel) -> tuple[float, float]:
    """The panel's value range: its values and limits with room around them (UMSS: its whole scale)."""
    values = [v for s in panel.series for v in s.values]
    levels = values + [v for v in (panel.low, panel.high) if v is not None]
    if panel.code == "sedation":
        return -0.4, 4.4
    if not levels:
        return 0.0, 1.0
    span = max(max(levels) - min(levels), 4.0)
    y_low, y_high = min(levels) - 0.18 * span, max(levels) + 0.18 * span
    if panel.code == "spo2":
        y_high = min(max(y_high, 100.5), 101.0)
    return y_low, y_high


def _limit_band(view: ChartView, plot: pg.PlotItem, panel: VitalPanel, y_low: float, y_high: float) -> None:
    """The no-alert range for the age as a shaded band, its limits as dashed lines."""
    if panel.low is None and panel.high is None:
        return
    theme = view.theme
    band_low = panel.low if panel.low is not None else y_low
    band_high = panel.high if panel.high is not None else y_high
    if panel.code == "sedation" and panel.high is not None:
        band_high = panel.high + 0.5  # UMSS is whole numbers: the band ends half-way to the alert score
    _zone(view, plot, band_low, band_high, pg.mkBrush(_colour(theme.zone, theme.zone_alpha)))
    for limit in (panel.low, panel.high if panel.code != "sedation" else band_high):
        if limit is not None:
            _line(view, plot, limit, 0, view.pen(theme.zone, 1.5, "dash"))


def _dose_and_events(view: ChartView, plot: pg.PlotItem, chart: VitalsChart) -> None:
    """The dose and each adverse event as vertical lines (a significant event drawn wider)."""
    theme = view.theme
    if chart.dose_hours is not None:
        _line(view, plot, chart.dose_hours, 90, view.pen(theme.foreground, 1.5))
    for event in chart.events:
        _line(view, plot, event.hours, 90, view.pen(theme.event, 2.5 if event.significant else 1.5, "dash"))


def _dose_and_event_labels(view: ChartView, plot: pg.PlotItem, chart: VitalsChart, y_high: float) -> None:
    """Their words, once, at the top of the first panel."""
    if chart.dose_hours is not None:
        _text(view, plot, "dose", chart.dose_hours + 0.05, y_high, (0.0, 0.0), bold=True)
    for event in chart.events:
        _text(
            view,
            plot,
            event.text,
            event.hours + 0.05,
            y_high,
            (0.0, 0.0),
            colour=view.theme.event,
            bold=event.significant,
        )


def _panel_series(view: ChartView, plot: pg.PlotItem, panel: VitalPanel) -> None:
    """The panel's readings: the first series solid with dots, a second (diastolic) dashed with squares."""
    theme = view.theme
    for s_index, series in enumerate(panel.series):
        colour = theme.vital_line if s_index == 0 else theme.vital_second
        _series_item(
            view,
            plot,
            s_index,
            series.hours,
            series.values,
            series.details,
            colour=colour,
            width=2.5,
            dash="solid" if s_index == 0 else "dash",
            symbol="o" if s_index == 0 else "s",
            size=view.px(11),
            name=f"{panel.code}:{series.code}",
        )


def _panel_alerts(view: ChartView, plot: pg.PlotItem, panel: VitalPanel) -> pg.ScatterPlotItem:
    """Each alert as a ring (warning) or a square (urgent) around its reading."""
    theme = view.theme
    return _markers(
        view,
        plot,
        "alerts",
        40,
        x=[a.hours for a in panel.alerts],
        y=[a.value for a in panel.alerts],
        symbol=["o" if a.level == "warning" else "s" for a in panel.alerts],
        size=view.px(30),
        brush=pg.mkBrush(None),
        pen=[view.pen(theme.warning if a.level == "warning" else theme.urgent, 3.5) for a in panel.alerts],
        data=[f"{a.level.upper()}: {a.message}" for a in panel.alerts],
    )


def _panel_title(view: ChartView, title: str, limits: str, series: Sequence[str]) -> str:
    """The panel's name and limits, on two lines when one would not fit the chart at its smallest width
    (a plot is never narrower than its title: a long one pushed every panel past the chart's edge)."""
    if len(series) > 1:
        title += f" ({series[0].lower()} ●, {series[1].lower()} ■)"
    theme = view.theme
    room = view.minimumWidth() - (32 + 4.2 * theme.tick_px / theme.scale + 24) * theme.scale
    if QFontMetrics(_font(theme, theme.axis_px)).horizontalAdvance(f"{title}: {limits}") <= room:
        return f"{title}: {limits}"
    return f"{title}:\n{limits}"


def _short_axis(code: str) -> str:
    return {"hr": "/min", "rr": "/min", "spo2": "%", "bp": "mmHg", "sedation": "UMSS"}.get(code, "")
