"""The operating-room checklist: a tablet-sized window to record a procedure and its bundle checklist, with
big Yes / No / N/A buttons per step of the bundle version in force, usable by touch.

It acts through the QI controller (``controller.py``): problems are listed in the window in the services'
words and nothing is saved.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain import qi_bundle
from trialapp.domain.qi_bundle import PHASES, PROCEDURE_KINDS
from trialapp.domain.qi_procedures import RiskFactors
from trialapp.services.context import Actor, App
from trialapp.services.qi import NewProcedure
from trialapp.ui.fit_screen import fit_window
from trialapp.ui.qi.common import act_inline, date_edit, problems_label, pydate, run_inline
from trialapp.ui.qi.controller import QiController

# The chosen answer must be obvious at arm's length: yes green, no red, N/A dark grey (white text on each).
ANSWER_COLOURS = {"yes": "#1a7a3a", "no": "#c01818", "na": "#555555"}
TABLET_STYLE = (
    "QWidget { font-size: 14pt; }"
    "QPushButton, QLineEdit, QComboBox, QDateEdit, QSpinBox, QDoubleSpinBox { min-height: 44px; }"
)


#: Keys that answer the focused step (Y yes, N no, A not applicable).
ANSWER_KEYS = {Qt.Key.Key_Y: "yes", Qt.Key.Key_N: "no", Qt.Key.Key_A: "na"}
_ORDER = ("yes", "no", "na")


class _AnswerButtons(QWidget):
    """Yes / No / N/A as three big toggle buttons; pressing the chosen one again clears the answer.

    From the keyboard: Left and Right move between the step's answers, Up and Down to the step before or
    after, Y / N / A answer (a key never clears an answer), Space toggles the focused answer. Enter is left
    to the window (it saves): an answer button is never the window's default, so Enter on a focused "Yes"
    cannot clear it."""

    changed = Signal()
    answered_by_key = Signal()
    move_step = Signal(int)

    def __init__(self, step: qi_bundle.BundleStep, answer: str | None) -> None:
        super().__init__()
        self.step = step
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel(step.text)
        self.text.setWordWrap(True)
        # The text takes what is left: a long step wraps, it never widens the window.
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(200)
        layout.addWidget(self.text, 1)
        for value, caption in (("yes", "Yes"), ("no", "No"), ("na", "N/A")):
            button = QPushButton(caption)
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setFixedSize(110, 60)
            button.setAccessibleName(f"{caption}: {step.text}")
            button.setObjectName(f"answer_{value}")
            button.setChecked(answer == value)
            button.setStyleSheet(
                "QPushButton { font-size: 15pt; min-height: 60px; min-width: 100px; }"
                f"QPushButton:checked {{ background: {ANSWER_COLOURS[value]}; color: white; font-weight: bold; }}"
            )
            button.clicked.connect(lambda checked, v=value: self._pressed(v, checked))
            button.installEventFilter(self)
            self.group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = Qt.Key(event.key())
        if key in ANSWER_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.set_answer(ANSWER_KEYS[key])
            self.answered_by_key.emit()
            return True
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            here = next((i for i, v in enumerate(_ORDER) if self.buttons[v] is watched), 0)
            step = -1 if key == Qt.Key.Key_Left else 1
            self.buttons[_ORDER[(here + step) % len(_ORDER)]].setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_step.emit(-1 if key == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(watched, event)

    def _pressed(self, value: str, checked: bool) -> None:
        for other, button in self.buttons.items():
            if other != value:
                button.setChecked(False)
        self.buttons[value].setChecked(checked)
        self.changed.emit()

    def set_answer(self, value: str) -> None:
        """Choose ``value`` (a key press: it sets, never clears)."""
        self._pressed(value, True)
        self.buttons[value].setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_answer(self) -> None:
        """Focus the chosen answer, or Yes when none is chosen."""
        self.buttons[self.answer() or "yes"].setFocus(Qt.FocusReason.OtherFocusReason)

    def answer(self) -> str | None:
        return next((v for v, b in self.buttons.items() if b.isChecked()), None)


class ProcedureChecklistDialog(QDialog):
    """Record a procedure and its bundle checklist, sized and spaced for a tablet in the operating room.

    New (``procedure_id`` None): date, kind, site, surgeon, an optional trial (its patient fills the risk
    factors), the risk factors, then one row per step of the bundle version in force that applies to the
    kind. Existing: its answers and risk factors can be completed or changed."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        procedure_id: str | None = None,
        parent: QWidget | None = None,
        *,
        controller: QiController | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller or QiController(app, actor, self)
        self.procedure_id = procedure_id
        self.history = self.controller.bundle_history()
        self.detail = self.controller.procedure(procedure_id) if procedure_id else None
        self.setWindowTitle("Bundle checklist" + (f" — procedure {procedure_id}" if procedure_id else ""))
        fit_window(self, 1024, 720)
        # Sizes as a style sheet, so that the app's theme (which sets font sizes and minimum heights for
        # every widget) cannot shrink this window's touch targets: the window's own sheet wins.
        self.setStyleSheet(TABLET_STYLE)
        sites, surgeons = self.controller.filter_choices()

        p = self.detail.procedure if self.detail else None
        self.date = date_edit(p.surgery_date if p else date.today())
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
        self.fill_button.setAutoDefault(False)
        self.fill_button.clicked.connect(self.fill_from_trial)
        for widget, name in (
            (self.date, "Surgery date"),
            (self.kind, "Kind"),
            (self.site, "Site"),
            (self.surgeon, "Surgeon"),
            (self.trial, "Trial"),
        ):
            widget.setAccessibleName(name)
        for widget in (self.date, self.kind, self.site, self.surgeon, self.trial, self.fill_button):
            widget.setMinimumHeight(44)
            widget.setEnabled(p is None)
        self.confirmed_by = QLineEdit(actor.display_name)
        self.confirmed_by.setMinimumHeight(44)
        self.confirmed_by.setAccessibleName("Confirmed by")

        self.risk = _RiskFactorsBox(p.risk if p else RiskFactors())
        # In the operating room the steps come first: the risk factors open on demand.
        self.risk_toggle = QPushButton("Risk factors…")
        self.risk_toggle.setAutoDefault(False)
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
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always there: a scroll bar that comes and goes would shift every answer button sideways.
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        QScroller.grabGesture(
            scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture
        )  # swipe to scroll
        self.scroll = scroll
        self.progress = QLabel()
        self.progress.setAccessibleName("Checklist progress")
        self.error = problems_label()
        # Neither the progress line nor an error may change the window's width (the answer buttons would
        # move under the finger): both wrap inside the width they are given.
        for label in (self.progress, self.error):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button = QPushButton("Save checklist")
        self.save_button.setMinimumSize(200, 60)
        self.save_button.setStyleSheet("min-height: 60px; min-width: 200px; font-weight: bold;")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(self.controller.may("record_qi"))
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
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
        if self.detail is not None:
            # Completing a recorded checklist: start at the first step without an answer.
            first = next((r for r in self.rows.values() if r.answer() is None), None)
            if first is not None:
                first.focus_answer()

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
        pinned = self.detail.bundle_version if self.detail is not None else None
        version = self.history.version_for(pydate(self.date.date()), pinned)
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
                row.changed.connect(lambda r=row: self._show_next_unanswered(r, focus=False))
                row.answered_by_key.connect(lambda r=row: self._show_next_unanswered(r, focus=True))
                row.move_step.connect(lambda delta, r=row: self._move_step(r, delta))
                self.rows[step.code] = row
                self.steps_layout.addWidget(row)
        self.steps_layout.addStretch(1)
        self._update_progress()

    def _show_next_unanswered(self, after: _AnswerButtons, *, focus: bool) -> None:
        """Scroll to the next step without an answer (after ``after``, else from the top); with ``focus``
        (an answer given from the keyboard) the focus moves there too."""
        rows = list(self.rows.values())
        start = rows.index(after) + 1 if after in rows else 0
        nxt = next((r for r in rows[start:] + rows[:start] if r.answer() is None), None)
        if nxt is None:
            return
        self.scroll.ensureWidgetVisible(nxt, 0, 40)
        if focus:
            nxt.focus_answer()

    def _move_step(self, row: _AnswerButtons, delta: int) -> None:
        rows = list(self.rows.values())
        i = rows.index(row) + delta
        if 0 <= i < len(rows):
            rows[i].focus_answer()
            self.scroll.ensureWidgetVisible(rows[i], 0, 40)

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
        risk = run_inline(
            self.error, lambda: self.controller.prefill_from_trial(trial, pydate(self.date.date()))
        )
        if risk is None:
            return
        self.risk.fill_empty(risk)
        self.risk_toggle.setChecked(True)

    def save(self) -> bool:
        """Save through the controller; problems are listed in the window and nothing is saved."""
        if act_inline(self.error, self._save):
            self.accept()
            return True
        return False

    def _save(self) -> None:
        answers = self.current_answers()
        risk = self.risk.value()
        if self.detail is None:
            self.procedure_id = self.controller.create_procedure(
                NewProcedure(
                    surgery_date=pydate(self.date.date()),
                    kind=str(self.kind.currentData()),
                    site=self.site.currentText(),
                    surgeon=self.surgeon.currentText(),
                    risk=risk,
                    trial_id=self.trial.text().strip() or None,
                ),
                {c: a for c, a in answers.items() if a is not None},
                self.confirmed_by.text(),
            )
            return
        stored = self.detail.procedure.answers
        changes = {c: a for c, a in answers.items() if stored.get(c) != a}
        self.controller.update_checklist(
            self.detail.procedure.procedure_id, changes, risk, self.confirmed_by.text()
        )


class _RiskFactorsBox(QGroupBox):
    """Risk factors with "not recorded" as a real choice (a blank is never read as no)."""

    def __init__(self, risk: RiskFactors) -> None:
        super().__init__("Risk factors at the time of surgery")
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
            widget.setAccessibleName(label)
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
