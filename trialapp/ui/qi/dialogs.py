"""The QI dashboard's small dialogs: record an infection, correct a procedure, record a 90-day check-in.

Each acts through the QI controller (``controller.py``); a refusal is listed in the dialog in the service's
words and nothing is saved. Opened from the dashboard, a dialog shares its controller, so the dashboard
redraws after the write; opened on its own, it makes one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain import qi_procedures, qi_surveillance
from trialapp.domain.qi_bundle import PROCEDURE_KINDS, BundleStep
from trialapp.services.context import Actor, App
from trialapp.ui.fit_screen import fit_dialog, scroll_body
from trialapp.ui.qi.common import act_inline, date_edit, problems_label, pydate, run_inline, save_cancel_row
from trialapp.ui.qi.controller import ProcedureDialog, QiController
from trialapp.ui.views.common import show_error


class SsiDialog(ProcedureDialog):
    """Record (or replace, with a reason) the surgical-site infection of one procedure."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        procedure_id: str,
        parent: QWidget | None = None,
        *,
        controller: QiController | None = None,
    ) -> None:
        super().__init__(app, actor, procedure_id, parent, controller)
        detail = self.controller.procedure(procedure_id)
        existing = detail.procedure.ssi
        self.setWindowTitle(f"Infection after procedure {procedure_id}")
        self.criteria: dict[str, QRadioButton] = {}
        group = QGroupBox("How was the infection established?")
        box = QVBoxLayout(group)
        for code, words in qi_procedures.SSI_CRITERION_WORDS.items():
            button = QRadioButton(words[0].upper() + words[1:])
            self.criteria[code] = button
            box.addWidget(button)
        chosen = existing.criterion if existing and existing.criterion else "culture_positive"
        self.criteria[chosen].setChecked(True)
        surgery = detail.procedure.surgery_date
        self.when = date_edit(existing.on if existing else min(date.today(), surgery))
        self.organism = QLineEdit(existing.organism or "" if existing else "")
        self.organism.setPlaceholderText("e.g. Staphylococcus aureus (needed when culture-positive)")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why the recorded infection is changed")
        form = QFormLayout()
        form.addRow("Surgery", QLabel(f"{surgery.isoformat()} ({PROCEDURE_KINDS[detail.procedure.kind]})"))
        form.addRow("Date of infection", self.when)
        form.addRow("Organism", self.organism)
        if existing is not None:
            form.addRow("Reason for the change", self.reason)
        self.error = problems_label()
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(save_cancel_row(self.save, self.reject))
        fit_dialog(self)

    def save(self) -> bool:
        criterion = next(code for code, button in self.criteria.items() if button.isChecked())
        done = act_inline(
            self.error,
            lambda: self.controller.record_ssi(
                self.procedure_id,
                criterion,
                pydate(self.when.date()),
                self.organism.text(),
                self.reason.text() or None,
            ),
        )
        if done:
            self.accept()
        return done


class RemoveSsiDialog(ProcedureDialog):
    """Remove an infection recorded by mistake, with the reason (kept in the audit trail)."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        procedure_id: str,
        parent: QWidget | None = None,
        *,
        controller: QiController | None = None,
    ) -> None:
        super().__init__(app, actor, procedure_id, parent, controller)
        ssi = self.controller.procedure(procedure_id).procedure.ssi
        self.setWindowTitle(f"Remove the infection of procedure {procedure_id}")
        recorded = (
            "No infection is recorded for this procedure."
            if ssi is None
            else f"Recorded: {qi_procedures.SSI_KIND_WORDS[ssi.kind]} infection on {ssi.on.isoformat()}"
            + (f" ({ssi.organism})." if ssi.organism else ".")
        )
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for removing the infection")
        self.reason.setPlaceholderText("e.g. recorded on the wrong procedure")
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        self.error = problems_label()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(recorded))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(save_cancel_row(self.save, self.reject))
        fit_dialog(self)

    def save(self) -> bool:
        done = act_inline(
            self.error, lambda: self.controller.remove_ssi(self.procedure_id, self.reason.text())
        )
        if done:
            self.accept()
        return done


class CorrectProcedureDialog(ProcedureDialog):
    """Correct the date, kind, site or surgeon of a recorded procedure, with the reason (audited: the old
    and new values of each changed field stay in the history)."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        procedure_id: str,
        parent: QWidget | None = None,
        *,
        controller: QiController | None = None,
    ) -> None:
        super().__init__(app, actor, procedure_id, parent, controller)
        self._before = self.controller.procedure(procedure_id).procedure
        before = self._before
        self.setWindowTitle(f"Correct procedure {procedure_id}")
        self.surgery_date = date_edit(before.surgery_date)
        self.surgery_date.setAccessibleName("Date of surgery")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of procedure")
        for code, words in PROCEDURE_KINDS.items():
            self.kind.addItem(words, code)
        self.kind.setCurrentIndex(self.kind.findData(before.kind))
        self.site = QLineEdit(before.site)
        self.site.setAccessibleName("Site")
        self.surgeon = QLineEdit(before.surgeon)
        self.surgeon.setAccessibleName("Surgeon")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the correction")
        self.reason.setPlaceholderText("e.g. the operating list says 14 March")
        form = QFormLayout()
        form.addRow("Date of surgery", self.surgery_date)
        form.addRow("Kind", self.kind)
        form.addRow("Site", self.site)
        form.addRow("Surgeon", self.surgeon)
        form.addRow("Reason for the correction", self.reason)
        self.error = problems_label()
        intro = QLabel(
            "Change what was recorded wrong. The history keeps the old and new values with the reason;"
            " the checklist answers and any infection stay with the procedure."
        )
        intro.setWordWrap(True)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(save_cancel_row(self.save, self.reject))
        scroll_body(self)  # Save and Cancel stay in view at 150 % scaling
        fit_dialog(self)

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the record, as ``correct_procedure`` takes them."""
        before = self._before
        now = {
            "surgery_date": pydate(self.surgery_date.date()),
            "kind": self.kind.currentData(),
            "site": self.site.text().strip(),
            "surgeon": self.surgeon.text().strip(),
        }
        return {name: value for name, value in now.items() if value != getattr(before, name)}

    def ask_to_clear(self, kind: str, steps: tuple[BundleStep, ...]) -> bool:
        """Ask whether to clear the answers a procedure of ``kind`` is not asked (Yes clears them)."""
        listed = "\n".join(f"• {step.text} ({self._before.answers.get(step.code)})" for step in steps)
        answer = QMessageBox.question(
            self,
            "Clear the answers that no longer apply?",
            f"A {PROCEDURE_KINDS[kind]} is not asked these steps, so their answers no longer apply:\n\n"
            f"{listed}\n\nClear these answers and correct the kind? The history keeps the old answers "
            "with your reason.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> bool:
        changes = self.changes()
        if not changes:
            show_error(self.error, "Nothing was changed: correct the date, kind, site or surgeon, or Cancel.")
            return False
        clear = False
        if "kind" in changes:
            steps = run_inline(
                self.error, lambda: self.controller.answers_cleared_by(self.procedure_id, changes["kind"])
            )
            if steps is None:
                return False
            if steps:
                if not self.ask_to_clear(changes["kind"], steps):
                    return False
                clear = True
        done = act_inline(
            self.error,
            lambda: self.controller.correct_procedure(
                self.procedure_id, self.reason.text(), changes, clear_answers=clear
            ),
        )
        if done:
            self.accept()
        return done


class CheckinDialog(ProcedureDialog):
    """Record a follow-up contact of the 90-day window."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        item: qi_surveillance.FollowUp,
        parent: QWidget | None = None,
        *,
        controller: QiController | None = None,
    ) -> None:
        super().__init__(app, actor, item.procedure.procedure_id, parent, controller)
        self.setWindowTitle(f"Check-in for procedure {self.procedure_id}")
        self.day = QComboBox()
        for c in item.checkins:
            if c.status != "done":
                self.day.addItem(f"Day {c.day} (due {c.due_on.isoformat()})", c.day)
        first_due = next(
            (n for n in range(self.day.count()) if self.day.itemData(n) in {c.day for c in item.due}), 0
        )
        self.day.setCurrentIndex(first_due)
        self.done_on = date_edit(date.today())
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. wound clean and dry, no fever")
        form = QFormLayout()
        form.addRow("Check-in", self.day)
        form.addRow("Done on", self.done_on)
        form.addRow("Note", self.note)
        self.error = problems_label()
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("No infection found? Record the check-in. Infection found? Record the infection.")
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(save_cancel_row(self.save, self.reject))
        fit_dialog(self)

    def save(self) -> bool:
        day = self.day.currentData()
        if day is None:  # every check-in of the window is done
            show_error(self.error, "Every check-in of this procedure is recorded already; nothing was saved.")
            return False
        done = act_inline(
            self.error,
            lambda: self.controller.record_checkin(
                self.procedure_id, int(day), pydate(self.done_on.date()), self.note.text().strip() or None
            ),
        )
        if done:
            self.accept()
        return done
