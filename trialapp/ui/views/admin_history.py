"""Settings → History: the audit history of users, settings and the QI programme (issue 25), newest first,
filtered by area. Read only."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trialapp.services import admin_history
from trialapp.services.context import Actor, App
from trialapp.ui.actions import run_service
from trialapp.ui.views.common import label

COLUMNS = ("When (UTC)", "Who", "Area", "Action", "Record", "Field", "Before", "After", "Reason")


class AdminHistoryTab(QWidget):
    """The table of audited changes; ``refresh`` reads them again."""

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self.area = QComboBox()
        self.area.setAccessibleName("Area")
        self.area.addItem("Everything", None)
        for key, words in admin_history.AREAS.items():
            self.area.addItem(words[0].upper() + words[1:], key)
        self.area.currentIndexChanged.connect(self.refresh)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("History of changes")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(label("Show"))
        top.addWidget(self.area)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            label(
                "Every change of users, settings and the infection QI programme, and every backup and restore, "
                "newest first, as the audit trail keeps it (passwords are never recorded).",
                "muted",
                wrap=True,
            )
        )
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        area = self.area.currentData()
        lines = run_service(
            self,
            "The history could not be read",
            lambda: admin_history.admin_history(self._app, self._actor, area),
        )
        lines = lines or []
        self.table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            values = (
                line.at_utc,
                line.actor,
                line.area,
                line.action,
                line.row,
                line.field,
                line.old,
                line.new,
                line.reason,
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        for c in range(len(COLUMNS)):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 260))
