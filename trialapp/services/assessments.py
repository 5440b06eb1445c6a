"""Bedside records: assessments (with R9 vital-sign alerts), adverse events, alert acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.records import AdverseEvent, Assessment
from trialapp.domain.validation import TrialContext, recorded_day_count
from trialapp.domain.vitals import VitalAlert, vital_alerts
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.services.validation import (
    find_day,
    no_such_day,
    validate_document,
    validate_new_assessment,
    with_day,
)
from trialapp.services.vital_limits import VITAL_LIMITS, bands_from_stored
from trialapp.storage import assessment_writes as writes
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit_actions import AuditAction


@dataclass(frozen=True)
class SavedAssessment:
    assessment_id: int
    alerts: tuple[VitalAlert, ...]


def _day_row(trial: m.TrialRow, day_number: int) -> m.TrialDay:
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

    The assessment is validated in its place with the rules the whole trial document applies to it
    (``validation.validate_new_assessment``), reading only the trial's context, and written with Core
    statements: a bedside save does not reload the trial.
    """
    has_tone = bool(assessment.mas or assessment.tardieu or assessment.rom or assessment.function)
    if not assessment.assessor:
        assessment = replace(assessment, assessor=actor.display_name)
    with app.db.write_connection() as conn:
        require(actor, "record_assessment" if has_tone else "record_vitals", within=conn)
        context = writes.load_assessment_context(conn, trial_id)
        assessment = validate_new_assessment(assessment, _place(context, day_number, now), now=now)
        day_id = next(d.id for d in context.days if d.number == day_number)
        assessment_id = writes.insert_assessment(
            conn, day_id, assessment, recorded_by=actor.label, recorded_at=datetime.now()
        )
        alerts = vital_alerts(
            assessment.vitals,
            assessment.sedation_umss,
            age_in_whole_months(context.birth_date, assessment.at.date()),
            bands_from_stored(writes.setting_value(conn, VITAL_LIMITS)),  # the site's R9 limits in force
        )
        writes.insert_vital_alerts(conn, context.trial_pk, assessment_id, alerts, assessment.at)
        app.audit.append(
            conn,
            actor=actor.label,
            action=AuditAction.INSERT,
            table="assessments",
            row_id=assessment_id,
            trial_id=context.trial_pk,
            new={
                "day": day_number,
                "kind": assessment.kind,
                "at": assessment.at,
                "mas": len(assessment.mas),
                "alerts": [a.code for a in alerts],
            },
        )
        return SavedAssessment(assessment_id, alerts)


def _place(context: writes.AssessmentContext, day_number: int, now: datetime | None) -> TrialContext:
    """Where the new assessment goes: its day (or the error ``find_day`` gives), its position, and the
    planned days it turns into recorded ones."""
    days = context.days
    index = next((i for i, d in enumerate(days) if d.number == day_number), None)
    if index is None:
        raise no_such_day(day_number, [d.number for d in days])
    before = recorded_day_count([(d.date, d.has_records) for d in days], now)
    after = recorded_day_count([(d.date, d.has_records or i == index) for i, d in enumerate(days)], now)
    return TrialContext(
        day_index=index,
        day_date=days[index].date,
        index=days[index].assessments,
        placed_at=context.placed_at,
        goal_ids=frozenset(context.goal_codes),
        newly_recorded_days=tuple((i, days[i].date) for i in range(before, after)),
    )


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
            action=AuditAction.INSERT,
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
            action=AuditAction.ACKNOWLEDGE,
            table="vital_alerts",
            row_id=row.id,
            trial_id=row.trial_id,
            new={"code": row.code, "level": row.level},
        )
