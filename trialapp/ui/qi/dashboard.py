"""The infection QI dashboard.

``QiDashboard(app, actor)``: filters (site, surgeon, surgery dates, month or quarter, as-of date), the key
figures and four charts (``charts.py``), and tabs for the procedures, the 90-day follow-up list and the
bundle editor (``bundle_editor.py``). The operating-room checklist is ``checklist.py``; the small dialogs
are ``dialogs.py``.

Every number comes from ``trialapp.services.qi`` (the R11–R13 summary) through the QI controller
(``controller.py``): the dashboard tells it what to show, and redraws when it says ``changed``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain import qi_compliance, qi_procedures, qi_surveillance
from trialapp.domain.qi_bundle import PROCEDURE_KINDS
from trialapp.domain.qi_procedures import QiFilter
from trialapp.domain.qi_summary import QiSummary
from trialapp.services.context import Actor, App
from trialapp.ui.actions import run_service
from trialapp.ui.fit_screen import fit_window
from trialapp.ui.qi.bundle_editor import BundleEditor
from trialapp.ui.qi.charts import QiCharts
from trialapp.ui.qi.checklist import ProcedureChecklistDialog
from trialapp.ui.qi.common import date_edit, optional_date, pydate, save_file, write_text
from trialapp.ui.qi.controller import QiController, QiView
from trialapp.ui.qi.dialogs import CheckinDialog, CorrectProcedureDialog, RemoveSsiDialog, SsiDialog
from trialapp.ui.theme import warning_color


class QiDashboard(QWidget):
    """The QI lead's dashboard: charts, procedures, follow-up and the bundle. ``as_of`` fixes the as-of
    date shown at first (default today)."""

    changed = Signal()  # something was recorded: other views may refresh

    def __init__(
        self, app: App, actor: Actor, parent: QWidget | None = None, *, as_of: date | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = QiController(app, actor, self)
        self.setWindowTitle("Infection quality improvement")
        fit_window(self, *DEFAULT_SIZE)

        self.site = QComboBox()
        self.site.setAccessibleName("Site")
        self.surgeon = QComboBox()
        self.surgeon.setAccessibleName("Surgeon")
        self.period = QComboBox()
        self.period.addItem("Quarter", "quarter")
        self.period.addItem("Month", "month")
        self.period.setAccessibleName("Chart period")
        self.date_from = date_edit(None, allow_none=True)
        self.date_from.setAccessibleName("Surgery from")
        self.date_to = date_edit(None, allow_none=True)
        self.date_to.setAccessibleName("Surgery to")
        self.as_of = date_edit(as_of or date.today())
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

        self.charts = QiCharts(parent=self)
        self.procedures = _ProceduresTab(self)
        self.follow_up = _FollowUpTab(self)
        self.bundle = BundleEditor(app, actor, controller=self.controller)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.charts, "Charts")
        self.tabs.addTab(self.procedures, "Procedures")
        self.tabs.addTab(self.follow_up, "Follow-up (90 days)")
        self.tabs.addTab(self.bundle, "Bundle checklist")

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.tabs, 1)

        self.controller.changed.connect(self._redraw)
        self.controller.recorded.connect(self.changed)
        self._fill_filter_choices(*self.controller.filter_choices())
        for combo in (self.site, self.surgeon, self.period):
            combo.currentIndexChanged.connect(self.refresh)
        for edit in (self.date_from, self.date_to, self.as_of):
            edit.dateChanged.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------------------------------ data

    @property
    def summary(self) -> QiSummary | None:
        return self.controller.summary

    def _fill_filter_choices(self, sites: list[str], surgeons: list[str]) -> None:
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
            date_from=optional_date(self.date_from),
            date_to=optional_date(self.date_to),
        )

    def current_as_of(self) -> date:
        return pydate(self.as_of.date())

    def current_period(self) -> str:
        return str(self.period.currentData())

    def current_view(self) -> QiView:
        return QiView(self.current_as_of(), self.current_period(), self.current_filter())

    def refresh(self) -> None:
        """Recompute the summary for the current filters and redraw everything."""
        self.controller.set_view(self.current_view())

    def record_changed(self) -> None:
        """After a write made elsewhere: read again and redraw (new sites or surgeons may exist)."""
        self.controller.reload()
        self.changed.emit()

    def _redraw(self) -> None:
        c = self.controller
        self._fill_filter_choices(c.sites, c.surgeons)
        if c.view is not None and self.current_view() != c.view:
            # A chosen site or surgeon is no longer on file (corrected away): show what the controls say.
            self.refresh()
            return
        if c.summary is not None:
            self.charts.draw(c.summary)
        self.procedures.show_rows()
        self.follow_up.show_rows()

    # ---------------------------------------------------------------------------------------- actions

    def _write_report(self) -> None:
        suggested = f"qi-report-{self.current_as_of().isoformat()}.pdf"
        name, _ = QFileDialog.getSaveFileName(self, "Save the QI report", suggested, "PDF (*.pdf)")
        if name:
            self.write_report(Path(name))

    def _import_csv(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import procedures", "", "QI procedures (*.csv)")
        if name:
            self.import_csv(Path(name))

    def import_csv(self, path: Path) -> bool:
        """Import the procedures of a QI CSV file (every problem listed, nothing imported unless the whole
        file is valid); what was imported is said in words."""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            QMessageBox.warning(
                self,
                "Import procedures",
                f'{path.name} is not UTF-8 text. Save it from the spreadsheet as "CSV UTF-8" and import '
                "again; nothing was imported.",
            )
            return False
        except OSError as exc:
            QMessageBox.warning(
                self,
                "Import procedures",
                f"{path} could not be read: {exc.strerror or exc}. Nothing was imported.",
            )
            return False
        done = run_service(self, "Import procedures", lambda: self.controller.import_csv(text))
        if done is None:
            return False
        self.import_message = (
            f"Imported {len(done.added)} new procedure(s) from {path.name}; "
            f"{len(done.unchanged)} already on file were left as they were."
        )
        QMessageBox.information(self, "Import procedures", self.import_message)
        return True

    def _export_csv(self) -> None:
        suggested = f"qi-procedures-{date.today().isoformat()}.csv"
        name, _ = QFileDialog.getSaveFileName(self, "Export procedures", suggested, "QI procedures (*.csv)")
        if name:
            self.export_csv(Path(name))

    def export_csv(self, path: Path) -> bool:
        """Write the procedures of the current filter as the QI CSV (audited); a failure is said in words."""
        chosen = self.current_filter()
        return save_file(
            self,
            "Export procedures",
            "procedure file",
            path,
            lambda p: write_text(p, self.controller.export_csv(chosen)),
        )

    def write_report(self, path: Path) -> bool:
        """Print the QI report of the current view to ``path`` (audited); a failure is said in words."""
        view = self.current_view()
        return save_file(
            self, "QI report", "QI report", path, lambda p: self.controller.write_report(p, view)
        )


def _table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAccessibleName(name)
    return table


#: The dashboard's first size: it fits a 1366 × 768 screen with its task bar and title bar.
DEFAULT_SIZE = (1280, 660)


class _ProceduresTab(QWidget):
    def __init__(self, dashboard: QiDashboard) -> None:
        super().__init__()
        self._d = dashboard
        self.table = _table(
            ["Procedure", "Date", "Kind", "Site", "Surgeon", "Checklist", "Infection"], "Procedures"
        )
        self.table.doubleClicked.connect(self.open_selected)
        can_record = dashboard.controller.may("record_qi")
        self.new_button = QPushButton("New procedure…")
        self.new_button.clicked.connect(self.new_procedure)
        self.open_button = QPushButton("Open checklist…")
        self.open_button.clicked.connect(self.open_selected)
        self.ssi_button = QPushButton("Record infection…")
        self.ssi_button.clicked.connect(self.record_ssi)
        self.remove_ssi_button = QPushButton("Remove infection…")
        self.remove_ssi_button.setToolTip("Remove an infection recorded by mistake, with the reason")
        self.remove_ssi_button.clicked.connect(self.remove_ssi)
        self.correct_button = QPushButton("Correct procedure…")
        self.correct_button.setToolTip("Correct the date, kind, site or surgeon, with the reason")
        self.correct_button.clicked.connect(self.correct_selected)
        editing = (self.new_button, self.ssi_button, self.remove_ssi_button, self.correct_button)
        for button in editing:
            button.setEnabled(can_record)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Add procedures from a QI CSV file (every problem is listed first)")
        self.import_button.clicked.connect(dashboard._import_csv)
        self.import_button.setEnabled(dashboard.controller.may("import_qi"))
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the procedures of the current filter as a QI CSV file")
        self.export_button.clicked.connect(dashboard._export_csv)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, *editing[1:]):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)

    def show_rows(self) -> None:
        c = self._d.controller
        history = c.history
        rows = c.procedures[::-1]  # newest first
        self.table.setRowCount(len(rows))
        if history is None:
            return
        for i, p in enumerate(rows):
            bundle = p.scored_against(history).bundle
            answers = qi_compliance.applicable_answers(p, bundle)
            full = qi_compliance.is_fully_compliant(p, bundle)
            answered = sum(a is not None for a in answers.values())
            checklist = f"{answered}/{len(answers)} answered" + (
                "; fully compliant" if full else "; not fully compliant" if full is False and answered else ""
            )
            infection = "" if p.ssi is None else _infection_words(p)
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
        cell = self.table.item(items[0].row(), 0) if items else None
        return cell.text() if cell is not None else None

    def new_procedure(self) -> None:
        c = self._d.controller
        ProcedureChecklistDialog(c.app, c.actor, parent=self, controller=c).exec()

    def open_selected(self) -> None:
        pid = self.selected_id()
        if pid is not None:
            c = self._d.controller
            ProcedureChecklistDialog(c.app, c.actor, pid, parent=self, controller=c).exec()

    def record_ssi(self) -> None:
        pid = self.selected_id()
        if pid is not None:
            c = self._d.controller
            SsiDialog(c.app, c.actor, pid, parent=self, controller=c).exec()

    def remove_ssi(self) -> None:
        pid = self.selected_id()
        if pid is not None:
            c = self._d.controller
            RemoveSsiDialog(c.app, c.actor, pid, parent=self, controller=c).exec()

    def correct_selected(self) -> None:
        pid = self.selected_id()
        if pid is not None:
            c = self._d.controller
            CorrectProcedureDialog(c.app, c.actor, pid, parent=self, controller=c).exec()


def _infection_words(p: qi_procedures.QiProcedure) -> str:
    """The infection as the procedure list shows it: kind, day after surgery, date and organism."""
    assert p.ssi is not None
    day = qi_surveillance.days_after_surgery(p.surgery_date, p.ssi.on)
    organism = f", {p.ssi.organism}" if p.ssi.organism else ""
    return f"{qi_procedures.SSI_KIND_WORDS[p.ssi.kind]}, day {day} ({p.ssi.on.isoformat()}){organism}"


class _FollowUpTab(QWidget):
    def __init__(self, dashboard: QiDashboard) -> None:
        super().__init__()
        self._d = dashboard
        self.items: tuple[qi_surveillance.FollowUp, ...] = ()
        self.table = _table(["Procedure", "Surgery", "Site", "Surgeon", "Day", "Follow-up"], "Follow-up list")
        can_record = dashboard.controller.may("record_qi")
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

    def show_rows(self) -> None:
        c = self._d.controller
        self.items = c.follow_up
        as_of = c.view.as_of if c.view is not None else self._d.current_as_of()
        due = sum(1 for i in self.items if i.due)
        self.caption.setText(
            f"{len(self.items)} procedure(s) in follow-up on {as_of.isoformat()}; {due} with a check-in due."
        )
        self.table.setRowCount(len(self.items))
        due_colour = QColor(warning_color())
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
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)  # the follow-up text is long: the whole of it on hover
                if item.due:
                    cell.setForeground(due_colour)
                self.table.setItem(r, col, cell)

    def selected(self) -> qi_surveillance.FollowUp | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.items[min(rows)] if rows else None

    def record_checkin(self) -> None:
        item = self.selected()
        if item is not None:
            c = self._d.controller
            CheckinDialog(c.app, c.actor, item, parent=self, controller=c).exec()

    def record_ssi(self) -> None:
        item = self.selected()
        if item is not None:
            c = self._d.controller
            pid = item.procedure.procedure_id
            SsiDialog(c.app, c.actor, pid, parent=self, controller=c).exec()
