"""What the new-trial wizard needs besides ``trials.start_trial``: patients on file, and the problems of a
draft trial field by field (so that each message can sit next to its field).

The checks are the same as ``start_trial``'s (the record rules of
``domain.validation``, and the MRN/birth-date rule),
so a draft that passes here is accepted by ``start_trial``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from trialapp.domain import validation
from trialapp.domain.records import Catheter, Day, Goal, Patient, ProtocolSettings, Trial, TrialDocument
from trialapp.domain.vocabulary import MAX_GOALS as MAX_GOALS  # the wizard's forms read it here
from trialapp.services import trials
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.storage import models as m
from trialapp.storage import repositories as repo

TRIAL_DAYS = 3
# The record rules speak to file authors too ("'mrn' is required here: add it, e.g. ..."); a form says it plainly.
_REQUIRED = re.compile(r"^'[^']+' is required here.*$")


@dataclass(frozen=True)
class FieldProblem:
    """``field`` is where the problem is, as a path like ``patient.mrn``, ``trial.catheter.placed_at``
    or ``trial.goals[1].text`` (empty when it concerns the whole trial); ``message`` says what to do."""

    field: str
    message: str


@dataclass(frozen=True)
class NewPatientAnswers:
    """What the wizard knows about a new patient beyond the record: whether the birth date was typed in
    (a date field always holds some date), and the allergy answer (see :func:`required_patient_problems`)."""

    birth_date_entered: bool
    allergy_answer: str | None


def find_patients(app: App, actor: Actor, search: str, *, limit: int = 20) -> list[Patient]:
    """Patients on file whose name or MRN contains ``search`` (case-insensitive), by family name."""
    require(actor, "view_trials")
    needle = search.strip().casefold()
    with app.db.read() as s:
        stmt = (
            select(m.PatientRow)
            .order_by(m.PatientRow.family_name, m.PatientRow.given_name, m.PatientRow.mrn)
            .limit(limit)
        )
        if needle:
            stmt = stmt.where(m.PatientRow.search_key.contains(needle, autoescape=True))
        return [repo.patient_to_record(repo.columns(p)) for p in s.execute(stmt).scalars()]


def draft_document(
    patient: Patient,
    *,
    started_on: date,
    catheter: Catheter,
    settings: ProtocolSettings,
    goals: tuple[Goal, ...],
    days: int = 3,
) -> TrialDocument:
    """The trial ``start_trial`` would create from these entries."""
    trial = Trial(
        started_on=started_on,
        catheter=catheter,
        settings=settings,
        goals=goals,
        days=tuple(Day(day=i + 1, date=started_on + timedelta(days=i)) for i in range(days)),
    )
    return TrialDocument(patient=patient, trial=trial)


ALLERGY_ANSWERS = ("none_known", "listed")
def required_patient_problems(
    patient: Patient, *, birth_date_entered: bool, allergy_answer: str | None
) -> list[FieldProblem]:
    """What a new patient must have before a trial starts (issue 17): given and family name, a birth date
    typed in (it sets the age band, the ladder and the vital-sign limits), sex, weight, and an explicit
    allergy answer — ``allergy_answer`` is "none_known" (no known allergies) or "listed" (and then
    ``patient.allergies`` is not empty); ``None`` means the question was not answered."""
    problems: list[FieldProblem] = []
    if not (patient.given_name or "").strip():
        problems.append(FieldProblem("patient.given_name", "Type the patient's given name."))
    if not (patient.family_name or "").strip():
        problems.append(FieldProblem("patient.family_name", "Type the patient's family name."))
    if not birth_date_entered:
        problems.append(
            FieldProblem(
                "patient.birth_date",
                "Type the birth date: it sets the age band, the dose ladder and the vital-sign limits.",
            )
        )
    if patient.sex is None:
        problems.append(FieldProblem("patient.sex", "Choose the sex (unknown is an answer too)."))
    if patient.weight_kg is None:
        problems.append(FieldProblem("patient.weight_kg", "Type the weight in kg: the dose checks need it."))
    if allergy_answer not in ALLERGY_ANSWERS:
        problems.append(
            FieldProblem(
                "patient.allergies", "Answer the allergy question: No known allergies, or list them."
            )
        )
    elif allergy_answer == "listed" and not patient.allergies:
        problems.append(
            FieldProblem("patient.allergies", "List the allergies, or choose No known allergies.")
        )
    elif allergy_answer == "none_known" and patient.allergies:
        problems.append(
            FieldProblem(
                "patient.allergies",
                "No known allergies was chosen but allergies are listed: choose one answer.",
            )
        )
    return problems


def check_new_trial(
    app: App,
    actor: Actor,
    patient: Patient,
    *,
    started_on: date,
    catheter: Catheter,
    settings: ProtocolSettings,
    goals: tuple[Goal, ...] = (),
    now: datetime | None = None,
    new_patient: NewPatientAnswers | None = None,
) -> list[FieldProblem]:
    """Every problem of a draft new trial, each with the field it belongs to; empty when it can start.

    ``new_patient`` (the wizard's answers for a patient typed in, not picked from those on file) adds
    :func:`required_patient_problems`."""
    require(actor, "create_trial")
    problems: list[FieldProblem] = []
    if new_patient is not None:
        problems += required_patient_problems(
            patient,
            birth_date_entered=new_patient.birth_date_entered,
            allergy_answer=new_patient.allergy_answer,
        )
    if len(goals) > MAX_GOALS:
        problems.append(
            FieldProblem("trial.goals", f"Up to {MAX_GOALS} family goals: remove {len(goals) - MAX_GOALS}.")
        )
    doc = draft_document(patient, started_on=started_on, catheter=catheter, settings=settings, goals=goals)
    try:
        validation.validate_document(doc, now=now)  # days 2-3 are planned ahead, not records yet
    except validation.RecordsInvalid as exc:
        problems.extend(
            FieldProblem(p.path.removeprefix("$").removeprefix("."), _plain(p.message)) for p in exc.problems
        )
    if patient.mrn.strip():
        with app.db.read() as s:
            row = repo.find_patient_by_mrn(s, patient.mrn.strip())
            if row is not None and row.birth_date != patient.birth_date:
                problems.append(
                    FieldProblem(
                        "patient.birth_date",
                        f"MRN {patient.mrn} is on file with the birth date {row.birth_date:%d %b %Y}. Check the MRN "
                        "and the birth date, or pick the patient from the list.",
                    )
                )
    return problems


def _plain(message: str) -> str:
    if _REQUIRED.match(message):
        return "This is required: fill it in."
    return message[:1].upper() + message[1:]


def start_new_trial(
    app: App,
    actor: Actor,
    patient: Patient,
    *,
    started_on: date,
    catheter: Catheter,
    settings: ProtocolSettings,
    goals: tuple[Goal, ...] = (),
    now: datetime | None = None,
    new_patient: NewPatientAnswers | None = None,
) -> str:
    """Start a three-day trial from the wizard's entries (days 2 and 3 are planned ahead); returns its id.

    With ``new_patient``, a patient missing what :func:`required_patient_problems` asks for is refused."""
    if new_patient is not None:
        missing = required_patient_problems(
            patient,
            birth_date_entered=new_patient.birth_date_entered,
            allergy_answer=new_patient.allergy_answer,
        )
        if missing:
            raise InvalidInput("The new patient is not complete:", [p.message for p in missing])
    return trials.start_trial(
        app,
        actor,
        patient,
        started_on=started_on,
        catheter=catheter,
        settings=settings,
        goals=goals,
        days=TRIAL_DAYS,
        now=now,
    )
