"""The day review: the day's response in words and numbers (R4, with its explanation), the adverse events
(R5), alerts, goal scores, the R7 suggestion, and the team's plan: the next dose chosen, who agreed (the
family included), and the reason when it differs from the suggestion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.dosing import DoseInputError, format_dose, parse_dose_mcg
from trialapp.domain.records import Day
from trialapp.domain.response import (
    DayResponse,
    describe_adverse_event,
    format_hours,
    format_score,
    r5_mark,
)
from trialapp.domain.summary import trial_day_response
from trialapp.services.dosing import suggestion_after
from trialapp.ui.actions import problem_list, user_action
from trialapp.ui.drafts import DraftKeeper
from trialapp.ui.rule_words import why
from trialapp.ui.workspace.controller import WorkspaceController
from trialapp.ui.workspace.state import find_day
from trialapp.ui.workspace.style import AMBER_STYLE, GREEN_STYLE, RED_STYLE, font_css, set_role


def _label(text: str = "", role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        set_role(label, role)
    return label


def verdict_words(response: DayResponse) -> tuple[str, str]:
    """The headline and its colour for a day's response (R4); "so far" while the day is still running."""
    if response.provisional:
        return ("Responder so far" if response.responder else "Results not in yet", "")
    if response.responder is True:
        return ("Responder", GREEN_STYLE)
    if response.responder is False:
        return ("Not a responder", AMBER_STYLE)
    return ("Not judged yet", "")


def response_numbers(response: DayResponse, threshold: float) -> list[tuple[str, str]]:
    """The R4 numbers, rounded for display only."""
    rows = [("Dose", format_dose(response.dose_mcg) if response.dose_mcg is not None else "no dose recorded")]
    rows.append(("Threshold", f"mean MAS reduction ≥ {format_score(threshold)}"))
    if response.peak_reduction is not None:
        where = format_hours(response.peak_hours) if response.peak_hours is not None else "unknown time"
        rows.append(("Peak reduction", f"{format_score(response.peak_reduction)} at {where}"))
    if response.effect_hours is not None:
        lasting = f"at least {format_hours(response.effect_hours)} (still present at the last reassessment)"
        if not response.effect_censored:
            lasting = format_hours(response.effect_hours)
        rows.append(("Effect lasted", lasting + ("; more than 8 h" if response.effect_over_8h else "")))
    rows.append(("Significant adverse effect", "yes" if response.significant_adverse_effect else "no"))
    return rows


class DayReviewPage(QWidget):
    """The review of one trial day and the team's plan for the next."""

    finished = Signal()

    def __init__(self, controller: WorkspaceController, day: int) -> None:
        super().__init__()
        self.controller = controller
        self.day_number = day
        self.form_key = controller.form_key("review", day, "plan")
        self.setAccessibleName(f"Day {day} review")
        self.drafts = DraftKeeper(
            controller,
            self.form_key,
            payload=self.payload,
            status=lambda text: self.draft_label.setText(text),
            not_final="the plan is not saved yet",
            parent=self,
        )

        doc = controller.doc
        trial_day = find_day(doc, day)
        assert trial_day is not None
        self.response = trial_day_response(doc.trial, trial_day)
        self.suggestion = suggestion_after(doc, day)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(10)
        column.addWidget(self._response_box(doc.trial.settings.threshold))
        column.addWidget(self._events_box(trial_day))
        column.addWidget(self._goals_box(trial_day))
        column.addWidget(self._plan_box(trial_day))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)

        title = _label(f"Day {day} review ({trial_day.date:%a %d %b})", "subtitle")
        self.draft_label = _label("", "muted")
        self.error_label = _label("", "banner-error")
        self.error_label.setAccessibleName("Why the plan was not saved")
        self.error_label.setVisible(False)
        back = QPushButton("Back to the timeline")
        back.setToolTip("Esc. What you typed stays as a draft.")
        back.clicked.connect(self.back)
        self.save_button = QPushButton("&Save the plan")
        self.save_button.setProperty("primary", True)
        self.save_button.setAccessibleName("Save the plan for the next day")
        self.save_button.setEnabled(controller.may("record_day_plan"))
        self.save_button.clicked.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.draft_label, 1)
        bottom.addWidget(back)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)
        self._restore_draft()
        self._update_hint()
        self.setFocusProxy(self.next_dose)

    # Sections ----------------------------------------------------------------------------------------

    def _response_box(self, threshold: float) -> QGroupBox:
        box = QGroupBox("Response to the dose")
        box.setToolTip(why("R4"))
        layout = QVBoxLayout(box)
        words, style = verdict_words(self.response)
        self.verdict = QLabel(words)
        self.verdict.setAccessibleName("Day response")
        self.verdict.setStyleSheet(font_css(16) + style)
        row = QHBoxLayout()
        row.addWidget(self.verdict)
        row.addStretch(1)
        layout.addLayout(row)
        grid = QGridLayout()
        for i, (what, value) in enumerate(response_numbers(self.response, threshold)):
            grid.addWidget(_label(what, "muted"), i, 0)
            grid.addWidget(_label(value), i, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.explanation = _label(self.response.explanation)
        self.explanation.setAccessibleName("Why: the explanation of the day's response")
        layout.addWidget(self.explanation)
        if self.response.reassessments:
            table = QGridLayout()
            table.addWidget(_label("<b>After the dose</b>"), 0, 0)
            table.addWidget(_label("<b>Reduction</b>"), 0, 1)
            table.addWidget(_label("<b>How it was computed</b>"), 0, 2)
            for i, change in enumerate(self.response.reassessments, start=1):
                hours = format_hours(change.hours) if change.hours is not None else f"{change.at:%H:%M}"
                reduction = format_score(change.reduction) if change.reduction is not None else "—"
                table.addWidget(_label(hours), i, 0)
                table.addWidget(_label(reduction), i, 1)
                table.addWidget(_label(change.explanation, "muted"), i, 2)
            table.setColumnStretch(2, 1)
            layout.addLayout(table)
        return box

    def _events_box(self, day: Day) -> QGroupBox:
        box = QGroupBox("Adverse events and alerts")
        layout = QVBoxLayout(box)
        if not day.adverse_events:
            layout.addWidget(_label("No adverse event recorded on this day.", "muted"))
        for event in day.adverse_events:
            # R5 revision 2: judged against the day's first dose; an event before it never counts.
            mark = r5_mark(event, day)
            significant = mark == "significant"
            text = describe_adverse_event(event) + (" — before the dose" if mark == "before the dose" else "")
            if event.notes:
                text += f" — {event.notes}"
            if event.action:
                text += f" (action: {event.action})"
            label = _label(("Significant: " if significant else "") + text)
            label.setToolTip(why("R5"))
            if significant:
                label.setStyleSheet(AMBER_STYLE)
            layout.addWidget(label)
        alerts = [a for a in self.controller.all_alerts if a.raised_at.date() == day.date]
        for alert in alerts:
            if alert.acknowledged_at is not None:
                who = f"acknowledged by {alert.acknowledged_by} at {alert.acknowledged_at:%H:%M}"
            else:
                who = "NOT YET ACKNOWLEDGED"
            label = _label(
                f"{alert.level.capitalize()} alert at {alert.raised_at:%H:%M}: {alert.message} ({who})"
            )
            if alert.acknowledged_at is None:
                label.setStyleSheet(RED_STYLE if alert.level == "urgent" else AMBER_STYLE)
            layout.addWidget(label)
        return box

    def _goals_box(self, day: Day) -> QGroupBox:
        box = QGroupBox("Goal scores (GAS −2 to +2)")
        layout = QGridLayout(box)
        goals = self.controller.doc.trial.goals
        if not goals:
            layout.addWidget(_label("This trial has no family goals.", "muted"), 0, 0)
            return box
        scored = sorted((a for a in day.assessments if a.goals), key=lambda a: a.at)
        layout.addWidget(_label("<b>Goal</b>"), 0, 0)
        layout.addWidget(_label("<b>At the start</b>"), 0, 1)
        for col, a in enumerate(scored, start=2):
            layout.addWidget(_label(f"<b>{a.at:%H:%M}</b> {a.kind}"), 0, col)
        for row, goal in enumerate(goals, start=1):
            text = _label(goal.text)
            text.setMinimumWidth(260)
            layout.addWidget(text, row, 0)
            start = f"{goal.baseline_gas:+d}" if goal.baseline_gas is not None else "—"
            layout.addWidget(_label(start.replace("+0", "0")), row, 1)
            for col, a in enumerate(scored, start=2):
                score = next((g.gas for g in a.goals if g.id == goal.id), None)
                text = f"{score:+d}".replace("+0", "0") if score is not None else "—"
                layout.addWidget(_label(text), row, col)
        if not scored:
            layout.addWidget(_label("No goal was scored on this day yet.", "muted"), len(goals) + 1, 0, 1, 2)
        layout.setColumnStretch(len(scored) + 2, 1)
        return box

    def _plan_box(self, day: Day) -> QGroupBox:
        box = QGroupBox("Plan for the next day")
        layout = QVBoxLayout(box)
        suggestion_text = (
            self.suggestion.message
            if self.suggestion is not None
            else "No suggestion yet: the day needs a dose, a baseline before it and a reassessment after it."
        )
        self.suggestion_label = _label(f"<b>Suggestion:</b> {suggestion_text}")
        self.suggestion_label.setAccessibleName("The suggestion for the next dose")
        self.suggestion_label.setToolTip(why("R7"))
        layout.addWidget(self.suggestion_label)
        if day.plan is not None:
            plan = day.plan
            dose = format_dose(plan.next_dose_mcg) if plan.next_dose_mcg is not None else "no further dose"
            recorded = f"Recorded plan: next dose {dose}; agreed by {', '.join(plan.decided_by)}"
            if plan.reason:
                recorded += f"; reason: {plan.reason}"
            layout.addWidget(
                _label(recorded + ". Saving again replaces it (the change is audited).", "muted")
            )

        self.next_dose = QLineEdit()
        self.next_dose.setAccessibleName("Next dose chosen by the team, in mcg")
        self.next_dose.setPlaceholderText("mcg")
        self.next_dose.setMaximumWidth(120)
        self.no_dose = QCheckBox("No further dose")
        self.no_dose.setAccessibleName("No further dose")
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.next_dose)
        dose_row.addWidget(self.no_dose)
        if self.suggestion is not None and self.suggestion.dose_mcg is not None:
            suggested = self.suggestion.dose_mcg
            use = QPushButton(f"Use {format_dose(suggested)}")
            use.setAccessibleName("Use the suggested dose")
            use.clicked.connect(lambda: self.next_dose.setText(str(suggested)))
            dose_row.addWidget(use)
        dose_row.addStretch(1)
        self.dose_problem = _label("", "error")
        self.decided_by = QLineEdit(self.controller.actor.display_name)
        self.decided_by.setAccessibleName("Clinicians who decided, separated by commas")
        self.decided_by.setPlaceholderText("e.g. Dr Lee, Pat Jones (PT), Nurse Smith")
        self.family = QLineEdit()
        self.family.setAccessibleName("Family member who agreed")
        self.family.setPlaceholderText("e.g. mother, father, guardian")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason_hint = _label("", "muted")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes on the plan")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        form = QFormLayout()
        # A row holding a layout gets no buddy from addRow(str, …), so its label showed "&Next dose".
        dose_caption = QLabel("Ne&xt dose")  # Alt+N is the reminder's Record now
        dose_caption.setBuddy(self.next_dose)
        form.addRow(dose_caption, dose_row)
        form.addRow("", self.dose_problem)
        form.addRow("&Decided by", self.decided_by)
        form.addRow("Family a&greed", self.family)  # Alt+F is the File menu
        form.addRow("&Reason", self.reason)
        form.addRow("", self.reason_hint)
        form.addRow("N&otes", self.notes)
        layout.addLayout(form)
        if day.plan is not None:
            plan = day.plan
            self.next_dose.setText(str(plan.next_dose_mcg) if plan.next_dose_mcg is not None else "")
            self.no_dose.setChecked(plan.next_dose_mcg is None)
            clinicians = [p for p in plan.decided_by if "(family)" not in p]
            family = [p.replace(" (family)", "") for p in plan.decided_by if "(family)" in p]
            self.decided_by.setText(", ".join(clinicians))
            self.family.setText(", ".join(family))
            self.reason.setText(plan.reason or "")
            self.notes.setPlainText(plan.notes or "")
        for edit in (self.next_dose, self.decided_by, self.family, self.reason):
            edit.textChanged.connect(self._changed)
            edit.returnPressed.connect(self.save)
        self.no_dose.toggled.connect(self._changed)
        self.notes.textChanged.connect(self._changed)
        return box

    # Values ------------------------------------------------------------------------------------------

    def chosen_dose(self) -> tuple[int | None, str | None]:
        """The chosen next dose (None = no further dose) and a problem with what was typed."""
        if self.no_dose.isChecked():
            return None, None
        text = self.next_dose.text()
        if not text.strip():
            return None, "Type the next dose in mcg, or tick \u201cNo further dose\u201d."
        try:
            return parse_dose_mcg(text), None
        except DoseInputError as exc:
            return None, str(exc)

    def _update_hint(self) -> None:
        self.next_dose.setEnabled(not self.no_dose.isChecked())
        dose, problem = self.chosen_dose()
        self.dose_problem.setText(
            problem if self.next_dose.text().strip() or self.no_dose.isChecked() else ""
        )
        needs = []
        suggested = self.suggestion.dose_mcg if self.suggestion is not None else None
        if problem is None and suggested is not None and dose != suggested:
            chosen = format_dose(dose) if dose is not None else "no further dose"
            needs.append(f"the choice ({chosen}) differs from the suggestion ({format_dose(suggested)})")
        if not self.family.text().strip():
            needs.append("no family member is named as agreeing")
        self.reason_hint.setText("A reason is needed: " + "; ".join(needs) + "." if needs else "")

    def _changed(self) -> None:
        self._update_hint()
        self.drafts.changed()

    def payload(self) -> dict[str, str]:
        return {
            "next_dose": self.next_dose.text(),
            "no_dose": "1" if self.no_dose.isChecked() else "",
            "decided_by": self.decided_by.text(),
            "family": self.family.text(),
            "reason": self.reason.text(),
            "notes": self.notes.toPlainText(),
        }

    # Drafts ------------------------------------------------------------------------------------------

    def flush_draft(self) -> bool:
        return self.drafts.flush()

    def _restore_draft(self) -> None:
        self.drafts.restore(self._fill)

    def _fill(self, p: Mapping[str, Any]) -> None:
        self.next_dose.setText(str(p.get("next_dose", "")))
        self.no_dose.setChecked(bool(p.get("no_dose")))
        self.decided_by.setText(str(p.get("decided_by", "")))
        self.family.setText(str(p.get("family", "")))
        self.reason.setText(str(p.get("reason", "")))
        self.notes.setPlainText(str(p.get("notes", "")))

    # Actions -----------------------------------------------------------------------------------------

    def save(self) -> bool:
        self.error_label.setVisible(False)
        dose, problem = self.chosen_dose()
        if problem is not None:
            self._show_error(problem)
            return False
        people = [p.strip() for p in self.decided_by.text().split(",") if p.strip()]
        done = user_action(
            lambda: self.controller.record_day_plan(
                self.day_number,
                next_dose_mcg=dose,
                decided_by=people,
                family_agreement=self.family.text().strip() or None,
                reason=self.reason.text().strip() or None,
                notes=self.notes.toPlainText().strip() or None,
            ),
            error=self._show_error,
            words=problem_list,  # a refusal's first line, then each problem as a bullet
        )
        if done is None:
            return False
        self.drafts.discard()
        self.finished.emit()
        return True

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text + "\nThe plan was not saved.")
        self.error_label.setVisible(True)

    def back(self) -> None:
        self.flush_draft()
        self.finished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back()
            return
        super().keyPressEvent(event)
