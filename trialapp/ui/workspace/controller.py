"""The workspace's controller: the only part of the trial workspace that calls services.

Views hold layout and ask the controller to act; after every successful write the controller reloads the
trial and emits ``changed`` so that the header, the timeline, the charts and any open page update at once.
The workspace's clock drives what is shown (countdowns, due reassessments, default times) and the times
it stamps (alert acknowledgements, the decision). Whether a typed time is "in the future" is judged by the
services against the real time, so a test can replay a trial from the past on a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from trialapp.domain.dosing import DoseCheckResult
from trialapp.domain.records import AdverseEvent, Assessment, TrialDocument
from trialapp.services import assessments, decisions, dosing, drafts, trials, users
from trialapp.services.assessments import AlertView, SavedAssessment
from trialapp.services.context import Actor, App
from trialapp.services.dosing import BlindCheck, DoseOrder
from trialapp.services.permissions import allowed

Clock = Callable[[], datetime]


class WorkspaceController(QObject):
    """Holds the open trial (as domain records) and performs the workspace's actions."""

    changed = Signal()
    alerts_changed = Signal()

    def __init__(self, app: App, actor: Actor, trial_id: str, clock: Clock | None = None) -> None:
        super().__init__()
        self.app = app
        self.actor = actor
        self.trial_id = trial_id
        self.clock: Clock = clock or datetime.now
        self.doc: TrialDocument = trials.load_document(app, actor, trial_id)
        self.open_alerts: list[AlertView] = []
        self.all_alerts: list[AlertView] = []
        self.draft_keys: set[str] = set()
        self._load_side_data()

    # Reading ---------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def reload(self) -> None:
        self.doc = trials.load_document(self.app, self.actor, self.trial_id)
        self._load_side_data()
        self.changed.emit()

    def reload_alerts(self) -> None:
        self._load_alerts()
        self.alerts_changed.emit()

    def _load_side_data(self) -> None:
        self._load_alerts()
        self.draft_keys = {d.form_key for d in drafts.list_drafts(self.app, self.actor, self.form_prefix())}

    def _load_alerts(self) -> None:
        self.all_alerts = assessments.list_alerts(self.app, self.actor, self.trial_id)
        self.open_alerts = [a for a in self.all_alerts if a.acknowledged_at is None]

    def may(self, action: str) -> bool:
        return allowed(self.actor, action)

    # Writing ---------------------------------------------------------------------------------------

    def save_assessment(self, day: int, assessment: Assessment) -> SavedAssessment:
        saved = assessments.record_assessment(self.app, self.actor, self.trial_id, day, assessment)
        self.reload()
        return saved

    def record_adverse_event(self, day: int, event: AdverseEvent) -> int:
        row = assessments.record_adverse_event(self.app, self.actor, self.trial_id, day, event)
        self.reload()
        return row

    def acknowledge_alert(self, alert_id: int) -> None:
        assessments.acknowledge_alert(self.app, self.actor, alert_id, now=self.now())
        self.reload_alerts()

    def preview_dose(self, order: DoseOrder) -> DoseCheckResult:
        return dosing.preview_dose(self.app, self.actor, order)

    def verify_own_password(self, password: str) -> None:
        """The signed-in clinician's password, checked before a signature (raises AuthenticationFailed)."""
        users.verify_signature(self.app, self.actor, password)

    def identify_checker(self, order: DoseOrder, username: str, password: str) -> Actor:
        """The second clinician identifies themselves (a refusal is recorded as a near miss and raised)."""
        return dosing.identify_checker(self.app, self.actor, order, username, password)

    def compare_check(self, order: DoseOrder, check: BlindCheck) -> None:
        """The blind entry against the order (a mismatch is recorded as a near miss and raised)."""
        dosing.compare_check(self.app, self.actor, order, check)

    def discard_check(self, order: DoseOrder, checker: str, check: BlindCheck | None) -> None:
        """A started check that was discarded: a near miss (R8 revision 2)."""
        dosing.record_near_miss(self.app, self.actor, order, "discarded", checker=checker, check=check)

    def give_dose(self, password: str, order: DoseOrder, check: BlindCheck) -> int:
        row = self.sign_dose(password, order, check)
        self.reload()
        return row

    def sign_dose(self, password: str, order: DoseOrder, check: BlindCheck) -> int:
        """Both signatures and the durable save, without reloading: safe off the GUI thread (the dose
        dialog then calls ``reload`` on the GUI thread)."""
        return dosing.give_dose(self.app, self.actor, password, order, check)

    def record_day_plan(self, day: int, **fields: Any) -> int | None:
        suggestion = decisions.record_day_plan(self.app, self.actor, self.trial_id, day, **fields)
        self.reload()
        return suggestion

    def sign_decision(self, password: str, **fields: Any) -> None:
        """The password check and the durable save, without reloading: safe off the GUI thread (the
        decision tab then calls ``reload`` on the GUI thread)."""
        decisions.sign_decision(self.app, self.actor, password, self.trial_id, now=self.now(), **fields)

    def add_day(self, reason: str) -> int:
        number = trials.add_day(self.app, self.actor, self.trial_id, reason=reason)
        self.reload()
        return number

    # Drafts ----------------------------------------------------------------------------------------

    def form_prefix(self) -> str:
        return f"trial/{self.trial_id}/"

    def form_key(self, *parts: object) -> str:
        return self.form_prefix() + "/".join(str(p) for p in parts)

    def save_draft(self, form_key: str, payload: dict[str, Any]) -> None:
        drafts.save_draft(self.app, self.actor, form_key, payload, now=self.now())
        self.draft_keys.add(form_key)

    def load_draft(self, form_key: str) -> drafts.Draft | None:
        return drafts.load_draft(self.app, self.actor, form_key)

    def discard_draft(self, form_key: str) -> None:
        drafts.discard_draft(self.app, self.actor, form_key)
        self.draft_keys.discard(form_key)
