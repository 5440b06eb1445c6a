"""The review's four plots (pyqtgraph), drawn from a :class:`trialapp.domain.review.Review`.

Colours come from the charts' theme (:mod:`trialapp.ui.charts.theme`, light or dark). Every point is one
judged dosed day; clicking it emits ``trial_clicked`` with its trial id. Clicking a bar emits
``dose_clicked`` with its dose. Points are jittered sideways by a fixed amount per (trial, day), so the
same data always draws the same picture.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QMenu

from trialapp.domain.review import Review, ReviewPoint
from trialapp.ui.charts.theme import ChartTheme

JITTER_MCG = 5.0  # at most this far either side of the dose (doses are 25 mcg apart)
BAR_WIDTH_MCG = 14.0


def jitter(point: ReviewPoint) -> float:
    """A fixed sideways offset in [−JITTER_MCG, JITTER_MCG] for a point (the same on every draw)."""
    fraction = zlib.crc32(f"{point.trial_id}:{point.day}".encode()) / 0xFFFFFFFF
    return (2 * fraction - 1) * JITTER_MCG


class _Bars(pg.BarGraphItem):  # type: ignore[misc]
    """Bars that report which dose was clicked."""

    def __init__(self, on_click: object, doses: Sequence[int], **options: object) -> None:
        super().__init__(**options)
        self._on_click, self._doses = on_click, list(doses)

    def mouseClickEvent(self, event: object) -> None:
        x = event.pos().x()  # type: ignore[attr-defined]
        if self._doses:
            dose = min(self._doses, key=lambda d: abs(d - x))
            if abs(dose - x) <= BAR_WIDTH_MCG / 2 + 1:
                event.accept()  # type: ignore[attr-defined]
                self._on_click(dose)  # type: ignore[operator]


class ReviewPlots(QObject):
    """The four plot widgets and what is drawn on them (kept as attributes for the tests)."""

    trial_clicked = Signal(str)
    dose_clicked = Signal(int)

    def __init__(self, theme: ChartTheme) -> None:
        super().__init__()
        self.theme = theme
        self._texts: list[tuple[pg.PlotWidget, str, str]] = []
        self.responders_plot = self._plot("Responders by dose (95 % Wilson interval)", "% of judged days")
        self.peak_plot = self._plot("Peak reduction: ● responder  ✕ not", "peak MAS reduction")
        self.time_plot = self._plot("Time to peak reduction", "hours after the dose")
        self.duration_plot = self._plot("Duration: ● effect ended  △ still present", "hours after the dose")
        self.bars: _Bars | None = None
        self.whiskers: pg.ErrorBarItem | None = None
        self.peak_responders: pg.ScatterPlotItem | None = None
        self.peak_others: pg.ScatterPlotItem | None = None
        self.time_points: pg.ScatterPlotItem | None = None
        self.duration_seen: pg.ScatterPlotItem | None = None
        self.duration_censored: pg.ScatterPlotItem | None = None

    def widgets(self) -> list[pg.PlotWidget]:
        return [self.responders_plot, self.peak_plot, self.time_plot, self.duration_plot]

    def _plot(self, title: str, left: str) -> pg.PlotWidget:
        before = {id(w) for w in QApplication.topLevelWidgets()}
        widget = pg.PlotWidget()
        # pyqtgraph makes each plot's context menus without a parent (they would outlive the window); the
        # menus are disabled here, so they belong to the plot and go with it.
        for menu in QApplication.topLevelWidgets():
            if id(menu) not in before and isinstance(menu, QMenu):
                menu.setParent(widget, menu.windowFlags())
        item = widget.getPlotItem()
        item.showGrid(x=False, y=True, alpha=self.theme.grid_alpha)
        item.setMenuEnabled(False)
        item.hideButtons()
        widget.setMouseEnabled(x=False, y=False)
        widget.setMinimumSize(300, 200)
        self._texts.append((widget, title, left))
        self._style(widget, title, left)
        return widget

    def _style(self, widget: pg.PlotWidget, title: str, left: str) -> None:
        t = self.theme
        widget.setBackground(t.background)
        item = widget.getPlotItem()
        item.setTitle(title, color=t.foreground, size="10pt")
        font = QFont(t.font_family)
        font.setPixelSize(12)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(t.muted))
            axis.setTextPen(pg.mkPen(t.foreground))
            axis.setTickFont(font)
        item.setLabel("left", left, color=t.muted)
        item.setLabel("bottom", "bolus dose (mcg)", color=t.muted)

    def set_theme(self, theme: ChartTheme) -> None:
        """Colour the plots with ``theme`` (the next :meth:`draw` colours the data)."""
        self.theme = theme
        for widget, title, left in self._texts:
            self._style(widget, title, left)

    # ------------------------------------------------------------------------------------------ drawing

    def draw(self, review: Review) -> None:
        """Redraw every plot for ``review``."""
        doses = [row.dose_mcg for row in review.by_dose]
        for widget in self.widgets():
            item = widget.getPlotItem()
            item.clear()
            ticks = [(float(d), f"{d}") for d in doses]
            item.getAxis("bottom").setTicks([ticks])
            low, high = (min(doses), max(doses)) if doses else (25, 100)
            item.setXRange(low - 15, high + 15, padding=0)
        self._draw_responders(review, doses)
        self._draw_points(review)

    def _draw_responders(self, review: Review, doses: list[int]) -> None:
        t = self.theme
        plot = self.responders_plot.getPlotItem()
        heights = [row.proportion * 100 for row in review.by_dose]
        self.bars = _Bars(
            self.dose_clicked.emit,
            doses,
            x=doses,
            height=heights,
            width=BAR_WIDTH_MCG,
            brush=QColor(t.day_colour(0)),
            pen=pg.mkPen(t.foreground, width=1),
        )
        plot.addItem(self.bars)
        self.whiskers = pg.ErrorBarItem(
            x=np.array(doses, dtype=float),
            y=np.array(heights, dtype=float),
            top=np.array([row.ci95[1] * 100 - h for row, h in zip(review.by_dose, heights, strict=True)]),
            bottom=np.array([h - row.ci95[0] * 100 for row, h in zip(review.by_dose, heights, strict=True)]),
            beam=6.0,
            pen=pg.mkPen(t.foreground, width=2),
        )
        plot.addItem(self.whiskers)
        for row in review.by_dose:
            label = pg.TextItem(f"{row.responders}/{row.days}", color=t.foreground, anchor=(0.5, 1.0))
            label.setPos(row.dose_mcg, row.ci95[1] * 100 + 2)
            plot.addItem(label)
        plot.setYRange(0, 112, padding=0)

    def _scatter(
        self, plot: pg.PlotItem, points: list[tuple[float, float, str]], **style: object
    ) -> pg.ScatterPlotItem:
        item = pg.ScatterPlotItem(
            x=[p[0] for p in points],
            y=[p[1] for p in points],
            data=[p[2] for p in points],
            hoverable=True,
            tip=lambda x, y, data: f"trial {data}: click to open",
            **style,
        )
        item.sigClicked.connect(self._clicked)
        plot.addItem(item)
        return item

    def _clicked(self, _item: object, spots: Sequence[object], _event: object = None) -> None:
        if spots:
            self.trial_clicked.emit(str(spots[0].data()))  # type: ignore[attr-defined]

    def _draw_points(self, review: Review) -> None:
        t = self.theme
        responder_colour, other_colour = t.day_colour(2), t.muted
        points = review.points
        size = 9 if len(points) <= 500 else 5  # thousands of large markers would hide each other
        filled = {"size": size, "pen": pg.mkPen(t.foreground, width=1)}
        open_ = {"size": size, "brush": pg.mkBrush(None)}
        peak = self.peak_plot.getPlotItem()
        self.peak_responders = self._scatter(
            peak,
            [
                (p.dose_mcg + jitter(p), p.peak_reduction, p.trial_id)
                for p in points
                if p.responder and p.peak_reduction is not None
            ],
            symbol="o",
            brush=pg.mkBrush(responder_colour),
            **filled,
            name="responder",
        )
        self.peak_others = self._scatter(
            peak,
            [
                (p.dose_mcg + jitter(p), p.peak_reduction, p.trial_id)
                for p in points
                if not p.responder and p.peak_reduction is not None
            ],
            symbol="x",
            pen=pg.mkPen(other_colour, width=2),
            **open_,
            name="not a responder",
        )
        peaks = [p.peak_reduction for p in points if p.peak_reduction is not None]
        peak.setYRange(min([0.0, *peaks]), max([1.5, *peaks]) + 0.1, padding=0)

        self.time_points = self._scatter(
            self.time_plot.getPlotItem(),
            [(p.dose_mcg + jitter(p), p.peak_hours, p.trial_id) for p in points if p.peak_hours is not None],
            symbol="o",
            brush=pg.mkBrush(t.day_colour(0)),
            **filled,
        )
        duration = self.duration_plot.getPlotItem()
        self.duration_seen = self._scatter(
            duration,
            [
                (p.dose_mcg + jitter(p), p.effect_hours, p.trial_id)
                for p in points
                if p.effect_hours is not None and not p.effect_censored
            ],
            symbol="o",
            brush=pg.mkBrush(responder_colour),
            **filled,
        )
        # Censored: the effect was still there at the last reassessment, so it lasted at least this long:
        # an open triangle pointing up.
        self.duration_censored = self._scatter(
            duration,
            [
                (p.dose_mcg + jitter(p), p.effect_hours, p.trial_id)
                for p in points
                if p.effect_hours is not None and p.effect_censored
            ],
            symbol="t1",
            pen=pg.mkPen(responder_colour, width=2),
            **open_,
        )
        hours = [h for p in points for h in (p.peak_hours, p.effect_hours) if h is not None]
        for plot in (self.time_plot, self.duration_plot):
            plot.getPlotItem().setYRange(0, max([10.0, *hours]) + 0.5, padding=0)


def spot_for(item: pg.ScatterPlotItem, trial_id: str) -> object | None:
    """The first spot of ``item`` that belongs to ``trial_id`` (for the tests and keyboard access)."""
    return next((spot for spot in item.points() if spot.data() == trial_id), None)
