"""The QI dashboard's charts page: the key figures and four charts (pyqtgraph) drawn from the R11–R13
summary — compliance per step and phase against the 80 % goal, the SSI p-chart with its limits and
flagged points, the compliance run chart with its median and runs of 8, and infections by risk factor.

Colours come from the app's chart theme (``trialapp.ui.charts.theme``) and follow light and dark: when the
application's palette changes, the charts are drawn again in the theme now in force.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain import qi_charts, qi_procedures, qi_surveillance
from trialapp.domain.qi_compliance import COMPLIANCE_GOAL_PCT
from trialapp.domain.qi_summary import QiSummary
from trialapp.ui.charts.theme import ChartTheme, theme_named
from trialapp.ui.theme import current_theme

COMPLIANCE_TITLE = f"Compliance per phase and step (goal {COMPLIANCE_GOAL_PCT} %)"
TITLE_SIZE = "11pt"
#: Height per label row of the compliance chart: more than a line of its 8-point labels.
ROW_PIXELS = 18


def _small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8)
    return font


def _short(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _time_positions(labels: Sequence[str], period: str) -> list[float]:
    """x of each period on a true time axis: the first at 0, a period without a point keeps its place."""
    if not labels:
        return []
    first = qi_charts.period_ordinal(labels[0], period)
    return [float(qi_charts.period_ordinal(label, period) - first) for label in labels]


def _time_ticks(xs: Sequence[float], labels: Sequence[str]) -> list[tuple[float, str]]:
    span = (xs[-1] + 1) if xs else 0
    step = max(1, int(span + 11) // 12)  # at most 12 labels on screen
    return [(x, label) for x, label in zip(xs, labels, strict=True) if int(x) % step == 0]


def _plot() -> pg.PlotWidget:
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    item.showGrid(x=False, y=True, alpha=0.25)
    item.setMenuEnabled(False)
    item.hideButtons()
    widget.setMouseEnabled(x=False, y=False)
    widget.setMinimumSize(380, 200)
    return widget


class QiCharts(QWidget):
    """The key figures, the four charts and the words that explain them. ``draw`` shows a summary."""

    def __init__(self, theme: ChartTheme | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme or theme_named(current_theme())
        self.summary: QiSummary | None = None
        self.figures = QLabel()
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setAccessibleName("Key figures")
        self.open_infections = QLabel()
        self.open_infections.setWordWrap(True)
        self.open_infections.setAccessibleName("Infections in open windows")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setProperty("role", "muted")

        self.compliance_plot = _plot()
        self.p_plot = _plot()
        self.p_legend = QLabel()
        self.p_legend.setTextFormat(Qt.TextFormat.RichText)
        self.p_legend.setWordWrap(True)
        self.p_legend.setAccessibleName("p-chart legend")
        self.run_plot = _plot()
        self.risk_plot = _plot()
        # Each chart's title and axis labels (left, bottom), drawn again in the theme's colours.
        self._texts = {
            self.compliance_plot: (COMPLIANCE_TITLE, "", "% yes"),
            self.p_plot: ("90-day infections (p-chart)", "% with an infection", ""),
            self.run_plot: ("Full compliance (run chart)", "% fully compliant", ""),
            self.risk_plot: ("Infections by risk factor (eligible procedures)", "", "% with an infection"),
        }
        self.risk_factor = QComboBox()
        self.risk_factor.addItems(list(qi_surveillance.RISK_FACTORS))
        self.risk_factor.setAccessibleName("Risk factor")
        self.risk_factor.currentIndexChanged.connect(
            lambda _i: self.summary and self._draw_risk(self.summary)
        )

        risk_box = QWidget()
        risk_layout = QVBoxLayout(risk_box)
        risk_layout.setContentsMargins(0, 0, 0, 0)
        risk_row = QHBoxLayout()
        risk_row.addWidget(QLabel("Risk factor"))
        risk_row.addWidget(self.risk_factor)
        risk_row.addStretch(1)
        risk_layout.addLayout(risk_row)
        risk_layout.addWidget(self.risk_plot, 1)
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.addWidget(self.compliance_plot, 0, 0)
        p_box = QWidget()
        p_layout = QVBoxLayout(p_box)
        p_layout.setContentsMargins(0, 0, 0, 0)
        p_layout.addWidget(self.p_plot, 1)
        p_layout.addWidget(self.p_legend)
        grid.addWidget(p_box, 0, 1)
        grid.addWidget(risk_box, 1, 0)
        grid.addWidget(self.run_plot, 1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(charts)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures)
        layout.addWidget(self.open_infections)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.explanation)
        self._style_plots()

    # --------------------------------------------------------------------------------------- the theme

    def _style_plots(self) -> None:
        t = self.theme
        for widget, (title, left, bottom) in self._texts.items():
            widget.setBackground(t.background)
            item = widget.getPlotItem()
            item.setTitle(title, color=t.foreground, size=TITLE_SIZE)
            for name, text in (("left", left), ("bottom", bottom)):
                axis = item.getAxis(name)
                axis.setPen(pg.mkPen(t.muted))
                axis.setTextPen(pg.mkPen(t.foreground))
                if text:
                    item.setLabel(name, text, color=t.muted)

    def set_theme(self, theme: ChartTheme) -> None:
        """Draw in ``theme`` from now on (the summary shown is drawn again)."""
        self.theme = theme
        self._style_plots()
        if self.summary is not None:
            self.draw(self.summary)

    def follow_app_theme(self) -> None:
        """Switch to the application's theme if it changed (light or dark)."""
        theme = theme_named(current_theme())
        if theme.name != self.theme.name:
            self.set_theme(theme)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # The theme's name is set just after its palette: read it once the change is complete.
            QTimer.singleShot(0, self, self.follow_app_theme)

    def _colour(self, name: str) -> QColor:
        """The chart colours by role, from the theme."""
        t = self.theme
        data = QColor(t.day_colour(0))
        return {
            "data": data,
            "phase": data.darker(170),  # the phase totals: the data colour, darker
            "below_goal": QColor(t.warning),
            "run": QColor(t.warning),
            "flag": QColor(t.urgent),
            "goal": QColor(t.zone),
            "limit": QColor(t.muted),
            "ink": QColor(t.foreground),
            "outline": QColor(t.background),
        }[name]

    def _note(self, text: str) -> pg.TextItem:
        note = pg.TextItem(text, color=self.theme.muted, anchor=(0.5, 0.5))
        note.setPos(0, 50)
        return note

    # ---------------------------------------------------------------------------------------- drawing

    def draw(self, s: QiSummary) -> None:
        """Show ``s``: the key figures, the four charts and their explanations."""
        self.summary = s
        self._draw_figures(s)
        self._draw_compliance(s)
        self._draw_p_chart(s)
        self._draw_run_chart(s)
        self._draw_risk(s)

    def _draw_figures(self, s: QiSummary) -> None:
        ssi = s.ssi
        cells = [
            ("Procedures", str(s.procedures)),
            ("Full compliance", qi_procedures.format_pct(s.full.pct)),
            ("90-day infection rate", f"{qi_procedures.format_pct(ssi.pct)} ({ssi.count} of {ssi.eligible})"),
            ("Still in their 90-day window", str(ssi.open_windows)),
            ("Infections in open windows", str(len(ssi.open_window_infections))),
        ]
        self.figures.setText(
            "<table cellspacing='14'><tr>"
            + "".join(f"<td>{label}<br><b style='font-size:16pt'>{value}</b></td>" for label, value in cells)
            + "</tr></table>"
        )
        # R12 revision 2: infections inside a window still open are not in the rate yet, but shown at once.
        self.open_infections.setVisible(bool(ssi.open_window_infections))
        self.open_infections.setText(
            "Infections in windows still open (not in the rate until the window closes): "
            + "; ".join(qi_surveillance.open_window_infection_words(p) for p in ssi.open_window_infections)
            + "."
            if ssi.open_window_infections
            else ""
        )
        # The why of each chart: in words under the charts and as the chart's tooltip.
        self.explanation.setText(f"{s.ssi.explanation} {s.full.explanation}")
        self.p_plot.setToolTip(s.p_chart.explanation)
        self.run_plot.setToolTip(s.run_chart.explanation)
        self.compliance_plot.setToolTip(
            "Compliance per step = yes ÷ (yes + no); not applicable is left out. Orange: below the "
            f"{COMPLIANCE_GOAL_PCT} % goal. Dark bars: the phase totals."
        )

    def _draw_compliance(self, s: QiSummary) -> None:
        plot = self.compliance_plot.getPlotItem()
        plot.clear()
        ticks: list[tuple[float, str]] = []
        self.compliance_rows: dict[str, float] = {}  # phase code or step code → row position
        phase_y: list[float] = []
        phase_w: list[float] = []
        step_y: list[float] = []
        step_w: list[float] = []
        step_brushes: list[QColor] = []
        row = 0.0
        for phase in s.phases:
            ticks.append((row, phase.name))
            self.compliance_rows[phase.phase] = row
            if phase.pct is not None:
                phase_y.append(row)
                phase_w.append(phase.pct)
            row += 1
            for step in s.steps:
                if step.phase != phase.phase:
                    continue
                ticks.append((row, "· " + _short(step.text)))
                self.compliance_rows[step.code] = row
                if step.pct is not None:
                    step_y.append(row)
                    step_w.append(step.pct)
                    meets = step.pct >= COMPLIANCE_GOAL_PCT
                    step_brushes.append(self._colour("data" if meets else "below_goal"))
                row += 1
        self.phase_bars = pg.BarGraphItem(
            x0=0, y=phase_y, height=0.75, width=phase_w, brush=self._colour("phase"), pen=None
        )
        self.step_bars = pg.BarGraphItem(
            x0=0, y=step_y, height=0.6, width=step_w, brushes=step_brushes, pen=None
        )
        plot.addItem(self.phase_bars)
        plot.addItem(self.step_bars)
        for y, value in zip(phase_y + step_y, phase_w + step_w, strict=True):
            label = pg.TextItem(f"{value:.1f} %", color=self.theme.foreground, anchor=(0, 0.5))
            label.setPos(value + 1, y)
            plot.addItem(label)
        self.goal_line = pg.InfiniteLine(
            COMPLIANCE_GOAL_PCT,
            angle=90,
            pen=pg.mkPen(self._colour("goal"), width=2, style=Qt.PenStyle.DashLine),
        )
        plot.addItem(self.goal_line)
        axis = plot.getAxis("left")
        axis.setTicks([ticks])
        axis.setWidth(250)
        # Every step label is shown: a smaller font, and no dropping once labels fill 80 % of the axis.
        axis.setStyle(textFillLimits=[(0, 1.0)], tickFont=_small_font())
        plot.getViewBox().invertY(True)
        plot.setXRange(0, 115, padding=0)
        plot.setYRange(-0.6, max(row - 0.4, 1), padding=0)
        # One line of label per row, whatever the number of steps (11 steps overlapped at the old height):
        # the chart grows and the charts page scrolls.
        self.compliance_plot.setMinimumHeight(max(200, int(row * ROW_PIXELS) + 70))

    def _draw_p_chart(self, s: QiSummary) -> None:
        """The p-chart on a true time axis (a period without eligible procedures keeps its place), each
        point with its tooltip, provisional points (windows still open) hollow, the legend under the plot."""
        plot = self.p_plot.getPlotItem()
        plot.clear()
        points = s.p_chart.points
        xs = _time_positions([p.period for p in points], s.p_chart.period)
        limit_pen = pg.mkPen(self._colour("limit"), width=1.5, style=Qt.PenStyle.DashLine)
        # Each period's limits as its own step, so that a gap between periods stays a gap.
        step_x = [v for x in xs for v in (x - 0.5, x + 0.5, float("nan"))]
        self.ucl_curve = pg.PlotDataItem(
            step_x,
            [v for p in points for v in (p.ucl * 100, p.ucl * 100, float("nan"))],
            pen=limit_pen,
            connect="finite",
        )
        self.lcl_curve = pg.PlotDataItem(
            step_x,
            [v for p in points for v in (p.lcl * 100, p.lcl * 100, float("nan"))],
            pen=limit_pen,
            connect="finite",
        )
        data = self._colour("data")
        self.p_curve = pg.PlotDataItem(xs, [p.p * 100 for p in points], pen=pg.mkPen(data, width=2))
        self.p_tips = {p.period: p.tooltip for p in points}
        self.p_points = pg.ScatterPlotItem(
            xs,
            [p.p * 100 for p in points],
            size=9,
            brush=[pg.mkBrush(self._colour("outline") if p.provisional else data) for p in points],
            pen=pg.mkPen(data, width=2),
            data=[p.tooltip for p in points],
            hoverable=True,
            tip=lambda x, y, data: str(data),
        )
        beyond = [(x, p.p * 100) for x, p in zip(xs, points, strict=True) if p.beyond_limits]
        runs = [(x, p.p * 100) for x, p in zip(xs, points, strict=True) if p.in_run and not p.beyond_limits]
        outline = pg.mkPen(self._colour("outline"))
        self.p_beyond = pg.ScatterPlotItem(
            [a for a, _ in beyond], [b for _, b in beyond], size=13, brush=self._colour("flag"), pen=outline
        )
        self.p_runs = pg.ScatterPlotItem(
            [a for a, _ in runs],
            [b for _, b in runs],
            size=11,
            brush=self._colour("run"),
            pen=outline,
            symbol="s",
        )
        # The flags last: a red or orange mark must not be hidden under the plain point.
        for item in (self.ucl_curve, self.lcl_curve, self.p_curve, self.p_points, self.p_beyond, self.p_runs):
            plot.addItem(item)
        self.p_legend.setText(self._p_legend_text(points))
        centre = (s.p_chart.centre or 0.0) * 100
        self.p_centre = pg.InfiniteLine(
            centre,
            angle=0,
            pen=pg.mkPen(self._colour("ink"), width=1.5),
            label=f"centre {centre:.2f} %",
            labelOpts={"position": 0.97, "color": self.theme.foreground, "anchors": [(1, 1), (1, 1)]},
        )
        if points:
            plot.addItem(self.p_centre)
        plot.getAxis("bottom").setTicks([_time_ticks(xs, [p.period for p in points])])
        top = max([p.ucl * 100 for p in points] + [p.p * 100 for p in points] + [5.0])
        plot.setYRange(0, min(105.0, top * 1.1), padding=0)
        plot.setXRange(-0.6, max((xs[-1] if xs else 0.0) + 0.6, 0.6), padding=0)
        if not points:
            plot.addItem(
                self._note("No eligible procedure yet: the chart starts when a 90-day window closes.")
            )

    def _p_legend_text(self, points: Sequence[qi_charts.PChartPoint]) -> str:
        """The p-chart's legend, outside the plot so that it never covers a limit."""
        t = self.theme
        data = self._colour("data").name()
        parts = [
            f"<span style='color:{data}'>●</span> infections ÷ eligible",
            f"<span style='color:{t.muted}'>- -</span> control limits (3 sigma)",
        ]
        if any(p.provisional for p in points):
            parts.append(f"<span style='color:{data}'>○</span> not final: windows still open")
        if any(p.beyond_limits for p in points):
            parts.append(f"<span style='color:{self._colour('flag').name()}'>●</span> beyond the limits")
        if any(p.in_run and not p.beyond_limits for p in points):
            parts.append(
                f"<span style='color:{self._colour('run').name()}'>■</span> run of {qi_charts.RUN_LENGTH}"
            )
        return " &nbsp; ".join(parts)

    def _draw_run_chart(self, s: QiSummary) -> None:
        plot = self.run_plot.getPlotItem()
        plot.clear()
        points = s.run_chart.points
        xs = _time_positions([p.period for p in points], s.run_chart.period)
        data = self._colour("data")
        self.run_curve = pg.PlotDataItem(
            xs,
            [p.pct for p in points],
            pen=pg.mkPen(data, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=data,
            symbolPen=None,
        )
        flagged = [(x, p.pct) for x, p in zip(xs, points, strict=True) if p.in_run]
        self.run_flags = pg.ScatterPlotItem(
            [a for a, _ in flagged],
            [b for _, b in flagged],
            size=11,
            brush=self._colour("run"),
            pen=pg.mkPen(self._colour("outline")),
            symbol="s",
        )
        plot.addItem(self.run_curve)
        plot.addItem(self.run_flags)
        median = s.run_chart.median if s.run_chart.median is not None else 0.0
        self.run_median = pg.InfiniteLine(
            median,
            angle=0,
            pen=pg.mkPen(self._colour("ink"), width=1.5, style=Qt.PenStyle.DashLine),
            label=f"median {median:.1f} %",
            labelOpts={"position": 0.97, "color": self.theme.foreground, "anchors": [(1, 1), (1, 1)]},
        )
        if points:
            plot.addItem(self.run_median)
        else:
            plot.addItem(self._note("No procedure with checklist answers yet."))
        plot.getAxis("bottom").setTicks([_time_ticks(xs, [p.period for p in points])])
        plot.setYRange(0, 105, padding=0)
        plot.setXRange(-0.6, max((xs[-1] if xs else 0.0) + 0.6, 0.6), padding=0)

    def _draw_risk(self, s: QiSummary) -> None:
        """Infections within 90 days per group of the chosen risk factor, with the overall rate."""
        plot = self.risk_plot.getPlotItem()
        plot.clear()
        factor = self.risk_factor.currentText()
        groups = [g for g in s.risk if g.factor == factor]
        ticks: list[tuple[float, str]] = []
        self.risk_rows: dict[str, float] = {}
        ys: list[float] = []
        widths: list[float] = []
        for row, group in enumerate(groups):
            ticks.append((float(row), f"{group.group} (n={group.eligible})"))
            self.risk_rows[group.group] = float(row)
            ys.append(float(row))
            widths.append(group.pct or 0.0)
            label = pg.TextItem(
                f"{qi_procedures.format_pct(group.pct)} ({group.ssi}/{group.eligible})",
                color=self.theme.foreground,
                anchor=(0, 0.5),
            )
            label.setPos((group.pct or 0.0) + 0.3, row)
            plot.addItem(label)
        self.risk_bars = pg.BarGraphItem(
            x0=0, y=ys, height=0.6, width=widths, brush=self._colour("data"), pen=None
        )
        plot.addItem(self.risk_bars)
        overall = s.ssi.pct
        self.risk_overall = pg.InfiniteLine(
            overall or 0.0, angle=90, pen=pg.mkPen(self._colour("ink"), width=1.5, style=Qt.PenStyle.DashLine)
        )
        if overall is not None and groups:
            plot.addItem(self.risk_overall)
        else:
            plot.addItem(self._note("No eligible procedure yet."))
        plot.setTitle(
            f"Infections by {factor.lower()} (dashed: all, {qi_procedures.format_pct(overall)})",
            color=self.theme.foreground,
            size=TITLE_SIZE,
        )
        axis = plot.getAxis("left")
        axis.setTicks([ticks])
        axis.setWidth(170)
        plot.getViewBox().invertY(True)
        plot.setXRange(0, max([*widths, overall or 0.0, 10.0]) * 1.3, padding=0)
        plot.setYRange(-0.6, max(len(groups) - 0.4, 1), padding=0)
