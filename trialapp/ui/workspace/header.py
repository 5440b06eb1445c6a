"""The header of the trial workspace: always shows who the patient is, where the trial stands, what is due
next (with a live countdown) and whether an alert is open. Adverse events can be entered from here at
any time."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from trialapp.ui.workspace.state import HeaderInfo, countdown_words
from trialapp.ui.workspace.style import AMBER_STYLE, RED_STYLE, font_css, set_role

_COUNTDOWN_CSS = font_css(13)


class TrialHeader(QFrame):
    """Patient, trial day, last dose, next reassessment (countdown) and open alerts."""

    alerts_clicked = Signal()
    adverse_event_clicked = Signal()
    print_clicked = Signal()

    def __init__(self, parent: QWidget | None = None, *, can_print: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("trialHeader")
        self.setProperty("role", "card")
        self.setAccessibleName("Patient and trial")
        self._info: HeaderInfo | None = None

        self.name_label = QLabel()
        self.name_label.setWordWrap(True)
        set_role(self.name_label, "title")
        self.name_label.setAccessibleName("Patient name")
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setAccessibleName("Age, weight and MRN")
        self.allergy_label = QLabel()
        self.allergy_label.setAccessibleName("Allergies")
        self.allergy_label.setWordWrap(True)

        self.day_label = QLabel()
        self.day_label.setWordWrap(True)
        set_role(self.day_label, "subtitle")
        self.day_label.setAccessibleName("Trial day")
        self.dose_label = QLabel()
        self.dose_label.setAccessibleName("Last dose and time")
        self.dose_label.setWordWrap(True)

        self.next_label = QLabel()
        self.next_label.setWordWrap(True)
        self.next_label.setAccessibleName("Next reassessment due")
        self.countdown_label = QLabel()
        self.countdown_label.setWordWrap(True)
        self.countdown_label.setAccessibleName("Countdown to the next reassessment")

        self.alerts_button = QPushButton()
        self.alerts_button.setAccessibleName("Open alerts")
        self.alerts_button.clicked.connect(self.alerts_clicked)
        self.adverse_button = QPushButton("Adverse &event…")
        self.adverse_button.setAccessibleName("Record an adverse event")
        self.adverse_button.setToolTip("Record an adverse event now, on any trial day (Alt+E)")
        self.adverse_button.clicked.connect(self.adverse_event_clicked)
        self.print_button = QPushButton("&Print…")
        self.print_button.setAccessibleName("Print a summary")
        self.print_button.clicked.connect(self.print_clicked)
        self.print_button.setVisible(can_print)

        # One grid, so the columns share the width evenly and line up: who | day and dose | next | actions.
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 6, 10, 6)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.name_label, 0, 0)
        grid.addWidget(self.details_label, 1, 0)
        grid.addWidget(self.allergy_label, 2, 0)
        grid.addWidget(self.day_label, 0, 1)
        grid.addWidget(self.dose_label, 1, 1, 2, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.countdown_label, 0, 2)
        grid.addWidget(self.next_label, 1, 2, 2, 1, Qt.AlignmentFlag.AlignTop)
        actions = QHBoxLayout()
        actions.setSpacing(4)
        actions.addWidget(self.adverse_button)
        actions.addWidget(self.print_button)
        grid.addWidget(self.alerts_button, 0, 3)
        grid.addLayout(actions, 1, 3, 2, 1, Qt.AlignmentFlag.AlignTop)
        self.presence_label = QLabel()  # who else works on this trial now (ui/live_updates.py)
        self.presence_label.setAccessibleName("Also working on this trial now")
        self.presence_label.setWordWrap(True)
        self.presence_label.hide()
        grid.addWidget(self.presence_label, 3, 0, 1, 4)
        for column in range(3):
            grid.setColumnStretch(column, 1)
            grid.setColumnMinimumWidth(column, 150)
        self.set_alert_counts(0, 0)

    def set_info(self, info: HeaderInfo, now: datetime) -> None:
        self._info = info
        self.name_label.setText(info.name)
        self.details_label.setText(f"MRN {info.mrn} · {info.age} · {info.weight} · {info.gmfcs}")
        if info.allergies:
            self.allergy_label.setText("Allergies: " + ", ".join(info.allergies))
            self.allergy_label.setStyleSheet(AMBER_STYLE)
        else:
            self.allergy_label.setText("No allergies recorded")
            self.allergy_label.setStyleSheet("")
        self.day_label.setText(info.day_text)
        self.dose_label.setText(info.last_dose_text)
        self.tick(now)

    def tick(self, now: datetime) -> None:
        """Update the countdown (called every second by the workspace)."""
        if self._info is None:
            return
        due = self._info.next_due
        self.next_label.setText("Next reassessment: " + due.text)
        slot = due.slot
        if slot is None:
            self.countdown_label.setText("")
            self.countdown_label.setVisible(False)
            return
        self.countdown_label.setVisible(True)
        words = countdown_words(slot.due_at, now, slot.status)
        self.countdown_label.setText(f"{slot.hours:g} h reassessment {words}")
        overdue = (now - slot.due_at).total_seconds() > 0 and slot.status in ("due", "overdue")
        if slot.status == "overdue":
            self.countdown_label.setStyleSheet(_COUNTDOWN_CSS + RED_STYLE)
        elif overdue or slot.status == "due":
            self.countdown_label.setStyleSheet(_COUNTDOWN_CSS + AMBER_STYLE)
        else:
            self.countdown_label.setStyleSheet(_COUNTDOWN_CSS)

    def set_alert_counts(self, open_count: int, urgent_count: int) -> None:
        if open_count == 0:
            self.alerts_button.setText("No open alerts")
            self.alerts_button.setStyleSheet("")
            self.alerts_button.setToolTip("No vital-sign alert is waiting for acknowledgement")
            return
        words = f"{open_count} open alert{'s' if open_count != 1 else ''}"
        if urgent_count:
            words += f" ({urgent_count} urgent)"
        self.alerts_button.setText("⚠ " + words)
        self.alerts_button.setStyleSheet(RED_STYLE if urgent_count else AMBER_STYLE)
        self.alerts_button.setToolTip("Show the alerts waiting for a clinician to acknowledge them")

    def set_presence(self, text: str) -> None:
        """Who else works on this trial now ("" hides the line)."""
        self.presence_label.setText(text)
        self.presence_label.setVisible(bool(text))

    def countdown_text(self) -> str:
        return self.countdown_label.text()
