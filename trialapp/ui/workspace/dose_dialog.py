"""Giving a dose: the neurosurgeon's order, the blind independent double check, a side-by-side review, and
the signature.

1. Order: the R7 suggestion with its reason, dose (mcg), concentration (50 mcg/mL preselected) and the
   computed volume shown large beside them; time, route, lot. R8 checks run as you type: errors block,
   each warning needs a reason, a dose above the protocol maximum needs the neurosurgeon's override.
2. Independent check: a second clinician identifies themselves first (the orderer is refused at once),
   then types dose, concentration and volume without any way to see the order: going back to the order
   discards the check (after a question) and the order cannot be seen again without identifying again.
3. Review: both entries side by side; "Give dose" signs with the neurosurgeon's password. The service
   refuses a mismatch, the same person twice, a missing reason or a wrong password, and gives no dose.

Every refused or discarded check is a near miss, written to the audit trail (R8 revision 2).

Keyboard: the default button only ever moves forward (Next, Identify, Give dose); no button that picks a
value is ever the default, so Enter never changes a dose. Esc and the window's close ask before discarding
a started order or check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.dosing import (
    ALLOWED_CONCENTRATIONS,
    SCREENING_CONCENTRATION_MCG_PER_ML,
    DoseCheckResult,
    DoseInputError,
    format_concentration,
    format_dose,
    format_volume,
    ladder_steps,
    override_reason_problem,
    parse_concentration,
    parse_dose_mcg,
    volume_for,
)
from trialapp.services.context import Actor
from trialapp.services.dosing import BlindCheck, DoseOrder
from trialapp.services.user_errors import AuthenticationFailed
from trialapp.ui.actions import BackgroundAction, user_action, user_action_in_background
from trialapp.ui.date_input import DateTimeInput
from trialapp.ui.field_marks import ERROR, mark, show_first_problem
from trialapp.ui.fit_screen import fit_window, scroll_body
from trialapp.ui.workspace.controller import WorkspaceController
from trialapp.ui.workspace.state import find_day
from trialapp.ui.workspace.style import AMBER_STYLE, GREEN_STYLE, RED_STYLE, font_css, set_role

_T = TypeVar("_T")

ROUTES = (("catheter", "Intrathecal catheter"), ("lumbar_puncture", "Lumbar puncture"))
OVERRIDE_KEY = "__override__"
SIGNING_TEXT = "Signing the dose… checking both passwords and saving."
IDENTIFYING_TEXT = "Checking the second clinician's password…"


def _label(text: str = "", role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if role:
        set_role(label, role)
    return label


def _big(label: QLabel, points: float) -> QLabel:
    label.setStyleSheet(font_css(points))
    return label


def _button(text: str) -> QPushButton:
    """A button that never becomes the dialog's default: Enter must not press it (issue 17)."""
    button = QPushButton(text)
    button.setAutoDefault(False)
    return button


class DoseDialog(QDialog):
    """Order → independent check → review and sign. Nothing is written until "Give dose" succeeds."""

    def __init__(self, controller: WorkspaceController, day: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.day_number = day
        self.giver = controller.actor
        self.setWindowTitle(f"Give the day {day} dose")
        self.setAccessibleName(f"Give the day {day} dose")
        self.given_dose_id: int | None = None
        self.check_result: DoseCheckResult | None = None
        self.reason_edits: dict[str, QLineEdit] = {}
        self.checker: Actor | None = None  # the second clinician, once identified
        self._checked_order: DoseOrder | None = None  # the order the identified checker is checking
        self._pending: tuple[DoseOrder, BlindCheck] | None = None
        self.check_password_kept = ""
        self._signing: BackgroundAction | None = None  # the signature being signed, off the GUI thread
        self._identifying: BackgroundAction | None = None  # the checker's password checked, off it too
        self.asked: list[str] = []  # the questions asked before discarding, for the record of a test

        self.pages = QStackedWidget()
        self.order_page = self._build_order_page()
        self.check_page = self._build_check_page()
        self.review_page = self._build_review_page()
        for page in (self.order_page, self.check_page, self.review_page):
            self.pages.addWidget(page)
        self.step_label = _label("", "muted")
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.pages, 1)
        for page in (self.order_page, self.check_page, self.review_page):
            scroll_body(page)  # its buttons stay in view at 150 % scaling
        fit_window(self, 860, 660)
        self._go(0)
        self._update_order()

    # 1. The order -----------------------------------------------------------------------------------

    def _build_order_page(self) -> QWidget:
        doc = self.controller.doc
        settings = doc.trial.settings
        page = QWidget()
        page.setAccessibleName("The order")
        self.suggestion_label = _label()
        self.suggestion_label.setAccessibleName("Suggested dose and why")
        self.use_suggestion = _button("")
        self.use_suggestion.setAccessibleName("Use the suggested dose")
        self.suggested_mcg = self._suggested_dose()
        if self.suggested_mcg is not None:
            self.use_suggestion.setText(f"Use {format_dose(self.suggested_mcg)}")
            self.use_suggestion.clicked.connect(lambda: self.dose_edit.setText(str(self.suggested_mcg)))
        else:
            self.use_suggestion.setVisible(False)

        self.dose_edit = QLineEdit()
        self.dose_edit.setAccessibleName("Dose in micrograms (mcg)")
        self.dose_edit.setPlaceholderText("e.g. 50")
        self.dose_edit.setFixedWidth(110)
        _big_edit(self.dose_edit)
        self.conc_box = QComboBox()
        self.conc_box.setAccessibleName("Concentration")
        for conc in ALLOWED_CONCENTRATIONS:
            self.conc_box.addItem(format_concentration(conc), conc)
        self.conc_box.setCurrentIndex(self.conc_box.findData(SCREENING_CONCENTRATION_MCG_PER_ML))
        self.volume_label = _big(QLabel("— mL"), 26)
        self.volume_label.setAccessibleName("Volume to give, computed from dose and concentration")
        self.volume_label.setMinimumWidth(180)
        self.volume_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.volume_label.setFrameShape(QFrame.Shape.Box)
        self.dose_problem = _label("", "error")
        self.dose_problem.setAccessibleName("Problem with the dose")

        amount = QGridLayout()
        dose_caption = QLabel("&Dose (mcg)")
        dose_caption.setBuddy(self.dose_edit)
        conc_caption = QLabel("&Concentration")
        conc_caption.setBuddy(self.conc_box)
        amount.addWidget(dose_caption, 0, 0)
        amount.addWidget(conc_caption, 0, 2)
        amount.addWidget(QLabel("Volume to give"), 0, 4)
        amount.addWidget(self.dose_edit, 1, 0)
        amount.addWidget(_big(QLabel("at"), 14), 1, 1)
        amount.addWidget(self.conc_box, 1, 2)
        amount.addWidget(_big(QLabel("="), 20), 1, 3)
        amount.addWidget(self.volume_label, 1, 4)
        amount.setColumnStretch(5, 1)

        self.time_edit = DateTimeInput(QDateTime(self.controller.now().replace(second=0, microsecond=0)))
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.time_edit.setAccessibleName("Time the dose is given")
        self.route_box = QComboBox()
        self.route_box.setAccessibleName("Route")
        for code, words in ROUTES:
            self.route_box.addItem(words, code)
        self.route_box.setCurrentIndex(max(0, self.route_box.findData(doc.trial.catheter.method)))
        self.lot_edit = QLineEdit()
        self.lot_edit.setAccessibleName("Lot number")
        self.lot_edit.setPlaceholderText("from the ampule label")
        details = QFormLayout()
        details.addRow("&Time given", self.time_edit)
        details.addRow("&Route", self.route_box)
        details.addRow("&Lot", self.lot_edit)

        self.checks_box = QVBoxLayout()
        checks_holder = QWidget()
        checks_holder.setLayout(self.checks_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(checks_holder)

        self.order_status = _label("", "muted")
        cancel = _button("Cancel")
        cancel.clicked.connect(self.reject)
        self.to_check = _button("Next: independent check →")
        self.to_check.setProperty("primary", True)
        self.to_check.setAccessibleName("Next: the independent double check")
        self.to_check.clicked.connect(self.start_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.order_status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.to_check)

        suggestion_row = QHBoxLayout()
        suggestion_row.addWidget(self.suggestion_label, 1)
        suggestion_row.addWidget(self.use_suggestion)
        layout = QVBoxLayout(page)
        layout.addLayout(suggestion_row)
        layout.addLayout(amount)
        layout.addWidget(self.dose_problem)
        layout.addLayout(details)
        layout.addWidget(
            _label(f"Checks. Protocol maximum {format_dose(settings.max_dose_mcg)}.", "subtitle")
        )
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        self.dose_edit.textChanged.connect(self._update_order)
        self.conc_box.currentIndexChanged.connect(self._update_order)
        self.time_edit.dateTimeChanged.connect(self._update_order)
        self.time_edit.edit.textChanged.connect(self._update_order)  # a time that cannot be read stops it
        return page

    def _suggested_dose(self) -> int | None:
        doc = self.controller.doc
        from trialapp.services.dosing import suggestion_for_day

        suggestion = suggestion_for_day(doc, self.day_number)
        previous = find_day(doc, self.day_number - 1)
        planned = previous.plan.next_dose_mcg if previous is not None and previous.plan is not None else None
        lines = []
        chosen: int | None = None
        if suggestion is not None:
            lines.append(f"<b>Suggested:</b> {suggestion.message}")
            chosen = suggestion.dose_mcg
        else:
            first = ladder_steps(doc.trial.settings.ladder)[0]
            lines.append(
                f"<b>First dose:</b> the {doc.trial.settings.ladder.replace('_', '-')} ladder starts at "
                f"{format_dose(first)}."
            )
            chosen = first
        if planned is not None:
            lines.append(
                f"<b>The team planned</b> {format_dose(planned)} at the day {self.day_number - 1} review."
            )
            chosen = planned
        self.suggestion_label.setText("<br>".join(lines))
        return chosen

    def order(self) -> DoseOrder | None:
        """The first entry as typed, or None while the dose or the time cannot be read."""
        if not self.time_edit.readable():
            return None  # never a dose at the last time that could be read
        try:
            dose = parse_dose_mcg(self.dose_edit.text())
        except DoseInputError:
            return None
        conc = int(self.conc_box.currentData())
        reasons = {code: edit.text() for code, edit in self.reason_edits.items() if code != OVERRIDE_KEY}
        override = self.reason_edits.get(OVERRIDE_KEY)
        return DoseOrder(
            trial_id=self.controller.trial_id,
            day=self.day_number,
            dose_mcg=dose,
            concentration_mcg_per_ml=conc,
            volume_ml=volume_for(dose, conc),
            given_at=self.time_edit.dateTime().toPython().replace(second=0, microsecond=0),
            via=str(self.route_box.currentData()),
            lot=self.lot_edit.text().strip() or None,
            warning_reasons=reasons,
            override_reason=override.text() if override is not None else None,
        )

    def _update_order(self) -> None:
        text = self.dose_edit.text()
        conc = int(self.conc_box.currentData())
        self.dose_problem.setText("")
        dose: int | None = None
        unreadable = False
        if text.strip():
            try:
                dose = parse_dose_mcg(text)
            except DoseInputError as exc:
                self.dose_problem.setText(str(exc))
                unreadable = True
        mark(self.dose_edit, ERROR if unreadable else None)
        self.volume_label.setText(format_volume(volume_for(dose, conc)) if dose else "— mL")
        order = self.order()
        if order is None:
            self.check_result = None
            self._show_checks(None, dose)
            return
        done = user_action(lambda: self.controller.preview_dose(order), error=self.dose_problem.setText)
        self.check_result = done.value if done is not None else None
        self._show_checks(self.check_result, dose)

    def _show_checks(self, result: DoseCheckResult | None, dose: int | None) -> None:
        kept = {code: edit.text() for code, edit in self.reason_edits.items()}
        while self.checks_box.count():
            item = self.checks_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.reason_edits = {}
        max_dose = self.controller.doc.trial.settings.max_dose_mcg
        needs_override = dose is not None and dose > max_dose and self.controller.may("give_dose")
        if result is None:
            self.checks_box.addWidget(_label("Type the dose to run the checks.", "muted"))
        else:
            for finding in result.errors:
                if finding.code == "above_maximum" and needs_override:
                    continue  # shown below with the override box
                label = _label("Error: " + finding.message)
                label.setStyleSheet(RED_STYLE)
                self.checks_box.addWidget(label)
            for finding in result.warnings:
                self._reason_row(finding.code, "Warning: " + finding.message, kept.get(finding.code, ""))
            if not result.errors and not result.warnings and not needs_override:
                ok = _label("No errors and no warnings.")
                ok.setStyleSheet(GREEN_STYLE)
                self.checks_box.addWidget(ok)
        if needs_override:
            # An error until the override has a substantive reason: red, not amber (issue 17).
            self._reason_row(
                OVERRIDE_KEY,
                f"Error: {format_dose(dose or 0)} is above the protocol maximum of {format_dose(max_dose)}. "
                "Only a neurosurgeon can override it, with a reason of at least 15 characters saying why "
                "this dose is needed (printed on the clinical summary).",
                kept.get(OVERRIDE_KEY, ""),
                placeholder="Why this dose is needed (at least 15 characters)",
                style=RED_STYLE,
            )
        self.checks_box.addStretch(1)
        self._update_next()

    def _reason_row(
        self, code: str, text: str, value: str, placeholder: str = "", style: str = AMBER_STYLE
    ) -> None:
        box = QFrame()
        box.setStyleSheet(style)
        column = QVBoxLayout(box)
        column.setContentsMargins(6, 4, 6, 4)
        column.addWidget(_label(text))
        edit = QLineEdit(value)
        edit.setStyleSheet("background: #ffffff; color: #1b1f24;")
        edit.setPlaceholderText(placeholder or "Reason to go ahead (required)")
        edit.setAccessibleName(f"Reason for: {text[:80]}")
        edit.textChanged.connect(lambda _t: self._update_next())
        column.addWidget(edit)
        self.reason_edits[code] = edit
        self.checks_box.addWidget(box)

    def _missing(self) -> list[str]:
        result = self.check_result
        missing = []
        if self.order() is None:
            missing.append("the dose")
        elif result is not None:
            overriding = OVERRIDE_KEY in self.reason_edits
            blocking = [e for e in result.errors if not (e.code == "above_maximum" and overriding)]
            if blocking:
                missing.append("a dose without errors")
        missing += [
            "a reason for each warning"
            for code, edit in self.reason_edits.items()
            if code != OVERRIDE_KEY and not edit.text().strip()
        ][:1]
        override = self.reason_edits.get(OVERRIDE_KEY)
        if override is not None and override_reason_problem(override.text()) is not None:
            missing.append("a reason for the override of at least 15 characters")
        return missing

    def _update_next(self) -> None:
        missing = self._missing()
        self.to_check.setEnabled(not missing)
        self.order_status.setText(
            "Still needed: " + ", ".join(missing) + "." if missing else "Ready for the check."
        )
        override = self.reason_edits.get(OVERRIDE_KEY)
        if override is not None:
            problem = override_reason_problem(override.text()) if override.text().strip() else None
            override.setToolTip(problem or "")

    def start_check(self) -> None:
        if self._missing():
            return
        self._clear_check()
        self.check_problem.setText("")
        self._go(1)
        self.check_user.setFocus()

    # 2. The independent check -------------------------------------------------------------------------

    def _build_check_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName("Independent double check")
        intro = _label(
            "<b>Hand over to a second clinician</b> (nurse, physical therapist or another neurosurgeon). "
            "They identify themselves first, then type the dose, the concentration and the volume from the "
            "order and the syringe label. The order stays hidden so that the check is independent."
        )
        self.check_user = QLineEdit()
        self.check_user.setAccessibleName("Second clinician's username")
        self.check_password = QLineEdit()
        self.check_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.check_password.setAccessibleName("Second clinician's password")
        self.identify_button = _button("Identify")
        self.identify_button.setAccessibleName("Identify the second clinician")
        self.identify_button.clicked.connect(self.identify)
        who = QFormLayout()
        who.addRow("&Username", self.check_user)
        who.addRow("&Password", self.check_password)
        who.addRow("", self.identify_button)
        self.identified_label = _label("", "subtitle")
        self.identified_label.setAccessibleName("Who is checking")

        self.check_dose = QLineEdit()
        self.check_dose.setAccessibleName("Dose in mcg, typed by the second clinician")
        self.check_dose.setPlaceholderText("mcg")
        _big_edit(self.check_dose)
        self.check_conc = QLineEdit()
        self.check_conc.setAccessibleName("Concentration in mcg/mL, typed by the second clinician")
        self.check_conc.setPlaceholderText("mcg/mL")
        _big_edit(self.check_conc)
        self.check_volume = QLineEdit()
        self.check_volume.setAccessibleName("Volume in mL, typed by the second clinician")
        self.check_volume.setPlaceholderText("mL")
        _big_edit(self.check_volume)
        self.entry_box = QWidget()
        entry = QFormLayout(self.entry_box)
        entry.setContentsMargins(0, 0, 0, 0)
        entry.addRow("&Dose (mcg)", self.check_dose)
        entry.addRow("&Concentration (mcg/mL)", self.check_conc)
        entry.addRow("&Volume (mL)", self.check_volume)
        self.check_problem = _label("", "error")
        self.check_problem.setAccessibleName("Problem with the check entry")
        self.back_to_order = _button("← &Back to the order")
        self.back_to_order.setToolTip("Going back discards the check: the checker identifies again after")
        self.back_to_order.clicked.connect(self._back_to_order)
        self.to_review = _button("Next: review →")
        self.to_review.setProperty("primary", True)
        self.to_review.clicked.connect(self.start_review)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_to_order)
        buttons.addStretch(1)
        buttons.addWidget(self.to_review)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(who)
        layout.addWidget(self.identified_label)
        layout.addWidget(self.entry_box)
        layout.addWidget(self.check_problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._show_check_stage()
        return page

    def _check_edits(self) -> tuple[QLineEdit, ...]:
        return (self.check_user, self.check_password, self.check_dose, self.check_conc, self.check_volume)

    def _clear_check(self) -> None:
        """Forget the check: the checker must identify again (they never see the order in between)."""
        for edit in self._check_edits():
            edit.clear()
        self.checker = None
        self._checked_order = None
        self.check_password_kept = ""
        self._pending = None
        self._show_check_stage()

    def _show_check_stage(self) -> None:
        """Identify first; the entry fields appear only once the checker is identified."""
        identified = self.checker is not None
        for widget in (self.check_user, self.check_password, self.identify_button):
            widget.setEnabled(not identified)
        self.entry_box.setVisible(identified)
        self.to_review.setEnabled(identified)
        self.identified_label.setText(
            f"Checked by {self.checker.display_name}: type what the order and the syringe label say."
            if self.checker is not None
            else ""
        )
        if getattr(self, "pages", None) is not None and self.pages.currentIndex() == 1:
            self._set_default(self.to_review if identified else self.identify_button)

    def identify(self) -> None:
        """The checker identifies; the orderer, a wrong password or a non-clinician is refused (a near miss).
        The outcome is shown once the password was checked off the GUI thread (``identifying`` meanwhile)."""
        if self.identifying:
            return
        order = self.order()
        if order is None:
            return
        username, password = self.check_user.text().strip(), self.check_password.text()
        if not username or not password:
            self.check_problem.setText("Type the second clinician's username and password.")
            return
        self.check_problem.setText("")
        # The password check (Argon2) runs off the GUI thread; the dialog waits for its outcome.
        action = user_action_in_background(
            lambda: self.controller.identify_checker(order, username, password),
            parent=self,
            busy_text=IDENTIFYING_TEXT,
            busy_label=self.identified_label,
            disable=(self.identify_button, self.check_user, self.check_password, self.back_to_order),
            error=self._check_refused,
            words=lambda exc: _not_accepted("The second clinician's sign-in was not accepted", exc),
            on_refused=lambda _exc: self.check_password.clear(),
            on_done=lambda checker: self._identified(order, password, checker),
        )
        self._identifying = action
        action.finished.connect(lambda: self._identify_over(action))

    @property
    def identifying(self) -> bool:
        """Whether the second clinician's password is being checked now."""
        return self._identifying is not None

    def _identify_over(self, action: BackgroundAction) -> None:
        if self._identifying is action:
            self._identifying = None

    def _identified(self, order: DoseOrder, password: str, checker: Actor) -> None:
        self.checker = checker
        self._checked_order = order
        self.check_password_kept = password  # signs again with the dose; not shown, not kept after
        self.check_password.clear()
        self._show_check_stage()
        self.check_dose.setFocus()

    def _check_refused(self, message: str) -> None:
        self.check_problem.setText(message + "\nRecorded as a near miss. No dose was given.")

    def _back_to_order(self) -> None:
        if self._check_started() and not self._confirm(
            "Discard this check?",
            "Going back to the order discards the check. It is recorded as a near miss, and the second "
            "clinician identifies again before a new check.",
        ):
            return
        self._discard_check()
        self._go(0)
        self.dose_edit.setFocus()

    def _check_started(self) -> bool:
        return self.checker is not None or any(edit.text() for edit in self._check_edits())

    def _discard_check(self) -> None:
        """Record a started check as discarded (a near miss), then forget it."""
        order = self._checked_order or self.order()
        checker = self.checker.username if self.checker is not None else self.check_user.text().strip()
        if self.checker is not None and order is not None:
            typed = self._typed_check(order)
            user_action(
                lambda: self.controller.discard_check(order, checker, typed), error=self._check_refused
            )
        self._clear_check()

    def _typed_check(self, order: DoseOrder) -> BlindCheck | None:
        """What the checker typed so far (unreadable parts left out), for the near-miss record."""
        dose = _try(parse_dose_mcg, self.check_dose.text())
        conc = _try(parse_concentration, self.check_conc.text())
        volume = _try(_parse_volume, self.check_volume.text())
        if dose is None and conc is None and volume is None:
            return None
        return BlindCheck(self.checker.username if self.checker else "", "", dose or 0, conc or 0, volume)

    def blind_check(self) -> BlindCheck | None:
        if self.checker is None:
            self.check_problem.setText("The second clinician identifies first.")
            return None
        problems = []
        bad: dict[str, bool] = {}
        dose = conc = None
        volume: float | None = None
        try:
            dose = parse_dose_mcg(self.check_dose.text())
        except DoseInputError as exc:
            problems.append(f"Dose: {exc}")
            bad["dose"] = True
        try:
            conc = parse_concentration(self.check_conc.text())
        except DoseInputError as exc:
            problems.append(f"Concentration: {exc}")
            bad["conc"] = True
        try:
            volume = _parse_volume(self.check_volume.text())
        except DoseInputError as exc:
            problems.append(f"Volume: {exc}")
            bad["volume"] = True
        fields = [("dose", self.check_dose), ("conc", self.check_conc), ("volume", self.check_volume)]
        for key, widget in fields:
            mark(widget, ERROR if key in bad else None)
        if problems or dose is None or conc is None:
            self.check_problem.setText("\n".join(problems))
            show_first_problem(fields, bad)
            return None
        return BlindCheck(self.checker.username, self.check_password_kept, dose, conc, volume)

    def start_review(self) -> None:
        order = self._checked_order
        check = self.blind_check()
        if check is None or order is None:
            return
        self.check_problem.setText("")
        done = user_action(lambda: self.controller.compare_check(order, check), error=self._check_refused)
        if done is None:
            # A refused check is over: both clinicians look again and start a new check.
            self._clear_check()
            self.check_user.setFocus()
            return
        self._fill_review(order, check)
        self._go(2)
        self.sign_password.setFocus()

    # 3. Review and sign --------------------------------------------------------------------------------

    def _build_review_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName("Review and sign")
        self.review_grid = QGridLayout()
        self.review_grid.setHorizontalSpacing(18)
        self.review_details = _label()
        self.sign_password = QLineEdit()
        self.sign_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_password.setAccessibleName("Your password, to sign the dose")
        self.sign_caption = QLabel()
        self.sign_caption.setBuddy(self.sign_password)
        self.review_problem = _label("", "banner-error")
        self.review_problem.setAccessibleName("Why the dose was not given")
        self.review_problem.setVisible(False)
        back = _button("← &Back to the order")
        back.setToolTip("Going back discards the check: the checker identifies again after")
        back.clicked.connect(self._back_to_order)
        self.review_back = back
        self.signing_label = _label("", "muted")
        self.signing_label.setAccessibleName("Signing progress")
        self.give_button = _button("Give dose")
        self.give_button.setProperty("primary", True)
        self.give_button.setAccessibleName("Give dose: sign with your password")
        self.give_button.clicked.connect(self.give)
        sign = QHBoxLayout()
        sign.addWidget(self.sign_caption)
        sign.addWidget(self.sign_password, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.give_button)
        layout = QVBoxLayout(page)
        layout.addWidget(_label("Check both entries side by side before giving the dose.", "subtitle"))
        layout.addLayout(self.review_grid)
        layout.addWidget(self.review_details)
        layout.addStretch(1)
        layout.addWidget(self.review_problem)
        layout.addWidget(self.signing_label)
        layout.addLayout(sign)
        layout.addLayout(buttons)
        return page

    def _fill_review(self, order: DoseOrder, check: BlindCheck) -> None:
        grid = self.review_grid
        while grid.count():
            item = grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        checker = self.checker.display_name if self.checker is not None else check.username
        headers = ("", f"Order ({self.giver.display_name})", f"Independent check ({checker})", "")
        for col, text in enumerate(headers):
            grid.addWidget(_label(f"<b>{text}</b>"), 0, col)
        check_volume = volume_for(check.dose_mcg, check.concentration_mcg_per_ml)
        rows = (
            ("Dose", format_dose(order.dose_mcg), format_dose(check.dose_mcg)),
            (
                "Concentration",
                format_concentration(order.concentration_mcg_per_ml),
                format_concentration(check.concentration_mcg_per_ml),
            ),
            ("Volume", format_volume(order.volume_ml or 0), format_volume(check_volume)),
        )
        self.review_matches: dict[str, bool] = {}
        for row, (what, first, second) in enumerate(rows, start=1):
            same = first == second
            self.review_matches[what] = same
            grid.addWidget(_label(what), row, 0)
            grid.addWidget(_big(QLabel(first), 15), row, 1)
            grid.addWidget(_big(QLabel(second), 15), row, 2)
            mark = QLabel("match" if same else "DIFFERENT")
            mark.setStyleSheet(GREEN_STYLE if same else RED_STYLE)
            mark.setAccessibleName(f"{what}: {'the entries match' if same else 'the entries differ'}")
            grid.addWidget(mark, row, 3)
        grid.setColumnStretch(4, 1)
        route = dict(ROUTES).get(order.via or "", order.via or "not recorded")
        lines = [
            f"Time given: {order.given_at:%Y-%m-%d %H:%M} · Route: {route} · Lot: {order.lot or 'not recorded'}"
        ]
        result = self.check_result
        if result is not None:
            for finding in result.warnings:
                lines.append(
                    f"Warning: {finding.message} — Reason: {order.warning_reasons.get(finding.code, '')}"
                )
        if order.override_reason:
            lines.append(f"Override of the protocol maximum — Reason: {order.override_reason}")
        self.review_details.setText("\n".join(lines))
        self.sign_caption.setText(f"{self.giver.display_name}, sign with your &password:")
        self.review_problem.setVisible(False)
        self._pending = (order, check)

    def give(self) -> None:
        """Sign and record the dose; on any refusal show the reason and give no dose.

        The password checks (Argon2) and the durable save run off the GUI thread, first the giver's own
        signature, then the dose with the checker's; meanwhile the window paints, says it is signing, and
        "Give dose" is disabled, so a second Enter cannot sign twice.
        """
        if self._pending is None or self.signing:
            return
        order, check = self._pending
        password = self.sign_password.text()
        self.review_problem.setVisible(False)
        if not password:
            self._refuse("Type your password to sign the dose.")
            return
        self._sign_step(
            lambda: self.controller.verify_own_password(password),
            "Your signature was not accepted",
            lambda _: self._sign_step(
                lambda: self.controller.sign_dose(password, order, check),
                "The second clinician's sign-in was not accepted",
                self._given,
            ),
        )

    @property
    def signing(self) -> bool:
        """Whether a signature is being checked and saved now."""
        return self._signing is not None

    def _sign_step(self, call: Callable[[], _T], refused: str, on_done: Callable[[_T], object]) -> None:
        action = user_action_in_background(
            call,
            parent=self,
            busy_text=SIGNING_TEXT,
            busy_label=self.signing_label,
            disable=(self.give_button, self.sign_password, self.review_back),
            error=self._refuse,
            words=lambda exc: _not_accepted(refused, exc),
            on_done=on_done,
        )
        self._signing = action
        # Signing is over when the last step's result was handled (a next step replaces this one first).
        action.finished.connect(lambda: self._step_over(action))

    def _step_over(self, action: BackgroundAction) -> None:
        if self._signing is action:
            self._signing = None

    def _given(self, dose_id: int) -> None:
        self.given_dose_id = dose_id
        self._clear_check()
        self.controller.reload()  # every panel shows the new dose (widgets: on the GUI thread)
        self.accept()

    def _refuse(self, message: str) -> None:
        self.sign_password.clear()
        self.review_problem.setText(message + "\nNo dose was recorded.")
        self.review_problem.setVisible(True)

    # Leaving ---------------------------------------------------------------------------------------------

    def _order_started(self) -> bool:
        return bool(self.dose_edit.text().strip() or self.lot_edit.text().strip())

    def reject(self) -> None:
        """Esc, Cancel or the window's close: ask before discarding a started order or check."""
        if self.signing or self.identifying:
            return  # a password is being checked (and the dose saved): its outcome is shown here first
        # A dialog never shown (closed by its owner) has nobody to ask.
        started = self._order_started() or self._check_started()
        if self.isVisible() and self.given_dose_id is None and started:
            what = "this check and the order" if self._check_started() else "this order"
            if not self._confirm(
                f"Discard {what}?",
                "Nothing has been given or recorded yet. A discarded check is recorded as a near miss.",
            ):
                return
            self._discard_check()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.reject()
        if self.isVisible():
            event.ignore()
        else:
            event.accept()

    def _confirm(self, title: str, text: str) -> bool:
        """Ask before discarding; "Keep editing" is the default, so Enter or Esc keeps everything."""
        self.asked.append(title)
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, self)
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAccessibleName(title)
        box.exec()
        chosen = box.clickedButton() is discard
        box.deleteLater()
        return chosen

    # Steps -----------------------------------------------------------------------------------------------

    def _set_default(self, button: QPushButton) -> None:
        """The one default button: it moves forward, never picks a value (issue 17)."""
        for other in (self.to_check, self.identify_button, self.to_review, self.give_button):
            other.setDefault(other is button)

    def _go(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        if index == 0:
            self._set_default(self.to_check)
        elif index == 1:
            self._set_default(self.to_review if self.checker is not None else self.identify_button)
        else:
            self._set_default(self.give_button)
        words = ("1 of 3: the order", "2 of 3: the independent check", "3 of 3: review and sign")[index]
        who = (
            self.giver.display_name,
            "a second clinician",
            self.giver.display_name,
        )[index]
        self.step_label.setText(f"Day {self.day_number} dose — step {words} ({who})")

    def current_step(self) -> int:
        return self.pages.currentIndex()


def _not_accepted(what: str, exc: Exception) -> str:
    """A refused signature says whose; any other refusal (an invalid dose, a full disk) as it is."""
    return f"{what}: {exc}" if isinstance(exc, AuthenticationFailed) else str(exc)


def _big_edit(edit: QLineEdit) -> None:
    edit.setStyleSheet(font_css(15))


def _try(parse: Callable[[str], _T], text: str) -> _T | None:
    try:
        return parse(text)
    except DoseInputError:
        return None


def _parse_volume(text: str) -> float | None:
    """The checker's volume in mL ("1.5", "1.5 mL"); None when left empty. Raises DoseInputError."""
    raw = text.strip().lower().removesuffix("ml").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise DoseInputError("Type the volume in mL as a number, for example 1.5.") from None
    if not value > 0 or value > 100:
        raise DoseInputError("The volume is a number of mL above 0, for example 1.5.")
    if raw.startswith("."):
        raise DoseInputError(f"Write a leading zero: 0{raw} mL.")
    return value
