"""The candidacy decision (neurosurgeon): the evidence gathered — each day's response, the goals, the
adverse events, the R6 recommended initial daily dose with its basis — then the outcome, the rationale and
the signature with the password. A signed decision can be corrected only with a reason; the original stays
visible in the history below."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.decision_checks import DecisionCheck, decision_checks
from trialapp.domain.dosing import DoseInputError, format_dose, parse_dose_mcg
from trialapp.domain.response import describe_adverse_event, format_hours, format_score, r5_mark, r5_note
from trialapp.domain.summary import TrialSummary, summarize_trial
from trialapp.services import history
from trialapp.services.user_errors import AuthenticationFailed, InvalidInput
from trialapp.ui.actions import BackgroundAction, problem_list, user_action, user_action_in_background
from trialapp.ui.drafts import DraftKeeper
from trialapp.ui.field_marks import ERROR, mark, show_first_problem
from trialapp.ui.rule_words import why
from trialapp.ui.workspace.controller import WorkspaceController
from trialapp.ui.workspace.day_review import verdict_words
from trialapp.ui.workspace.style import AMBER_STYLE, font_css, set_role

OUTCOME_WORDS = {"candidate": "Candidate", "not_candidate": "Not a candidate", "undecided": "Undecided"}
SIGNING_TEXT = "Signing the decision… checking your password and saving."


def _label(text: str = "", role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        set_role(label, role)
    return label


def _signing_words(exc: Exception) -> str:
    """Why the decision was not signed, in the form's words."""
    if isinstance(exc, AuthenticationFailed):
        return f"Your signature was not accepted: {exc}"
    if isinstance(exc, InvalidInput):
        return problem_list(exc)
    return str(exc)


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


class DecisionView(QWidget):
    """The decision tab: evidence on top, the signing form below, the decision's history at the end."""

    def __init__(self, controller: WorkspaceController) -> None:
        super().__init__()
        self.controller = controller
        self.setAccessibleName("Candidacy decision")
        self.form_key = controller.form_key("decision", 0, "form")
        self.drafts = DraftKeeper(
            controller,
            self.form_key,
            payload=self.payload,
            status=lambda text: self.status.setText(text),
            not_final="not signed",
            parent=self,
        )

        self.evidence = QVBoxLayout()
        self.current = QVBoxLayout()
        self.history_box = QVBoxLayout()
        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(10)
        column.addLayout(self.evidence)
        column.addLayout(self.current)
        column.addWidget(self._form())
        column.addLayout(self.history_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        self.scroll_area = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        # The evidence, the history and the summary they come from are worked out when the tab is first
        # shown (opening a trial stays quick); the form is brought up to date then too.
        self._summary: TrialSummary | None = None
        self._stale = True
        self._signing: BackgroundAction | None = None  # the decision being signed, off the GUI thread
        self._restore_draft()
        # R14 warns of unacknowledged urgent alerts: follow them as they are raised and acknowledged.
        controller.alerts_changed.connect(self._update_form)

    @property
    def summary(self) -> TrialSummary:
        """The trial's summary (R3–R7), worked out when first needed after each change."""
        if self._summary is None:
            self._summary = summarize_trial(self.controller.doc.trial)
        return self._summary

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def mark_stale(self) -> None:
        """The trial changed: rebuild now if shown, otherwise when next shown."""
        self._stale = True
        self._summary = None
        if self.isVisible():
            self.refresh()

    # Evidence --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the evidence, the current decision and its history from the trial's records."""
        doc = self.controller.doc
        self._stale = False
        self._summary = summarize_trial(doc.trial)
        _clear(self.evidence)
        _clear(self.current)
        _clear(self.history_box)
        self.evidence.addWidget(self._days_box())
        self.evidence.addWidget(self._goals_box())
        self.evidence.addWidget(self._events_box())
        self.evidence.addWidget(self._recommendation_box())
        decision = doc.trial.decision
        if decision is not None:
            box = QGroupBox("Signed decision")
            column = QVBoxLayout(box)
            dose = (
                f", initial daily dose {decision.initial_daily_dose_mcg} mcg/day"
                if decision.initial_daily_dose_mcg is not None
                else ""
            )
            when = f" at {decision.decided_at:%Y-%m-%d %H:%M}" if decision.decided_at else ""
            self.current_label = _label(
                f"<b>{OUTCOME_WORDS.get(decision.outcome, decision.outcome)}</b>{dose} — signed by "
                f"{decision.decided_by or 'unknown'}{when}.<br>Rationale: {decision.rationale or '—'}"
            )
            self.current_label.setAccessibleName("The signed decision")
            column.addWidget(self.current_label)
            column.addWidget(_label("To change it, sign a correction below with the reason.", "muted"))
            self.current.addWidget(box)
        self.history_box.addWidget(self._history())
        if hasattr(self, "correction"):
            self._update_form()

    def _days_box(self) -> QGroupBox:
        box = QGroupBox("Response on each day")
        box.setToolTip(why("R4"))
        grid = QGridLayout(box)
        for col, head in enumerate(
            ("Day", "Dose", "Response", "Peak reduction", "Effect lasted", "Significant AE")
        ):
            grid.addWidget(_label(f"<b>{head}</b>"), 0, col)
        for row, response in enumerate(self.summary.days, start=1):
            words, style = verdict_words(response)
            verdict = QLabel(words)
            verdict.setStyleSheet(style)
            peak = (
                f"{format_score(response.peak_reduction)} at {format_hours(response.peak_hours or 0)}"
                + (" so far" if response.provisional else "")
                if response.peak_reduction is not None
                else "—"
            )
            effect = "—"
            if response.effect_hours is not None:
                effect = ("≥ " if response.effect_censored else "") + format_hours(response.effect_hours)
            values = (
                str(response.day),
                format_dose(response.dose_mcg) if response.dose_mcg is not None else "no dose",
                verdict,
                peak,
                effect,
                "yes" if response.significant_adverse_effect else "no",
            )
            for col, value in enumerate(values):
                grid.addWidget(value if isinstance(value, QLabel) else _label(value), row, col)
        grid.setColumnStretch(6, 1)
        return box

    def _goals_box(self) -> QGroupBox:
        box = QGroupBox("Family goals (GAS)")
        grid = QGridLayout(box)
        doc = self.controller.doc
        if not doc.trial.goals:
            grid.addWidget(_label("This trial has no family goals.", "muted"), 0, 0)
            return box
        scored = sorted((a for d in doc.trial.days for a in d.assessments if a.goals), key=lambda a: a.at)
        grid.addWidget(_label("<b>Goal</b>"), 0, 0)
        grid.addWidget(_label("<b>At the start</b>"), 0, 1)
        grid.addWidget(_label("<b>Latest</b>"), 0, 2)
        for row, goal in enumerate(doc.trial.goals, start=1):
            latest = next(((a, g.gas) for a in reversed(scored) for g in a.goals if g.id == goal.id), None)
            start = f"{goal.baseline_gas:+d}".replace("+0", "0") if goal.baseline_gas is not None else "—"
            last = (
                f"{latest[1]:+d} ({latest[0].at:%d %b %H:%M})".replace("+0 ", "0 ")
                if latest
                else "not scored"
            )
            text = _label(goal.text)
            text.setMinimumWidth(260)
            grid.addWidget(text, row, 0)
            grid.addWidget(_label(start), row, 1)
            grid.addWidget(_label(last), row, 2)
        grid.setColumnStretch(3, 1)
        return box

    def _events_box(self) -> QGroupBox:
        box = QGroupBox("Adverse events")
        column = QVBoxLayout(box)
        events = [(d, e) for d in self.controller.doc.trial.days for e in d.adverse_events]
        if not events:
            column.addWidget(_label("No adverse event was recorded.", "muted"))
        for day, event in events:
            # R5 revision 2: judged against the day's first dose; an event before it never counts.
            label = _label(f"Day {day.day}: {describe_adverse_event(event)}{r5_note(event, day)}")
            if r5_mark(event, day) == "significant":
                label.setStyleSheet(AMBER_STYLE)
            column.addWidget(label)
        return box

    def _recommendation_box(self) -> QGroupBox:
        box = QGroupBox("Recommended initial pump dose")
        box.setToolTip(why("R6"))
        column = QVBoxLayout(box)
        rec = self.summary.recommendation
        if rec.recommended_daily_dose_mcg is not None:
            head = f"{rec.recommended_daily_dose_mcg} mcg/day — basis: {rec.basis}"
        else:
            head = "No dose recommended"
        self.recommendation_label = QLabel(head)
        self.recommendation_label.setStyleSheet(font_css(14))
        self.recommendation_label.setAccessibleName("Recommended initial daily dose")
        column.addWidget(self.recommendation_label)
        column.addWidget(_label(rec.explanation))
        if rec.note:
            note = _label(f"Note: {rec.note}")
            note.setStyleSheet(AMBER_STYLE)
            column.addWidget(note)
        return box

    def _history(self) -> QGroupBox:
        box = QGroupBox("History of the decision")
        column = QVBoxLayout(box)
        done = user_action(
            lambda: history.trial_history(
                self.controller.app, self.controller.actor, self.controller.trial_id
            ),
            error=lambda text: column.addWidget(_label(f"The history could not be read: {text}", "error")),
        )
        if done is None:
            return box
        lines = done.value
        shown = [x for x in lines if x.text.startswith(("signed the decision", "corrected the decision"))]
        self.history_lines = [f"{x.at:%Y-%m-%d %H:%M} {x.who} {x.text}" for x in shown]
        if not shown:
            imported = self.controller.doc.trial.decision is not None
            column.addWidget(
                _label(
                    "The decision came with the imported record; nothing was signed or corrected here yet."
                    if imported
                    else "Not signed yet.",
                    "muted",
                )
            )
        for x, text in zip(shown, self.history_lines, strict=True):
            if x.reason:
                text += f" — reason: {x.reason}"
            if x.old:
                text += f"\n    before: {x.old}"
            column.addWidget(_label(text))
        return box

    # The signing form -------------------------------------------------------------------------------

    def _form(self) -> QGroupBox:
        box = QGroupBox("Sign the decision")
        self.form_box = box
        self.outcome_buttons: dict[str, QRadioButton] = {}
        # R14: the checks shown, and the reason typed for each warning (kept across rebuilds, by code).
        self.checks: tuple[DecisionCheck, ...] = ()
        self.reasons: dict[str, str] = {}
        self.reason_edits: dict[str, QLineEdit] = {}
        self._shown_checks: tuple[DecisionCheck, ...] | None = None
        self.outcome_group = QButtonGroup(self)
        row = QHBoxLayout()
        for code, words in OUTCOME_WORDS.items():
            button = QRadioButton(words)
            button.setAccessibleName(f"Outcome: {words}")
            self.outcome_group.addButton(button)
            self.outcome_buttons[code] = button
            button.toggled.connect(self._changed)
            row.addWidget(button)
        row.addStretch(1)
        self.daily_dose = QLineEdit()
        self.daily_dose.setAccessibleName("Agreed initial daily pump dose, mcg/day")
        self.daily_dose.setPlaceholderText("mcg/day")
        self.daily_dose.setMaximumWidth(140)
        self.use_recommended = QPushButton("Use the recommendation")
        self.use_recommended.setAccessibleName("Use the recommended initial daily dose")
        self.use_recommended.clicked.connect(self._use_recommended)
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.daily_dose)
        dose_row.addWidget(_label("mcg/day", "muted"))
        dose_row.addWidget(self.use_recommended)
        dose_row.addStretch(1)
        self.rationale = QPlainTextEdit()
        self.rationale.setAccessibleName("Rationale: the evidence the team weighed")
        self.rationale.setTabChangesFocus(True)
        self.rationale.setFixedHeight(80)
        self.correction = QLineEdit()
        self.correction.setAccessibleName("Reason for correcting the signed decision")
        self.correction_caption = QLabel("Reason for the &correction")
        self.correction_caption.setBuddy(self.correction)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password, to sign")
        self.password.returnPressed.connect(self.sign)
        self.sign_button = QPushButton("Sign decision")
        self.sign_button.setProperty("primary", True)
        self.sign_button.setAccessibleName("Sign the decision with your password")
        self.sign_button.clicked.connect(self.sign)
        self.problem = _label("", "banner-error")
        self.problem.setAccessibleName("Why the decision was not signed")
        self.problem.setVisible(False)
        self.status = _label("", "muted")
        form = QFormLayout()
        form.addRow("Outcome", row)
        dose_caption = QLabel("Initial &daily dose")
        dose_caption.setBuddy(self.daily_dose)
        form.addRow(dose_caption, dose_row)
        form.addRow("&Rationale", self.rationale)
        self.checks_box = QGroupBox("Before signing")
        self.checks_box.setToolTip(why("R14"))
        self.checks_box.setAccessibleName("Warnings and errors before signing")
        self.checks_layout = QVBoxLayout(self.checks_box)
        self.checks_box.setVisible(False)
        form.addRow(self.checks_box)
        form.addRow(self.correction_caption, self.correction)
        form.addRow("Pass&word", self.password)  # Alt+P is the header's Print
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.sign_button)
        column = QVBoxLayout(box)
        self.who_label = _label("", "muted")
        column.addWidget(self.who_label)
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addLayout(buttons)
        for edit in (self.daily_dose, self.correction):
            edit.textChanged.connect(self._changed)
        self.rationale.textChanged.connect(self._changed)
        return box

    def _use_recommended(self) -> None:
        dose = self.summary.recommendation.recommended_daily_dose_mcg
        if dose is not None:
            self.outcome_buttons["candidate"].setChecked(True)
            self.daily_dose.setText(str(dose))

    def outcome(self) -> str | None:
        return next((code for code, b in self.outcome_buttons.items() if b.isChecked()), None)

    def _update_form(self) -> None:
        if self.signing:
            return  # the fields stay as they were signed (disabled); brought up to date when it is over
        may = self.controller.may("sign_decision")
        self.form_box.setEnabled(may)
        self.who_label.setText(
            f"Signing as {self.controller.actor.display_name}."
            if may
            else "Only a neurosurgeon signs the candidacy decision; the evidence above is for the whole team."
        )
        signed = self.controller.doc.trial.decision is not None
        self.correction.setVisible(signed)
        self.correction_caption.setVisible(signed)
        self.form_box.setTitle("Correct the signed decision" if signed else "Sign the decision")
        candidate = self.outcome() == "candidate"
        self.daily_dose.setEnabled(candidate)
        rec = self.summary.recommendation.recommended_daily_dose_mcg
        self.use_recommended.setVisible(rec is not None)
        self.use_recommended.setText(f"Use {rec} mcg/day" if rec is not None else "")
        self._update_checks()

    def _typed_dose(self) -> int | None:
        try:
            return parse_dose_mcg(self.daily_dose.text()) if self.outcome() == "candidate" else None
        except DoseInputError:
            return None

    def _update_checks(self) -> None:
        """R14 as the form stands: errors in red, each warning with its reason field, before signing."""
        outcome = self.outcome()
        urgent = sum(1 for a in self.controller.open_alerts if a.level == "urgent")
        self.checks = (
            decision_checks(
                self.controller.doc.trial,
                self.summary,
                outcome=outcome,
                initial_daily_dose_mcg=self._typed_dose(),
                unacknowledged_urgent_alerts=urgent,
            )
            if outcome is not None
            else ()
        )
        if self.checks == self._shown_checks:
            return
        self._shown_checks = self.checks
        _clear(self.checks_layout)
        self.reason_edits = {}
        for check in self.checks:
            if check.level == "error":
                label = _label(f"Cannot be signed: {check.message}", "error")
                label.setAccessibleName(f"Error: {check.message}")
                self.checks_layout.addWidget(label)
                continue
            label = _label(f"Warning: {check.message}")
            label.setStyleSheet(AMBER_STYLE)
            edit = QLineEdit(self.reasons.get(check.code, ""))
            edit.setAccessibleName(f"Reason for the warning: {check.message}")
            edit.setPlaceholderText("Reason (printed with the decision)")
            edit.textChanged.connect(lambda text, code=check.code: self._reason_changed(code, text))
            self.reason_edits[check.code] = edit
            self.checks_layout.addWidget(label)
            self.checks_layout.addWidget(edit)
        self.checks_box.setVisible(bool(self.checks))

    def _reason_changed(self, code: str, text: str) -> None:
        self.reasons[code] = text
        self.drafts.changed()

    def _changed(self) -> None:
        self._update_form()
        self.drafts.changed()

    def payload(self) -> dict[str, str]:  # the reasons as JSON text: drafts keep strings
        return {
            "outcome": self.outcome() or "",
            "daily_dose": self.daily_dose.text(),
            "rationale": self.rationale.toPlainText(),
            "correction": self.correction.text(),
            "reasons": json.dumps(self.reasons),
        }

    def flush_draft(self) -> bool:
        if self._signing is not None:
            # Leaving while it signs: its outcome (the draft discarded once signed) is queued before the
            # form can be deleted, so that no draft of a signed decision is left behind.
            self._signing.wait()
        return self.drafts.flush()

    def _restore_draft(self) -> None:
        self.drafts.restore(self._fill)

    def _fill(self, p: Mapping[str, Any]) -> None:
        button = self.outcome_buttons.get(str(p.get("outcome", "")))
        if button is not None:
            button.setChecked(True)
        self.daily_dose.setText(str(p.get("daily_dose", "")))
        self.rationale.setPlainText(str(p.get("rationale", "")))
        self.correction.setText(str(p.get("correction", "")))
        try:
            kept = json.loads(str(p.get("reasons", "{}")))
        except ValueError:
            kept = {}
        self.reasons = {str(k): str(v) for k, v in kept.items()} if isinstance(kept, dict) else {}
        self._shown_checks = None  # rebuild the reason fields with the restored reasons

    def sign(self) -> None:
        """Sign the decision (or its correction) with the password; on any refusal say why, sign nothing.

        The password check (Argon2) and the durable save run off the GUI thread; meanwhile the form says it
        is signing and its fields are disabled, so a second Enter or press cannot sign twice (``signing``).
        """
        if self.signing:
            return
        self.problem.setVisible(False)
        mark(self.daily_dose, None)
        outcome = self.outcome()
        if outcome is None:
            self._refuse(
                "Choose the outcome: candidate, not a candidate or undecided.",
                first=next(iter(self.outcome_buttons.values())),
            )
            return
        dose: int | None = None
        if outcome == "candidate":
            try:
                dose = parse_dose_mcg(self.daily_dose.text())
            except DoseInputError as exc:
                mark(self.daily_dose, ERROR)
                self._refuse(f"Initial daily dose: {exc} (mcg/day)", first=self.daily_dose)
                return
        password = self.password.text()
        fields: dict[str, Any] = {  # read here: the call runs off the GUI thread and reads no widget
            "outcome": outcome,
            "rationale": self.rationale.toPlainText(),
            "initial_daily_dose_mcg": dose,
            "correction_reason": self.correction.text() if self.correction.isVisible() else None,
            "warning_reasons": {
                c.code: self.reasons.get(c.code, "") for c in self.checks if c.level == "warning"
            },
        }
        action = user_action_in_background(
            lambda: self.controller.sign_decision(password, **fields),
            parent=self,
            busy_text=SIGNING_TEXT,
            busy_label=self.status,
            disable=self._form_fields(),
            error=self._refuse,
            words=_signing_words,
            on_done=lambda _: self._signed(),
        )
        self._signing = action
        action.finished.connect(lambda: self._sign_over(action))

    @property
    def signing(self) -> bool:
        """Whether the decision is being signed now (password checked and saved)."""
        return self._signing is not None

    def _form_fields(self) -> list[QWidget]:
        return [
            *self.outcome_buttons.values(),
            self.daily_dose,
            self.use_recommended,
            self.rationale,
            *self.reason_edits.values(),
            self.correction,
            self.password,
            self.sign_button,
        ]

    def _sign_over(self, action: BackgroundAction) -> None:
        if self._signing is action:
            self._signing = None
            self._update_form()

    def _signed(self) -> None:
        self.controller.reload()  # every panel shows the decision (widgets: on the GUI thread)
        self.password.clear()
        self.correction.clear()
        self.reasons = {}
        self._shown_checks = None
        self.drafts.discard()
        self.status.setText("Signed.")

    def _refuse(self, message: str, first: QWidget | None = None) -> None:
        """Say why nothing was signed; scroll to the field to correct (the password by default) and focus it."""
        self.password.clear()
        self.problem.setText(message + "\nNothing was signed.")
        self.problem.setVisible(True)
        show_first_problem([("", first or self.password)], {"": True}, self.scroll_area)
