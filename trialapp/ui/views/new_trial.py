"""The new-trial wizard: patient (new, or on file), catheter placement, protocol, family goals, review.

Each step is checked when leaving it with the same rules ``start_trial`` applies
(``services.new_trial.check_new_trial``); each problem is shown in plain words under its field.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.dosing import LADDERS
from trialapp.domain.numbers import plain_number
from trialapp.domain.protocol import DefaultSetting
from trialapp.domain.records import Catheter, Goal, Patient, ProtocolSettings
from trialapp.domain.vocabulary import LATE_AFTER_MINUTES
from trialapp.services import app_settings, new_trial, trials
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.ui import theme
from trialapp.ui.actions import user_action
from trialapp.ui.date_input import DateInput, DateTimeInput, date_forms, parse_date
from trialapp.ui.field_marks import ERROR, mark, show_first_problem
from trialapp.ui.fit_screen import fit_window
from trialapp.ui.rule_words import readable_source
from trialapp.ui.views.common import button, error_label, label, patient_name, show_error

STEPS = ("Patient", "Catheter", "Protocol", "Family goals", "Review")
MAX_GOALS = new_trial.MAX_GOALS

SEXES = (
    ("choose…", None),
    ("female", "female"),
    ("male", "male"),
    ("other", "other"),
    ("unknown", "unknown"),
)
TONES = (("not recorded", None), ("spastic", "spastic"), ("dystonic", "dystonic"), ("mixed", "mixed"))
LANGUAGES = (("not recorded (English)", None), ("English", "en"), ("Spanish", "es"))
GMFCS = (("not recorded", None), *((f"Level {r}", i) for i, r in enumerate(("I", "II", "III", "IV", "V"), 1)))
METHODS = (("Intrathecal catheter", "catheter"), ("Lumbar puncture", "lumbar_puncture"))
CODINGS = (("CPRN (1+ counts as 1.5)", "cprn"), ("Ordinal 0–5", "ordinal05"))
REGIONS = (("Lower limbs", "lower"), ("Upper limbs", "upper"), ("All muscles", "all"))
ALLERGY_ANSWERS = (
    ("choose…", None),
    ("No known allergies", "none_known"),
    ("Allergies, listed below", "listed"),
)
# The draft's birth date while none is typed (the record needs one): never shown, never saved — the
# missing birth date is a problem of its own that blocks the step.
PLACEHOLDER_BIRTH = date(2000, 1, 1)
GAS = (("not scored", None), ("−2", -2), ("−1", -1), ("0", 0), ("+1", 1), ("+2", 2))

# Where each step's problems belong: a field path starts with one of these.
STEP_PREFIXES = (
    ("patient",),
    ("trial.started_on", "trial.catheter", "trial.days"),
    (
        "trial.mode",
        "trial.ladder",
        "trial.mas_coding",
        "trial.region",
        "trial.threshold",
        "trial.schedule_hours",
    ),
    ("trial.goals",),
    ("",),
)


def _combo(items: tuple[tuple[str, object], ...], accessible: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(accessible)
    for text, value in items:
        combo.addItem(text, value)
    return combo


def _set_combo(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


def _line(accessible: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(accessible)
    if placeholder:
        field.setPlaceholderText(placeholder)
    return field


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    return float(text)


def defaults_label(defaults: tuple[DefaultSetting, ...]) -> QLabel:
    """The protocol defaults as a readable list: label and value, and the source under each."""
    rows = "".join(
        f"<p style='margin:0 0 6px 0'><b>{html.escape(d.label)}</b>: {html.escape(d.value)}<br>"
        f"<span style='color:{theme.muted_color()}'>Source: {html.escape(readable_source(d.source))}</span></p>"
        for d in defaults
    )
    widget = QLabel(rows)
    widget.setTextFormat(Qt.TextFormat.RichText)
    widget.setWordWrap(True)
    widget.setAccessibleName("Protocol defaults with their sources")
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


class _Field:
    """A widget with its error line, laid out as one form row."""

    def __init__(self, form: QFormLayout, caption: str, widget: QWidget, hint: str | None = None) -> None:
        self.widget = widget
        self.error = error_label()
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(widget)
        if hint:
            v.addWidget(label(hint, "muted", wrap=True))
        v.addWidget(self.error)
        caption_label = label(caption, buddy=widget)
        form.addRow(caption_label, box)


BIRTH_EXAMPLE = date(2016, 4, 12)


class NewTrialWizard(QDialog):
    """Start a trial. ``existing_mrn`` "" or None starts with a new patient; an MRN preselects that patient."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        *,
        existing_mrn: str | None = None,
        parent: QWidget | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self._now = now
        self.trial_id: str | None = None
        self.existing: Patient | None = None
        self.site_settings = app_settings.site_protocol_settings(app)
        self._errors: dict[str, QLabel] = {}
        self._widget_of: dict[int, QWidget] = {}  # id of an error line → the field it is about
        self._ladder_touched = False
        self.setWindowTitle("New trial")
        self.setAccessibleName("New trial wizard")

        # The steps are a guide to read, not a control: Back and Next move between them.
        self.steps = QFrame()
        self.steps.setProperty("role", "card")
        self.steps.setAccessibleName("Steps")
        self.steps.setFixedWidth(170)
        steps_layout = QVBoxLayout(self.steps)
        self.step_labels = [label(f"{i}. {name}") for i, name in enumerate(STEPS, 1)]
        for step_label in self.step_labels:
            steps_layout.addWidget(step_label)
        steps_layout.addStretch(1)

        self.stack = QStackedWidget()
        for build in (
            self._patient_page,
            self._catheter_page,
            self._protocol_page,
            self._goals_page,
            self._review_page,
        ):
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(build())
            self.stack.addWidget(scroll)

        self.page_error = error_label()
        self.back_button = button("< &Back", "Back")
        self.next_button = button("&Next >", "Next", primary=True)
        self.start_button = button("&Start trial", "Start trial", primary=True)
        self.cancel_button = button("Cancel")
        for b in (self.back_button, self.cancel_button):
            b.setAutoDefault(False)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)

        right = QVBoxLayout()
        self.step_title = label("", "title")
        right.addWidget(self.step_title)
        right.addWidget(self.stack, 1)
        right.addWidget(self.page_error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.start_button)
        right.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addWidget(self.steps)
        outer.addLayout(right, 1)
        fit_window(self, 980, 660)

        if existing_mrn:
            self.on_file.setChecked(True)
            self.patient_search.setText(existing_mrn)
            self._search_patients()
            if self.patient_list.count() >= 1:
                self.patient_list.setCurrentRow(0)
        else:
            self.new_patient.setChecked(True)
        self._mode_changed()
        self.go(0)
        self._untouched = self._snapshot()

    # ------------------------------------------------------------------------------------- the pages

    def _patient_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.new_patient = QRadioButton("New &patient")
        self.new_patient.setAccessibleName("New patient")
        self.on_file = QRadioButton("Patient &on file")
        self.on_file.setAccessibleName("Patient on file")
        group = QButtonGroup(page)
        group.addButton(self.new_patient)
        group.addButton(self.on_file)
        row = QHBoxLayout()
        row.addWidget(self.new_patient)
        row.addWidget(self.on_file)
        row.addStretch(1)
        v.addLayout(row)
        self.new_patient.toggled.connect(self._mode_changed)

        self.pick_box = QWidget()
        pv = QVBoxLayout(self.pick_box)
        pv.setContentsMargins(0, 0, 0, 0)
        self.patient_search = _line("Search patients on file", "Search by name or MRN")
        self.patient_search.textChanged.connect(self._search_patients)
        self.patient_list = QListWidget()
        self.patient_list.setAccessibleName("Patients on file")
        self.patient_list.setMaximumHeight(150)
        self.patient_list.currentRowChanged.connect(self._pick)
        pv.addWidget(self.patient_search)
        pv.addWidget(self.patient_list)
        pv.addWidget(
            label(
                "Details of a patient on file are shown as recorded and cannot be changed here.",
                "muted",
                wrap=True,
            )
        )
        v.addWidget(self.pick_box)

        form = QFormLayout()
        self.mrn = _line("MRN", "hospital number, e.g. A123456")
        self.given = _line("Given name")
        self.family = _line("Family name")
        # Typed, no default: a date left at "8 years ago" silently set the age band, the ladder and the
        # vital-sign limits.
        self.birth = _line("Birth date", f"e.g. {date_forms(BIRTH_EXAMPLE)}")
        self.sex = _combo(SEXES, "Sex")
        self.weight = _line("Weight in kg", "kg, e.g. 24.5")
        self.height = _line("Height in cm", "cm, e.g. 128")
        self.gmfcs = _combo(GMFCS, "GMFCS level")
        self.diagnosis = _line("Diagnosis", "e.g. spastic diplegic cerebral palsy")
        self.tone = _combo(TONES, "Tone pattern")
        self.allergy_answer = _combo(ALLERGY_ANSWERS, "Allergy answer")
        self.allergies = _line("Allergies", "separate with commas, e.g. latex, penicillin")
        self.allergies.textEdited.connect(self._allergies_typed)
        self.language = _combo(LANGUAGES, "Family's preferred language")
        fields = (
            ("patient.mrn", "&MRN", self.mrn, None),
            ("patient.given_name", "&Given name", self.given, None),
            ("patient.family_name", "&Family name", self.family, None),
            ("patient.birth_date", "B&irth date", self.birth, None),
            ("patient.sex", "Se&x", self.sex, None),
            ("patient.weight_kg", "&Weight (kg)", self.weight, None),
            ("patient.height_cm", "&Height (cm)", self.height, None),
            ("patient.gmfcs_level", "GMF&CS", self.gmfcs, None),
            ("patient.diagnosis", "&Diagnosis", self.diagnosis, None),
            ("patient.tone_pattern", "&Tone pattern", self.tone, None),
            ("patient.allergy_answer", "All&ergies?", self.allergy_answer, None),
            ("patient.allergies", "&Allergies", self.allergies, None),
            ("patient.language", "&Language", self.language, "Used for the family's printed summary."),
        )
        self.patient_fields: list[QWidget] = []
        for path, caption, widget, hint in fields:
            self._errors[path] = self._field_error(_Field(form, caption, widget, hint))
            self.patient_fields.append(widget)
        v.addLayout(form)
        self.birth.textChanged.connect(self._update_suggestion)
        return page

    def _catheter_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        now = self._now or datetime.now()
        self.started_on = DateInput()
        self.started_on.setAccessibleName("Trial start date")
        self.started_on.setCalendarPopup(True)
        self.started_on.setDisplayFormat("dd MMM yyyy")
        self.started_on.setDate(QDate(now.year, now.month, now.day))
        self.placed_at = DateTimeInput()
        self.placed_at.setAccessibleName("Catheter placed at")
        self.placed_at.setCalendarPopup(True)
        self.placed_at.setDisplayFormat("dd MMM yyyy HH:mm")
        self.placed_at.setDateTime(
            QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, now.minute))
        )
        self.method = _combo(METHODS, "Method")
        self.level = _line("Catheter level", "e.g. L3-L4")
        for path, caption, widget, hint in (
            (
                "trial.started_on",
                "Trial &starts on",
                self.started_on,
                "Day 1 of the trial; days 2 and 3 follow.",
            ),
            (
                "trial.catheter.placed_at",
                "&Placed at",
                self.placed_at,
                "Date and time of the catheter placement or the lumbar puncture.",
            ),
            ("trial.catheter.method", "&Method", self.method, None),
            ("trial.catheter.level", "&Level", self.level, "Spinal level of the catheter tip or puncture."),
        ):
            self._errors[path] = self._field_error(_Field(form, caption, widget, hint))
        self.started_on.dateChanged.connect(self._update_suggestion)
        return page

    def _protocol_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        s = self.site_settings
        self.suggestion = label("", wrap=True)
        self.suggestion.setAccessibleName("Suggested ladder and why")
        v.addWidget(self.suggestion)
        form = QFormLayout()
        self.ladder = QComboBox()
        self.ladder.setAccessibleName("Dose ladder")
        for code, steps in LADDERS.items():
            self.ladder.addItem(f"{code.replace('_', ' ')}: {', '.join(str(x) for x in steps)} mcg", code)
        self.ladder.activated.connect(self._ladder_chosen)
        self.coding = _combo(CODINGS, "MAS coding")
        _set_combo(self.coding, s.mas_coding)
        self.region = _combo(REGIONS, "Region for the tone response")
        _set_combo(self.region, s.region)
        self.threshold = QDoubleSpinBox()
        self.threshold.setAccessibleName("Responder threshold in MAS points")
        self.threshold.setRange(0.1, 4.0)
        self.threshold.setSingleStep(0.5)
        self.threshold.setDecimals(1)
        self.threshold.setValue(s.threshold)
        self.schedule = _line("Reassessments, hours after each dose", "e.g. 1, 2, 4, 6, 8")
        self.schedule.setText(", ".join(f"{h:g}" for h in s.schedule_hours))
        self.late = QSpinBox()
        # R10 revision 2: one window, two words — early before the slot, late after it.
        self.late.setAccessibleName("Early or late beyond, minutes from the time")
        self.late.setToolTip(
            "A reassessment done more than this many minutes before its time is marked early; "
            "more than this many minutes after it, late."
        )
        self.late.setRange(LATE_AFTER_MINUTES.lo or 0, LATE_AFTER_MINUTES.hi or 240)
        self.late.setSuffix(" min")
        self.late.setValue(s.late_after_minutes)
        for path, caption, widget in (
            ("trial.ladder", "Dose &ladder", self.ladder),
            ("trial.mas_coding", "MAS &coding", self.coding),
            ("trial.region", "&Region", self.region),
            ("trial.threshold", "Responder &threshold", self.threshold),
            ("trial.schedule_hours", "Reassessments (&hours)", self.schedule),
            ("trial.late_after_minutes", "Early or late be&yond", self.late),
        ):
            self._errors[path] = self._field_error(_Field(form, caption, widget))
        v.addLayout(form)
        v.addWidget(label("Defaults and where they come from", "subtitle"))
        self.defaults_text = defaults_label(app_settings.defaults_with_sources(self.site_settings))
        v.addWidget(self.defaults_text)
        return page

    def _goals_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(
            label(
                f"Up to {MAX_GOALS} goals the family chose, in their words, each with its baseline GAS score "
                "(−2 much worse than expected … 0 expected … +2 much better). Leave a row empty to skip it.",
                "muted",
                wrap=True,
            )
        )
        grid = QGridLayout()
        grid.addWidget(label("Goal", "subtitle"), 0, 1)
        grid.addWidget(label("Baseline GAS", "subtitle"), 0, 2)
        self.goal_texts: list[QLineEdit] = []
        self.goal_gas: list[QComboBox] = []
        for i in range(MAX_GOALS):
            text = _line(f"Goal {i + 1}", "e.g. Sit in the wheelchair for 2 hours" if i == 0 else "")
            gas = _combo(GAS, f"Goal {i + 1} baseline GAS")
            error = error_label()
            self._errors[f"trial.goals[{i}]"] = error
            self._errors[f"trial.goals#{i}"] = error  # the wizard's own check of row i (not renumbered)
            self._widget_of[id(error)] = text
            grid.addWidget(label(f"&{i + 1}.", buddy=text), 2 * i + 1, 0)
            grid.addWidget(text, 2 * i + 1, 1)
            grid.addWidget(gas, 2 * i + 1, 2)
            grid.addWidget(error, 2 * i + 2, 1, 1, 2)
            self.goal_texts.append(text)
            self.goal_gas.append(gas)
        grid.setColumnStretch(1, 1)
        v.addLayout(grid)
        v.addStretch(1)
        self._errors["trial.goals"] = error_label()
        v.addWidget(self._errors["trial.goals"])
        return page

    def _review_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.review = QPlainTextEdit()
        self.review.setReadOnly(True)
        self.review.setAccessibleName("Review of the new trial")
        v.addWidget(self.review)
        v.addWidget(
            label(
                "Start trial creates the trial with these settings; they stay frozen on it.",
                "muted",
                wrap=True,
            )
        )
        return page

    # ------------------------------------------------------------------------------------ behaviour

    def _mode_changed(self) -> None:
        on_file = self.on_file.isChecked()
        self.pick_box.setVisible(on_file)
        for w in self.patient_fields:
            w.setEnabled(not on_file)
        if on_file:
            self._pick(self.patient_list.currentRow())
            self.patient_search.setFocus()
        else:
            self.existing = None
            self.mrn.setFocus()

    def _search_patients(self) -> None:
        done = user_action(
            lambda: new_trial.find_patients(self._app, self._actor, self.patient_search.text(), limit=30),
            error=self.page_error,
        )
        if done is None:
            return
        found = self._found = done.value
        self.patient_list.clear()
        for p in found:
            self.patient_list.addItem(
                f"{patient_name(p.given_name, p.family_name, '(no name)')} — MRN {p.mrn}, "
                f"born {p.birth_date:%d %b %Y}"
            )
        if found:
            self.patient_list.setCurrentRow(0)

    def _pick(self, row: int) -> None:
        found = getattr(self, "_found", [])
        if not self.on_file.isChecked() or not 0 <= row < len(found):
            return
        p: Patient = found[row]
        self.existing = p
        self.mrn.setText(p.mrn)
        self.given.setText(p.given_name or "")
        self.family.setText(p.family_name or "")
        self.birth.setText(f"{p.birth_date:%d %b %Y}")
        _set_combo(self.sex, p.sex)
        self.weight.setText(plain_number(p.weight_kg) if p.weight_kg is not None else "")
        self.height.setText(plain_number(p.height_cm) if p.height_cm is not None else "")
        _set_combo(self.gmfcs, p.gmfcs_level)
        self.diagnosis.setText(p.diagnosis or "")
        _set_combo(self.tone, p.tone_pattern)
        self.allergies.setText(", ".join(p.allergies))
        _set_combo(self.allergy_answer, "listed" if p.allergies else None)
        _set_combo(self.language, p.language)

    def _allergies_typed(self, text: str) -> None:
        # Typing an allergy answers the question; "No known allergies" stays only if nothing is typed.
        if text.strip():
            _set_combo(self.allergy_answer, "listed")

    def birth_date(self) -> date | None:
        """The typed birth date; None when none is typed or it is not a date. Read as every date field reads a
        date (``date_input.parse_date``: the locale's order of day and month): it had its own day-first reading,
        and "04/12/2016" was 4 December here and 12 April as the start date beside it on a month-first laptop."""
        return parse_date(self.birth.text())

    def birth_date_entered(self) -> bool:
        return self.birth_date() is not None

    def _answers(self) -> new_trial.NewPatientAnswers | None:
        """The new patient's answers beyond the record (None for a patient on file)."""
        if self.on_file.isChecked():
            return None
        return new_trial.NewPatientAnswers(
            birth_date_entered=self.birth_date_entered(), allergy_answer=self.allergy_answer.currentData()
        )

    def _snapshot(self) -> tuple[object, ...]:
        """Everything typed or chosen, to tell whether closing would discard anything."""
        edits = [w.text() for w in self.findChildren(QLineEdit)]
        combos = [c.currentIndex() for c in self.findChildren(QComboBox)]
        dates = [d.dateTime() for d in self.findChildren(DateTimeInput)]
        return (*edits, *combos, *dates, self.on_file.isChecked())

    def reject(self) -> None:
        """Esc, Cancel and the window's close button: ask before discarding what was entered."""
        if self.trial_id is None and self._snapshot() != self._untouched and not self._confirm_discard():
            return
        super().reject()

    def _confirm_discard(self) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Discard the new trial?",
            "Close the wizard and discard what you entered? Nothing has been saved.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter or Esc keeps the entries
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.setAccessibleName("Discard the new trial?")
        return box.exec() == QMessageBox.StandardButton.Discard

    def _ladder_chosen(self) -> None:
        self._ladder_touched = True

    def _update_suggestion(self) -> None:
        birth = self.birth_date()
        start = self.started_on.date().toPython() if hasattr(self, "started_on") else date.today()
        if not hasattr(self, "ladder"):
            return
        if birth is None:
            self.suggestion.setText("No ladder suggestion: type the birth date on the Patient step.")
            return
        if birth > start:
            self.suggestion.setText(
                "No ladder suggestion: the birth date is after the trial's start. Check the "
                "birth date on the Patient step."
            )
            return
        choice = trials.suggest_protocol(birth, start)
        self.suggested_ladder = choice.ladder
        self.suggestion.setText(f"Suggested ladder: {choice.ladder.replace('_', ' ')}. {choice.reason}")
        if not self._ladder_touched:
            _set_combo(self.ladder, choice.ladder)

    def go(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.step_title.setText(f"{index + 1}. {STEPS[index]}")
        for i, step_label in enumerate(self.step_labels):
            font = step_label.font()
            font.setBold(i == index)
            step_label.setFont(font)
        last = index == len(STEPS) - 1
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(not last)
        self.start_button.setVisible(last)
        self.next_button.setDefault(not last)
        self.start_button.setDefault(last)
        show_error(self.page_error, None)
        if index == 2:
            self._update_suggestion()
        if index == len(STEPS) - 1:
            self.review.setPlainText(self._review_text())
        focus = {
            0: self.patient_search if self.on_file.isChecked() else self.mrn,
            1: self.started_on,
            2: self.ladder,
            3: self.goal_texts[0],
            4: self.start_button,
        }[index]
        focus.setFocus()

    def back(self) -> None:
        if self.stack.currentIndex() > 0:
            self.go(self.stack.currentIndex() - 1)

    def next(self) -> None:
        index = self.stack.currentIndex()
        if self._check(index) and index < len(STEPS) - 1:
            self.go(index + 1)

    # -------------------------------------------------------------------------------- entries → records

    def _patient(self, problems: dict[str, str]) -> Patient:
        if self.existing is not None and self.on_file.isChecked():
            return self.existing
        weight = height = None
        try:
            weight = _number(self.weight.text())
        except ValueError:
            problems["patient.weight_kg"] = "Type the weight in kg as a number, for example 24.5."
        try:
            height = _number(self.height.text())
        except ValueError:
            problems["patient.height_cm"] = "Type the height in cm as a number, for example 128."
        allergies = tuple(a.strip() for a in re.split(r"[,;\n]", self.allergies.text()) if a.strip())
        return Patient(
            mrn=self.mrn.text().strip(),
            birth_date=self._typed_birth_date(problems),
            given_name=self.given.text().strip() or None,
            family_name=self.family.text().strip() or None,
            sex=self.sex.currentData(),
            weight_kg=weight,
            height_cm=height,
            gmfcs_level=self.gmfcs.currentData(),
            diagnosis=self.diagnosis.text().strip() or None,
            tone_pattern=self.tone.currentData(),
            allergies=allergies,
            language=self.language.currentData(),
        )

    def _typed_birth_date(self, problems: dict[str, str]) -> date:
        typed = self.birth_date()
        if typed is None and self.birth.text().strip():
            problems["patient.birth_date"] = f"Type the birth date as {date_forms(BIRTH_EXAMPLE)}."
        return typed if typed is not None else PLACEHOLDER_BIRTH

    def _settings(self, problems: dict[str, str]) -> ProtocolSettings:
        hours = self.site_settings.schedule_hours
        try:
            hours = app_settings.parse_schedule_hours(self.schedule.text())
            if not hours:
                problems["trial.schedule_hours"] = "Give at least one reassessment time, e.g. 1, 2, 4, 6, 8."
        except InvalidInput as exc:
            problems["trial.schedule_hours"] = str(exc)
        return replace(
            self.site_settings,
            ladder=self.ladder.currentData(),
            mas_coding=self.coding.currentData(),
            region=self.region.currentData(),
            threshold=round(self.threshold.value(), 1),
            schedule_hours=hours or self.site_settings.schedule_hours,
            late_after_minutes=self.late.value(),
        )

    def _goals(self, problems: dict[str, str]) -> tuple[Goal, ...]:
        goals = []
        for i, (text, gas) in enumerate(zip(self.goal_texts, self.goal_gas, strict=True)):
            words = " ".join(text.text().split())
            if not words:
                if gas.currentData() is not None:
                    problems[f"trial.goals#{i}"] = "Write the goal, or set its score back to “not scored”."
                continue
            goals.append(Goal(id=f"g{len(goals) + 1}", text=words, baseline_gas=gas.currentData()))
        return tuple(goals)

    def _entries(self) -> tuple[dict[str, str], Patient, date, Catheter, ProtocolSettings, tuple[Goal, ...]]:
        problems: dict[str, str] = {}
        patient = self._patient(problems)
        settings = self._settings(problems)
        goals = self._goals(problems)
        placed = self.placed_at.dateTime().toPython().replace(second=0, microsecond=0)
        catheter = Catheter(
            placed_at=placed, method=self.method.currentData(), level=self.level.text().strip() or None
        )
        return problems, patient, self.started_on.date().toPython(), catheter, settings, goals

    def _goal_path(self, path: str) -> str:
        # Goals are numbered g1.. over the filled rows; map a problem back to the row it came from.
        m = re.match(r"trial\.goals\[(\d+)\]", path)
        if not m:
            return path
        filled = [i for i, t in enumerate(self.goal_texts) if t.text().strip()]
        index = int(m.group(1))
        return f"trial.goals[{filled[index]}]" if index < len(filled) else "trial.goals"

    def _label_for(self, path: str) -> QLabel | None:
        path = self._goal_path(path)
        while path:
            if path in self._errors:
                return self._errors[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return None

    def _all_problems(self) -> list[tuple[str, str]]:
        ui, patient, started, catheter, settings, goals = self._entries()
        found = list(ui.items())
        done = user_action(
            lambda: new_trial.check_new_trial(
                self._app,
                self._actor,
                patient,
                started_on=started,
                catheter=catheter,
                settings=settings,
                goals=goals,
                now=self._now,
                new_patient=self._answers(),
            ),
            error=lambda text: found.append(("", text)),  # a refusal is one more problem on the page
        )
        if done is not None:
            checked = [(p.field, p.message) for p in done.value]
            if not self.on_file.isChecked() and self.birth_date() is None:
                # The draft carries a stand-in date: only "type it" (or why the typed text is no date)
                # is true of the birth date, never a finding about the stand-in.
                required = [
                    x for x in checked if x[0] == "patient.birth_date" and x[1].startswith("Type the")
                ]
                checked = [x for x in checked if x[0] != "patient.birth_date"]
                checked += [] if "patient.birth_date" in ui else required
            found += checked
        if self.on_file.isChecked() and self.existing is None:
            found.append(("patient", "Pick the patient from the list, or choose New patient."))
        return found

    def _check(self, step: int) -> bool:
        """Show the problems of ``step`` (every step for the review) next to their fields."""
        problems = self._all_problems()
        prefixes = STEP_PREFIXES[step]
        # A problem of no field (e.g. a role that may not start trials) blocks every step.
        relevant = [
            (f, msg)
            for f, msg in problems
            if not f or step == len(STEPS) - 1 or any(f.startswith(p) for p in prefixes)
        ]
        for error in self._errors.values():
            show_error(error, None)
        loose: list[str] = []
        by_label: dict[int, tuple[QLabel, list[str]]] = {}
        for path, message in relevant:
            target = self._label_for(path)
            if target is None or (step == len(STEPS) - 1 and not self._on_page(target, step)):
                loose.append(message)
                continue
            by_label.setdefault(id(target), (target, []))[1].append(message)
        for target, messages in by_label.values():
            show_error(target, "\n".join(dict.fromkeys(messages)))
        if step == len(STEPS) - 1 and relevant:
            loose = [m for _, m in relevant]
        show_error(self.page_error, "\n".join(dict.fromkeys(loose)) if loose else None)
        if relevant:
            self.page_error.setText(
                self.page_error.text() or "Correct the fields marked in red, then continue."
            )
            self.page_error.show()
        self._show_bad_fields(step)
        return not relevant

    def _field_error(self, field: _Field) -> QLabel:
        self._widget_of[id(field.error)] = field.widget
        return field.error

    def _show_bad_fields(self, step: int) -> None:
        """Mark each field with a problem, then scroll to the first on the step's page and focus it."""
        first: QWidget | None = None
        seen: set[int] = set()
        for error in self._errors.values():
            widget = self._widget_of.get(id(error))
            if widget is None or id(widget) in seen:
                continue
            seen.add(id(widget))
            bad = bool(error.text()) and not error.isHidden()
            mark(widget, ERROR if bad else None)
            if bad and first is None and self._on_page(widget, step):
                first = widget
        page = self.stack.widget(step)
        if first is not None and isinstance(page, QScrollArea):
            show_first_problem([("", first)], {"": True}, page)

    def _on_page(self, widget: QWidget, step: int) -> bool:
        return self.stack.widget(step).isAncestorOf(widget)

    def _review_text(self) -> str:
        _problems, p, started, catheter, s, goals = self._entries()
        born = f"{p.birth_date:%d %b %Y}" if self.birth_date_entered() else "(birth date missing)"
        allergies = ", ".join(p.allergies) or (
            "no known allergies" if self.allergy_answer.currentData() == "none_known" else "(not answered)"
        )
        lines = [
            f"Patient: {patient_name(p.given_name, p.family_name, '(no name)')}, MRN {p.mrn or '(missing)'}, "
            f"born {born}"
            + (" (on file)" if self.existing is not None and self.on_file.isChecked() else " (new)"),
            f"Sex: {p.sex or '(missing)'}; "
            f"weight: {f'{plain_number(p.weight_kg)} kg' if p.weight_kg is not None else '(missing)'}; "
            f"allergies: {allergies}",
            f"GMFCS: {self.gmfcs.currentText()}; diagnosis: {p.diagnosis or 'not recorded'}; "
            f"family's language: {self.language.currentText()}",
            "",
            f"Trial starts {started:%d %b %Y} (days 1–3).",
            f"{self.method.currentText()} placed {catheter.placed_at:%d %b %Y %H:%M}"
            + (f", level {catheter.level}" if catheter.level else ""),
            "",
            f"Ladder: {self.ladder.currentText()}",
            f"MAS coding: {self.coding.currentText()}; region: {self.region.currentText()}; "
            f"responder threshold {plain_number(s.threshold)} point{'' if s.threshold == 1 else 's'}",
            f"Reassessments at {', '.join(f'{h:g}' for h in s.schedule_hours)} h after each dose "
            f"(early or late when more than {s.late_after_minutes} min from their time)",
            "",
            "Family goals:" if goals else "Family goals: none recorded",
        ]
        for g in goals:
            gas = (
                "not scored"
                if g.baseline_gas is None
                else f"{g.baseline_gas:+d}".replace("+0", "0").replace("-", "−")
            )
            lines.append(f"  {g.id}. {g.text} (baseline GAS {gas})")
        return "\n".join(lines)

    def start(self) -> None:
        if not self._check(len(STEPS) - 1):
            return
        _problems, patient, started, catheter, settings, goals = self._entries()
        done = user_action(
            lambda: new_trial.start_new_trial(
                self._app,
                self._actor,
                patient,
                started_on=started,
                catheter=catheter,
                settings=settings,
                goals=goals,
                now=self._now,
                new_patient=self._answers(),
            ),
            error=self.page_error,
        )
        if done is not None:
            self.trial_id = done.value
            self.accept()
