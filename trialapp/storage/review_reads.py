"""What the dose-response review (R15) reads: every trial's head (settings, patient's birth date and GMFCS
level, decision), the records R3-R6 judge (doses, baselines and reassessments with their MAS grades,
adverse events, day plans) in a handful of whole-table queries, and the cache of per-trial results
(:mod:`trialapp.storage.review_models`).

Documents built here are **partial**: they carry only what R3-R6 and the provisional rule read (no goals,
Tardieu, ROM, function, vitals or free text), so they must never be exported or printed as a trial.
Plain Core queries, no ORM objects; the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, delete, func, insert, or_, select

from trialapp.domain import records as r
from trialapp.domain.review import ReviewDay, TrialResults
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.review_models import ReviewDayRow, ReviewTrialRow


class ReviewHead(NamedTuple):
    """A trial without its days: what the filters and the pump-dose comparison read, and its kept
    results (None when none are kept; :func:`stale_trials` tells whether they are current)."""

    trial_pk: int
    public_id: str
    started_on: date
    ladder: str
    region: str
    birth_date: date
    gmfcs_level: int | None
    outcome: str | None
    initial_daily_dose_mcg: int | None
    rationale: str | None
    kept: TrialResults | None


def _plain_rows(conn: Connection, stmt: Any) -> Sequence[Any]:
    """``stmt``'s rows as the database driver gives them, on the connection's own DB-API cursor (inside
    the session's transaction), without SQLAlchemy's result objects and per-value conversions (dates stay
    ISO text, booleans may be 0/1): the review reads tens of thousands of rows, and the conversions cost
    more than the query. The SQL is compiled for the connection's dialect and takes no parameters."""
    compiled = stmt.compile(dialect=conn.dialect)
    assert not compiled.params, "a plain read takes no parameters"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled))
        return cast(Sequence[Any], cursor.fetchall())
    finally:
        cursor.close()


def read_heads(conn: Connection) -> list[ReviewHead]:
    """Every trial's head with its kept results, oldest first (two queries, only the columns the review
    reads)."""
    t, p, dc = m.TrialRow.__table__, m.PatientRow.__table__, m.DecisionRow.__table__
    k, d = ReviewTrialRow.__table__, ReviewDayRow.__table__
    kept_days: dict[int, list[ReviewDay]] = {}
    day_stmt = select(
        d.c.trial_id,
        d.c.day_number,
        d.c.dose_mcg,
        d.c.responder,
        d.c.peak_reduction,
        d.c.peak_hours,
        d.c.effect_hours,
        d.c.effect_censored,
        d.c.significant_adverse_effect,
    ).order_by(d.c.trial_id, d.c.day_number)
    for pk, day, dose, responder, peak, peak_hours, effect, censored, adverse in _plain_rows(conn, day_stmt):
        kept_days.setdefault(pk, []).append(
            ReviewDay(day, dose, bool(responder), peak, peak_hours, effect, bool(censored), bool(adverse))
        )
    stmt = (
        select(
            t.c.id,
            t.c.public_id,
            t.c.started_on,
            t.c.ladder,
            t.c.region,
            p.c.birth_date,
            p.c.gmfcs_level,
            dc.c.outcome,
            dc.c.initial_daily_dose_mcg,
            dc.c.rationale,
            k.c.trial_id,
            k.c.provisional_days,
            k.c.unjudged_days,
            k.c.recommended_daily_dose_mcg,
            k.c.recommendation_basis,
        )
        .select_from(
            t.join(p, p.c.id == t.c.patient_id)
            .outerjoin(dc, dc.c.trial_id == t.c.id)
            .outerjoin(k, k.c.trial_id == t.c.id)
        )
        .order_by(t.c.id)
    )
    iso = date.fromisoformat
    return [
        ReviewHead(
            pk,
            public_id,
            iso(started),
            ladder,
            region,
            iso(born),
            gmfcs,
            outcome,
            dose,
            rationale,
            TrialResults(tuple(kept_days.get(pk, ())), provisional, unjudged, recommended, basis)
            if kept_pk is not None
            else None,
        )
        for (
            pk,
            public_id,
            started,
            ladder,
            region,
            born,
            gmfcs,
            outcome,
            dose,
            rationale,
            kept_pk,
            provisional,
            unjudged,
            recommended,
            basis,
        ) in _plain_rows(conn, stmt)
    ]


def stale_trials(conn: Connection) -> dict[int, int | None]:
    """The trials whose kept results are missing or older than their latest audit row: trial row id →
    that latest audit row id (None for a trial without any audit row, whose results are never kept)."""
    t, a, k = m.TrialRow.__table__, m.AuditEntry.__table__, ReviewTrialRow.__table__
    # One index seek per trial on ix_audit_log_trial_id (the max of a trial's ids is its last entry).
    latest = select(func.max(a.c.id)).where(a.c.trial_id == t.c.id).correlate(t).scalar_subquery()
    stmt = (
        select(t.c.id, latest)
        .select_from(t.outerjoin(k, k.c.trial_id == t.c.id))
        .where(or_(k.c.audit_id.is_(None), k.c.audit_id != latest))
    )
    return {pk: audit_id for pk, audit_id in conn.execute(stmt).all()}


def read_trials(conn: Connection, trial_pks: Sequence[int] | None = None) -> dict[int, r.Trial]:
    """The trials ``trial_pks`` (every trial when None) as **partial** records: settings, decision and the
    days with what R3-R6 read. Every trial: one query per table; a list: the same per 500 trials."""
    days = read_days(conn, trial_pks)
    t, dc = m.TrialRow.__table__, m.DecisionRow.__table__
    stmt = select(
        t, dc.c.outcome, dc.c.decided_at, dc.c.decided_by, dc.c.rationale, dc.c.initial_daily_dose_mcg
    ).select_from(t.outerjoin(dc, dc.c.trial_id == t.c.id))
    chunks = (
        [None]
        if trial_pks is None
        else [sorted(trial_pks)[i : i + _CHUNK] for i in range(0, len(trial_pks), _CHUNK)]
    )
    out: dict[int, r.Trial] = {}
    for chunk in chunks:
        chosen = stmt if chunk is None else stmt.where(t.c.id.in_(chunk))
        for row in conn.execute(chosen).all():
            decision = None
            if row.outcome is not None:
                decision = r.Decision(
                    row.outcome, row.decided_at, row.decided_by, row.rationale, row.initial_daily_dose_mcg
                )
            out[row.id] = r.Trial(
                started_on=row.started_on,
                catheter=r.Catheter(row.catheter_placed_at, row.catheter_method, row.catheter_level),
                # The row has the trial table's columns by name: the repositories' one mapping of settings.
                settings=repo.settings_record(cast(m.TrialRow, row)),
                days=days.get(row.id, ()),
                decision=decision,
            )
    return out


def read_days(conn: Connection, trial_pks: Sequence[int] | None = None) -> dict[int, tuple[r.Day, ...]]:
    """The days of the trials ``trial_pks`` (every trial when None) with the records R3-R6 read, by trial
    row id. Every trial: one query per table; a list: the same queries per 500 trials, joined to their days.
    """
    if trial_pks is None:
        return _read_days(conn, None)
    out: dict[int, tuple[r.Day, ...]] = {}
    pks = sorted(set(trial_pks))
    for start in range(0, len(pks), _CHUNK):
        out.update(_read_days(conn, pks[start : start + _CHUNK]))
    return out


_CHUNK = 500  # bounded IN lists on every backend


def _read_days(conn: Connection, trial_pks: Sequence[int] | None) -> dict[int, tuple[r.Day, ...]]:
    d = m.TrialDay.__table__

    def of_days(stmt: Any, table: Any) -> Any:
        """``stmt`` restricted to the chosen trials' days (unchanged for every trial)."""
        if trial_pks is None:
            return stmt
        return stmt.select_from(table.join(d, d.c.id == table.c.day_id)).where(d.c.trial_id.in_(trial_pks))

    days_stmt = select(d.c.id, d.c.trial_id, d.c.day_number, d.c.date)
    if trial_pks is not None:
        days_stmt = days_stmt.where(d.c.trial_id.in_(trial_pks))
    day_rows = conn.execute(days_stmt).all()

    def by_day(stmt: Any) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for row in conn.execute(stmt).all():
            out.setdefault(row.day_id, []).append(row)
        return out

    doses = m.DoseRecord.__table__
    dose_rows = by_day(
        of_days(
            select(
                doses.c.day_id,
                doses.c.given_at,
                doses.c.dose_mcg,
                doses.c.concentration_mcg_per_ml,
                doses.c.volume_ml,
            ),
            doses,
        ).order_by(doses.c.given_at, doses.c.id)
    )
    ae = m.AdverseEventRecord.__table__
    event_rows = by_day(
        of_days(select(ae.c.day_id, ae.c.at, ae.c.kind, ae.c.severity), ae).order_by(ae.c.at, ae.c.id)
    )
    pl = m.DayPlanRecord.__table__
    plan_rows = by_day(of_days(select(pl.c.day_id, pl.c.next_dose_mcg, pl.c.decided_by), pl))
    a = m.AssessmentRow.__table__
    assessment_rows = by_day(
        of_days(select(a.c.id, a.c.day_id, a.c.kind, a.c.at), a).order_by(a.c.at, a.c.id)
    )
    g = m.MasGrade.__table__
    grade_stmt = select(g.c.assessment_id, g.c.muscle, g.c.side, g.c.grade)
    if trial_pks is not None:
        grade_stmt = grade_stmt.select_from(
            g.join(a, a.c.id == g.c.assessment_id).join(d, d.c.id == a.c.day_id)
        ).where(d.c.trial_id.in_(trial_pks))
    grades: dict[int, list[r.MasEntry]] = {}
    for aid, muscle, side, grade in conn.execute(grade_stmt.order_by(g.c.assessment_id, g.c.position)).all():
        grades.setdefault(aid, []).append(r.MasEntry(muscle, side, grade))

    out: dict[int, list[r.Day]] = {}
    for row in day_rows:
        plans = plan_rows.get(row.id)
        day = r.Day(
            day=row.day_number,
            date=row.date,
            assessments=tuple(
                r.Assessment(kind=x.kind, at=x.at, mas=tuple(grades.get(x.id, ())))
                for x in assessment_rows.get(row.id, ())
            ),
            doses=tuple(
                r.Dose(x.given_at, x.dose_mcg, x.concentration_mcg_per_ml, x.volume_ml)
                for x in dose_rows.get(row.id, ())
            ),
            adverse_events=tuple(
                r.AdverseEvent(x.at, x.kind, x.severity) for x in event_rows.get(row.id, ())
            ),
            plan=r.DayPlan(plans[0].next_dose_mcg, tuple(plans[0].decided_by or ())) if plans else None,
        )
        out.setdefault(row.trial_id, []).append(day)
    return {pk: tuple(sorted(days, key=lambda day: day.day)) for pk, days in out.items()}


# ------------------------------------------------------------------------------------------ cache


def keep_results(conn: Connection, rows: Iterable[tuple[int, int, TrialResults]]) -> None:
    """Replace the kept results of these (trial row id, audit id, results) in the caller's transaction."""
    rows = list(rows)
    if not rows:
        return
    pks = [pk for pk, _audit, _res in rows]
    for start in range(0, len(pks), _CHUNK):
        chunk = pks[start : start + _CHUNK]
        conn.execute(delete(ReviewDayRow).where(ReviewDayRow.trial_id.in_(chunk)))
        conn.execute(delete(ReviewTrialRow).where(ReviewTrialRow.trial_id.in_(chunk)))
    conn.execute(
        insert(ReviewTrialRow),
        [
            {
                "trial_id": pk,
                "audit_id": audit_id,
                "provisional_days": res.provisional_days,
                "unjudged_days": res.unjudged_days,
                "recommended_daily_dose_mcg": res.recommended_daily_dose_mcg,
                "recommendation_basis": res.recommendation_basis,
            }
            for pk, audit_id, res in rows
        ],
    )
    day_values = [
        {
            "trial_id": pk,
            "day_number": day.day,
            "dose_mcg": day.dose_mcg,
            "responder": day.responder,
            "peak_reduction": day.peak_reduction,
            "peak_hours": day.peak_hours,
            "effect_hours": day.effect_hours,
            "effect_censored": day.effect_censored,
            "significant_adverse_effect": day.significant_adverse_effect,
        }
        for pk, _audit, res in rows
        for day in res.days
    ]
    if day_values:
        conn.execute(insert(ReviewDayRow), day_values)
