"""Mapping between the QI records (``trialapp.domain.qi_bundle``, ``qi_procedures``) and the QI tables, plus the queries.

One ``…_record(row)`` per record type reads a ``Mapping`` (a Core ``RowMapping``), and one ``…_to_row``
gives the column values of a record; ``trialapp.services.qi`` calls only the functions here and never
sees a row. Reads are Core selects (no ORM objects are loaded, so a write made with a Core statement
can never leave a stale object behind); a whole programme loads in three queries, not one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from trialapp.domain.qi_bundle import Bundle, BundleHistory, BundleVersion, bundle_from_dict, bundle_to_dict
from trialapp.domain.qi_procedures import QiProcedure, RiskFactors, Ssi
from trialapp.storage.errors import NotFound
from trialapp.storage.schema import metadata  # every table: the trial tables and the QI tables

#: A row as a mapping of column name → value (a Core ``RowMapping``, or a plain dict in tests).
RowLike = Mapping[Any, Any]

_VERSIONS: Table = metadata.tables["qi_bundle_versions"]
_PROCEDURES: Table = metadata.tables["qi_procedures"]
_ANSWERS: Table = metadata.tables["qi_step_answers"]
_CHECKINS: Table = metadata.tables["qi_checkins"]
_TRIALS: Table = metadata.tables["trials"]
_PATIENTS: Table = metadata.tables["patients"]
_SETTINGS: Table = metadata.tables["settings"]

#: The risk-factor columns of ``qi_procedures``, named as the fields of ``RiskFactors``.
RISK_COLUMNS = (
    "age_months",
    "weight_kg",
    "bmi",
    "gmfcs_level",
    "gastrostomy",
    "prior_revisions_6m",
    "csf_leak",
)
#: The fields of a procedure that a correction may change (column names).
CORRECTABLE = ("surgery_date", "kind", "site", "surgeon")


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepAnswer:
    """One step's answer with who confirmed it and when."""

    answer: str
    confirmed_by: str
    confirmed_at: datetime


@dataclass(frozen=True)
class StoredProcedure:
    """A procedure as stored: the domain record, who confirmed each answer, the check-ins done (due day →
    date), who recorded it, and the database ids the audit trail needs."""

    row_id: int
    procedure: QiProcedure
    answers: Mapping[str, StepAnswer]
    checkins: Mapping[int, date]
    created_by: str
    trial_row_id: int | None


@dataclass(frozen=True)
class FilterChoices:
    """The sites and surgeons on file, sorted."""

    sites: tuple[str, ...]
    surgeons: tuple[str, ...]


@dataclass(frozen=True)
class TrialPatient:
    """What a linked trial gives a procedure: the trial's row id and its patient's facts."""

    trial_row_id: int
    birth_date: date
    weight_kg: float | None
    height_cm: float | None
    gmfcs_level: int | None


# --------------------------------------------------------------------------------------------------
# Row ↔ record
# --------------------------------------------------------------------------------------------------


def bundle_version_record(row: RowLike) -> BundleVersion:
    return BundleVersion(
        row["version"],
        row["effective_from"],
        bundle_from_dict(row["content"]),
        row["note"] or "",
        row["created_by"],
    )


def risk_record(row: RowLike) -> RiskFactors:
    return RiskFactors(**{name: row[name] for name in RISK_COLUMNS})


def risk_to_row(risk: RiskFactors) -> dict[str, Any]:
    return {name: getattr(risk, name) for name in RISK_COLUMNS}


def ssi_record(row: RowLike) -> Ssi | None:
    if row["ssi_kind"] is None or row["ssi_date"] is None:
        return None
    return Ssi(row["ssi_kind"], row["ssi_date"], row["ssi_criterion"], row["organism"])


def ssi_to_row(ssi: Ssi | None) -> dict[str, Any]:
    return {
        "ssi_kind": ssi.kind if ssi else None,
        "ssi_criterion": ssi.criterion if ssi else None,
        "ssi_date": ssi.on if ssi else None,
        "organism": ssi.organism if ssi else None,
    }


def procedure_record(row: RowLike, answers: Mapping[str, str]) -> QiProcedure:
    """``row``: a ``qi_procedures`` row with the linked trial's public id as ``trial_public_id``."""
    return QiProcedure(
        procedure_id=row["public_id"],
        surgery_date=row["surgery_date"],
        kind=row["kind"],
        site=row["site"],
        surgeon=row["surgeon"],
        answers=dict(answers),
        ssi=ssi_record(row),
        risk=risk_record(row),
        trial_id=row.get("trial_public_id"),
        bundle_version=row.get("bundle_version"),
    )


def procedure_to_row(p: QiProcedure) -> dict[str, Any]:
    """The columns a procedure record fills (not the trial link, not who recorded it)."""
    return {
        "public_id": p.procedure_id,
        "site": p.site,
        "surgery_date": p.surgery_date,
        "kind": p.kind,
        "surgeon": p.surgeon,
        "bundle_version": p.bundle_version,
        **risk_to_row(p.risk),
        **ssi_to_row(p.ssi),
    }


def answer_record(row: RowLike) -> StepAnswer:
    return StepAnswer(row["answer"], row["confirmed_by"], row["confirmed_at"])


def _stored(
    row: RowLike,
    answer_rows: Sequence[RowLike],
    checkin_rows: Sequence[RowLike],
) -> StoredProcedure:
    answers = {a["step_code"]: answer_record(a) for a in answer_rows}
    return StoredProcedure(
        row_id=row["id"],
        procedure=procedure_record(row, {code: a.answer for code, a in answers.items()}),
        answers=answers,
        checkins={c["due_day"]: c["done_on"] for c in checkin_rows},
        created_by=row["created_by"],
        trial_row_id=row["trial_id"],
    )


# --------------------------------------------------------------------------------------------------
# Bundle versions
# --------------------------------------------------------------------------------------------------


def bundle_history(session: Session) -> BundleHistory | None:
    """Every saved version, oldest first; None before the first is saved."""
    rows = session.execute(select(_VERSIONS).order_by(_VERSIONS.c.version)).mappings().all()
    return BundleHistory(tuple(bundle_version_record(r) for r in rows)) if rows else None


def add_bundle_version(
    session: Session, bundle: Bundle, effective_from: date, note: str, created_by: str, created_at: datetime
) -> int:
    """Store ``bundle`` as the next version; returns its number."""
    latest = session.execute(select(func.max(_VERSIONS.c.version))).scalar()
    version = int(latest) + 1 if latest else 1
    session.execute(
        insert(_VERSIONS).values(
            version=version,
            effective_from=effective_from,
            content=bundle_to_dict(bundle),
            note=note or None,
            created_by=created_by,
            created_at=created_at,
        )
    )
    return version


# --------------------------------------------------------------------------------------------------
# Procedures: reads
# --------------------------------------------------------------------------------------------------


def _procedures() -> Select[Any]:
    return select(_PROCEDURES, _TRIALS.c.public_id.label("trial_public_id")).outerjoin(
        _TRIALS, _TRIALS.c.id == _PROCEDURES.c.trial_id
    )


def _grouped(rows: Iterable[RowLike]) -> dict[int, list[RowLike]]:
    by_procedure: dict[int, list[RowLike]] = {}
    for row in rows:
        by_procedure.setdefault(row["procedure_id"], []).append(row)
    return by_procedure


def procedure_exists(session: Session, procedure_id: str) -> bool:
    return (
        session.execute(select(_PROCEDURES.c.id).where(_PROCEDURES.c.public_id == procedure_id)).first()
        is not None
    )


def get_procedure(session: Session, procedure_id: str) -> StoredProcedure:
    """One procedure; NotFound (saying where the ids are listed) when there is none."""
    row = (
        session.execute(_procedures().where(_PROCEDURES.c.public_id == procedure_id)).mappings().one_or_none()
    )
    if row is None:
        raise NotFound(f"No QI procedure {procedure_id!r}. Check the id ('trialapp qi export' lists them).")
    answers = session.execute(
        select(_ANSWERS).where(_ANSWERS.c.procedure_id == row["id"]).order_by(_ANSWERS.c.id)
    ).mappings()
    checkins = session.execute(
        select(_CHECKINS).where(_CHECKINS.c.procedure_id == row["id"]).order_by(_CHECKINS.c.due_day)
    ).mappings()
    return _stored(row, list(answers), list(checkins))


def all_procedures(session: Session) -> list[StoredProcedure]:
    """Every procedure by surgery date, then id (three queries whatever the number)."""
    rows = (
        session.execute(_procedures().order_by(_PROCEDURES.c.surgery_date, _PROCEDURES.c.public_id))
        .mappings()
        .all()
    )
    answers = _grouped(session.execute(select(_ANSWERS).order_by(_ANSWERS.c.id)).mappings())
    checkins = _grouped(session.execute(select(_CHECKINS).order_by(_CHECKINS.c.due_day)).mappings())
    return [_stored(r, answers.get(r["id"], []), checkins.get(r["id"], [])) for r in rows]


def filter_choices(session: Session) -> FilterChoices:
    sites = session.execute(select(_PROCEDURES.c.site).distinct().order_by(_PROCEDURES.c.site)).scalars()
    surgeons = session.execute(
        select(_PROCEDURES.c.surgeon).distinct().order_by(_PROCEDURES.c.surgeon)
    ).scalars()
    return FilterChoices(tuple(sites), tuple(surgeons))


def trial_patient(session: Session, trial_id: str) -> TrialPatient | None:
    """The trial ``trial_id`` (public id) with its patient's facts, or None when there is no such trial."""
    row = (
        session.execute(
            select(
                _TRIALS.c.id,
                _PATIENTS.c.birth_date,
                _PATIENTS.c.weight_kg,
                _PATIENTS.c.height_cm,
                _PATIENTS.c.gmfcs_level,
            )
            .join(_PATIENTS, _PATIENTS.c.id == _TRIALS.c.patient_id)
            .where(_TRIALS.c.public_id == trial_id)
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    return TrialPatient(row["id"], row["birth_date"], row["weight_kg"], row["height_cm"], row["gmfcs_level"])


def setting_value(session: Session, key: str) -> Any:
    """The stored value of site setting ``key`` (None when not set)."""
    return session.execute(select(_SETTINGS.c.value).where(_SETTINGS.c.key == key)).scalar()


# --------------------------------------------------------------------------------------------------
# Procedures: writes
# --------------------------------------------------------------------------------------------------


def add_procedure(
    session: Session, p: QiProcedure, *, trial_row_id: int | None, created_by: str, created_at: datetime
) -> int:
    """Store a new procedure (without its answers); returns its row id."""
    result = cast(
        CursorResult[Any],
        session.execute(
            insert(_PROCEDURES).values(
                **procedure_to_row(p), trial_id=trial_row_id, created_by=created_by, created_at=created_at
            )
        ),
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _update_procedure(session: Session, row_id: int, values: RowLike) -> None:
    session.execute(update(_PROCEDURES).where(_PROCEDURES.c.id == row_id).values(**values))


def set_ssi(session: Session, row_id: int, ssi: Ssi | None) -> None:
    _update_procedure(session, row_id, ssi_to_row(ssi))


def set_risk(session: Session, row_id: int, risk: RiskFactors) -> None:
    _update_procedure(session, row_id, risk_to_row(risk))


def set_field(session: Session, row_id: int, name: str, value: object) -> None:
    """Correct one of ``CORRECTABLE``."""
    if name not in CORRECTABLE:
        raise ValueError(f"{name} is not a correctable field")
    _update_procedure(session, row_id, {name: value})


def set_answer(
    session: Session, row_id: int, code: str, answer: str | None, confirmed_by: str, confirmed_at: datetime
) -> None:
    """Store step ``code``'s answer (None removes it)."""
    where = (_ANSWERS.c.procedure_id == row_id) & (_ANSWERS.c.step_code == code)
    if answer is None:
        session.execute(delete(_ANSWERS).where(where))
        return
    changed = cast(
        CursorResult[Any],
        session.execute(
            update(_ANSWERS)
            .where(where)
            .values(answer=answer, confirmed_by=confirmed_by, confirmed_at=confirmed_at)
        ),
    )
    if not changed.rowcount:
        session.execute(
            insert(_ANSWERS).values(
                procedure_id=row_id,
                step_code=code,
                answer=answer,
                confirmed_by=confirmed_by,
                confirmed_at=confirmed_at,
            )
        )


def procedures_on_or_after(session: Session, on: date) -> list[tuple[str, date]]:
    """(procedure id, surgery date) of every procedure with surgery on or after ``on``, by date then id."""
    rows = session.execute(
        select(_PROCEDURES.c.public_id, _PROCEDURES.c.surgery_date)
        .where(_PROCEDURES.c.surgery_date >= on)
        .order_by(_PROCEDURES.c.surgery_date, _PROCEDURES.c.public_id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def add_checkin(
    session: Session, row_id: int, day: int, done_on: date, done_by: str, note: str | None
) -> None:
    session.execute(
        insert(_CHECKINS).values(
            procedure_id=row_id, due_day=day, done_on=done_on, done_by=done_by, note=note
        )
    )
