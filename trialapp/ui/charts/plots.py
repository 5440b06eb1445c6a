"""pyqtgraph drawings of the chart series of :mod:`trialapp.domain.chart_series`.

:func:`make_view` turns one chart's data into a :class:`ChartView`: a title, a one-line headline
("Day 2 · 75 mcg worked: …"), the plot(s), and a note saying what is missing. Points show their exact
value and time on hover. The view keeps its plotted items by label (``lines``, ``cells``…) so tests and
the exporter can read back exactly what was drawn.

This module imports pyqtgraph: import it only when a chart is first needed (DESIGN: heavy modules load
lazily).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsView,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.chart_series import (
    DoseResponseChart,
    MuscleGrid,
    RomChart,
    ToneChart,
    VitalsChart,
)
from trialapp.domain.response import format_hours, format_score
from trialapp.ui.charts.theme import ChartTheme, day_dash, day_symbol

AnyChart = ToneChart | MuscleGrid | RomChart | VitalsChart | DoseResponseChart

_DASHES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
    "dashdot": Qt.PenStyle.DashDotLine,
}

# Logical size (pixels) each kind is laid out at for export; the panel uses whatever room it has.
EXPORT_SIZES: dict[str, tuple[int, int]] = {
    "tone": (1400, 860),
    "muscles": (1400, 1040),
    "rom": (1400, 860),
    "vitals": (1400, 1500),
    "dose-response": (1400, 1080),
}

# Smallest size at which each kind stays legible (the panel scrolls below it rather than squeeze it).
MIN_SIZES: dict[str, tuple[int, int]] = {
    "tone": (560, 470),
    "muscles": (600, 640),
    "rom": (560, 470),
    "vitals": (620, 1000),
    "dose-response": (560, 780),
}


def chart_kind(chart: AnyChart) -> str:
    """The kind code (``tone``, ``muscles``, …) of a chart's data."""
    if isinstance(chart, ToneChart):
        return "tone"
    if isinstance(chart, MuscleGrid):
        return "muscles"
    if isinstance(chart, RomChart):
        return "rom"
    if isinstance(chart, VitalsChart):
        return "vitals"
    return "dose-response"


@dataclass
class CellItems:
    rect: QGraphicsRectItem
    text: pg.TextItem


class _PlotArea(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """The plots' widget. It asks for little height, so that in the workspace a chart fits the height it is
    given (the words above and below it wrap, which makes a scroll area size the chart by its preferred
    height): the view's minimum size (``MIN_SIZES``) keeps the plots legible, and they take all the
    height left."""

    def sizeHint(self) -> QSize:
        return QSize(320, 160)


class ChartView(QFrame):
    """One chart: title, headline, plot area and notes. Built by :func:`make_view`.

    ``lines`` maps a series label (``Day 2 · 75 mcg``) to its line item (x/y via ``getData()``),
    ``peaks`` maps a day label to its peak marker, ``cells`` maps (row, column) of the muscle grid to
    its drawn cell, ``alerts`` maps a vital-sign panel code to its alert marker item.
    """

    def __init__(self, theme: ChartTheme, kind: str, footer: str | None = None) -> None:
        super().__init__()
        self.theme = theme
        self.kind = kind
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.peaks: dict[str, pg.ScatterPlotItem] = {}
        self.cells: dict[tuple[int, int], CellItems] = {}
        self.alerts: dict[str, pg.ScatterPlotItem] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        # What this drawing placed, kept for the next one (see redraw()): the plots and legends by row of
        # the layout, the items of each plot by tag (they stay in their plot and are updated in place), and
        # how many rows of each legend are in use.
        self._plot_rows: dict[int, pg.PlotItem] = {}
        self._legend_rows: dict[int, pg.LegendItem] = {}
        self._items: list[tuple[pg.PlotItem, str, QGraphicsItem]] = []
        self._legend_used: dict[int, int] = {}
        self._spare_plots: dict[int, pg.PlotItem] = {}
        self._spare_legends: dict[int, pg.LegendItem] = {}
        self._spare_items: dict[tuple[int, str], list[tuple[pg.PlotItem, QGraphicsItem]]] = {}
        self.setObjectName("chartView")
        self.setStyleSheet(
            f"#chartView {{ background: {theme.background}; }}"
            f"QLabel {{ color: {theme.foreground}; background: transparent; }}"
        )
        self.setAutoFillBackground(True)

        self.title_label = self._label(theme.title_px, bold=True)
        self.headline_label = self._label(theme.headline_px)
        self.graphics = _PlotArea()
        self.graphics.setBackground(theme.background)
        # A cached background would reach an SVG as a bitmap; painting a plain colour costs nothing.
        self.graphics.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        m = theme.scale
        self.graphics.ci.setContentsMargins(round(4 * m), round(4 * m), round(12 * m), round(4 * m))
        self.notes_label = self._label(theme.note_px, colour=theme.muted)
        self.footer_label = self._label(theme.note_px - 2, colour=theme.muted)
        self.footer_label.setVisible(bool(footer))
        self.footer_label.setText(html.escape(footer or ""))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(round(16 * m), round(12 * m), round(16 * m), round(10 * m))
        layout.setSpacing(round(6 * m))
        layout.addWidget(self.title_label)
        layout.addWidget(self.headline_label)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.footer_label)

    def pen(self, hex_colour: str, width: float = 1.0, dash: str = "solid", alpha: int = 255) -> QPen:
        """A pen ``width`` theme pixels wide: scaled with the theme, because Qt never widens the
        cosmetic pens pyqtgraph uses when a picture is drawn at print resolution."""
        return _pen(hex_colour, width * self.theme.scale, dash, alpha)

    def px(self, size: float) -> float:
        """A size in theme pixels (markers, arrow heads) as drawn."""
        return size * self.theme.scale

    def _label(self, px: int, *, bold: bool = False, colour: str | None = None) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.theme.font_family)
        font.setPixelSize(px)
        font.setBold(bold)
        label.setFont(font)
        if colour is not None:
            label.setStyleSheet(f"color: {colour};")
        return label

    # Text shown around the plot -------------------------------------------------------------------

    def set_texts(self, title: str, headline: str, notes: Sequence[str], legend_html: str = "") -> None:
        self.title_label.setText(html.escape(title))
        self.headline_label.setText(html.escape(headline))
        self.headline_label.setVisible(bool(headline))
        parts = [legend_html] if legend_html else []
        parts += [html.escape(n) for n in notes]
        self.notes_label.setText("<br>".join(parts))
        self.notes_label.setVisible(bool(parts))

    def begin_redraw(self) -> None:
        """Forget what was drawn, keeping the plots, legends and items to draw in again."""
        self._spare_plots, self._plot_rows = self._plot_rows, {}
        self._spare_legends, self._legend_rows = self._legend_rows, {}
        spare: dict[tuple[int, str], list[tuple[pg.PlotItem, QGraphicsItem]]] = {}
        for plot, tag, item in self._items:
            spare.setdefault((id(plot), tag), []).append((plot, item))
        self._spare_items, self._items = spare, []
        self._legend_used = {}
        self.lines, self.peaks, self.cells, self.alerts, self.plots = {}, {}, {}, {}, {}

    def end_redraw(self) -> None:
        """Take out what the new drawing did not use: items, legend rows, plots and legends (e.g. fewer
        vital-sign panels)."""
        for entries in self._spare_items.values():
            for plot, item in entries:
                plot.removeItem(item)
        for legend in self._legend_rows.values():
            for sample, _label in legend.items[self._legend_used.get(id(legend), 0) :]:
                legend.removeItem(sample.item)
        for item in [*self._spare_plots.values(), *self._spare_legends.values()]:
            self.graphics.removeItem(item)
        self._spare_plots, self._spare_legends, self._spare_items = {}, {}, {}

    def reuse(self, plot: pg.PlotItem, tag: str) -> QGraphicsItem | None:
        """An item the last drawing placed in ``plot`` under ``tag``, still there, for this drawing to
        update in place (None: place a new one)."""
        entries = self._spare_items.get((id(plot), tag))
        if not entries:
            return None
        _plot, item = entries.pop(0)
        self._items.append((plot, tag, item))
        return item

    def place(self, plot: pg.PlotItem, tag: str, item: QGraphicsItem) -> None:
        """Add a new item to ``plot``, to be reused under ``tag`` by the next drawing."""
        plot.addItem(item)
        self._items.append((plot, tag, item))

    def legend_entry(self, legend: pg.LegendItem, item: pg.GraphicsObject, name: str) -> None:
        """Show ``item`` under ``name`` in the legend's next row (the row and its label are reused)."""
        used = self._legend_used.get(id(legend), 0)
        if used < len(legend.items):
            sample, label = legend.items[used]
            sample.item = item
            label.setText(name)
            sample.update()
        else:
            legend.addItem(item, name)
        self._legend_used[id(legend)] = used + 1

    @property
    def notes_text(self) -> str:
        """The notes as plain text (what is missing, the colour key)."""
        doc = self.notes_label.text().replace("<br>", "\n")
        return html.unescape(_strip_tags(doc))

    @property
    def headline_text(self) -> str:
        return html.unescape(_strip_tags(self.headline_label.text()))


def _strip_tags(text: str) -> str:
    out, inside = [], False
    for ch in text:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------------------------------
# Styling helpers


def _font(theme: ChartTheme, px: int, *, bold: bool = False) -> QFont:
    font = QFont(theme.font_family)
    font.setPixelSize(px)
    font.setBold(bold)
    return font


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
        # No context menu (it offers pan/zoom/export settings a ward chart does not need, and is slow to
        # build).
        plot = view.graphics.addPlot(row=row, col=0, enableMenu=False)
        plot.disableAutoRange()  # every chart sets its ranges; auto-ranging on each added item is wasted work
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        for name in ("left", "bottom", "top"):
            # Units are in the labels; SI prefixes would only re-render labels on every range change.
            plot.getAxis(name).enableAutoSIPrefix(False)
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
    plot.getAxis("left").setWidth(int(theme.tick_px * 4.2))
    plot.setLabel("left", y_label, **label_style)
    if x_label is not None:
        plot.setLabel("bottom", x_label, **label_style)
    if title:
        plot.setTitle(html.escape(title), color=theme.foreground, size=f"{theme.axis_px}px", justify="left")
    view.plots[key] = plot
    return plot


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
        view.place(plot, "text", item)
    else:
        item.setText(text, colour or theme.foreground)
        item.setAnchor(anchor)
    item.setFont(_font(theme, theme.annotation_px, bold=bold))
    item.setPos(x, y)
    return item


def _peak_labels(chart: ToneChart, near: float) -> list[tuple[float, float, str]]:
    """The tone chart's peak labels as (hours, value, text): where each is placed and what it says.

    Days peaking at the same hour and value share a line ("Day 2 & Day 3 peak 1.25 at 4 h"). Peaks less
    than ``near`` apart in height share one label of several lines (in the order of their hours), placed
    at the mean of their hours and at the highest of them (the lowest in absolute mode, where the label
    hangs below), so that two labels never print over each other.
    """
    reduction = chart.mode == "reduction"
    lines: dict[tuple[float, float], tuple[list[str], float | None]] = {}
    for series in chart.days:
        if series.peak_hours is not None and series.peak_value is not None:
            key = (round(series.peak_hours, 2), round(series.peak_value, 4))
            names, _ = lines.setdefault(key, ([], series.peak_reduction))
            names.append(f"Day {series.day}")
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
        for (hours, _value), (names, peak_reduction) in cluster:
            words = f"peak {format_score(peak_reduction)}" if peak_reduction is not None else "peak"
            texts.append(f"{' & '.join(names)} {words} at {format_hours(hours)}")
        values = [value for (_hours, value), _ in cluster]
        at_hours = sum(hours for (hours, _value), _ in cluster) / len(cluster)
        labels.append((at_hours, max(values) if reduction else min(values), "\n".join(texts)))
    return labels


def _label_side(where: float) -> float:
    """A label's horizontal anchor for a point ``where`` across the plot (0 = left edge, 1 = right edge):
    0.0 (the label starts at the point) in the first third, 1.0 (it ends there) in the last, 0.5 between."""
    if where < 1 / 3:
        return 0.0
    return 1.0 if where > 2 / 3 else 0.5


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


def _tick_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))


def _hour_ticks(plot: pg.PlotItem, hours: Sequence[float], first: float = 0.0) -> None:
    ticks = sorted({round(h, 2) for h in hours if h >= first} | {0.0})
    plot.getAxis("bottom").setTicks([[(h, format_hours(h).replace(" h", "")) for h in ticks]])


def _day_style(day: int) -> int:
    """Palette position of a trial day: day 1 → 0, day 2 → 1…, the same on every chart and printout."""
    return max(day - 1, 0)


# ---------------------------------------------------------------------------------------------------
# Tone over time


def _draw_tone(view: ChartView, chart: ToneChart) -> None:
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
        bottom = min(levels) - 0.45
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
    if thresholds or reduction:
        level = (thresholds or [chart.threshold])[-1 if reduction else 0]
        _text(
            view,
            plot,
            chart.threshold_label,
            max(all_hours) + 0.45,
            level,
            (1.0, 1.05),
            colour=theme.foreground,
        )

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
    _hour_ticks(plot, all_hours)
    view.set_texts(chart.title, chart.headline, [chart.subtitle + ".", *chart.missing])


# ---------------------------------------------------------------------------------------------------
# Muscle by muscle


def _luminance(hex_colour: str) -> float:
    colour = QColor(hex_colour)

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def change_colour(theme: ChartTheme, change: float | None) -> str:
    """Cell colour for a change from baseline (coding points; positive = less tone)."""
    if change is None or abs(change) < 1e-9:
        return theme.no_change
    if change > 0:
        if change >= 1.5 - 1e-9:
            return theme.less_tone[2]
        if change >= 1.0 - 1e-9:
            return theme.less_tone[1]
        return theme.less_tone[0]
    return theme.more_tone[1] if change <= -1.0 + 1e-9 else theme.more_tone[0]


def _draw_muscles(view: ChartView, grid: MuscleGrid) -> None:
    theme = view.theme
    plot = _new_plot(view, "muscles", 0, None, "")
    plot.showGrid(x=False, y=False)
    plot.invertY(True)
    plot.hideAxis("bottom")
    plot.showAxis("top")
    top_axis = plot.getAxis("top")
    top_axis.setPen(view.pen(theme.muted))
    top_axis.setTextPen(view.pen(theme.foreground))
    top_axis.setTickFont(_font(theme, theme.tick_px, bold=True))
    left = plot.getAxis("left")
    left.setWidth(int(theme.tick_px * 10))
    left.setStyle(tickLength=0)
    top_axis.setStyle(tickLength=0)
    rows, columns = len(grid.rows), len(grid.columns)
    left.setTicks([[(r + 0.5, row.short_label) for r, row in enumerate(grid.rows)]])
    top_axis.setTicks([[(c + 0.5, name) for c, name in enumerate(grid.columns)]])
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row.cells):
            rect = view.reuse(plot, "cell")
            if rect is None:
                rect = QGraphicsRectItem()
                view.place(plot, "cell", rect)
            rect.setRect(QRectF(c + 0.04, r + 0.06, 0.92, 0.88))
            if cell.grade == "NT":
                fill = theme.not_tested
                brush = QBrush(QColor(fill))
                rect.setBrush(brush)
                rect.setPen(view.pen(theme.muted, 1.0, "dash"))
            elif cell.grade is None:
                fill = theme.background
                rect.setBrush(QBrush(QColor(fill)))
                rect.setPen(view.pen(theme.muted, 1.0, "dot"))
            else:
                fill = theme.no_change if c == 0 else change_colour(theme, cell.change)
                rect.setBrush(QBrush(QColor(fill)))
                rect.setPen(view.pen(theme.background, 1.0))
            rect.setToolTip(cell.detail)
            shown = cell.grade if cell.grade is not None else "–"
            dark_text = _luminance(fill) > 0.35
            text_colour = theme.cell_text_dark if dark_text else theme.cell_text_light
            text = view.reuse(plot, "cell-text")
            if text is None:
                text = pg.TextItem(shown, color=text_colour, anchor=(0.5, 0.5))
                view.place(plot, "cell-text", text)
            else:
                text.setText(shown, text_colour)
            text.setFont(_font(theme, theme.tick_px + 1, bold=cell.grade not in (None, "NT")))
            text.setPos(c + 0.5, r + 0.5)
            view.cells[(r, c)] = CellItems(rect, text)
    if columns > 1 and rows:
        # A rule between the baseline and the reassessments.
        _line(view, plot, 1.0, 90, view.pen(theme.foreground, 2.0))
    plot.setXRange(0, max(columns, 1), padding=0.01)
    plot.setYRange(0, max(rows, 1), padding=0.01)
    key = (
        (
            f'<span style="color:{theme.less_tone[2]}">■</span> less tone by 1.5 or more '
            f'&nbsp; <span style="color:{theme.less_tone[1]}">■</span> by 1 '
            f'&nbsp; <span style="color:{theme.less_tone[0]}">■</span> by less than 1 '
            f'&nbsp; <span style="color:{theme.no_change}">■</span> no change '
            f'&nbsp; <span style="color:{theme.more_tone[0]}">■</span> more tone '
            f'&nbsp; <span style="color:{theme.not_tested}">■</span> NT = not tested'
        )
        if rows
        else ""
    )
    view.set_texts(grid.title, grid.headline, [grid.subtitle + ".", *grid.missing], legend_html=key)


# ---------------------------------------------------------------------------------------------------
# Range of motion and Tardieu


def _draw_rom(view: ChartView, chart: RomChart) -> None:
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
        _text(
            view,
            plot,
            chart.reference_label or "",
            max(hours) + 0.45,
            chart.reference_deg,
            (1.0, 1.15) if chart.abnormal_when == "above" else (1.0, -0.15),
        )
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
    view.set_texts(
        chart.title, chart.headline, [chart.subtitle + "." if chart.subtitle else "", *chart.missing]
    )


# ---------------------------------------------------------------------------------------------------
# Vital signs


def _draw_vitals(view: ChartView, chart: VitalsChart) -> None:
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
            title=_panel_title(panel.title, panel.limit_label, [s.label for s in panel.series]),
        )
        plot.getAxis("left").setLabel(
            _short_axis(panel.code), color=theme.foreground, **{"font-size": f"{theme.axis_px}px"}
        )
        values = [v for s in panel.series for v in s.values]
        levels = values + [v for v in (panel.low, panel.high) if v is not None]
        if panel.code == "sedation":
            y_low, y_high = -0.4, 4.4
        elif levels:
            span = max(max(levels) - min(levels), 4.0)
            y_low, y_high = min(levels) - 0.18 * span, max(levels) + 0.18 * span
            if panel.code == "spo2":
                y_high = min(max(y_high, 100.5), 101.0)
        else:
            y_low, y_high = 0.0, 1.0
        band_low = panel.low if panel.low is not None else y_low
        band_high = panel.high if panel.high is not None else y_high
        if panel.code == "sedation" and panel.high is not None:
            band_high = panel.high + 0.5  # UMSS is whole numbers: the band ends half-way to the alert score
        if panel.low is not None or panel.high is not None:
            _zone(view, plot, band_low, band_high, pg.mkBrush(_colour(theme.zone, theme.zone_alpha)))
            for limit in (panel.low, panel.high if panel.code != "sedation" else band_high):
                if limit is not None:
                    _line(view, plot, limit, 0, view.pen(theme.zone, 1.5, "dash"))
        if chart.dose_hours is not None:
            _line(view, plot, chart.dose_hours, 90, view.pen(theme.foreground, 1.5))
        for event in chart.events:
            _line(
                view, plot, event.hours, 90, view.pen(theme.event, 2.5 if event.significant else 1.5, "dash")
            )
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
        if panel.alerts:
            alerts = _markers(
                view,
                plot,
                "alerts",
                40,
                x=[a.hours for a in panel.alerts],
                y=[a.value for a in panel.alerts],
                symbol=["o" if a.level == "warning" else "s" for a in panel.alerts],
                size=view.px(30),
                brush=pg.mkBrush(None),
                pen=[
                    view.pen(theme.warning if a.level == "warning" else theme.urgent, 3.5)
                    for a in panel.alerts
                ],
                data=[f"{a.level.upper()}: {a.message}" for a in panel.alerts],
            )
            view.alerts[panel.code] = alerts
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
                    colour=theme.event,
                    bold=event.significant,
                )
    key = (
        (
            f'<span style="color:{theme.zone}">■</span> no-alert range for the age (RULES.md R9) &nbsp; '
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


def _panel_title(title: str, limits: str, series: Sequence[str]) -> str:
    if len(series) > 1:
        title += f" ({series[0].lower()} ●, {series[1].lower()} ■)"
    return f"{title}: {limits}"


def _short_axis(code: str) -> str:
    return {"hr": "/min", "rr": "/min", "spo2": "%", "bp": "mmHg", "sedation": "UMSS"}.get(code, "")


# ---------------------------------------------------------------------------------------------------
# Dose response across days


def _draw_dose_response(view: ChartView, chart: DoseResponseChart) -> None:
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
    _text(
        view,
        plot,
        f"Response: reduction ≥ {format_score(chart.threshold)}",
        x_high - step * 0.05,
        chart.threshold,
        (1.0, -0.15),
    )

    # Days with the same dose sit side by side around it, so none hides another.
    by_dose: dict[int, list[int]] = {}
    for p in judged:
        by_dose.setdefault(p.dose_mcg, []).append(p.day)
    offset_step = step * 0.3
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
        # Side-by-side days label outwards (first to the left, last to the right) so labels never touch.
        place = same.index(point.day)
        across = 0.5 if len(same) == 1 or 0 < place < len(same) - 1 else (1.0 if place == 0 else 0.0)
        _text(
            view, plot, f"Day {point.day}", x, point.peak_reduction, (across, -0.45), colour=colour, bold=True
        )
    plot.setXRange(x_low, x_high, padding=0)
    plot.setYRange(min([*peaks, 0.0]) - 0.25, top, padding=0)
    _value_ticks(plot, min([*peaks, 0.0]) - 0.25, top, 0.25 if top <= 2.5 else 0.5)
    plot.getAxis("bottom").setTicks([[(d, f"{d} mcg") for d in ladder]])

    # Effect over time: one row per dosed day.
    effect = _new_plot(
        view,
        "effect",
        1,
        chart.effect_label,
        "",
        title="How long the effect lasted (bar) and its peak (★)",
    )
    effect.invertY(True)
    effect.showGrid(x=True, y=False, alpha=theme.grid_alpha)
    rows = chart.points
    left = effect.getAxis("left")
    left.setWidth(int(theme.tick_px * 10))
    left.setTicks([[(r, p.label) for r, p in enumerate(rows)]])
    left.setStyle(tickLength=0)
    _line(view, effect, 8.0, 90, view.pen(theme.muted, 1.5, "dash"))
    end = chart.last_hours
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
                size=view.px(26),
                brush=pg.mkBrush(colour if point.responder else theme.background),
                pen=view.pen(colour if not point.responder else theme.foreground, 2.0),
                data=[point.detail],
            )
            view.peaks[point.label] = star
        text = (
            point.summary
            if point.responder
            else (f"no response: {point.summary}" if point.responder is False else "not judged")
        )
        # Just above the row's bar, from the dose: the words stay with their row at any width.
        _text(view, effect, text, 0.0, r - 0.2, (0.0, 1.0), colour=theme.foreground)
    _text(view, effect, "8 h", 8.08, -0.75, (0.0, 0.5), colour=theme.muted)
    effect.setYRange(-0.95, max(len(rows), 1) - 0.6, padding=0)
    effect.setXRange(-0.2, end + 0.6, padding=0)
    effect.getAxis("bottom").setTicks([[(h, str(h)) for h in range(0, int(end) + 1, 1 if end <= 10 else 2)]])
    view.graphics.ci.layout.setRowStretchFactor(0, 3)
    view.graphics.ci.layout.setRowStretchFactor(1, 2)
    notes = [
        chart.subtitle + ". Filled marker: responder day; hollow: not a responder.",
        "Bar: from the dose to the last reassessment with a reduction at or above the threshold"
        " (an arrow: still there at the last reassessment).",
    ]
    if chart.recommendation:
        notes.insert(0, chart.recommendation)
    view.set_texts(chart.title, chart.headline, [*notes, *chart.missing])


# ---------------------------------------------------------------------------------------------------


_DRAWERS: dict[type, Callable[[ChartView, AnyChart], None]] = {
    ToneChart: _draw_tone,  # type: ignore[dict-item]
    MuscleGrid: _draw_muscles,  # type: ignore[dict-item]
    RomChart: _draw_rom,  # type: ignore[dict-item]
    VitalsChart: _draw_vitals,  # type: ignore[dict-item]
    DoseResponseChart: _draw_dose_response,  # type: ignore[dict-item]
}


def make_view(
    chart: AnyChart, theme: ChartTheme, *, footer: str | None = None, parent: QWidget | None = None
) -> ChartView:
    """Draw ``chart`` in a new :class:`ChartView` (needs a QApplication)."""
    view = ChartView(theme, chart_kind(chart), footer=footer)
    width, height = MIN_SIZES[view.kind]
    view.setMinimumSize(round(width * theme.scale), round(height * theme.scale))
    if parent is not None:
        view.setParent(parent)
    _DRAWERS[type(chart)](view, chart)
    return view


def redraw(view: ChartView, chart: AnyChart) -> None:
    """Draw ``chart`` in ``view`` instead of what it shows, reusing its plots, axes and legends (building
    those is most of the cost of a new view). ``chart`` must be of the view's kind."""
    if chart_kind(chart) != view.kind:
        raise ValueError(f"A {view.kind} view cannot draw a {chart_kind(chart)} chart.")
    view.begin_redraw()
    _DRAWERS[type(chart)](view, chart)
    view.end_redraw()
