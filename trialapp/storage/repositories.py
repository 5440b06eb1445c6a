"""Mapping between the domain records (``trialapp.domain.records``) and the tables, plus the queries.

Reads load a whole trial in a fixed number of queries (select-in loading), never one query per row.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, func, literal_column, select
from sqlalchemy.orm import Session, selectinload

from trialapp.domain import records as r
from trialapp.storage import models as m
from trialapp.storage.errors import NotFound

_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed at the bedside


def new_public_id() -> str:
    return "T" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(7))


def patient_search_key(given: str | None, family: str | None, mrn: str) -> str:
    return " ".join(part for part in (given, family, mrn) if part).casefold()


# ------------------------------------------------------------------------------- rows <-> records
#
# One pair per record type: ``X_to_record(row)`` reads a row as a ``Mapping`` of its columns (a Core
# ``RowMapping`` as it comes, an ORM object through ``columns(obj)``) with its children already mapped;
# ``X_to_row(record)`` gives the row's columns as a dict (without ids and parent keys), for the ORM
# constructors and the Core inserts alike.


# A row read by column name: a Core ``RowMapping`` (keyed by names or columns) or ``columns(obj)``.
Columns = Mapping[Any, Any]


class _Columns(Mapping[str, Any]):
    """An ORM object read as the mapping of its table's columns (attribute names are column names)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: m.Base) -> None:
        self._obj = obj

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self._obj, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(cast(Table, type(self._obj).__table__).c.keys())

    def __len__(self) -> int:
        return len(cast(Table, type(self._obj).__table__).c)


def columns(obj: m.Base) -> Columns:
    """``obj``'s columns as a mapping, for the ``*_to_record`` functions."""
    return _Columns(obj)


def _int_if_whole(value: float | None) -> float | int | None:
    """Give back whole numbers as int so that an export shows 20, not 20.0, for what was entered as 20
    (REAL columns give back 20.0)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def patient_to_record(row: Columns) -> r.Patient:
    return r.Patient(
        mrn=row["mrn"],
        birth_date=row["birth_date"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        sex=row["sex"],
        weight_kg=row["weight_kg"],
        height_cm=row["height_cm"],
        gmfcs_level=row["gmfcs_level"],
        diagnosis=row["diagnosis"],
        tone_pattern=row["tone_pattern"],
        allergies=tuple(row["allergies"] or ()),
        language=row["language"],
    )


def patient_to_row(patient: r.Patient) -> dict[str, Any]:
    return dict(
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


def goal_to_record(row: Columns) -> r.Goal:
    return r.Goal(row["code"], row["text"], row["baseline_gas"])


def goal_to_row(goal: r.Goal, position: int) -> dict[str, Any]:
    return dict(code=goal.id, position=position, text=goal.text, baseline_gas=goal.baseline_gas)


def mas_to_record(row: Columns) -> r.MasEntry:
    return r.MasEntry(row["muscle"], row["side"], row["grade"])


def mas_to_row(x: r.MasEntry, position: int) -> dict[str, Any]:
    return dict(position=position, muscle=x.muscle, side=x.side, grade=x.grade)


def tardieu_to_record(row: Columns) -> r.TardieuEntry:
    return r.TardieuEntry(
        row["muscle"], row["side"], _int_if_whole(row["r1_deg"]), _int_if_whole(row["r2_deg"]), row["quality"]
    )


def tardieu_to_row(x: r.TardieuEntry, position: int) -> dict[str, Any]:
    return dict(
        position=position, muscle=x.muscle, side=x.side, r1_deg=x.r1_deg, r2_deg=x.r2_deg, quality=x.quality
    )


def rom_to_record(row: Columns) -> r.RomEntry:
    return r.RomEntry(row["measure"], row["side"], cast(float, _int_if_whole(row["deg"])))


def rom_to_row(x: r.RomEntry, position: int) -> dict[str, Any]:
    return dict(position=position, measure=x.measure, side=x.side, deg=x.deg)


def goal_score_to_record(row: Columns) -> r.GoalScore:
    return r.GoalScore(row["goal_code"], row["gas"])


def goal_score_to_row(x: r.GoalScore, position: int) -> dict[str, Any]:
    return dict(position=position, goal_code=x.id, gas=x.gas)


@dataclass(frozen=True)
class AssessmentParts:
    """An assessment's child records, in their positions."""

    mas: tuple[r.MasEntry, ...] = ()
    tardieu: tuple[r.TardieuEntry, ...] = ()
    rom: tuple[r.RomEntry, ...] = ()
    goals: tuple[r.GoalScore, ...] = ()


def assessment_to_record(row: Columns, parts: AssessmentParts) -> r.Assessment:
    n = _int_if_whole
    return r.Assessment(
        kind=row["kind"],
        at=row["at"],
        assessor=row["assessor"],
        mas=parts.mas,
        tardieu=parts.tardieu,
        rom=parts.rom,
        function=(
            r.Function(
                row["fms_5m"],
                row["fms_50m"],
                row["fms_500m"],
                n(row["ten_m_walk_s"]),
                n(row["tug_s"]),
                n(row["six_min_walk_m"]),
                row["gait_notes"],
            )
            if row["has_function"]
            else None
        ),
        penn_frequency=row["penn_frequency"],
        penn_severity=row["penn_severity"],
        pain=r.Pain(row["pain_scale"], row["pain_score"])
        if row["pain_scale"] is not None and row["pain_score"] is not None
        else None,
        sedation_umss=row["sedation_umss"],
        vitals=(
            r.Vitals(
                n(row["hr"]), n(row["rr"]), n(row["spo2"]), n(row["sbp"]), n(row["dbp"]), n(row["temp_c"])
            )
            if row["has_vitals"]
            else None
        ),
        goals=parts.goals,
        notes=row["notes"],
    )


def assessment_to_row(a: r.Assessment, *, recorded_by: str | None, recorded_at: datetime) -> dict[str, Any]:
    """The ``assessments`` row of an assessment (without its id and day); its children have their own."""
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


def warning_to_record(row: Columns) -> r.AcknowledgedWarning:
    return r.AcknowledgedWarning(row["code"], row["reason"], row["by"])


def warning_to_row(w: r.AcknowledgedWarning, position: int) -> dict[str, Any]:
    return dict(position=position, code=w.code, reason=w.reason, by=w.by)


def dose_to_record(row: Columns, warnings: tuple[r.AcknowledgedWarning, ...]) -> r.Dose:
    return r.Dose(
        given_at=row["given_at"],
        dose_mcg=row["dose_mcg"],
        concentration_mcg_per_ml=row["concentration_mcg_per_ml"],
        volume_ml=row["volume_ml"],
        via=row["via"],
        lot=row["lot"],
        given_by=row["given_by"],
        checked_by=row["checked_by"],
        warnings_acknowledged=warnings,
    )


def dose_to_row(d: r.Dose) -> dict[str, Any]:
    """The ``doses`` row (its warnings have their own, ``warning_to_row``)."""
    return dict(
        given_at=d.given_at,
        dose_mcg=d.dose_mcg,
        concentration_mcg_per_ml=d.concentration_mcg_per_ml,
        volume_ml=d.volume_ml,
        via=d.via,
        lot=d.lot,
        given_by=d.given_by,
        checked_by=d.checked_by,
    )


def adverse_event_to_record(row: Columns) -> r.AdverseEvent:
    return r.AdverseEvent(row["at"], row["kind"], row["severity"], row["notes"], row["action"])


def adverse_event_to_row(e: r.AdverseEvent, *, recorded_by: str | None = None) -> dict[str, Any]:
    return dict(
        at=e.at, kind=e.kind, severity=e.severity, notes=e.notes, action=e.action, recorded_by=recorded_by
    )


def plan_to_record(row: Columns) -> r.DayPlan:
    return r.DayPlan(row["next_dose_mcg"], tuple(row["decided_by"] or ()), row["reason"], row["notes"])


def plan_to_row(p: r.DayPlan, suggested_dose_mcg: int | None = None) -> dict[str, Any]:
    return dict(
        next_dose_mcg=p.next_dose_mcg,
        suggested_dose_mcg=suggested_dose_mcg,
        decided_by=list(p.decided_by),
        reason=p.reason,
        notes=p.notes,
    )


@dataclass(frozen=True)
class DayParts:
    """A day's child records, in their order."""

    assessments: tuple[r.Assessment, ...] = ()
    doses: tuple[r.Dose, ...] = ()
    adverse_events: tuple[r.AdverseEvent, ...] = ()
    plan: r.DayPlan | None = None


def day_to_record(row: Columns, parts: DayParts) -> r.Day:
    return r.Day(
        day=row["day_number"],
        date=row["date"],
        assessments=parts.assessments,
        doses=parts.doses,
        adverse_events=parts.adverse_events,
        plan=parts.plan,
    )


def day_to_row(day: r.Day) -> dict[str, Any]:
    return dict(day_number=day.day, date=day.date)


def decision_to_record(row: Columns) -> r.Decision:
    return r.Decision(
        row["outcome"], row["decided_at"], row["decided_by"], row["rationale"], row["initial_daily_dose_mcg"]
    )


def decision_to_row(d: r.Decision) -> dict[str, Any]:
    return dict(
        outcome=d.outcome,
        decided_at=d.decided_at,
        decided_by=d.decided_by,
        rationale=d.rationale,
        initial_daily_dose_mcg=d.initial_daily_dose_mcg,
    )


def trial_to_record(
    row: Columns, goals: tuple[r.Goal, ...], days: tuple[r.Day, ...], decision: r.Decision | None
) -> r.Trial:
    """The trial from its ``trials`` row (settings and catheter are columns of it) and its children."""
    return r.Trial(
        started_on=row["started_on"],
        catheter=r.Catheter(row["catheter_placed_at"], row["catheter_method"], row["catheter_level"]),
        settings=r.ProtocolSettings(
            mode=row["mode"],
            ladder=row["ladder"],
            mas_coding=row["mas_coding"],
            region=row["region"],
            threshold=row["threshold"],
            schedule_hours=tuple(_int_if_whole(h) or 0 for h in row["schedule_hours"]),
            max_dose_mcg=row["max_dose_mcg"],
            late_after_minutes=row["late_after_minutes"],
        ),
        goals=goals,
        days=days,
        decision=decision,
    )


def trial_to_row(trial: r.Trial) -> dict[str, Any]:
    """The ``trials`` row (without its ids, patient and creation time)."""
    s = trial.settings
    return dict(
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
    )


# ------------------------------------------------------------------------------- ORM objects

# New ORM objects (with their children) built from the ``*_to_row`` columns, for the ORM writers.


def find_patient_by_mrn(session: Session, mrn: str) -> m.PatientRow | None:
    return session.execute(select(m.PatientRow).where(m.PatientRow.mrn == mrn)).scalar_one_or_none()


def patient_row(patient: r.Patient) -> m.PatientRow:
    return m.PatientRow(**patient_to_row(patient))


def assessment_row(a: r.Assessment, *, recorded_by: str | None = None) -> m.AssessmentRow:
    return m.AssessmentRow(
        **assessment_to_row(a, recorded_by=recorded_by, recorded_at=datetime.now()),
        mas=[m.MasGrade(**mas_to_row(x, i)) for i, x in enumerate(a.mas)],
        tardieu=[m.TardieuMeasure(**tardieu_to_row(x, i)) for i, x in enumerate(a.tardieu)],
        rom=[m.RomMeasure(**rom_to_row(x, i)) for i, x in enumerate(a.rom)],
        goal_scores=[m.GoalScoreRow(**goal_score_to_row(x, i)) for i, x in enumerate(a.goals)],
    )


def dose_row(d: r.Dose) -> m.DoseRecord:
    return m.DoseRecord(
        **dose_to_row(d),
        warnings=[m.DoseWarning(**warning_to_row(w, i)) for i, w in enumerate(d.warnings_acknowledged)],
    )


def adverse_event_row(e: r.AdverseEvent, *, recorded_by: str | None = None) -> m.AdverseEventRecord:
    return m.AdverseEventRecord(**adverse_event_to_row(e, recorded_by=recorded_by))


def plan_row(p: r.DayPlan, suggested_dose_mcg: int | None = None) -> m.DayPlanRecord:
    return m.DayPlanRecord(**plan_to_row(p, suggested_dose_mcg))


def decision_row(d: r.Decision) -> m.DecisionRow:
    return m.DecisionRow(**decision_to_row(d))


def day_row(day: r.Day) -> m.TrialDay:
    return m.TrialDay(
        **day_to_row(day),
        assessments=[assessment_row(a) for a in day.assessments],
        doses=[dose_row(d) for d in day.doses],
        adverse_events=[adverse_event_row(e) for e in day.adverse_events],
        plan=plan_row(day.plan) if day.plan is not None else None,
    )


def trial_row(trial: r.Trial, patient: m.PatientRow, public_id: str | None = None) -> m.TrialRow:
    return m.TrialRow(
        **trial_to_row(trial),
        public_id=public_id or new_public_id(),
        patient=patient,
        created_at=datetime.now(),
        goals=[m.GoalRow(**goal_to_row(g, i)) for i, g in enumerate(trial.goals)],
        days=[day_row(d) for d in trial.days],
        decision=decision_row(trial.decision) if trial.decision is not None else None,
    )


def _assessment_record(a: m.AssessmentRow) -> r.Assessment:
    parts = AssessmentParts(
        mas=tuple(mas_to_record(columns(x)) for x in a.mas),
        tardieu=tuple(tardieu_to_record(columns(x)) for x in a.tardieu),
        rom=tuple(rom_to_record(columns(x)) for x in a.rom),
        goals=tuple(goal_score_to_record(columns(x)) for x in a.goal_scores),
    )
    return assessment_to_record(columns(a), parts)


def _day_record(d: m.TrialDay) -> r.Day:
    parts = DayParts(
        assessments=tuple(_assessment_record(a) for a in d.assessments),
        doses=tuple(
            dose_to_record(columns(x), tuple(warning_to_record(columns(w)) for w in x.warnings))
            for x in d.doses
        ),
        adverse_events=tuple(adverse_event_to_record(columns(e)) for e in d.adverse_events),
        plan=plan_to_record(columns(d.plan)) if d.plan is not None else None,
    )
    return day_to_record(columns(d), parts)


def document_record(t: m.TrialRow) -> r.TrialDocument:
    """The whole trial as domain records, from its ORM objects (loaded with ``get_trial``)."""
    trial = trial_to_record(
        columns(t),
        tuple(goal_to_record(columns(g)) for g in t.goals),
        tuple(_day_record(d) for d in t.days),
        decision_to_record(columns(t.decision)) if t.decision is not None else None,
    )
    return r.TrialDocument(patient=patient_to_record(columns(t.patient)), trial=trial)


@cache
def _trial_load() -> tuple[Any, ...]:
    """The eager loads of a whole trial; built on first use, since building them configures every mapper,
    which a command reading through ``load_document`` alone never needs (issue 22)."""
    return (
        selectinload(m.TrialRow.patient),
        selectinload(m.TrialRow.goals),
        selectinload(m.TrialRow.decision),
        selectinload(m.TrialRow.days).selectinload(m.TrialDay.assessments).selectinload(m.AssessmentRow.mas),
        selectinload(m.TrialRow.days)
        .selectinload(m.TrialDay.assessments)
        .selectinload(m.AssessmentRow.tardieu),
        selectinload(m.TrialRow.days).selectinload(m.TrialDay.assessments).selectinload(m.AssessmentRow.rom),
        selectinload(m.TrialRow.days)
        .selectinload(m.TrialDay.assessments)
        .selectinload(m.AssessmentRow.goal_scores),
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
        stmt = stmt.options(*_trial_load())
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


def trials_in_order(session: Session) -> list[tuple[int, str, int, int]]:
    """Every trial as (row id, public id, patient row id, its number among the patient's trials from 1),
    oldest first: what a dataset export needs of each trial besides its records."""
    t = _table(m.TrialRow)
    number = func.row_number().over(partition_by=t.c.patient_id, order_by=t.c.id)
    rows = session.execute(select(t.c.id, t.c.public_id, t.c.patient_id, number).order_by(t.c.id))
    return [(pk, public_id, patient_id, n) for pk, public_id, patient_id, n in rows]


# ------------------------------------------------------------------------------- fast whole-trial read


@dataclass(frozen=True)
class LoadedTrial:
    """A whole trial read by ``load_document``: its row id, public id, state and records."""

    pk: int
    public_id: str
    state: str
    document: r.TrialDocument


def _by(rows: Iterable[Columns], key: str) -> dict[int, list[Columns]]:
    """``rows`` grouped by their ``key`` column, each group in the rows' order."""
    out: dict[int, list[Columns]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def load_document(session: Session, public_id: str) -> LoadedTrial:
    """The whole trial as domain records in 12 plain queries, no ORM objects.

    Reads the same rows as ``document_record(get_trial(...))`` and builds the same records with the same
    ``*_to_record`` functions.
    """
    found = _load(session, _table(m.TrialRow).c.public_id == public_id.strip().upper())
    if not found:
        raise NotFound(
            f"There is no trial with id '{public_id}'. 'trialapp list' shows the trials and their ids."
        )
    return found[0]


def load_documents(session: Session, pks: Sequence[int]) -> list[LoadedTrial]:
    """``load_document`` of several trials by row id, in the order of ``pks``, in the same 12 queries for all
    of them (a dataset export reads 25,000 trials: 12 queries per trial cost more than the reading)."""
    found = {loaded.pk: loaded for loaded in _load(session, _table(m.TrialRow).c.id.in_(pks), pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise NotFound(f"There is no trial with row id {missing[0]}; it was removed meanwhile.")
    return [found[pk] for pk in pks]


def _load(session: Session, which: Any, pks: Sequence[int] | None = None) -> list[LoadedTrial]:
    """The trials ``which`` selects, read and built for ``load_document(s)``. With ``pks`` the rows below
    them are selected by those row ids, else by the one trial found. Rows are grouped by their day,
    assessment or dose (ids unique across trials), each group in the order of its query, so a trial's
    records come out the same whether it is read alone or with others."""
    conn = session.connection()
    t, p, dc = _table(m.TrialRow), _table(m.PatientRow), _table(m.DecisionRow)
    d, a = _table(m.TrialDay), _table(m.AssessmentRow)
    heads = (
        conn.execute(
            select(
                t,
                *[c.label(f"p_{c.name}") for c in p.c],
                *[c.label(f"d_{c.name}") for c in dc.c],
            )
            .select_from(t.join(p, p.c.id == t.c.patient_id).outerjoin(dc, dc.c.trial_id == t.c.id))
            .where(which)
        )
        .mappings()
        .all()
    )
    if not heads:
        return []
    ids = list(pks) if pks is not None else [heads[0]["id"]]
    in_trial = d.c.trial_id.in_(ids) if pks is not None else d.c.trial_id == ids[0]

    def rows(table: Table, *order: Any, via: Table | None = None) -> Sequence[Columns]:
        """``table``'s rows of these trials (joined to its day, through ``via`` when it hangs below)."""
        parent = via if via is not None else table
        joined = table.join(parent, parent.c.id == table.c[_parent_key(table)]) if via is not None else table
        stmt = select(table).select_from(joined.join(d, d.c.id == parent.c.day_id)).where(in_trial)
        return conn.execute(stmt.order_by(*order)).mappings().all()

    g = _table(m.GoalRow)
    goal_of = g.c.trial_id.in_(ids) if pks is not None else g.c.trial_id == ids[0]
    goals = _by(conn.execute(select(g).where(goal_of).order_by(g.c.position)).mappings().all(), "trial_id")
    days = _by(conn.execute(select(d).where(in_trial).order_by(d.c.day_number)).mappings().all(), "trial_id")
    assessments = rows(a, a.c.at, a.c.id)

    def children(model: type[m.Base]) -> dict[int, list[Columns]]:
        table = _table(model)
        return _by(rows(table, table.c.assessment_id, table.c.position, via=a), "assessment_id")

    mas = children(m.MasGrade)
    tardieu = children(m.TardieuMeasure)
    rom = children(m.RomMeasure)
    scores = children(m.GoalScoreRow)
    dz, w = _table(m.DoseRecord), _table(m.DoseWarning)
    doses = rows(dz, dz.c.given_at, dz.c.id)
    warnings = _by(rows(w, w.c.position, via=dz), "dose_id")
    ae = _table(m.AdverseEventRecord)
    events = _by(rows(ae, ae.c.at, ae.c.id), "day_id")
    plans = {row["day_id"]: row for row in rows(_table(m.DayPlanRecord))}
    by_day_a = _by(assessments, "day_id")
    by_day_d = _by(doses, "day_id")

    def assessment(x: Columns) -> r.Assessment:
        aid = x["id"]
        parts = AssessmentParts(
            mas=tuple(mas_to_record(g) for g in mas.get(aid, ())),
            tardieu=tuple(tardieu_to_record(g) for g in tardieu.get(aid, ())),
            rom=tuple(rom_to_record(g) for g in rom.get(aid, ())),
            goals=tuple(goal_score_to_record(g) for g in scores.get(aid, ())),
        )
        return assessment_to_record(x, parts)

    def day(x: Columns) -> r.Day:
        plan = plans.get(x["id"])
        parts = DayParts(
            assessments=tuple(assessment(y) for y in by_day_a.get(x["id"], ())),
            doses=tuple(
                dose_to_record(y, tuple(warning_to_record(g) for g in warnings.get(y["id"], ())))
                for y in by_day_d.get(x["id"], ())
            ),
            adverse_events=tuple(adverse_event_to_record(e) for e in events.get(x["id"], ())),
            plan=plan_to_record(plan) if plan is not None else None,
        )
        return day_to_record(x, parts)

    def loaded(head: Columns) -> LoadedTrial:
        tid = head["id"]
        trial = trial_to_record(
            head,
            tuple(goal_to_record(x) for x in goals.get(tid, ())),
            tuple(day(x) for x in days.get(tid, ())),
            decision_to_record(_unprefixed(head, "d_")) if head["d_id"] is not None else None,
        )
        patient = patient_to_record(_unprefixed(head, "p_"))
        return LoadedTrial(
            tid, head["public_id"], head["state"], r.TrialDocument(patient=patient, trial=trial)
        )

    return [loaded(head) for head in heads]


def _parent_key(table: Table) -> str:
    """The column of ``table`` naming its parent below a day (an assessment or a dose)."""
    return "assessment_id" if "assessment_id" in table.c else "dose_id"


def _unprefixed(row: Columns, prefix: str) -> dict[str, Any]:
    """The columns of ``row`` labelled ``prefix…``, under their own names."""
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}


def _table(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)
