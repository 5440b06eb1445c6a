"""Tables of the infection quality-improvement (QI) programme: bundle versions, procedures, step answers and
90-day check-ins.

Defined on the same ``Base`` as the trial tables (``trialapp.storage.base``); ``trialapp.storage.schema``
imports both modules, so that the metadata, Alembic and the tests see every table. A procedure may link
to a trial; otherwise it holds no patient identifier at all: QI data are about operations, not people.
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

from trialapp.storage.base import Base
from trialapp.storage.types import IsoDate, IsoDateTime

PROCEDURE_KINDS = (
    "new_implant",
    "pump_replacement",
    "catheter_revision",
    "wound_revision",
    "removal",
    "other",
)
SSI_KINDS = ("culture_positive", "suspected")
SSI_CRITERIA = ("culture_positive", "removal_suspected", "dehiscence_exposed")
STEP_ANSWERS = ("yes", "no", "na")


class QiBundleVersion(Base):
    """One saved version of the bundle checklist (the whole checklist as JSON, ``trialapp-qi-bundle/1``).

    Versions are never changed: an edit saves a new version, in force from ``effective_from``.
    """

    __tablename__ = "qi_bundle_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    effective_from: Mapped[date] = mapped_column(IsoDate)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(IsoDateTime)


class QiProcedureRow(Base):
    """One pump or catheter operation followed by the QI programme, with its risk factors and its
    surgical-site infection (at most one: the first counts)."""

    __tablename__ = "qi_procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    site: Mapped[str] = mapped_column(String(100))
    surgery_date: Mapped[date] = mapped_column(IsoDate)
    kind: Mapped[str] = mapped_column(String(20))
    surgeon: Mapped[str] = mapped_column(String(200))
    trial_id: Mapped[int | None] = mapped_column(ForeignKey("trials.id"))
    # Risk factors at the time of surgery (null = not recorded).
    age_months: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    bmi: Mapped[float | None] = mapped_column(Float)
    gmfcs_level: Mapped[int | None] = mapped_column(Integer)
    gastrostomy: Mapped[bool | None] = mapped_column(Boolean)
    prior_revisions_6m: Mapped[int | None] = mapped_column(Integer)
    csf_leak: Mapped[bool | None] = mapped_column(Boolean)
    # The surgical-site infection, when one was recorded.
    ssi_kind: Mapped[str | None] = mapped_column(String(20))
    ssi_criterion: Mapped[str | None] = mapped_column(String(24))
    ssi_date: Mapped[date | None] = mapped_column(IsoDate)
    organism: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(IsoDateTime)
    # The bundle version the procedure was recorded against: its compliance is scored against this
    # version for good, whatever versions are saved later (null only for rows no version existed for).
    bundle_version: Mapped[int | None] = mapped_column(Integer)

    answers: Mapped[list[QiStepAnswer]] = relationship(
        order_by="QiStepAnswer.id", cascade="all, delete-orphan", back_populates="procedure"
    )
    checkins: Mapped[list[QiCheckin]] = relationship(
        order_by="QiCheckin.due_day", cascade="all, delete-orphan", back_populates="procedure"
    )

    __table_args__ = (
        Index("ix_qi_procedures_surgery_date", "surgery_date"),
        Index("ix_qi_procedures_site", "site"),
        CheckConstraint(f"kind IN {PROCEDURE_KINDS!r}", name="kind"),
        CheckConstraint(f"ssi_kind IS NULL OR ssi_kind IN {SSI_KINDS!r}", name="ssi_kind"),
        CheckConstraint(f"ssi_criterion IS NULL OR ssi_criterion IN {SSI_CRITERIA!r}", name="ssi_criterion"),
        CheckConstraint("(ssi_kind IS NULL) = (ssi_date IS NULL)", name="ssi_dated"),
        CheckConstraint("gmfcs_level IS NULL OR gmfcs_level BETWEEN 1 AND 5", name="gmfcs"),
    )


class QiStepAnswer(Base):
    """One bundle step for one procedure: yes, no or not applicable, and who confirmed it."""

    __tablename__ = "qi_step_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("qi_procedures.id"), index=True)
    step_code: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(String(3))
    confirmed_by: Mapped[str] = mapped_column(String(200))
    confirmed_at: Mapped[datetime] = mapped_column(IsoDateTime)

    procedure: Mapped[QiProcedureRow] = relationship(back_populates="answers")

    __table_args__ = (
        UniqueConstraint("procedure_id", "step_code", name="procedure_step"),
        CheckConstraint(f"answer IN {STEP_ANSWERS!r}", name="answer"),
    )


class QiCheckin(Base):
    """A follow-up contact inside the 90-day surveillance window (for example the day-30 wound check)."""

    __tablename__ = "qi_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("qi_procedures.id"), index=True)
    due_day: Mapped[int] = mapped_column(Integer)
    done_on: Mapped[date] = mapped_column(IsoDate)
    done_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    procedure: Mapped[QiProcedureRow] = relationship(back_populates="checkins")

    __table_args__ = (UniqueConstraint("procedure_id", "due_day", name="procedure_day"),)
