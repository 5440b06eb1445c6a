"""Mapping between the domain records (``trialapp.domain.records``) and the tables, plus the queries.

Reads load a whole trial in a fixed number of queries (select-in loading), never one query per row.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, bindparam, func, literal_column, select
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


def find_patient_by_mrn(session: Session, mrn: str) -> m.PatientRow | None:
    return session.execute(select(m.PatientRow).where(m.PatientRow.mrn == mrn)).scalar_one_or_none()


def patient_row(patient: r.Patient) -> m.PatientRow:
    return m.PatientRow(
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


def patient_record(row: m.PatientRow) -> r.Patient:
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


def assessment_columns(a: r.Assessment, *, recorded_by: str | None, recorded_at: datetime) -> dict[str, Any]:
    """The ``assessments`` row of an assessment (without its id and day), for the ORM and Core writers."""
    fn = a.function
    v = a.vitals
    return dict(
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
        recorded_at=recorded_at,
    )


def assessment_row(a: r.Assessment, *, recorded_by: str | None = None) -> m.AssessmentRow:
    return m.AssessmentRow(
        **assessment_columns(a, recorded_by=recorded_by, recorded_at=datetime.now()),
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
        goal_scores=[m.GoalScoreRow(position=i, goal_code=x.id, gas=x.gas) for i, x in enumerate(a.goals)],
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


def decision_row(d: r.Decision) -> m.DecisionRow:
    return m.DecisionRow(
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


def trial_row(trial: r.Trial, patient: m.PatientRow, public_id: str | None = None) -> m.TrialRow:
    s = trial.settings
    return m.TrialRow(
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
            m.GoalRow(code=g.id, position=i, text=g.text, baseline_gas=g.baseline_gas)
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


def assessment_record(a: m.AssessmentRow) -> r.Assessment:
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


def settings_record(t: m.TrialRow) -> r.ProtocolSettings:
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


def trial_record(t: m.TrialRow) -> r.Trial:
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


def document_record(t: m.TrialRow) -> r.TrialDocument:
    return r.TrialDocument(patient=patient_record(t.patient), trial=trial_record(t))


_TRIAL_LOAD = (
    selectinload(m.TrialRow.patient),
    selectinload(m.TrialRow.goals),
    selectinload(m.TrialRow.decision),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.assessments).selectinload(m.AssessmentRow.mas),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.assessments).selectinload(m.AssessmentRow.tardieu),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.assessments).selectinload(m.AssessmentRow.rom),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.assessments).selectinload(m.AssessmentRow.goal_scores),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.doses).selectinload(m.DoseRecord.warnings),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.adverse_events),
    selectinload(m.TrialRow.days).selectinload(m.TrialDay.plan),
)


def trial_exists(session: Session, public_id: str) -> bool:
    return session.execute(select(m.TrialRow.id).where(m.TrialRow.public_id == public_id)).first() is not None


def get_trial(session: Session, public_id: str, *, full: bool = True) -> m.TrialRow:
    """The trial with this id (case-insensitive), with all its records loaded when ``full``."""
    stmt = select(m.TrialRow).where(m.TrialRow.public_id == public_id.strip().upper())
    if full:
        stmt = stmt.options(*_TRIAL_LOAD)
    trial = session.execute(stmt).scalar_one_or_none()
    if trial is None:
        raise NotFound(
            f"There is no trial with id '{public_id}'. 'trialapp list' shows the trials and their ids."
        )
    return trial


# Up to this many matching patients, a search fetches their trials by patient and sorts them; beyond, it
# walks the whole list newest first until a page is full. The first costs about one index look-up per
# matching patient's trial, the second about (page size x patients / matching patients) rows walked: with
# a page of 200 and 20,000 patients they cost about the same near 600 (measured with benchmarks/run.py).
FEW_PATIENTS = 600


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
    """Patients with their trials, newest first; optional search by name or MRN (case-insensitive).

    Plain columns (no ORM objects). Without a search, the trials are walked newest first along
    ``ix_trials_listing`` and the walk stops after ``limit`` rows. A search first collects the matching
    patients (one pass over ``ix_patients_search_key``, stopping after ``FEW_PATIENTS + 1``): for a few
    patients (a rare name, a record number) their trials are found through ``ix_trials_patient_id``, sorted,
    and only the page is read in full; for many, the walk tests each trial's patient instead (matches are
    then dense, so the walk is short).
    """
    days = (
        select(func.count(m.TrialDay.id))
        .where(m.TrialDay.trial_id == m.TrialRow.id)
        .correlate(m.TrialRow)
        .scalar_subquery()
    )
    newest_first = (m.TrialRow.started_on.desc(), m.TrialRow.id.desc())
    # The state is tested as an expression ("state || ''"), which no index serves: otherwise SQLite picks
    # ix_trials_state and sorts every trial in that state (all completed trials: ~0.1 s on 25,000), where
    # walking ix_trials_listing, which holds the state too, stops after a page.
    in_state = m.TrialRow.state.concat("") == state
    params: dict[str, Any] = {}
    stmt = (
        select(
            m.TrialRow.public_id,
            m.TrialRow.state,
            m.TrialRow.started_on,
            days,
            m.PatientRow.mrn,
            m.PatientRow.given_name,
            m.PatientRow.family_name,
            m.PatientRow.birth_date,
            m.DecisionRow.outcome,
        )
        .join(m.PatientRow, m.TrialRow.patient_id == m.PatientRow.id)
        .outerjoin(m.DecisionRow, m.DecisionRow.trial_id == m.TrialRow.id)
        .order_by(*newest_first)
    )
    if search:
        needle = search.strip().casefold()
        matching = select(m.PatientRow.id).where(m.PatientRow.search_key.contains(needle, autoescape=True))
        found = session.connection().execute(matching.limit(FEW_PATIENTS + 1)).scalars().all()
        if not found:
            return []
        if len(found) <= FEW_PATIENTS:
            # Sort the matching patients' trials by their ids and dates alone, then read the page in full.
            ids, params = _id_list(session, found)
            page = select(m.TrialRow.id).where(m.TrialRow.patient_id.in_(ids)).order_by(*newest_first)
            if state:
                page = page.where(in_state)
            if limit:
                page = page.limit(limit)
            stmt = stmt.where(m.TrialRow.id.in_(page.scalar_subquery()))
        else:
            stmt = stmt.where(m.PatientRow.search_key.contains(needle, autoescape=True))
    if state:
        stmt = stmt.where(in_state)
    if limit:
        stmt = stmt.limit(limit)
    rows = session.connection().execute(stmt, params).all()  # plain rows: no ORM objects for a list
    return [
        TrialListing(
            trial_id=public_id,
            state=trial_state,
            started_on=started_on,
            days=n or 0,
            mrn=mrn,
            given_name=given,
            family_name=family,
            birth_date=born,
            outcome=outcome,
        )
        for public_id, trial_state, started_on, n, mrn, given, family, born, outcome in rows
    ]


def _id_list(session: Session, ids: Sequence[int]) -> tuple[Any, dict[str, Any]]:
    """``ids`` for an IN test, and the parameters to execute it with: on SQLite one JSON parameter read by
    ``json_each``, so that the statement is the same whatever the number of ids (compiled once, no
    hundreds of parameters to render and bind at each keystroke); elsewhere the ids themselves."""
    if session.get_bind().dialect.name == "sqlite":
        values: Any = select(literal_column("value"))
        values = values.select_from(func.json_each(bindparam("ids", type_=String)))
        return values, {"ids": json.dumps(list(ids))}
    return list(ids), {}


def trial_ids(session: Session) -> Sequence[str]:
    return session.execute(select(m.TrialRow.public_id).order_by(m.TrialRow.id)).scalars().all()


# ------------------------------------------------------------------------------- fast whole-trial read


def load_document(session: Session, public_id: str) -> tuple[int, str, str, r.TrialDocument]:
    """(row id, public id, state, the whole trial as domain records) in 12 plain queries, no ORM objects.

    Reads the same rows as ``document_record(get_trial(...))`` and builds the same records.
    """
    conn = session.connection()
    t, p, dc = m.TrialRow.__table__, m.PatientRow.__table__, m.DecisionRow.__table__
    d, a = m.TrialDay.__table__, m.AssessmentRow.__table__
    head = (
        conn.execute(
            select(
                t,
                *[c.label(f"p_{c.name}") for c in p.c],
                *[c.label(f"d_{c.name}") for c in dc.c],
            )
            .select_from(t.join(p, p.c.id == t.c.patient_id).outerjoin(dc, dc.c.trial_id == t.c.id))
            .where(t.c.public_id == public_id.strip().upper())
        )
        .mappings()
        .one_or_none()
    )
    if head is None:
        raise NotFound(
            f"There is no trial with id '{public_id}'. 'trialapp list' shows the trials and their ids."
        )
    tid = head["id"]
    goals = (
        conn.execute(
            select(m.GoalRow.__table__)
            .where(m.GoalRow.__table__.c.trial_id == tid)
            .order_by(m.GoalRow.__table__.c.position)
        )
        .mappings()
        .all()
    )
    days = conn.execute(select(d).where(d.c.trial_id == tid).order_by(d.c.day_number)).mappings().all()
    in_trial = d.c.trial_id == tid
    assessments = (
        conn.execute(
            select(a).select_from(a.join(d, d.c.id == a.c.day_id)).where(in_trial).order_by(a.c.at, a.c.id)
        )
        .mappings()
        .all()
    )

    def children(table: Any) -> dict[int, list[Any]]:
        rows = (
            conn.execute(
                select(table)
                .select_from(table.join(a, a.c.id == table.c.assessment_id).join(d, d.c.id == a.c.day_id))
                .where(in_trial)
                .order_by(table.c.assessment_id, table.c.position)
            )
            .mappings()
            .all()
        )
        out: dict[int, list[Any]] = {}
        for row in rows:
            out.setdefault(row["assessment_id"], []).append(row)
        return out

    mas = children(m.MasGrade.__table__)
    tardieu = children(m.TardieuMeasure.__table__)
    rom = children(m.RomMeasure.__table__)
    scores = children(m.GoalScoreRow.__table__)
    dz, w = m.DoseRecord.__table__, m.DoseWarning.__table__
    doses = (
        conn.execute(
            select(dz)
            .select_from(dz.join(d, d.c.id == dz.c.day_id))
            .where(in_trial)
            .order_by(dz.c.given_at, dz.c.id)
        )
        .mappings()
        .all()
    )
    warnings: dict[int, list[Any]] = {}
    for row in conn.execute(
        select(w)
        .select_from(w.join(dz, dz.c.id == w.c.dose_id).join(d, d.c.id == dz.c.day_id))
        .where(in_trial)
        .order_by(w.c.position)
    ).mappings():
        warnings.setdefault(row["dose_id"], []).append(row)
    ae = m.AdverseEventRecord.__table__
    events = (
        conn.execute(
            select(ae)
            .select_from(ae.join(d, d.c.id == ae.c.day_id))
            .where(in_trial)
            .order_by(ae.c.at, ae.c.id)
        )
        .mappings()
        .all()
    )
    pl = m.DayPlanRecord.__table__
    plans = {
        row["day_id"]: row
        for row in conn.execute(
            select(pl).select_from(pl.join(d, d.c.id == pl.c.day_id)).where(in_trial)
        ).mappings()
    }

    by_day_a: dict[int, list[Any]] = {}
    for row in assessments:
        by_day_a.setdefault(row["day_id"], []).append(row)
    by_day_d: dict[int, list[Any]] = {}
    for row in doses:
        by_day_d.setdefault(row["day_id"], []).append(row)
    by_day_e: dict[int, list[Any]] = {}
    for row in events:
        by_day_e.setdefault(row["day_id"], []).append(row)

    def assessment(x: Any) -> r.Assessment:
        aid = x["id"]
        return r.Assessment(
            kind=x["kind"],
            at=x["at"],
            assessor=x["assessor"],
            mas=tuple(r.MasEntry(g["muscle"], g["side"], g["grade"]) for g in mas.get(aid, ())),
            tardieu=tuple(
                r.TardieuEntry(
                    g["muscle"],
                    g["side"],
                    _number(g["r1_deg"]),
                    _number(g["r2_deg"]),
                    g["quality"],
                )
                for g in tardieu.get(aid, ())
            ),
            rom=tuple(
                r.RomEntry(g["measure"], g["side"], _number(g["deg"]))  # type: ignore[arg-type]
                for g in rom.get(aid, ())
            ),
            function=(
                r.Function(
                    x["fms_5m"],
                    x["fms_50m"],
                    x["fms_500m"],
                    _number(x["ten_m_walk_s"]),
                    _number(x["tug_s"]),
                    _number(x["six_min_walk_m"]),
                    x["gait_notes"],
                )
                if x["has_function"]
                else None
            ),
            penn_frequency=x["penn_frequency"],
            penn_severity=x["penn_severity"],
            pain=r.Pain(x["pain_scale"], x["pain_score"])
            if x["pain_scale"] is not None and x["pain_score"] is not None
            else None,
            sedation_umss=x["sedation_umss"],
            vitals=(
                r.Vitals(
                    _number(x["hr"]),
                    _number(x["rr"]),
                    _number(x["spo2"]),
                    _number(x["sbp"]),
                    _number(x["dbp"]),
                    _number(x["temp_c"]),
                )
                if x["has_vitals"]
                else None
            ),
            goals=tuple(r.GoalScore(g["goal_code"], g["gas"]) for g in scores.get(aid, ())),
            notes=x["notes"],
        )

    def dose(x: Any) -> r.Dose:
        return r.Dose(
            given_at=x["given_at"],
            dose_mcg=x["dose_mcg"],
            concentration_mcg_per_ml=x["concentration_mcg_per_ml"],
            volume_ml=x["volume_ml"],
            via=x["via"],
            lot=x["lot"],
            given_by=x["given_by"],
            checked_by=x["checked_by"],
            warnings_acknowledged=tuple(
                r.AcknowledgedWarning(g["code"], g["reason"], g["by"]) for g in warnings.get(x["id"], ())
            ),
        )

    def day(x: Any) -> r.Day:
        plan = plans.get(x["id"])
        return r.Day(
            day=x["day_number"],
            date=x["date"],
            assessments=tuple(assessment(y) for y in by_day_a.get(x["id"], ())),
            doses=tuple(dose(y) for y in by_day_d.get(x["id"], ())),
            adverse_events=tuple(
                r.AdverseEvent(e["at"], e["kind"], e["severity"], e["notes"], e["action"])
                for e in by_day_e.get(x["id"], ())
            ),
            plan=r.DayPlan(
                plan["next_dose_mcg"],
                tuple(plan["decided_by"] or ()),
                plan["reason"],
                plan["notes"],
            )
            if plan is not None
            else None,
        )

    settings = r.ProtocolSettings(
        mode=head["mode"],
        ladder=head["ladder"],
        mas_coding=head["mas_coding"],
        region=head["region"],
        threshold=head["threshold"],
        schedule_hours=tuple(_number(h) or 0 for h in head["schedule_hours"]),
        max_dose_mcg=head["max_dose_mcg"],
        late_after_minutes=head["late_after_minutes"],
    )
    trial = r.Trial(
        started_on=head["started_on"],
        catheter=r.Catheter(head["catheter_placed_at"], head["catheter_method"], head["catheter_level"]),
        settings=settings,
        goals=tuple(r.Goal(g["code"], g["text"], g["baseline_gas"]) for g in goals),
        days=tuple(day(x) for x in days),
        decision=(
            r.Decision(
                head["d_outcome"],
                head["d_decided_at"],
                head["d_decided_by"],
                head["d_rationale"],
                head["d_initial_daily_dose_mcg"],
            )
            if head["d_id"] is not None
            else None
        ),
    )
    patient = r.Patient(
        mrn=head["p_mrn"],
        birth_date=head["p_birth_date"],
        given_name=head["p_given_name"],
        family_name=head["p_family_name"],
        sex=head["p_sex"],
        weight_kg=head["p_weight_kg"],
        height_cm=head["p_height_cm"],
        gmfcs_level=head["p_gmfcs_level"],
        diagnosis=head["p_diagnosis"],
        tone_pattern=head["p_tone_pattern"],
        allergies=tuple(head["p_allergies"] or ()),
        language=head["p_language"],
    )
    return (
        tid,
        head["public_id"],
        head["state"],
        r.TrialDocument(patient=patient, trial=trial),
    )
