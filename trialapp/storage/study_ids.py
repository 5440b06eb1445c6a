"""The local key table of study ids: which random study id stands for which patient in de-identified
exports.

A study id is drawn from the operating system's secure random source (``secrets``); it is never
computed from an MRN, a name or a date, so nobody holding a de-identified dataset can work back from
it. The table stays on the site's computer: only the site can link a study id to its patient, and a
re-export gives the same id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialapp.storage.models import StudyId

# No 0/O or 1/I, as for trial ids: study ids are read out over the phone and typed into other systems.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_LENGTH = 8  # 32^8 ≈ 10^12 ids: collisions are vanishingly rare and retried anyway
PREFIX = "S"


def new_study_id() -> str:
    """A fresh random study id such as ``S7KQ2M9XA``."""
    return PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def find_study_id(session: Session, patient_id: int) -> str | None:
    """The patient's study id, or None when none has been assigned yet."""
    return session.execute(
        select(StudyId.study_id).where(StudyId.patient_id == patient_id)
    ).scalar_one_or_none()


def study_id_exists(session: Session, study_id: str) -> bool:
    return session.execute(select(StudyId.id).where(StudyId.study_id == study_id)).first() is not None


@dataclass(frozen=True)
class Assignment:
    study_id: str
    created: bool  # True when this call assigned it (the caller audits it)


def assign_study_id(session: Session, patient_id: int, *, now: datetime | None = None) -> Assignment:
    """The patient's study id, assigning a new random one (inside the caller's transaction) if needed."""
    existing = find_study_id(session, patient_id)
    if existing is not None:
        return Assignment(existing, False)
    study_id = new_study_id()
    while study_id_exists(session, study_id):
        study_id = new_study_id()
    session.add(StudyId(patient_id=patient_id, study_id=study_id, created_at=now or datetime.now()))
    session.flush()
    return Assignment(study_id, True)


def patient_for_study_id(session: Session, study_id: str) -> int | None:
    """The patient behind a study id (re-identification by the site only), or None."""
    return session.execute(
        select(StudyId.patient_id).where(StudyId.study_id == study_id.strip().upper())
    ).scalar_one_or_none()
