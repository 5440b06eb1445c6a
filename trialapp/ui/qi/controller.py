"""The QI screens' controller: the only part of ``trialapp.ui.qi`` that calls services.

Like the trial workspace's controller: views hold layout and ask the controller to act. The dashboard
sets what it shows (``QiView``: filter, as-of date, chart period); ``reload`` reads the summary, the
procedures, the follow-up list, the bundle history and the filter choices for it and emits ``changed``,
which the views listen to. Every write reloads and then emits ``recorded`` (other windows may refresh).
A dialog opened on its own (``controller=None``) gets a controller that reads nothing until asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from trialapp.domain.qi_bundle import Bundle, BundleHistory, BundleStep, BundleVersion
from trialapp.domain.qi_procedures import QiFilter, QiProcedure, RiskFactors
from trialapp.domain.qi_summary import QiSummary
from trialapp.domain.qi_surveillance import FollowUp
from trialapp.services import qi as qi_service
from trialapp.services.context import Actor, App
from trialapp.services.permissions import allowed
from trialapp.services.qi import NewProcedure, ProcedureDetail
from trialapp.services.qi_report import write_qi_report


@dataclass(frozen=True)
class QiView:
    """What the dashboard shows: the procedures matching ``qi_filter``, on ``as_of``, charts by ``period``."""

    as_of: date
    period: str = "quarter"
    qi_filter: QiFilter = field(default_factory=QiFilter)


class QiController(QObject):
    """Holds what the QI dashboard shows and performs the QI screens' actions."""

    changed = Signal()  # the data shown was read again
    recorded = Signal()  # something was written

    def __init__(self, app: App, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.actor = actor
        self.view: QiView | None = None
        self.summary: QiSummary | None = None
        self.procedures: list[QiProcedure] = []
        self.follow_up: tuple[FollowUp, ...] = ()
        self.history: BundleHistory | None = None
        self.sites: list[str] = []
        self.surgeons: list[str] = []

    # Reading ---------------------------------------------------------------------------------------

    def may(self, action: str) -> bool:
        return allowed(self.actor, action)

    def set_view(self, view: QiView) -> None:
        self.view = view
        self.reload()

    def reload(self) -> None:
        """Read again what the view shows (nothing before a view is set), then emit ``changed``."""
        view = self.view
        if view is not None:
            self.sites, self.surgeons = qi_service.filter_choices(self.app, self.actor)
            self.summary = qi_service.qi_summary(
                self.app, self.actor, view.as_of, view.period, view.qi_filter
            )
            self.history = qi_service.bundle_history(self.app, self.actor)
            self.procedures = qi_service.list_procedures(self.app, self.actor, view.qi_filter)
            self.follow_up = tuple(
                i
                for i in qi_service.follow_up(self.app, self.actor, view.as_of)
                if view.qi_filter.matches(i.procedure)
            )
        self.changed.emit()

    def filter_choices(self) -> tuple[list[str], list[str]]:
        return qi_service.filter_choices(self.app, self.actor)

    def bundle_history(self) -> BundleHistory:
        return qi_service.bundle_history(self.app, self.actor)

    def procedure(self, procedure_id: str) -> ProcedureDetail:
        return qi_service.get_procedure(self.app, self.actor, procedure_id)

    def prefill_from_trial(self, trial_id: str, surgery_date: date) -> RiskFactors:
        return qi_service.prefill_from_trial(self.app, self.actor, trial_id, surgery_date)

    def bundle_from_json(self, text: str) -> Bundle:
        return qi_service.bundle_from_json(text)

    def bundle_from_data(self, data: object) -> Bundle:
        return qi_service.bundle_from_data(data)

    def export_csv(self, qi_filter: QiFilter) -> str:
        return qi_service.export_csv(self.app, self.actor, qi_filter)

    def import_csv(self, text: str) -> qi_service.CsvImport:
        done = qi_service.import_csv(self.app, self.actor, text)
        self._written()
        return done

    def write_report(self, path: Path, view: QiView) -> Path:
        """Print the QI report for ``view`` to ``path`` through the audited service (OSError: not written,
        and not recorded)."""
        return write_qi_report(
            self.app, self.actor, path, as_of=view.as_of, period=view.period, qi_filter=view.qi_filter
        )

    # Writing ---------------------------------------------------------------------------------------

    def _written(self) -> None:
        self.reload()
        self.recorded.emit()

    def create_procedure(self, data: NewProcedure, answers: Mapping[str, str], confirmed_by: str) -> str:
        procedure_id = qi_service.create_procedure(self.app, self.actor, data, answers, confirmed_by)
        self._written()
        return procedure_id

    def update_checklist(
        self,
        procedure_id: str,
        answers: Mapping[str, str | None],
        risk: RiskFactors,
        confirmed_by: str,
    ) -> int:
        changed = qi_service.update_checklist(self.app, self.actor, procedure_id, answers, risk, confirmed_by)
        self._written()
        return changed

    def record_ssi(
        self, procedure_id: str, criterion: str, on: date, organism: str, reason: str | None
    ) -> None:
        qi_service.record_ssi(self.app, self.actor, procedure_id, criterion, on, organism, reason)
        self._written()

    def remove_ssi(self, procedure_id: str, reason: str) -> None:
        qi_service.remove_ssi(self.app, self.actor, procedure_id, reason)
        self._written()

    def correct_procedure(
        self, procedure_id: str, reason: str, changes: Mapping[str, Any], *, clear_answers: bool = False
    ) -> None:
        qi_service.correct_procedure(
            self.app,
            self.actor,
            procedure_id,
            reason=reason,
            clear_answers_not_applying=clear_answers,
            **changes,
        )
        self._written()

    def answers_cleared_by(self, procedure_id: str, kind: str) -> tuple[BundleStep, ...]:
        return qi_service.answers_cleared_by(self.app, self.actor, procedure_id, kind)

    def record_checkin(self, procedure_id: str, day: int, done_on: date, note: str | None) -> None:
        qi_service.record_checkin(self.app, self.actor, procedure_id, day, done_on, note)
        self._written()

    def save_bundle(self, bundle: Bundle, effective_from: date, note: str) -> BundleVersion:
        version = qi_service.save_bundle(self.app, self.actor, bundle, effective_from, note)
        self._written()
        return version


class ProcedureDialog(QDialog):
    """A QI dialog about one procedure (or a new one: ``procedure_id`` None): the controller it shares with
    the dashboard, or one of its own."""

    def __init__(
        self,
        app: App,
        actor: Actor,
        procedure_id: str | None,
        parent: QWidget | None = None,
        controller: QiController | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller or QiController(app, actor, self)
        self.procedure_id = procedure_id
