"""pyqtgraph drawings of the chart series of :mod:`trialapp.domain.chart_series`.

:func:`make_view` turns one chart's data into a :class:`ChartView`: a title, a one-line headline
("Day 2 · 75 mcg worked: …"), the plot(s), and a note saying what is missing. Points show their exact
value and time on hover. The view keeps its plotted items by label (``lines``, ``cells``…) so tests and
the exporter can read back exactly what was drawn.

This module imports pyqtgraph: import it only when a chart is first needed (DESIGN: heavy modules load
lazily).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QWidget,
)

from trialapp.domain.chart_series import (
    DoseResponseChart,
    MuscleGrid,
    RomChart,
    ToneChart,
    VitalsChart,
)
from trialapp.ui.charts.dose_response_chart import draw_dose_response
from trialapp.ui.charts.muscle_chart import draw_muscles
from trialapp.ui.charts.plot_pool import PlotPool
from trialapp.ui.charts.rom_chart import draw_rom
from trialapp.ui.charts.theme import ChartTheme
from trialapp.ui.charts.tone_chart import draw_tone
from trialapp.ui.charts.view import CellItems, ChartView
from trialapp.ui.charts.vitals_chart import draw_vitals

__all__ = [
    "EXPORT_SIZES",
    "MIN_SIZES",
    "AnyChart",
    "CellItems",
    "ChartView",
    "chart_kind",
    "make_view",
    "redraw",
]

AnyChart = ToneChart | MuscleGrid | RomChart | VitalsChart | DoseResponseChart

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
    "tone": (560, 460),
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


def _draw(view: ChartView, chart: AnyChart) -> None:
    if isinstance(chart, ToneChart):
        draw_tone(view, chart)
    elif isinstance(chart, MuscleGrid):
        draw_muscles(view, chart)
    elif isinstance(chart, RomChart):
        draw_rom(view, chart)
    elif isinstance(chart, VitalsChart):
        draw_vitals(view, chart)
    else:
        draw_dose_response(view, chart)


def make_view(
    chart: AnyChart,
    theme: ChartTheme,
    *,
    footer: str | None = None,
    parent: QWidget | None = None,
    pool: PlotPool | None = None,
) -> ChartView:
    """Draw ``chart`` in a new :class:`ChartView` (needs a QApplication), its plots taken from ``pool``
    when given."""
    view = ChartView(theme, chart_kind(chart), footer=footer, pool=pool)
    width, height = MIN_SIZES[view.kind]
    view.setMinimumSize(round(width * theme.scale), round(height * theme.scale))
    if parent is not None:
        view.setParent(parent)
    _draw(view, chart)
    return view


def redraw(view: ChartView, chart: AnyChart) -> None:
    """Draw ``chart`` in ``view`` instead of what it shows, reusing its plots, axes and legends (building
    those is most of the cost of a new view). ``chart`` must be of the view's kind."""
    if chart_kind(chart) != view.kind:
        raise ValueError(f"A {view.kind} view cannot draw a {chart_kind(chart)} chart.")
    view.begin_redraw()
    _draw(view, chart)
    view.end_redraw()
