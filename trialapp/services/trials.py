"""Trials as whole records: import, export, list, load, summarise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from trialapp.domain.dosing import suggest_ladder
from trialapp.domain.records import Catheter, Day, Goal, Patient, ProtocolSettings, Trial, TrialDocument
from trialapp.domain.summary import TrialSummary, summarize_trial, summary_to_json
from trialapp.interchange.trial_json_export import document_to_json, dumps_trial_document
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.services.validation import validate_document
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit import chain_head
from trialapp.storage.audit_actions import AuditAction


def import_document(app: App, actor: Actor, doc: TrialDocument) -> str:
    """Write a validated trial document in one transaction and return the new trial's id.

    A trial for an MRN already on file attaches to that patient when the birth date matches; a different
    birth date for the same MRN is refused (it is either another child or a typing error).
    """
    require(actor, "import_trial")
    digest = hashlib.sha256(dumps_trial_document(doc).encode("utf-8")).hexdigest()
    with app.db.write() as s:
        trial = _add_trial(s, app, actor, doc, source="import")
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.IMPORT,
            table="trials",
            row_id=trial.public_id,
            trial_id=trial.id,
            new={"format": "itb-trial/1", "days": len(doc.trial.days), "sha256": digest},
        )
        return trial.public_id


def _add_trial(s: Session, app: App, actor: Actor, doc: TrialDocument, *, source: str) -> m.TrialRow:
    """Add the document's trial under its patient: the MRN's patient when the birth date matches, a new
    patient when the MRN is new; another birth date for the same MRN is refused (another child, or a typo)."""
    patient = repo.find_patient_by_mrn(s, doc.patient.mrn)
    if patient is None:
        patient = repo.patient_row(doc.patient)
        s.add(patient)
        s.flush()
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.INSERT,
            table="patients",
            row_id=patient.id,
            new={"mrn": patient.mrn, "source": source},
        )
    elif patient.birth_date != doc.patient.birth_date:
        raise InvalidInput(
            f"MRN {doc.patient.mrn} is already on file for a patient born {patient.birth_date.isoformat()}, "
            f"but this trial gives {doc.patient.birth_date.isoformat()}. Check the MRN and the birth date; "
            "nothing was saved."
        )
    public_id = repo.new_public_id()
    while repo.trial_exists(s, public_id):  # vanishingly rare collision of random ids
        public_id = repo.new_public_id()
    trial = repo.trial_row(doc.trial, patient, public_id)
    s.add(trial)
    s.flush()
    return trial


def load_document(app: App, actor: Actor, trial_id: str) -> TrialDocument:
    """The whole trial as domain records."""
    require(actor, "view_trials")
    with app.db.read() as s:
        return repo.load_document(s, trial_id).document


@dataclass(frozen=True)
class Export:
    document: dict[str, Any]
    chain_head: str


def export_document(app: App, actor: Actor, trial_id: str) -> Export:
    """The trial in the ``itb-trial/1`` shape, and the audit chain head at the time of export (audited)."""
    require(actor, "export_trial")
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        document = document_to_json(repo.document_record(trial))
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.EXPORT,
            table="trials",
            row_id=trial.public_id,
            trial_id=trial.id,
            new={"format": "itb-trial/1"},
        )
        return Export(document=document, chain_head=chain_head(s))


def list_trials(
    app: App, actor: Actor, *, search: str | None = None, state: str | None = None, limit: int | None = None
) -> list[repo.TrialListing]:
    require(actor, "view_trials")
    with app.db.read() as s:
        return repo.list_trials(s, search=search, state=state, limit=limit)


def trial_summary(app: App, actor: Actor, trial_id: str) -> tuple[str, TrialSummary]:
    """The R3–R7 summary of a trial (computed from its records by the domain rules)."""
    require(actor, "view_trials")
    with app.db.read() as s:
        loaded = repo.load_document(s, trial_id)
    return loaded.public_id, summarize_trial(loaded.document.trial)


def trial_summary_json(app: App, actor: Actor, trial_id: str) -> dict[str, Any]:
    """The summary object of RULES.md for a trial (what ``trialapp summary --json`` prints)."""
    public_id, summary = trial_summary(app, actor, trial_id)
    return summary_to_json(summary, public_id)


@dataclass(frozen=True)
class ProtocolChoice:
    """What the new-trial wizard proposes: the ladder suggested by age, with the reason."""

    ladder: str
    reason: str


def suggest_protocol(birth_date: date, on_date: date) -> ProtocolChoice:
    ladder, reason = suggest_ladder(birth_date, on_date)
    return ProtocolChoice(ladder, reason)


def start_trial(
    app: App,
    actor: Actor,
    patient: Patient,
    *,
    started_on: date,
    catheter: Catheter,
    settings: ProtocolSettings,
    goals: tuple[Goal, ...] = (),
    days: int = 3,
    now: datetime | None = None,
) -> str:
    """Create a trial (and the patient when the MRN is new) with its protocol settings frozen on it.

    Creates days 1..``days`` on consecutive dates. An existing MRN must have the same birth date.
    """
    require(actor, "create_trial")
    trial = Trial(
        started_on=started_on,
        catheter=catheter,
        settings=settings,
        goals=goals,
        days=tuple(Day(day=i + 1, date=started_on + timedelta(days=i)) for i in range(days)),
    )
    doc = TrialDocument(patient=patient, trial=trial)
    doc = validate_document(doc, what="new trial", now=now)
    patient, trial = doc.patient, doc.trial
    with app.db.write() as s:
        row = _add_trial(s, app, actor, doc, source="bedside")
        public_id = row.public_id
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.START_TRIAL,
            table="trials",
            row_id=public_id,
            trial_id=row.id,
            new={
                "ladder": settings.ladder,
                "mas_coding": settings.mas_coding,
                "region": settings.region,
                "threshold": settings.threshold,
                "schedule_hours": list(settings.schedule_hours),
                "max_dose_mcg": settings.max_dose_mcg,
            },
        )
        return public_id


def add_day(app: App, actor: Actor, trial_id: str, *, reason: str) -> int:
    """Add a day after the last one (e.g. a 4th day to fine-tune); a reason is required and audited."""
    require(actor, "create_trial")
    if not reason.strip():
        raise InvalidInput("Adding a trial day needs a reason (for example: fine-tune the dose on day 4).")
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        last = trial.days[-1] if trial.days else None
        number = (last.day_number + 1) if last else 1
        day_date = (last.date + timedelta(days=1)) if last else trial.started_on
        trial.days.append(m.TrialDay(day_number=number, date=day_date, added_reason=reason.strip()))
        s.flush()
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.ADD_DAY,
            table="trial_days",
            trial_id=trial.id,
            row_id=number,
            new={"day": number, "date": day_date},
            reason=reason.strip(),
        )
        return number
