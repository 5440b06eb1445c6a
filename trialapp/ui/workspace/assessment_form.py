"""The assessment form (baseline or reassessment), keyboard-first.

MAS grades are typed straight into the grid: 0 1 2 3 4, "+" for 1+, N for not tested; Tab moves on,
Enter saves, Esc goes back to the timeline (what was typed stays as a draft). A reassessment shows the
day's baseline beside each field with the change as you type, and the paired MAS change (R3) under the
grid. Vital signs raise R9 alerts as you type. Drafts save about a second after the last keystroke.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.chart_series import MUSCLE_SHORT_LABELS
from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.muscles import (
    ALL_MUSCLES,
    MUSCLE_LABELS,
    REGION_LABELS,
    ROM_MEASURES,
    SIDES,
    muscles_for_region,
)
from trialapp.domain.numbers import exact_difference, plain_number
from trialapp.domain.records import Assessment
from trialapp.domain.response import day_dose
from trialapp.domain.scales import MAS_DESCRIPTIONS, NOT_TESTED_DESCRIPTION
from trialapp.services import vital_limits
from trialapp.ui.actions import problem_list, user_action
from trialapp.ui.date_input import DateTimeInput
from trialapp.ui.drafts import DraftKeeper
from trialapp.ui.field_marks import ERROR, FINDING, mark, needs_correcting, show_first_problem
from trialapp.ui.workspace import assessment_controller as ac
from trialapp.ui.workspace.controller import WorkspaceController
from trialapp.ui.workspace.state import baseline_for_form, find_day
from trialapp.ui.workspace.style import AMBER_STYLE, RED_STYLE, font_css, set_role

MAS_CELL_CSS = font_css(14)
_GRADE_HELP = "Type 0, 1, 2, 3 or 4; + for 1+; N for not tested; Backspace clears. Tab moves on."


class MasCell(QLineEdit):
    """One MAS grade. Keys: 0–4, "+" (1+), N (NT), Backspace/Delete clear; arrows move in the grid."""

    step_to = Signal(int, int)  # rows, columns (not "move": that is QWidget.move)

    def __init__(self, muscle: str, side: str) -> None:
        super().__init__()
        self.muscle = muscle
        self.side = side
        self.setMaxLength(2)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedWidth(64)
        self.setStyleSheet(MAS_CELL_CSS)
        self.setAccessibleName(f"{MUSCLE_LABELS[muscle]}, {side}: MAS grade")
        self.setToolTip(
            _GRADE_HELP
            + "\n"
            + "\n".join(f"{g}: {words}" for g, words in MAS_DESCRIPTIONS.items())
            + f"\nNT: {NOT_TESTED_DESCRIPTION}"
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier & ~Qt.KeyboardModifier.ShiftModifier
        passthrough = (
            Qt.Key.Key_Tab,
            Qt.Key.Key_Backtab,
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Escape,
        )
        if key in passthrough or mods != Qt.KeyboardModifier.NoModifier:
            super().keyPressEvent(event)
            return
        if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.setText("")
            return
        arrows = {
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
        }
        if key in arrows:
            self.step_to.emit(*arrows[key])
            return
        grade = ac.mas_from_keystroke(self.text(), event.text())
        if grade is not None:
            self.setText(grade)
            self.selectAll()
        # Any other key is swallowed: a MAS cell holds a grade or nothing.


def _label(text: str, role: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    if role:
        set_role(label, role)
    return label


def _number_field(name: str, width: int = 80) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setFixedWidth(width)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


def _combo(name: str, items: list[tuple[str, str]]) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.addItem("—", "")
    for value, words in items:
        box.addItem(f"{value} — {words}" if words else value, value)
    return box


class AssessmentPage(QWidget):
    """A baseline or reassessment form for one trial day; opened in place of the timeline."""

    finished = Signal()
    saved = Signal(object)  # SavedAssessment

    def __init__(self, controller: WorkspaceController, day: int, kind: str, slot: str) -> None:
        super().__init__()
        self.controller = controller
        self.day_number = day
        self.kind = kind
        self.slot = slot
        self.form_key = controller.form_key(kind, day, slot)
        self.setAccessibleName(self._title())
        doc = controller.doc
        settings = doc.trial.settings
        self.coding = settings.mas_coding
        self.region = settings.region
        self.region_muscles = muscles_for_region(settings.region)
        self.baseline: Assessment | None = baseline_for_form(doc, day) if kind == "reassessment" else None
        trial_day = find_day(doc, day)
        dose = day_dose(trial_day) if trial_day is not None else None
        self.dose_time = dose.given_at if dose is not None else None
        self.goals = doc.trial.goals
        self.birth_date = doc.patient.birth_date
        self.bands = vital_limits.vital_bands(controller.app)  # the site's R9 limits, as the save uses
        self.fields: dict[str, QWidget] = {}
        self._tooltips: dict[str, str] = {}
        self._shown_problems: dict[str, str] = {}
        self.field_names: dict[str, str] = {}
        self.mas_cells: dict[tuple[str, str], MasCell] = {}
        self._live: list[Callable[[], None]] = []
        self._section_problem_labels: dict[str, QLabel] = {}
        self._section_of: dict[str, str] = {}
        self.drafts = DraftKeeper(
            controller,
            self.form_key,
            payload=self.payload,
            status=lambda text: self.draft_label.setText(text),
            not_final="not yet a record",
            parent=self,
        )

        # Top: what this form is, when, and jumps to sections.
        title = _label(self._title(), "subtitle", wrap=False)
        when_default = default_time(
            controller.now(), trial_day.date if trial_day is not None else None, slot, self.dose_time
        )
        self.time_edit = DateTimeInput(QDateTime(when_default))
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.time_edit.setAccessibleName("Time of the assessment")
        self.time_edit.dateTimeChanged.connect(lambda _v: self._changed())
        when = QLabel("&When")
        when.setBuddy(self.time_edit)
        # Links, not buttons: Tab stays for the fields (the sections follow each other in Tab order anyway).
        self._jump_targets: dict[str, QWidget] = {}
        self._jump_links: list[str] = []
        self.jumps = QLabel()
        self.jumps.setAccessibleName("Go to a section")
        self.jumps.setWordWrap(True)
        self.jumps.linkActivated.connect(self.go_to_section)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(16)
        top.addWidget(self.jumps, 1)
        top.addWidget(when)
        top.addWidget(self.time_edit)

        self.sections = QVBoxLayout()
        self.sections.setSpacing(10)
        content = QWidget()
        content.setLayout(self.sections)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)

        self._build_mas()
        self._build_tardieu()
        self._build_rom()
        self._build_function()
        self._build_spasms_pain_sedation()
        self._build_vitals()
        self._build_goals()
        self._build_notes()
        self.sections.addStretch(1)
        self.jumps.setText("Go to: " + " · ".join(self._jump_links))
        self.jumps.setAccessibleDescription(f"Alt+1 to Alt+{len(self._jump_links)} go to each section in turn")

        # Bottom: problems, draft state and the actions.
        self.error_label = _label("", "banner-error")
        self.error_label.setAccessibleName("Problems to correct")
        self.error_label.setVisible(False)
        self.draft_label = _label("", "muted", wrap=False)
        self.draft_label.setAccessibleName("Draft status")
        self.discard_button = QPushButton("Discard draft")
        self.discard_button.setAccessibleName("Discard the saved draft and empty the form")
        self.discard_button.clicked.connect(self.discard)
        self.back_button = QPushButton("Back to the timeline")
        self.back_button.setAccessibleName("Back to the timeline (the draft is kept)")
        self.back_button.setToolTip("Esc. What you typed stays as a draft.")
        self.back_button.clicked.connect(self.back)
        self.save_button = QPushButton("Save assessment")
        self.save_button.setProperty("primary", True)
        self.save_button.setAccessibleName("Save the assessment")
        self.save_button.setToolTip("Enter")
        self.save_button.clicked.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.draft_label, 1)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.back_button)
        bottom.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)

        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        self._restore_draft()
        self._refresh_live()
        first = self._first_mas_cell()
        self.setFocusProxy(first if first is not None else self.time_edit)

    # Building -------------------------------------------------------------------------------------

    def _title(self) -> str:
        if self.kind == "baseline":
            return f"Day {self.day_number} · Baseline assessment"
        if self.slot == "extra":
            return f"Day {self.day_number} · Unscheduled reassessment"
        return f"Day {self.day_number} · {self.slot} h reassessment"

    def _section(self, key: str, title: str, hint: str = "") -> QVBoxLayout:
        box = QGroupBox(title)
        box.setAccessibleName(title)
        layout = QVBoxLayout(box)
        if hint:
            layout.addWidget(_label(hint, "muted"))
        problems = _label("", "error")
        problems.setVisible(False)
        self._section_problem_labels[key] = problems
        self.sections.addWidget(box)
        self._jump_targets[key] = box
        short = title.split(" (")[0]
        # Alt+digit: no mnemonic, menu or standard key uses it, and the digit is the link's place in the row.
        keys = f"Alt+{len(self._jump_links) + 1}"
        self._jump_links.append(f'<a href="{key}">{short}</a>&nbsp;<span style="color:gray">{keys}</span>')
        QShortcut(QKeySequence(keys), self, activated=lambda k=key: self.go_to_section(k))
        box.setToolTip(f"{keys} goes to this section")
        layout_end = QVBoxLayout()
        layout.addLayout(layout_end)
        layout.addWidget(problems)
        return layout_end

    def go_to_section(self, key: str) -> None:
        """Scroll to a section and put the cursor in its first field."""
        box = self._jump_targets[key]
        self.scroll_area.verticalScrollBar().setValue(box.y())
        first = next(
            (w for k, w in self.fields.items() if self._section_of[k] == key and w.isEnabled()), None
        )
        if first is not None:
            first.setFocus()
            self.scroll_area.verticalScrollBar().setValue(box.y())

    def _register(self, key: str, widget: QWidget, name: str, section: str) -> None:
        self.fields[key] = widget
        self._tooltips[key] = widget.toolTip()
        self.field_names[key] = name
        self._section_of[key] = section
        if isinstance(widget, QLineEdit):
            widget.textChanged.connect(lambda _t: self._changed())
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(lambda _i: self._changed())
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(self._changed)

    def _build_mas(self) -> None:
        hint = _GRADE_HELP
        if self.kind == "reassessment":
            hint += " The baseline grade and the change are shown beside each cell."
        layout = self._section("mas", "Modified Ashworth Scale (MAS)", hint)
        tools = QHBoxLayout()
        self.same_button = QPushButton("Same muscles as baseline")
        self.same_button.setAccessibleName("Same muscles as baseline: mark the others not tested")
        self.same_button.setToolTip(
            "Muscle-sides not graded at baseline are marked NT (they cannot be compared); "
            "Tab then stops only at the ones to grade."
        )
        self.same_button.clicked.connect(self.same_muscles_as_baseline)
        self.same_button.setVisible(self.kind == "reassessment")
        self.same_button.setEnabled(self.baseline is not None)
        others = [m for m in ALL_MUSCLES if m not in self.region_muscles]
        self.show_others = QCheckBox(
            f"Also grade the {'upper' if self.region == 'lower' else 'lower'} limbs" if others else ""
        )
        self.show_others.setAccessibleName("Show the muscles outside the trial's region")
        self.show_others.setVisible(bool(others))
        tools.addWidget(self.same_button)
        tools.addWidget(self.show_others)
        tools.addStretch(1)
        layout.addLayout(tools)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        headers = (
            ["Muscle", "Left", "", "Right", ""]
            if self.kind == "reassessment"
            else ["Muscle", "Left", "Right"]
        )
        for col, text in enumerate(headers):
            if text:
                grid.addWidget(_label(text, "muted", wrap=False), 0, col)
        base = ac.baseline_grades(self.baseline)
        self._mas_rows: dict[str, list[QWidget]] = {}
        order = list(self.region_muscles) + others
        self._mas_order = order
        for row, muscle in enumerate(order, start=1):
            name = _label(MUSCLE_LABELS[muscle], wrap=False)
            widgets: list[QWidget] = [name]
            grid.addWidget(name, row, 0)
            for i, side in enumerate(SIDES):
                cell = MasCell(muscle, side)
                cell.step_to.connect(lambda dr, dc, m=muscle, s=side: self._move_from(m, s, dr, dc))
                key = ac.mas_key(muscle, side)
                self._register(key, cell, f"{MUSCLE_LABELS[muscle]}, {side}", "mas")
                self.mas_cells[(muscle, side)] = cell
                if self.kind == "reassessment":
                    grid.addWidget(cell, row, 1 + 2 * i)
                    change = _label("", "muted", wrap=False)
                    change.setMinimumWidth(120)
                    change.setAccessibleName(f"{MUSCLE_LABELS[muscle]}, {side}: baseline and change")
                    grid.addWidget(change, row, 2 + 2 * i)
                    widgets += [cell, change]
                    before_grade = base.get((muscle, side))
                    self._live.append(
                        lambda c=cell, lab=change, g=before_grade: lab.setText(
                            ac.mas_cell_change(g, c.text(), self.coding)
                        )
                    )
                else:
                    grid.addWidget(cell, row, 1 + i)
                    widgets.append(cell)
            self._mas_rows[muscle] = widgets
        grid.setColumnStretch(len(headers), 1)
        layout.addLayout(grid)
        self.mas_summary = _label("", "muted")
        self.mas_summary.setAccessibleName("Change from baseline so far")
        layout.addWidget(self.mas_summary)
        self.show_others.toggled.connect(self._show_other_region)
        self._show_other_region(False)

    def _show_other_region(self, shown: bool) -> None:
        for muscle, widgets in self._mas_rows.items():
            if muscle not in self.region_muscles:
                has_value = any(self.mas_cells[(muscle, s)].text() for s in SIDES)
                for widget in widgets:
                    widget.setVisible(shown or has_value)

    def _move_from(self, muscle: str, side: str, rows: int, cols: int) -> None:
        visible = [m for m in self._mas_order if self.mas_cells[(m, "left")].isVisible()] or self._mas_order
        r = visible.index(muscle) if muscle in visible else 0
        c = SIDES.index(side)
        r = max(0, min(len(visible) - 1, r + rows))
        c = max(0, min(1, c + cols))
        self.mas_cells[(visible[r], SIDES[c])].setFocus()

    def _first_mas_cell(self) -> MasCell | None:
        for muscle in self._mas_order:
            for side in SIDES:
                cell = self.mas_cells[(muscle, side)]
                if cell.focusPolicy() != Qt.FocusPolicy.NoFocus and muscle in self.region_muscles:
                    return cell
        return None

    def _build_tardieu(self) -> None:
        layout = self._section(
            "tardieu",
            "Modified Tardieu Scale",
            "R1: angle of catch at fast speed; R2: full range at slow speed (degrees). Quality 0–5. "
            "Leave a muscle empty when it was not measured.",
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        base = {(t.muscle, t.side): t for t in (self.baseline.tardieu if self.baseline else ())}
        grid.addWidget(_label("Muscle", "muted", wrap=False), 0, 0)
        for i, side in enumerate(SIDES):
            grid.addWidget(
                _label(f"{side.capitalize()}: R1 · R2 · quality", "muted", wrap=False), 0, 1 + 4 * i, 1, 4
            )
        for row, muscle in enumerate(self.region_muscles, start=1):
            name = _label(MUSCLE_SHORT_LABELS[muscle], wrap=False)
            name.setToolTip(MUSCLE_LABELS[muscle])
            grid.addWidget(name, row, 0)
            for i, side in enumerate(SIDES):
                edits = {}
                for j, part in enumerate(("r1", "r2", "quality")):
                    words = {"r1": "R1 (degrees)", "r2": "R2 (degrees)", "quality": "quality 0–5"}[part]
                    edit = _number_field(f"{MUSCLE_LABELS[muscle]}, {side}: Tardieu {words}", 56)
                    if part == "quality":
                        edit.setToolTip("\n".join(f"{k} {v}" for k, v in ac.TARDIEU_QUALITY.items()))
                    key = ac.tardieu_key(muscle, side, part)
                    self._register(key, edit, f"{MUSCLE_LABELS[muscle]}, {side}, Tardieu {words}", "tardieu")
                    grid.addWidget(edit, row, 1 + 4 * i + j)
                    edits[part] = edit
                dyn = _label("", "muted", wrap=False)
                dyn.setMinimumWidth(110)
                grid.addWidget(dyn, row, 4 + 4 * i)
                before = base.get((muscle, side))
                base_words = ""
                if before is not None and before.r1_deg is not None and before.r2_deg is not None:
                    dynamic = plain_number(exact_difference(before.r2_deg, before.r1_deg))
                    base_words = f" (baseline {dynamic}°)"
                self._live.append(
                    lambda e=edits, lab=dyn, bw=base_words: lab.setText(
                        (ac.dynamic_component(e["r1"].text(), e["r2"].text()) or "")
                        + (bw if e["r1"].text() or bw else "")
                    )
                )
        grid.setColumnStretch(9, 1)
        layout.addLayout(grid)

    def _build_rom(self) -> None:
        layout = self._section(
            "rom",
            "Range of motion (degrees)",
            "The published threshold is shown; a value beyond it is marked \"beyond threshold\" in amber.",
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        base = {(r.measure, r.side): r.deg for r in (self.baseline.rom if self.baseline else ())}
        for col, text in enumerate(("Measure", "Threshold", "Left", "", "Right", "")):
            if text:
                grid.addWidget(_label(text, "muted", wrap=False), 0, col)
        for row, measure in enumerate(ROM_MEASURES, start=1):
            name = _label(measure.label, wrap=False)
            name.setToolTip(f"{measure.note} Source: {measure.source}")
            grid.addWidget(name, row, 0)
            threshold, _ = ac.rom_mark(measure.code, "")
            grid.addWidget(_label(threshold, "muted", wrap=False), row, 1)
            for i, side in enumerate(SIDES):
                edit = _number_field(f"{measure.label}, {side} (degrees)", 64)
                key = ac.rom_key(measure.code, side)
                self._register(key, edit, f"{measure.label}, {side}", "rom")
                note = _label("", None, wrap=False)
                note.setMinimumWidth(130)
                grid.addWidget(edit, row, 2 + 2 * i)
                grid.addWidget(note, row, 3 + 2 * i)
                before_deg = base.get((measure.code, side))
                self._live.append(
                    lambda e=edit, lab=note, code=measure.code, b=before_deg: self._rom_live(e, lab, code, b)
                )
        grid.setColumnStretch(6, 1)
        layout.addLayout(grid)

    def _rom_live(self, edit: QLineEdit, label: QLabel, code: str, baseline: float | None) -> None:
        _words, abnormal = ac.rom_mark(code, edit.text())
        change = ac.number_change(baseline, edit.text(), "°")
        # A clinical finding, not an input error: amber with its words (an unreadable value is the error).
        label.setText("beyond threshold" + (f" · {change}" if change else "") if abnormal else change)
        set_role(label, FINDING if abnormal else "")
        if edit.property("problem") != ERROR:
            mark(edit, FINDING if abnormal else None)

    def _build_function(self) -> None:
        layout = self._section("function", "Function and gait")
        gmfcs = self.controller.doc.patient.gmfcs_level
        layout.addWidget(
            _label(
                f"GMFCS level {gmfcs} (from the patient record)"
                if gmfcs
                else "GMFCS level not recorded for this patient",
                "muted",
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        base_f = self.baseline.function if self.baseline else None
        row = 0
        for key, label in ac.FMS_FIELDS:
            box = _combo(
                f"Functional Mobility Scale {label}", [(c, ac.FMS_WORDS[c]) for c in ac.FMS_CHOICES[key]]
            )
            self._register(key, box, f"FMS {label}", "function")
            grid.addWidget(_label(f"FMS {label}", wrap=False), row, 0)
            grid.addWidget(box, row, 1)
            before = getattr(base_f, key) if base_f is not None else None
            if before is not None:
                grid.addWidget(_label(f"baseline {before}", "muted", wrap=False), row, 2)
            row += 1
        for key, label, unit, _high in ac.TIMED_FIELDS:
            edit = _number_field(f"{label} ({unit})")
            self._register(key, edit, label, "function")
            grid.addWidget(_label(f"{label} ({unit})", wrap=False), row, 0)
            grid.addWidget(edit, row, 1)
            note = _label("", "muted", wrap=False)
            grid.addWidget(note, row, 2)
            before = getattr(base_f, key) if base_f is not None else None
            self._live.append(
                lambda e=edit, lab=note, b=before, u=unit: lab.setText(ac.number_change(b, e.text(), f" {u}"))
            )
            row += 1
        gait = QLineEdit()
        gait.setAccessibleName("Observed gait notes")
        self._register("gait_notes", gait, "Gait notes", "function")
        grid.addWidget(_label("Gait notes", wrap=False), row, 0)
        grid.addWidget(gait, row, 1, 1, 2)
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)

    def _build_spasms_pain_sedation(self) -> None:
        layout = self._section("other", "Spasms (Penn), pain and sedation (UMSS)")
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        b = self.baseline
        freq = _combo("Penn spasm frequency", list(ac.PENN_FREQUENCY.items()))
        sev = _combo("Penn spasm severity", list(ac.PENN_SEVERITY.items()))
        self._register("penn_frequency", freq, "Penn spasm frequency", "other")
        self._register("penn_severity", sev, "Penn spasm severity", "other")
        freq.currentIndexChanged.connect(lambda _i: sev.setEnabled(freq.currentData() not in ("", "0")))
        sev.setEnabled(False)
        scale = QComboBox()
        scale.setAccessibleName("Pain scale")
        for code, words in ac.PAIN_SCALES.items():
            scale.addItem(words, code)
        score = QComboBox()
        score.setAccessibleName("Pain score")
        self._register("pain_scale", scale, "Pain scale", "other")
        self._register("pain_score", score, "Pain score", "other")

        def fill_scores() -> None:
            chosen = score.currentData()
            score.blockSignals(True)
            score.clear()
            score.addItem("—", "")
            for value in ac.PAIN_CHOICES[str(scale.currentData())]:
                score.addItem(str(value), str(value))
            index = score.findData(chosen)
            score.setCurrentIndex(max(index, 0))
            score.blockSignals(False)

        scale.currentIndexChanged.connect(lambda _i: fill_scores())
        fill_scores()
        umss = _combo("Sedation, UMSS", list(ac.UMSS_WORDS.items()))
        self._register("sedation_umss", umss, "Sedation (UMSS)", "other")
        rows = [
            (
                "Spasm frequency",
                freq,
                f"baseline {b.penn_frequency}" if b and b.penn_frequency is not None else "",
            ),
            (
                "Spasm severity",
                sev,
                f"baseline {b.penn_severity}" if b and b.penn_severity is not None else "",
            ),
            ("Pain scale", scale, ""),
            (
                "Pain score",
                score,
                f"baseline {b.pain.score} ({ac.PAIN_SCALES[b.pain.scale]})" if b and b.pain else "",
            ),
            (
                "Sedation (UMSS)",
                umss,
                f"baseline {b.sedation_umss}" if b and b.sedation_umss is not None else "",
            ),
        ]
        for row, (label, widget, base_words) in enumerate(rows):
            grid.addWidget(_label(label, wrap=False), row, 0)
            grid.addWidget(widget, row, 1)
            if base_words:
                grid.addWidget(_label(base_words, "muted", wrap=False), row, 2)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)

    def _build_vitals(self) -> None:
        layout = self._section(
            "vitals", "Vital signs", "Alerts appear as you type, for the child's age."
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        base_v = self.baseline.vitals if self.baseline else None
        for row, (key, label, unit) in enumerate(ac.VITAL_FIELDS):
            edit = _number_field(f"{label} ({unit})")
            self._register(key, edit, label, "vitals")
            grid.addWidget(_label(label, wrap=False), row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(_label(unit, "muted", wrap=False), row, 2)
            note = _label("", "muted", wrap=False)
            grid.addWidget(note, row, 3)
            before = getattr(base_v, key) if base_v is not None else None
            self._live.append(
                lambda e=edit, lab=note, b=before, u=unit: lab.setText(ac.number_change(b, e.text(), f" {u}"))
            )
        grid.setColumnStretch(4, 1)
        layout.addLayout(grid)
        self.alert_box = QVBoxLayout()
        layout.addLayout(self.alert_box)
        self.alert_labels: list[QLabel] = []

    def _build_goals(self) -> None:
        layout = self._section("goals", "Goals (GAS −2 to +2)")
        if not self.goals:
            layout.addWidget(_label("This trial has no family goals.", "muted"))
            return
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        base_scores = {g.id: g.gas for g in (self.baseline.goals if self.baseline else ())}
        for row, goal in enumerate(self.goals):
            grid.addWidget(_label(goal.text), row, 0)
            box = _combo(
                f"Goal score: {goal.text}",
                [(k if k.startswith("-") or k == "0" else f"+{k}", v) for k, v in ac.GAS_WORDS.items()],
            )
            # The combo shows "+1" but stores "1" (what the record expects).
            for i in range(1, box.count()):
                box.setItemData(i, box.itemText(i).split(" ")[0].replace("+", ""))
            self._register(ac.goal_key(goal.id), box, f"Goal: {goal.text}", "goals")
            grid.addWidget(box, row, 1)
            words = []
            if goal.baseline_gas is not None:
                words.append(f"at the start {goal.baseline_gas:+d}".replace("+0", "0"))
            if goal.id in base_scores:
                words.append(f"this day's baseline {base_scores[goal.id]:+d}".replace("+0", "0"))
            grid.addWidget(_label(" · ".join(words), "muted", wrap=False), row, 2)
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)

    def _build_notes(self) -> None:
        layout = self._section("notes", "Notes")
        notes = QPlainTextEdit()
        notes.setAccessibleName("Notes")
        notes.setTabChangesFocus(True)
        notes.setFixedHeight(80)
        notes.setPlaceholderText("Anything the team should know (Ctrl+Enter saves)")
        self._register("notes", notes, "Notes", "notes")
        layout.addWidget(notes)

    # Values ---------------------------------------------------------------------------------------

    def payload(self) -> dict[str, str]:
        out: dict[str, str] = {"at": self.time_edit.dateTime().toPython().isoformat(timespec="minutes")}
        for key, widget in self.fields.items():
            text = _value(widget)
            if text:
                out[key] = text
        if self.show_others.isChecked():
            out["show_others"] = "1"
        return out

    def set_value(self, key: str, text: str) -> None:
        """Set one field as if typed (tests, drafts, "same muscles as baseline")."""
        _set_value(self.fields[key], text)

    def _at(self) -> datetime:
        return self.time_edit.dateTime().toPython().replace(second=0, microsecond=0)

    def _context(self) -> ac.FormContext:
        return ac.FormContext(
            kind=self.kind,
            muscles=self._mas_order,
            region_muscles=self.region_muscles,
            tardieu_muscles=self.region_muscles,
            goal_ids=[g.id for g in self.goals],
        )

    def result(self) -> ac.FormResult:
        return ac.build_assessment(self.payload(), self._context(), self._at())

    # Live feedback --------------------------------------------------------------------------------

    def _changed(self) -> None:
        if not self.drafts.changed():
            return
        self.draft_label.setText("Typing… the draft is saved a second after the last keystroke.")
        self._refresh_live()

    def _refresh_live(self) -> None:
        result = self.result()
        self._show_field_problems(result.problems)  # first: a range of motion's finding mark follows it
        for update in self._live:
            update()
        graded_so_far = Assessment(kind=self.kind, at=self._at(), mas=result.mas)
        self.mas_summary.setText(
            ac.mas_summary(self.baseline, graded_so_far, self.region, self.coding, self.dose_time)
            if self.kind == "reassessment"
            else f"Region for the response: {REGION_LABELS[self.region]}. "
            + (
                "Every cell of the region is filled."
                if result.blank_mas == 0
                else "1 cell of the region is empty."
                if result.blank_mas == 1
                else f"{result.blank_mas} cells of the region are empty."
            )
        )
        self._refresh_alerts()

    def _refresh_alerts(self) -> None:
        for label in self.alert_labels:
            self.alert_box.removeWidget(label)
            label.hide()
            label.deleteLater()
        self.alert_labels = []
        age = age_in_whole_months(self.birth_date, max(self._at().date(), self.birth_date))
        for alert in ac.live_vital_alerts(self.payload(), age, self.bands):
            urgent = alert.level == "urgent"
            label = _label(("URGENT: " if urgent else "Warning: ") + alert.message)
            label.setStyleSheet(RED_STYLE if urgent else AMBER_STYLE)
            label.setAccessibleName("Vital-sign alert")
            self.alert_box.addWidget(label)
            self.alert_labels.append(label)

    def alert_texts(self) -> list[str]:
        return [label.text() for label in self.alert_labels]

    def _show_field_problems(self, problems: dict[str, str]) -> None:
        if problems == self._shown_problems:
            return  # restyling every field on each keystroke is slow; only changes are applied
        by_section: dict[str, list[str]] = {}
        for key in set(problems) | set(self._shown_problems):
            widget = self.fields[key]
            bad = key in problems
            mark(widget, ERROR if bad else None)
            widget.setToolTip(problems[key] if bad else self._tooltips[key])
        self._shown_problems = dict(problems)
        for key, message in problems.items():
            by_section.setdefault(self._section_of[key], []).append(f"{self.field_names[key]}: {message}")
        for section, label in self._section_problem_labels.items():
            lines = by_section.get(section, [])
            label.setText("\n".join(lines))
            label.setVisible(bool(lines))

    # Actions --------------------------------------------------------------------------------------

    def same_muscles_as_baseline(self) -> None:
        if self.baseline is None:
            return
        changes = ac.same_muscles_payload(self.baseline, self._mas_order, self.payload())
        graded = {k for k, g in ac.baseline_grades(self.baseline).items() if g != "NT"}
        for key, text in changes.items():
            self.set_value(key, text)
        for (muscle, side), cell in self.mas_cells.items():
            # Cells that cannot be paired drop out of the Tab order; a click still reaches them.
            cell.setFocusPolicy(
                Qt.FocusPolicy.StrongFocus if (muscle, side) in graded else Qt.FocusPolicy.ClickFocus
            )
            cell.setEnabled(True)
        first = next(
            (self.mas_cells[k] for m in self._mas_order for k in [(m, "left"), (m, "right")] if k in graded),
            None,
        )
        if first is not None:
            first.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        if key == Qt.Key.Key_Escape:
            self.back()
            return
        super().keyPressEvent(event)

    def back(self) -> None:
        self.flush_draft()
        self.finished.emit()

    def flush_draft(self) -> bool:
        """Save the draft now if anything changed since the last save; False if it could not be kept."""
        return self.drafts.flush()

    def _restore_draft(self) -> None:
        draft = self.drafts.restore(self._fill)
        self.discard_button.setVisible(draft is not None)
        if draft is None:
            self.draft_label.setText("Nothing typed yet.")

    def _fill(self, payload: Mapping[str, Any]) -> None:
        if payload.get("show_others"):
            self.show_others.setChecked(True)
        at = payload.get("at")
        if isinstance(at, str):
            with contextlib.suppress(ValueError):
                self.time_edit.setDateTime(QDateTime(datetime.fromisoformat(at)))
        for key, widget in self.fields.items():
            value = payload.get(key)
            if isinstance(value, str):
                _set_value(widget, value)

    def discard(self) -> None:
        answer = QMessageBox.question(
            self, "Discard the draft?", "Empty this form and delete its saved draft? This cannot be undone."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.drafts.discard()
        with self.drafts.filling_form():
            for widget in self.fields.values():
                _set_value(widget, "")
        self.discard_button.setVisible(False)
        self.draft_label.setText("Draft discarded.")
        self._refresh_live()

    def save(self, *, confirm_blanks: bool = True) -> bool:
        """Save the assessment as a record; True when saved. Field problems are shown beside the fields."""
        self.error_label.setVisible(False)
        if not self.time_edit.readable():  # never saved at the last time that could be read
            self.time_edit.edit.editingFinished.emit()  # says why under the field
            self._show_error(self.time_edit.problem() + " Nothing was saved.")
            self.time_edit.setFocus()
            return False
        result = self.result()
        if result.assessment is None:
            self._show_field_problems(result.problems)
            self._show_error(
                f"{needs_correcting(len(result.problems))} (marked in red, with what to do). Nothing was saved."
            )
            show_first_problem(self.fields.items(), result.problems, self.scroll_area)
            return False
        if ac.is_empty(result.assessment):
            self._show_error("Nothing has been entered yet, so there is nothing to save.")
            return False
        graded = [m for m in result.assessment.mas if m.muscle in self.region_muscles]
        if confirm_blanks and graded and result.blank_mas:
            answer = QMessageBox.question(
                self,
                "Some muscles have no grade",
                (
                    f"1 muscle-side of the {REGION_LABELS[self.region]} has no grade. "
                    if result.blank_mas == 1
                    else f"{result.blank_mas} muscle-sides of the {REGION_LABELS[self.region]} have no grade. "
                )
                + ("Save it" if result.blank_mas == 1 else "Save them")
                + " as not recorded? (Type N in a cell for not tested.)",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # a slip of Enter goes back to the grid, not to a record
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        assessment = result.assessment
        done = user_action(
            lambda: self.controller.save_assessment(self.day_number, assessment),
            error=self._show_error,
            words=problem_list,
        )
        if done is None:
            return False
        self.drafts.discard()
        self.saved.emit(done.value)
        self.finished.emit()
        return True

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(True)


def default_time(now: datetime, day_date: date | None, slot: str, dose_time: datetime | None) -> datetime:
    """When an assessment took place, before anyone types it: now on today's tab; on a past day's tab, the
    slot's planned time (the day's dose + the slot's hours), else that day at the clock's time (a baseline
    no later than the dose); never later than now."""
    now = now.replace(second=0, microsecond=0)
    if day_date is None or day_date >= now.date():
        return now
    dose = None if dose_time is None else dose_time.replace(second=0, microsecond=0, tzinfo=None)
    hours = _slot_hours(slot)
    if dose is not None and hours is not None:
        planned = dose + timedelta(hours=hours)
    else:
        planned = datetime.combine(day_date, now.time())
        if dose is not None and slot == "baseline":
            planned = min(planned, dose)  # a baseline comes before the dose
    return min(planned, now)


def _slot_hours(slot: str) -> float | None:
    try:
        return float(slot)
    except ValueError:
        return None  # "baseline" and "extra" have no planned time


def _value(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text().strip()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return str(data) if data not in (None, "") else ""
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    raise TypeError(type(widget))


def _set_value(widget: QWidget, text: str) -> None:
    if isinstance(widget, QLineEdit):
        widget.setText(text)
    elif isinstance(widget, QComboBox):
        index = widget.findData(text)
        widget.setCurrentIndex(index if index >= 0 else 0)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(text)
