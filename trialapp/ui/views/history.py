"""History: the audit trail of a trial or of one record, in plain words (``services.history``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from trialapp.services import history
from trialapp.services.context import Actor, App
from trialapp.services.history import HistoryLine
from trialapp.ui.actions import user_action
from trialapp.ui.fit_screen import fit_window
from trialapp.ui.views.common import label

Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractTableModel):
    HEADERS = ("Date", "Time", "Who", "What", "Reason")

    def __init__(self, lines: list[HistoryLine], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all_lines = lines
        self.lines = lines
        self._needle = ""
        self._near_misses_only = False

    def set_filter(self, text: str) -> None:
        self._needle = text.strip().casefold()
        self._apply()

    def set_near_misses_only(self, only: bool) -> None:
        self._near_misses_only = only
        self._apply()

    def _apply(self) -> None:
        needle = self._needle
        lines = history.near_misses_only(self.all_lines) if self._near_misses_only else self.all_lines
        self.beginResetModel()
        self.lines = [
            x for x in lines if not needle or needle in f"{x.who} {x.text} {x.reason or ''}".casefold()
        ]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (f"{line.at:%d %b %Y}", f"{line.at:%H:%M}", line.who, line.text, line.reason or "")[
                index.column()
            ]
        if role == Qt.ItemDataRole.ToolTipRole:
            return line.sentence
        return None


class HistoryDialog(QDialog):
    """The history of a trial (``trial_id``) or of one record (``table`` and ``row_id``)."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        *,
        trial_id: str | None = None,
        table: str | None = None,
        row_id: str | int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History of trial {trial_id}" if trial_id else f"History of {table} {row_id}")

        def read() -> list[HistoryLine]:
            if trial_id:
                return history.trial_history(app, actor, trial_id)
            if table and row_id is not None:
                return history.record_history(app, actor, table, row_id)
            return []

        problems: list[str] = []  # a refusal is shown in the dialog, under the table
        done = user_action(read, error=problems.append)
        lines = done.value if done is not None else []
        problem = problems[0] if problems else None
        self.model = HistoryModel(lines, self)
        self.search = QLineEdit()
        self.search.setAccessibleName("Filter the history")
        self.search.setPlaceholderText("Filter: a name, a word such as dose or corrected")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.model.set_filter)
        self.near_misses = QCheckBox("&Near misses only (refused or discarded double checks)")
        self.near_misses.setAccessibleName("Show only the near misses")
        self.near_misses.toggled.connect(self.model.set_near_misses_only)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("History entries")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 220)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 220)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(label(self.windowTitle(), "subtitle"))
        layout.addWidget(
            label(
                "Every change is listed, oldest first, with who made it and when. Corrections show the old and the "
                "new value and their reason; nothing is ever removed from this list.",
                "muted",
                wrap=True,
            )
        )
        if problem:
            layout.addWidget(label(problem, "error", wrap=True))
        elif not lines:
            layout.addWidget(label("Nothing recorded yet.", "muted"))
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.near_misses)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        fit_window(self, 1100, 620)
        self.table.setFocus()
        if lines:
            self.table.scrollToBottom()

    def text(self) -> str:
        """The visible lines as sentences (what a user would read), one per line."""
        return "\n".join(x.sentence for x in self.model.lines)
