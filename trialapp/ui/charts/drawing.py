"""What every chart drawing shares: fonts, colours and pens from the chart theme, a new plot with its axes,
legends, hover tips, text, zones, lines, markers and ticks."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy

from trialapp.domain.chart_series import (
    ToneChart,
    duration_text,
)
from trialapp.domain.response import format_score
from trialapp.ui.charts.plot_pool import new_plot
from trialapp.ui.charts.theme import ChartTheme

if TYPE_CHECKING:
    from trialapp.ui.charts.view import ChartView

_DASHES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
    "dashdot": Qt.PenStyle.DashDotLine,
}


# ---------------------------------------------------------------------------------------------------
# Styling helpers


def _font(theme: ChartTheme, px: int, *, bold: bool = False) -> QFont:
    font = QFont(theme.font_family)
    font.setPixelSize(px)
    font.setBold(bold)
    return font


def _label_width(theme: ChartTheme, labels: Sequence[str], *, bold: bool = False) -> int:
    """An axis width (pixels) that holds the longest of ``labels`` in the tick font, with a margin: a fixed
    width drops the longest rows' labels ("shoulder adductors", "forearm pronators")."""
    metrics = QFontMetrics(_font(theme, theme.tick_px, bold=bold))
    widest = max((metrics.horizontalAdvance(text) for text in labels), default=0)
    return widest + int(theme.tick_px * 1.5)


def _colour(hex_colour: str, alpha: int = 255) -> QColor:
    colour = QColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


def _pen(hex_colour: str, width: float = 1.0, dash: str = "solid", alpha: int = 255) -> QPen:
    """A pen ``width`` pixels wide (already scaled: use :meth:`ChartView.pen` for theme pixels)."""
    pen = pg.mkPen(_colour(hex_colour, alpha), width=width)
    pen.setStyle(_DASHES[dash])
    return pen


def _new_plot(
    view: ChartView,
    key: str,
    row: int,
    x_label: str | None,
    y_label: str,
    *,
    title: str | None = None,
) -> pg.PlotItem:
    theme = view.theme
    plot = view._spare_plots.pop(row, None)
    if plot is None:
        plot = view.pool.take() if view.pool is not None else new_plot()
        view.graphics.addItem(plot, row=row, col=0)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(view.pen(theme.muted))
            axis.setTextPen(view.pen(theme.foreground))
            axis.setTickFont(_font(theme, theme.tick_px))
    else:
        # The same plot drawn again (its items are reused or taken out by ChartView): undo what a drawing
        # may have set on it.
        plot.getAxis("bottom").setStyle(showValues=True)
        plot.getAxis("bottom").showLabel(False)
        plot.setTitle(None)
    view._plot_rows[row] = plot
    plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
    label_style = {"color": theme.foreground, "font-size": f"{theme.axis_px}px"}
    _fit_axis_title(plot.getAxis("left"), theme, y_label, width=int(theme.tick_px * 4.2))
    if x_label is not None:
        plot.setLabel("bottom", x_label, **label_style)
    if title:
        shown = "<br>".join(html.escape(line) for line in title.split("\n"))  # a title may hold lines
        plot.setTitle(shown, color=theme.foreground, size=f"{theme.axis_px}px", justify="left")
        # pyqtgraph fixes the title's row at 30 px: a title of two lines needs its own height.
        height = max(30.0, plot.titleLabel.item.boundingRect().height())
        plot.titleLabel.setMaximumHeight(height)
        plot.layout.setRowFixedHeight(0, height)
    view.plots[key] = plot
    return plot


def _title_lines(text: str, room: float, metrics: QFontMetrics) -> list[str]:
    """``text`` in as few lines as fit in ``room`` pixels, broken at spaces (one line per word at worst)."""
    words = text.split()
    for count in range(1, len(words) + 1):
        per_line = -(-len(words) // count)
        lines = [" ".join(words[i : i + per_line]) for i in range(0, len(words), per_line)]
        if all(metrics.horizontalAdvance(line) <= room for line in lines):
            return lines
    return words


def _fit_axis_title(axis: pg.AxisItem, theme: ChartTheme, text: str, *, width: int | None = None) -> None:
    """Keep a left axis's title whole at any height: it runs along the axis, so when the plot is shorter
    than the title ("Reduction in mean MAS" was cut to "Reduction in mean MA" at the smallest size) it is
    broken onto two or more lines and the axis widened by the lines added. Refitted whenever the axis is
    resized."""
    axis.setProperty("trialapp_title", text)
    # The axis's own width, without the lines an earlier title added.
    axis.setWidth(
        width if width is not None else (axis.fixedWidth or 0) - int(axis.property("trialapp_extra") or 0)
    )
    axis.setProperty("trialapp_extra", 0)
    if axis.property("trialapp_fitted") is None:
        axis.setProperty("trialapp_fitted", True)
        axis.geometryChanged.connect(lambda: _refit_axis_title(axis, theme))
    axis.setLabel(html.escape(text), color=theme.foreground, **{"font-size": f"{theme.axis_px}px"})
    _refit_axis_title(axis, theme)


def _refit_axis_title(axis: pg.AxisItem, theme: ChartTheme) -> None:
    text = axis.property("trialapp_title") or ""
    if not text:
        return
    metrics = QFontMetrics(_font(theme, theme.axis_px))
    room = axis.geometry().height() - 2 * theme.scale
    lines = _title_lines(text, room, metrics) if room > 0 else [text]
    shown = "<br>".join(html.escape(line) for line in lines)
    if shown != axis.labelText:
        axis.setLabel(shown, color=theme.foreground, **{"font-size": f"{theme.axis_px}px"})
    extra = (len(lines) - 1) * metrics.lineSpacing()
    before = int(axis.property("trialapp_extra") or 0)
    if extra != before:
        axis.setProperty("trialapp_extra", extra)
        axis.setWidth((axis.fixedWidth or round(axis.width())) - before + extra)


def _sample_type(scale: float) -> type[ItemSample]:
    """Legend samples wide enough to show a dash pattern, and as large as the chart's scale."""
    width, height = 46 * scale, 24 * scale

    class Sample(ItemSample):
        def __init__(self, item: pg.GraphicsObject) -> None:
            super().__init__(item)
            self.setFixedWidth(width)
            self.setFixedHeight(height)

        def boundingRect(self) -> QRectF:
            return QRectF(0, 0, width, height)

        def paint(self, p: QPainter, *args: object) -> None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            opts = self.item.opts
            if opts.get("pen") is not None:
                p.setPen(pg.mkPen(opts["pen"]))
                p.drawLine(QPointF(0, height / 2), QPointF(width, height / 2))
            if opts.get("symbol") is not None:
                scatter = self.item.scatter.opts
                p.translate(width / 2, height / 2)
                drawSymbol(
                    p, opts["symbol"], scatter["size"], pg.mkPen(scatter["pen"]), pg.mkBrush(scatter["brush"])
                )

        def mouseClickEvent(self, event: object) -> None:
            # pyqtgraph hides a series when its sample is clicked; a clinical chart never hides data.
            return None

    return Sample


def _legend(view: ChartView, row: int, columns: int = 1) -> pg.LegendItem:
    theme = view.theme
    legend = view._spare_legends.pop(row, None)
    if legend is not None:
        legend.setColumnCount(columns)
        view._legend_rows[row] = legend
        return legend
    legend = pg.LegendItem(
        sampleType=_sample_type(theme.scale),
        colCount=columns,
        labelTextSize=f"{theme.legend_px}px",
        labelTextColor=theme.foreground,
        verSpacing=round(-2 * theme.scale),
        horSpacing=round(30 * theme.scale),
    )
    legend.setBrush(pg.mkBrush(None))
    legend.setPen(pg.mkPen(None))
    # As tall as its rows, never more: the height left over goes to the plot (at the smallest size the
    # legend's spare height squeezed the plot under its own axis title).
    legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    legend.layout.setContentsMargins(0, round(2 * theme.scale), 0, 0)
    view.graphics.addItem(legend, row=row, col=0)
    view._legend_rows[row] = legend
    return legend


def _hover(item: pg.PlotDataItem) -> None:
    """Show each point's own text (its value and time, given as the item's ``data``) on hover."""
    scatter = item.scatter
    scatter.opts["hoverable"] = True
    scatter.opts["tip"] = _tip
    scatter.opts["hoverSize"] = -1


def _tip(x: float, y: float, data: object) -> str:
    return str(data)


def _text(
    view: ChartView,
    plot: pg.PlotItem,
    text: str,
    x: float,
    y: float,
    anchor: tuple[float, float],
    colour: str | None = None,
    bold: bool = False,
) -> pg.TextItem:
    theme = view.theme
    item = view.reuse(plot, "text")
    if item is None:
        # On a translucent patch of background, so a label stays readable where a line passes under it.
        item = pg.TextItem(
            text,
            color=colour or theme.foreground,
            anchor=anchor,
            fill=pg.mkBrush(_colour(theme.background, 200)),
        )
        item.setZValue(50)
        # A patch just around the words: the default 4 px margins made a label cover the row or the
        # point next to it at the smallest size.
        item.textItem.document().setDocumentMargin(round(1.5 * theme.scale))
        view.place(plot, "text", item)
    else:
        item.setText(text, colour or theme.foreground)
        item.setAnchor(anchor)
        item.setVisible(True)  # a peak label may have been hidden for want of room
    item.setFont(_font(theme, theme.annotation_px, bold=bold))
    item.setPos(x, y)
    return item


class PeakLabel(NamedTuple):
    """One peak label of the tone chart: near (``hours``, ``value``), naming the peaks at ``points``."""

    hours: float
    value: float
    text: str
    points: tuple[tuple[float, float], ...]


def _peak_labels(chart: ToneChart, near: float) -> list[PeakLabel]:
    """The tone chart's peak labels: what each says, the peaks it names and where it goes.

    Days peaking at the same hour and value share a line ("Day 2 & Day 3 peak 1.25 at 4 h"). Peaks less
    than ``near`` apart in height share one label of several lines (in the order of their hours), placed
    near the mean of their hours and the highest of them (the lowest in absolute mode, where the label
    hangs below), so that two labels never print over each other.
    """
    reduction = chart.mode == "reduction"
    lines: dict[tuple[float, float], tuple[list[str], float | None]] = {}
    running: set[tuple[float, float]] = set()  # peaks of days still running: "so far"
    for series in chart.days:
        if series.peak_hours is not None and series.peak_value is not None:
            key = (round(series.peak_hours, 2), round(series.peak_value, 4))
            names, _ = lines.setdefault(key, ([], series.peak_reduction))
            names.append(f"Day {series.day}")
            if series.provisional:
                running.add(key)
    # From the most extreme outwards: a cluster grows while the next peak is near the last one taken.
    ordered = sorted(lines.items(), key=lambda item: item[0][1], reverse=reduction)
    clusters: list[list[tuple[tuple[float, float], tuple[list[str], float | None]]]] = []
    for item in ordered:
        if clusters and abs(clusters[-1][-1][0][1] - item[0][1]) < near:
            clusters[-1].append(item)
        else:
            clusters.append([item])
    labels = []
    for cluster in clusters:
        cluster.sort(key=lambda item: item[0][0])
        texts = []
        for (hours, value), (names, peak_reduction) in cluster:
            words = f"peak {format_score(peak_reduction)}" if peak_reduction is not None else "peak"
            so_far = " so far" if (hours, value) in running else ""
            texts.append(f"{' & '.join(names)} {words} at {duration_text(hours)}{so_far}")
        values = [value for (_hours, value), _ in cluster]
        at_hours = sum(hours for (hours, _value), _ in cluster) / len(cluster)
        points = tuple(key for key, _ in cluster)
        labels.append(
            PeakLabel(at_hours, max(values) if reduction else min(values), "\n".join(texts), points)
        )
    return labels


def _series_item(
    view: ChartView,
    plot: pg.PlotItem,
    index: int,
    xs: Sequence[float],
    ys: Sequence[float],
    details: Sequence[str],
    *,
    colour: str,
    width: float,
    dash: str,
    symbol: str,
    size: float,
    hollow: bool = False,
    name: str,
) -> pg.PlotDataItem:
    theme = view.theme
    brush = pg.mkBrush(theme.background if hollow else colour)
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    style = {
        "pen": view.pen(colour, width, dash),
        "symbol": symbol,
        "symbolSize": size,
        "symbolBrush": brush,
        "symbolPen": view.pen(colour if hollow else theme.background, 2.5 if hollow else 1.2),
        "antialias": True,
        "name": name,
        "data": list(details),
    }
    item = view.reuse(plot, "series")
    if item is None:
        item = pg.PlotDataItem(x, y, **style)
        view.place(plot, "series", item)
    else:
        if not len(x):
            item.scatter.clear()  # setData leaves the old points in the (hidden) markers when there are none
        item.setData(x, y, **style)
    item.setZValue(10 + index)
    _hover(item)
    view.lines[name] = item
    return item


def _zone(view: ChartView, plot: pg.PlotItem, low: float, high: float, brush: QBrush) -> pg.LinearRegionItem:
    """A horizontal band from ``low`` to ``high``, under everything else."""
    zone = view.reuse(plot, "zone")
    if zone is None:
        zone = pg.LinearRegionItem(
            values=(low, high), orientation="horizontal", movable=False, brush=brush, pen=pg.mkPen(None)
        )
        zone.setZValue(-10)
        view.place(plot, "zone", zone)
    else:
        zone.setRegion((low, high))
        zone.setBrush(brush)
    return zone


def _line(view: ChartView, plot: pg.PlotItem, value: float, angle: int, pen: QPen) -> pg.InfiniteLine:
    """A horizontal (``angle`` 0) or vertical (90) line across the plot at ``value``."""
    tag = f"line{angle}"
    line = view.reuse(plot, tag)
    if line is None:
        line = pg.InfiniteLine(value, angle=angle, pen=pen)
        view.place(plot, tag, line)
    else:
        line.setValue(value)
        line.setPen(pen)
    return line


def _markers(view: ChartView, plot: pg.PlotItem, tag: str, z: float, **options: object) -> pg.ScatterPlotItem:
    """Hoverable markers (peaks, alerts) with the options of ``pg.ScatterPlotItem``."""
    markers = view.reuse(plot, tag)
    if markers is None:
        markers = pg.ScatterPlotItem(hoverable=True, tip=_tip, **options)
        view.place(plot, tag, markers)
    else:
        markers.setData(hoverable=True, tip=_tip, **options)
    markers.setZValue(z)
    return markers


def _present(
    xs: Sequence[float], ys: Sequence[float | None], details: Sequence[str]
) -> tuple[list[float], list[float], list[str]]:
    """The measured points only (``None`` values are listed in the notes instead)."""
    keep = [i for i, y in enumerate(ys) if y is not None]
    return (
        [xs[i] for i in keep],
        [float(ys[i]) for i in keep if ys[i] is not None],
        [details[i] for i in keep],
    )


def _nice_step(span: float, target: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10ⁿ) giving about ``target`` ticks over ``span``."""
    raw = max(span, 1e-9) / target
    power = 10 ** np.floor(np.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def _value_ticks(
    plot: pg.PlotItem, low: float, high: float, step: float | None = None, axis: str = "left"
) -> None:
    """Labelled ticks (and grid lines) at one round step only: minor grid lines clutter a ward screen."""
    step = step or _nice_step(high - low)
    first = np.ceil(low / step) * step
    values = np.arange(first, high + step * 0.001, step)
    plot.getAxis(axis).setTicks([[(float(v), _tick_text(float(v))) for v in values]])


def _spaced_ticks(
    plot: pg.PlotItem,
    low: float,
    high: float,
    step: float,
    height: float,
    tick_px: float,
    *,
    start: float | None = None,
) -> None:
    """:func:`_value_ticks` from ``low`` (or ``start``) to ``high`` at ``step`` or a multiple of it, so
    that on a plot ``height`` pixels high the ticks are at least one and a half lines of tick text apart
    (at the smallest size they printed over each other)."""
    while height > 1 and step * height / (high - low) < 1.5 * tick_px:
        step *= 2
    _value_ticks(plot, low if start is None else max(low, start), high, step)


def _tick_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))


def _hour_ticks(plot: pg.PlotItem, hours: Sequence[float], first: float = 0.0) -> None:
    """Ticks at whole hours (every 2 h past 12 h): a tick at each reassessment's own time would print "6"
    and "6.32" over each other after a reassessment at 6 h 19 min."""
    last = int(np.ceil(max([*hours, first, 1.0]) - 1e-9))
    step = 1 if last - first <= 12 else 2
    start = int(np.ceil(first - 1e-9))
    plot.getAxis("bottom").setTicks([[(float(h), str(h)) for h in range(start, last + 1, step)]])


def _day_style(day: int) -> int:
    """Palette position of a trial day: day 1 → 0, day 2 → 1…, the same on every chart and printout."""
    return max(day - 1, 0)
