"""What a drawn chart shows, as plain values: to compare a chart drawn again in place with a new one."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem

from trialapp.ui.charts.view import CellText


def _pen(pen) -> tuple:
    """A pen as (colour, width, dash style)."""
    if pen is None:
        return (None,)
    pen = pg.mkPen(pen)
    return (pen.color().name(QColor.NameFormat.HexArgb), round(pen.widthF(), 3), int(pen.style().value))


def _brush(brush) -> tuple:
    if brush is None:
        return (None,)
    brush = pg.mkBrush(brush)
    return (brush.color().name(QColor.NameFormat.HexArgb), int(brush.style().value))


def _item_state(item) -> tuple:
    """What an item of a chart shows, as plain values (enough to tell two drawings apart). A label placed
    in pixels (and its leader line) is compared by what it says, not where: that depends on the pixel size
    the view was laid out at (tests/ui/test_chart_layout.py checks where it goes)."""
    kind = type(item).__name__
    if getattr(item, "placed_in_pixels", False):
        if isinstance(item, pg.TextItem):
            return (kind, item.zValue(), item.toPlainText(), item.color.name(), item.textItem.font().bold())
        return (kind, item.zValue(), _pen(item.opts["pen"]))
    if isinstance(item, pg.PlotDataItem):
        x, y = item.getData()
        o = item.opts
        scatter = item.scatter
        return (
            kind,
            item.zValue(),
            tuple(np.round(x, 6)) if x is not None else (),
            tuple(np.round(y, 6)) if y is not None else (),
            _pen(o["pen"]),
            o["symbol"],
            o["symbolSize"],
            _brush(o["symbolBrush"]),
            _pen(o["symbolPen"]),
            o.get("name"),
            tuple(scatter.data["data"]),
            scatter.opts["hoverable"],
            scatter.isVisible(),
            item.curve.isVisible(),
        )
    if isinstance(item, pg.ScatterPlotItem):
        d = item.data
        return (
            kind,
            item.zValue(),
            tuple(np.round(d["x"], 6)),
            tuple(np.round(d["y"], 6)),
            tuple(d["symbol"]),
            tuple(d["size"]),
            tuple(_pen(p) for p in d["pen"]),
            tuple(_brush(b) for b in d["brush"]),
            tuple(d["data"]),
            item.opts["hoverable"],
        )
    if isinstance(item, CellText):
        return (
            kind,
            item.zValue(),
            item.toPlainText(),
            item.brush().color().name(),
            (round(item.pos().x(), 6), round(item.pos().y(), 6)),
            item.font().pixelSize(),
            item.font().bold(),
        )
    if isinstance(item, pg.TextItem):
        return (
            kind,
            item.zValue(),
            item.toPlainText(),
            item.color.name(),
            tuple(item.anchor),
            (round(item.pos().x(), 6), round(item.pos().y(), 6)),
            item.textItem.font().pixelSize(),
            item.textItem.font().bold(),
            _brush(item.fill),
        )
    if isinstance(item, pg.InfiniteLine):
        return (kind, item.zValue(), round(float(item.value()), 6), float(item.angle), _pen(item.pen))
    if isinstance(item, pg.LinearRegionItem):
        return (kind, item.zValue(), tuple(round(float(v), 6) for v in item.getRegion()), _brush(item.brush))
    if isinstance(item, QGraphicsRectItem):
        r = item.rect()
        return (
            kind,
            item.zValue(),
            (r.x(), r.y(), r.width(), r.height()),
            _brush(item.brush()),
            _pen(item.pen()),
            item.toolTip(),
        )
    if isinstance(item, pg.BarGraphItem):
        return (
            kind,
            item.zValue(),
            repr(sorted((k, repr(v)) for k, v in item.opts.items() if k not in ("brush", "pen"))),
        )
    if isinstance(item, pg.ArrowItem):
        return (
            kind,
            item.zValue(),
            (round(item.pos().x(), 6), round(item.pos().y(), 6)),
            repr(item.opts["angle"]),
        )
    return (kind, item.zValue())


def drawing(view) -> dict:
    """Everything a chart view shows: texts, each plot's axes, ranges and items, each legend's rows."""
    plots = {}
    for key, plot in view.plots.items():
        axes = {}
        for name in ("left", "bottom", "top"):
            axis = plot.getAxis(name)
            # A long axis title breaks onto lines (and widens its axis) to fit the height the view is laid
            # out at: compare what is drawn, not the size it was laid out at.
            extra = int(axis.property("trialapp_extra") or 0)
            axes[name] = (
                axis.isVisible(),
                axis.labelText.replace("<br>", " "),
                axis.label.isVisible(),
                repr(axis._tickLevels),
                axis.style["showValues"],
                axis.style["tickLength"],
                (axis.fixedWidth or axis.width()) - extra if name == "left" else None,
            )
        plots[key] = (
            [tuple(round(v, 6) for v in pair) for pair in plot.viewRange()],
            plot.vb.state["yInverted"],
            plot.titleLabel.isVisible(),
            plot.titleLabel.text if plot.titleLabel.isVisible() else "",
            axes,
            sorted(repr(_item_state(item)) for item in plot.items if item.isVisible()),
        )
    legends = []
    for item in view.graphics.ci.items:
        if isinstance(item, pg.LegendItem):
            legends.append([(label.text, sample.item.name()) for sample, label in item.items])
    rows = sorted(
        (view.graphics.ci.layout.rowStretchFactor(r), r) for r in range(view.graphics.ci.layout.rowCount())
    )
    return {
        "texts": (view.title_label.text(), view.headline_text, view.notes_text),
        "plots": plots,
        "legends": legends,
        "rows": rows,
        "named": (sorted(view.lines), sorted(view.peaks), sorted(view.cells), sorted(view.alerts)),
    }


def laid_out_as(qtbot, view, size) -> object:
    """``view`` shown, laid out at ``size`` and painted: its labels are placed, and its value ticks spaced,
    in pixels, so two views compare alike only at the same size."""
    view.resize(size)
    view.show()
    qtbot.waitExposed(view)
    return settled(qtbot, view)


def settled(qtbot, view) -> object:
    """``view`` once its drawing no longer changes between turns of the event loop: the words above and below
    the plot laid out, and the labels' room and places recomputed for the plot's final height (a fixed short
    wait was not enough on a busy event loop)."""
    previous = None
    for _ in range(100):
        qtbot.wait(5)
        view.grab()
        now = drawing(view)
        if now == previous:
            break
        previous = now
    return view
