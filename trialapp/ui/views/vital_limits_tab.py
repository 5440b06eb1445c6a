"""Settings → Vital-sign limits (admin): the R9 alert limits by age, the published ones or the site's own.

The age bands are fixed; the admin edits the numbers (heart rate, breathing rate, lowest systolic blood
pressure, the SpO2 limit), may make more alerts urgent, and says why. Problems are listed under the table
with the age band they concern; nothing is saved while there is one.
"""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.numbers import plain_number
from trialapp.domain.vitals import REQUIRED_URGENT_CODES, VitalBand, VitalBands
from trialapp.services import vital_limits
from trialapp.services.context import Actor, App
from trialapp.ui import theme
from trialapp.ui.actions import user_action
from trialapp.ui.rule_words import readable_source
from trialapp.ui.views.common import button, error_label, label, run_service, show_error

#: (column title, band field) of the editable columns; the first column is the age band.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Heart rate from\n(/min)", "hr_low"),
    ("Heart rate to\n(/min)", "hr_high"),
    ("Breathing rate from\n(/min)", "rr_low"),
    ("Breathing rate to\n(/min)", "rr_high"),
    ("Systolic BP at least\n(mmHg)", "sbp_low"),
)
URGENT_WORDS = {
    "hr_low": "heart rate below the band (bradycardia; for infants, a sign of overdose)",
    "hr_high": "heart rate above the band",
    "rr_high": "breathing rate above the band",
    "sbp_low": "systolic blood pressure below the limit",
}


def parse_limit(text: str, what: str) -> tuple[float | None, str | None]:
    """A limit typed in a cell: a positive number, else a message naming the cell."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None, f"{what}: '{text.strip()}' is not a number; type a number such as 120."
    if not value > 0 or value != value or value in (float("inf"), float("-inf")):
        return None, f"{what}: must be a number above 0."
    return (int(value) if value.is_integer() else value), None


class VitalLimitsTab(QWidget):
    """The editable R9 table with the SpO2 limit, extra urgent alerts, the site's note and the citation."""

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        v = QVBoxLayout(self)
        v.addWidget(
            label(
                "Alerts fire when a vital sign is outside these limits for the child's age. "
                "The published limits are the 1st and 99th centiles of Fleming et al. (Lancet 2011) and the "
                "PALS definition of hypotension. A site may change the numbers, with a note saying why; "
                "a low breathing rate, low SpO2 and UMSS 4 are always urgent.",
                "muted",
                wrap=True,
            )
        )
        self.state = label("", "subtitle", wrap=True)
        v.addWidget(self.state)
        self.table = QTableWidget(0, 1 + len(COLUMNS))
        self.table.setHorizontalHeaderLabels(["Age band", *(title for title, _ in COLUMNS)])
        self.table.setAccessibleName("Vital-sign limits by age band")
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(300)
        self.table.itemChanged.connect(self._mark_changed)
        v.addWidget(self.table)
        self.changed_legend = label(
            "Numbers in bold differ from the published limits (the cell's tooltip says from what).", "muted"
        )
        self.changed_legend.setAccessibleName("What the bold numbers mean")
        v.addWidget(self.changed_legend)
        row = QHBoxLayout()
        self.spo2 = QSpinBox()
        self.spo2.setRange(50, 100)
        self.spo2.setSuffix(" %")
        self.spo2.setAccessibleName("SpO2 alert limit")
        self.spo2.valueChanged.connect(lambda _v: self._mark_spo2())
        row.addWidget(label("Alert when SpO2 is below", buddy=self.spo2))
        row.addWidget(self.spo2)
        self.spo2_changed = label("", wrap=False)
        self.spo2_changed.setAccessibleName("The SpO2 limit against the published one")
        row.addWidget(self.spo2_changed)
        row.addStretch(1)
        v.addLayout(row)
        self.sedation = label("", wrap=True)
        v.addWidget(self.sedation)
        v.addWidget(label("Also urgent (a banner that stays until acknowledged):"))
        self.urgent: dict[str, QCheckBox] = {}
        for code, words in URGENT_WORDS.items():
            box = QCheckBox(words)
            box.setAccessibleName(f"Urgent: {words}")
            self.urgent[code] = box
            v.addWidget(box)
        self.note = QLineEdit()
        self.note.setAccessibleName("Why this site changes the published limits")
        self.note.setPlaceholderText("e.g. earlier warnings: 10th/90th centiles, agreed with anaesthesia")
        self.note.setMaxLength(vital_limits.MAX_NOTE_CHARS)
        note_row = QHBoxLayout()
        note_row.addWidget(label("&Why", buddy=self.note))
        note_row.addWidget(self.note, 1)
        v.addLayout(note_row)
        self.errors = error_label()
        self.errors.setAccessibleName("Problems with the vital-sign limits")
        v.addWidget(self.errors)
        self.status = label("", "muted", wrap=True)
        self.restore_button = button("Restore the published limits")
        self.restore_button.clicked.connect(self.restore_published)
        self.save_button = button("Save the limits", "Save the vital-sign limits")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.save_button)
        v.addLayout(buttons)
        self.citation = QLabel()
        self.citation.setTextFormat(Qt.TextFormat.RichText)
        self.citation.setWordWrap(True)
        self.citation.setAccessibleName("Citation of the vital-sign limits")
        self.citation.setStyleSheet(f"color: {theme.muted_color()}")
        self.citation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.citation)
        self.show_limits(vital_limits.site_limits(app))

    # ------------------------------------------------------------------------------------------ showing

    def show_limits(self, limits: vital_limits.SiteVitalLimits) -> None:
        bands = limits.bands
        self._shown = bands
        self._published = {b.label: b for b in vital_limits.published_limits().bands}
        if limits.edited_at_site:
            self.state.setText(f"Edited at this site: {limits.note or 'no note'}")
        else:
            self.state.setText("The published limits (Fleming 2011 centiles; PALS)")
        self.restore_button.setEnabled(limits.edited_at_site)
        self.note.setText(limits.note or "")
        self.table.setRowCount(len(bands.bands))
        for i, band in enumerate(bands.bands):
            age = QTableWidgetItem(band.label)
            age.setFlags(age.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if band.source:
                age.setToolTip(band.source)
            self.table.setItem(i, 0, age)
            for j, (_title, name) in enumerate(COLUMNS, start=1):
                item = QTableWidgetItem(plain_number(getattr(band, name)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
                self._mark_changed(item)
        self.spo2.setValue(round(bands.spo2_low))
        self._mark_spo2()
        self.sedation.setText(
            f"Sedation (UMSS): warning at {bands.sedation_warning_at}, urgent at {bands.sedation_urgent_at} "
            "(fixed by the app's alert rule, not editable)."
        )
        for code, box in self.urgent.items():
            box.setChecked(code in bands.urgent_codes)
        show_error(self.errors, None)
        self.citation.setText(_citation_html(bands))

    def _mark_changed(self, item: QTableWidgetItem) -> None:
        """A number that differs from the published limit is bold, with "changed from 60" in its tooltip and
        accessible text: never colour alone."""
        row, column = item.row(), item.column()
        if column == 0 or row >= len(self._shown.bands):
            return
        name = COLUMNS[column - 1][1]
        band = self._published.get(self._shown.bands[row].label)
        published = getattr(band, name) if band is not None else None
        value, _problem = parse_limit(item.text(), "")
        changed = published is not None and value != published
        words = f"changed from {plain_number(published)}" if changed and published is not None else ""
        font = item.font()
        if font.bold() != changed:
            font.setBold(changed)
            item.setFont(font)  # itemChanged again; the second time nothing changes
        if item.toolTip() != words:
            item.setToolTip(words)
        accessible = f"{item.text()}, {words}" if words else item.text()
        if item.data(Qt.ItemDataRole.AccessibleTextRole) != accessible:
            item.setData(Qt.ItemDataRole.AccessibleTextRole, accessible)

    def _mark_spo2(self) -> None:
        published = vital_limits.published_limits().spo2_low
        changed = self.spo2.value() != round(published)
        self.spo2_changed.setText(f"changed from {plain_number(published)} %" if changed else "")
        font = self.spo2.font()
        font.setBold(changed)
        self.spo2.setFont(font)

    # ------------------------------------------------------------------------------------------ editing

    def edited_bands(self) -> tuple[VitalBands | None, list[str]]:
        """The table as typed, or the problems (each naming its age band and column)."""
        problems: list[str] = []
        rows: list[VitalBand] = []
        for i, band in enumerate(self._shown.bands):
            values: dict[str, float] = {}
            for j, (title, name) in enumerate(COLUMNS, start=1):
                item = self.table.item(i, j)
                cell = f"{band.label}, {title.splitlines()[0]}"
                value, problem = parse_limit(item.text() if item is not None else "", cell)
                if problem:
                    problems.append(problem)
                elif value is not None:
                    values[name] = value
            if len(values) == len(COLUMNS):
                rows.append(replace(band, **values))  # type: ignore[arg-type]
        if problems:
            return None, problems
        urgent = set(REQUIRED_URGENT_CODES) | {code for code, box in self.urgent.items() if box.isChecked()}
        edited = replace(
            self._shown, bands=tuple(rows), spo2_low=self.spo2.value(), urgent_codes=frozenset(urgent)
        )
        return edited, []

    def save(self) -> None:
        edited, problems = self.edited_bands()
        if edited is None:
            show_error(self.errors, "Nothing was saved:\n" + "\n".join(f"• {p}" for p in problems))
            return
        done = user_action(
            lambda: vital_limits.set_site_limits(self._app, self._actor, edited, self.note.text()),
            error=self.errors,  # the service's plain list of problems, under the table
        )
        if done is not None:
            self.show_limits(done.value)
            self.status.setText("Saved. New assessments and the charts use these limits.")

    def ask_restore_reason(self) -> str | None:
        """Confirm the restore and ask why (kept in the history); None: cancelled."""
        reason, ok = QInputDialog.getText(
            self,
            "Restore the published limits?",
            "The limits edited at this site will no longer be used: alerts will fire at the published "
            "limits again, from the next assessment.\n\nWhy are the published limits restored? "
            "(kept in the history)",
        )
        return reason.strip() if ok else None

    def restore_published(self) -> None:
        reason = self.ask_restore_reason()
        if not reason:
            self.status.setText(
                "The limits were not changed."
                if reason is None
                else "Give the reason to restore the published limits; the limits were not changed."
            )
            return
        restored = run_service(
            self,
            "The published limits were not restored",
            lambda: vital_limits.restore_published_limits(self._app, self._actor, reason),
        )
        if restored is not None:
            self.show_limits(restored)
            self.status.setText("The published limits are used again.")


_TOPIC_WORDS = {"spo2": "SpO2"}


def _citation_html(bands: VitalBands) -> str:
    citation = bands.metadata.get("citation", {})
    parts = []
    if isinstance(citation, dict):
        for topic, fields in citation.items():
            if isinstance(fields, dict) and fields.get("reference"):
                title = _TOPIC_WORDS.get(topic, topic.replace("_", " ").capitalize())
                parts.append(
                    f"<p><b>{html.escape(title)}</b>: {html.escape(readable_source(str(fields['reference'])))}</p>"
                )
    return "".join(parts) or "No citation stored with this table."
