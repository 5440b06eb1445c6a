"""Alerts inside the workspace: the R9 banner that stays until a clinician acknowledges each alert, the
in-app reminder when a reassessment falls due (no system tray needed), and adverse-event entry."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.records import AdverseEvent
from trialapp.domain.response import SIGNIFICANT_KINDS, SIGNIFICANT_SEVERITIES, is_significant
from trialapp.domain.vocabulary import ADVERSE_EVENT_KINDS, SEVERITIES
from trialapp.services.assessments import AlertView
from trialapp.services.user_errors import InvalidInput
from trialapp.ui.actions import user_action
from trialapp.ui.workspace.controller import WorkspaceController
from trialapp.ui.workspace.state import current_day_number
from trialapp.ui.workspace.style import AMBER_STYLE, RED_STYLE, set_role


class AlertBanner(QFrame):
    """One line per alert not yet acknowledged: urgent in red, warnings in amber, each with its button.

    The banner stays until every alert is acknowledged; who acknowledged and when is recorded by the
    service (and shown in the day review and on the clinical summary)."""

    acknowledge = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Vital-sign alerts waiting for acknowledgement")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.buttons: dict[int, QPushButton] = {}
        self.setVisible(False)

    def set_alerts(self, alerts: list[AlertView]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        ordered = sorted(alerts, key=lambda a: (a.level != "urgent", a.raised_at, a.id))
        for alert in ordered:
            row = QFrame()
            urgent = alert.level == "urgent"
            row.setStyleSheet(RED_STYLE if urgent else AMBER_STYLE)
            line = QHBoxLayout(row)
            line.setContentsMargins(8, 4, 8, 4)
            words = "URGENT" if urgent else "Warning"
            text = QLabel(f"<b>{words}</b> · {alert.raised_at:%H:%M} · {alert.message}")
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setStyleSheet("background: transparent; color: inherit;")
            button = QPushButton("Acknowledge")
            button.setAccessibleName(
                f"Acknowledge the {words.lower()} alert raised at {alert.raised_at:%H:%M}"
            )
            button.setStyleSheet("background: #ffffff; color: #1b1f24; font-weight: bold;")
            button.clicked.connect(lambda _=False, i=alert.id: self.acknowledge.emit(i))
            self.buttons[alert.id] = button
            line.addWidget(text, 1)
            line.addWidget(button)
            self._layout.addWidget(row)
        self.setVisible(bool(alerts))

    def focus_first(self) -> None:
        if self.buttons:
            next(iter(self.buttons.values())).setFocus()


#: The reminder's buttons: smaller than the app's touch-sized ones, so the reminder stays one slim line.
_SLIM = "min-height: 22px; padding: 1px 10px;"


class ReminderBar(QFrame):
    """The in-app notification that a reassessment is due: stays until recorded or dismissed."""

    record = Signal(int, str)  # day, slot hours

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Reassessment reminder")
        self.setStyleSheet(AMBER_STYLE)
        # One slim line (about 30 px, not 58): it must not push the timeline's next action off a laptop
        # screen. The whole text is in the tooltip and the accessible name when the line cuts it.
        self.text = QLabel()
        self.text.setStyleSheet("background: transparent;")
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.record_button = QPushButton("Record now")
        self.record_button.setAccessibleName("Record the reassessment that is due")
        self.record_button.setStyleSheet(f"background: #ffffff; color: #1b1f24; font-weight: bold; {_SLIM}")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss the reminder")
        self.dismiss_button.setStyleSheet(f"background: #ffffff; color: #1b1f24; {_SLIM}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 4, 1)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.record_button)
        layout.addWidget(self.dismiss_button)
        self.target: tuple[int, str] | None = None
        self.record_button.clicked.connect(self._record)
        self.dismiss_button.clicked.connect(self.hide)
        self.setVisible(False)

    def show_reminder(self, day: int, slot: str, text: str, *, overdue: bool) -> None:
        self.target = (day, slot)
        self.setStyleSheet(RED_STYLE if overdue else AMBER_STYLE)
        words = ("Overdue — " if overdue else "Reminder — ") + text
        self.text.setText(words)
        self.text.setToolTip(words)
        self.setAccessibleDescription(words)
        self.setVisible(True)

    def _record(self) -> None:
        if self.target is not None:
            self.hide()
            self.record.emit(*self.target)


def _problem_lines(exc: Exception) -> str:
    """A refused adverse event: the refusal's first line, then each problem on its own line."""
    if isinstance(exc, InvalidInput):
        return "\n".join([str(exc).splitlines()[0], *exc.problems])
    return str(exc)


def _kind_words(kind: str) -> str:
    return "CSF leak" if kind == "csf_leak" else kind.replace("_", " ").capitalize()


class AdverseEventDialog(QDialog):
    """Record an adverse event on a trial day; says at once whether it counts as significant (R5)."""

    def __init__(
        self, controller: WorkspaceController, day: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Record an adverse event")
        self.setAccessibleName("Record an adverse event")
        doc = controller.doc
        now = controller.now()

        self.day_box = QComboBox()
        self.day_box.setAccessibleName("Trial day")
        for d in sorted(doc.trial.days, key=lambda x: x.day):
            self.day_box.addItem(f"Day {d.day} ({d.date:%a %d %b})", d.day)
        chosen = day if day is not None else current_day_number(doc, now)
        index = self.day_box.findData(chosen)
        self.day_box.setCurrentIndex(max(index, 0))
        self.time_edit = QDateTimeEdit(QDateTime(now.replace(second=0, microsecond=0)))
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.time_edit.setAccessibleName("When it happened")
        self.kind_box = QComboBox()
        self.kind_box.setAccessibleName("What happened")
        self.kind_box.addItem("Choose…", None)
        for kind in ADVERSE_EVENT_KINDS:
            self.kind_box.addItem(_kind_words(kind), kind)
        self.severity_box = QComboBox()
        self.severity_box.setAccessibleName("Severity")
        self.severity_box.addItem("Choose…", None)
        for severity in SEVERITIES:
            self.severity_box.addItem(severity.capitalize(), severity)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(70)
        self.action_edit = QLineEdit()
        self.action_edit.setAccessibleName("Action taken")
        self.action_edit.setPlaceholderText("for example: doctor informed, observations every 15 min")
        self.significance = QLabel()
        self.significance.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        set_role(self.error_label, "error")
        self.error_label.setVisible(False)

        form = QFormLayout()
        form.addRow("Trial &day", self.day_box)
        form.addRow("&When", self.time_edit)
        form.addRow("&What happened", self.kind_box)
        form.addRow("&Severity", self.severity_box)
        form.addRow("&Notes", self.notes_edit)
        form.addRow("&Action taken", self.action_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save event")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.significance)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.kind_box.currentIndexChanged.connect(self._update_significance)
        self.severity_box.currentIndexChanged.connect(self._update_significance)
        self._update_significance()
        self.resize(560, self.sizeHint().height())
        self.kind_box.setFocus()

    def _update_significance(self) -> None:
        kind = self.kind_box.currentData()
        severity = self.severity_box.currentData()
        if kind is None or severity is None:
            self.significance.setText(
                "Moderate or severe events, and respiratory depression, seizure, bradycardia or hypotension "
                "at any severity, count as significant for the day's dose (R5)."
            )
            self.significance.setStyleSheet("")
            return
        event = AdverseEvent(datetime.now(), kind, severity)
        if is_significant(event):
            why = (
                f"{_kind_words(kind)} always counts"
                if kind in SIGNIFICANT_KINDS
                else f"{severity} events count"
                if severity in SIGNIFICANT_SEVERITIES
                else ""
            )
            self.significance.setText(
                f"Significant adverse effect (R5): {why}. It changes the next-dose suggestion (R7)."
            )
            self.significance.setStyleSheet(AMBER_STYLE)
        else:
            self.significance.setText("Not significant by R5 (a mild event of this kind).")
            self.significance.setStyleSheet("")

    def event_record(self) -> AdverseEvent | None:
        problems = []
        kind = self.kind_box.currentData()
        severity = self.severity_box.currentData()
        if kind is None:
            problems.append("Choose what happened.")
        if severity is None:
            problems.append("Choose the severity (mild, moderate or severe).")
        if problems:
            self._show_problems(problems)
            return None
        at = self.time_edit.dateTime().toPython().replace(second=0, microsecond=0)
        notes = self.notes_edit.toPlainText().strip() or None
        action = self.action_edit.text().strip() or None
        return AdverseEvent(at=at, kind=kind, severity=severity, notes=notes, action=action)

    def _show_problems(self, problems: list[str]) -> None:
        self.error_label.setText("\n".join(problems))
        self.error_label.setVisible(True)

    def save(self) -> None:
        event = self.event_record()
        if event is None:
            return
        user_action(
            lambda: self.controller.record_adverse_event(int(self.day_box.currentData()), event),
            error=lambda text: self._show_problems([text]),
            words=_problem_lines,
            on_done=lambda _event_id: self.accept(),
        )
