"""Mapping between the domain records (``trialapp.domain.records``) and the tables, plus the queries.

Reads load a whole trial in a fixed number of queries (select-in loading), never one query per row.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from trialapp.domain import records as r
from trialapp.storage import models as m
from trialapp.storage.errors import NotFound

_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed at the bedside


def new_public_id() -> str:
    return "T" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(7))


def patient_search_key(given: str | None, family: str | None, mrn: str) -> str:
    return " ".join(part for part in (given, family, mrn) if part).casefold()


# ---------------------------------------------------------------------------------------------- patients


def find_patient_by_mrn(session: Session, mrn: str) -> m.Patient | None:
    return session.execute(select(m.Patient).where(m.Patient.mrn == mrn)).scalar_one_or_none()


def patient_row(patient: r.Patient) -> m.Patient:
    return m.Patient(
        mrn=patient.mrn,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        sex=patient.sex,
        weight_kg=patient.weight_kg,
        height_cm=patient.height_cm,
        gmfcs_level=patient.gmfcs_level,
        diagnosis=patient.diagnosis,
        tone_pattern=patient.tone_pattern,
        allergies=list(patient.allergies),
        language=patient.language,
        search_key=patient_search_key(patient.given_name, patient.family_name, patient.mrn),
    )


def patient_record(row: m.Patient) -> r.Patient:
    return r.Patient(
        mrn=row.mrn,
        birth_date=row.birth_date,
        given_name=row.given_name,
        family_name=row.family_name,
        sex=row.sex,
        weight_kg=row.weight_kg,
        height_cm=row.height_cm,
        gmfcs_level=row.gmfcs_level,
        diagnosis=row.diagnosis,
        tone_pattern=row.tone_pattern,
        allergies=tuple(row.allergies or ()),
        language=row.language,
    )


# ------------------------------------------------------------------------------------------------ trials


def assessment_row(a: r.Assessment, *, recorded_by: str | None = None) -> m.Assessment:
    fn = a.function
    v = a.vitals
    return m.Assessment(
        kind=a.kind,
        at=a.at,
        assessor=a.assessor,
        has_function=fn is not None,
        fms_5m=fn.fms_5m if fn else None,
        fms_50m=fn.fms_50m if fn else None,
        fms_500m=fn.fms_500m if fn else None,
        ten_m_walk_s=fn.ten_m_walk_s if fn else None,
        tug_s=fn.tug_s if fn else None,
        six_min_walk_m=fn.six_min_walk_m if fn else None,
        gait_notes=fn.gait_notes if fn else None,
        penn_frequency=a.penn_frequency,
        penn_severity=a.penn_severity,
        pain_scale=a.pain.scale if a.pain else None,
        pain_score=a.pain.score if a.pain else None,
        sedation_umss=a.sedation_umss,
        has_vitals=v is not None,
        hr=v.hr if v else None,
        rr=v.rr if v else None,
        spo2=v.spo2 if v else None,
        sbp=v.sbp if v else None,
        dbp=v.dbp if v else None,
        temp_c=v.temp_c if v else None,
        notes=a.notes,
        recorded_by=recorded_by,
        recorded_at=datetime.now(),
        mas=[
            m.MasGrade(position=i, muscle=x.muscle, side=x.side, grade=x.grade) for i, x in enumerate(a.mas)
        ],
        tardieu=[
            m.TardieuMeasure(
                position=i, muscle=x.muscle, side=x.side, r1_deg=x.r1_deg, r2_deg=x.r2_deg, quality=x.quality
            )
            for i, x in enumerate(a.tardieu)
        ],
        rom=[
            m.RomMeasure(position=i, measure=x.measure, side=x.side, deg=x.deg) for i, x in enumerate(a.rom)
        ],
        goal_scores=[m.GoalScore(position=i, goal_code=x.id, gas=x.gas) for i, x in enumerate(a.goals)],
    )


def dose_row(d: r.Dose) -> m.DoseRecord:
    return m.DoseRecord(
        given_at=d.given_at,
        dose_mcg=d.dose_mcg,
        concentration_mcg_per_ml=d.concentration_mcg_per_ml,
        volume_ml=d.volume_ml,
        via=d.via,
        lot=d.lot,
        given_by=d.given_by,
        checked_by=d.checked_by,
        warnings=[
            m.DoseWarning(position=i, code=w.code, reason=w.reason, by=w.by)
            for i, w in enumerate(d.warnings_acknowledged)
        ],
    )


def adverse_event_row(e: r.AdverseEvent, *, recorded_by: str | None = None) -> m.AdverseEventRecord:
    return m.AdverseEventRecord(
        at=e.at, kind=e.kind, severity=e.severity, notes=e.notes, action=e.action, recorded_by=recorded_by
    )


def plan_row(p: r.DayPlan, suggested_dose_mcg: int | None = None) -> m.DayPlanRecord:
    return m.DayPlanRecord(
        next_dose_mcg=p.next_dose_mcg,
        suggested_dose_mcg=suggested_dose_mcg,
        decided_by=list(p.decided_by),
        reason=p.reason,
        notes=p.notes,
    )


def decision_row(d: r.Decision) -> m.Decision:
    return m.Decision(
        outcome=d.outcome,
        decided_at=d.decided_at,
        decided_by=d.decided_by,
        rationale=d.rationale,
        initial_daily_dose_mcg=d.initial_daily_dose_mcg,
    )


def day_row(day: r.Day) -> m.TrialDay:
    return m.TrialDay(
        day_number=day.day,
        date=day.date,
        assessments=[assessment_row(a) for a in day.assessments],
        doses=[dose_row(d) for d in day.doses],
        adverse_events=[adverse_event_row(e) for e in day.adverse_events],
        plan=plan_row(day.plan) if day.plan is not None else None,
    )


def trial_row(trial: r.Trial, patient: m.Patient, public_id: str | None = None) -> m.Trial:
    s = trial.settings
    return m.Trial(
        public_id=public_id or new_public_id(),
        patient=patient,
        started_on=trial.started_on,
        state="completed"
        if trial.decision is not None and trial.decision.outcome != "undecided"
        else "active",
        mode=s.mode,
        ladder=s.ladder,
        mas_coding=s.mas_coding,
        region=s.region,
        threshold=s.threshold,
        schedule_hours=list(s.schedule_hours),
        max_dose_mcg=s.max_dose_mcg,
        late_after_minutes=s.late_after_minutes,
        catheter_placed_at=trial.catheter.placed_at,
        catheter_method=trial.catheter.method,
        catheter_level=trial.catheter.level,
        created_at=datetime.now(),
        goals=[
            m.Goal(code=g.id, position=i, text=g.text, baseline_gas=g.baseline_gas)
            for i, g in enumerate(trial.goals)
        ],
        days=[day_row(d) for d in trial.days],
        decision=decision_row(trial.decision) if trial.decision is not None else None,
    )


def _number(value: float | None) -> float | int | None:
    """Give back whole numbers as int so that an export shows 20, not 20.0, for what was entered as 20."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def assessment_record(a: m.Assessment) -> r.Assessment:
    return r.Assessment(
        kind=a.kind,
        at=a.at,
        assessor=a.assessor,
        mas=tuple(r.MasEntry(x.muscle, x.side, x.grade) for x in a.mas),
        tardieu=tuple(
            r.TardieuEntry(x.muscle, x.side, _number(x.r1_deg), _number(x.r2_deg), x.quality)
            for x in a.tardieu
        ),
        rom=tuple(r.RomEntry(x.measure, x.side, _number(x.deg)) for x in a.rom),  # type: ignore[arg-type]
        function=(
            r.Function(
                a.fms_5m,
                a.fms_50m,
                a.fms_500m,
                _number(a.ten_m_walk_s),
                _number(a.tug_s),
                _number(a.six_min_walk_m),
                a.gait_notes,
            )
            if a.has_function
            else None
        ),
        penn_frequency=a.penn_frequency,
        penn_severity=a.penn_severity,
        pain=r.Pain(a.pain_scale, a.pain_score)
        if a.pain_scale is not None and a.pain_score is not None
        else None,
        sedation_umss=a.sedation_umss,
        vitals=(
            r.Vitals(
                _number(a.hr),
                _number(a.rr),
                _number(a.spo2),
                _number(a.sbp),
                _number(a.dbp),
                _number(a.temp_c),
            )
            if a.has_vitals
            else None
        ),
        goals=tuple(r.GoalScore(x.goal_code, x.gas) for x in a.goal_scores),
        notes=a.notes,
    )


def dose_record(d: m.DoseRecord) -> r.Dose:
    return r.Dose(
        given_at=d.given_at,
        dose_mcg=d.dose_mcg,
        concentration_mcg_per_ml=d.concentration_mcg_per_ml,
        volume_ml=d.volume_ml,
        via=d.via,
        lot=d.lot,
        given_by=d.given_by,
        checked_by=d.checked_by,
        warnings_acknowledged=tuple(r.AcknowledgedWarning(w.code, w.reason, w.by) for w in d.warnings),
    )


def day_record(d: m.TrialDay) -> r.Day:
    return r.Day(
        day=d.day_number,
        date=d.date,
        assessments=tuple(assessment_record(a) for a in d.assessments),
        doses=tuple(dose_record(x) for x in d.doses),
        adverse_events=tuple(
            r.AdverseEvent(e.at, e.kind, e.severity, e.notes, e.action) for e in d.adverse_events
        ),
        plan=(
            r.DayPlan(d.plan.next_dose_mcg, tuple(d.plan.decided_by or ()), d.plan.reason, d.plan.notes)
            if d.plan is not None
            else None
        ),
    )


def settings_record(t: m.Trial) -> r.ProtocolSettings:
    return r.ProtocolSettings(
        mode=t.mode,
        ladder=t.ladder,
        mas_coding=t.mas_coding,
        region=t.region,
        threshold=t.threshold,
        schedule_hours=tuple(_number(h) or 0 for h in t.schedule_hours),
        max_dose_mcg=t.max_dose_mcg,
        late_after_minutes=t.late_after_minutes,
    )


def trial_record(t: m.Trial) -> r.Trial:
    dec = t.decision
    return r.Trial(
        started_on=t.started_on,
        catheter=r.Catheter(t.catheter_placed_at, t.catheter_method, t.catheter_level),
        settings=settings_record(t),
        goals=tuple(r.Goal(g.code, g.text, g.baseline_gas) for g in t.goals),
        days=tuple(day_record(d) for d in t.days),
        decision=(
            r.Decision(dec.outcome, dec.decided_at, dec.decided_by, dec.rationale, dec.initial_daily_dose_mcg)
            if dec is not None
            else None
        ),
    )


def document_record(t: m.Trial) -> r.TrialDocument:
    return r.TrialDocument(patient=patient_record(t.patient), trial=trial_record(t))


_TRIAL_LOAD = (
    selectinload(m.Trial.patient),
    selectinload(m.Trial.goals),
    selectinload(m.Trial.decision),
    selectinload(m.Trial.days).selectinload(m.TrialDay.assessments).selectinload(m.Assessment.mas),
    selectinload(m.Trial.days).selectinload(m.TrialDay.assessments).selectinload(m.Assessment.tardieu),
    selectinload(m.Trial.days).selectinload(m.TrialDay.assessments).selectinload(m.Assessment.rom),
    selectinload(m.Trial.days).selectinload(m.TrialDay.assessments).selectinload(m.Assessment.goal_scores),
    selectinload(m.Trial.days).selectinload(m.TrialDay.doses).selectinload(m.DoseRecord.warnings),
    selectinload(m.Trial.days).selectinload(m.TrialDay.adverse_events),
    selectinload(m.Trial.days).selectinload(m.TrialDay.plan),
)


def trial_exists(session: Session, public_id: str) -> bool:
    return session.execute(select(m.Trial.id).where(m.Trial.public_id == public_id)).first() is not None


def get_trial(session: Session, public_id: str, *, full: bool = True) -> m.Trial:
    """The trial with this id (case-insensitive), with all its records loaded when ``full``."""
    stmt = select(m.Trial).where(m.Trial.public_id == public_id.strip().upper())
    if full:
        stmt = stmt.options(*_TRIAL_LOAD)
    trial = session.execute(stmt).scalar_one_or_none()
    if trial is None:
        raise NotFound(
            f"There is no trial with id '{public_id}'. 'trialapp list' shows the trials and their ids."
        )
    return trial


@dataclass(frozen=True)
class TrialListing:
    trial_id: str
    state: str
    started_on: date
    days: int
    mrn: str
    given_name: str | None
    family_name: str | None
    birth_date: date
    outcome: str | None


def list_trials(
    session: Session, *, search: str | None = None, state: str | None = None, limit: int | None = None
) -> list[TrialListing]:
    """Patients with their trials, newest first; optional search by name or MRN (case-insensitive)."""
    days = (
        select(m.TrialDay.trial_id, func.count(m.TrialDay.id).label("n"))
        .group_by(m.TrialDay.trial_id)
        .subquery()
    )
    stmt = (
        select(m.Trial, m.Patient, days.c.n, m.Decision.outcome)
        .join(m.Patient, m.Trial.patient_id == m.Patient.id)
        .outerjoin(days, days.c.trial_id == m.Trial.id)
        .outerjoin(m.Decision, m.Decision.trial_id == m.Trial.id)
        .order_by(m.Trial.started_on.desc(), m.Trial.id.desc())
    )
    if search:
        needle = search.strip().casefold()
        stmt = stmt.where(or_(m.Patient.search_key.contains(needle, autoescape=True)))
    if state:
        stmt = stmt.where(m.Trial.state == state)
    if limit:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    return [
        TrialListing(
            trial_id=t.public_id,
            state=t.state,
            started_on=t.started_on,
            days=n or 0,
            mrn=p.mrn,
            given_name=p.given_name,
            family_name=p.family_name,
            birth_date=p.birth_date,
            outcome=outcome,
        )
        for t, p, n, outcome in rows
    ]


def trial_ids(session: Session) -> Sequence[str]:
    return session.execute(select(m.Trial.public_id).order_by(m.Trial.id)).scalars().all()
