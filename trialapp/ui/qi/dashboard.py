"""The infection QI dashboard and the operating-room checklist.

``QiDashboard(app, actor)``: filters (site, surgeon, surgery dates, month or quarter, as-of date), the key
figures, and four charts (pyqtgraph): compliance per step and phase against the 80 % goal, the SSI p-chart
with its limits and flagged points, the compliance run chart with its median and runs of 8, and infections
by risk factor. Further tabs hold the procedures, the 90-day follow-up list and the bundle editor.

``ProcedureChecklistDialog(app, actor, procedure_id=None)``: a tablet-sized window for the operating room:
big Yes / No / N/A buttons per step of the bundle version in force, usable by touch.

Every number comes from ``trialapp.services.qi`` (the R11–R13 summary); widgets only draw and call services.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QScroller,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain import qi
from trialapp.domain.qi import COMPLIANCE_GOAL_PCT, PHASES, PROCEDURE_KINDS, QiFilter, QiSummary, RiskFactors
from trialapp.services import qi as qi_service
from trialapp.services.context import Actor, App
from trialapp.services.errors import ServiceError
from trialapp.services.permissions import allowed
from trialapp.storage.errors import StorageError

DATA = QColor("#1f61a8")  # blue
BELOW_GOAL = QColor("#d97306")  # orange
FLAG = QColor("#cc1a1a")  # red
RUN = QColor("#d97306")  # orange
GOAL = QColor("#1a8c40")  # green
GREY = QColor("#6e6e6e")
PHASE = QColor("#0d3d73")  # dark blue: the phase totals

ANSWER_COLOURS = {"yes": "#1a7a3a", "no": "#c01818", "na": "#555555"}
NO_LIMIT = QDate(2000, 1, 1)
TABLET_STYLE = (
    "QWidget { font-size: 14pt; }"
    "QPushButton, QLineEdit, QComboBox, QDateEdit, QSpinBox, QDoubleSpinBox { min-height: 44px; }"
)  # a date edit at this date means "no limit" (shown as "any")
KIND_SHORT = {
    "new_implant": "New",
    "pump_replacement": "Pump",
    "catheter_revision": "Catheter",
    "wound_revision": "Wound",
    "removal": "Removal",
    "other": "Other",
}


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _date_edit(value: date | None, *, allow_none: bool = False) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if allow_none:
        edit.setMinimumDate(NO_LIMIT)
        edit.setSpecialValueText("any")
    edit.setDate(_qdate(value) if value else NO_LIMIT)
    return edit


def _optional_date(edit: QDateEdit) -> date | None:
    return None if edit.date() == NO_LIMIT else _pydate(edit.date())


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setProperty("role", "error")  # the theme colours it (readable in light and dark)
    label.setStyleSheet("QLabel[role='error'] { font-weight: bold; }")
    label.setAccessibleName("Problems")
    label.hide()
    return label


def _save_cancel_row(save: Callable[[], object], cancel: Callable[[], object]) -> QHBoxLayout:
    """Cancel and Save (the default button) at the right of a dialog."""
    save_button = QPushButton("Save")
    save_button.setDefault(True)
    save_button.clicked.connect(save)
    cancel_button = QPushButton("Cancel")
    cancel_button.clicked.connect(cancel)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel_button)
    row.addWidget(save_button)
    return row


def _show_error(label: QLabel, problem: Exception | str) -> None:
    label.setText(str(problem))
    label.show()


def _plot(title: str, left: str, bottom: str = "") -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.setBackground("w")
    item = widget.getPlotItem()
    item.setTitle(title, color="#202020", size="11pt")
    item.showGrid(x=False, y=True, alpha=0.25)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen("#404040"))
        axis.setTextPen(pg.mkPen("#202020"))
    item.setLabel("left", left, color="#404040")
    if bottom:
        item.setLabel("bottom", bottom, color="#404040")
    item.setMenuEnabled(False)
    item.hideButtons()
    widget.setMouseEnabled(x=False, y=False)
    widget.setMinimumSize(380, 200)
    return widget


def _small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8)
    return font


def _short(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------------------------------


class QiDashboard(QWidget):
    """The QI lead's dashboard: charts, procedures, follow-up and the bundle. ``as_of`` fixes the as-of
    date shown at first (default today)."""

    changed = Signal()  # something was recorded: other views may refresh

    def __init__(
        self, app: App, actor: Actor, parent: QWidget | None = None, *, as_of: date | None = None
    ) -> None:
        super().__init__(parent)
        self._app, self._actor = app, actor
        self.summary: QiSummary | None = None
        self.setWindowTitle("Infection quality improvement")

        self.site = QComboBox()
        self.site.setAccessibleName("Site")
        self.surgeon = QComboBox()
        self.surgeon.setAccessibleName("Surgeon")
        self.period = QComboBox()
        self.period.addItem("Quarter", "quarter")
        self.period.addItem("Month", "month")
        self.period.setAccessibleName("Chart period")
        self.date_from = _date_edit(None, allow_none=True)
        self.date_from.setAccessibleName("Surgery from")
        self.date_to = _date_edit(None, allow_none=True)
        self.date_to.setAccessibleName("Surgery to")
        self.as_of = _date_edit(as_of or date.today())
        self.as_of.setAccessibleName("As of")
        filters = QHBoxLayout()
        for label, widget in (
            ("Site", self.site),
            ("Surgeon", self.surgeon),
            ("Surgery from", self.date_from),
            ("to", self.date_to),
            ("Charts by", self.period),
            ("As of", self.as_of),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addStretch(1)
        self.report_button = QPushButton("PDF report…")
        self.report_button.clicked.connect(self._write_report)
        filters.addWidget(self.report_button)

        self.figures = QLabel()
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setAccessibleName("Key figures")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setProperty("role", "muted")

        self.compliance_plot = _plot(
            f"Compliance per phase and step (goal {COMPLIANCE_GOAL_PCT} %)", "", "% yes"
        )
        self.p_plot = _plot("90-day infections (p-chart)", "% with an infection")
        self.run_plot = _plot("Full compliance (run chart)", "% fully compliant")
        self.risk_plot = _plot("Infections by risk factor (eligible procedures)", "", "% with an infection")
        self.risk_factor = QComboBox()
        self.risk_factor.addItems(list(qi.RISK_FACTORS))
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
        grid.addWidget(self.p_plot, 0, 1)
        grid.addWidget(risk_box, 1, 0)
        grid.addWidget(self.run_plot, 1, 1)
        charts_page = QWidget()
        charts_layout = QVBoxLayout(charts_page)
        charts_layout.addWidget(self.figures)
        charts_layout.addWidget(charts, 1)
        charts_layout.addWidget(self.explanation)

        self.procedures = _ProceduresTab(self)
        self.follow_up = _FollowUpTab(self)
        self.bundle = BundleEditor(app, actor)
        self.bundle.saved.connect(self.refresh)
        self.tabs = QTabWidget()
        self.tabs.addTab(charts_page, "Charts")
        self.tabs.addTab(self.procedures, "Procedures")
        self.tabs.addTab(self.follow_up, "Follow-up (90 days)")
        self.tabs.addTab(self.bundle, "Bundle checklist")

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.tabs, 1)

        self._fill_filter_choices()
        for combo in (self.site, self.surgeon, self.period):
            combo.currentIndexChanged.connect(self.refresh)
        for edit in (self.date_from, self.date_to, self.as_of):
            edit.dateChanged.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------------------------------ data

    @property
    def app(self) -> App:
        return self._app

    @property
    def actor(self) -> Actor:
        return self._actor

    def _fill_filter_choices(self) -> None:
        sites, surgeons = qi_service.filter_choices(self._app, self._actor)
        for combo, values, everyone in (
            (self.site, sites, "All sites"),
            (self.surgeon, surgeons, "All surgeons"),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everyone, None)
            for value in values:
                combo.addItem(value, value)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def current_filter(self) -> QiFilter:
        """The filter the controls describe."""
        return QiFilter(
            site=self.site.currentData(),
            surgeon=self.surgeon.currentData(),
            date_from=_optional_date(self.date_from),
            date_to=_optional_date(self.date_to),
        )

    def current_as_of(self) -> date:
        return _pydate(self.as_of.date())

    def current_period(self) -> str:
        return str(self.period.currentData())

    def refresh(self) -> None:
        """Recompute the summary for the current filters and redraw everything."""
        self.summary = qi_service.qi_summary(
            self._app, self._actor, self.current_as_of(), self.current_period(), self.current_filter()
        )
        self._draw_figures(self.summary)
        self._draw_compliance(self.summary)
        self._draw_p_chart(self.summary)
        self._draw_run_chart(self.summary)
        self._draw_risk(self.summary)
        self.procedures.refresh()
        self.follow_up.refresh()

    def record_changed(self) -> None:
        """After a write: new sites or surgeons may exist; redraw."""
        self._fill_filter_choices()
        self.refresh()
        self.changed.emit()

    # ---------------------------------------------------------------------------------------- drawing

    def _draw_figures(self, s: QiSummary) -> None:
        ssi = s.ssi
        cells = [
            ("Procedures", str(s.procedures)),
            ("Full compliance", qi.format_pct(s.full.pct)),
            ("90-day infection rate", f"{qi.format_pct(ssi.pct)} ({ssi.count} of {ssi.eligible})"),
            ("Still in their 90-day window", str(ssi.open_windows)),
        ]
        self.figures.setText(
            "<table cellspacing='14'><tr>"
            + "".join(f"<td>{label}<br><b style='font-size:16pt'>{value}</b></td>" for label, value in cells)
            + "</tr></table>"
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
                    step_brushes.append(DATA if step.pct >= COMPLIANCE_GOAL_PCT else BELOW_GOAL)
                row += 1
        self.phase_bars = pg.BarGraphItem(x0=0, y=phase_y, height=0.75, width=phase_w, brush=PHASE, pen=None)
        self.step_bars = pg.BarGraphItem(
            x0=0, y=step_y, height=0.6, width=step_w, brushes=step_brushes, pen=None
        )
        plot.addItem(self.phase_bars)
        plot.addItem(self.step_bars)
        for y, value in zip(phase_y + step_y, phase_w + step_w, strict=True):
            label = pg.TextItem(f"{value:.1f} %", color="#202020", anchor=(0, 0.5))
            label.setPos(value + 1, y)
            plot.addItem(label)
        self.goal_line = pg.InfiniteLine(
            COMPLIANCE_GOAL_PCT,
            angle=90,
            pen=pg.mkPen(GOAL, width=2, style=Qt.PenStyle.DashLine),
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

    def _period_ticks(self, labels: Sequence[str]) -> list[tuple[float, str]]:
        step = max(1, (len(labels) + 11) // 12)  # at most 12 labels on screen
        return [(float(i), label) for i, label in enumerate(labels) if i % step == 0]

    def _draw_p_chart(self, s: QiSummary) -> None:
        plot = self.p_plot.getPlotItem()
        plot.clear()
        points = s.p_chart.points
        xs = [float(i) for i in range(len(points))]
        edges = [i - 0.5 for i in range(len(points) + 1)] if points else []
        self.ucl_curve = pg.PlotDataItem(
            edges,
            [p.ucl * 100 for p in points],
            stepMode="center",
            pen=pg.mkPen(GREY, width=1.5, style=Qt.PenStyle.DashLine),
        )
        self.lcl_curve = pg.PlotDataItem(
            edges,
            [p.lcl * 100 for p in points],
            stepMode="center",
            pen=pg.mkPen(GREY, width=1.5, style=Qt.PenStyle.DashLine),
        )
        self.p_curve = pg.PlotDataItem(
            xs,
            [p.p * 100 for p in points],
            pen=pg.mkPen(DATA, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=DATA,
            symbolPen=None,
        )
        beyond = [(x, p.p * 100) for x, p in zip(xs, points, strict=True) if p.beyond_limits]
        runs = [(x, p.p * 100) for x, p in zip(xs, points, strict=True) if p.in_run and not p.beyond_limits]
        self.p_beyond = pg.ScatterPlotItem(
            [a for a, _ in beyond], [b for _, b in beyond], size=13, brush=FLAG, pen=pg.mkPen("w")
        )
        self.p_runs = pg.ScatterPlotItem(
            [a for a, _ in runs], [b for _, b in runs], size=11, brush=RUN, pen=pg.mkPen("w"), symbol="s"
        )
        legend = plot.addLegend(
            offset=(8, 4), labelTextSize="8pt", labelTextColor="#202020", brush=pg.mkBrush(255, 255, 255, 220)
        )
        for item, name in (
            (self.p_curve, "infections ÷ eligible"),
            (self.ucl_curve, "control limits (3 sigma)"),
            (self.lcl_curve, None),
            (self.p_beyond, "beyond the limits"),
            (self.p_runs, f"run of {qi.RUN_LENGTH}"),
        ):
            plot.addItem(item)
            if name and (item not in (self.p_beyond, self.p_runs) or item.points().size):
                legend.addItem(item, name)
        centre = (s.p_chart.centre or 0.0) * 100
        self.p_centre = pg.InfiniteLine(
            centre,
            angle=0,
            pen=pg.mkPen("#202020", width=1.5),
            label=f"centre {centre:.2f} %",
            labelOpts={"position": 0.97, "color": "#202020", "anchors": [(1, 1), (1, 1)]},
        )
        if points:
            plot.addItem(self.p_centre)
        plot.getAxis("bottom").setTicks([self._period_ticks([p.period for p in points])])
        top = max([p.ucl * 100 for p in points] + [p.p * 100 for p in points] + [5.0])
        plot.setYRange(0, min(105.0, top * 1.1), padding=0)
        plot.setXRange(-0.6, max(len(points) - 0.4, 0.6), padding=0)
        if not points:
            plot.addItem(
                _empty_note("No eligible procedure yet: the chart starts when a 90-day window closes.")
            )

    def _draw_run_chart(self, s: QiSummary) -> None:
        plot = self.run_plot.getPlotItem()
        plot.clear()
        points = s.run_chart.points
        xs = [float(i) for i in range(len(points))]
        self.run_curve = pg.PlotDataItem(
            xs,
            [p.pct for p in points],
            pen=pg.mkPen(DATA, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=DATA,
            symbolPen=None,
        )
        flagged = [(x, p.pct) for x, p in zip(xs, points, strict=True) if p.in_run]
        self.run_flags = pg.ScatterPlotItem(
            [a for a, _ in flagged],
            [b for _, b in flagged],
            size=11,
            brush=RUN,
            pen=pg.mkPen("w"),
            symbol="s",
        )
        plot.addItem(self.run_curve)
        plot.addItem(self.run_flags)
        median = s.run_chart.median if s.run_chart.median is not None else 0.0
        self.run_median = pg.InfiniteLine(
            median,
            angle=0,
            pen=pg.mkPen("#202020", width=1.5, style=Qt.PenStyle.DashLine),
            label=f"median {median:.1f} %",
            labelOpts={"position": 0.97, "color": "#202020", "anchors": [(1, 1), (1, 1)]},
        )
        if points:
            plot.addItem(self.run_median)
        else:
            plot.addItem(_empty_note("No procedure with checklist answers yet."))
        plot.getAxis("bottom").setTicks([self._period_ticks([p.period for p in points])])
        plot.setYRange(0, 105, padding=0)
        plot.setXRange(-0.6, max(len(points) - 0.4, 0.6), padding=0)

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
                f"{qi.format_pct(group.pct)} ({group.ssi}/{group.eligible})", color="#202020", anchor=(0, 0.5)
            )
            label.setPos((group.pct or 0.0) + 0.3, row)
            plot.addItem(label)
        self.risk_bars = pg.BarGraphItem(x0=0, y=ys, height=0.6, width=widths, brush=DATA, pen=None)
        plot.addItem(self.risk_bars)
        overall = s.ssi.pct
        self.risk_overall = pg.InfiniteLine(
            overall or 0.0, angle=90, pen=pg.mkPen("#202020", width=1.5, style=Qt.PenStyle.DashLine)
        )
        if overall is not None and groups:
            plot.addItem(self.risk_overall)
        else:
            plot.addItem(_empty_note("No eligible procedure yet."))
        self.risk_plot.getPlotItem().setTitle(
            f"Infections by {factor.lower()} (dashed: all, {qi.format_pct(overall)})",
            color="#202020",
            size="11pt",
        )
        axis = plot.getAxis("left")
        axis.setTicks([ticks])
        axis.setWidth(170)
        plot.getViewBox().invertY(True)
        plot.setXRange(0, max([*widths, overall or 0.0, 10.0]) * 1.3, padding=0)
        plot.setYRange(-0.6, max(len(groups) - 0.4, 1), padding=0)

    # ---------------------------------------------------------------------------------------- actions

    def _write_report(self) -> None:
        from trialapp.services.qi_report import write_qi_report

        name, _ = QFileDialog.getSaveFileName(self, "Save the QI report", "qi-report.pdf", "PDF (*.pdf)")
        if not name:
            return
        write_qi_report(
            self._app,
            self._actor,
            Path(name),
            as_of=self.current_as_of(),
            period=self.current_period(),
            qi_filter=self.current_filter(),
        )


def _empty_note(text: str) -> pg.TextItem:
    note = pg.TextItem(text, color="#6e6e6e", anchor=(0.5, 0.5))
    note.setPos(0, 50)
    return note


class _ProceduresTab(QWidget):
    def __init__(self, dashboard: QiDashboard) -> None:
        super().__init__()
        self._d = dashboard
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(
            ["Procedure", "Date", "Kind", "Site", "Surgeon", "Checklist", "Infection"]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Procedures")
        self.table.doubleClicked.connect(self.open_selected)
        can_record = allowed(dashboard.actor, "record_qi")
        self.new_button = QPushButton("New procedure…")
        self.new_button.clicked.connect(self.new_procedure)
        self.open_button = QPushButton("Open checklist…")
        self.open_button.clicked.connect(self.open_selected)
        self.ssi_button = QPushButton("Record infection…")
        self.ssi_button.clicked.connect(self.record_ssi)
        self.correct_button = QPushButton("Correct procedure…")
        self.correct_button.setToolTip("Correct the date, kind, site or surgeon, with the reason")
        self.correct_button.clicked.connect(self.correct_selected)
        for button in (self.new_button, self.ssi_button, self.correct_button):
            button.setEnabled(can_record)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.ssi_button, self.correct_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)

    def refresh(self) -> None:
        d = self._d
        history = qi_service.bundle_history(d.app, d.actor)
        rows = qi_service.list_procedures(d.app, d.actor, d.current_filter())[::-1]  # newest first
        self.table.setRowCount(len(rows))
        for i, p in enumerate(rows):
            bundle = history.in_force(p.surgery_date).bundle
            answers = qi.applicable_answers(p, bundle)
            full = qi.is_fully_compliant(p, bundle)
            answered = sum(a is not None for a in answers.values())
            checklist = f"{answered}/{len(answers)} answered" + (
                "; fully compliant" if full else "; not fully compliant" if full is False and answered else ""
            )
            infection = "" if p.ssi is None else f"{qi.SSI_KIND_WORDS[p.ssi.kind]} {p.ssi.on.isoformat()}"
            values = (
                p.procedure_id,
                p.surgery_date.isoformat(),
                PROCEDURE_KINDS[p.kind],
                p.site,
                p.surgeon,
                checklist,
                infection,
            )
            for j, value in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(value))

    def selected_id(self) -> str | None:
        items = self.table.selectedItems()
        return self.table.item(items[0].row(), 0).text() if items else None

    def new_procedure(self) -> None:
        dialog = ProcedureChecklistDialog(self._d.app, self._d.actor, parent=self)
        if dialog.exec():
            self._d.record_changed()

    def open_selected(self) -> None:
        pid = self.selected_id()
        if pid is None:
            return
        dialog = ProcedureChecklistDialog(self._d.app, self._d.actor, pid, parent=self)
        if dialog.exec():
            self._d.record_changed()

    def record_ssi(self) -> None:
        pid = self.selected_id()
        if pid is None:
            return
        if SsiDialog(self._d.app, self._d.actor, pid, parent=self).exec():
            self._d.record_changed()

    def correct_selected(self) -> None:
        pid = self.selected_id()
        if pid is None:
            return
        if CorrectProcedureDialog(self._d.app, self._d.actor, pid, parent=self).exec():
            self._d.record_changed()


class _FollowUpTab(QWidget):
    def __init__(self, dashboard: QiDashboard) -> None:
        super().__init__()
        self._d = dashboard
        self.items: tuple[qi.FollowUp, ...] = ()
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Procedure", "Surgery", "Site", "Surgeon", "Day", "Follow-up"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Follow-up list")
        can_record = allowed(dashboard.actor, "record_qi")
        self.checkin_button = QPushButton("Record check-in…")
        self.checkin_button.clicked.connect(self.record_checkin)
        self.ssi_button = QPushButton("Record infection…")
        self.ssi_button.clicked.connect(self.record_ssi)
        for button in (self.checkin_button, self.ssi_button):
            button.setEnabled(can_record)
        self.caption = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.caption, 1)
        buttons.addWidget(self.checkin_button)
        buttons.addWidget(self.ssi_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)

    def refresh(self) -> None:
        d = self._d
        chosen = d.current_filter()
        self.items = tuple(
            i for i in qi_service.follow_up(d.app, d.actor, d.current_as_of()) if chosen.matches(i.procedure)
        )
        due = sum(1 for i in self.items if i.due)
        self.caption.setText(
            f"{len(self.items)} procedure(s) in follow-up on {d.current_as_of().isoformat()}; "
            f"{due} with a check-in due."
        )
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            p = item.procedure
            values = (
                p.procedure_id,
                p.surgery_date.isoformat(),
                p.site,
                p.surgeon,
                str(item.day) if item.window_open else "closed",
                item.explanation,
            )
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if item.due:
                    cell.setForeground(QColor("#8a4b00"))
                self.table.setItem(r, c, cell)

    def selected(self) -> qi.FollowUp | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.items[min(rows)] if rows else None

    def record_checkin(self) -> None:
        item = self.selected()
        if item is None:
            return
        if CheckinDialog(self._d.app, self._d.actor, item, parent=self).exec():
            self._d.record_changed()

    def record_ssi(self) -> None:
        item = self.selected()
        if item is None:
            return
        if SsiDialog(self._d.app, self._d.actor, item.procedure.procedure_id, parent=self).exec():
            self._d.record_changed()


# --------------------------------------------------------------------------------------------------
# Small dialogs: an infection, a check-in
# --------------------------------------------------------------------------------------------------


class SsiDialog(QDialog):
    """Record (or replace, with a reason) the surgical-site infection of one procedure."""

    def __init__(self, app: App, actor: Actor, procedure_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app, self._actor, self.procedure_id = app, actor, procedure_id
        detail = qi_service.get_procedure(app, actor, procedure_id)
        existing = detail.procedure.ssi
        self.setWindowTitle(f"Infection after procedure {procedure_id}")
        self.criteria: dict[str, QRadioButton] = {}
        group = QGroupBox("How was the infection established? (REFERENCE §8)")
        box = QVBoxLayout(group)
        for code, words in qi.SSI_CRITERION_WORDS.items():
            button = QRadioButton(words[0].upper() + words[1:])
            self.criteria[code] = button
            box.addWidget(button)
        chosen = existing.criterion if existing and existing.criterion else "culture_positive"
        self.criteria[chosen].setChecked(True)
        surgery = detail.procedure.surgery_date
        self.when = _date_edit(existing.on if existing else min(date.today(), surgery))
        self.organism = QLineEdit(existing.organism or "" if existing else "")
        self.organism.setPlaceholderText("e.g. Staphylococcus aureus (needed when culture-positive)")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why the recorded infection is changed")
        form = QFormLayout()
        form.addRow("Surgery", QLabel(f"{surgery.isoformat()} ({PROCEDURE_KINDS[detail.procedure.kind]})"))
        form.addRow("Date of infection", self.when)
        form.addRow("Organism", self.organism)
        if existing is not None:
            form.addRow("Reason for the change", self.reason)
        self.error = _error_label()
        buttons = _save_cancel_row(self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def save(self) -> bool:
        criterion = next(code for code, button in self.criteria.items() if button.isChecked())
        try:
            qi_service.record_ssi(
                self._app,
                self._actor,
                self.procedure_id,
                criterion,
                _pydate(self.when.date()),
                self.organism.text(),
                self.reason.text() or None,
            )
        except (ServiceError, StorageError) as exc:
            _show_error(self.error, exc)
            return False
        self.accept()
        return True


class CorrectProcedureDialog(QDialog):
    """Correct the date, kind, site or surgeon of a recorded procedure, with the reason (audited: the old
    and new values of each changed field stay in the history)."""

    def __init__(self, app: App, actor: Actor, procedure_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app, self._actor, self.procedure_id = app, actor, procedure_id
        self._before = qi_service.get_procedure(app, actor, procedure_id).procedure
        before = self._before
        self.setWindowTitle(f"Correct procedure {procedure_id}")
        self.surgery_date = _date_edit(before.surgery_date)
        self.surgery_date.setAccessibleName("Date of surgery")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of procedure")
        for code, words in PROCEDURE_KINDS.items():
            self.kind.addItem(words, code)
        self.kind.setCurrentIndex(self.kind.findData(before.kind))
        self.site = QLineEdit(before.site)
        self.site.setAccessibleName("Site")
        self.surgeon = QLineEdit(before.surgeon)
        self.surgeon.setAccessibleName("Surgeon")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the correction")
        self.reason.setPlaceholderText("e.g. the operating list says 14 March")
        form = QFormLayout()
        form.addRow("Date of surgery", self.surgery_date)
        form.addRow("Kind", self.kind)
        form.addRow("Site", self.site)
        form.addRow("Surgeon", self.surgeon)
        form.addRow("Reason for the correction", self.reason)
        self.error = _error_label()
        intro = QLabel(
            "Change what was recorded wrong. The history keeps the old and new values with the reason;"
            " the checklist answers and any infection stay with the procedure."
        )
        intro.setWordWrap(True)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(_save_cancel_row(self.save, self.reject))

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the record, as ``correct_procedure`` takes them."""
        before = self._before
        now = {
            "surgery_date": _pydate(self.surgery_date.date()),
            "kind": self.kind.currentData(),
            "site": self.site.text().strip(),
            "surgeon": self.surgeon.text().strip(),
        }
        return {name: value for name, value in now.items() if value != getattr(before, name)}

    def save(self) -> bool:
        changes = self.changes()
        if not changes:
            _show_error(
                self.error, "Nothing was changed: correct the date, kind, site or surgeon, or Cancel."
            )
            return False
        try:
            qi_service.correct_procedure(
                self._app, self._actor, self.procedure_id, reason=self.reason.text(), **changes
            )
        except (ServiceError, StorageError) as exc:
            _show_error(self.error, exc)
            return False
        self.accept()
        return True


class CheckinDialog(QDialog):
    """Record a follow-up contact of the 90-day window."""

    def __init__(self, app: App, actor: Actor, item: qi.FollowUp, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app, self._actor, self.procedure_id = app, actor, item.procedure.procedure_id
        self.setWindowTitle(f"Check-in for procedure {self.procedure_id}")
        self.day = QComboBox()
        for c in item.checkins:
            if c.status != "done":
                self.day.addItem(f"Day {c.day} (due {c.due_on.isoformat()})", c.day)
        first_due = next(
            (n for n in range(self.day.count()) if self.day.itemData(n) in {c.day for c in item.due}), 0
        )
        self.day.setCurrentIndex(first_due)
        self.done_on = _date_edit(date.today())
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. wound clean and dry, no fever")
        form = QFormLayout()
        form.addRow("Check-in", self.day)
        form.addRow("Done on", self.done_on)
        form.addRow("Note", self.note)
        self.error = _error_label()
        buttons = _save_cancel_row(self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("No infection found? Record the check-in. Infection found? Record the infection.")
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def save(self) -> bool:
        try:
            qi_service.record_checkin(
                self._app,
                self._actor,
                self.procedure_id,
                int(self.day.currentData()),
                _pydate(self.done_on.date()),
                self.note.text().strip() or None,
            )
        except (ServiceError, StorageError, TypeError) as exc:
            _show_error(self.error, exc)
            return False
        self.accept()
        return True


# --------------------------------------------------------------------------------------------------
# The bundle editor
# --------------------------------------------------------------------------------------------------


class BundleEditor(QWidget):
    """The checklist as a table the QI lead edits; saving makes a new version in force from a chosen date."""

    saved = Signal()

    COLUMNS = ("Phase", "Code", "Step", *(KIND_SHORT[k] for k in PROCEDURE_KINDS), "Confirmed", "Source")

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app, self._actor = app, actor
        self.can_edit = allowed(actor, "manage_qi_bundle")
        self.version = QComboBox()
        self.version.setAccessibleName("Bundle version")
        self.version.currentIndexChanged.connect(self._show_version)
        self.title = QLineEdit()
        self.title.setAccessibleName("Bundle title")
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(70)
        self.notes.setAccessibleName("Bundle notes")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setAccessibleName("Bundle steps")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(len(self.COLUMNS) - 1, 260)
        self.table.setWordWrap(True)
        for n, kind in enumerate(PROCEDURE_KINDS, start=3):
            self.table.horizontalHeaderItem(n).setToolTip(f"Applies to a {PROCEDURE_KINDS[kind]}")
        self.effective = _date_edit(date.today())
        self.effective.setAccessibleName("In force from")
        self.note = QLineEdit()
        self.note.setPlaceholderText("what changed (kept with the version)")
        self.error = _error_label()
        self.status = QLabel()
        self.add_button = QPushButton("Add step")
        self.add_button.clicked.connect(self.add_step)
        self.remove_button = QPushButton("Remove step")
        self.remove_button.clicked.connect(self.remove_step)
        self.up_button = QPushButton("Move up")
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button = QPushButton("Move down")
        self.down_button.clicked.connect(lambda: self._move(1))
        self.import_button = QPushButton("Load file…")
        self.import_button.clicked.connect(self._load_file)
        self.export_button = QPushButton("Save to file…")
        self.export_button.clicked.connect(self._save_file)
        self.save_button = QPushButton("Save as new version")
        self.save_button.clicked.connect(self.save_version)

        top = QHBoxLayout()
        top.addWidget(QLabel("Version"))
        top.addWidget(self.version)
        top.addWidget(self.status, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        meta = QFormLayout()
        meta.addRow("Title", self.title)
        meta.addRow("Notes", self.notes)
        edit_row = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            edit_row.addWidget(button)
        edit_row.addStretch(1)
        save_row = QHBoxLayout()
        save_row.addWidget(QLabel("In force from"))
        save_row.addWidget(self.effective)
        save_row.addWidget(QLabel("Note"))
        save_row.addWidget(self.note, 1)
        save_row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(meta)
        layout.addLayout(edit_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(save_row)
        self.reload()

    def reload(self) -> None:
        self.history = qi_service.bundle_history(self._app, self._actor)
        self.version.blockSignals(True)
        self.version.clear()
        for v in sorted(self.history.versions, key=lambda v: -v.version):
            start = self.history.starts_on(v)
            when = "from the start" if start is None else f"from {start.isoformat()}"
            self.version.addItem(f"{v.version} ({when})", v.version)
        self.version.setCurrentIndex(0)
        self.version.blockSignals(False)
        self._show_version()

    def _show_version(self) -> None:
        number = self.version.currentData()
        chosen = next((v for v in self.history.versions if v.version == number), self.history.current)
        self.load_bundle(chosen.bundle)
        current = chosen.version == self.history.current.version
        editable = current and self.can_edit
        if not self.can_edit:
            self.status.setText("Only a QI lead or an admin edits the bundle.")
        elif not current:
            self.status.setText(
                "An earlier version: shown for reference (procedures of its time are scored on it)."
            )
        else:
            self.status.setText("Edit the steps, then save a new version in force from a date.")
        for widget in (
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.save_button,
            self.import_button,
            self.title,
            self.notes,
            self.note,
            self.effective,
        ):
            widget.setEnabled(editable)
        self.table.setEnabled(True)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AllEditTriggers
            if editable
            else QAbstractItemView.EditTrigger.NoEditTriggers
        )
        for r in range(self.table.rowCount()):
            for c in (0, *range(3, 3 + len(PROCEDURE_KINDS) + 1)):
                cell = self.table.cellWidget(r, c)
                if cell is not None:
                    cell.setEnabled(editable)

    def load_bundle(self, bundle: qi.Bundle) -> None:
        """Show ``bundle`` in the table (not saved until 'Save as new version')."""
        self.title.setText(bundle.title)
        self.notes.setPlainText(bundle.notes)
        self.table.setRowCount(0)
        for step in bundle.steps:
            self._append_row(step)

    def _append_row(self, step: qi.BundleStep | None) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        phase = QComboBox()
        for code, name in PHASES.items():
            phase.addItem(name, code)
        phase.setCurrentIndex(max(phase.findData(step.phase if step else "procedure"), 0))
        self.table.setCellWidget(r, 0, phase)
        self.table.setItem(r, 1, QTableWidgetItem(step.code if step else ""))
        self.table.setItem(r, 2, QTableWidgetItem(step.text if step else ""))
        for n, kind in enumerate(PROCEDURE_KINDS, start=3):
            self.table.setCellWidget(r, n, _centred_check(step is None or step.applies(kind)))
        self.table.setCellWidget(r, 3 + len(PROCEDURE_KINDS), _centred_check(bool(step and step.confirmed)))
        self.table.setItem(r, 4 + len(PROCEDURE_KINDS), QTableWidgetItem(step.source if step else ""))

    def add_step(self) -> None:
        self._append_row(None)
        self.table.setCurrentCell(self.table.rowCount() - 1, 1)

    def remove_step(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def _move(self, delta: int) -> None:
        row = self.table.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        data = self.bundle_data()
        steps = [s for phase in data["phases"] for s in phase["steps"]]
        phases = [p["code"] for p in data["phases"] for _ in p["steps"]]
        # Rows are kept in table order; swap the two rows' contents.
        rows = list(zip(phases, steps, strict=True))
        rows[row], rows[target] = rows[target], rows[row]
        self.table.setRowCount(0)
        for phase, s in rows:
            self._append_row(
                qi.BundleStep(
                    s["code"], phase, s["text"], frozenset(s["applies_to"]), bool(s["confirmed"]), s["source"]
                )
            )
        self.table.setCurrentCell(target, 2)

    def bundle_data(self) -> dict[str, Any]:
        """The table as the bundle's JSON shape (not validated: ``qi.bundle_from_dict`` does that). Steps
        keep their table order within each phase."""
        by_phase: dict[str, list[dict[str, Any]]] = {p: [] for p in PHASES}
        for r in range(self.table.rowCount()):
            phase = self.table.cellWidget(r, 0)
            assert isinstance(phase, QComboBox)
            kinds = [
                k for n, k in enumerate(PROCEDURE_KINDS, start=3) if _checked(self.table.cellWidget(r, n))
            ]
            by_phase[str(phase.currentData())].append(
                {
                    "code": _cell_text(self.table, r, 1),
                    "text": _cell_text(self.table, r, 2),
                    "applies_to": kinds,
                    "confirmed": _checked(self.table.cellWidget(r, 3 + len(PROCEDURE_KINDS))),
                    "source": _cell_text(self.table, r, 4 + len(PROCEDURE_KINDS)),
                }
            )
        return {
            "format": qi.BUNDLE_FORMAT,
            "title": self.title.text(),
            "notes": self.notes.toPlainText(),
            "phases": [{"code": p, "name": n, "steps": by_phase[p]} for p, n in PHASES.items()],
        }

    def save_version(self) -> bool:
        """Validate the table and save it as a new version; problems are listed under the table."""
        self.error.hide()
        try:
            bundle = qi.bundle_from_dict(self.bundle_data())
            version = qi_service.save_bundle(
                self._app, self._actor, bundle, _pydate(self.effective.date()), self.note.text()
            )
        except qi.BundleError as exc:
            _show_error(self.error, exc)
            return False
        except (ServiceError, StorageError) as exc:
            _show_error(self.error, exc)
            return False
        self.note.clear()
        self.reload()
        self.status.setText(
            f"Saved version {version.version}, in force from {version.effective_from.isoformat()}."
        )
        self.saved.emit()
        return True

    def _load_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load a bundle file", "", "Bundle (*.json)")
        if not name:
            return
        try:
            bundle = qi_service.bundle_from_json(Path(name).read_text(encoding="utf-8"))
        except (ServiceError, OSError, UnicodeDecodeError) as exc:
            _show_error(self.error, exc)
            return
        self.load_bundle(bundle)
        self.status.setText(f"Loaded {Path(name).name}: check it, then save it as a new version.")

    def _save_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the bundle", "qi-bundle.json", "Bundle (*.json)")
        if name:
            Path(name).write_text(
                json.dumps(self.bundle_data(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )


def _centred_check(checked: bool) -> QWidget:
    holder = QWidget()
    box = QCheckBox()
    box.setChecked(checked)
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(box)
    return holder


def _checked(holder: QWidget | None) -> bool:
    box = holder.findChild(QCheckBox) if holder is not None else None
    return bool(box is not None and box.isChecked())


def _cell_text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""


# --------------------------------------------------------------------------------------------------
# The operating-room checklist (tablet)
# --------------------------------------------------------------------------------------------------


class _AnswerButtons(QWidget):
    """Yes / No / N/A as three big toggle buttons; pressing the chosen one again clears the answer."""

    changed = Signal()

    def __init__(self, step: qi.BundleStep, answer: str | None) -> None:
        super().__init__()
        self.step = step
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        text = QLabel(step.text)
        text.setWordWrap(True)
        text.setMinimumWidth(380)
        layout.addWidget(text, 1)
        for value, caption in (("yes", "Yes"), ("no", "No"), ("na", "N/A")):
            button = QPushButton(caption)
            button.setCheckable(True)
            button.setMinimumSize(104, 60)
            button.setAccessibleName(f"{caption}: {step.text}")
            button.setObjectName(f"answer_{value}")
            button.setChecked(answer == value)
            # The chosen answer must be obvious at arm's length: yes green, no red, N/A dark grey.
            button.setStyleSheet(
                "QPushButton { font-size: 15pt; min-height: 60px; min-width: 100px; }"
                f"QPushButton:checked {{ background: {ANSWER_COLOURS[value]}; color: white; font-weight: bold; }}"
            )
            button.clicked.connect(lambda checked, v=value: self._pressed(v, checked))
            self.group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)

    def _pressed(self, value: str, checked: bool) -> None:
        for other, button in self.buttons.items():
            if other != value:
                button.setChecked(False)
        self.buttons[value].setChecked(checked)
        self.changed.emit()

    def answer(self) -> str | None:
        return next((v for v, b in self.buttons.items() if b.isChecked()), None)


class ProcedureChecklistDialog(QDialog):
    """Record a procedure and its bundle checklist, sized and spaced for a tablet in the operating room.

    New (``procedure_id`` None): date, kind, site, surgeon, an optional trial (its patient fills the risk
    factors), the risk factors, then one row per step of the bundle version in force that applies to the
    kind. Existing: its answers and risk factors can be completed or changed."""

    def __init__(
        self, app: App, actor: Actor, procedure_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._app, self._actor, self.procedure_id = app, actor, procedure_id
        self.history = qi_service.bundle_history(app, actor)
        self.detail = qi_service.get_procedure(app, actor, procedure_id) if procedure_id else None
        self.setWindowTitle("Bundle checklist" + (f" — procedure {procedure_id}" if procedure_id else ""))
        self.resize(1024, 720)
        # Sizes as a style sheet, so that the app's theme (which sets font sizes and minimum heights for
        # every widget) cannot shrink this window's touch targets: the window's own sheet wins.
        self.setStyleSheet(TABLET_STYLE)
        sites, surgeons = qi_service.filter_choices(app, actor)

        p = self.detail.procedure if self.detail else None
        self.date = _date_edit(p.surgery_date if p else date.today())
        self.kind = QComboBox()
        for code, words in PROCEDURE_KINDS.items():
            self.kind.addItem(words[0].upper() + words[1:], code)
        self.kind.setCurrentIndex(max(self.kind.findData(p.kind if p else "new_implant"), 0))
        self.site = QComboBox()
        self.site.setEditable(True)
        self.site.addItems(sites)
        self.site.setCurrentText(p.site if p else (sites[0] if sites else ""))
        self.surgeon = QComboBox()
        self.surgeon.setEditable(True)
        self.surgeon.addItems(surgeons)
        self.surgeon.setCurrentText(
            p.surgeon if p else (actor.display_name if actor.role == "neurosurgeon" else "")
        )
        self.trial = QLineEdit(p.trial_id or "" if p else "")
        self.trial.setPlaceholderText("trial id (optional)")
        self.fill_button = QPushButton("Fill from trial")
        self.fill_button.clicked.connect(self.fill_from_trial)
        for widget in (self.date, self.kind, self.site, self.surgeon, self.trial, self.fill_button):
            widget.setMinimumHeight(44)
            widget.setEnabled(p is None)
        self.confirmed_by = QLineEdit(actor.display_name)
        self.confirmed_by.setMinimumHeight(44)
        self.confirmed_by.setAccessibleName("Confirmed by")

        self.risk = _RiskFactorsBox(p.risk if p else RiskFactors())
        # In the operating room the steps come first: the risk factors open on demand.
        self.risk_toggle = QPushButton("Risk factors…")
        self.risk_toggle.setCheckable(True)
        self.risk_toggle.setMinimumHeight(44)
        self.risk_toggle.toggled.connect(self.risk.setVisible)
        self.risk.setVisible(False)
        details = QGridLayout()
        details.addWidget(QLabel("Surgery date"), 0, 0)
        details.addWidget(self.date, 0, 1)
        details.addWidget(QLabel("Kind"), 0, 2)
        details.addWidget(self.kind, 0, 3)
        details.addWidget(QLabel("Site"), 1, 0)
        details.addWidget(self.site, 1, 1)
        details.addWidget(QLabel("Surgeon"), 1, 2)
        details.addWidget(self.surgeon, 1, 3)
        details.addWidget(QLabel("Trial"), 2, 0)
        trial_row = QHBoxLayout()
        trial_row.addWidget(self.trial, 1)
        trial_row.addWidget(self.fill_button)
        details.addLayout(trial_row, 2, 1)
        details.addWidget(QLabel("Confirmed by"), 2, 2)
        details.addWidget(self.confirmed_by, 2, 3)
        details.addWidget(self.risk_toggle, 3, 3)

        self.steps_box = QWidget()
        self.steps_layout = QVBoxLayout(self.steps_box)
        self.rows: dict[str, _AnswerButtons] = {}
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.steps_box)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        QScroller.grabGesture(
            scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture
        )  # swipe to scroll
        self.progress = QLabel()
        self.progress.setAccessibleName("Checklist progress")
        self.error = _error_label()
        self.save_button = QPushButton("Save checklist")
        self.save_button.setMinimumSize(200, 60)
        self.save_button.setStyleSheet("min-height: 60px; min-width: 200px; font-weight: bold;")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(allowed(actor, "record_qi"))
        cancel = QPushButton("Cancel")
        cancel.setMinimumSize(140, 60)
        cancel.setStyleSheet("min-height: 60px; min-width: 140px;")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(details)
        layout.addWidget(self.risk)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.date.dateChanged.connect(self._rebuild_steps)
        self.kind.currentIndexChanged.connect(self._rebuild_steps)
        self._rebuild_steps()

    def current_answers(self) -> dict[str, str | None]:
        """Step code → the chosen answer (None when none is chosen), for the steps shown."""
        return {code: row.answer() for code, row in self.rows.items()}

    def _rebuild_steps(self) -> None:
        kept = {c: a for c, a in self.current_answers().items() if a is not None}
        if not self.rows and self.detail is not None:
            kept = dict(self.detail.procedure.answers)
        while self.steps_layout.count():
            child = self.steps_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        version = self.history.in_force(_pydate(self.date.date()))
        kind = str(self.kind.currentData())
        self.bundle_version = version.version
        for phase, name in PHASES.items():
            steps = [s for s in version.bundle.applicable(kind) if s.phase == phase]
            if not steps:
                continue
            heading = QLabel(name)
            heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
            self.steps_layout.addWidget(heading)
            for step in steps:
                row = _AnswerButtons(step, kept.get(step.code))
                row.changed.connect(self._update_progress)
                self.rows[step.code] = row
                self.steps_layout.addWidget(row)
        self.steps_layout.addStretch(1)
        self._update_progress()

    def _update_progress(self) -> None:
        answers = self.current_answers()
        answered = sum(a is not None for a in answers.values())
        no = [code for code, a in answers.items() if a == "no"]
        text = f"Bundle version {self.bundle_version}: {answered} of {len(answers)} steps answered"
        if no:
            text += f"; {len(no)} not done"
        elif answered == len(answers) and answers:
            text += "; every applicable step done" if any(a == "yes" for a in answers.values()) else ""
        self.progress.setText(text)

    def fill_from_trial(self) -> None:
        trial = self.trial.text().strip()
        if not trial:
            return
        try:
            risk = qi_service.prefill_from_trial(self._app, self._actor, trial, _pydate(self.date.date()))
        except (ServiceError, StorageError) as exc:
            _show_error(self.error, exc)
            return
        self.error.hide()
        self.risk.fill_empty(risk)
        self.risk_toggle.setChecked(True)

    def save(self) -> bool:
        """Save through the services; problems are listed in the window and nothing is saved."""
        self.error.hide()
        answers = self.current_answers()
        try:
            risk = self.risk.value()
            if self.detail is None:
                self.procedure_id = qi_service.create_procedure(
                    self._app,
                    self._actor,
                    qi_service.NewProcedure(
                        surgery_date=_pydate(self.date.date()),
                        kind=str(self.kind.currentData()),
                        site=self.site.currentText(),
                        surgeon=self.surgeon.currentText(),
                        risk=risk,
                        trial_id=self.trial.text().strip() or None,
                    ),
                    {c: a for c, a in answers.items() if a is not None},
                    self.confirmed_by.text(),
                )
            else:
                stored = self.detail.procedure.answers
                changes = {c: a for c, a in answers.items() if stored.get(c) != a}
                qi_service.update_checklist(
                    self._app,
                    self._actor,
                    self.detail.procedure.procedure_id,
                    changes,
                    risk,
                    self.confirmed_by.text(),
                )
        except (ServiceError, StorageError) as exc:
            _show_error(self.error, exc)
            return False
        self.accept()
        return True


class _RiskFactorsBox(QGroupBox):
    """Risk factors with "not recorded" as a real choice (a blank is never read as no)."""

    def __init__(self, risk: RiskFactors) -> None:
        super().__init__("Risk factors (REFERENCE §6)")
        self.age_years = _optional_spin(0, 40, 1, " y")
        self.weight = _optional_spin(1, 250, 1, " kg")
        self.bmi = _optional_spin(5, 80, 1, " kg/m²")
        self.gmfcs = QComboBox()
        self.gmfcs.addItem("not recorded", None)
        for level, roman in enumerate(("I", "II", "III", "IV", "V"), start=1):
            self.gmfcs.addItem(roman, level)
        self.gastrostomy = _tri_state()
        self.revisions = QSpinBox()
        self.revisions.setRange(-1, 50)
        self.revisions.setSpecialValueText("not recorded")
        self.csf_leak = _tri_state()
        grid = QGridLayout(self)
        for n, (label, widget) in enumerate(
            (
                ("Age", self.age_years),
                ("Weight", self.weight),
                ("BMI", self.bmi),
                ("GMFCS", self.gmfcs),
                ("Gastrostomy / ostomy", self.gastrostomy),
                ("Revisions, last 6 months", self.revisions),
                ("CSF leak", self.csf_leak),
            )
        ):
            widget.setMinimumHeight(40)
            grid.addWidget(QLabel(label), n // 3, (n % 3) * 2)
            grid.addWidget(widget, n // 3, (n % 3) * 2 + 1)
        self.set_value(risk)

    def set_value(self, risk: RiskFactors) -> None:
        _set_optional(self.age_years, None if risk.age_months is None else risk.age_months / 12)
        _set_optional(self.weight, risk.weight_kg)
        _set_optional(self.bmi, risk.bmi)
        self.gmfcs.setCurrentIndex(max(self.gmfcs.findData(risk.gmfcs_level), 0))
        _set_tri(self.gastrostomy, risk.gastrostomy)
        self.revisions.setValue(-1 if risk.prior_revisions_6m is None else risk.prior_revisions_6m)
        _set_tri(self.csf_leak, risk.csf_leak)

    def fill_empty(self, risk: RiskFactors) -> None:
        """Fill only what is still "not recorded" (what the team entered wins)."""
        current = self.value()
        merged = {k: v if getattr(current, k) is None else getattr(current, k) for k, v in vars(risk).items()}
        self.set_value(RiskFactors(**merged))

    def value(self) -> RiskFactors:
        years = _optional_value(self.age_years)
        return RiskFactors(
            age_months=None if years is None else round(years * 12),
            weight_kg=_optional_value(self.weight),
            bmi=_optional_value(self.bmi),
            gmfcs_level=self.gmfcs.currentData(),
            gastrostomy=self.gastrostomy.currentData(),
            prior_revisions_6m=None if self.revisions.value() < 0 else self.revisions.value(),
            csf_leak=self.csf_leak.currentData(),
        )


def _optional_spin(low: float, high: float, decimals: int, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(low - 1, high)  # the value below the range means "not recorded"
    spin.setSpecialValueText("not recorded")
    spin.setSuffix(suffix)
    return spin


def _optional_value(spin: QDoubleSpinBox) -> float | None:
    return None if spin.value() == spin.minimum() else round(spin.value(), spin.decimals())


def _set_optional(spin: QDoubleSpinBox, value: float | None) -> None:
    spin.setValue(spin.minimum() if value is None else value)


def _tri_state() -> QComboBox:
    combo = QComboBox()
    combo.addItem("not recorded", None)
    combo.addItem("yes", True)
    combo.addItem("no", False)
    return combo


def _set_tri(combo: QComboBox, value: bool | None) -> None:
    combo.setCurrentIndex({None: 0, True: 1, False: 2}[value])


__all__ = ["BundleEditor", "CheckinDialog", "ProcedureChecklistDialog", "QiDashboard", "SsiDialog"]
