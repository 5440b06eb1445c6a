"""The bundle editor: the checklist as a table the QI lead edits; saving makes a new version in force from
a chosen date (earlier versions stay, so procedures of their time keep their scoring). The bundle can be
loaded from and saved to its JSON file (``trialapp-qi-bundle/1``).

It acts through the QI controller (``controller.py``): problems are listed under the table in the
services' words and nothing is saved.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain import qi_bundle
from trialapp.domain.qi_bundle import PHASES, PROCEDURE_KINDS
from trialapp.services.context import Actor, App
from trialapp.ui.qi.common import (
    KIND_SHORT,
    date_edit,
    problems_label,
    pydate,
    run_inline,
    write_failure,
    write_text,
)
from trialapp.ui.qi.controller import QiController
from trialapp.ui.views.common import show_error

#: The step text's width in the editor's table (wrapped over lines, never cut to a few letters).
STEP_TEXT_WIDTH = 340


class BundleEditor(QWidget):
    """The checklist as a table the QI lead edits; saving makes a new version in force from a chosen date."""

    saved = Signal()

    COLUMNS = ("Phase", "Code", "Step", *(KIND_SHORT[k] for k in PROCEDURE_KINDS), "Confirmed", "Source")

    def __init__(
        self, app: App, actor: Actor, parent: QWidget | None = None, *, controller: QiController | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller or QiController(app, actor, self)
        self.can_edit = self.controller.may("manage_qi_bundle")
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
        # The step text keeps a readable width (it was squeezed to "te…" by the eleven other columns): it
        # takes what is left but never less than STEP_TEXT_WIDTH, and the table scrolls sideways instead.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(2, STEP_TEXT_WIDTH)
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(len(self.COLUMNS) - 1, 260)
        header.setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setDefaultSectionSize(52)  # two lines of wrapped step text
        for n, kind in enumerate(PROCEDURE_KINDS, start=3):
            header_item = self.table.horizontalHeaderItem(n)
            if header_item is not None:
                header_item.setToolTip(f"Applies to a {PROCEDURE_KINDS[kind]}")
        self.effective = date_edit(date.today())
        self.effective.setAccessibleName("In force from")
        self.note = QLineEdit()
        self.note.setPlaceholderText("what changed (kept with the version)")
        self.error = problems_label()
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
        self.history = self.controller.bundle_history()
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

    def load_bundle(self, bundle: qi_bundle.Bundle) -> None:
        """Show ``bundle`` in the table (not saved until 'Save as new version')."""
        self.title.setText(bundle.title)
        self.notes.setPlainText(bundle.notes)
        self.table.setRowCount(0)
        for step in bundle.steps:
            self._append_row(step)

    def _append_row(self, step: qi_bundle.BundleStep | None) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        phase = QComboBox()
        for code, name in PHASES.items():
            phase.addItem(name, code)
        phase.setCurrentIndex(max(phase.findData(step.phase if step else "procedure"), 0))
        phase.setAccessibleName(f"Phase of step {r + 1}")
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
                qi_bundle.BundleStep(
                    s["code"], phase, s["text"], frozenset(s["applies_to"]), bool(s["confirmed"]), s["source"]
                )
            )
        self.table.setCurrentCell(target, 2)

    def bundle_data(self) -> dict[str, Any]:
        """The table as the bundle's JSON shape (not validated: ``qi_bundle.bundle_from_dict`` does that). Steps
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
            "format": qi_bundle.BUNDLE_FORMAT,
            "title": self.title.text(),
            "notes": self.notes.toPlainText(),
            "phases": [{"code": p, "name": n, "steps": by_phase[p]} for p, n in PHASES.items()],
        }

    def save_version(self) -> bool:
        """Validate the table and save it as a new version; problems are listed under the table."""
        version = run_inline(
            self.error,
            lambda: self.controller.save_bundle(
                self.controller.bundle_from_data(self.bundle_data()),
                pydate(self.effective.date()),
                self.note.text(),
            ),
        )
        if version is None:
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
        if name:
            self.load_file(Path(name))

    def load_file(self, path: Path) -> bool:
        """Show the bundle of the file at ``path`` (not saved until 'Save as new version')."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            show_error(self.error, str(exc))
            return False
        bundle = run_inline(self.error, lambda: self.controller.bundle_from_json(text))
        if bundle is None:
            return False
        self.load_bundle(bundle)
        self.status.setText(f"Loaded {path.name}: check it, then save it as a new version.")
        return True

    def _save_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the bundle", "qi-bundle.json", "Bundle (*.json)")
        if name:
            self.save_file(Path(name))

    def save_file(self, path: Path) -> bool:
        """Write the table as a bundle file; a file that cannot be written is said under the table."""
        try:
            write_text(path, json.dumps(self.bundle_data(), ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            show_error(self.error, write_failure("bundle file", path, exc))
            return False
        show_error(self.error, None)
        self.status.setText(f"Saved to {path}.")
        return True


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
