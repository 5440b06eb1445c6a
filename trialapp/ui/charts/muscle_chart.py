"""Muscle by muscle: the change of each muscle-side from baseline, as a coloured grid."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGraphicsRectItem,
)

from trialapp.domain.chart_series import (
    MuscleGrid,
)
from trialapp.ui.charts.drawing import (
    _font,
    _label_width,
    _line,
    _new_plot,
)
from trialapp.ui.charts.theme import ChartTheme
from trialapp.ui.charts.view import CellItems, CellText, ChartView


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


def draw_muscles(view: ChartView, grid: MuscleGrid) -> None:
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
    left.setWidth(_label_width(theme, [row.short_label for row in grid.rows]))
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
            if not isinstance(text, CellText):
                text = CellText()
                view.place(plot, "cell-text", text)
            text.show_text(
                shown, text_colour, _font(theme, theme.tick_px + 1, bold=cell.grade not in (None, "NT"))
            )
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
