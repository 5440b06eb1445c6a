"""One trial day as a timeline: Baseline → Dose → Reassessments at the scheduled hours (+ unscheduled) →
Day review. Each step says where it stands and offers the next action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.dosing import format_dose
from trialapp.domain.records import Assessment
from trialapp.domain.response import describe_adverse_event, r5_note
from trialapp.ui.accessible import describe_controls
from trialapp.ui.workspace.state import DayTimeline, SlotLine, describe_dose
from trialapp.ui.workspace.style import AMBER_STYLE, COMPACT_BUTTON_STYLE, GREEN_STYLE, RED_STYLE, set_role

STATUS_WORDS = {
    "done": "Done",
    "early": "Done early",
    "late": "Done late",
    "due": "Due now",
    "overdue": "Overdue",
    "upcoming": "Upcoming",
}
STATUS_STYLES = {
    "done": GREEN_STYLE,
    "early": AMBER_STYLE,
    "late": AMBER_STYLE,
    "due": AMBER_STYLE,
    "overdue": RED_STYLE,
    "upcoming": "",
}

#: A reassessment in one of these is done; its row folds away (issue 21 item 5).
DONE_STATUSES = frozenset({"done", "early", "late"})

#: The steps in their order, as ``go_to_step`` names them (Alt+1 to Alt+4 in the workspace).
STEP_KEYS = ("baseline", "dose", "reassessments", "review")

# (kind, day, slot) -> has a draft
DraftLookup = Callable[[str, int, str], bool]


def _chip(text: str, style: str) -> QLabel:
    chip = QLabel(text)
    chip.setStyleSheet(style)
    chip.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
    chip.setMinimumWidth(96)
    chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return chip


def _wrap(text: str, role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        set_role(label, role)
    return label


class _Step(QFrame):
    """One step of the timeline: a numbered title with its actions beside it, then its content."""

    def __init__(self, number: int, title: str) -> None:
        super().__init__()
        self.setProperty("role", "card")
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 6)
        layout.setSpacing(2)
        top = QHBoxLayout()
        self.heading = QLabel(f"{number}. {title}")
        set_role(self.heading, "subtitle")
        self.heading.setToolTip(f"Alt+{number} goes to this step")
        top.addWidget(self.heading, 1)
        self.action_row = QHBoxLayout()  # not "actions": that is QWidget.actions()
        top.addLayout(self.action_row)
        layout.addLayout(top)
        self.body = QVBoxLayout()
        self.body.setSpacing(2)
        layout.addLayout(self.body)


def _assessment_words(a: Assessment) -> str:
    who = f" by {a.assessor}" if a.assessor else ""
    parts = []
    graded = sum(1 for m in a.mas if m.grade != "NT")
    if a.mas:
        parts.append(f"{graded} muscle-sides graded")
    if a.vitals is not None:
        parts.append("vital signs")
    if a.sedation_umss is not None:
        parts.append(f"UMSS {a.sedation_umss}")
    what = f" ({', '.join(parts)})" if parts else ""
    return f"Recorded at {a.at:%H:%M}{who}{what}"


def next_action_key(model: DayTimeline) -> str:
    """The button of what the day needs next: the baseline, the dose, the first reassessment not done,
    then the day review."""
    if model.dose is None:
        return "dose" if model.baselines else "baseline"
    first = next((line for line in model.slot_lines if line.status not in DONE_STATUSES), None)
    return f"slot:{first.hours:g}" if first is not None else "review"


def _dose_to_come(model: DayTimeline) -> list[tuple[str, str | None]]:
    """What the dose step says before the day's dose: what was planned, and the suggestion or the ladder."""
    number = model.day.day
    lines: list[tuple[str, str | None]] = []
    if model.planned_dose_mcg is not None:
        lines.append((f"Not given yet. The team planned {format_dose(model.planned_dose_mcg)}.", None))
    else:
        lines.append(("Not given yet.", None))
    if model.suggestion is not None:
        lines.append((f"Suggestion: {model.suggestion.message}", "muted"))
    elif number == 1 or model.planned_dose_mcg is None:
        lines.append((f"The ladder starts at {format_dose(model.first_step_mcg)}.", "muted"))
    return lines


class DayTimelineView(QScrollArea):
    """The timeline of one day. Emits what the user asked for; the workspace opens the page."""

    record_baseline = Signal(int)
    give_dose = Signal(int)
    record_reassessment = Signal(int, str)  # day, slot ("1", "2", … hours, or "extra")
    open_review = Signal(int)

    def __init__(self, day_number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day_number = day_number
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName(f"Day {day_number} timeline")
        self.buttons: dict[str, QPushButton] = {}
        self._state: object = None
        self._draw_args: tuple[DayTimeline, bool, bool, bool, DraftLookup] | None = None
        self._show_done = False
        self._show_later = False
        self.steps: dict[str, _Step] = {}
        self._next_key = ""
        self.review_first_line: QWidget | None = None

    def set_model(
        self,
        model: DayTimeline,
        *,
        can_dose: bool,
        can_assess: bool,
        has_draft: DraftLookup,
        can_review: bool = True,
    ) -> None:
        number = model.day.day
        slots = [f"{line.hours:g}" for line in model.slot_lines]
        keys = [
            ("baseline", number, "baseline"),
            *(("reassessment", number, slot) for slot in (*slots, "extra")),
            ("review", number, "plan"),
        ]
        known = {key: has_draft(*key) for key in keys}
        drafts = tuple(known.values())
        state = (model, can_dose, can_assess, can_review, drafts)
        if state == self._state:
            return  # nothing changed: keep the widgets (and the keyboard focus) as they are
        self._state = state

        # The answers, not the workspace's lookup: the view must not keep its workspace alive.
        def lookup(kind: str, day: int, slot: str) -> bool:
            return known.get((kind, day, slot), False)

        self._draw_args = (model, can_dose, can_assess, can_review, lookup)
        self._draw(*self._draw_args)

    def _draw(
        self, model: DayTimeline, can_dose: bool, can_assess: bool, can_review: bool, has_draft: DraftLookup
    ) -> None:
        focused_key = next((k for k, b in self.buttons.items() if b.hasFocus()), None)
        self.buttons = {}
        moved_on = next_action_key(model) != self._next_key
        self._next_key = next_action_key(model)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(6)
        self.steps = dict(
            zip(
                STEP_KEYS,
                (
                    self._baseline_step(model, can_assess, has_draft),
                    self._dose_step(model, can_dose),
                    self._reassessment_step(model, can_assess, has_draft),
                    self._review_step(model, can_review, has_draft),
                ),
                strict=True,
            )
        )
        for step in self.steps.values():
            column.addWidget(step)
        column.addStretch(1)
        review = self.steps["review"]
        first = review.body.itemAt(0)
        self.review_first_line = first.widget() if first is not None else None

        describe_controls(content)
        old = self.takeWidget()  # setWidget() would delete it at once; a button may be mid-signal
        self.setWidget(content)
        if old is not None:
            old.deleteLater()
        if focused_key and focused_key in self.buttons:
            self.buttons[focused_key].setFocus()
        if moved_on:
            # Only when the day moved on: the minute's redraw leaves alone what the user scrolled to read.
            self._keep_in_view_soon()

    # What stays in view ------------------------------------------------------------------------------

    def next_action_key(self) -> str:
        """The key in ``buttons`` of what the day needs next (see ``next_action_key``)."""
        return self._next_key

    def go_to_step(self, key: str) -> None:
        """Scroll a step into view (its heading first) and put the focus on its button."""
        step = self.steps.get(key)
        if step is None:
            return
        self._settle_layout()
        self.ensureWidgetVisible(step, 0, 0)
        self.ensureWidgetVisible(step.heading, 0, 8)
        button = self.buttons.get("extra" if key == "reassessments" else key)
        if button is not None:
            button.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _settle_layout(self) -> None:
        """Lay the content out now, so that its geometry and the scroll bar's range are final: scrolling
        before the layout settled is what made an earlier attempt unreliable."""
        content = self.widget()
        if content is None:
            return
        layout = content.layout()
        if layout is not None:
            layout.activate()
        QCoreApplication.sendPostedEvents(content, QEvent.Type.LayoutRequest)
        QCoreApplication.sendPostedEvents(self, QEvent.Type.LayoutRequest)

    def _keep_in_view_soon(self) -> None:
        QTimer.singleShot(0, self, self.keep_in_view)

    def keep_in_view(self) -> None:
        """Scroll as little as needed to show the day review's first lines and, above all, the next action.
        Nothing moves when both are in view already (a laptop at 100 %: the whole day from the top)."""
        button = self.buttons.get(self._next_key)
        if self.widget() is None or button is None or not self.isVisible():
            return
        self._settle_layout()
        if self.review_first_line is not None:
            self.ensureWidgetVisible(self.review_first_line, 0, 8)
        # The heading of the next action's step too, when it fits: a row reads better under its step's name.
        step = self.steps.get("reassessments" if self._next_key.startswith("slot:") else self._next_key)
        if step is not None:
            self.ensureWidgetVisible(step.heading, 0, 4)
        self.ensureWidgetVisible(button, 0, 8)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_in_view_soon()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._keep_in_view_soon()

    # The four steps, each with what it shows and the action it offers -----------------------------

    def _baseline_step(self, model: DayTimeline, can_assess: bool, has_draft: DraftLookup) -> _Step:
        number = model.day.day
        step = _Step(1, "Baseline")
        if model.baselines:
            for a in sorted(model.baselines, key=lambda x: x.at):
                note = ""
                if model.dose is not None and a is model.counted_baseline:
                    note = " — this is the baseline the response is measured against"
                elif model.dose is not None and a.at > model.dose.given_at:
                    note = " — recorded after the dose, so it does not count"
                step.body.addWidget(_wrap(_assessment_words(a) + note))
        else:
            step.body.addWidget(
                _wrap("Not recorded yet. Record it before the dose: the response is measured against it.")
            )
        label = "Record another baseline" if model.baselines else "Record &baseline"
        self._action(step, "baseline", label, lambda: self.record_baseline.emit(number), can_assess)
        if has_draft("baseline", number, "baseline"):
            step.body.addWidget(_wrap("A draft of this form is saved: open it to carry on.", "muted"))
        return step

    def _dose_step(self, model: DayTimeline, can_dose: bool) -> _Step:
        day = model.day
        number = day.day
        step = _Step(2, "Dose")
        if model.dose is not None:
            dose = model.dose
            step.body.addWidget(_wrap(f"Given: {describe_dose(dose)}"))
            people = f"Given by {dose.given_by or 'not recorded'}, independently checked by {dose.checked_by or 'not recorded'}"
            step.body.addWidget(_wrap(people, "muted"))
            for warning in dose.warnings_acknowledged:
                step.body.addWidget(
                    _wrap(f"Warning acknowledged ({warning.code}): {warning.reason}", "muted")
                )
            for extra in day.doses[1:]:
                step.body.addWidget(_wrap(f"Another dose this day: {describe_dose(extra)}", "muted"))
        else:
            for text, role in _dose_to_come(model):
                step.body.addWidget(_wrap(text, role))
        why = (
            ""
            if can_dose
            else "Only a neurosurgeon gives the dose; the blind check is done on the same screen."
        )
        self._action(step, "dose", "Give &dose…", lambda: self.give_dose.emit(number), can_dose, why)
        return step

    def _reassessment_step(self, model: DayTimeline, can_assess: bool, has_draft: DraftLookup) -> _Step:
        number = model.day.day
        step = _Step(3, "Reassessments")
        if model.schedule is None:
            hours = ", ".join(f"{h:g}" for h in sorted(model.schedule_hours))
            step.body.addWidget(_wrap(f"Scheduled at {hours} h after the dose, once the dose is given."))
        else:
            step.body.addLayout(self._slot_grid(model, can_assess, has_draft))
            for text in model.extra_lines:
                step.body.addWidget(_wrap(text))
            if has_draft("reassessment", number, "extra"):
                step.body.addWidget(_wrap("An unscheduled reassessment has a saved draft.", "muted"))
        self._action(
            step,
            "extra",
            "&Unscheduled…",
            lambda: self.record_reassessment.emit(number, "extra"),
            can_assess and model.schedule is not None,
            "" if model.schedule is not None else "Reassessments are recorded after the dose.",
        )
        return step

    def _slot_grid(self, model: DayTimeline, can_assess: bool, has_draft: DraftLookup) -> QGridLayout:
        """One row per scheduled reassessment still to do: its status, its words, its Record button. The
        ones done fold into one line (with a button to show them), so that the next action and the day
        review stay in view on a laptop screen."""
        number = model.day.day
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        done = [line for line in model.slot_lines if line.status in DONE_STATUSES]
        later = self._later(model)
        shown = [
            line
            for line in model.slot_lines
            if (self._show_done or line.status not in DONE_STATUSES) and (self._show_later or line not in later)
        ]
        row = 0
        if done:
            words = ", ".join(
                f"{line.hours:g} h" + ("" if line.status == "done" else f" ({STATUS_WORDS[line.status].lower()})")
                for line in done
            )
            grid.addWidget(_chip(f"{len(done)} done", GREEN_STYLE), row, 0)
            grid.addWidget(_wrap(f"Done: {words}.", "muted"), row, 1)
            toggle = QPushButton("Hide the done" if self._show_done else "Show the done")
            toggle.setStyleSheet(COMPACT_BUTTON_STYLE)
            toggle.setAccessibleName("Hide the reassessments done" if self._show_done else "Show the reassessments done")
            toggle.setAccessibleDescription("The reassessments done fold into one line to keep the next one in view")
            toggle.clicked.connect(self._toggle_done)
            self.buttons["show-done"] = toggle
            grid.addWidget(toggle, row, 2)
            row += 1
        for line in shown:
            grid.addWidget(_chip(STATUS_WORDS[line.status], STATUS_STYLES[line.status]), row, 0)
            grid.addWidget(_wrap(line.text), row, 1)
            slot = f"{line.hours:g}"
            if line.status not in DONE_STATUSES:
                button = QPushButton(f"Record {slot} h")
                button.setAccessibleName(f"Record the {slot} h reassessment")
                button.setAccessibleDescription(line.text)
                button.setEnabled(can_assess)
                button.clicked.connect(lambda _=False, s=slot: self.record_reassessment.emit(number, s))
                self._mark(f"slot:{slot}", button)
                self.buttons[f"slot:{slot}"] = button
                grid.addWidget(button, row, 2)
            row += 1
            notes = []
            if line.reduction_text:
                notes.append(line.reduction_text)
            if has_draft("reassessment", number, slot):
                notes.append("draft saved")
            if notes:
                grid.addWidget(_wrap("; ".join(notes), "muted"), row, 1, 1, 2)
                row += 1
        if later:
            self._later_row(grid, row, model, later)
        grid.setColumnStretch(1, 1)
        return grid

    @staticmethod
    def _later(model: DayTimeline) -> list[SlotLine]:
        """The reassessments to come after the next one, folded into one line; none when only one would
        fold (a line for a line saves nothing). Due and overdue ones are never folded."""
        next_key = next_action_key(model)
        later = [
            line for line in model.slot_lines if line.status == "upcoming" and f"slot:{line.hours:g}" != next_key
        ]
        return later if len(later) > 1 else []

    def _later_row(self, grid: QGridLayout, row: int, model: DayTimeline, later: list[SlotLine]) -> None:
        due = {slot.hours: slot.due_at for slot in model.schedule.slots} if model.schedule is not None else {}
        # No-break spaces: a line that wraps never parts "8 h" from "at 17:00".
        words = ", ".join(
            f"{line.hours:g}\u00a0h" + (f"\u00a0at\u00a0{due[line.hours]:%H:%M}" if line.hours in due else "")
            for line in later
        )
        grid.addWidget(_chip(f"{len(later)} later", ""), row, 0)
        if not self._show_later:
            grid.addWidget(_wrap(f"{len(later)} more later: {words}.", "muted"), row, 1)
        toggle = QPushButton("Hide the later" if self._show_later else "Show the later")
        toggle.setStyleSheet(COMPACT_BUTTON_STYLE)
        toggle.setAccessibleName(
            "Hide the reassessments to come later" if self._show_later else "Show the reassessments to come later"
        )
        toggle.setAccessibleDescription("The reassessments after the next one fold into one line")
        toggle.clicked.connect(self._toggle_later)
        self.buttons["show-later"] = toggle
        grid.addWidget(toggle, row, 2)

    def _toggle_done(self) -> None:
        self._show_done = not self._show_done
        self._redraw_with_focus("show-done")

    def _toggle_later(self) -> None:
        self._show_later = not self._show_later
        self._redraw_with_focus("show-later")

    def _redraw_with_focus(self, key: str) -> None:
        if self._draw_args is not None:
            self._draw(*self._draw_args)
        if key in self.buttons:
            self.buttons[key].setFocus()

    def _review_step(self, model: DayTimeline, can_review: bool, has_draft: DraftLookup) -> _Step:
        day = model.day
        number = day.day
        step = _Step(4, "Day review")
        step.body.addWidget(_wrap(model.response.explanation))
        for event in day.adverse_events:
            step.body.addWidget(_wrap(f"Adverse event: {describe_adverse_event(event)}{r5_note(event, day)}"))
        if day.plan is not None:
            plan = day.plan
            dose_words = (
                format_dose(plan.next_dose_mcg) if plan.next_dose_mcg is not None else "no further dose"
            )
            step.body.addWidget(
                _wrap(f"Plan: next dose {dose_words}; agreed by {', '.join(plan.decided_by)}.")
            )
        else:
            step.body.addWidget(_wrap("No plan recorded yet.", "muted"))
        if has_draft("review", number, "plan"):
            step.body.addWidget(_wrap("A draft of the plan is saved.", "muted"))
        self._action(step, "review", "Day &review", lambda: self.open_review.emit(number), can_review)
        return step

    def _action(
        self, step: _Step, key: str, text: str, slot: Callable[[], None], enabled: bool, why: str = ""
    ) -> None:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setEnabled(enabled)
        if why:
            button.setToolTip(why)
        button.clicked.connect(slot)
        self._mark(key, button)
        self.buttons[key] = button
        step.action_row.addWidget(button)

    def _mark(self, key: str, button: QPushButton) -> None:
        """The next action stands out; a step's other buttons are slimmer, so that the day fits a laptop."""
        if key == self._next_key:
            button.setProperty("primary", True)
        elif not key.startswith("slot:"):
            button.setStyleSheet(COMPACT_BUTTON_STYLE)
