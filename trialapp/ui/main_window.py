"""The main window (foundation version): trials on file and the selected trial's dose-response summary.

The full bedside workflow (login, assessments, doses, decisions) builds on this window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trialapp.services.context import App, os_actor
from trialapp.services.trials import list_trials, trial_summary


class MainWindow(QMainWindow):
    ready = Signal()

    def __init__(self, app: App) -> None:
        super().__init__()
        self._app = app
        self._actor = os_actor()
        self._ready_sent = False
        self.setWindowTitle("ITB trial assistant")

        self.search = QLineEdit(placeholderText="Search by name or MRN")
        self.search.setAccessibleName("Search patients")
        self.search.textChanged.connect(self.refresh)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Trial", "MRN", "Patient", "Started", "State"])
        self.table.setAccessibleName("Trials")
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QPlainTextEdit(readOnly=True)
        self.summary.setAccessibleName("Trial summary")

        left = QWidget()
        layout = QVBoxLayout(left)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.summary)
        splitter.setSizes([560, 720])
        self.setCentralWidget(splitter)
        where = app.db.path or "database server"
        self.statusBar().addPermanentWidget(QLabel(f"Database: {where}"))
        self.refresh()

    def refresh(self) -> None:
        rows = list_trials(self._app, self._actor, search=self.search.text() or None, limit=500)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            name = " ".join(p for p in (r.given_name, r.family_name) if p)
            state = r.state + (f" ({r.outcome.replace('_', ' ')})" if r.outcome else "")
            for j, value in enumerate((r.trial_id, r.mrn, name, r.started_on.isoformat(), state)):
                self.table.setItem(i, j, QTableWidgetItem(value))
        if not rows:
            self.summary.setPlainText(
                "No trials yet.\n\nTo try the app, run 'trialapp demo' (synthetic patients), "
                "or import a trial with 'trialapp import FILE'."
            )

    def _show_selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        trial_id = self.table.item(items[0].row(), 0).text()
        from trialapp.reports.text_summary import summary_table

        public_id, summary = trial_summary(self._app, self._actor, trial_id)
        self.summary.setPlainText(summary_table(summary, public_id))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()
