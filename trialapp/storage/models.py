"""Tables of the trial record (SQLAlchemy 2 typed ORM).

One row type per record of ``itb-trial/1``, plus users, drafts, settings, alerts and the audit trail.
Child rows keep a ``position`` so that a record reads back in the order it was written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trialapp.storage.base import Base as Base  # explicit: code and migrations reach Base through here
from trialapp.storage.types import IsoDate, IsoDateTime

ROLES = ("pt", "nurse", "neurosurgeon", "qi_lead", "admin")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(IsoDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(IsoDateTime)

    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(IsoDate)
    sex: Mapped[str | None] = mapped_column(String(10))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    gmfcs_level: Mapped[int | None] = mapped_column(Integer)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    tone_pattern: Mapped[str | None] = mapped_column(String(10))
    allergies: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(5))
    # Lower-cased "given family mrn" for fast, index-friendly search.
    search_key: Mapped[str] = mapped_column(String(500), default="")

    trials: Mapped[list[TrialRow]] = relationship(back_populates="patient", order_by="TrialRow.id")

    __table_args__ = (
        Index("ix_patients_family_name", "family_name"),
        Index("ix_patients_search_key", "search_key"),
    )


class TrialRow(Base):
    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    started_on: Mapped[date] = mapped_column(IsoDate)
    state: Mapped[str] = mapped_column(String(12), default="active")  # active | completed
    # Protocol settings, frozen on the trial so that later changes never rewrite its results.
    mode: Mapped[str] = mapped_column(String(12))
    ladder: Mapped[str] = mapped_column(String(16))
    mas_coding: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[float] = mapped_column(Float)
    schedule_hours: Mapped[list[float]] = mapped_column(JSON)
    max_dose_mcg: Mapped[int] = mapped_column(Integer)
    late_after_minutes: Mapped[int] = mapped_column(Integer)
    catheter_placed_at: Mapped[datetime] = mapped_column(IsoDateTime)
    catheter_method: Mapped[str] = mapped_column(String(20))
    catheter_level: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(IsoDateTime)

    patient: Mapped[PatientRow] = relationship(back_populates="trials")
    goals: Mapped[list[GoalRow]] = relationship(order_by="GoalRow.position", cascade="all, delete-orphan")
    days: Mapped[list[TrialDay]] = relationship(
        order_by="TrialDay.day_number", cascade="all, delete-orphan", back_populates="trial"
    )
    decision: Mapped[DecisionRow | None] = relationship(cascade="all, delete-orphan", uselist=False)

    __table_args__ = (
        Index("ix_trials_state", "state"),
        # The home list, newest first, a page at a time, filtered by patient and state (revision 0004).
        Index("ix_trials_listing", "started_on", "id", "patient_id", "state"),
    )


class GoalRow(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    baseline_gas: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("trial_id", "code", name="trial_code"),)


class TrialDay(Base):
    __tablename__ = "trial_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    day_number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(IsoDate)
    added_reason: Mapped[str | None] = mapped_column(Text)

    trial: Mapped[TrialRow] = relationship(back_populates="days")
    assessments: Mapped[list[AssessmentRow]] = relationship(
        order_by="(AssessmentRow.at, AssessmentRow.id)", cascade="all, delete-orphan"
    )
    doses: Mapped[list[DoseRecord]] = relationship(
        order_by="(DoseRecord.given_at, DoseRecord.id)", cascade="all, delete-orphan"
    )
    adverse_events: Mapped[list[AdverseEventRecord]] = relationship(
        order_by="(AdverseEventRecord.at, AdverseEventRecord.id)", cascade="all, delete-orphan"
    )
    plan: Mapped[DayPlanRecord | None] = relationship(cascade="all, delete-orphan", uselist=False)

    __table_args__ = (UniqueConstraint("trial_id", "day_number", name="trial_day"),)


class AssessmentRow(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("trial_days.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(IsoDateTime)
    assessor: Mapped[str | None] = mapped_column(String(200))
    has_function: Mapped[bool] = mapped_column(Boolean, default=False)
    fms_5m: Mapped[str | None] = mapped_column(String(2))
    fms_50m: Mapped[str | None] = mapped_column(String(2))
    fms_500m: Mapped[str | None] = mapped_column(String(2))
    ten_m_walk_s: Mapped[float | None] = mapped_column(Float)
    tug_s: Mapped[float | None] = mapped_column(Float)
    six_min_walk_m: Mapped[float | None] = mapped_column(Float)
    gait_notes: Mapped[str | None] = mapped_column(Text)
    penn_frequency: Mapped[int | None] = mapped_column(Integer)
    penn_severity: Mapped[int | None] = mapped_column(Integer)
    pain_scale: Mapped[str | None] = mapped_column(String(12))
    pain_score: Mapped[int | None] = mapped_column(Integer)
    sedation_umss: Mapped[int | None] = mapped_column(Integer)
    has_vitals: Mapped[bool] = mapped_column(Boolean, default=False)
    hr: Mapped[float | None] = mapped_column(Float)
    rr: Mapped[float | None] = mapped_column(Float)
    spo2: Mapped[float | None] = mapped_column(Float)
    sbp: Mapped[float | None] = mapped_column(Float)
    dbp: Mapped[float | None] = mapped_column(Float)
    temp_c: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None] = mapped_column(IsoDateTime)

    mas: Mapped[list[MasGrade]] = relationship(order_by="MasGrade.position", cascade="all, delete-orphan")
    tardieu: Mapped[list[TardieuMeasure]] = relationship(
        order_by="TardieuMeasure.position", cascade="all, delete-orphan"
    )
    rom: Mapped[list[RomMeasure]] = relationship(order_by="RomMeasure.position", cascade="all, delete-orphan")
    goal_scores: Mapped[list[GoalScoreRow]] = relationship(
        order_by="GoalScoreRow.position", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("kind IN ('baseline', 'reassessment')", name="kind"),)


class MasGrade(Base):
    __tablename__ = "mas_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    muscle: Mapped[str] = mapped_column(String(48))
    side: Mapped[str] = mapped_column(String(5))
    grade: Mapped[str] = mapped_column(String(2))

    __table_args__ = (
        UniqueConstraint("assessment_id", "muscle", "side", name="muscle_side"),
        CheckConstraint("grade IN ('0', '1', '1+', '2', '3', '4', 'NT')", name="grade"),
        CheckConstraint("side IN ('left', 'right')", name="side"),
    )


class TardieuMeasure(Base):
    __tablename__ = "tardieu_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    muscle: Mapped[str] = mapped_column(String(48))
    side: Mapped[str] = mapped_column(String(5))
    r1_deg: Mapped[float | None] = mapped_column(Float)
    r2_deg: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[int | None] = mapped_column(Integer)


class RomMeasure(Base):
    __tablename__ = "rom_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(48))
    side: Mapped[str] = mapped_column(String(5))
    deg: Mapped[float] = mapped_column(Float)


class GoalScoreRow(Base):
    __tablename__ = "goal_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    goal_code: Mapped[str] = mapped_column(String(40))
    gas: Mapped[int] = mapped_column(Integer)


class DoseRecord(Base):
    __tablename__ = "doses"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("trial_days.id"), index=True)
    given_at: Mapped[datetime] = mapped_column(IsoDateTime)
    dose_mcg: Mapped[int] = mapped_column(Integer)
    concentration_mcg_per_ml: Mapped[int] = mapped_column(Integer)
    volume_ml: Mapped[float] = mapped_column(Float)
    via: Mapped[str | None] = mapped_column(String(40))
    lot: Mapped[str | None] = mapped_column(String(60))
    given_by: Mapped[str | None] = mapped_column(String(200))
    checked_by: Mapped[str | None] = mapped_column(String(200))
    # The blind double check, as each clinician entered it (null for imported records).
    first_entry_dose_mcg: Mapped[int | None] = mapped_column(Integer)
    first_entry_concentration: Mapped[int | None] = mapped_column(Integer)
    check_entry_dose_mcg: Mapped[int | None] = mapped_column(Integer)
    check_entry_concentration: Mapped[int | None] = mapped_column(Integer)
    entered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(IsoDateTime)

    warnings: Mapped[list[DoseWarning]] = relationship(
        order_by="DoseWarning.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("dose_mcg > 0", name="dose_positive"),
        CheckConstraint("concentration_mcg_per_ml IN (50, 500, 1000, 2000)", name="concentration"),
    )


class DoseWarning(Base):
    __tablename__ = "dose_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    dose_id: Mapped[int] = mapped_column(ForeignKey("doses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)


class AdverseEventRecord(Base):
    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("trial_days.id"), index=True)
    at: Mapped[datetime] = mapped_column(IsoDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))


class DayPlanRecord(Base):
    __tablename__ = "day_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("trial_days.id"), unique=True)
    next_dose_mcg: Mapped[int | None] = mapped_column(Integer)
    suggested_dose_mcg: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(IsoDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    rationale: Mapped[str | None] = mapped_column(Text)
    initial_daily_dose_mcg: Mapped[int | None] = mapped_column(Integer)
    signed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(IsoDateTime)


class FormDraft(Base):
    """A half-filled form, saved while typing so that a crash loses nothing."""

    __tablename__ = "form_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(IsoDateTime)

    __table_args__ = (UniqueConstraint("user_id", "form_key", name="user_form"),)


class Setting(Base):
    """Site settings edited by the admin (idle minutes, clinic phone, protocol defaults...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class AuditEntry(Base):
    """Append-only, hash-chained audit trail (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    # The history of one record, or of a trial's patient (services/history.py): revision 0009.
    __table_args__ = (Index("ix_audit_log_table_row", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at_utc: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    table_name: Mapped[str | None] = mapped_column(String(60))
    row_id: Mapped[str | None] = mapped_column(String(60))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    trial_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Digests of the clinical rows written since the previous audit row (storage/record_digest.py; revision 0005).
    record_digests: Mapped[str | None] = mapped_column(Text)
    # Unique: two writers can never both extend the chain from the same row.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Installation(Base):
    """Facts about the database itself: which audit key signed its chain."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(IsoDateTime)


class VitalAlertRecord(Base):
    """An R9 alert raised from recorded vitals; urgent ones stay on screen until acknowledged."""

    __tablename__ = "vital_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    code: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(10))  # urgent | warning
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(IsoDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(IsoDateTime)


class StudyId(Base):
    """Random study ids for de-identified exports (never derived from identifiers); kept so that a
    re-export gives the same id."""

    __tablename__ = "study_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    study_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(IsoDateTime)

