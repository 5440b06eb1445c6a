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
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit import chain_head
from trialapp.storage.audit_actions import AuditAction

# Imported where used: validation, the interchange writer and the patient comparison serve imports, exports and
# new trials; ``trialapp summary`` (a whole process on a budget, issue 22) needs none of them.


def import_document(app: App, actor: Actor, doc: TrialDocument, *, update_patient: bool = False) -> str:
    """Write a validated trial document in one transaction and return the new trial's id.

    Interchange revision 2: a trial for an MRN already on file attaches to that patient when the file's
    patient agrees with the stored one; any difference (names, birth date, sex, weight, height, allergies,
    diagnosis, language) refuses the import, listing each, unless ``update_patient`` takes the file's values
    as a correction (audited field by field, old and new). A trial already on file (same patient, same start
    date, same first dose time) is refused, naming its id. Nothing is written by a refused import.
    """
    from trialapp.interchange.trial_json_export import dumps_trial_document

    require(actor, "import_trial")
    digest = hashlib.sha256(dumps_trial_document(doc).encode("utf-8")).hexdigest()
    with app.db.write() as s:
        trial = _add_trial(s, app, actor, doc, source="import", update_patient=update_patient)
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


def _add_trial(
    s: Session, app: App, actor: Actor, doc: TrialDocument, *, source: str, update_patient: bool = False
) -> m.TrialRow:
    """Add the document's trial under its patient: a new patient when the MRN is new. An import attaches to
    the MRN's patient when it agrees with the document's (or ``update_patient`` corrects it), refused
    otherwise or when the trial is already on file; a bedside trial, when the birth date matches."""
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
    elif source == "import":
        # The patient first (another child, or a typo, matters more); a refusal after a correction rolls
        # the correction back with the rest.
        _reconcile_patient(s, app, actor, patient, doc.patient, update_patient=update_patient)
        _refuse_a_trial_on_file(s, patient, doc)
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


def _first_dose_at(trial: Trial) -> datetime | None:
    times = [dose.given_at for day in trial.days for dose in day.doses]
    return min(times, key=lambda t: (t.tzinfo is not None, t.replace(tzinfo=None))) if times else None


def _refuse_a_trial_on_file(s: Session, patient: m.PatientRow, doc: TrialDocument) -> None:
    """Interchange revision 2: the same trial (same patient, start date and first dose time) is on file."""
    first = _first_dose_at(doc.trial)
    for row in patient.trials:
        if row.started_on != doc.trial.started_on:
            continue
        stored = repo.load_document(s, row.public_id).document.trial
        if _first_dose_at(stored) == first:
            dose = f", first dose {first:%d %b %Y %H:%M}" if first is not None else ", no dose"
            raise InvalidInput(
                f"This trial is already on file as trial {row.public_id} (MRN {patient.mrn}, started "
                f"{doc.trial.started_on:%d %b %Y}{dose}). Nothing was imported; open trial {row.public_id} "
                "instead."
            )


def _reconcile_patient(
    s: Session, app: App, actor: Actor, patient: m.PatientRow, incoming: Patient, *, update_patient: bool
) -> None:
    """The file's patient against the stored one: refused listing each difference, or (``update_patient``)
    the stored patient corrected to the file's values, one audit row per field with old and new."""
    from trialapp.domain.patient_changes import patient_differences

    differences = patient_differences(repo.patient_to_record(repo.columns(patient)), incoming)
    if not differences:
        return
    if not update_patient:
        lines = "\n".join(f"- {d}" for d in differences)
        raise InvalidInput(
            f"MRN {incoming.mrn} is already on file, and the patient in this file differs from the stored "
            f"one:\n{lines}\nNothing was imported. Check that this is the same child; if the file is right, "
            "import it again with --update-patient to correct the stored patient (the change is audited)."
        )
    changes: dict[str, tuple[Any, Any]] = {}
    for d in differences:
        new = list(incoming.allergies) if d.field == "allergies" else getattr(incoming, d.field)
        setattr(patient, d.field, new)
        changes[d.field] = (_audit_value(d.on_file), _audit_value(d.in_file))
    patient.search_key = repo.patient_search_key(patient.given_name, patient.family_name, patient.mrn)
    s.flush()
    app.audit.record_changes(
        s,
        actor=actor.label,
        table="patients",
        row_id=patient.id,
        changes=changes,
        reason="import --update-patient: the imported file's patient data taken as a correction",
    )


def _audit_value(value: object) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


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
    from trialapp.interchange.trial_json_export import document_to_json

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
    from trialapp.services.validation import validate_document

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
