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
) -> list[FieldProblem]:
    """Every problem of a draft new trial, each with the field it belongs to; empty when it can start."""
    require(actor, "create_trial")
    problems: list[FieldProblem] = []
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
) -> str:
    """Start a three-day trial from the wizard's entries (days 2 and 3 are planned ahead); returns its id."""
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
