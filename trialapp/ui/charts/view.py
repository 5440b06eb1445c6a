"""The chart view: title, headline, the plot area and notes; it keeps what each drawing placed, by label
(``lines``, ``cells``…), so that tests and the exporter read back exactly what was drawn, and a redraw
updates the same items in place."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPen, QTransform
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
)

from trialapp.ui.charts.drawing import _pen
from trialapp.ui.charts.plot_pool import PlotPool
from trialapp.ui.charts.theme import ChartTheme


class CellText(QGraphicsSimpleTextItem):
    """A short text centred on a point of a plot, at a fixed pixel size and upright whatever the plot's scale
    or direction: a grade in its cell of the muscle grid. Qt's plain text item: a grid's 64 ``pg.TextItem``
    (a text document each) took 40 ms of the grid's first drawing, a stall of the window (issue 22)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)

    def show_text(self, text: str, colour: str, font: QFont) -> None:
        self.setFont(font)
        self.setText(text)
        self.setBrush(QBrush(QColor(colour)))
        box = self.boundingRect()
        self.setTransform(QTransform.fromTranslate(-box.width() / 2, -box.height() / 2))

    def toPlainText(self) -> str:
        return self.text()


@dataclass
class CellItems:
    rect: QGraphicsRectItem
    text: CellText


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

    def __init__(
        self, theme: ChartTheme, kind: str, footer: str | None = None, pool: PlotPool | None = None
    ) -> None:
        super().__init__()
        self.theme = theme
        self.kind = kind
        self.pool = pool  # where its new plots come from (made ahead of need); None: made when needed
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
        # Left to right whatever the name's script (U+200E first): an Arabic or Hebrew name at its start
        # turned the whole English caption right to left.
        self.footer_label.setText("\u200e" + html.escape(footer) if footer else "")

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

    def _legend_lines(self, name: str) -> str:
        """``name`` (HTML) broken onto lines that fit the chart at its smallest width: a legend row is never
        narrower than its words, and a long one ("… results not in yet: peak 1.0 at 2 h so far, effect to
        ≥ 2 h") pushed the legend and the plot past the chart's right edge."""
        theme = self.theme
        metrics = QFontMetrics(_text_font(theme.font_family, theme.legend_px))
        room = self.minimumWidth() - (32 + 46 + 30 + 24) * theme.scale  # margins, sample, spacing
        plain = html.unescape(name)
        if room <= 0 or metrics.horizontalAdvance(plain) <= room:
            return name
        lines: list[str] = []
        for word in plain.split(" "):
            if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= room:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        return "<br>".join(html.escape(line) for line in lines)

    def legend_entry(self, legend: pg.LegendItem, item: pg.GraphicsObject, name: str) -> None:
        """Show ``item`` under ``name`` in the legend's next row (the row and its label are reused)."""
        name = self._legend_lines(name)
        used = self._legend_used.get(id(legend), 0)
        if used < len(legend.items):
            sample, label = legend.items[used]
            sample.item = item
            label.setText(name)
            sample.update()
        else:
            legend.addItem(item, name)
            label = legend.items[-1][1]
            # A row as tall as its text: the text item's default 4 px margins stacked up per row.
            label.item.document().setDocumentMargin(round(self.theme.scale))
            label.setText(name)
        self._legend_used[id(legend)] = used + 1

    @property
    def notes_text(self) -> str:
        """The notes as plain text (what is missing, the colour key)."""
        doc = self.notes_label.text().replace("<br>", "\n")
        return html.unescape(_strip_tags(doc))

    @property
    def headline_text(self) -> str:
        return html.unescape(_strip_tags(self.headline_label.text()))


def _text_font(family: str, px: int) -> QFont:
    font = QFont(family)
    font.setPixelSize(px)
    return font


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
