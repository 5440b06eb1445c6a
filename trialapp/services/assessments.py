"""Bedside records: assessments (with R9 vital-sign alerts), adverse events, alert acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.records import AdverseEvent, Assessment
from trialapp.domain.vitals import VitalAlert, load_default_bands, vital_alerts
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.services.validation import find_day, validate_document, with_day
from trialapp.storage import models as m
from trialapp.storage import repositories as repo


@dataclass(frozen=True)
class SavedAssessment:
    assessment_id: int
    alerts: tuple[VitalAlert, ...]


def _day_row(trial: m.Trial, day_number: int) -> m.TrialDay:
    for day in trial.days:
        if day.day_number == day_number:
            return day
    raise InvalidInput(f"This trial has no day {day_number}. Add the day first.")


def record_assessment(
    app: App,
    actor: Actor,
    trial_id: str,
    day_number: int,
    assessment: Assessment,
    *,
    now: datetime | None = None,
) -> SavedAssessment:
    """Save one assessment (baseline or reassessment) in one audited transaction.

    The assessor defaults to the signed-in user. Vital signs are checked against the R9 bands for the
    child's age; alerts are stored with the assessment, urgent ones stay until acknowledged.
    """
    has_tone = bool(assessment.mas or assessment.tardieu or assessment.rom or assessment.function)
    if has_tone:
        require(actor, "record_assessment")
    else:
        require(actor, "record_vitals")
    if not assessment.assessor:
        assessment = replace(assessment, assessor=actor.display_name)
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        day = find_day(doc, day_number)
        changed = with_day(doc, replace(day, assessments=(*day.assessments, assessment)))
        assessment = find_day(validate_document(changed, what="assessment", now=now), day_number).assessments[
            -1
        ]
        row = repo.assessment_row(assessment, recorded_by=actor.label)
        _day_row(trial, day_number).assessments.append(row)
        s.flush()
        alerts = vital_alerts(
            assessment.vitals,
            assessment.sedation_umss,
            age_in_whole_months(doc.patient.birth_date, assessment.at.date()),
            load_default_bands(),
        )
        for alert in alerts:
            s.add(
                m.VitalAlertRecord(
                    trial_id=trial.id,
                    assessment_id=row.id,
                    code=alert.code,
                    level=alert.level,
                    message=alert.message,
                    raised_at=assessment.at,
                )
            )
        app.audit.record(
            s,
            actor=actor.label,
            action="insert",
            table="assessments",
            row_id=row.id,
            trial_id=trial.id,
            new={
                "day": day_number,
                "kind": assessment.kind,
                "at": assessment.at,
                "mas": len(assessment.mas),
                "alerts": [a.code for a in alerts],
            },
        )
        return SavedAssessment(row.id, alerts)


def record_adverse_event(
    app: App,
    actor: Actor,
    trial_id: str,
    day_number: int,
    event: AdverseEvent,
    *,
    now: datetime | None = None,
) -> int:
    """Record an adverse event on a trial day (R5 decides whether it is significant)."""
    require(actor, "record_adverse_event")
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        day = find_day(doc, day_number)
        changed = with_day(doc, replace(day, adverse_events=(*day.adverse_events, event)))
        event = find_day(
            validate_document(changed, what="adverse event", now=now), day_number
        ).adverse_events[-1]
        row = repo.adverse_event_row(event, recorded_by=actor.label)
        _day_row(trial, day_number).adverse_events.append(row)
        s.flush()
        app.audit.record(
            s,
            actor=actor.label,
            action="insert",
            table="adverse_events",
            row_id=row.id,
            trial_id=trial.id,
            new={"day": day_number, "kind": event.kind, "severity": event.severity, "at": event.at},
        )
        return row.id


@dataclass(frozen=True)
class AlertView:
    id: int
    code: str
    level: str
    message: str
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


def list_alerts(
    app: App, actor: Actor, trial_id: str, *, unacknowledged_only: bool = False
) -> list[AlertView]:
    require(actor, "view_trials")
    with app.db.read() as s:
        trial = repo.get_trial(s, trial_id, full=False)
        stmt = select(m.VitalAlertRecord).where(m.VitalAlertRecord.trial_id == trial.id)
        if unacknowledged_only:
            stmt = stmt.where(m.VitalAlertRecord.acknowledged_at.is_(None))
        rows = s.execute(stmt.order_by(m.VitalAlertRecord.raised_at, m.VitalAlertRecord.id)).scalars()
        return [
            AlertView(r.id, r.code, r.level, r.message, r.raised_at, r.acknowledged_by, r.acknowledged_at)
            for r in rows
        ]


def acknowledge_alert(app: App, actor: Actor, alert_id: int, *, now: datetime | None = None) -> None:
    """A clinician acknowledges an alert: who and when are recorded."""
    require(actor, "acknowledge_alert")
    now = now or datetime.now()
    with app.db.write() as s:
        row = s.get(m.VitalAlertRecord, alert_id)
        if row is None:
            raise InvalidInput(f"There is no alert {alert_id}.")
        if row.acknowledged_at is not None:
            return
        row.acknowledged_by = actor.display_name
        row.acknowledged_at = now
        app.audit.record(
            s,
            actor=actor.label,
            action="acknowledge",
            table="vital_alerts",
            row_id=row.id,
            trial_id=row.trial_id,
            new={"code": row.code, "level": row.level},
        )
