"""Plots made ahead of need, one per turn of the event loop, for the chart panel's drawings.

A ``pg.PlotItem`` builds its options form (some forty Qt controls, never shown: the app's plots have no
menu) as it is made: 7–13 ms each here. The vital signs chart has one plot per sign, so its first drawing
made up to eight in one turn of the event loop, 57–107 ms of it: the longest stall of the scripted trial
(``make bench``). The chart panel keeps a pool: it makes plots in idle turns until ``target`` are ready, a
drawing takes one (or makes one at once when none is ready), and the pool is made up again afterwards.

The ready plots sit in a scene of the pool's own, which owns them: they are deleted with the pool (with the
panel), never left to Python's collector at exit.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QGraphicsScene

#: Plots kept ready: the most any chart draws at once (the vital signs chart's panels).
TARGET = 8


def new_plot() -> pg.PlotItem:
    """A plot set up as every chart wants it: no menu, no mouse, no buttons, its ranges set by the chart."""
    # No context menu (it offers pan/zoom/export settings a ward chart does not need).
    plot = pg.PlotItem(enableMenu=False)
    plot.disableAutoRange()  # every chart sets its ranges; auto-ranging on each added item is wasted work
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    for name in ("left", "bottom", "top"):
        # Units are in the labels; SI prefixes would only re-render labels on every range change.
        plot.getAxis(name).enableAutoSIPrefix(False)
    return plot


class PlotPool(QObject):
    """Plots made in idle turns (one per turn) until ``target`` are ready; see the module's docstring."""

    def __init__(self, parent: QObject | None = None, *, target: int = TARGET) -> None:
        super().__init__(parent)
        self.target = target
        self._scene = QGraphicsScene(self)  # owns the ready plots
        self._ready: list[pg.PlotItem] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._make_one)

    @property
    def ready(self) -> int:
        """How many plots are ready now."""
        return len(self._ready)

    def fill(self) -> None:
        """Make plots in the coming idle turns, one per turn, until ``target`` are ready."""
        if len(self._ready) < self.target and not self._timer.isActive():
            self._timer.start()

    def take(self) -> pg.PlotItem:
        """A ready plot (made now when none is); the pool is made up again in later turns."""
        if self._ready:
            plot = self._ready.pop()
            self._scene.removeItem(plot)
        else:
            plot = new_plot()
        self.fill()
        return plot

    def _make_one(self) -> None:  # the timer goes with the pool, its scene with it
        plot = new_plot()
        self._scene.addItem(plot)
        self._ready.append(plot)
        self.fill()
